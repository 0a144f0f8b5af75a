//! How many wrong guesses each door allows before it makes the guesser wait. A door is one
//! kind of secret a person can guess at: a password, a second-factor code, an e-mailed link.
//!
//! Each door counts three ways, each over its own window:
//! - one subject (the e-mail typed, the account) from one client address: the lock-out falls on
//!   whoever is guessing, not on the account's owner signing in from elsewhere;
//! - one subject from every address: a slower ceiling for guesses spread over many addresses;
//! - one client address, whatever the subject.
//!
//! Past any limit a guess is refused without being checked, until the window has moved on.

/// At most `max` wrong guesses within `window_minutes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub max: i64,
    pub window_minutes: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Door {
    /// Stored with each guess; each door counts only its own.
    pub name: &'static str,
    pub pair: Limit,
    pub subject: Limit,
    pub address: Limit,
}

impl Door {
    /// The longest of the windows: older guesses can be forgotten.
    pub fn longest_window_minutes(&self) -> i64 {
        self.pair.window_minutes.max(self.subject.window_minutes).max(self.address.window_minutes)
    }

    /// How long a guess with these counts before it must wait, in minutes; `None`: it may be
    /// checked.
    pub fn wait_minutes(&self, pair: i64, subject: i64, address: i64) -> Option<i64> {
        [(pair, self.pair), (subject, self.subject), (address, self.address)]
            .into_iter()
            .filter(|(count, limit)| *count >= limit.max)
            .map(|(_, limit)| limit.window_minutes)
            .max()
    }

    /// Whether a failure that made the subject's count `subject` (or the pair's `pair`) is the
    /// one that reached a limit: the moment to tell the account's owner, once.
    pub fn reached_now(&self, pair: i64, subject: i64) -> bool {
        pair == self.pair.max || subject == self.subject.max
    }
}

/// Passwords at the partner and staff sign-in pages; the subject is the e-mail typed.
pub const PASSWORD: Door = Door {
    name: "password",
    pair: Limit { max: 5, window_minutes: 15 },
    subject: Limit { max: 50, window_minutes: 60 },
    address: Limit { max: 30, window_minutes: 15 },
};

/// TOTP and recovery codes, at sign-in and at step-up; the subject is the account. A code has
/// a million values and three are good at once, so ten guesses an hour leave an attacker about
/// one chance in 33,000 a day.
pub const SECOND_FACTOR: Door = Door {
    name: "second_factor",
    pair: Limit { max: 5, window_minutes: 15 },
    subject: Limit { max: 10, window_minutes: 60 },
    address: Limit { max: 30, window_minutes: 15 },
};

/// Passkeys' answers, signing in with one alone or as the second factor; the subject is the
/// account (or, for a passkey nobody here registered, the credential). A passkey cannot be
/// guessed: failures mean a broken or copied authenticator or a replayed answer, and count as
/// the second factor's codes do.
pub const PASSKEY: Door = Door {
    name: "passkey",
    pair: Limit { max: 5, window_minutes: 15 },
    subject: Limit { max: 10, window_minutes: 60 },
    address: Limit { max: 30, window_minutes: 15 },
};

/// The secrets of e-mailed links (confirm an address, reset a password, set up a staff
/// account), opened or used; the subject is the link's purpose. A secret has 256 random bits, so
/// this only slows a client trying many: 30 unknown links a quarter hour from one address. The
/// purpose's own ceiling is high, so that nobody can shut everyone out of a kind of link.
pub const EMAIL_LINK: Door = Door {
    name: "email_link",
    pair: Limit { max: 30, window_minutes: 15 },
    subject: Limit { max: 10_000, window_minutes: 15 },
    address: Limit { max: 30, window_minutes: 15 },
};

/// "Forgot your password?" requests, each counted as a failure whatever address was typed (the
/// subject), so that nobody can fill a mailbox with reset links and the answer tells nothing:
/// 3 an hour for one address typed from one client address, 5 an hour for one address typed
/// from anywhere, 10 an hour from one client address.
pub const PASSWORD_RESET: Door = Door {
    name: "password_reset",
    pair: Limit { max: 3, window_minutes: 60 },
    subject: Limit { max: 5, window_minutes: 60 },
    address: Limit { max: 10, window_minutes: 60 },
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn under_every_limit_a_guess_is_checked() {
        assert_eq!(PASSWORD.wait_minutes(4, 49, 29), None);
    }

    #[test]
    fn the_longest_window_among_the_limits_reached_is_the_wait() {
        assert_eq!(PASSWORD.wait_minutes(5, 0, 0), Some(15));
        assert_eq!(PASSWORD.wait_minutes(5, 50, 0), Some(60));
        assert_eq!(PASSWORD.wait_minutes(0, 0, 30), Some(15));
        assert_eq!(SECOND_FACTOR.wait_minutes(0, 10, 0), Some(60));
    }

    #[test]
    fn the_owner_is_told_once_when_a_limit_is_reached() {
        assert!(!SECOND_FACTOR.reached_now(4, 4));
        assert!(SECOND_FACTOR.reached_now(5, 5));
        assert!(!SECOND_FACTOR.reached_now(6, 6));
        assert!(SECOND_FACTOR.reached_now(1, 10));
    }

    #[test]
    fn old_guesses_are_forgotten_after_the_longest_window() {
        assert_eq!(PASSWORD.longest_window_minutes(), 60);
    }
}
