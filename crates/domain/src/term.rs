//! Terms of a subscription: one year from the start, renewing on the anniversary.
//!
//! The rule (PRODUCT.md): the anniversary keeps the original day of month, clamped to the
//! month's end, so a term started on 29 February renews on 28 February, and on 29 February
//! again in leap years. Anniversaries are always counted from the original start (the anchor),
//! never from the previous end, or a clamped day would stick. Days are dates in the program's
//! time zone.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;

/// The day it is at `at` in the program's time zone.
pub fn program_day(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let (y, m) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    let first_of_next = NaiveDate::from_ymd_opt(y, m, 1).expect("valid month");
    first_of_next.pred_opt().expect("a day before the first").day()
}

/// The date `years` years after `anchor`, on the anchor's day of month or the month's last day.
pub fn anniversary(anchor: NaiveDate, years: i32) -> NaiveDate {
    let year = anchor.year() + years;
    let day = anchor.day().min(days_in_month(year, anchor.month()));
    NaiveDate::from_ymd_opt(year, anchor.month(), day).expect("a clamped day exists")
}

/// One term: from `start` up to `end`, when it renews.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Term {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Term {
    /// The first term of a subscription that starts on `start` (its anchor).
    pub fn first(start: NaiveDate) -> Term {
        Term { start, end: anniversary(start, 1) }
    }

    /// How many days the term has (365 or 366).
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_leap_day_start_renews_on_the_28th_and_on_the_29th_in_leap_years() {
        let anchor = d(2028, 2, 29);
        assert_eq!(anniversary(anchor, 1), d(2029, 2, 28));
        assert_eq!(anniversary(anchor, 2), d(2030, 2, 28));
        assert_eq!(anniversary(anchor, 4), d(2032, 2, 29));
    }

    #[test]
    fn ordinary_and_month_end_starts() {
        assert_eq!(Term::first(d(2027, 1, 31)), Term { start: d(2027, 1, 31), end: d(2028, 1, 31) });
        assert_eq!(Term::first(d(2027, 12, 31)).end, d(2028, 12, 31));
        assert_eq!(Term::first(d(2027, 3, 15)).days(), 366, "the term holds 29 Feb 2028");
        assert_eq!(Term::first(d(2028, 3, 15)).days(), 365);
    }

    #[test]
    fn the_day_is_counted_in_the_program_time_zone() {
        let late_evening_utc = DateTime::parse_from_rfc3339("2027-03-14T23:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(program_day(late_evening_utc, chrono_tz::UTC), d(2027, 3, 14));
        assert_eq!(program_day(late_evening_utc, chrono_tz::Europe::Berlin), d(2027, 3, 15));
        assert_eq!(program_day(late_evening_utc, chrono_tz::America::New_York), d(2027, 3, 14));
    }

    proptest! {
        #[test]
        fn anniversaries_keep_the_anchor_day_or_the_month_end(days in 0i64..40_000, years in 1i32..30) {
            let anchor = d(2000, 1, 1) + chrono::Duration::days(days);
            let next = anniversary(anchor, years);
            prop_assert_eq!(next.month(), anchor.month());
            prop_assert_eq!(next.year(), anchor.year() + years);
            prop_assert!(next.day() == anchor.day() || next.day() == days_in_month(next.year(), next.month()));
            prop_assert!(next.day() <= anchor.day());
        }

        #[test]
        fn a_term_lasts_365_or_366_days(days in 0i64..40_000) {
            let term = Term::first(d(2000, 1, 1) + chrono::Duration::days(days));
            prop_assert!(term.days() == 365 || term.days() == 366);
        }
    }
}
