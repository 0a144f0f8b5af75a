//! Idempotency keys, one protocol for every money-moving call of the API and the portal (Buy,
//! cancelling with refunds, support draws, credit use): the first request with a key claims it
//! and runs; what it did is kept, or the key given back when that is not known yet
//! ([`is_final`]); a repeat gets what was kept without running again.
//!
//! A Buy claims its key in the attempt's own transaction and keeps its outcome in the settling
//! one (see `payment`), as an app-level [`Kept`] record; the caller renders it, at the first
//! answer and at each repeat.

use crate::error::AppError;
use crate::state::App;
use domain::ids::OrderId;
use serde::{Deserialize, Serialize};

/// One request's key: whose it is, the key, and the hash of the request it was sent with.
#[derive(Clone, Copy)]
pub struct Key<'a> {
    pub principal: &'a str,
    pub key: &'a str,
    pub request_hash: &'a str,
}

/// What is kept for a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Kept {
    /// A Buy paid the order (this request, or one before it).
    OrderPaid { order_id: OrderId },
    /// A Buy's charge was declined; the order went back to the payment step.
    Declined { order_id: OrderId, message: String },
    /// Any other outcome, as the caller rendered it (`code` is the caller's own, e.g. an HTTP
    /// status): app keeps it as it is.
    #[serde(skip)]
    Answer { code: u16, body: String },
}

/// The stored code of a [`Kept`] record app wrote itself, its JSON in the body; any other code
/// is an [`Kept::Answer`] (every row written before app kept records of its own is one).
const KEPT_BY_APP: u16 = 0;

impl Kept {
    fn stored(&self) -> Result<(u16, String), AppError> {
        match self {
            Kept::Answer { code, body } => Ok((*code, body.clone())),
            record => Ok((
                KEPT_BY_APP,
                serde_json::to_string(record).map_err(|e| AppError::internal_from("cannot keep the outcome", e))?,
            )),
        }
    }

    fn read(code: u16, body: String) -> Kept {
        if code == KEPT_BY_APP
            && let Ok(record) = serde_json::from_str(&body)
        {
            return record;
        }
        Kept::Answer { code, body }
    }
}

/// What the store knows of a key.
#[derive(Debug)]
pub enum Seen {
    /// First time: the caller now holds the key and must conclude it.
    New,
    /// A request with this key is running.
    InProgress { request_hash: String },
    /// Done: what was kept.
    Done { request_hash: String, kept: Kept },
}

/// What a repeat with a key gets.
#[derive(Debug)]
pub enum Repeat {
    /// What the first request did.
    Kept(Kept),
    /// The first request is still running: try again later.
    InProgress,
    /// The key was used for another request.
    Reused,
}

impl Seen {
    /// What a request with `request_hash` gets when the key was seen before; `None` when it is
    /// new (the request runs).
    pub fn repeat(self, request_hash: &str) -> Option<Repeat> {
        match self {
            Seen::New => None,
            Seen::InProgress { .. } => Some(Repeat::InProgress),
            Seen::Done { request_hash: first, .. } if first != request_hash => Some(Repeat::Reused),
            Seen::Done { kept, .. } => Some(Repeat::Kept(kept)),
        }
    }
}

impl From<store::idempotency::Seen> for Seen {
    fn from(seen: store::idempotency::Seen) -> Seen {
        match seen {
            store::idempotency::Seen::New => Seen::New,
            store::idempotency::Seen::InProgress { request_hash } => Seen::InProgress { request_hash },
            store::idempotency::Seen::Done { request_hash, status, body } => {
                Seen::Done { request_hash, kept: Kept::read(status, body) }
            }
        }
    }
}

/// The one rule of which outcomes are final: an error that says "not yet" (a payment whose
/// outcome is unknown, the gateway or the database away, a payment of the same thing in
/// flight) is not kept, so that a retry with the key runs again and sees the outcome.
pub fn is_final(error: &AppError) -> bool {
    !matches!(
        error,
        AppError::PaymentPending
            | AppError::GatewayUnavailable(_)
            | AppError::Store(_)
            | AppError::Internal { .. }
            | AppError::Conflict { code: "payment_in_progress" | "payment_not_completed" | "subscription_busy", .. }
    )
}

