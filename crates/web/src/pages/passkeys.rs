//! Passkeys in the portal and the console: the Passkeys page of one's account (list, add,
//! rename, remove) and **Sign in with a passkey** on both sign-in pages.
//!
//! A ceremony needs the browser's WebAuthn API, so adding a passkey and signing in with one
//! need JavaScript (`static/passkeys.js`): it posts the form (with its CSRF field) to a `start`
//! route, which answers the challenge as JSON, hands that to `navigator.credentials`, and posts
//! the authenticator's answer to the `finish` route. Those two routes answer JSON (errors as
//! problem documents); renaming and removing are plain forms.

use super::public::set_session_cookies;
use super::{Chrome, NoticeQuery, day, when};
use crate::AppState;
use crate::auth::{PartnerSession, StaffSession, WebOrigin};
use crate::csrf::CsrfToken;
use crate::error::{ApiError, PageError};
use app::accounts::Realm;
use app::{Actor, AppError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Json, Router};
use domain::ids::PasskeyId;
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account/security/passkeys", get(partner_page))
        .route("/account/security/passkeys/start", post(partner_start))
        .route("/account/security/passkeys/finish", post(partner_finish))
        .route("/account/security/passkeys/{id}/rename", post(partner_rename))
        .route("/account/security/passkeys/{id}/remove", post(partner_remove))
        .route("/staff/account/security/passkeys", get(staff_page))
        .route("/staff/account/security/passkeys/start", post(staff_start))
        .route("/staff/account/security/passkeys/finish", post(staff_finish))
        .route("/staff/account/security/passkeys/{id}/rename", post(staff_rename))
        .route("/staff/account/security/passkeys/{id}/remove", post(staff_remove))
        .route("/signin/passkey/start", post(partner_sign_in_start))
        .route("/signin/passkey/finish", post(partner_sign_in_finish))
        .route("/staff/signin/passkey/start", post(staff_sign_in_start))
        .route("/staff/signin/passkey/finish", post(staff_sign_in_finish))
}

/// The signed-in owner of the passkeys and where their Passkeys page lives.
struct Owner {
    actor: Actor,
    page: &'static str,
}

impl From<PartnerSession> for Owner {
    fn from(s: PartnerSession) -> Owner {
        Owner { actor: Actor::Partner(s.user), page: "/account/security/passkeys" }
    }
}

impl From<StaffSession> for Owner {
    fn from(s: StaffSession) -> Owner {
        Owner { actor: Actor::Staff(s.staff), page: "/staff/account/security/passkeys" }
    }
}

struct PasskeyRow {
    id: String,
    name: String,
    created: String,
    last_used: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "passkeys.html")]
struct PasskeysPage {
    chrome: Chrome,
    page: &'static str,
    available: bool,
    passkeys: Vec<PasskeyRow>,
    error: Option<String>,
}

async fn passkeys_page(
    state: &AppState,
    csrf: &CsrfToken,
    owner: &Owner,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<PasskeysPage, AppError> {
    let passkeys = app::passkeys::list(&state.app, &owner.actor)
        .await?
        .into_iter()
        .map(|p| PasskeyRow {
            id: p.id.to_string(),
            name: p.name.to_string(),
            created: day(p.created_at),
            last_used: p.last_used_at.map_or("never".into(), when),
        })
        .collect();
    let chrome = match &owner.actor {
        Actor::Partner(u) => Chrome::partner("Passkeys", csrf, u),
        Actor::Staff(s) => Chrome::staff("Passkeys", csrf, s),
    };
    Ok(PasskeysPage {
        chrome: chrome.with_notice(notice),
        page: owner.page,
        available: app::passkeys::available(&state.app),
        passkeys,
        error,
    })
}

async fn partner_page(
    State(st): State<AppState>,
    Extension(c): Extension<CsrfToken>,
    s: PartnerSession,
    q: Query<NoticeQuery>,
) -> Result<PasskeysPage, PageError> {
    Ok(passkeys_page(&st, &c, &s.into(), q.message(), None).await?)
}

async fn staff_page(
    State(st): State<AppState>,
    Extension(c): Extension<CsrfToken>,
    s: StaffSession,
    q: Query<NoticeQuery>,
) -> Result<PasskeysPage, PageError> {
    Ok(passkeys_page(&st, &c, &s.into(), q.message(), None).await?)
}

#[derive(Deserialize)]
struct NameForm {
    #[serde(default)]
    name: String,
}

/// The first half of a ceremony, for `passkeys.js`.
fn challenge_json(challenge: app::passkeys::Challenge) -> Json<serde_json::Value> {
    Json(json!({ "ceremony": challenge.ceremony, "options": challenge.options }))
}

async fn start(state: AppState, owner: Owner, form: NameForm) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(challenge_json(app::passkeys::start_registration(&state.app, &owner.actor, &form.name).await?))
}

async fn partner_start(
    State(st): State<AppState>,
    s: PartnerSession,
    Form(f): Form<NameForm>,
) -> Result<Json<serde_json::Value>, ApiError> {
    start(st, s.into(), f).await
}

