//! Passkeys: how many a person may keep, what a ceremony is for and how long it may wait, and
//! that a passkey opens one door only. The cryptography (attestation, assertions, counters) is the
//! relying-party library's, in `app::passkeys`; these are only the program's own rules.

use crate::account::InvalidInput;
use chrono::{DateTime, Duration, Utc};

/// Passkeys one person may register (decided; the issue only says "several"): enough for
/// every device and a spare key or two, and a bound on what one account can store.
pub const MAX_PER_PERSON: usize = 10;

/// How long the server waits for the browser's half of a ceremony (the time a person has to
/// touch their authenticator), the timeout WebAuthn recommends.
pub const CEREMONY_MINUTES: i64 = 5;

/// Refuses one more passkey for a person who has `registered` already.
pub fn may_add(registered: usize) -> Result<(), InvalidInput> {
    if registered >= MAX_PER_PERSON {
        return Err(InvalidInput::new(
            "name",
            format!(
                "you have {MAX_PER_PERSON} passkeys, the most one account may have; remove one you no longer use first"
            ),
        ));
    }
    Ok(())
}

/// When a ceremony started at `started` stops being accepted.
pub fn ceremony_expires(started: DateTime<Utc>) -> DateTime<Utc> {
    started + Duration::minutes(CEREMONY_MINUTES)
}

/// Whether a ceremony that ends at `expires_at` may still be finished at `now`.
pub fn ceremony_live(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now < expires_at
}

/// What a ceremony was started for; a ceremony is finished only for that same purpose, so an
/// answer to one kind of challenge is never taken for another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CeremonyPurpose {
    /// Adding a passkey to the signed-in person's account.
    Registration,
    /// Signing in with a passkey alone at the partner portal (`/signin`): only a partner
    /// user's passkey finishes it.
    PartnerSignIn,
    /// Signing in with a passkey alone at the staff console (`/staff/signin`): only a staff
    /// member's passkey finishes it.
    StaffSignIn,
    /// Proving the second factor of a person who gave their password.
    SecondFactor,
}

impl CeremonyPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            CeremonyPurpose::Registration => "registration",
            CeremonyPurpose::PartnerSignIn => "partner_sign_in",
            CeremonyPurpose::StaffSignIn => "staff_sign_in",
            CeremonyPurpose::SecondFactor => "second_factor",
        }
    }

    pub fn parse(value: &str) -> Option<CeremonyPurpose> {
        Some(match value {
            "registration" => CeremonyPurpose::Registration,
            "partner_sign_in" => CeremonyPurpose::PartnerSignIn,
            "staff_sign_in" => CeremonyPurpose::StaffSignIn,
            "second_factor" => CeremonyPurpose::SecondFactor,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_tenth_passkey_is_the_last() {
        assert!(may_add(MAX_PER_PERSON - 1).is_ok());
        let refused = may_add(MAX_PER_PERSON).unwrap_err();
        assert_eq!(refused.field, "name");
        assert!(refused.message.contains("remove one"), "{}", refused.message);
    }

    #[test]
    fn a_ceremony_is_accepted_for_five_minutes_and_not_at_the_fifth() {
        let started = Utc.with_ymd_and_hms(2027, 3, 15, 9, 0, 0).unwrap();
        let ends = ceremony_expires(started);
        assert!(ceremony_live(ends, started + Duration::seconds(299)));
        assert!(!ceremony_live(ends, started + Duration::minutes(5)));
    }

    #[test]
    fn purposes_read_back_as_written_and_the_two_doors_stay_apart() {
        for purpose in [
            CeremonyPurpose::Registration,
            CeremonyPurpose::PartnerSignIn,
            CeremonyPurpose::StaffSignIn,
            CeremonyPurpose::SecondFactor,
        ] {
            assert_eq!(CeremonyPurpose::parse(purpose.as_str()), Some(purpose));
        }
        assert_ne!(CeremonyPurpose::PartnerSignIn.as_str(), CeremonyPurpose::StaffSignIn.as_str());
        assert_eq!(CeremonyPurpose::parse("sign_in"), None);
    }
}
