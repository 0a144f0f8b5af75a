//! Sessions: the steps of signing in, how long a session lasts, when a sensitive action asks
//! for the second factor again, and who must have a second factor.

use crate::roles::PartnerRole;
use chrono::{DateTime, Duration, Utc};

/// How far a browser session has got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// The password was right; a second factor is owed before anything else.
    SecondFactor,
    /// The policy asks for a second factor that the person has not set up: they set one up
    /// before anything else.
    Enrol,
    /// Signed in.
    Full,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::SecondFactor => "second_factor",
            Stage::Enrol => "enrol",
            Stage::Full => "full",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        match s {
            "second_factor" => Some(Stage::SecondFactor),
            "enrol" => Some(Stage::Enrol),
            "full" => Some(Stage::Full),
            _ => None,
        }
    }

    /// Where a password sign-in leads: to the second factor when the person has one, else to
    /// setting one up when the policy asks for it, else straight in.
    pub fn after_password(has_second_factor: bool, must_have_one: bool) -> Stage {
        if has_second_factor {
            Stage::SecondFactor
        } else if must_have_one {
            Stage::Enrol
        } else {
            Stage::Full
        }
    }
}

/// How long sessions last (configurable; these are the defaults).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lifetime {
    /// A session unused this long ends.
    pub idle: Duration,
    /// No session lasts longer than this, used or not.
    pub absolute: Duration,
}

impl Default for Lifetime {
    fn default() -> Lifetime {
        Lifetime { idle: Duration::hours(12), absolute: Duration::days(7) }
    }
}

/// A sensitive action (revealing a license key, changing roles, adding a card, creating an API
/// token, registering a webhook, a staff refund) asks for the second factor again when the last
/// one given in the session is older than this.
pub const STEP_UP_AFTER: Duration = Duration::minutes(15);

/// Whether a sensitive action must ask for the second factor first. Someone with no second
/// factor has nothing to give again (the policy decides who must have one).
pub fn step_up_needed(has_second_factor: bool, factor_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    has_second_factor && factor_at.is_none_or(|at| now - at > STEP_UP_AFTER)
}

/// Whether a second factor may be removed: not when the policy asks the person to keep one and
/// it is the last they have (an authenticator app, a passkey).
pub fn may_remove_factor(must_have_one: bool, another_left: bool) -> bool {
    !must_have_one || another_left
}

/// A session's activity is written at most this often, so that browsing is not a write per
/// page.
pub const LAST_SEEN_EVERY: Duration = Duration::minutes(1);

/// Which partner users must have a second factor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartnerPolicy {
    /// Every partner user.
    Everyone,
    /// These roles (the default: Global admin and Billing admin).
    Roles(Vec<PartnerRole>),
}

impl Default for PartnerPolicy {
    fn default() -> PartnerPolicy {
        PartnerPolicy::Roles(vec![PartnerRole::GlobalAdmin, PartnerRole::BillingAdmin])
    }
}

impl PartnerPolicy {
    pub fn requires(&self, role: PartnerRole) -> bool {
        match self {
            PartnerPolicy::Everyone => true,
            PartnerPolicy::Roles(roles) => roles.contains(&role),
        }
    }

