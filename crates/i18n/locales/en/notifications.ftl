# Notices of an org's subscriptions: the portal's notifications and the e-mails that carry them.

notification-expires-today-title = Your { $offer } subscription expires today
notification-expires-today-body = Your { $offer } subscription ends today, { $day }. Renew it to keep its benefits.
notification-expires-in-title = Your { $offer } subscription expires in { $days } days
notification-expires-in-body = Your { $offer } subscription ends on { $day } and will not renew automatically. Renew it under Partnership > Offers to keep its benefits.
notification-renews-in-title = Your { $offer } subscription renews in { $days } days
notification-renews-in-body = Your { $offer } subscription renews automatically on { $day }: we will charge { $price } plus tax to your card on file.
notification-charge-failed-title = Payment for your { $offer } subscription failed
notification-charge-failed-body =
    The automatic renewal of your { $offer } subscription could not be charged: { $reason }

    We will try again on { $day } with the newest card on file. Until then your benefits continue. Add a card: { $cards }
    Or renew now: { $link }
notification-expired-title = Your { $offer } subscription has expired
notification-expired-body = Your { $offer } subscription ended on { $day }: { $why }. Its benefits have ended. You can subscribe again under Partnership > Offers (or renew it within 30 days of its end).
notification-ended-title = Your { $offer } subscription has ended
notification-ended-body = Your { $offer } subscription ended on { $day }: { $why }. Its benefits have ended. You can subscribe again under Partnership > Offers.
notification-why-payment-failed = the renewal payment failed after every retry
notification-why-cancelled-at-term-end = it was cancelled at the end of its term
notification-why-renewal-off-after-failure = automatic renewal was turned off after the payment failed
notification-why-renewal-off = automatic renewal was off
