# The partner portal's pages: offers, the order wizard, subscriptions, benefits, invoices,
# competencies, support and users.

## How values read

# A term from its first to its last day.
portal-term = { $start } – { $end }
portal-tax = Tax
portal-tax-rate = Tax ({ $rate }%)
portal-benefit-licenses = { $count } { $product } licenses
portal-benefit-seats = Up to { $count } { $product } seats
portal-benefit-account = 1 { $product } account
portal-benefit-monthly-credit = { $amount } of { $product } credits every month
portal-benefit-support-incidents = { $count } support incidents
portal-benefit-advisory-hours = { $count } advisory hours
portal-subscription-name = { $offer } subscription
portal-subscription-status-active = Active
portal-subscription-status-past-due = Past due
portal-subscription-status-expired = Expired
portal-subscription-status-cancelled = Cancelled
portal-request-status-new = New
portal-request-status-in-progress = In progress
portal-request-status-waiting-for-partner = Waiting for partner
portal-request-status-resolved = Resolved
portal-request-status-closed = Closed
portal-problem-billing = Help with partner invoice, payment, or reconciliation file
portal-problem-membership = Membership and benefits
portal-problem-competencies = Competencies
portal-problem-account = Account and users
portal-problem-portal = Technical problem with the portal
portal-application-status-submitted = Submitted
portal-application-status-under-review = Under review
portal-application-status-approved = Approved
portal-application-status-rejected = Rejected
portal-application-status-expired = Expired
portal-tier-silver = Silver
portal-tier-gold = Gold
portal-role-global-admin = Global admin
portal-role-account-admin = Account admin
portal-role-billing-admin = Billing admin
portal-role-user-management-admin = User management admin
portal-role-member = Member

## Dashboard

portal-dashboard-title = Dashboard
portal-dashboard-partner-id = Partner ID
portal-dashboard-country = Country
portal-dashboard-membership = Membership
portal-dashboard-offers = Partnership > Offers
portal-dashboard-offers-about = Offers you can buy and what you have bought.
portal-dashboard-membership-about = Your level and what you can upgrade to.
portal-dashboard-users-about = Invite people and assign their roles.
portal-dashboard-support-about = Get help from the program team.

## Partnership > Offers

portal-offers-title = Offers
portal-offers-available = Available offers
portal-offers-none-available = No more offers are available to your org right now.
portal-offers-price = { $price } a year, plus tax
portal-offers-not-sold = Not sold in your currency
portal-offers-subscribe-now = Subscribe now
portal-offers-who-subscribes = A Billing admin or a Global admin of your org can subscribe.
portal-offers-purchased = Purchased offers
portal-offers-none-purchased = Your org has not bought any offers yet.

## Membership

portal-membership-title = Membership
portal-membership-yours = Your membership
portal-membership-level = Level
portal-membership-since = Since
portal-membership-current-term = Current term
portal-membership-free = Free, no end
portal-membership-term = { $term } ({ $status })
portal-membership-upgrade = Upgrade your membership
portal-membership-upgrade-name = Upgrade
portal-membership-kind = Kind
portal-membership-price = Price
portal-membership-status = Status
portal-membership-kind-subscription = Subscription
portal-membership-kind-competency = Competency (Silver / Gold)
portal-membership-price-offer = { $price } a year
portal-membership-price-competency = { $silver } / { $gold } a year
portal-membership-offer-available = Available under Partnership > Offers
portal-membership-competency-earned = Earned: apply with evidence under Partnership > Competencies, then pay the annual fee

## Support

portal-support-title = Support
portal-support-intro = The { $program } team answers questions about membership, invoices, payments and the portal.
portal-support-report = Report problems
portal-support-report-about = open a new request (also to cancel a subscription).
portal-support-partner-requests-path = Service requests > Partner requests
portal-support-requests-about = follow your org's requests.
portal-support-write-to = Or write to
portal-support-quote-id = and quote your partner ID.

## The order wizard: Subscribe now → terms → payment → review → Buy