    /// `all`, `none`, or role names separated by commas (`global_admin,billing_admin`).
    pub fn parse(s: &str) -> Result<PartnerPolicy, String> {
        match s.trim() {
            "all" => Ok(PartnerPolicy::Everyone),
            "none" | "" => Ok(PartnerPolicy::Roles(Vec::new())),
            list => list
                .split(',')
                .map(|name| {
                    name.trim().parse::<PartnerRole>().map_err(|_| format!("no partner role is called {name:?}"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(PartnerPolicy::Roles),
        }
    }
}

/// A browser as told from its `User-Agent`, for the list of sessions: the browser and the
/// system, as far as they can be told (their names are names in every language).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrowserSeen {
    /// No `User-Agent` at all.
    Unknown,
    /// A `User-Agent` naming neither a known browser nor a known system: its first characters.
    Unrecognised(String),
    Browser(&'static str),
    System(&'static str),
    BrowserOn(&'static str, &'static str),
}

pub fn describe_user_agent(user_agent: &str) -> BrowserSeen {
    let ua = user_agent;
    let browser = if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("OPR/") {
        "Opera"
    } else if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else if ua.contains("curl/") {
        "curl"
    } else {
        ""
    };
    let system = if ua.contains("Android") {
        "Android"
    } else if ua.contains("iPhone") || ua.contains("iPad") {
        "iOS"
    } else if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        "macOS"
    } else if ua.contains("Linux") {
        "Linux"
    } else {
        ""
    };
    match (browser, system) {
        ("", "") if ua.trim().is_empty() => BrowserSeen::Unknown,
        ("", "") => BrowserSeen::Unrecognised(ua.chars().take(60).collect()),
        (b, "") => BrowserSeen::Browser(b),
        ("", s) => BrowserSeen::System(s),
        (b, s) => BrowserSeen::BrowserOn(b, s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_leads_to_the_second_factor_or_to_enrolment_or_in() {
        assert_eq!(Stage::after_password(true, true), Stage::SecondFactor);
        assert_eq!(Stage::after_password(true, false), Stage::SecondFactor);
        assert_eq!(Stage::after_password(false, true), Stage::Enrol);
        assert_eq!(Stage::after_password(false, false), Stage::Full);
    }

    #[test]
    fn stages_read_back_as_written() {
        for s in [Stage::SecondFactor, Stage::Enrol, Stage::Full] {
            assert_eq!(Stage::parse(s.as_str()), Some(s));
        }
        assert_eq!(Stage::parse("half"), None);
    }

    #[test]
    fn step_up_asks_again_after_fifteen_minutes_and_only_of_someone_with_a_factor() {
        let now = DateTime::parse_from_rfc3339("2026-12-07T10:00:00Z").unwrap().with_timezone(&Utc);
        assert!(!step_up_needed(true, Some(now - Duration::minutes(15)), now));
        assert!(step_up_needed(true, Some(now - Duration::minutes(16)), now));
        assert!(step_up_needed(true, None, now));
        assert!(!step_up_needed(false, None, now));
    }

    #[test]
    fn the_last_second_factor_stays_while_the_policy_asks_for_one() {
        assert!(!may_remove_factor(true, false));
        assert!(may_remove_factor(true, true));
        assert!(may_remove_factor(false, false));
    }

    #[test]
    fn the_default_policy_asks_global_and_billing_admins() {
        let p = PartnerPolicy::default();
        assert!(p.requires(PartnerRole::GlobalAdmin));
        assert!(p.requires(PartnerRole::BillingAdmin));
        assert!(!p.requires(PartnerRole::Member));
        assert!(PartnerPolicy::parse("all").unwrap().requires(PartnerRole::Member));
        assert!(!PartnerPolicy::parse("none").unwrap().requires(PartnerRole::GlobalAdmin));
        assert_eq!(PartnerPolicy::parse("global_admin, billing_admin").unwrap(), p);
        assert!(PartnerPolicy::parse("global_admin,owner").unwrap_err().contains("owner"));
    }

    #[test]
    fn browsers_are_named_by_their_user_agent() {
        let chrome =
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
        assert_eq!(describe_user_agent(chrome), BrowserSeen::BrowserOn("Chrome", "Linux"));
        let firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(describe_user_agent(firefox), BrowserSeen::BrowserOn("Firefox", "Windows"));
        assert_eq!(describe_user_agent("Dalvik/2.1.0 (Linux; U; Android 14)"), BrowserSeen::System("Android"));
        assert_eq!(describe_user_agent(""), BrowserSeen::Unknown);
        assert_eq!(describe_user_agent("reqwest"), BrowserSeen::Unrecognised("reqwest".into()));
    }
}