/// Claims `key` for `principal`; see [`Seen`] for what comes back.
pub async fn claim(app: &App, principal: &str, key: &str, request_hash: &str) -> Result<Seen, AppError> {
    let mut tx = app.store().write().await?;
    let seen = claim_in(&mut tx, app, &Key { principal, key, request_hash }).await?;
    tx.commit().await?;
    Ok(seen)
}

/// [`claim`] inside the caller's transaction (undone with it).
pub(crate) async fn claim_in(tx: &mut store::Conn, app: &App, key: &Key<'_>) -> Result<Seen, AppError> {
    Ok(store::idempotency::claim(tx, key.principal, key.key, key.request_hash, app.now()).await?.into())
}

/// Keeps `kept` for a key claimed in `tx`, in the same transaction.
pub(crate) async fn keep_in(tx: &mut store::Conn, key: &Key<'_>, kept: &Kept) -> Result<(), AppError> {
    let (code, body) = kept.stored()?;
    store::idempotency::finish(tx, key.principal, key.key, code, &body).await?;
    Ok(())
}

/// Keeps `kept` for a key whose claim may have been undone (see `store::idempotency::keep`).
pub async fn keep(app: &App, key: &Key<'_>, kept: &Kept) -> Result<(), AppError> {
    let (code, body) = kept.stored()?;
    let mut tx = app.store().write().await?;
    store::idempotency::keep(&mut tx, key.principal, key.key, key.request_hash, code, &body, app.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Gives a claimed key back without an answer, so that a retry runs again.
pub async fn release(app: &App, principal: &str, key: &str) -> Result<(), AppError> {
    let mut tx = app.store().write().await?;
    store::idempotency::release(&mut tx, principal, key).await?;
    tx.commit().await?;
    Ok(())
}

/// Ends a request that ran with a claimed key: keeps what `answer` gives, or, when `error`
/// is not final ([`is_final`]), gives the key back (a failure to do so is logged: the claim
/// is taken over after a while all the same).
pub async fn conclude(
    app: &App,
    key: &Key<'_>,
    error: Option<&AppError>,
    answer: impl FnOnce() -> Kept,
) -> Result<(), AppError> {
    if error.is_some_and(|e| !is_final(e)) {
        if let Err(e) = release(app, key.principal, key.key).await {
            tracing::error!(error = %e, "cannot release an idempotency key");
        }
        return Ok(());
    }
    keep(app, key, &answer()).await
}

/// The hash a request is remembered by, to tell a true repeat from a key reused for another
/// request.
pub fn request_hash(parts: &[&str]) -> String {
    crate::secrets::hash_secret(&parts.join("\u{1f}"))
}

#[cfg(test)]
mod tests {
    use super::Kept;
    use domain::ids::OrderId;

    #[test]
    fn a_record_of_app_reads_back_as_itself_and_an_answer_as_it_was_kept() {
        let order_id = OrderId::from_random([1; 16]);
        let paid = Kept::OrderPaid { order_id: order_id.clone() };
        let (code, body) = paid.stored().unwrap();
        assert_eq!(Kept::read(code, body), paid);
        let declined = Kept::Declined { order_id, message: "Your card was declined.".into() };
        let (code, body) = declined.stored().unwrap();
        assert_eq!(Kept::read(code, body), declined);
        // A row written before app kept records of its own: the answer as the caller rendered it.
        let old = Kept::read(200, r#"{"id":"ord_1","status":"paid"}"#.into());
        assert_eq!(old, Kept::Answer { code: 200, body: r#"{"id":"ord_1","status":"paid"}"#.into() });
        assert_eq!(Kept::read(303, "/orders/ord_1".into()), Kept::Answer { code: 303, body: "/orders/ord_1".into() });
    }
}
