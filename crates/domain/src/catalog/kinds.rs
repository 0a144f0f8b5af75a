//! The small sum types of the catalog: benefits, competency requirements and refund policies.
//! Their fields are public for matching; they hold only validated types, so any value that
//! exists is a valid one.

use std::num::{NonZeroU16, NonZeroU32};

use super::values::Label;
use crate::money::Money;

/// Something an offer, a membership level or a competency level gives the org.
/// In TOML: an entry of a `benefits` array of tables, chosen by its `kind` field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Benefit {
    /// `software_license`: activation issues `quantity` license keys.
    SoftwareLicense { product: Label, quantity: NonZeroU32 },
    /// `seats`: up to `quantity` seats, each assigned to a named user.
    Seats { product: Label, quantity: NonZeroU32 },
    /// `service_account`: one account for the org on a hosted service.
    ServiceAccount { product: Label },
    /// `monthly_credit`: `amount` granted on each month's anniversary of the term, kept in a
    /// ledger. The amount keeps its own currency whatever the partner pays in.
    MonthlyCredit { product: Label, amount: Money },
    /// `support_incidents`: a balance staff draw down on service requests.
    SupportIncidents { quantity: NonZeroU32 },
    /// `advisory_hours`: a balance staff draw down on service requests.
    AdvisoryHours { quantity: NonZeroU32 },
}

impl Benefit {
    /// The TOML `kind` name, also a stable name for storage and the API.
    pub fn kind(&self) -> BenefitKind {
        match self {
            Benefit::SoftwareLicense { .. } => BenefitKind::SoftwareLicense,
            Benefit::Seats { .. } => BenefitKind::Seats,
            Benefit::ServiceAccount { .. } => BenefitKind::ServiceAccount,
            Benefit::MonthlyCredit { .. } => BenefitKind::MonthlyCredit,
            Benefit::SupportIncidents { .. } => BenefitKind::SupportIncidents,
            Benefit::AdvisoryHours { .. } => BenefitKind::AdvisoryHours,
        }
    }
}

crate::words::word_enum! {
    /// What kind of benefit a catalog entry or a live benefit is, without its details.
    pub enum BenefitKind("benefit kind") {
        SoftwareLicense = "software_license",
        Seats = "seats",
        ServiceAccount = "service_account",
        MonthlyCredit = "monthly_credit",
        SupportIncidents = "support_incidents",
        AdvisoryHours = "advisory_hours",
    }
}

impl BenefitKind {
    /// A support balance, drawn on by service requests: incidents or advisory hours.
    pub fn is_support_balance(self) -> bool {
        matches!(self, BenefitKind::SupportIncidents | BenefitKind::AdvisoryHours)
    }

    /// Its units are counted against a quantity (not a service account's one account).
    pub fn is_counted(self) -> bool {
        self != BenefitKind::ServiceAccount
    }
}

/// A condition an org must show evidence for to earn a competency level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// `certified_people`: at least `count` people holding `certification`.
    CertifiedPeople { count: NonZeroU32, certification: Label },
    /// `customer_references`: at least `count` customer references.
    CustomerReferences { count: NonZeroU32 },
    /// `attestation`: a statement the applicant confirms.
    Attestation { text: Label },
}

impl Requirement {
    /// The TOML `kind` name.
    pub fn kind(&self) -> &'static str {
        match self {
            Requirement::CertifiedPeople { .. } => "certified_people",
            Requirement::CustomerReferences { .. } => "customer_references",
            Requirement::Attestation { .. } => "attestation",
        }
    }
}

/// How much of a purchase or renewal is refunded when staff cancel it.
///
/// In TOML: `refund = "none"`, `refund = "prorated"`, or
/// `refund = { full_within_days = 30, then = "prorated" }` (`then` is `"prorated"` or `"none"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundPolicy {
    /// Nothing is refunded.
    None,
    /// The unused days of the term are refunded.
    Prorated,
    /// Everything is refunded within `days` of the purchase or renewal, then `then` applies.
    FullWithinDays { days: NonZeroU16, then: LateRefund },
}

/// What a `RefundPolicy::FullWithinDays` refunds once its window has passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LateRefund {
    None,
    Prorated,
}