portal-back = Back
portal-order-steps = Steps
portal-order-step-verify = Verify
portal-order-step-terms = Terms
portal-order-step-payment = Payment
portal-order-step-review = Review
portal-order-confirmed-title = Order confirmed
portal-order-subscribe-title = Subscribe to { $offer }
portal-order-renew-title = Renew your { $offer } subscription
portal-order-processing = Your payment is being processed; refresh this page in a moment.
portal-order-term-if-today = { $term } (if you buy today)
portal-order-confirmed = Your order is confirmed.
portal-order-order = Order
portal-order-invoice = Invoice
portal-order-total = Total
portal-order-term = Term
portal-order-renews-yearly = Your { $offer } subscription renews automatically each year on this date.
portal-order-next-step = Next step:
portal-order-activate = Activate your { $offer } subscription
portal-order-activate-why = to make its benefits live.
portal-order-close = Close
portal-order-verify-title = Verify your order
portal-order-offer = Offer
portal-order-renewal-of = { $offer } subscription, renewal
portal-order-new-term = New term
portal-order-credit = Credit
portal-order-price = Price
portal-order-renewing-turns-on = Renewing turns automatic renewal back on.
portal-order-next = Next
portal-order-terms-version = version { $version }
portal-order-terms-agree = By selecting Next you agree to the Terms and Conditions above.
portal-order-payment-title = Payment
portal-order-no-way-to-pay = Your org has no way to pay yet.
portal-order-get-started = Get started! Add a way to pay
portal-order-pay-with = Pay with
portal-order-card-expires = expires { $expiry }
portal-order-add-another-card = Add another card
portal-order-back-to-terms = Back to the terms
portal-order-review-title = Review your order
portal-order-credit-replaced = Credit for the unused time of the subscription this replaces
portal-order-charged-now = Your card will be charged immediately. The subscription renews automatically each year.
portal-order-buy = Buy
portal-order-back-to-payment = Back to payment

## Cards

portal-card-add-way-to-pay = Add a way to pay
portal-card-payment-methods = Payment methods
portal-card-saved-line = { $card }, expires { $expiry }
portal-card-saved = Saved cards
portal-card-newest-charged = Automatic renewals charge the newest card: to replace a card that expires, add the new one.
portal-card-add = Add a card
portal-card-card = Card
portal-card-needs-javascript = Card entry with Stripe needs JavaScript.
portal-card-number = Card number
portal-card-expiry-month = Expiry month
portal-card-month-placeholder = MM
portal-card-expiry-year = Expiry year
portal-card-year-placeholder = YYYY
portal-card-security-code = Security code
portal-card-sandbox = Sandbox gateway: use a test card such as 4242 4242 4242 4242.

## A subscription's page

portal-subscription-status = Status
portal-subscription-auto-renewal = Automatic renewal
portal-subscription-on = On
portal-subscription-off = Off
portal-subscription-next-renewal = Next renewal
portal-subscription-next-renewal-on = { $day }: { $price } plus tax
portal-subscription-expires = Expires
portal-subscription-next-try = Next payment try
portal-subscription-payment-method = Payment method
portal-subscription-no-card = No card on file
portal-subscription-card-hidden = Shown to Billing admins
portal-subscription-ends-cancelled = Cancelled at the end of its term, as your org asked: it ends on { $day } and will not renew. Renewing it before then keeps it.
portal-subscription-renewal-off = Automatic renewal is off. You won't be able to turn it back on until you renew the subscription again. We'll remind you to renew before it expires.
portal-subscription-past-due = The renewal payment failed. Your benefits continue while we try again; a Billing admin can pay now with another card under Renew subscriptions.
portal-subscription-actions = Actions
portal-subscription-renew = Renew subscriptions
portal-subscription-replace-card = add a card to replace the one on file.
portal-subscription-who-renews = A Billing admin or a Global admin renews this subscription and pays for it.
portal-subscription-turn-off = Turn off automatic renewal
portal-subscription-who-manages = A Billing admin, an Account admin or a Global admin manages this subscription.
portal-subscription-back-to-offers = Back to offers
portal-turn-off-will-expire = Your { $offer } subscription will not renew on { $day }; it will expire then, and its benefits will end.
portal-turn-off-one-way = You won't be able to turn automatic renewal back on until you renew the subscription again.
portal-turn-off-reminder = We'll remind you to renew before it expires.
portal-turn-off-keep = Keep it on

