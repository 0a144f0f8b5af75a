//! The rules of the partner program, in plain Rust.
//!
//! Architecture invariant: this crate does no I/O, holds no clock and no randomness, and knows
//! nothing of SQL or HTTP. Callers pass in the time and the random bytes they own.

pub mod account;
pub mod attachment;
pub mod benefit;
pub mod card;
pub mod catalog;
pub mod common_password;
pub mod competency;
pub mod email_link;
pub mod ids;
pub mod membership;
pub mod money;
pub mod net;
pub mod order;
pub mod passkey;
pub mod reconciliation;
pub mod refund;
pub mod roles;
pub mod service_request;
pub mod session;
pub mod sso;
pub mod subscription;
pub mod term;
pub mod throttle;
pub mod totp;
pub mod webhook;
mod words;
