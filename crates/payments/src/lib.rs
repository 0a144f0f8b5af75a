//! Payment gateways. The app charges through [`Gateway`], one of:
//! - [`sandbox::Sandbox`]: built in, no network, the same test card numbers as Stripe, its
//!   state in our database (as an external gateway would keep its own);
//! - [`stripe::Stripe`]: Stripe's HTTP API (customers, payment methods, payment intents
//!   confirmed at once, refunds), tested against localstripe.
//!
//! Architecture invariant: a card number or CVC goes from the caller straight to the gateway
//! and is never stored, logged or put into an error; only brand, last four, expiry and the
//! gateway's reference come back.

pub mod localstripe;
mod model;
pub mod sandbox;
pub mod stripe;

pub use model::{CardSource, ChargeOutcome, ChargeRequest, Decline, GatewayError, NewCard, SavedCard};

use domain::money::Money;

/// Spaces calls out to at most `per_second` a second, across every task of this process: a
/// real gateway limits the rate of an account (Stripe allows some 25 to 100 requests a second).
#[derive(Debug)]
pub struct RateLimiter {
    interval: std::time::Duration,
    next: tokio::sync::Mutex<tokio::time::Instant>,
}

impl RateLimiter {
    pub fn new(per_second: u32) -> RateLimiter {
        let interval = std::time::Duration::from_secs(1) / per_second.max(1);
        RateLimiter { interval, next: tokio::sync::Mutex::new(tokio::time::Instant::now()) }
    }

    /// Waits for this caller's turn.
    pub async fn wait(&self) {
        let turn = {
            let mut next = self.next.lock().await;
            let turn = (*next).max(tokio::time::Instant::now());
            *next = turn + self.interval;
            turn
        };
        tokio::time::sleep_until(turn).await;
    }
}

/// The configured gateway. An enum rather than a trait object: there are two, both known here.
#[derive(Clone)]
pub enum Gateway {
    Sandbox(sandbox::Sandbox),
    Stripe(stripe::Stripe),
}

impl Gateway {
    pub fn name(&self) -> &'static str {
        match self {
            Gateway::Sandbox(_) => "sandbox",
            Gateway::Stripe(_) => "stripe",
        }
    }

    /// Whether the gateway records its charges in partnerhub's own database (the sandbox does,
    /// through the same store): a charge is then written after the attempt that asked for it,
    /// in one log, so a crash that loses the attempt loses the charge too.
    pub fn charges_in_our_database(&self) -> bool {
        matches!(self, Gateway::Sandbox(_))
    }

    /// The gateway's customer for an org, made once; `org_id` keys it so a retry finds it.
    pub async fn create_customer(&self, org_id: &str, name: &str) -> Result<String, GatewayError> {
        match self {
            Gateway::Sandbox(g) => g.create_customer(org_id).await,
            Gateway::Stripe(g) => g.create_customer(org_id, name).await,
        }
    }

    /// For gateways whose card form runs in the browser (Stripe.js): a SetupIntent's client
    /// secret, with which the browser saves the card for `customer` off our server. `None` for
    /// the sandbox, whose form posts to us.
    pub async fn card_setup_secret(&self, customer: &str) -> Result<Option<String>, GatewayError> {
        match self {
            Gateway::Sandbox(_) => Ok(None),
            Gateway::Stripe(g) => g.create_setup_intent(customer).await.map(Some),
        }
    }

    /// Saves a card for `customer`. `reference` is our id for the new payment method.
    pub async fn save_card(
        &self,
        customer: &str,
        source: CardSource,
        reference: &str,
    ) -> Result<SavedCard, GatewayError> {
        match self {
            Gateway::Sandbox(g) => g.save_card(customer, source, reference).await,
            Gateway::Stripe(g) => g.save_card(customer, source).await,
        }
    }

    /// Charges `amount` to a saved card at once. The same `idempotency_key` never charges twice.
    pub async fn charge(
        &self,
        customer: &str,
        card_ref: &str,
        amount: Money,
        idempotency_key: &str,
        description: &str,
    ) -> Result<ChargeOutcome, GatewayError> {
        match self {
            Gateway::Sandbox(g) => g.charge(customer, card_ref, amount, idempotency_key).await,
            Gateway::Stripe(g) => g.charge(customer, card_ref, amount, idempotency_key, description).await,
        }
    }

    /// Charges many saved cards (a renewal batch); the answers come in the order of `requests`.
    /// The sandbox records them all in one transaction; Stripe takes them one request at a
    /// time (callers that pace charges under a rate limit call [`Gateway::charge`] instead).
    pub async fn charge_many(&self, requests: &[ChargeRequest]) -> Vec<Result<ChargeOutcome, GatewayError>> {
        match self {
            Gateway::Sandbox(g) => g.charge_many(requests).await,
            Gateway::Stripe(g) => {
                let mut answers = Vec::with_capacity(requests.len());
                for r in requests {
                    answers
                        .push(g.charge(&r.customer, &r.card_ref, r.amount, &r.idempotency_key, &r.description).await);
                }
                answers
            }
        }
    }

    /// What became of the charge made with `idempotency_key`, if the gateway has one: for
    /// reconciling an attempt whose answer was lost.
    pub async fn find_charge(
        &self,
        customer: &str,
        idempotency_key: &str,
    ) -> Result<Option<ChargeOutcome>, GatewayError> {
        match self {
            Gateway::Sandbox(g) => g.find_charge(idempotency_key).await,
            Gateway::Stripe(g) => g.find_charge(customer, idempotency_key).await,
        }
    }

    /// Refunds `amount` of a charge; the same key never refunds twice.
    pub async fn refund(&self, charge_ref: &str, amount: Money, idempotency_key: &str) -> Result<String, GatewayError> {
        match self {
            Gateway::Sandbox(g) => g.refund(charge_ref, amount, idempotency_key).await,
            Gateway::Stripe(g) => g.refund(charge_ref, amount, idempotency_key).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RateLimiter;

    #[tokio::test]
    async fn the_limiter_spaces_calls() {
        let limiter = RateLimiter::new(100);
        let start = tokio::time::Instant::now();
        for _ in 0..21 {
            limiter.wait().await;
        }
        let took = start.elapsed();
        assert!(took >= std::time::Duration::from_millis(195), "20 intervals of 10 ms, took {took:?}");
    }
}