## Notifications

portal-notifications-title = Notifications
portal-notifications-see-subscription = See the subscription
portal-notifications-none = No notifications yet.

## Support: Report problems → New request → Submit; Service requests > Partner requests

portal-report-intro = Tell the program's support team what is wrong: invoices and payments (and cancelling a subscription), membership and benefits, competencies, your account and users, or the portal itself. You can follow every request under
portal-request-new = New request
portal-request-problem = Type of problem
portal-request-choose = Choose…
portal-request-subscription = Subscription
portal-request-subscription-hint = for invoice, payment and cancellation requests
portal-request-no-subscription = None
portal-request-subscription-line = { $offer } subscription (term ends { $day })
portal-request-title-field = Title
portal-request-description = Description
portal-request-contact-email = Contact e-mail
portal-request-contact-phone = Contact phone
portal-request-optional = optional
portal-request-attachments = Attachments
portal-request-attachments-hint = optional; up to 3 files of PDF, PNG, JPEG or plain text, 2 MB each and 3 MB in all
portal-request-submit = Submit
portal-requests-service-requests = Service requests
portal-requests-title = Partner requests
portal-requests-open = Open
portal-requests-closed = Closed
portal-requests-none-open = No open requests.
portal-requests-none-closed = No closed requests.
portal-requests-number = Number
portal-requests-last-change = Last change
portal-request-title = Service request { $number }
portal-request-contact = Contact
portal-request-opened = Opened
portal-request-conversation = Conversation
portal-request-refunds = What staff did: refunds
portal-request-refund = Refund
portal-request-refund-state = State
portal-request-reply = Reply
portal-request-send = Send
portal-request-reopen = Reopen
portal-request-back = Back to partner requests
portal-refund-made = Made on { $day }
portal-refund-pending-why = Pending: the payment gateway did not make it yet ({ $error }); tried again automatically
portal-refund-pending-retry = Pending: the payment gateway has not made it yet; we try again automatically
portal-refund-pending-sending = Pending: being sent to the payment gateway
portal-file-kilobytes = { $count } KB

## Invoices and credit notes

portal-invoices-title = Invoices
portal-invoices-cards-about = the org's saved cards; add one to replace a card that expires.
portal-invoices-date = Date
portal-invoices-none = No invoices yet.
portal-invoices-credit-notes = Credit notes
portal-invoices-credited = Credited
portal-invoices-credit-note-of = { $description } (invoice { $invoice })
portal-invoices-reconciliation = Reconciliation file
portal-invoices-reconciliation-about = Every invoice and credit note issued in a month, one line each (credit notes as negative amounts), to match against your card statement and your books.
portal-invoices-month = Month
portal-invoices-month-placeholder = YYYY-MM
portal-invoices-download-csv = Download CSV
portal-invoice = Invoice
portal-invoice-title = Invoice { $number }
portal-invoice-bill-to = Bill to
portal-invoice-partner-id = Partner ID { $id }
portal-invoice-period = Period
portal-invoice-quantity = Qty
portal-invoice-amount = Amount
portal-invoice-net = Net
portal-invoice-paid-by = Paid by { $card } on { $day }.
portal-invoice-download-pdf = Download PDF
portal-invoice-all = All invoices
portal-credit-note = Credit note
portal-credit-note-title = Credit note { $number }
portal-credit-note-credit-to = Credit to
portal-credit-note-total = Total credited
portal-credit-note-refers-to = Refers to invoice { $invoice }. Refunded to { $card } on { $day }.

## Benefits

