# Errors a person reads: API problem details and form messages. The API's `code`s stay English.

error-storage-unavailable = We cannot save changes right now (our database's storage is unavailable); nothing was changed. Please try again in a minute.
error-internal = Something went wrong on our side; the error has been logged. Please try again.
error-sign-in-first = sign in first
error-bad-credentials = the e-mail address or the password is not right
error-gateway-unavailable = the payment gateway cannot be reached right now ({ $why }); try again in a moment
error-payment-pending = we could not confirm your payment with the payment gateway yet; we are checking, and nothing will be charged twice
error-rate-limited = too many attempts; try again in { $seconds } seconds
error-role-does-not-allow = your role does not allow you to { $what }
error-email-unverified = confirm your e-mail address before you { $what }: open the link we sent to { $email }, or ask for a new one with Resend

## Not found: missing, or not the reader's to see.
error-not-found-subscription = subscription not found
error-not-found-org = org not found
error-not-found-service-request = service request not found
error-not-found-order = order not found
error-not-found-offer = offer not found
error-not-found-invitation = invitation not found
error-not-found-user = user not found
error-not-found-application = application not found
error-not-found-file = file not found
error-not-found-unit = unit not found
error-not-found-staff-member = staff member not found
error-not-found-passkey = passkey not found
error-not-found-invoice = invoice not found
error-not-found-competency = competency not found
error-not-found-benefit = benefit not found
error-not-found-api-token = API token not found
error-not-found-webhook-endpoint = webhook endpoint not found
error-not-found-webhook-delivery = webhook delivery not found
error-not-found-session = session not found
error-not-found-payment-method = payment method not found
error-not-found-credit-note = credit note not found
error-not-found-support-balance = support balance not found
error-not-found-single-sign-on = single sign-on not found
error-not-found-price = price not found
error-not-found-page = page not found
error-not-found-license-key = license key not found
error-not-found-country = country not found
error-not-found-competency-level = competency level not found
error-not-found-authenticator-app = authenticator app not found
error-not-found-api-route = API route not found

## Card declines, as the gateways word them.
error-card-insufficient-funds = Your card has insufficient funds.
error-card-expired = Your card has expired.
error-card-incorrect-cvc = Your card's security code is incorrect.
error-card-declined = Your card was declined.

## E-mailed links.
error-link-used = this link has been used already; each link works once
error-link-expired = this link has expired
error-link-unknown = this link is not known: check that it was copied whole, or ask for a new one

## Values refused.
error-invalid-email = enter an e-mail address like name@example.com
error-password-repeated = choose a password that is not one repeated character
error-password-is-email = choose a password that is not your e-mail address
error-password-common = this password is too common; choose another
error-password-length = choose a password of 12 to 128 characters
error-card-number = enter the card number as printed on the card
error-card-number-typo = this card number is not valid; check it for a typo
error-card-exp-month = enter the expiry month as 1 to 12
error-card-exp-year = enter the expiry year like 2029
error-card-has-expired = this card has expired; use another card
error-card-exp-year-printed = enter the expiry year printed on the card
error-card-cvc-3 = enter the 3-digit security code
error-card-cvc-4 = enter the 4-digit security code
error-problem-type = choose the type of problem from the list
error-problem-type-filter = choose a type of problem from the list
error-description-long = describe the problem in at most 10,000 characters
error-phone = write a phone number with digits, spaces and + - ( ) only
error-message-long = write a message of at most 10,000 characters
error-memo = write at most 200 characters on one line
error-reload-and-resend = reload the page and send the form again
error-tier = choose silver or gold
error-reject-reason = say why it is rejected (at most 1,000 characters); the partner reads it
error-current-password = the current password is not right
error-same-email = that is your address already
error-choose-subscription = choose one of your org's subscriptions
error-choose-org-subscription = choose one of this org's subscriptions
error-whole-days = write a whole number of days, like 7
error-choose-staff = choose a staff member
error-no-such-staff = there is no staff member with that address
error-request-status = choose the request's new status
error-whole-units = write a whole number of incidents or hours, like 1
error-totp-wrong = that code is not right; type the six digits the app shows now
error-totp-used = that code was used already; wait for the next one
error-code-wrong = that code is not right, or was used already
error-choose-role = choose one of the listed roles
error-choose-card = choose one of your saved cards
error-choose-country = choose your country from the list
error-choose-file = choose a file to attach
error-form-unreadable = the form could not be read; send it again
error-upload-unreadable = the upload could not be read; send it again

## What a role may not do: "your role does not allow you to …".
error-act-activate-benefits-ask = activate benefits; ask an Account admin or a Global admin
error-act-add-payment-methods = add payment methods
error-act-answer-service-requests = answer service requests
error-act-apply-for-competencies-ask = apply for competencies; ask an Account admin or a Global admin
error-act-assign-benefits-ask = assign benefits; ask an Account admin or a Global admin
error-act-assign-service-requests = assign service requests
error-act-buy = buy
error-act-buy-offers-ask = buy offers; ask a Billing admin or a Global admin
error-act-cancel-subscriptions = cancel subscriptions
error-act-change-service-requests = change service requests
error-act-change-staff-accounts = change staff accounts
error-act-create-api-tokens = create API tokens
error-act-create-staff-accounts = create staff accounts
error-act-decide-how-the-orgs-users-sign-in = decide how the org's users sign in
error-act-decide-on-competency-applications = decide on competency applications
error-act-download-the-reconciliation-file = download the reconciliation file
error-act-draw-down-support-balances = draw down support balances
error-act-invite-users = invite users
error-act-manage-invitations = manage invitations
error-act-manage-the-users-of-your-org = manage the users of your org
error-act-manage-webhooks = manage webhooks
error-act-open-service-requests-ask = open service requests; ask an admin of your org
error-act-read-the-audit-log = read the audit log
error-act-read-the-email-outbox = read the e-mail outbox
error-act-read-webhook-events = read webhook events
error-act-renew-a-subscription = renew a subscription
error-act-renew-subscriptions-ask = renew subscriptions; ask a Billing admin or a Global admin
error-act-reopen-service-requests-ask = reopen service requests; ask an admin of your org
error-act-see-and-manage-the-users-of-your = see and manage the users of your org
error-act-see-benefits = see benefits
error-act-see-credit-notes = see credit notes
error-act-see-invoices = see invoices
error-act-see-notifications = see notifications
error-act-see-partner-orgs = see partner orgs
error-act-see-payment-methods = see payment methods
error-act-see-service-requests = see service requests
error-act-see-service-requests-ask = see service requests; ask an admin of your org
error-act-see-staff-accounts = see staff accounts
error-act-see-subscriptions = see subscriptions
error-act-see-the-credit-ledger = see the credit ledger
error-act-see-the-users-of-your-org = see the users of your org
error-act-see-this-license-key-ask = see this license key; keys are shown to Account admins, Global admins and the user who holds the key
error-act-see-your-membership = see your membership
error-act-use-credits-ask = use credits; ask an Account admin or a Global admin
error-act-write-in-service-requests = write in service requests
error-act-write-in-service-requests-ask = write in service requests; ask an admin of your org

## Benefits.
error-subscription-ended-benefits = the { $offer } subscription has ended; renew it to get its benefits back
error-benefits-active-already = the benefits of the { $offer } subscription are active already
error-benefit-ended = the { $product } benefit has ended with its subscription
error-benefit-not-assignable = { $product } is not assigned to people; only seats and license keys are
# $kind is "license" or "seat".
error-benefit-already-assigned = { $name } already holds one of the { $product } { $kind ->
        [license] license keys
       *[seat] seats
    }
error-benefit-none-left = all { $units } { $product } { $kind ->
        [license] license keys
       *[seat] seats
    } are assigned; unassign one first
error-benefit-just-taken = that { $product } { $kind ->
        [license] license key
       *[seat] seat
    } was just assigned to someone else; try again
error-license-key-revoked = this license key was revoked when the subscription ended
error-not-a-credit = { $product } is not a credit balance
error-idempotency-key-reused = this Idempotency-Key was used for a different request
error-credit-left = only { $left } is left of the { $product } credits
error-already-drawn = this draw was recorded already
error-support-left = only { $left } { $product } are left

## Accounts, users and staff.
error-address-has-account = the address { $email } already has an account
error-address-invited-already = the address { $email } has been invited already; cancel that invitation to send a new one
error-email-confirmed-already = { $email } is confirmed already; there is nothing to resend
error-role-not-allowed = your role does not allow managing users
error-role-global-admin-only = only a Global admin can grant, change or remove the Global admin role
error-role-last-global-admin = an org must keep at least one Global admin; make someone else Global admin first
error-role-own = nobody changes their own role; ask another admin of your org
error-staff-exists = a staff account for { $email } exists already
error-staff-own-account = you cannot change your own staff account; ask another program admin
error-staff-last-admin = the program needs at least one program admin; make another one first

## Single sign-on; $provider is the provider's name.
error-sso-not-offered = partner users do not sign in with { $provider } in this program
error-sso-no-email = { $provider } did not tell us your e-mail address, so we cannot find your account
error-sso-email-not-verified = { $provider } has not verified your e-mail address; verify it there, then sign in again
error-sso-access-removed = your staff access has been removed; ask a program admin
error-sso-linked-elsewhere = your account here is linked to another { $provider } account; sign in with that one
error-sso-no-staff-account = there is no staff account for your { $provider } address; ask a program admin to create one
error-sso-no-partner-user = no partner user has your { $provider } address; ask your org's admin to invite you, or sign up
error-sso-staff-only = staff sign in with { $provider } here; password sign-in is turned off
error-sso-org-requires = your org requires signing in with { $provider }; use Sign in with { $provider }
error-sso-state-unknown = this sign-in was finished already, has expired or was not started here; start again
error-sso-expired = the sign-in took longer than 10 minutes; start again
error-sso-other-browser = this sign-in was started in another browser; start again in this one
error-sso-wrong-issuer = the answer came from another provider than { $provider }; start again
error-sso-provider-error = { $provider } did not sign you in: { $said }
error-sso-no-code = { $provider } sent no authorization code; start again

## Buying and renewing.
error-not-a-network-member = You must be a network member to upgrade your membership.
error-missing-level = You need { $level } first.
error-already-held = Your org already has a live { $offer } subscription; there can be one at a time.
error-not-priced = { $offer } is not sold in { $currency }, the currency of your country.
error-credit-other-currency = The credit for the replaced subscription is in { $currency }, not in the currency of this order.
error-offer-payment-in-progress = a payment for this offer is being processed; try again in a moment
error-order-payment-in-progress = a payment for this order is being processed
error-order-paid = this order is paid already
error-order-closed = this order was set aside; start again from Partnership > Offers
error-terms-changed = the Terms and Conditions are now version { $version }; read them and agree again
error-terms-not-accepted = agree to the Terms and Conditions first
error-step-not-reached = finish the earlier steps first
error-fee-not-payable = only an approved application whose fee is unpaid can be paid
error-offer-earned = { $offer } is earned: apply for it with your evidence, and pay its fee once staff approved it
error-renewal-already-off = Automatic renewal is already off. It can be turned back on only by renewing the subscription.
error-subscription-ended = This subscription has ended.
error-renewal-too-early = Renewal opens on { $day }, 90 days before the term ends.
error-renewal-too-late = The renewal window closed on { $day }, 30 days after the term ended; subscribe again under Partnership > Offers.
error-renews-automatically = This subscription renews automatically; there is nothing to renew by hand until its term nears its end.
error-live-subscription-renew-that = Your org already has a live { $offer } subscription; renew that one instead.
error-term-renewed-already = this term has been renewed already
error-subscription-payment-in-progress = a payment for this subscription is being processed
error-subscription-ended-already = the { $offer } subscription has ended already

## Competencies and service requests.
error-competency-held = your org holds the { $competency } { $tier } competency already
error-application-open = an application for { $competency } is open already; wait for its decision, or pay its fee if it was approved
error-application-decided = files can be added only while the application waits for its decision
error-application-too-many-files = an application carries at most { $max } files
error-request-closed = this request is closed
error-request-files-closed = files can be added only while the request is open
error-request-names-subscription = this request names a subscription already
error-request-no-subscription = this request does not name a subscription to cancel
error-request-too-many-files = a request carries at most { $max } files
error-act-choose-the-billing-language = choose the billing language

## Files sent with a form, and amounts typed by staff. $name is the file's name as sent.
error-file-empty = { $name }: the file is empty
error-file-too-large = { $name }: the file is larger than { $megabytes } MB
error-file-type = { $name }: send a PDF, PNG, JPEG or plain-text file
error-file-name = { $name }: the file needs a name
error-too-many-files = attach at most { $most } files
error-refund-amount = write the refund in { $currency }, like 12.50
error-amount-in = write an amount in { $currency }, like 12.50

## Refusals of the second factor, passkeys, sign-up, forms and routes.
error-unit-not-assigned = nobody holds this one
error-enrol-first = set up a second factor first
error-no-passkey = this account has no passkey; type a code from your authenticator app instead
error-passkey-ceremony-gone = this passkey request has expired or was used already; start again
error-passkey-unverified = the passkey's answer could not be verified; try again
error-passkey-registered = this passkey is registered already; use it to sign in, or add another one
error-totp-exists = an authenticator app is set up already; remove it first to set up another
error-totp-start-again = start setting up the authenticator app again
error-totp-first = set up an authenticator app first; recovery codes come with it
error-step-up-first = confirm it is you with your second factor first
error-role-keeps-second-factor = your role must keep a second factor: set up another before removing this one
error-email-has-account = this e-mail address already has an account; sign in instead
error-role-change-subscriptions = your role does not allow you to change subscriptions
error-generate-sandbox-only = generated orgs pay with sandbox cards; use the sandbox gateway
error-route-for-partners = this route is for partner users; use a partner user's token
error-route-for-staff = this route is for program staff
error-staff-only-status-notes = only staff set a status or write internal notes
error-form-expired = this form has expired or did not come from partnerhub; reload the page and try again
error-time-zone-unknown = { $zone } is not a time zone; choose one from the list
error-refund-more-than-due = the refund cannot be more than the policy gives ({ $most })
error-refund-negative = the refund cannot be negative
error-refund-no-reason = say why the refund is lower than the policy gives
error-refund-currency = the refund must be in { $currency }
