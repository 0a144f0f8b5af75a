//! Single sign-on pages: **Sign in with …** on both sign-in pages sends the browser to the
//! provider (with a cookie that binds the sign-in to this browser), and the provider sends it
//! back to the callback, which signs the person in or says why not.

use super::common::signed_in;
use super::public::SignInPage;
use crate::auth::WebOrigin;
use crate::cookies;
use crate::csrf::CsrfToken;
use crate::error::{PageError, public_message_in, status_of};
use crate::language::Reader;
use crate::state::AppState;
use app::accounts::Realm;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/signin/sso", post(partner_start))
        .route("/staff/signin/sso", post(staff_start))
        .route(app::sso::CALLBACK_PATH, get(callback))
}

async fn partner_start(state: State<AppState>, lang: Reader, csrf: Extension<CsrfToken>) -> Response {
    start(Realm::Partner, state, lang, csrf).await
}

async fn staff_start(state: State<AppState>, lang: Reader, csrf: Extension<CsrfToken>) -> Response {
    start(Realm::Staff, state, lang, csrf).await
}

async fn start(
    realm: Realm,
    State(state): State<AppState>,
    Reader(lang): Reader,
    Extension(csrf): Extension<CsrfToken>,
) -> Response {
    match app::sso::start(&state.app, realm).await {
        Ok(started) => {
            let mut response = Redirect::to(&started.redirect_to).into_response();
            let max_age = app::sso::LOGIN_TTL.num_seconds();
            cookies::set(response.headers_mut(), cookies::SSO, &started.browser_secret, max_age, state.secure_cookies);
            response
        }
        Err(e) => refused_page(&state, &csrf, &lang, Some(realm), e),
    }
}

/// What the provider sends the browser back with (RFC 6749 §4.1.2).
#[derive(Deserialize)]
struct CallbackQuery {
    #[serde(default)]
    state: String,
    code: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
    iss: Option<String>,
}

async fn callback(
    State(state): State<AppState>,
    Reader(lang): Reader,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let callback = app::sso::Callback {
        state: query.state,
        code: query.code,
        error: query.error,
        error_description: query.error_description,
        iss: query.iss,
    };
    let browser = cookies::get(&headers, cookies::SSO);
    match app::sso::finish(&state.app, &callback, browser.as_deref(), &origin).await {
        Ok(signed) => {
            let home = match signed.realm {
                Realm::Staff => "/staff",
                Realm::Partner => "/dashboard",
            };
            let mut response = signed_in(&state, &signed.session, home);
            forget_browser(&state, &mut response);
            response
        }
        // The sign-in was ours and is over: its cookie has served.
        Err(refused @ app::sso::Refused { realm: Some(_), .. }) => {
            let mut response = refused_page(&state, &csrf, &lang, refused.realm, refused.error);
            forget_browser(&state, &mut response);
            response
        }
        // A state nobody started here leaves a sign-in in progress alone: a link to the callback
        // with a made-up state must not end it.
        Err(refused) => refused_page(&state, &csrf, &lang, None, refused.error),
    }
}

fn forget_browser(state: &AppState, response: &mut Response) {
    cookies::set(response.headers_mut(), cookies::SSO, "", 0, state.secure_cookies);
}

/// A refusal the person can act on, on the sign-in page of its door (or the error page when
/// the door is not known); anything else is the error page.
fn refused_page(
    state: &AppState,
    csrf: &CsrfToken,
    lang: &i18n::Lang,
    realm: Option<Realm>,
    e: app::AppError,
) -> Response {
    let status = status_of(&e);
    match realm {
        Some(realm) if status.is_client_error() => {
            (status, SignInPage::new(state, realm, csrf, lang, String::new(), Some(public_message_in(&e, lang))))
                .into_response()
        }
        _ => PageError(e).into_response(),
    }
}
