# Signing up and in, second factors, passkeys, e-mailed links and a person's own account.
# Messages ending in -lead/-rest are the two sides of a name or link written between them.

## Words several pages share
identity-email = E-mail
identity-password = Password
identity-password-length = (at least 12 characters)
identity-password-range = (12 to 128 characters)
identity-new-password = New password
identity-current-password = Current password
identity-your-name = Your name
identity-your-email = Your e-mail
identity-name = Name
identity-role = Role
identity-created = Created
identity-last-used = Last used
identity-never = never
identity-confirm = Confirm
identity-choose = Choose…
identity-second-factor-required = Your role must use a second factor.

## Sign in
identity-signin-title = Sign in
identity-staff-signin-title = Staff sign in
identity-signin-button = Sign in
identity-signin-with = Sign in with { $provider }
identity-signin-or-password = Or sign in with your e-mail address and password:
identity-signin-or-passkey = Or, without your password:
identity-signin-with-passkey = Sign in with a passkey
identity-signin-new = New to the program?
identity-signin-sign-up = Sign up your company

## Sign up
identity-signup-title = Sign up
identity-signup-heading = Join { $program }
identity-signup-lead = Sign up your company to get a partner ID and a free Network membership. You will be its Global admin.
identity-company-name = Company name
identity-country = Country
identity-signup-already = Already a partner?

## An invitation
identity-invitation-title = Accept invitation
identity-invitation-heading = Join { $org }
identity-invitation-as = You were invited as
identity-invitation-with-address = with the address
identity-invitation-choose = {"."} Choose your name and a password to accept.

## Forgot your password?
identity-forgot-title = Forgot your password?
identity-staff-forgot-title = Staff: forgot your password?
identity-forgot-lead = Type the e-mail address of your account. If an account has that address, we e-mail it a link to choose a new password; the link works once, for an hour.
identity-forgot-lead-staff = Type the e-mail address of your staff account. If an account has that address, we e-mail it a link to choose a new password; the link works once, for an hour.
identity-forgot-button = E-mail me a link
identity-back-to-signin = Back to sign in

## E-mailed links
identity-link-verify-title = Confirm your e-mail address
identity-link-change-title = Confirm your new e-mail address
identity-link-reset-title = Choose a new password
identity-link-setup-title = Set up your staff account
identity-link-resend = Resend the link
identity-link-ask-again = Ask for a new link
identity-link-verify-lead = Confirm that
identity-link-verify-rest = is your e-mail address.
identity-link-change-lead = Use
identity-link-change-rest = as the e-mail address of your account from now on.
identity-link-password-lead = Choose a password for
identity-link-password-rest = {"."} Every session of the account is signed out.
identity-link-set-password = Set password

## The second factor at sign-in, and step-up
identity-verify-title = Second factor
identity-step-up-title = Confirm it is you
identity-step-up-lead = This asks for your second factor again, since you last gave it more than 15 minutes ago.
identity-verify-passkey = Your password was right. Now use one of your passkeys.
identity-verify-code = Your password was right. Now type the six-digit code your authenticator app shows, or one of your recovery codes.
identity-verify-passkey-or-code = Your password was right. Now use one of your passkeys, or type the six-digit code your authenticator app shows, or one of your recovery codes.
identity-verify-use-passkey = Use a passkey
identity-verify-needs-script = Using a passkey needs JavaScript.
identity-verify-needs-script-or-code = Using a passkey needs JavaScript; type a code instead.
identity-verify-or-code = Or with a code:
identity-verify-code-label = Code
identity-verify-cancel = Cancel and sign out

## An authenticator app
identity-totp-title = Set up an authenticator app
identity-totp-set-one-up = Set one up to continue.
identity-totp-or = Or
identity-totp-add-passkey = add a passkey
identity-totp-instead = as your second factor instead.
identity-totp-step-open = Open an authenticator app on your phone (any app for time-based codes will do).
identity-totp-step-scan = Scan this code with it, or type the key below by hand.
identity-totp-step-type = Type the six-digit code the app then shows.
identity-totp-qr = QR code for your authenticator app
identity-totp-key = Key:
identity-totp-code = Code from the app
identity-totp-turn-on = Turn on

