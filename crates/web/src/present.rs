//! How domain values read in words, the same on pages and in the API: money, dates, terms, tax
//! rates, benefits, and the words of statuses and roles. It refers to no page, so every page
//! (and the error page) can use it. The functions taking a `Lang` write in the reader's
//! language; the others are English for the pages not yet moved to message files.

use chrono::NaiveDate;
use domain::catalog::{Benefit, Catalog, CompetencyTier};
use domain::competency::ApplicationStatus;
use domain::membership::Blocked;
use domain::money::TaxRate;
use domain::refund::Basis;
use domain::roles::{PartnerRole, StaffRole};
use domain::service_request::{ProblemType, RequestStatus};
use domain::subscription::Status;
use i18n::{Key, Lang, key};

/// A benefit as a line of a list, e.g. "10 Windows 10 Enterprise (upgrade) licenses".
pub fn benefit(benefit: &Benefit) -> String {
    match benefit {
        Benefit::SoftwareLicense { product, quantity } => format!("{quantity} {product} licenses"),
        Benefit::Seats { product, quantity } => format!("Up to {quantity} {product} seats"),
        Benefit::ServiceAccount { product } => format!("1 {product} account"),
        Benefit::MonthlyCredit { product, amount } => format!("{amount} of {product} credits every month"),
        Benefit::SupportIncidents { quantity } => format!("{quantity} support incidents"),
        Benefit::AdvisoryHours { quantity } => format!("{quantity} advisory hours"),
    }
}

/// A term from its first to its last day in the reader's words: "March 1, 2027 – February 29, 2028".
pub fn term(lang: &Lang, start: NaiveDate, end: NaiveDate) -> String {
    lang.t2("portal-term", "start", lang.day(start), "end", lang.day(end))
}

/// The tax line's label with its rate: "Tax (20%)"; the rate is kept in basis points.
pub fn tax_label_in(lang: &Lang, basis_points: i64) -> String {
    match TaxRate::from_basis_points(u32::try_from(basis_points).unwrap_or(0)) {
        Ok(rate) => lang.t1("portal-tax-rate", "rate", lang.percent_of_basis_points(rate.basis_points())),
        Err(_) => lang.t("portal-tax"),
    }
}

/// An offer's name in the reader's language: the catalog's text for it, else the name the
/// order or subscription kept when it was made (an offer since withdrawn keeps its old name).
pub fn offer_name(catalog: &Catalog, lang: &Lang, code: &str, kept: &str) -> String {
    catalog.offer(code).map_or(kept, |offer| offer.name_in(&lang.tag())).to_owned()
}

/// A country's name in the reader's language, else as the catalog writes it, else its code.
pub fn country_name(catalog: &Catalog, lang: &Lang, code: &str) -> String {
    lang.country(code).or_else(|| catalog.country(code).map(|c| c.name().to_owned())).unwrap_or_else(|| code.to_owned())
}

/// A membership level's name in the reader's language, or its code if the catalog no longer has it.
pub fn level_name(catalog: &Catalog, lang: &Lang, code: &str) -> String {
    catalog.membership_level(code).map_or(code, |level| level.name_in(&lang.tag())).to_owned()
}

/// A competency's name in the reader's language, or its code if the catalog no longer has it.
pub fn competency_name(catalog: &Catalog, lang: &Lang, code: &str) -> String {
    catalog.competency(code).map_or(code, |c| c.name_in(&lang.tag())).to_owned()
}

/// Why an upgrade is closed, in the reader's words.
pub fn blocked_in(catalog: &Catalog, lang: &Lang, blocked: &Blocked) -> String {
    match blocked {
        Blocked::NotANetworkMember => lang.t("error-not-a-network-member"),
        Blocked::MissingLevel(code) => lang.t1("error-missing-level", "level", level_name(catalog, lang, code)),
    }
}

/// How a refund line was worked out, in the reader's words.
pub fn refund_basis(lang: &Lang, basis: &Basis) -> String {
    match basis {
        Basis::Full { window_days } => lang.t1("staff-refund-basis-full", "days", *window_days),
        Basis::Prorated { unused_days, term_days } => {
            lang.t2("staff-refund-basis-prorated", "unused", *unused_days, "days", *term_days)
        }
        Basis::NotRefundable => lang.t("staff-refund-basis-not-refundable"),
        Basis::Ended => lang.t("staff-refund-basis-ended"),
    }
}

