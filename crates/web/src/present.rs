//! How domain values read in words, the same on pages and in the API.

use domain::catalog::Benefit;

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
