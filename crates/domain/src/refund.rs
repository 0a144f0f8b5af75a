//! What staff refund when they cancel a subscription at once, by the offer's refund policy.
//!
//! Decisions the product left open:
//! - Every paid term that has not ended yet is refunded on its own (its own charge, its own
//!   credit note): after an early renewal that is the current term and the paid next one.
//! - "Within 30 days" counts calendar days in the program's time zone from the day of the
//!   payment, that day and the 30th day after it included.
//! - Prorated means the amount paid (tax included) times the unused days over the term's days,
//!   rounded down. The day of the cancellation counts as unused, the same count as the credit
//!   for unused Silver time (`competency::unused_credit`); a term that has not begun yet is
//!   unused entirely.
//! - An agent may lower the refund (never raise it) and must then say why. The lowered total is
//!   given to the earliest terms first.
//! - A credit note splits its amount into net and tax in the invoice's proportion, the tax
//!   rounded half up, so that a full refund credits exactly the invoice's net and tax.

use crate::catalog::{LateRefund, RefundPolicy};
use crate::competency::unused_credit;
use crate::money::Money;
use crate::term::Term;
use chrono::NaiveDate;
use std::fmt;

crate::words::word_enum! {
    /// Where a refund stands: written `pending` when staff cancel, `succeeded` once the
    /// gateway took it (the worker sends it again until then).
    pub enum RefundStatus("refund status") {
        Pending = "pending",
        Succeeded = "succeeded",
    }
}

/// One paid term of a subscription: what its invoice charged and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaidTerm {
    pub term: Term,
    /// The day the payment was taken.
    pub paid_on: NaiveDate,
    /// The invoice's total, tax included.
    pub paid: Money,
}

/// Why a refund is what it is, in words for the agent and the partner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// Cancelled within the policy's window after the payment.
    Full { window_days: u16 },
    /// The unused days of the term.
    Prorated { unused_days: i64, term_days: i64 },
    /// The offer's policy refunds nothing (at all, or after its window).
    NotRefundable,
    /// The term is over.
    Ended,
}

impl fmt::Display for Basis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Basis::Full { window_days } => write!(f, "full refund within {window_days} days of the payment"),
            Basis::Prorated { unused_days, term_days } => {
                write!(f, "prorated: {unused_days} of {term_days} days unused")
            }
            Basis::NotRefundable => f.write_str("not refundable under the offer's policy"),
            Basis::Ended => f.write_str("the term is over"),
        }
    }
}

/// What the policy gives back for one paid term.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefundDue {
    pub amount: Money,
    pub basis: Basis,
}

/// The refund `policy` gives for `paid` when the subscription is cancelled on `today`.
/// Never more than was paid, never negative.
pub fn due(policy: RefundPolicy, paid: &PaidTerm, today: NaiveDate) -> RefundDue {
    let zero = Money::zero(paid.paid.currency());
    if today >= paid.term.end || paid.paid.minor() <= 0 {
        return RefundDue { amount: zero, basis: Basis::Ended };
    }
    let prorated = || {
        let unused_days = (paid.term.end - today.max(paid.term.start)).num_days().clamp(0, paid.term.days());
        RefundDue {
            amount: unused_credit(paid.paid, paid.term, today),
            basis: Basis::Prorated { unused_days, term_days: paid.term.days() },
        }
    };
    match policy {
        RefundPolicy::None => RefundDue { amount: zero, basis: Basis::NotRefundable },
        RefundPolicy::Prorated => prorated(),
        RefundPolicy::FullWithinDays { days, then } => {
            let since = (today - paid.paid_on).num_days();
            if since <= i64::from(days.get()) {
                RefundDue { amount: paid.paid, basis: Basis::Full { window_days: days.get() } }
            } else {
                match then {
                    LateRefund::Prorated => prorated(),
                    LateRefund::None => RefundDue { amount: zero, basis: Basis::NotRefundable },
                }
            }
        }
    }
}

/// Why an agent's amount was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LowerError {
    #[error("the refund cannot be more than the policy gives ({0})")]
    MoreThanDue(Money),
    #[error("the refund cannot be negative")]
    Negative,
    #[error("say why the refund is lower than the policy gives")]
    NoReason,
    #[error("the refund must be in {0}")]
    Currency(crate::money::Currency),
}