/// A benefit as a line of a list in the reader's words: "10 Windows 10 Enterprise (upgrade) licenses".
pub fn benefit_in(lang: &Lang, benefit: &Benefit) -> String {
    let count = |n: std::num::NonZeroU32| i64::from(n.get());
    match benefit {
        Benefit::SoftwareLicense { product, quantity } => {
            lang.t2("portal-benefit-licenses", "count", count(*quantity), "product", product.to_string())
        }
        Benefit::Seats { product, quantity } => {
            lang.t2("portal-benefit-seats", "count", count(*quantity), "product", product.to_string())
        }
        Benefit::ServiceAccount { product } => lang.t1("portal-benefit-account", "product", product.to_string()),
        Benefit::MonthlyCredit { product, amount } => {
            lang.t2("portal-benefit-monthly-credit", "amount", lang.money(*amount), "product", product.to_string())
        }
        Benefit::SupportIncidents { quantity } => {
            lang.t1("portal-benefit-support-incidents", "count", count(*quantity))
        }
        Benefit::AdvisoryHours { quantity } => lang.t1("portal-benefit-advisory-hours", "count", count(*quantity)),
    }
}

/// A subscription's status in words.
pub fn subscription_status(status: Status) -> Key {
    match status {
        Status::Active => key("portal-subscription-status-active"),
        Status::PastDue => key("portal-subscription-status-past-due"),
        Status::Expired => key("portal-subscription-status-expired"),
        Status::Cancelled => key("portal-subscription-status-cancelled"),
    }
}

/// A service request's status in words.
pub fn request_status(status: RequestStatus) -> Key {
    match status {
        RequestStatus::New => key("portal-request-status-new"),
        RequestStatus::InProgress => key("portal-request-status-in-progress"),
        RequestStatus::WaitingForPartner => key("portal-request-status-waiting-for-partner"),
        RequestStatus::Resolved => key("portal-request-status-resolved"),
        RequestStatus::Closed => key("portal-request-status-closed"),
    }
}

/// A type of problem as the New request form lists it.
pub fn problem_type(problem: ProblemType) -> Key {
    match problem {
        ProblemType::Billing => key("portal-problem-billing"),
        ProblemType::Membership => key("portal-problem-membership"),
        ProblemType::Competencies => key("portal-problem-competencies"),
        ProblemType::Account => key("portal-problem-account"),
        ProblemType::Portal => key("portal-problem-portal"),
    }
}

/// A competency application's status in words.
pub fn application_status(status: ApplicationStatus) -> Key {
    match status {
        ApplicationStatus::Submitted => key("portal-application-status-submitted"),
        ApplicationStatus::UnderReview => key("portal-application-status-under-review"),
        ApplicationStatus::Approved => key("portal-application-status-approved"),
        ApplicationStatus::Rejected => key("portal-application-status-rejected"),
        ApplicationStatus::Expired => key("portal-application-status-expired"),
    }
}

/// A competency level's name.
pub fn tier(tier: CompetencyTier) -> Key {
    match tier {
        CompetencyTier::Silver => key("portal-tier-silver"),
        CompetencyTier::Gold => key("portal-tier-gold"),
    }
}

/// A staff role's name, as the console shows it.
pub fn staff_role(role: StaffRole) -> Key {
    match role {
        StaffRole::SupportAgent => key("layout-role-support-agent"),
        StaffRole::ProgramAdmin => key("layout-role-program-admin"),
    }
}

/// A partner role's name.
pub fn partner_role(role: PartnerRole) -> Key {
    match role {
        PartnerRole::GlobalAdmin => key("portal-role-global-admin"),
        PartnerRole::AccountAdmin => key("portal-role-account-admin"),
        PartnerRole::BillingAdmin => key("portal-role-billing-admin"),
        PartnerRole::UserManagementAdmin => key("portal-role-user-management-admin"),
        PartnerRole::Member => key("portal-role-member"),
    }
}
