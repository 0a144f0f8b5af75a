# The layout around every page: the menu, the signed-in person, the banners and the notices.

# This language's own name, as the language choices list it.
layout-language-name = English
layout-staff-console = staff console

## The menu
layout-nav-dashboard = Dashboard
layout-nav-partnership = Partnership
layout-nav-offers = Offers
layout-nav-membership = Membership
layout-nav-competencies = Competencies
layout-nav-benefits = Benefits
layout-nav-invoices = Invoices
layout-nav-users = Users
layout-nav-support = Support
layout-nav-notifications = Notifications
layout-nav-account = Account
layout-nav-orgs = Orgs
layout-nav-requests = Requests
layout-nav-audit = Audit log
layout-nav-outbox = Outbox
layout-nav-webhooks = Webhooks
layout-nav-staff = Staff
layout-sign-out = Sign out

## Roles
layout-role-support-agent = Support agent
layout-role-program-admin = Program admin

## The banner of an address still to confirm: the address is written between the two parts.
layout-unverified-lead = Confirm your e-mail address: open the link we sent to
layout-unverified-rest = {"."} Until then you can look around, but not buy, invite users or create API tokens.
layout-resend = Resend

## Notices after a change
layout-notice-welcome = Welcome! Your org has joined the program with a Network membership.
layout-notice-invited = Invitation sent.
layout-notice-session-ended = That session is signed out.
layout-notice-sessions-ended = Every other session is signed out.
layout-notice-totp-added = The authenticator app is on. Save your recovery codes now.
layout-notice-totp-removed = The authenticator app is removed.
layout-notice-card-added = Card saved. Automatic renewals charge it from now on.
layout-notice-invitation-cancelled = Invitation cancelled.
layout-notice-role-changed = Role changed.
layout-notice-user-removed = User removed.
layout-notice-password-changed = Password changed. Your other sessions have been signed out.
layout-notice-token-revoked = API token revoked.
layout-notice-passkey-added = Passkey added. You can sign in with it instead of your password.
layout-notice-passkey-renamed = Passkey renamed.
layout-notice-passkey-removed = Passkey removed. It no longer signs you in.
layout-notice-joined = Welcome! You have joined your org.
layout-notice-benefits-activated = Benefits activated. They stay live until the subscription ends.
layout-notice-benefit-assigned = Assigned.
layout-notice-benefit-unassigned = Taken back; it is free for someone else.
layout-notice-credits-used = Credits used.
layout-notice-file-attached = File attached.
layout-notice-request-opened = Request submitted. The support team answers here and by e-mail.
layout-notice-reply-sent = Reply sent.
layout-notice-request-reopened = Request reopened.
layout-notice-sso-required = Done. Your org's users now sign in only through single sign-on.
layout-notice-sso-not-required = Done. Your org's users may sign in with a password again.
layout-notice-applied = Application submitted. Program staff will review it; you will be told of their decision.
layout-notice-verification-sent = We sent you a new link to confirm your e-mail address; it works for 24 hours.
layout-notice-email-verified = Thank you: your e-mail address is confirmed.
layout-notice-email-change-sent = We sent a link to your new address; the change takes effect once you open it and press Confirm.
layout-notice-email-changed = Your e-mail address is changed; sign in with the new one from now on.
layout-notice-reset-requested = If an account has that address, we have e-mailed it a link to choose a new password. The link works once, for an hour.
layout-notice-password-set = Your password is set; sign in with it. Every earlier session was signed out.
layout-notice-language-saved = Your language is saved.
layout-notice-time-zone-saved = Your time zone is saved.

## The language switch of the signed-out pages, and the Account page's choice
layout-language = Language

## The error page
layout-error-title = Error { $status }
layout-error-not-found = Not found
layout-error-not-allowed = Not allowed
layout-error-too-many = Too many attempts
layout-error-wrong = Something is wrong
layout-error-resend-lead = To get a new link, press Resend in the note at the top of
layout-error-resend-dashboard = your dashboard
layout-error-back = Back to partnerhub
