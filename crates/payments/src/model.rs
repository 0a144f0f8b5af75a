//! What a gateway is given and what it answers, whichever gateway it is.

use domain::card::{CardExpiry, CardNumber, Cvc};
use domain::money::Money;

/// Card details typed into our own form (the sandbox gateway).
#[derive(Debug, Clone)]
pub struct NewCard {
    pub number: CardNumber,
    pub expiry: CardExpiry,
    pub cvc: Cvc,
}

/// Where a new payment method comes from.
#[derive(Debug, Clone)]
pub enum CardSource {
    /// Details sent to our server (sandbox only).
    Details(NewCard),
    /// A PaymentMethod id made in the browser by Stripe.js (`pm_…`): the number never reached us.
    StripePaymentMethod(String),
}

/// A card kept by the gateway, as we may store it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedCard {
    pub gateway_ref: String,
    pub brand: String,
    pub last4: String,
    pub exp_month: u8,
    pub exp_year: u16,
}

/// Why the gateway said no, in its code and in words a person understands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decline {
    /// Stable code, e.g. `card_declined`, `insufficient_funds`, `expired_card`.
    pub code: String,
    pub message: String,
}

/// The answer to a charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeOutcome {
    Succeeded { charge_ref: String },
    Declined(Decline),
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum GatewayError {
    /// The card was refused when saved.
    #[error("{}", .0.message)]
    Declined(Decline),
    /// The request was wrong (e.g. a non-test card in the sandbox).
    #[error("{0}")]
    Invalid(String),
    /// No answer, or an answer we cannot read: the outcome is unknown and must be reconciled.
    #[error("payment gateway unavailable: {0}")]
    Unavailable(String),
}

/// One charge of a batch.
#[derive(Clone, Debug)]
pub struct ChargeRequest {
    pub customer: String,
    pub card_ref: String,
    pub amount: Money,
    pub idempotency_key: String,
    pub description: String,
}
