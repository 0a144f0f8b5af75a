//! How domain values read in words, the same on pages and in the API: money, dates, terms, tax
//! rates, benefits. It refers to no page, so every page (and the error page) can use it.

use chrono::{DateTime, NaiveDate, Utc};
use domain::catalog::Benefit;
use domain::money::{Money, TaxRate};

/// An amount as pages show it, e.g. "475.00 USD".
pub fn money(amount: Money) -> String {
    amount.to_string()
}

/// The tax line's label with its rate, e.g. "Tax (20%)"; the rate is kept in basis points.
pub fn tax_label(basis_points: i64) -> String {
    TaxRate::from_basis_points(u32::try_from(basis_points).unwrap_or(0)).map_or("Tax".into(), |r| format!("Tax ({r})"))
}

/// A term from its first to its last day, e.g. "1 Mar 2027 – 29 Feb 2028".
pub fn term_text(start: NaiveDate, end: NaiveDate) -> String {
    format!("{} – {}", start.format("%-d %b %Y"), end.format("%-d %b %Y"))
}

/// A date and time as pages show it: UTC, to the minute.
pub fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A date as pages show it.
pub fn day(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

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
