//! The life of a subscription after it is bought: automatic renewal on the anniversary, turning
//! it off (one way), manual renewal inside its window, retries of a failed charge, expiry, and
//! the reminders on the way. Rules from PRODUCT.md; every date is a day in the program's time
//! zone.

use crate::term::{Term, anniversary};
use chrono::{Duration, NaiveDate};
use std::fmt;
use std::str::FromStr;

/// Where a subscription stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Active,
    /// The automatic renewal charge failed; retries are scheduled and benefits are kept.
    PastDue,
    Expired,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Active, Status::PastDue, Status::Expired, Status::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::PastDue => "past_due",
            Status::Expired => "expired",
            Status::Cancelled => "cancelled",
        }
    }

    /// Live subscriptions hold their benefits and block a second purchase of a one-per-org offer.
    pub fn is_live(self) -> bool {
        matches!(self, Status::Active | Status::PastDue)
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Status, String> {
        match s {
            "active" => Ok(Status::Active),
            "past_due" => Ok(Status::PastDue),
            "expired" => Ok(Status::Expired),
            "cancelled" => Ok(Status::Cancelled),
            other => Err(format!("unknown subscription status `{other}`")),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Active => "Active",
            Status::PastDue => "Past due",
            Status::Expired => "Expired",
            Status::Cancelled => "Cancelled",
        })
    }
}

/// Days after the anniversary on which a failed automatic renewal is tried again.
pub const RETRY_DAYS: [i64; 3] = [1, 3, 7];
/// Manual renewal opens this many days before the end of the term…
pub const RENEW_OPENS_DAYS_BEFORE: i64 = 90;
/// …and stays open this many days after it ended.
pub const RENEW_CLOSES_DAYS_AFTER: i64 = 30;

/// Why something cannot be done to a subscription, in words for the partner.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("Automatic renewal is already off. It can be turned back on only by renewing the subscription.")]
    AlreadyOff,
    #[error("This subscription has ended.")]
    Ended,
    #[error("Renewal opens on {0}, 90 days before the term ends.")]
    TooEarly(NaiveDate),
    #[error(
        "The renewal window closed on {0}, 30 days after the term ended; subscribe again under Partnership > Offers."
    )]
    TooLate(NaiveDate),
    #[error("This subscription renews automatically; there is nothing to renew by hand until its term nears its end.")]
    RenewsAutomatically,
}

/// What a subscription is, for the rules (the store's record maps to it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub status: Status,
    pub auto_renew: bool,
    /// The first day of the first term of the current run: anniversaries count from it.
    pub anchor: NaiveDate,
    pub term: Term,
}

/// How a manual renewal would place the new term.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Renewal {
    pub term: Term,
    /// The anchor after renewing: unchanged when the new term follows on, today after expiry.
    pub anchor: NaiveDate,
}

impl Subscription {
    /// Turn off automatic renewal: one way, only while the subscription lives.
    pub fn turn_off_auto_renew(self) -> Result<Subscription, Refusal> {
        if !self.status.is_live() {
            return Err(Refusal::Ended);
        }
        if !self.auto_renew {
            return Err(Refusal::AlreadyOff);
        }
        Ok(Subscription { auto_renew: false, ..self })
    }

    /// The term a manual renewal paid on `today` gives. Open from 90 days before the end of the
    /// term until 30 days after it ended; before the end the new term follows on (no day lost),
    /// after it the new term starts on the day of payment. A past-due subscription kept its
    /// benefits after the anniversary, so paying it by hand follows on too.
    pub fn manual_renewal(self, today: NaiveDate) -> Result<Renewal, Refusal> {
        if self.status == Status::Cancelled {
            return Err(Refusal::Ended);
        }
        let opens = self.term.end - Duration::days(RENEW_OPENS_DAYS_BEFORE);
        let closes = self.term.end + Duration::days(RENEW_CLOSES_DAYS_AFTER);
        if today < opens {
            return Err(Refusal::TooEarly(opens));
        }
        if today > closes {
            return Err(Refusal::TooLate(closes));
        }
        if today < self.term.end || self.status == Status::PastDue {
            Ok(Renewal { term: self.next_term(), anchor: self.anchor })
        } else {
            Ok(Renewal { term: Term::first(today), anchor: today })
        }
    }

    /// The term after the current one, on the next anniversary of the anchor.
    pub fn next_term(self) -> Term {
        let years = years_between(self.anchor, self.term.end) + 1;
        Term { start: self.term.end, end: anniversary(self.anchor, years) }
    }

    /// The days, after the anniversary `due`, on which a failed automatic renewal is retried.
    pub fn retry_days(due: NaiveDate) -> [NaiveDate; 3] {
        RETRY_DAYS.map(|d| due + Duration::days(d))
    }
}

/// How many anniversaries of `anchor` lie up to `day` (the number of whole terms).
fn years_between(anchor: NaiveDate, day: NaiveDate) -> i32 {
    let mut years = 0;
    while anniversary(anchor, years + 1) <= day {
        years += 1;
    }
    years
}