/// The refunds per term once the agent asks for `total` instead of what is due: `total` is
/// given to the earliest terms first, each at most its due amount. `reason` must be given when
/// `total` is lower than the sum due.
pub fn lower(dues: &[Money], total: Money, reason: &str) -> Result<Vec<Money>, LowerError> {
    let Some(first) = dues.first() else {
        return if total.minor() == 0 { Ok(Vec::new()) } else { Err(LowerError::MoreThanDue(total)) };
    };
    let currency = first.currency();
    if total.currency() != currency {
        return Err(LowerError::Currency(currency));
    }
    if total.minor() < 0 {
        return Err(LowerError::Negative);
    }
    let sum: i64 = dues.iter().map(|d| d.minor()).sum();
    if total.minor() > sum {
        return Err(LowerError::MoreThanDue(Money::new(sum, currency)));
    }
    if total.minor() < sum && reason.trim().is_empty() {
        return Err(LowerError::NoReason);
    }
    let mut left = total.minor();
    Ok(dues
        .iter()
        .map(|due| {
            let take = left.min(due.minor());
            left -= take;
            Money::new(take, currency)
        })
        .collect())
}

/// The net and tax of a credit note for `refund` of an invoice of `net` + `tax`: the tax in the
/// invoice's proportion, rounded half up; the net the rest.
pub fn split_tax(refund: Money, net: Money, tax: Money) -> (Money, Money) {
    let total = i128::from(net.minor()) + i128::from(tax.minor());
    if total <= 0 {
        return (refund, Money::zero(refund.currency()));
    }
    let exact = i128::from(refund.minor()) * i128::from(tax.minor());
    let credited_tax = (2 * exact + total) / (2 * total);
    let credited_tax = i64::try_from(credited_tax).unwrap_or(0).clamp(0, refund.minor().max(0));
    (Money::new(refund.minor() - credited_tax, refund.currency()), Money::new(credited_tax, refund.currency()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_words_read_back() {
        crate::words::assert_round_trip(RefundStatus::ALL, |s| s.as_str());
    }
    use crate::money::Currency;
    use proptest::prelude::*;
    use std::num::NonZeroU16;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn usd(minor: i64) -> Money {
        Money::new(minor, Currency::Usd)
    }

    fn standard() -> RefundPolicy {
        RefundPolicy::FullWithinDays { days: NonZeroU16::new(30).unwrap(), then: LateRefund::Prorated }
    }

    fn paid_on(start: NaiveDate, minor: i64) -> PaidTerm {
        PaidTerm { term: Term::first(start), paid_on: start, paid: usd(minor) }
    }

    #[test]
    fn the_whole_payment_comes_back_within_30_days() {
        let paid = paid_on(d(2027, 3, 15), 52_250);
        for today in [d(2027, 3, 15), d(2027, 3, 30), d(2027, 4, 14)] {
            assert_eq!(due(standard(), &paid, today).amount, usd(52_250), "{today}");
        }
        let late = due(standard(), &paid, d(2027, 4, 15));
        assert_eq!(late.basis, Basis::Prorated { unused_days: 335, term_days: 366 });
        assert_eq!(late.amount, usd(52_250 * 335 / 366));
    }

    #[test]
    fn prorating_counts_the_days_of_a_leap_term() {
        // 29 Feb 2028 to 28 Feb 2029: 365 days; 1 Mar 2027 to 1 Mar 2028 spans 29 Feb: 366.
        let leap_start = paid_on(d(2028, 2, 29), 36_500);
        assert_eq!(leap_start.term.end, d(2029, 2, 28));
        assert_eq!(due(RefundPolicy::Prorated, &leap_start, d(2028, 8, 31)).amount, usd(36_500 * 181 / 365));
        let spans = paid_on(d(2027, 3, 1), 36_600);
        // Cancelled on its last day: that one day is unused.
        assert_eq!(due(RefundPolicy::Prorated, &spans, d(2028, 2, 29)).amount, usd(100));
    }

    #[test]
    fn nothing_comes_back_under_no_policy_nor_after_the_term() {
        let paid = paid_on(d(2027, 3, 15), 52_250);
        assert_eq!(due(RefundPolicy::None, &paid, d(2027, 3, 16)).amount, usd(0));
        assert_eq!(due(standard(), &paid, d(2028, 3, 15)).basis, Basis::Ended);
        let strict = RefundPolicy::FullWithinDays { days: NonZeroU16::new(14).unwrap(), then: LateRefund::None };
        assert_eq!(due(strict, &paid, d(2027, 3, 29)).amount, usd(52_250));
        assert_eq!(due(strict, &paid, d(2027, 3, 30)), RefundDue { amount: usd(0), basis: Basis::NotRefundable });
    }

    #[test]
    fn a_term_paid_ahead_is_unused_entirely() {
        // Renewed early on 1 Feb 2028 for the term starting 15 Mar 2028; cancelled in May 2028.
        let ahead = PaidTerm { term: Term::first(d(2028, 3, 15)), paid_on: d(2028, 2, 1), paid: usd(47_500) };
        assert_eq!(due(standard(), &ahead, d(2028, 3, 1)).amount, usd(47_500), "not begun, prorated is whole");
    }

    #[test]
    fn an_agent_lowers_from_the_earliest_term_and_says_why() {
        let dues = [usd(10_000), usd(47_500)];
        assert_eq!(lower(&dues, usd(57_500), ""), Ok(vec![usd(10_000), usd(47_500)]));
        assert_eq!(lower(&dues, usd(20_000), "goodwill agreed"), Ok(vec![usd(10_000), usd(10_000)]));
        assert_eq!(lower(&dues, usd(0), "abuse"), Ok(vec![usd(0), usd(0)]));
        assert_eq!(lower(&dues, usd(20_000), "  "), Err(LowerError::NoReason));
        assert_eq!(lower(&dues, usd(57_501), "x"), Err(LowerError::MoreThanDue(usd(57_500))));
        assert_eq!(lower(&dues, usd(-1), "x"), Err(LowerError::Negative));
        assert_eq!(lower(&dues, Money::new(1, Currency::Eur), "x"), Err(LowerError::Currency(Currency::Usd)));
    }

    #[test]
    fn a_full_refund_credits_the_invoice_exactly() {
        assert_eq!(split_tax(usd(57_000), usd(47_500), usd(9_500)), (usd(47_500), usd(9_500)));
        assert_eq!(split_tax(usd(100), usd(100), usd(0)), (usd(100), usd(0)));
        // 1/3 of a 20% invoice: tax 1/6 of the refund, rounded half up.
        assert_eq!(split_tax(usd(1_000), usd(2_500), usd(500)), (usd(833), usd(167)));
    }

    proptest! {
        #[test]
        fn a_refund_is_never_more_than_was_paid_and_shrinks_with_time(
            start in 0i64..3_000, paid in 0i64..10_000_000, after in 0i64..800, window in 1u16..90,
            prorate in any::<bool>(),
        ) {
            let start = d(2026, 1, 1) + chrono::Duration::days(start);
            let paid = paid_on(start, paid);
            let then = if prorate { LateRefund::Prorated } else { LateRefund::None };
            let window = NonZeroU16::new(window).unwrap();
            for policy in [RefundPolicy::None, RefundPolicy::Prorated, RefundPolicy::FullWithinDays { days: window, then }] {
                let today = start + chrono::Duration::days(after);
                let now = due(policy, &paid, today).amount;
                let later = due(policy, &paid, today + chrono::Duration::days(1)).amount;
                prop_assert!(now.minor() >= 0 && now.minor() <= paid.paid.minor());
                prop_assert!(later.minor() <= now.minor());
                if today >= paid.term.end {
                    prop_assert_eq!(now.minor(), 0);
                }
            }
        }

        #[test]
        fn lowering_gives_out_exactly_the_total(dues in proptest::collection::vec(0i64..1_000_000, 1..4), cut in 0i64..1_000_000) {
            let dues: Vec<Money> = dues.into_iter().map(usd).collect();
            let sum: i64 = dues.iter().map(|m| m.minor()).sum();
            let total = usd((sum - cut).max(0));
            let parts = lower(&dues, total, "reason").unwrap();
            prop_assert_eq!(parts.iter().map(|m| m.minor()).sum::<i64>(), total.minor());
            for (part, due) in parts.iter().zip(&dues) {
                prop_assert!(part.minor() >= 0 && part.minor() <= due.minor());
            }
        }

        #[test]
        fn net_and_tax_add_up_to_the_refund(net in 0i64..10_000_000, rate in 0u32..=10_000, share in 0i64..=1_000) {
            let tax = crate::money::TaxRate::from_basis_points(rate).unwrap().tax_on(usd(net));
            let total = net + tax.minor();
            let refund = usd(total * share / 1_000);
            let (n, t) = split_tax(refund, usd(net), tax);
            prop_assert_eq!(n.minor() + t.minor(), refund.minor());
            prop_assert!(t.minor() >= 0 && t.minor() <= tax.minor() && n.minor() >= 0);
        }
    }
}
