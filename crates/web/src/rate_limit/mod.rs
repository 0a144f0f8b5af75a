//! Rate limits, counted in this node's memory (with several nodes each allows the rate: the
//! limits protect a node, and keep one client from hogging it):
//! - the API: per API token, for a token that authenticates, however the header is spaced;
//!   per client address otherwise (no token, or one that is not valid);
//! - sign-ups (`/signup`, `/api/v1/signup`): per client address and hour;
//! - the other forms posted without signing in (sign-in, with a passkey too, single sign-on
//!   and its callback, accepting an invitation, forgot password, the pages of e-mailed links):
//!   per client address and minute.
//!
//! A call over a limit gets 429 (`rate_limited` with `Retry-After` in seconds).

pub mod buckets;

use crate::auth::{Authenticated, bearer_secret};
use crate::client::ClientIp;
use crate::error::{ApiError, PageError};
use crate::state::AppState;
use app::AppError;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use buckets::{Key, Limiter, Limits};
use std::net::{IpAddr, Ipv4Addr};

fn address_of(request: &Request) -> Key {
    // Every request passes `client::resolve` first; the unspecified address is a safe fallback.
    let ip = request.extensions().get::<ClientIp>().map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0);
    Key::address(ip)
}

/// The middleware of the API routes: authenticates the token once (the handlers reuse the
/// answer), then counts the call against the token or the client's address.
pub async fn limit_api(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let mut key = address_of(&request);
    if let Some(secret) = bearer_secret(request.headers()).map(str::to_owned) {
        match app::tokens::authenticate(&state.app, &secret).await {
            Ok(actor) => {
                // Keyed by the token's hash: the token itself is never kept.
                key = Key::Token(app::secrets::hash_secret(&secret));
                request.extensions_mut().insert(Authenticated(Some(actor)));
            }
            Err(AppError::Unauthenticated) => {
                request.extensions_mut().insert(Authenticated(None));
            }
            Err(e) => return ApiError(e).into_response(),
        }
    }
    match state.limits.api.take(&key, state.app.now()) {
        Ok(()) => next.run(request).await,
        Err(wait) => refuse(&request, wait),
    }
}

/// What a form posted without signing in counts against, if anything.
fn anonymous_limiter<'a>(limits: &'a Limits, request: &Request) -> Option<&'a Limiter> {
    // The provider's callback is a GET, but it writes (it takes a sign-in) and may call the
    // provider: it counts as a form.
    if request.uri().path() == app::sso::CALLBACK_PATH {
        return Some(&limits.forms);
    }
    if request.method() != Method::POST {
        return None;
    }
    match request.uri().path() {
        "/signup" | "/api/v1/signup" => Some(&limits.signups),
        "/signin" | "/staff/signin" | "/signin/sso" | "/staff/signin/sso" | "/api/v1/invitations/accept" => {
            Some(&limits.forms)
        }
        path if path.starts_with("/signin/passkey/") || path.starts_with("/staff/signin/passkey/") => {
            Some(&limits.forms)
        }
        "/forgot-password" | "/staff/forgot-password" => Some(&limits.forms),
        path if path.starts_with("/invitations/") => Some(&limits.forms),
        path if domain::email_link::LinkPurpose::ALL.iter().any(|p| path.starts_with(&format!("{}/", p.path()))) => {
            Some(&limits.forms)
        }
        _ => None,
    }
}

/// The middleware of every route: sign-ups and the other forms that need no sign-in, per
/// client address.
pub async fn limit_anonymous_posts(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(limiter) = anonymous_limiter(&state.limits, &request) else { return next.run(request).await };
    match limiter.take(&address_of(&request), state.app.now()) {
        Ok(()) => next.run(request).await,
        Err(wait) => refuse(&request, wait),
    }
}

/// 429: a problem document for the API, the error page for pages; `Retry-After` either way.
fn refuse(request: &Request, wait: u64) -> Response {
    let error = AppError::RateLimited { retry_after_secs: wait };
    if request.uri().path().starts_with("/api/") {
        return ApiError(error).into_response();
    }
    let mut response = PageError(error).into_response();
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
    response
}