portal-benefits-title = Benefits
portal-benefits-yours-only = These are the seats and license keys assigned to you. Your admins manage the rest.
portal-benefits-none = No subscription brings benefits yet. Upgrade under
portal-benefits-none-assigned = Nothing is assigned to you yet.
portal-benefits-activate-about = Activate your { $subscription } to make its benefits live: license keys are issued, seats can be assigned and credits start.
portal-benefits-activate = Activate
portal-benefits-who-activates = An Account admin or a Global admin can activate them.
portal-benefits-ended = ended
portal-benefits-allocated = Allocated
portal-benefits-used = Used
portal-benefits-left = Left
portal-benefits-seat-or-key = Seat or key
portal-benefits-account = Account
portal-benefits-assigned-to = Assigned to
portal-benefits-revoked = revoked
portal-benefits-reveal = Reveal
portal-benefits-unassign = Unassign
portal-benefits-assign-to = Assign to
portal-benefits-assign = Assign
portal-benefits-what-for = What for
portal-benefits-use-credits = Use credits
portal-benefits-ledger = Ledger
portal-benefits-day = Day
portal-benefits-entry = Entry
portal-benefits-balance = Balance
portal-benefits-licenses = { $product } licenses
portal-benefits-seats = { $product } seats
portal-benefits-service-account = { $product } account
portal-benefits-monthly-credits = { $product } credits every month
portal-benefits-seat = Seat { $number }
portal-benefits-removed-user = a removed user
portal-benefits-free = Free
portal-key-title = License key
portal-key-audited = This view was recorded in the audit log.
portal-key-back = Back to benefits

## Competencies

portal-competencies-title = Competencies
portal-competencies-intro = A competency is earned: apply for a level with your evidence, program staff review it, and once it is approved you pay the annual fee. Gold includes Silver's benefits; holding Silver, you may apply for Gold, and the unused Silver time is credited on the Gold fee.
portal-competencies-applications = Your applications
portal-competencies-competency = Competency
portal-competencies-fee-paid = , fee paid
portal-competencies-open = Open
portal-competencies-apply = Apply
portal-competencies-who-applies = An Account admin or a Global admin applies for competencies.
portal-competency-title = { $competency } { $tier }
portal-requirement-people = { $count } people certified as { $certification }
portal-requirement-references = { $count } customer references
portal-requirement-attest = Attest: “{ $text }”
portal-apply-title = Apply for { $competency } { $tier }
portal-apply-asks-for = The level asks for:
portal-apply-name = Name
portal-apply-certification = Certification ID
portal-apply-customer = Customer and contact
portal-application-title = { $competency } application
portal-application-fee = { $price } a year plus tax
portal-application-annual-fee = Annual fee
portal-application-why-not = Why it was not approved
portal-application-approved = Your application is approved. Pay the annual fee to hold the competency; it renews every year like any subscription.
portal-application-pay = Pay the fee
portal-application-who-pays = A Billing admin or a Global admin pays the fee.
portal-application-subscription = The competency's subscription
portal-application-benefits = Its benefits
portal-application-evidence = Evidence
portal-application-people = Certified people
portal-application-references = Customer references
portal-application-attested = The statement was confirmed.
portal-application-files = Files
portal-application-no-files = None.
portal-application-attach-file = Attach a file
portal-application-attach-hint = PDF, PNG, JPEG or text; 2 MB at most; 5 files per application
portal-application-attach = Attach
portal-application-back = Back to competencies
portal-file-bytes = { $count } bytes
portal-file-kilobytes-tenths = { $whole }.{ $tenth } KB

## Users

portal-users-title = Users
portal-users-email = E-mail
portal-users-role = Role
portal-users-manage = Manage
portal-users-pending = Pending invitations
portal-users-cancel-invitation = Cancel invitation
portal-users-invite = Invite a user
portal-users-send-invitation = Send invitation
portal-users-sso = Single sign-on
portal-users-sso-required = Your org's users sign in only with { $provider }; passwords and passkeys are refused.
portal-users-sso-optional = Your org's users may sign in with { $provider } or with their password.
portal-users-sso-require = Require everyone in the org to sign in with { $provider }
portal-users-save = Save
portal-users-change-role = Change role
portal-users-own-role = Nobody changes their own role; ask another admin of your org.
portal-users-not-manageable = Only a Global admin changes the role of a Global admin.
portal-users-save-role = Save role
portal-users-remove-title = Remove from the org
portal-users-remove-about = { $name } will lose access at once; their sessions and API tokens end.
portal-users-remove = Remove user
