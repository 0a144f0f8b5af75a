//! HTTP for partnerhub: the partner portal, the staff console and `/api/v1`.
//!
//! Architecture invariant: handlers are thin. They parse the request, call one use case in
//! `app`, and render; no rule is decided here and no SQL is written here.

mod api;
mod auth;
mod client;
mod cookies;
mod csrf;
mod error;
mod language;
mod pages;
mod present;
mod rate_limit;
mod server;
mod state;
mod uploads;

pub use server::{ConnectionLimits, serve};
pub use state::AppState;

use uploads::MAX_UPLOAD_BODY_BYTES;

use app::App;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use rate_limit::buckets::Limits;
use std::sync::Arc;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Largest request body anywhere but on the upload routes (pages have their own, smaller limit).
const MAX_BODY_BYTES: usize = 256 * 1024;

/// The whole HTTP surface.
pub fn router(app: Arc<App>) -> Router {
    let secure_cookies = app.settings().public_url.starts_with("https://");
    let limits = Arc::new(Limits::new(app.settings()));
    let state = AppState { app, secure_cookies, limits };
    let (api_routes, mut openapi) = api::routes();
    let (upload_api, upload_doc) = api::upload_routes();
    openapi.merge(upload_doc);
    let openapi = Arc::new(openapi);
    let serve_openapi = get(move || {
        let doc = openapi.clone();
        async move { Json(doc.as_ref().clone()) }
    });
    let csrf = axum::middleware::from_fn_with_state(state.clone(), csrf::protect);
    let small = RequestBodyLimitLayer::new(MAX_BODY_BYTES);
    let limited = axum::middleware::from_fn_with_state(state.clone(), rate_limit::limit_api);
    let anonymous_posts = axum::middleware::from_fn_with_state(state.clone(), rate_limit::limit_anonymous_posts);
    let headers = axum::middleware::from_fn_with_state(state.clone(), security_headers);
    let error_pages = axum::middleware::from_fn_with_state(state.clone(), error::error_pages);
    let client = axum::middleware::from_fn_with_state(state.clone(), client::resolve);
    let localise = axum::middleware::from_fn_with_state(state.clone(), error::localise_problems);
    // **Sign in with …** posts here and is sent on to the provider: the browser checks that
    // redirect against `form-action` too.
    let sso_origin = state.app.sso().map(|p| format!(" {}", p.authorization_origin())).unwrap_or_default();
    let content_security_policy = HeaderValue::from_str(&format!(
        "default-src 'self'; base-uri 'none'; object-src 'none'; form-action 'self'{sso_origin}; frame-ancestors 'none'"
    ))
    .unwrap_or_else(|_| {
        HeaderValue::from_static(
            "default-src 'self'; base-uri 'none'; object-src 'none'; form-action 'self'; frame-ancestors 'none'",
        )
    });
    let uploads = (
        RequestBodyLimitLayer::new(MAX_UPLOAD_BODY_BYTES),
        axum::extract::DefaultBodyLimit::max(MAX_UPLOAD_BODY_BYTES),
    );
    Router::new()
        .merge(pages::routes().layer(csrf.clone()).layer(small))
        .merge(pages::upload_routes().layer(csrf).layer(uploads))
        .merge(api_routes.layer(small).layer(limited.clone()))
        .merge(upload_api.layer(uploads).layer(limited))
        .route("/api/v1/openapi.json", serve_openapi.clone())
        .route("/api/openapi.json", serve_openapi)
        .route("/healthz", get(healthz))
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .route("/readyz", get(readyz))
        .route("/static/app.css", get(stylesheet))
        .route("/static/stripe-card.js", get(stripe_card_script))
        .route("/static/passkeys.js", get(passkeys_script))
        .fallback(not_found)
        .with_state(state)
        .layer(localise)
        .layer(anonymous_posts)
        .layer(RequestBodyLimitLayer::new(MAX_UPLOAD_BODY_BYTES))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, content_security_policy))
        .layer(error_pages)
        .layer(headers)
        // Outside the rest: every layer and handler sees the same client address.
        .layer(client)
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            // The route template, never the raw path: paths can carry secrets (invitation links).
            let route = request.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str());
            tracing::info_span!("http", method = %request.method(), route)
        }))
}

/// HSTS when the public URL is https; `Cache-Control: no-store` on every answer that does not
/// say otherwise (pages show an org's data and API answers carry it: no shared or back-button
/// cache should keep them; only the static files set their own).
async fn security_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if state.secure_cookies {
        headers
            .insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Unknown paths: a problem document under `/api/`, the error page elsewhere.
async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        error::ApiError(app::AppError::NotFound("API route")).into_response()
    } else {
        pages::not_found().await
    }
}

/// Alive: the process answers.
async fn healthz() -> &'static str {
    "ok"
}

/// Ready: the database answers too.
async fn readyz(State(state): State<AppState>) -> Response {
    if let Some(ago) = error::storage_fault_recently() {
        let body = format!("database cannot take writes (a storage fault {ago} s ago)");
        return (StatusCode::SERVICE_UNAVAILABLE, body).into_response();
    }
    match state.app.store().ping().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "database not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/app.css"),
    )
        .into_response()
}

/// The card form's script for the Stripe gateway: Stripe.js turns the card into a payment
/// method in the browser, so the number never reaches our server.
async fn stripe_card_script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/stripe-card.js"),
    )
        .into_response()
}

/// The script of passkey ceremonies: it carries each challenge from the server to the
/// browser's WebAuthn API and the authenticator's answer back.
async fn passkeys_script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/passkeys.js"),
    )
        .into_response()
}