## Passkeys
identity-passkeys-title = Passkeys
identity-passkeys-lead = A passkey signs you in with your device's screen lock (a fingerprint, your face or a PIN) or a security key, without your password, and it counts as your second factor too. A passkey works only on this site, so nobody can trick you into using it on another.
identity-passkeys-unavailable = Passkeys cannot be used at this server's address: its public URL must name a host (such as https://partners.example.com), not an IP address. Ask your operator.
identity-passkeys-enrol = Add a passkey to continue, or
identity-passkeys-enrol-totp = set up an authenticator app
identity-passkeys-enrol-rest = instead.
identity-passkeys-confirm-first = To add a passkey, first
identity-passkeys-confirm-link = confirm it is you
identity-passkeys-confirm-rest = with your second factor.
identity-passkeys-needs-script = Adding a passkey needs JavaScript: your browser's passkey prompt is opened by a script. Removing one does not.
identity-passkeys-example-name = Work laptop
identity-passkeys-add = Add a passkey
identity-passkeys-none = You have no passkeys yet.
identity-passkeys-new-name-for = New name for { $name }
identity-passkeys-rename = Rename
identity-passkeys-remove-named = Remove { $name }
identity-passkeys-remove = Remove

## Security
identity-security-title = Security
identity-security-codes-shown = Your recovery codes. Keep them somewhere safe: each signs you in once if you lose your authenticator app. They will not be shown again.
identity-security-totp = Authenticator app
identity-security-on = On
identity-security-off = Off
identity-security-none = none
identity-security-manage-passkeys = Manage passkeys
identity-security-recovery-codes = Recovery codes
identity-security-no-codes = none
identity-security-codes-left = { $count } left
identity-security-new-codes = Make new recovery codes
identity-security-remove-totp = Remove the authenticator app
identity-security-sessions = Sessions
identity-security-browser = Browser
identity-security-address = Address
identity-security-signed-in = Signed in
identity-security-last-seen = Last seen
identity-security-this-session = This session
identity-security-unknown-address = unknown
identity-security-sign-out-others = Sign out everywhere else
identity-security-tokens-rest = {":"} see when each was last used, and revoke them.
identity-security-events = Recent security events
identity-security-no-events = None yet.
identity-security-when = When
identity-security-what = What
identity-security-from = From
identity-method-password = password
identity-method-sign-up = sign-up
identity-method-invitation = invitation
identity-method-passkey = passkey
identity-method-sso = sso

## Account
identity-account-title = Account
identity-account-security-rest = {":"} sessions, second factor, passkeys, recent events
identity-account-language-label = Read partnerhub in
identity-account-language-browser = My browser's language
identity-account-language-save = Save language
identity-account-time-zone = Time zone
identity-account-time-zone-label = Times are shown in
identity-account-time-zone-program = The program's time zone ({ $zone })
identity-account-time-zone-save = Save time zone
identity-account-change-email = Change e-mail address
identity-account-change-email-lead = We send a link to the new address; the change takes effect once you open it, and your current address is told.
identity-account-new-email = New e-mail address
identity-account-send-link = Send confirmation link
identity-account-change-password = Change password
identity-account-revoke-tokens = Also revoke my API tokens

## API tokens
identity-api-tokens-title = API tokens
identity-api-tokens-lead = A token acts as you in the API
identity-api-tokens-openapi = OpenAPI document
identity-api-tokens-lead-rest = {","} with your role. Send it as
identity-api-tokens-copy = Copy your new token now; it will not be shown again:
identity-api-tokens-example-name = CRM sync
identity-api-tokens-create = Create token
identity-api-tokens-ends-in = Ends in
identity-api-tokens-status = Status
identity-api-tokens-active = active
identity-api-tokens-revoked = revoked
identity-api-tokens-revoke = Revoke

## Said by the passkey script in the browser ({ status } is filled in by the script).
identity-passkey-js-unsupported = This browser cannot use passkeys. Use a current browser, or sign in with your password.
identity-passkey-js-server-refused = The server could not take this request ({"{"}status{"}"}). Reload the page and try again.
identity-passkey-js-closed = The passkey prompt was closed or timed out; nothing was changed.
identity-passkey-js-duplicate = This device holds a passkey for your account already.
identity-passkey-js-insecure = This browser refused passkeys at this address; the site must be opened at its own address over https.
identity-passkey-js-failed = The passkey could not be used.

## A browser in the list of sessions.
identity-browser-unknown = Unknown browser
identity-browser-on-system = A browser on { $system }
identity-browser-on = { $browser } on { $system }
