//! Payment: Buy, charged exactly once, and what settles an attempt (a success completes the
//! order, a decline gives it back), and reconciliation of attempts whose outcome is unknown.
//!
//! Exactly once, in three steps:
//! 1. In one transaction, the payment attempt is written as `pending` with its idempotency key
//!    and the order becomes `paying`, before the gateway is called.
//! 2. The gateway is called with that key (a repeat with the key never charges twice).
//! 3. In one transaction, the attempt is settled and, on success, the subscription, the invoice
//!    (with the next gapless number), the receipt e-mail and the audit row are written.
//!
//! If the process dies between 2 and 3, the attempt stays `pending`; `reconcile` asks the
//! gateway what became of the key and finishes the order (or gives it back to the partner).
//!
//! A Buy with an Idempotency-Key claims the key in transaction 1 and keeps its answer in
//! transaction 3, rather than in two transactions of their own: on SQLite every commit is a
//! turn of the one writer and an fsync.

mod attempt;
mod buy;
mod reconcile;
mod settle;

pub(crate) use attempt::new_attempt;
pub use buy::{BuyOutcome, buy};
pub(crate) use reconcile::reconcile_attempt;
pub use reconcile::reconcile_pending;
pub(crate) use settle::settle;
