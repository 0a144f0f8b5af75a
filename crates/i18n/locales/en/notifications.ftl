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

## Competency decisions

notification-competency-approved-title = Your { $competency } competency application is approved
notification-competency-approved-body = Your application for the { $competency } competency was approved. Pay the annual fee under Partnership > Membership to hold the competency.
notification-competency-rejected-title = Your { $competency } competency application was not approved
notification-competency-rejected-body = Your application for the { $competency } competency was not approved: { $reason }

## Service requests

notification-request-answered-title = Service request { $number }: { $status }
notification-request-staff-wrote =
    Program staff wrote in your service request { $number } ({ $title }):

    { $message }
notification-request-now = Your service request { $number } ({ $title }) is now { $status }.
notification-request-status-new = new
notification-request-status-in-progress = in progress
notification-request-status-waiting-for-partner = waiting for partner
notification-request-status-resolved = resolved
notification-request-status-closed = closed
notification-request-link = Service request { $number }: { $link }
notification-request-cancelled-at-term-end = Cancelled at the end of its term: the { $offer } subscription ends on { $day } and will not renew; its benefits last until then. Nothing is refunded.

## Cancellations and refunds

notification-cancelled-title = Your { $offer } subscription has been cancelled
notification-cancelled-body = Subscription cancelled: the { $offer } subscription has ended today and its benefits with it.
notification-cancelled-nothing = Nothing is refunded: no paid term is left to refund.
notification-cancelled-refund = Refund of { $amount } for invoice { $invoice } ({ $basis }) to { $paid_with }; the credit note follows when the payment gateway has made it.
notification-cancelled-no-refund = Nothing refunded for invoice { $invoice } ({ $basis }).
notification-cancelled-lowered = The refund was lowered from { $policy } to { $given }: { $reason }
notification-refund-made-title = Credit note { $number }: refund of { $amount }
notification-refund-made-body =
    Refund of { $amount } made to { $refunded_to }; credit note { $number } for invoice { $invoice }.

    The credit note: { $link }
