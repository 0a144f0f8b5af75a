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
