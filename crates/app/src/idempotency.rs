//! Idempotency keys: the first request with a key runs, its answer is kept, and a repeat gets
//! that answer without running again.

use crate::error::AppError;
use crate::state::App;
pub use store::idempotency::Seen;
use store::orders::OrderRecord;

/// An answer as kept for an Idempotency-Key: HTTP status and body.
pub type KeptAnswer = (u16, String);

/// The Idempotency-Key of a Buy, claimed and answered in the order's own transactions.
pub struct BuyKey<'a> {
    pub principal: &'a str,
    pub key: &'a str,
    pub request_hash: &'a str,
    /// The answer a request that pays the order gives (status, body), as the caller renders it.
    pub answer: &'a (dyn Fn(&OrderRecord) -> Result<KeptAnswer, AppError> + Sync),
}

/// Claims `key` for `principal`; see [`Seen`] for what comes back.
pub async fn claim(app: &App, principal: &str, key: &str, request_hash: &str) -> Result<Seen, AppError> {
    let mut tx = app.store().write().await?;
    let seen = store::idempotency::claim(&mut tx, principal, key, request_hash, app.now()).await?;
    tx.commit().await?;
    Ok(seen)
}

/// Keeps the answer of a key whose claim may have been undone (see `store::idempotency::keep`).
pub async fn keep(
    app: &App,
    principal: &str,
    key: &str,
    request_hash: &str,
    status: u16,
    body: &str,
) -> Result<(), AppError> {
    let mut tx = app.store().write().await?;
    store::idempotency::keep(&mut tx, principal, key, request_hash, status, body, app.now()).await?;
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

/// The hash a request is remembered by, to tell a true repeat from a key reused for another
/// request.
pub fn request_hash(parts: &[&str]) -> String {
    crate::secrets::hash_secret(&parts.join("\u{1f}"))
}
