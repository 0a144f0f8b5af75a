//! E-mailed single-use links: what each is for, how long it works, when one may be used, and
//! how often one may be sent again.

use chrono::{DateTime, Duration, Utc};

/// What a link does when it is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkPurpose {
    /// Proves that the person receives mail at their account's address.
    VerifyEmail,
    /// Confirms a new address before it replaces the account's address.
    ChangeEmail,
    /// Sets a new password for someone who forgot theirs (or through an operator).
    ResetPassword,
    /// Sets the first password of a staff account made on the command line or at first start.
    StaffSetup,
}

impl LinkPurpose {
    pub const ALL: [LinkPurpose; 4] =
        [LinkPurpose::VerifyEmail, LinkPurpose::ChangeEmail, LinkPurpose::ResetPassword, LinkPurpose::StaffSetup];

    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::VerifyEmail => "verify_email",
            LinkPurpose::ChangeEmail => "change_email",
            LinkPurpose::ResetPassword => "reset_password",
            LinkPurpose::StaffSetup => "staff_setup",
        }
    }

    pub fn parse(value: &str) -> Option<LinkPurpose> {
        LinkPurpose::ALL.into_iter().find(|p| p.as_str() == value)
    }

    /// How long a link works (decided): a password reset an hour, since whoever reads the
    /// mailbox takes the account; the others a day, so that a link read the next morning still
    /// works.
    pub fn lifetime(self) -> Duration {
        match self {
            LinkPurpose::ResetPassword => Duration::hours(1),
            LinkPurpose::VerifyEmail | LinkPurpose::ChangeEmail | LinkPurpose::StaffSetup => Duration::hours(24),
        }
    }

    /// The path of the page the link opens, before its secret: each purpose has its own, so
    /// that a link says what it does.
    pub fn path(self) -> &'static str {
        match self {
            LinkPurpose::VerifyEmail => "/verify-email",
            LinkPurpose::ChangeEmail => "/confirm-email",
            LinkPurpose::ResetPassword => "/reset-password",
            LinkPurpose::StaffSetup => "/staff/set-up",
        }
    }

    /// Whether using the link sets a password (its page asks for one).
    pub fn sets_password(self) -> bool {
        matches!(self, LinkPurpose::ResetPassword | LinkPurpose::StaffSetup)
    }
}

/// Why a link can no longer be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LinkRefusal {
    #[error("this link has been used already; each link works once")]
    Used,
    #[error("this link has expired")]
    Expired,
    #[error("this link is not known: check that it was copied whole, or ask for a new one")]
    Unknown,
}

impl LinkRefusal {
    /// A stable code for API clients and tests.
    pub fn code(self) -> &'static str {
        match self {
            LinkRefusal::Used => "link_used",
            LinkRefusal::Expired => "link_expired",
            LinkRefusal::Unknown => "link_unknown",
        }
    }
}

/// Whether a link made to expire at `expires_at`, used at `used_at`, still works at `now`.
/// A used link reads as used even after it expired: that is the more useful thing to hear.
pub fn check_usable(
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), LinkRefusal> {
    if used_at.is_some() {
        Err(LinkRefusal::Used)
    } else if now >= expires_at {
        Err(LinkRefusal::Expired)
    } else {
        Ok(())
    }
}

/// How often a link of one purpose may be sent to one account or address (decided): one a
/// minute and five an hour, so that nobody can fill a mailbox with them.
pub const SENDS_PER_HOUR: usize = 5;
const SEND_GAP: Duration = Duration::minutes(1);

/// Whether another link may be sent at `now`, given when the earlier ones of the last hour were
/// sent; when not, how many seconds until one may.
pub fn may_send_again(sent: &[DateTime<Utc>], now: DateTime<Utc>) -> Result<(), u64> {
    let hour_ago = now - Duration::hours(1);
    let mut recent: Vec<DateTime<Utc>> = sent.iter().copied().filter(|t| *t > hour_ago).collect();
    recent.sort();
    let wait_until = match recent.last() {
        Some(last) if now - *last < SEND_GAP => Some(*last + SEND_GAP),
        _ if recent.len() >= SENDS_PER_HOUR => Some(recent[recent.len() - SENDS_PER_HOUR] + Duration::hours(1)),
        _ => None,
    };
    match wait_until {
        Some(at) => Err(u64::try_from((at - now).num_seconds()).unwrap_or(0).max(1)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 3, 15, 9, 0, 0).unwrap() + Duration::minutes(minute)
    }

    #[test]
    fn purposes_round_trip_and_resets_are_short_lived() {
        for p in LinkPurpose::ALL {
            assert_eq!(LinkPurpose::parse(p.as_str()), Some(p));
        }
        assert_eq!(LinkPurpose::parse("other"), None);
        assert_eq!(LinkPurpose::ResetPassword.lifetime(), Duration::hours(1));
        assert_eq!(LinkPurpose::VerifyEmail.lifetime(), Duration::hours(24));
        assert_eq!(LinkPurpose::StaffSetup.lifetime(), Duration::hours(24));
        assert!(LinkPurpose::StaffSetup.sets_password() && !LinkPurpose::ChangeEmail.sets_password());
    }

    #[test]
    fn a_link_works_once_and_until_it_expires() {
        assert_eq!(check_usable(at(60), None, at(59)), Ok(()));
        assert_eq!(check_usable(at(60), None, at(60)), Err(LinkRefusal::Expired));
        assert_eq!(check_usable(at(60), Some(at(10)), at(20)), Err(LinkRefusal::Used));
        assert_eq!(check_usable(at(60), Some(at(10)), at(90)), Err(LinkRefusal::Used));
    }

    #[test]
    fn links_are_sent_at_most_once_a_minute_and_five_times_an_hour() {
        assert_eq!(may_send_again(&[], at(0)), Ok(()));
        assert_eq!(may_send_again(&[at(0)], at(0)), Err(60));
        assert_eq!(may_send_again(&[at(0)], at(1)), Ok(()));
        let five = [at(0), at(2), at(4), at(6), at(8)];
        assert_eq!(may_send_again(&five, at(10)), Err(50 * 60));
        assert_eq!(may_send_again(&five, at(60)), Ok(()), "the first has left the hour");
        assert_eq!(may_send_again(&[at(-120), at(-61)], at(0)), Ok(()), "older sends do not count");
    }
}
