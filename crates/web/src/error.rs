//! The one mapping from [`AppError`] to HTTP: `application/problem+json` for the API, an HTML
//! page for the portal and the console. Internal errors are logged in full and shown as a bare
//! "internal error", so nothing of the database or a secret leaks into a response.

use crate::state::AppState;
use app::AppError;
use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use i18n::Lang;
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use utoipa::ToSchema;

/// Seconds a client is asked to wait after a storage fault.
const STORAGE_RETRY_AFTER: u32 = 30;

/// When the last storage fault was seen, in seconds of this process's monotonic clock, plus
/// one (0: none). A fault is logged once a minute while it lasts, not once per request, and
/// readiness says "not ready" meanwhile. An elapsed time, not a date: the program's clock
/// (`app::clock`) is not the one to ask.
static STORAGE_FAULT_AT: AtomicI64 = AtomicI64::new(0);

fn seconds_running() -> i64 {
    static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    i64::try_from(STARTED.get_or_init(std::time::Instant::now).elapsed().as_secs()).unwrap_or(i64::MAX) + 1
}

/// Seconds since a write failed for want of storage, if that was in the last minute.
pub fn storage_fault_recently() -> Option<i64> {
    let at = STORAGE_FAULT_AT.load(Ordering::Relaxed);
    let now = seconds_running();
    (at != 0 && now - at < 60).then_some(now - at)
}

fn note_storage_fault(e: &AppError) {
    let now = seconds_running();
    let before = STORAGE_FAULT_AT.swap(now, Ordering::Relaxed);
    if before == 0 || now - before >= 60 {
        tracing::error!(
            error = %e.with_causes(),
            "the database cannot take writes; answering 503 storage_unavailable until it can (logged once a minute while it lasts)"
        );
    }
}

pub fn status_of(e: &AppError) -> StatusCode {
    if e.is_storage_fault() {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    match e {
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Forbidden(_) | AppError::Refused { .. } => StatusCode::FORBIDDEN,
        AppError::Unauthenticated | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
        AppError::Conflict { .. } => StatusCode::CONFLICT,
        AppError::Link(_) => StatusCode::GONE,
        AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Declined(_) => StatusCode::PAYMENT_REQUIRED,
        AppError::GatewayUnavailable(_) | AppError::PaymentPending | AppError::DocumentUnavailable(_) => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        AppError::Catalog(_) | AppError::Store(_) | AppError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The message a person may see, in English: the error's own words, except for internal
/// errors. Pages not yet in the reader's language use it; see [`public_message_in`].
pub fn public_message(e: &AppError) -> String {
    note(e);
    match app::text::english() {
        Some(en) => message_in(e, en),
        None => capitalised(e.to_string()),
    }
}

/// The message a person may see, in their language `lang`; a fault of ours is logged here.
pub fn public_message_in(e: &AppError, lang: &Lang) -> String {
    note(e);
    message_in(e, lang)
}

/// Logs what the person is not told: a fault of ours or of the storage.
fn note(e: &AppError) {
    if e.is_storage_fault() {
        note_storage_fault(e);
    } else if status_of(e).is_server_error() {
        tracing::error!(error = %e.with_causes(), "request failed");
    }
}

/// The words without logging (the error was noted when it was answered first).
fn message_in(e: &AppError, lang: &Lang) -> String {
    if e.is_storage_fault() {
        lang.t("error-storage-unavailable")
    } else if status_of(e).is_server_error() {
        match e {
            // Nothing the person can retry away; they are told what is wrong, the log says why.
            AppError::DocumentUnavailable(_) => capitalised(e.to_string()),
            _ => lang.t("error-internal"),
        }
    } else {
        capitalised(e.message_in(lang))
    }
}

fn capitalised(text: String) -> String {
    let mut chars = text.chars();
    chars.next().map_or(text.clone(), |c| c.to_uppercase().chain(chars).collect())
}

/// An RFC 9457 problem document with a stable `code`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A relative URI naming the kind of problem: `/problems/{code}`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// Stable and machine-readable, e.g. `invalid_input`, `not_found`, `email_taken`.
    pub code: String,
    pub detail: String,
    /// The request field the problem is about, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>, field: Option<String>) -> Problem {
        Problem {
            kind: format!("/problems/{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            code: code.to_owned(),
            detail: detail.into(),
            field,
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Json(self)).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        response
    }
}

/// An error answered as a problem document (the API).
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

impl ApiError {
    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        let e = &self.0;
        let field = match e {
            AppError::Invalid(i) => Some(i.field.to_owned()),
            _ => None,
        };
        Problem::new(status_of(e), e.code(), public_message(e), field)
    }
}

/// An API error answered before the reader's language was known: [`localise_problems`] writes
/// its detail again in that language.
#[derive(Clone)]
struct Unlocalised(Arc<AppError>);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.problem().into_response();
        let e = Arc::new(self.0);
        response.extensions_mut().insert(Unlocalised(e.clone()));
        match &*e {
            &AppError::RateLimited { retry_after_secs } => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            AppError::GatewayUnavailable(_) | AppError::PaymentPending => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(30));
            }
            e if e.is_storage_fault() => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(STORAGE_RETRY_AFTER));
            }
            _ => {}
        }
        if matches!(*e, AppError::Unauthenticated) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// The API's problem documents in the reader's language (`Accept-Language`, else the program's
