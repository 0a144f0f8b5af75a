//! Protection against cross-site form posts: every form carries a token in a hidden field, and
//! a POST whose field does not match is refused before any handler runs.
//! - Signed in, the token is derived from the session cookie (`app::secrets::form_token`): a
//!   token from another session's page, or a cookie planted by a neighbouring site, is worth
//!   nothing.
//! - Before sign-in (sign-up, sign-in, invitations), there is no session to bind to: a random
//!   token in a cookie, repeated in the field (double submit).
//!
//! Our own cookies are SameSite=Lax as a second wall.

use crate::cookies;
use crate::state::AppState;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The token to put into this page's forms.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

/// Largest form body accepted on a page (forms here are small; uploads come with their own limit).
const MAX_FORM_BYTES: usize = 64 * 1024;

/// The name of the hidden form field.
pub const FIELD: &str = "csrf";

pub async fn protect(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let session = cookies::get(request.headers(), cookies::SESSION).map(|s| app::secrets::form_token(&s));
    let existing = cookies::get(request.headers(), cookies::CSRF);
    // What this request's forms carry and its POST must send back.
    let expected = session.clone().or_else(|| existing.clone());
    let (mut parts, body) = request.into_parts();
    let request = if parts.method == Method::POST {
        let multipart = parts
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .filter(|ct| ct.starts_with("multipart/form-data"))
            .map(str::to_owned);
        let limit = if multipart.is_some() { crate::uploads::MAX_UPLOAD_BODY_BYTES } else { MAX_FORM_BYTES };
        let Ok(bytes) = to_bytes(body, limit).await else {
            return (StatusCode::PAYLOAD_TOO_LARGE, "The form is too large.").into_response();
        };
        let sent = match &multipart {
            Some(content_type) => multipart_field(content_type, &bytes).await,
            None => serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
                .ok()
                .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == FIELD).map(|(_, v)| v)),
        };
        let ok = matches!((&expected, &sent), (Some(a), Some(b)) if constant_time_eq(a.as_bytes(), b.as_bytes()));
        if !ok {
            return crate::error::PageError(app::AppError::Forbidden(app::text::Text::new(i18n::key(
                "error-form-expired",
            ))))
            .into_response();
        }
        parts.extensions.insert(CsrfToken(expected.unwrap_or_default()));
        Request::from_parts(parts, Body::from(bytes))
    } else {
        let token = expected.unwrap_or_else(|| state.app.new_secret(""));
        parts.extensions.insert(CsrfToken(token));
        Request::from_parts(parts, body)
    };
    let issued = request.extensions().get::<CsrfToken>().map(|t| t.0.clone());
    let mut response = next.run(request).await;
    // The cookie is for pages before sign-in only.
    if let (None, None, Some(token)) = (session, existing, issued) {
        cookies::set(response.headers_mut(), cookies::CSRF, &token, 60 * 60 * 24 * 30, state.secure_cookies);
    }
    response
}

/// The csrf field of a multipart form (a form with a file), read from the buffered body.
async fn multipart_field(content_type: &str, bytes: &axum::body::Bytes) -> Option<String> {
    use axum::extract::FromRequest;
    let request = Request::builder().header(CONTENT_TYPE, content_type).body(Body::from(bytes.clone())).ok()?;
    let mut form = axum::extract::Multipart::from_request(request, &()).await.ok()?;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some(FIELD) {
            return field.text().await.ok();
        }
    }
    None
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
