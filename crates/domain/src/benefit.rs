//! Benefits once they are live: what activation allocates from the catalog, when credits and
//! balances are granted, how license keys look, and the rule that a balance never goes below
//! zero.
//!
//! Decisions the product left open (PRODUCT.md is silent):
//! - Monthly credits start with the month in which the benefits are activated: activation
//!   grants the current month, later months are granted on each month's anniversary of the
//!   subscription's first day (clamped to the month's end like the yearly anniversary).
//!   Months before activation are not granted after the fact.
//! - Support incidents and advisory hours are granted per term (on activation, then on each
//!   yearly anniversary); what is left carries over while the benefits stay live.
//! - Every seat and every license key is a unit that can be assigned to one named user of the
//!   org; a user holds at most one unit of each benefit. Service accounts are one unit that
//!   belongs to the org.

use crate::catalog::Benefit;
use crate::money::Money;
use chrono::{Datelike, NaiveDate};
use std::fmt;

pub use crate::catalog::BenefitKind;

crate::words::word_enum! {
    /// How often a benefit's balance is topped up.
    pub enum Cadence("grant cadence") {
        Monthly = "monthly",
        Yearly = "yearly",
    }
}

crate::words::word_enum! {
    /// Whether a benefit is live: activation makes it `active`, the end of its subscription
    /// `ended`.
    pub enum BenefitStatus("benefit status") {
        Active = "active",
        Ended = "ended",
    }
}

crate::words::word_enum! {
    /// Whether a unit (a key, a seat, an account) can still be used; ending the benefit
    /// revokes its units.
    pub enum UnitStatus("benefit unit status") {
        Active = "active",
        Revoked = "revoked",
    }
}

crate::words::word_enum! {
    /// What a ledger entry does to a balance: a grant adds, a use takes away.
    pub enum EntryKind("ledger entry") {
        Grant = "grant",
        Use = "use",
    }
}

/// What activation makes of one catalog benefit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allocation {
    pub kind: BenefitKind,
    /// The product, or a fixed name for support balances.
    pub product: String,
    /// Units to create (keys, seats, the account); 0 for balances.
    pub units: u32,
    /// What each grant adds to the balance: minor units for credits, a count for support.
    pub grant: Option<i64>,
    /// The currency of a credit grant.
    pub currency: Option<crate::money::Currency>,
    pub cadence: Option<Cadence>,
    /// Units carry a code: a license key or an account name.
    pub coded: bool,
}

/// The allocations for a list of catalog benefits, in the catalog's order.
pub fn allocate(benefits: &[Benefit]) -> Vec<Allocation> {
    benefits.iter().map(allocation).collect()
}

fn allocation(benefit: &Benefit) -> Allocation {
    let base = Allocation {
        kind: benefit.kind(),
        product: String::new(),
        units: 0,
        grant: None,
        currency: None,
        cadence: None,
        coded: false,
    };
    match benefit {
        Benefit::SoftwareLicense { product, quantity } => {
            Allocation { product: product.to_string(), units: quantity.get(), coded: true, ..base }
        }
        Benefit::Seats { product, quantity } => {
            Allocation { product: product.to_string(), units: quantity.get(), ..base }
        }
        Benefit::ServiceAccount { product } => {
            Allocation { product: product.to_string(), units: 1, coded: true, ..base }
        }
        Benefit::MonthlyCredit { product, amount } => Allocation {
            product: product.to_string(),
            grant: Some(amount.minor()),
            currency: Some(amount.currency()),
            cadence: Some(Cadence::Monthly),
            ..base
        },
        Benefit::SupportIncidents { quantity } => Allocation {
            product: "Support incidents".into(),
            grant: Some(i64::from(quantity.get())),
            cadence: Some(Cadence::Yearly),
            ..base
        },
        Benefit::AdvisoryHours { quantity } => Allocation {
            product: "Advisory hours".into(),
            grant: Some(i64::from(quantity.get())),
            cadence: Some(Cadence::Yearly),
            ..base
        },
    }
}

