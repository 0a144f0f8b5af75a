//! The use cases of partnerhub. Each public function is one thing a person or a job does; it
//! checks who is asking, applies the domain's rules, and writes in one transaction together
//! with its audit row.
//!
//! Architecture invariant: `app` owns the clock, the randomness and the transaction
//! boundaries; it re-decides no rule that lives in `domain` and speaks no HTTP.

pub mod accounts;
pub mod actor;
mod attachments;
mod audit;
pub mod benefits;
pub mod billing;
pub mod cancellation;
pub mod catalog;
pub mod checkout;
pub mod clock;
pub mod competencies;
pub mod email_links;
mod error;
pub mod generate;
pub mod idempotency;
pub mod lifecycle;
pub mod membership;
mod notices;
mod order;
pub mod outbox;
pub mod passkeys;
pub mod passwords;
pub mod payment;
pub mod payment_methods;
pub mod second_factor;
pub mod secrets;
pub mod service_requests;
pub mod sessions;
mod settings;
mod smtp;
pub mod sso;
pub mod staff;
mod state;
pub mod subscription;
pub mod text;
pub mod throttle;
pub mod tokens;
pub mod users;
pub mod webhooks;

pub use actor::{Actor, Origin, PartnerUser, StaffMember};
pub use error::AppError;
pub use settings::{Fault, GatewayConfig, Settings};
pub use state::App;
