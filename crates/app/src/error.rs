//! The one error type of the use cases; `web` maps it once to HTTP problem documents and the
//! CLI to an exit code and a message.

use domain::account::InvalidInput;
use domain::catalog::CatalogError;
use store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A value the person typed is not acceptable; `field` names it.
    #[error("{0}")]
    Invalid(#[from] InvalidInput),
    /// Missing, or not theirs to see: the two are the same answer on purpose.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Signed in, but the role does not allow it.
    #[error("{0}")]
    Forbidden(String),
    /// Not allowed for a reason an API client may act on; `code` is stable.
    #[error("{message}")]
    Refused { code: &'static str, message: String },
    #[error("sign in first")]
    Unauthenticated,
    /// Deliberately the same for an unknown e-mail and a wrong password.
    #[error("the e-mail address or the password is not right")]
    BadCredentials,
    /// The request clashes with what exists; `code` is stable for API clients.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// The card was refused by the payment gateway; the message is the gateway's reason.
    #[error("{0}")]
    Declined(String),
    /// The gateway did not answer; nothing is known to have been charged.
    #[error("the payment gateway cannot be reached right now ({0}); try again in a moment")]
    GatewayUnavailable(String),
    /// A payment was sent and its outcome is not known yet; it will be reconciled.
    #[error(
        "we could not confirm your payment with the payment gateway yet; we are checking, and nothing will be charged twice"
    )]
    PaymentPending,
    /// An e-mailed link that is used, expired or unknown; the code says which.
    #[error("{0}")]
    Link(#[from] domain::email_link::LinkRefusal),
    #[error("too many attempts; try again in {retry_after_secs} seconds")]
    RateLimited { retry_after_secs: u64 },
    #[error("the catalog is not valid:\n{0}")]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// A stable machine-readable code for API clients and tests.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid(_) => "invalid_input",
            AppError::NotFound(_) => "not_found",
            AppError::Forbidden(_) => "forbidden",
            AppError::Refused { code, .. } => code,
            AppError::Unauthenticated => "unauthenticated",
            AppError::BadCredentials => "invalid_credentials",
            AppError::Conflict { code, .. } => code,
            AppError::RateLimited { .. } => "rate_limited",
            AppError::Link(refusal) => refusal.code(),
            AppError::Declined(_) => "card_declined",
            AppError::GatewayUnavailable(_) => "gateway_unavailable",
            AppError::PaymentPending => "payment_pending",
            AppError::Catalog(_) => "invalid_catalog",
            AppError::Store(e) if e.is_storage_fault() => "storage_unavailable",
            AppError::Store(_) | AppError::Internal(_) => "internal_error",
        }
    }

    /// The database cannot take writes now (a full disk, a read-only file, the server away):
    /// nothing was saved, and the same request may succeed later.
    pub fn is_storage_fault(&self) -> bool {
        matches!(self, AppError::Store(e) if e.is_storage_fault())
    }

    pub(crate) fn forbidden(what: &str) -> AppError {
        AppError::Forbidden(format!("your role does not allow you to {what}"))
    }
}
