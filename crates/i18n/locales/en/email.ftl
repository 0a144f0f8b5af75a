# E-mails: subjects and bodies. Bodies are plain text; blank lines separate paragraphs.

email-greeting = Hello { $name },

email-verify-subject = Confirm your e-mail address for { $program }
email-verify-body =
    Hello { $name },

    Please confirm that { $email } is your e-mail address for the { $program } portal: open this link and press Confirm (it works once, for { $hours } hours):
    { $link }

    Until then you can look around, but not buy, invite users or create API tokens.

    If you did not sign up, ignore this e-mail.

email-reset-subject = Reset your { $program } password
email-reset-body =
    Hello { $name },

    Someone asked to reset the password of your { $program } account ({ $email }). To choose a new password, open this link (it works once, for { $minutes } minutes):
    { $link }

    If it was not you, ignore this e-mail: your password stays as it is.

email-password-changed-subject = Your { $program } password was changed
email-password-changed-body =
    Hello { $name },

    The password of your { $program } account ({ $email }) was just changed, and its other sessions were signed out.

    If you did not change it, reset it now with "Forgot your password?" on the sign-in page, and revoke your API tokens under Account > API tokens.

email-change-confirm-subject = Confirm your new e-mail address for { $program }
email-change-confirm-body =
    Hello { $name },

    You asked to use { $new_email } for your { $program } account instead of { $email }. Open this link and press Confirm to make the change (it works once, for { $hours } hours):
    { $link }

    If you did not ask for this, ignore this e-mail: nothing changes.

email-change-requested-subject = Your { $program } e-mail address
email-change-requested-body =
    Hello { $name },

    Someone signed in to your { $program } account asked to change its e-mail address from { $email } to { $new_email }. The change is made only once the new address is confirmed.

    If this was not you, sign in and change your password now.

email-changed-subject = Your { $program } e-mail address changed
email-changed-body =
    Hello { $name },

    The e-mail address of your { $program } account is now { $email }; e-mail about it goes there from now on.

    If you did not make this change, contact the program's support at once.

email-invitation-subject = Join { $org } on { $program }
email-invitation-body =
    { $inviter } invited you to join { $org } in the { $program } portal as { $role }.

    Accept the invitation here (the link works for { $days } days):
    { $link }

email-receipt-subject = Receipt for your { $offer } subscription ({ $number })
email-receipt-body =
    Hello { $name },

    Your order for { $offer } is confirmed.

    Invoice { $number }: { $total }, paid by { $paid_with }.
    Term: { $start } to { $end }.

    The invoice: { $link }

## Security notices: how someone signs in changed, or someone kept guessing

email-failed-signins-subject = Failed sign-in attempts on your account
email-failed-signins-body =
    Hello { $name },

    There were repeated failed attempts to sign in to your { $program } account ({ $what }, the last from { $from }). Further attempts from there are refused for a while.

    If this was you, wait a little and try again. If it was not, your password may be known to someone else: change it under Account, and set up a second factor.
email-guess-password = a wrong password
email-guess-code = a wrong second-factor code
email-guess-passkey = a passkey whose answer was refused
email-unknown-address = an unknown address
email-security-body =
    Hello { $name },

    { $change }.

    If this was not you, reset your password at once and tell your program's staff.
email-authenticator-added = An authenticator app was set up for your account
email-authenticator-removed = The authenticator app was removed from your account
email-recovery-code-used = A recovery code was used to sign in ({ $left } left)
email-passkey-added = A passkey, "{ $passkey }", was added to your account
email-passkey-removed = The passkey "{ $passkey }" was removed from your account

## To program admins

email-webhook-disabled-subject = A webhook endpoint was disabled
email-webhook-disabled-body =
    The webhook endpoint { $url } kept failing and has been disabled: { $reason }.

    Fix the receiver, turn the endpoint on again and resend what it missed: { $link }
email-webhook-why-failed = event { $event } could not be delivered after { $attempts } attempts over 3 days