async fn staff_start(
    State(st): State<AppState>,
    s: StaffSession,
    Form(f): Form<NameForm>,
) -> Result<Json<serde_json::Value>, ApiError> {
    start(st, s.into(), f).await
}

/// The browser's answer to a ceremony: the ceremony it answers and the credential, as JSON text.
#[derive(Deserialize)]
struct AnswerForm {
    #[serde(default)]
    ceremony: String,
    #[serde(default)]
    credential: String,
}

async fn finish(
    state: AppState,
    origin: app::Origin,
    owner: Owner,
    form: AnswerForm,
) -> Result<Json<serde_json::Value>, ApiError> {
    app::passkeys::finish_registration(&state.app, &owner.actor, &form.ceremony, &form.credential, &origin).await?;
    Ok(Json(json!({ "next": format!("{}?notice=passkey_added", owner.page) })))
}

async fn partner_finish(
    State(st): State<AppState>,
    WebOrigin(o): WebOrigin,
    s: PartnerSession,
    Form(f): Form<AnswerForm>,
) -> Result<Json<serde_json::Value>, ApiError> {
    finish(st, o, s.into(), f).await
}

async fn staff_finish(
    State(st): State<AppState>,
    WebOrigin(o): WebOrigin,
    s: StaffSession,
    Form(f): Form<AnswerForm>,
) -> Result<Json<serde_json::Value>, ApiError> {
    finish(st, o, s.into(), f).await
}

fn passkey_id(id: &str) -> Result<PasskeyId, AppError> {
    PasskeyId::parse(id).map_err(|_| AppError::NotFound("passkey"))
}

async fn rename(
    state: AppState,
    csrf: CsrfToken,
    origin: app::Origin,
    owner: Owner,
    id: String,
    form: NameForm,
) -> Response {
    let result = async {
        app::passkeys::rename(&state.app, &owner.actor, &passkey_id(&id)?, &form.name, &origin).await?;
        Ok(format!("{}?notice=passkey_renamed", owner.page))
    }
    .await;
    super::after_post(result, |message| passkeys_page(&state, &csrf, &owner, None, Some(message))).await
}

async fn partner_rename(
    State(st): State<AppState>,
    Extension(c): Extension<CsrfToken>,
    WebOrigin(o): WebOrigin,
    s: PartnerSession,
    Path(id): Path<String>,
    Form(f): Form<NameForm>,
) -> Response {
    rename(st, c, o, s.into(), id, f).await
}

async fn staff_rename(
    State(st): State<AppState>,
    Extension(c): Extension<CsrfToken>,
    WebOrigin(o): WebOrigin,
    s: StaffSession,
    Path(id): Path<String>,
    Form(f): Form<NameForm>,
) -> Response {
    rename(st, c, o, s.into(), id, f).await
}

async fn remove(state: AppState, origin: app::Origin, owner: Owner, id: String) -> Result<Redirect, PageError> {
    app::passkeys::remove(&state.app, &owner.actor, &passkey_id(&id)?, &origin).await?;
    Ok(Redirect::to(&format!("{}?notice=passkey_removed", owner.page)))
}

async fn partner_remove(
    State(st): State<AppState>,
    WebOrigin(o): WebOrigin,
    s: PartnerSession,
    Path(id): Path<String>,
) -> Result<Redirect, PageError> {
    remove(st, o, s.into(), id).await
}

async fn staff_remove(
    State(st): State<AppState>,
    WebOrigin(o): WebOrigin,
    s: StaffSession,
    Path(id): Path<String>,
) -> Result<Redirect, PageError> {
    remove(st, o, s.into(), id).await
}

async fn sign_in_start(state: AppState, realm: Realm) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(challenge_json(app::passkeys::start_sign_in(&state.app, realm).await?))
}

async fn partner_sign_in_start(State(st): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    sign_in_start(st, Realm::Partner).await
}

async fn staff_sign_in_start(State(st): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    sign_in_start(st, Realm::Staff).await
}

/// A verified passkey opens a session: the cookies are set on this answer, and the script goes
/// on to the page it names.
async fn sign_in_finish(state: AppState, realm: Realm, origin: app::Origin, form: AnswerForm) -> Response {
    match app::passkeys::sign_in(&state.app, realm, &form.ceremony, &form.credential, &origin).await {
        Ok(token) => {
            let next = if realm == Realm::Staff { "/staff" } else { "/dashboard" };
            let mut response = Json(json!({ "next": next })).into_response();
            set_session_cookies(&state, response.headers_mut(), &token);
            response
        }
        Err(e) => ApiError(e).into_response(),
    }
}

async fn partner_sign_in_finish(
    State(st): State<AppState>,
    WebOrigin(o): WebOrigin,
    Form(f): Form<AnswerForm>,
) -> Response {
    sign_in_finish(st, Realm::Partner, o, f).await
}

async fn staff_sign_in_finish(
    State(st): State<AppState>,
    WebOrigin(o): WebOrigin,
    Form(f): Form<AnswerForm>,
) -> Response {
    sign_in_finish(st, Realm::Staff, o, f).await
}
