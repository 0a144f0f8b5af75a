//! An amount of money as the API writes it: minor units, currency and the amount in words.

use domain::money::Money;
use serde::Serialize;
use utoipa::ToSchema;

/// An amount of money in minor units (cents) of its currency.
#[derive(Debug, Serialize, ToSchema)]
pub struct Amount {
    /// Integer minor units, e.g. 47500 for 475.00 USD.
    pub amount_minor: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// The amount written out, e.g. "475.00".
    pub formatted: String,
}

impl From<Money> for Amount {
    fn from(m: Money) -> Amount {
        Amount { amount_minor: m.minor(), currency: m.currency().code().to_owned(), formatted: m.format_amount() }
    }
}
