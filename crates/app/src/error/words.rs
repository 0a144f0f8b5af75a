//! The messages of errors whose words are made below the app (a domain rule's fixed words, a
//! gateway's decline, the thing not found): each fixed English text and the key that says it in
//! every language. A text not listed here is shown as written; a test keeps each listed text
//! equal to its key's English message, so the two cannot drift apart.

use domain::email_link::LinkRefusal;
use i18n::{Key, key};

/// The message for "{what} not found".
pub(super) fn not_found(what: &str) -> Option<Key> {
    Some(match what {
        "subscription" => key("error-not-found-subscription"),
        "org" => key("error-not-found-org"),
        "service request" => key("error-not-found-service-request"),
        "order" => key("error-not-found-order"),
        "offer" => key("error-not-found-offer"),
        "invitation" => key("error-not-found-invitation"),
        "user" => key("error-not-found-user"),
        "application" => key("error-not-found-application"),
        "file" => key("error-not-found-file"),
        "unit" => key("error-not-found-unit"),
        "staff member" => key("error-not-found-staff-member"),
        "passkey" => key("error-not-found-passkey"),
        "invoice" => key("error-not-found-invoice"),
        "competency" => key("error-not-found-competency"),
        "benefit" => key("error-not-found-benefit"),
        "API token" => key("error-not-found-api-token"),
        "webhook endpoint" => key("error-not-found-webhook-endpoint"),
        "webhook delivery" => key("error-not-found-webhook-delivery"),
        "session" => key("error-not-found-session"),
        "payment method" => key("error-not-found-payment-method"),
        "credit note" => key("error-not-found-credit-note"),
        "support balance" => key("error-not-found-support-balance"),
        "single sign-on" => key("error-not-found-single-sign-on"),
        "price" => key("error-not-found-price"),
        "page" => key("error-not-found-page"),
        "license key" => key("error-not-found-license-key"),
        "country" => key("error-not-found-country"),
        "competency level" => key("error-not-found-competency-level"),
        "authenticator app" => key("error-not-found-authenticator-app"),
        "API route" => key("error-not-found-api-route"),
        _ => return None,
    })
}

/// The words of a decline, as the gateways write them.
pub(super) fn declined(reason: &str) -> Option<Key> {
    DECLINES.iter().find(|(english, _)| *english == reason).map(|(_, k)| *k)
}

const DECLINES: [(&str, Key); 4] = [
    ("Your card has insufficient funds.", key("error-card-insufficient-funds")),
    ("Your card has expired.", key("error-card-expired")),
    ("Your card's security code is incorrect.", key("error-card-incorrect-cvc")),
    ("Your card was declined.", key("error-card-declined")),
];

pub(super) fn link(refusal: &LinkRefusal) -> Key {
    match refusal {
        LinkRefusal::Used => key("error-link-used"),
        LinkRefusal::Expired => key("error-link-expired"),
        LinkRefusal::Unknown => key("error-link-unknown"),
    }
}

/// The message of a value refused with fixed words.
pub(super) fn invalid(field: &str, message: &str) -> Option<Key> {
    INVALID.iter().find(|(f, english, _)| (f.is_empty() || *f == field) && *english == message).map(|(_, _, k)| *k)
}

/// (field, or "" for any; the English words; the key).
const INVALID: [(&str, &str, Key); 40] = [
    ("", "enter an e-mail address like name@example.com", key("error-invalid-email")),
    ("password", "choose a password that is not one repeated character", key("error-password-repeated")),
    ("password", "choose a password that is not your e-mail address", key("error-password-is-email")),
    ("password", "this password is too common; choose another", key("error-password-common")),
    ("password", "choose a password of 12 to 128 characters", key("error-password-length")),
    ("card_number", "enter the card number as printed on the card", key("error-card-number")),
    ("card_number", "this card number is not valid; check it for a typo", key("error-card-number-typo")),
    ("exp_month", "enter the expiry month as 1 to 12", key("error-card-exp-month")),
    ("exp_year", "enter the expiry year like 2029", key("error-card-exp-year")),
    ("exp_year", "this card has expired; use another card", key("error-card-has-expired")),
    ("exp_year", "enter the expiry year printed on the card", key("error-card-exp-year-printed")),
    ("cvc", "enter the 3-digit security code", key("error-card-cvc-3")),
    ("cvc", "enter the 4-digit security code", key("error-card-cvc-4")),
    ("problem", "choose the type of problem from the list", key("error-problem-type")),
    ("problem", "choose a type of problem from the list", key("error-problem-type-filter")),
    ("description", "describe the problem in at most 10,000 characters", key("error-description-long")),
    ("contact_phone", "write a phone number with digits, spaces and + - ( ) only", key("error-phone")),
    ("body", "write a message of at most 10,000 characters", key("error-message-long")),
    ("memo", "write at most 200 characters on one line", key("error-memo")),
    ("key", "reload the page and send the form again", key("error-reload-and-resend")),
    ("tier", "choose silver or gold", key("error-tier")),
    ("reason", "say why it is rejected (at most 1,000 characters); the partner reads it", key("error-reject-reason")),
    ("current_password", "the current password is not right", key("error-current-password")),
    ("new_email", "that is your address already", key("error-same-email")),
    ("subscription_id", "choose one of your org's subscriptions", key("error-choose-subscription")),
    ("subscription_id", "choose one of this org's subscriptions", key("error-choose-org-subscription")),
    ("older_than_days", "write a whole number of days, like 7", key("error-whole-days")),
    ("assignee", "choose a staff member", key("error-choose-staff")),
    ("assignee", "there is no staff member with that address", key("error-no-such-staff")),
    ("status", "choose the request's new status", key("error-request-status")),
    ("amount", "write a whole number of incidents or hours, like 1", key("error-whole-units")),
    ("code", "that code is not right; type the six digits the app shows now", key("error-totp-wrong")),
    ("code", "that code was used already; wait for the next one", key("error-totp-used")),
    ("code", "that code is not right, or was used already", key("error-code-wrong")),
    ("role", "choose one of the listed roles", key("error-choose-role")),
    ("payment_method_id", "choose one of your saved cards", key("error-choose-card")),
    ("country", "choose your country from the list", key("error-choose-country")),
    ("file", "choose a file to attach", key("error-choose-file")),
    ("file", "the form could not be read; send it again", key("error-form-unreadable")),
    ("file", "the upload could not be read; send it again", key("error-upload-unreadable")),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_text_is_its_keys_english_message() {
        let en = crate::text::english().expect("the message files load");
        for (_, english, k) in INVALID.iter() {
            assert_eq!(en.text(*k), *english, "{}", k.0);
        }
        for (english, k) in DECLINES.iter() {
            assert_eq!(en.text(*k), *english, "{}", k.0);
        }
        assert_eq!(en.text(link(&LinkRefusal::Used)), LinkRefusal::Used.to_string());
        assert_eq!(en.text(link(&LinkRefusal::Expired)), LinkRefusal::Expired.to_string());
        assert_eq!(en.text(link(&LinkRefusal::Unknown)), LinkRefusal::Unknown.to_string());
        for what in ["order", "API token", "single sign-on"] {
            assert_eq!(en.text(not_found(what).unwrap()), format!("{what} not found"));
        }
    }
}