/// A reminder or notice about the coming end or charge of a term.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reminder {
    /// Automatic renewal off: the term ends in this many days (0 on the day it expires).
    ExpiresIn(i64),
    /// Automatic renewal on: the card will be charged in this many days.
    ChargeIn(i64),
}

impl Reminder {
    /// A key that names the reminder within one term, for sending it exactly once.
    pub fn key(self) -> String {
        match self {
            Reminder::ExpiresIn(d) => format!("expires-in-{d}"),
            Reminder::ChargeIn(d) => format!("charge-in-{d}"),
        }
    }

    /// The reminders a term gets, with the day each is due. With automatic renewal off: 60, 30
    /// and 7 days before the end and on the day it expires; with it on, a notice of the charge
    /// 30 and 7 days ahead.
    pub fn schedule(term_end: NaiveDate, auto_renew: bool) -> Vec<(NaiveDate, Reminder)> {
        let before = |d: i64| term_end - Duration::days(d);
        if auto_renew {
            [30, 7].into_iter().map(|d| (before(d), Reminder::ChargeIn(d))).collect()
        } else {
            [60, 30, 7, 0].into_iter().map(|d| (before(d), Reminder::ExpiresIn(d))).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_words_read_back() {
        crate::words::assert_round_trip(&Status::ALL, |s| s.as_str());
    }
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn bought(on: NaiveDate) -> Subscription {
        Subscription { status: Status::Active, auto_renew: true, anchor: on, term: Term::first(on) }
    }

    #[test]
    fn turning_off_is_one_way() {
        let s = bought(d(2027, 3, 15)).turn_off_auto_renew().unwrap();
        assert!(!s.auto_renew);
        assert_eq!(s.turn_off_auto_renew(), Err(Refusal::AlreadyOff));
        let ended = Subscription { status: Status::Expired, ..bought(d(2027, 3, 15)) };
        assert_eq!(ended.turn_off_auto_renew(), Err(Refusal::Ended));
    }

    #[test]
    fn renew_early_follows_on_without_losing_days() {
        let s = bought(d(2027, 3, 15));
        assert_eq!(s.manual_renewal(d(2027, 12, 14)), Err(Refusal::TooEarly(d(2027, 12, 16))));
        let r = s.manual_renewal(d(2028, 1, 10)).unwrap();
        assert_eq!(r.term, Term { start: d(2028, 3, 15), end: d(2029, 3, 15) });
        assert_eq!(r.anchor, d(2027, 3, 15));
    }

    #[test]
    fn renew_late_starts_on_the_day_of_payment_and_closes_after_thirty_days() {
        let s = Subscription { status: Status::Expired, ..bought(d(2027, 3, 15)) };
        let r = s.manual_renewal(d(2028, 4, 1)).unwrap();
        assert_eq!(r.term, Term { start: d(2028, 4, 1), end: d(2029, 4, 1) });
        assert_eq!(r.anchor, d(2028, 4, 1));
        assert_eq!(s.manual_renewal(d(2028, 4, 15)), Err(Refusal::TooLate(d(2028, 4, 14))));
    }

    #[test]
    fn a_leap_day_anchor_keeps_its_anniversaries() {
        let mut s = bought(d(2028, 2, 29));
        let mut ends = Vec::new();
        for _ in 0..4 {
            s.term = s.next_term();
            ends.push(s.term.end);
        }
        assert_eq!(ends, vec![d(2030, 2, 28), d(2031, 2, 28), d(2032, 2, 29), d(2033, 2, 28)]);
    }

    #[test]
    fn reminders_by_whether_renewal_is_automatic() {
        let end = d(2028, 3, 15);
        let on: Vec<_> = Reminder::schedule(end, true).into_iter().map(|(day, _)| day).collect();
        assert_eq!(on, vec![d(2028, 2, 14), d(2028, 3, 8)]);
        let off = Reminder::schedule(end, false);
        assert_eq!(off.len(), 4);
        assert_eq!(off[3], (end, Reminder::ExpiresIn(0)));
        assert_eq!(Subscription::retry_days(end), [d(2028, 3, 16), d(2028, 3, 18), d(2028, 3, 22)]);
    }

    proptest! {
        #[test]
        fn every_next_term_starts_where_the_last_ended_and_lasts_a_year(days in 0i64..20_000, renewals in 1usize..12) {
            let mut s = bought(d(2000, 1, 1) + Duration::days(days));
            for _ in 0..renewals {
                let next = s.next_term();
                prop_assert_eq!(next.start, s.term.end);
                prop_assert!(next.days() == 365 || next.days() == 366);
                s.term = next;
            }
        }

        #[test]
        fn a_manual_renewal_never_loses_or_doubles_days(days_before in -30i64..=90) {
            let s = bought(d(2027, 5, 31));
            let today = s.term.end - Duration::days(days_before);
            let r = s.manual_renewal(today).unwrap();
            if today < s.term.end {
                prop_assert_eq!(r.term.start, s.term.end);
            } else {
                prop_assert_eq!(r.term.start, today);
            }
        }
    }
}