/// The date `months` months after `anchor`, on the anchor's day or the month's last day.
pub fn month_anniversary(anchor: NaiveDate, months: u32) -> NaiveDate {
    let total = anchor.month0() + months;
    let (year, month) = (anchor.year() + (total / 12) as i32, total % 12 + 1);
    let (next_year, next_month) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    let last_day = NaiveDate::from_ymd_opt(next_year, next_month, 1).and_then(|d| d.pred_opt()).map_or(28, |d| d.day());
    NaiveDate::from_ymd_opt(year, month, anchor.day().min(last_day)).expect("a clamped day exists")
}

impl Cadence {
    fn step(self) -> u32 {
        match self {
            Cadence::Monthly => 1,
            Cadence::Yearly => 12,
        }
    }

    /// The grant day in force on `day`: the latest anniversary of `anchor` at this cadence on or
    /// before `day` (the anchor itself when `day` is earlier).
    pub fn current(self, anchor: NaiveDate, day: NaiveDate) -> NaiveDate {
        let months = (day.year() - anchor.year()) * 12 + day.month0() as i32 - anchor.month0() as i32;
        let mut n = (months.max(0) as u32 / self.step()) * self.step();
        while n > 0 && month_anniversary(anchor, n) > day {
            n -= self.step();
        }
        month_anniversary(anchor, n)
    }

    /// The grant day after `day`'s: the first anniversary at this cadence later than `day`.
    pub fn next(self, anchor: NaiveDate, day: NaiveDate) -> NaiveDate {
        let months = (day.year() - anchor.year()) * 12 + day.month0() as i32 - anchor.month0() as i32;
        let mut n = (months.max(0) as u32 / self.step()) * self.step();
        while month_anniversary(anchor, n) <= day {
            n += self.step();
        }
        month_anniversary(anchor, n)
    }
}

/// Why a draw on a balance is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DrawRefusal {
    NotPositive,
    MoreThanLeft { left: i64 },
}

impl fmt::Display for DrawRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DrawRefusal::NotPositive => f.write_str("the amount must be more than zero"),
            DrawRefusal::MoreThanLeft { .. } => f.write_str("the amount is more than what is left of the balance"),
        }
    }
}

/// A draw of `amount` on a balance with `left`: allowed only when it keeps the balance at or
/// above zero.
pub fn check_draw(left: i64, amount: i64) -> Result<(), DrawRefusal> {
    if amount <= 0 {
        return Err(DrawRefusal::NotPositive);
    }
    if amount > left {
        return Err(DrawRefusal::MoreThanLeft { left });
    }
    Ok(())
}

/// A credit draw in the credit's own currency, parsed from what a person typed ("12.50").
pub fn credit_amount(input: &str, currency: crate::money::Currency) -> Result<Money, String> {
    Money::parse_decimal(input.trim(), currency).map_err(|e| e.to_string())
}

/// Letters and digits that cannot be misread for each other (no 0/O, 1/I/L, U).
const KEY_ALPHABET: &[u8; 30] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";
const KEY_GROUP_LEN: usize = 5;

