# The staff console.

## Words several pages share
staff-none = None.
staff-none-yet = None yet.
staff-all = All
staff-org = Org
staff-status = Status
staff-name = Name
staff-email = E-mail
staff-role = Role
staff-partner-id = Partner ID
staff-company = Company
staff-country = Country
staff-signed-up = Signed up
staff-offer = Offer
staff-term = Term
staff-term-dates = { $start } – { $end }
staff-number = Number
staff-date = Date
staff-total = Total
staff-invoice = Invoice
staff-refund = Refund
staff-subscription = Subscription
staff-submitted = Submitted
staff-competency = Competency
staff-problem-type = Type of problem
staff-handled-by = Handled by
staff-back-to-queue = Back to the queue

## Orgs
staff-orgs-title = Partner orgs
staff-orgs-none = No partner has signed up yet.
staff-orgs-older = Older orgs
staff-org-membership = Membership
staff-org-member-since = { $level } since { $since }
staff-org-subscriptions = Subscriptions
staff-org-renewal = Renewal
staff-org-renews = renews automatically
staff-org-renewal-off = automatic renewal off
staff-org-invoices = Invoices
staff-org-paid-with = Paid with
staff-org-users = Users
staff-org-audit = Audit log of this org

## Audit log
staff-audit-title = Audit log
staff-audit-when = When
staff-audit-who = Who
staff-audit-from = From
staff-audit-action = Action
staff-audit-what = What

## Outbox
staff-outbox-title = E-mail outbox
staff-outbox-lead = Every message partnerhub sends, newest first.
staff-outbox-none = No e-mail yet.
staff-outbox-older = Older messages
staff-outbox-sent = sent
staff-outbox-waiting = in the outbox

## Staff accounts
staff-team-title = Staff
staff-team-since = Since
staff-team-you = You
staff-team-role-of = Role of { $name }
staff-team-change-role = Change role
staff-team-remove-access = Remove access
staff-team-removed-on = Access removed on { $day }
staff-team-password-shown = The account is ready. Give its owner this password (shown once):
staff-team-add = Add a staff member
staff-team-create = Create staff account

## Webhooks
staff-webhooks-title = Webhooks
staff-webhooks-registered-lead = The endpoint
staff-webhooks-registered-rest = is registered. Its signing secret, shown this once:
staff-webhooks-check-lead = The receiver checks each delivery's
staff-webhooks-check-rest = header with it (the README shows how).
staff-webhooks-none = No endpoints yet.
staff-webhooks-events = Events
staff-webhooks-enabled = enabled
staff-webhooks-disabled = disabled
staff-webhooks-register-title = Register an endpoint
staff-webhooks-register = Register
staff-webhook-title = Webhook endpoint
staff-webhook-turn-off = Turn off
staff-webhook-turn-on = Turn on
staff-webhook-deliveries = Deliveries
staff-webhook-event = Event
staff-webhook-type = Type
staff-webhook-attempts = Attempts
staff-webhook-last-answer = Last answer
staff-webhook-log = log
staff-webhook-log-line = { $at }: { $answer } in { $ms } ms
staff-webhook-failed = { $code } (failed)
staff-webhook-not-tried = not tried yet
staff-webhook-all = All endpoints

## Competency applications
staff-competencies-title = Competency applications
staff-competencies-show = Show:
staff-competencies-open = Waiting for a decision
staff-competencies-approved = Approved
staff-competencies-rejected = Rejected
staff-competencies-review = Review
staff-competency-title = { $title } application
staff-competency-fee-paid = {","} fee paid
staff-competency-reviewer = Reviewer
staff-competency-reason-given = Reason given
staff-competency-requirements = Requirements
staff-competency-evidence = Evidence
staff-competency-person = Certified person
staff-competency-certification = Certification ID
staff-competency-references = Customer references
staff-competency-attestation = Attestation:
staff-competency-attested = confirmed
staff-competency-not-attested = none asked or not confirmed
staff-competency-files = Files
staff-competency-decision = Decision
staff-competency-take-up = Take up for review
staff-competency-approve = Approve
staff-competency-reason = Reason (the partner reads it)
staff-competency-reject = Reject
staff-competency-admin-decides = A Program admin decides on applications.

## Service requests
staff-requests-title = Service requests
staff-requests-open = Open
staff-requests-new = New
staff-requests-in-progress = In progress
staff-requests-waiting = Waiting for partner
staff-requests-resolved = Resolved
staff-requests-closed = Closed
staff-requests-any = Any
staff-requests-org-placeholder = partner ID or name
staff-requests-opened-at-least = Opened at least
staff-requests-days-ago = days ago
staff-requests-anyone = Anyone
staff-requests-me = Me
staff-requests-nobody = Nobody yet
staff-requests-filter = Filter
staff-requests-request-title = Title
staff-requests-opened = Opened
staff-request-title = Service request { $number }
staff-request-org = { $name } (partner ID { $partner })
staff-request-contact = Contact
staff-request-nobody-yet = nobody yet
staff-request-assign-to = Assign to
staff-request-assign = Assign
staff-request-attachments = Attachments
staff-request-conversation = Conversation
staff-request-internal-mark = internal, the partner does not see it
staff-request-answer = Answer
staff-request-answer-hint = optional; the partner reads it and is told by e-mail
staff-request-save = Save
staff-request-note = Internal note
staff-request-note-hint = for staff only; the partner never sees it
staff-request-add-note = Add note
staff-request-refunds = Refunds
staff-request-state = State
staff-request-credit-note = Credit note
staff-request-no-subscription = This request names no subscription. To cancel one or refund it, name it first.
staff-request-name-subscription = Name this subscription
staff-request-subscription = { $offer } subscription, { $status }, term { $term }
staff-request-subscription-ending = { $offer } subscription, { $status }, term ends { $end }
staff-request-cancel-subscription = Cancel subscription
staff-request-cancel-at-end = Cancel at the end of the term
staff-request-cancel-at-end-hint = automatic renewal goes off; it runs to the end of its term; nothing is refunded
staff-request-cancel-now = Cancel now
staff-request-cancel-now-lead = {":"} the subscription and its benefits end today. The offer's refund policy gives:
staff-request-nothing-to-refund = No paid term is left to refund.
staff-request-paid = Paid
staff-request-policy = Policy
staff-request-lower-hint = lower it if you must, and say why
staff-request-why-lower = Why lower
staff-request-balances = Support balances
staff-request-no-balances = The org has no live support incidents or advisory hours.
staff-request-balance = { $product }: { $left } left
staff-request-use = Use
staff-request-amount = Amount
staff-request-draw = Draw down

## How a refund line was worked out (the cancellation quote).
staff-refund-basis-full = full refund within { $days } days of the payment
staff-refund-basis-prorated = prorated: { $unused } of { $days } days unused
staff-refund-basis-not-refundable = not refundable under the offer's policy
staff-refund-basis-ended = the term is over
