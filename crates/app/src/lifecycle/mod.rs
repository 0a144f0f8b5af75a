//! The life of a subscription after Buy: turning automatic renewal off and renewing by hand
//! through the wizard (`manual`), and the renewal run (`run`): automatic renewals on the
//! anniversary a batch at a time (`batch`), retries of failed charges and expiry one by one
//! (`one_by_one`), and reminders (`reminders`); several workers may run it at once.
//!
//! Exactly once: a worker leases the subscriptions it works on; each automatic renewal is one
//! order per subscription and term (a unique index), each charge try an attempt with its own
//! idempotency key sent to the gateway; the new term is written only if the subscription still
//! ends where the renewal expected (compare and set); each reminder has a unique key.

mod batch;
mod manual;
mod one_by_one;
mod reminders;
mod run;

pub use manual::{notifications, preview_term, start_renewal, turn_off_auto_renew};
pub use run::{RunReport, run_due, run_due_with, run_until};