/// default): handlers answer with `?` and never see the request's language, so the detail is
/// written again here on the way out. The `code` stays as it is.
pub async fn localise_problems(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let lang = crate::language::for_request(&state, request.headers(), None);
    let mut response = next.run(request).await;
    if let Some(Unlocalised(e)) = response.extensions_mut().remove::<Unlocalised>() {
        let field = match &*e {
            AppError::Invalid(i) => Some(i.field.to_owned()),
            _ => None,
        };
        let problem = Problem::new(status_of(&e), e.code(), message_in(&e, &lang), field);
        if let Ok(body) = serde_json::to_vec(&problem) {
            *response.body_mut() = Body::from(body);
            response.headers_mut().remove(header::CONTENT_LENGTH);
        }
        response.headers_mut().insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_str(&lang.tag()).unwrap_or(HeaderValue::from_static("en")),
        );
    }
    response
}

/// The error page: a page of its own, without the layout of the signed-in pages.
#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    lang: i18n::Lang,
    status: i64,
    message: String,
    /// Offer the way to **Resend** the link that confirms the address.
    resend: bool,
}

/// What an error page says, carried from the handler's answer to [`error_pages`], which knows
/// the reader's language (an error is answered where the request is no longer at hand).
#[derive(Clone)]
struct ErrorPageText {
    error: Arc<AppError>,
    resend: bool,
}

/// An error answered as an HTML page (the portal and the console).
pub struct PageError(pub AppError);

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = status_of(&self.0);
        // A partner refused for an address still to confirm is pointed at Resend (every portal
        // page has it while the address is unconfirmed).
        let resend = self.0.code() == "email_unverified";
        let mut response = status.into_response();
        note(&self.0);
        if self.0.is_storage_fault() {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(STORAGE_RETRY_AFTER));
        }
        response.extensions_mut().insert(ErrorPageText { error: Arc::new(self.0), resend });
        response
    }
}

/// An id from a path or a form, in its type. One of the wrong shape names nothing, so it is
/// answered as one that is unknown (`what` is the word the app's own "not found" uses).
pub fn known_id<T: std::str::FromStr>(raw: &str, what: &'static str) -> Result<T, AppError> {
    raw.parse().map_err(|_| AppError::NotFound(what))
}

/// Draws the error page of a [`PageError`] in the reader's language: the one they picked on a
/// signed-out page or their browser's (a saved choice would cost a session read on every error,
/// so it is not looked up here).
pub async fn error_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let wishes = crate::language::wishes(request.headers(), None);
    let mut response = next.run(request).await;
    let Some(text) = response.extensions_mut().remove::<ErrorPageText>() else { return response };
    let lang = state.app.language_for(wishes.iter().map(String::as_str));
    let message = message_in(&text.error, &lang);
    let page = ErrorPage { lang, status: i64::from(response.status().as_u16()), message, resend: text.resend };
    match page.render() {
        Ok(html) => {
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            *response.body_mut() = Body::from(html);
        }
        Err(e) => tracing::error!(error = %e, "cannot draw the error page"),
    }
    response
}
