//! The one error type of the use cases; `web` maps it once to HTTP problem documents and the
//! CLI to an exit code and a message.

use crate::text::Text;
use domain::account::InvalidInput;
use domain::catalog::CatalogError;
use i18n::key;
use store::StoreError;

mod words;

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
    Forbidden(Text),
    /// Not allowed for a reason an API client may act on; `code` is stable.
    #[error("{message}")]
    Refused { code: &'static str, message: Text },
    #[error("sign in first")]
    Unauthenticated,
    /// Deliberately the same for an unknown e-mail and a wrong password.
    #[error("the e-mail address or the password is not right")]
    BadCredentials,
    /// The request clashes with what exists; `code` is stable for API clients.
    #[error("{message}")]
    Conflict { code: &'static str, message: Text },
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
    /// A document (an invoice's or a credit note's PDF) cannot be made on this server as it is
    /// set up, its fonts missing; the source says why, for the operator's log.
    #[error(
        "the PDF cannot be made right now: this server is missing the fonts it prints with; the error has been logged for the operator"
    )]
    DocumentUnavailable(#[source] documents::RenderError),
    #[error("the catalog is not valid:\n{0}")]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A fault of ours or of a library below us (not the person's, not the database's storage):
    /// made by [`AppError::internal`] or, keeping the error that caused it, by
    /// [`AppError::internal_from`].
    #[error("internal error: {what}")]
    Internal {
        what: String,
        #[source]
        cause: Option<Cause>,
    },
}

/// The error below an internal one, whatever its type.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

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
            AppError::DocumentUnavailable(_) => "document_unavailable",
            AppError::Store(e) if e.is_storage_fault() => "storage_unavailable",
            AppError::Store(_) | AppError::Internal { .. } => "internal_error",
        }
    }

    /// What the person reads, in `lang`, for an error that is theirs to see (web answers
    /// internal and storage errors with words of its own). Words that come from below the app
    /// and have no message yet stay as they were written, in English.
    pub fn message_in(&self, lang: &i18n::Lang) -> String {
        match self {
            AppError::Invalid(i) => match (&i.said, words::invalid(i.field, &i.message)) {
                (Some(said), _) => {
                    let args: Vec<(&str, i18n::Arg<'_>)> =
                        said.args.iter().map(|(name, value)| (*name, value.as_str().into())).collect();
                    lang.t_with(said.id, &args)
                }
                (None, Some(k)) => lang.text(k),
                (None, None) => i.message.clone(),
            },
            AppError::NotFound(what) => match words::not_found(what) {
                Some(k) => lang.text(k),
                None => self.to_string(),
            },
            AppError::Forbidden(text)
            | AppError::Refused { message: text, .. }
            | AppError::Conflict { message: text, .. } => text.in_lang(lang),
            AppError::Unauthenticated => lang.t("error-sign-in-first"),
            AppError::BadCredentials => lang.t("error-bad-credentials"),
            AppError::Declined(reason) => match words::declined(reason) {
                Some(k) => lang.text(k),
                None => reason.clone(),
            },
            AppError::GatewayUnavailable(why) => lang.t1("error-gateway-unavailable", "why", why),
            AppError::PaymentPending => lang.t("error-payment-pending"),
            AppError::Link(refusal) => lang.text(words::link(refusal)),
            AppError::RateLimited { retry_after_secs } => lang.t1("error-rate-limited", "seconds", *retry_after_secs),
            AppError::Catalog(_)
            | AppError::Store(_)
            | AppError::Internal { .. }
            | AppError::DocumentUnavailable(_) => self.to_string(),
        }
    }

    /// The database cannot take writes now (a full disk, a read-only file, the server away):
    /// nothing was saved, and the same request may succeed later.
    pub fn is_storage_fault(&self) -> bool {
        matches!(self, AppError::Store(e) if e.is_storage_fault())
    }

    /// Something that cannot happen did: `what` says what, for the log.
    pub fn internal(what: impl Into<String>) -> AppError {
        AppError::Internal { what: what.into(), cause: None }
    }

    /// `cause` stopped us while doing `what` (for the log; the person sees a bare "internal
    /// error").
    pub fn internal_from(what: impl Into<String>, cause: impl Into<Cause>) -> AppError {
        AppError::Internal { what: what.into(), cause: Some(cause.into()) }
    }

    /// The error and every error below it, for the log.
    pub fn with_causes(&self) -> String {
        let mut text = self.to_string();
        let mut below = std::error::Error::source(self);
        while let Some(cause) = below {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            below = cause.source();
        }
        text
    }

    /// Refused by the role: `what` names the act, as a phrase of the message files.
    pub(crate) fn forbidden(what: i18n::Key) -> AppError {
        AppError::Forbidden(Text::new(key("error-role-does-not-allow")).phrase("what", what))
    }
}

#[cfg(test)]
mod tests {
    use super::AppError;

    #[test]
    fn an_internal_error_keeps_what_caused_it_for_the_log_but_not_for_the_person() {
        let e = AppError::internal_from("writing the invoice", std::io::Error::other("disk on fire"));
        assert_eq!(e.code(), "internal_error");
        assert_eq!(e.to_string(), "internal error: writing the invoice");
        let cause = std::error::Error::source(&e).expect("the cause is kept");
        assert_eq!(cause.to_string(), "disk on fire");
        let logged = e.with_causes();
        assert!(logged.contains("writing the invoice") && logged.contains("disk on fire"), "{logged}");
        assert_eq!(AppError::internal("no set-up link was made").code(), "internal_error");
    }
}
