# Notices of an org's subscriptions: the portal's notifications and the e-mails that carry them.

notification-expires-today-title = Your { $offer } subscription expires today
notification-expires-today-body = Your { $offer } subscription ends today, { $day }. Renew it to keep its benefits.
notification-expires-in-title = Your { $offer } subscription expires in { $days } days
notification-expires-in-body = Your { $offer } subscription ends on { $day } and will not renew automatically. Renew it under Partnership > Offers to keep its benefits.
notification-renews-in-title = Your { $offer } subscription renews in { $days } days
notification-renews-in-body = Your { $offer } subscription renews automatically on { $day }: we will charge { $price } plus tax to your card on file.