/// A license key of five groups of five characters, one character per random byte (about
/// 4.9 bits each, so over 120 bits of key).
pub fn license_key(random: &[u8; 25]) -> String {
    let chars: Vec<char> = random.iter().map(|b| KEY_ALPHABET[usize::from(*b) % KEY_ALPHABET.len()] as char).collect();
    chars.chunks(KEY_GROUP_LEN).map(|g| g.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// A key as lists show it before it is revealed: only the last group.
pub fn masked_key(key: &str) -> String {
    let last = key.rsplit('-').next().unwrap_or("");
    format!("XXXXX-XXXXX-XXXXX-XXXXX-{last}")
}

/// The name of a service account made for an org: the product in lowercase words and the
/// partner ID, e.g. `visual-studio-team-services-1234567`.
pub fn service_account_name(product: &str, partner_id: &str) -> String {
    let mut slug = String::new();
    for c in product.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    format!("{}-{partner_id}", slug.trim_end_matches('-'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn stored_words_read_back() {
        use crate::words::assert_round_trip;
        assert_round_trip(BenefitKind::ALL, |k| k.as_str());
        assert_round_trip(Cadence::ALL, |c| c.as_str());
        assert_round_trip(BenefitStatus::ALL, |s| s.as_str());
        assert_round_trip(UnitStatus::ALL, |s| s.as_str());
        assert_round_trip(EntryKind::ALL, |e| e.as_str());
    }

    #[test]
    fn month_anniversaries_of_the_31st_clamp_to_the_months_end_and_come_back() {
        let anchor = d(2027, 1, 31);
        assert_eq!(month_anniversary(anchor, 1), d(2027, 2, 28));
        assert_eq!(month_anniversary(anchor, 2), d(2027, 3, 31));
        assert_eq!(month_anniversary(anchor, 3), d(2027, 4, 30));
        assert_eq!(month_anniversary(anchor, 13), d(2028, 2, 29));
        assert_eq!(month_anniversary(anchor, 11), d(2027, 12, 31));
    }

    #[test]
    fn monthly_grant_days_follow_the_anchor() {
        let anchor = d(2027, 3, 15);
        assert_eq!(Cadence::Monthly.current(anchor, d(2027, 3, 15)), d(2027, 3, 15));
        assert_eq!(Cadence::Monthly.current(anchor, d(2027, 4, 14)), d(2027, 3, 15));
        assert_eq!(Cadence::Monthly.current(anchor, d(2027, 4, 15)), d(2027, 4, 15));
        assert_eq!(Cadence::Monthly.next(anchor, d(2027, 3, 15)), d(2027, 4, 15));
        assert_eq!(Cadence::Monthly.next(anchor, d(2027, 12, 20)), d(2028, 1, 15));
    }

    #[test]
    fn yearly_grant_days_are_the_terms_anniversaries() {
        let anchor = d(2028, 2, 29);
        assert_eq!(Cadence::Yearly.current(anchor, d(2029, 2, 27)), d(2028, 2, 29));
        assert_eq!(Cadence::Yearly.current(anchor, d(2029, 2, 28)), d(2029, 2, 28));
        assert_eq!(Cadence::Yearly.next(anchor, d(2028, 2, 29)), d(2029, 2, 28));
        assert_eq!(Cadence::Yearly.next(anchor, d(2031, 6, 1)), d(2032, 2, 29));
    }

    #[test]
    fn a_draw_never_takes_a_balance_below_zero() {
        assert_eq!(check_draw(10_000, 10_000), Ok(()));
        assert_eq!(check_draw(10_000, 10_001), Err(DrawRefusal::MoreThanLeft { left: 10_000 }));
        assert_eq!(check_draw(10_000, 0), Err(DrawRefusal::NotPositive));
        assert_eq!(check_draw(10_000, -5), Err(DrawRefusal::NotPositive));
    }

    #[test]
    fn keys_are_five_groups_of_five_and_masked_but_for_the_last_group() {
        let key = license_key(&[7u8; 25]);
        assert_eq!(key.len(), 29);
        assert_eq!(key.split('-').count(), 5);
        assert!(masked_key(&key).starts_with("XXXXX-XXXXX-XXXXX-XXXXX-"));
        assert!(masked_key(&key).ends_with(key.rsplit('-').next().unwrap()));
    }

    #[test]
    fn service_accounts_are_named_after_the_product_and_the_partner() {
        assert_eq!(
            service_account_name("Visual Studio Team Services", "1234567"),
            "visual-studio-team-services-1234567"
        );
        assert_eq!(service_account_name("  Dynamics (CRM) ", "7"), "dynamics-crm-7");
    }

    proptest! {
        #[test]
        fn the_current_grant_day_is_on_or_before_the_day_and_the_next_after_it(
            anchor_offset in 0i64..3000, later in 0i64..4000, monthly in any::<bool>()
        ) {
            let anchor = d(2024, 1, 1) + chrono::Duration::days(anchor_offset);
            let day = anchor + chrono::Duration::days(later);
            let cadence = if monthly { Cadence::Monthly } else { Cadence::Yearly };
            let current = cadence.current(anchor, day);
            let next = cadence.next(anchor, day);
            prop_assert!(current <= day);
            prop_assert!(next > day);
            prop_assert_eq!(cadence.next(anchor, current), next);
            // No grant day lies between the two.
            let longest = if monthly { 31 } else { 366 };
            prop_assert!((next - current).num_days() <= longest);
        }

        #[test]
        fn keys_use_only_unambiguous_characters(bytes in proptest::array::uniform25(any::<u8>())) {
            let key = license_key(&bytes);
            prop_assert!(key.chars().all(|c| c == '-' || (c.is_ascii_alphanumeric() && !"01OIL".contains(c))));
        }
    }
}
