//! Passkeys in the portal and the console: the Passkeys page of one's account (list, add,
//! rename, remove), **Sign in with a passkey** on both sign-in pages, and **Use a passkey** where
//! a second factor is asked (`/signin/verify`, step-up).
//!
//! A ceremony needs the browser's WebAuthn API, so adding a passkey and answering with one need
//! JavaScript (`static/passkeys.js`): it posts the form (with its CSRF field) to a `start`
//! route, which answers the challenge as JSON, hands that to `navigator.credentials`, and posts
//! the authenticator's answer to the `finish` route, which answers where to go next. Those
//! routes answer JSON (errors as problem documents); renaming and removing are plain forms.

use super::common::{Chrome, NoticeQuery, local_path, step_up, with_session};
use crate::auth::{AnySession, WebOrigin};
use crate::csrf::CsrfToken;
use crate::error::{ApiError, PageError};
use crate::state::AppState;
use app::accounts::Realm;
use app::sessions::Current;
use app::{Actor, AppError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Json, Router};
use domain::ids::PasskeyId;
use domain::session::Stage;
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    let mut router = Router::new();
    for base in ["/account/security/passkeys", "/staff/account/security/passkeys"] {
        router = router
            .route(base, get(page))
            .route(&format!("{base}/start"), post(start))
            .route(&format!("{base}/finish"), post(finish))
            .route(&format!("{base}/{{id}}/rename"), post(rename))
            .route(&format!("{base}/{{id}}/remove"), post(remove));
    }
    router
        .route("/signin/passkey/start", post(partner_sign_in_start))
        .route("/signin/passkey/finish", post(partner_sign_in_finish))
        .route("/staff/signin/passkey/start", post(staff_sign_in_start))
        .route("/staff/signin/passkey/finish", post(staff_sign_in_finish))
        .route("/signin/verify/passkey/start", post(verify_start))
        .route("/signin/verify/passkey/finish", post(verify_finish))
        .route("/staff/signin/verify/passkey/start", post(verify_start))
        .route("/staff/signin/verify/passkey/finish", post(verify_finish))
}

/// The session's person on their own Passkeys page.
struct Owner {
    current: Current,
    lang: i18n::Lang,
    token: String,
    page: &'static str,
}

impl Owner {
    /// A fully signed-in session, or one that must set up a second factor first (a passkey is
    /// one). Someone who owes their second factor is sent to give it, and a session on the
    /// other side's path (staff on a partner path, or the reverse) to its own page.
    fn of(s: AnySession, uri: &Uri) -> Result<Owner, Redirect> {
        let staff = matches!(s.current.actor, Actor::Staff(_));
        let page = if staff { "/staff/account/security/passkeys" } else { "/account/security/passkeys" };
        if s.current.session.stage == Stage::SecondFactor {
            let verify = if staff { "/staff/signin/verify" } else { "/signin/verify" };
            return Err(Redirect::to(verify));
        }
        if uri.path().starts_with("/staff") != staff {
            return Err(Redirect::to(page));
        }
        Ok(Owner { current: s.current, lang: s.lang, token: s.token, page })
    }

    /// Renaming and removing are for a fully signed-in session.
    fn full(s: AnySession, uri: &Uri) -> Result<Owner, Redirect> {
        let owner = Owner::of(s, uri)?;
        if owner.current.session.stage != Stage::Full {
            return Err(Redirect::to(owner.page));
        }
        Ok(owner)
    }

    fn chrome(&self, csrf: &CsrfToken) -> Chrome {
        let title = self.lang.t("identity-passkeys-title");
        // Until the session is fully signed in, the page shows no menu to pages it cannot open.
        match (&self.current.actor, self.current.session.stage) {
            (_, Stage::Enrol | Stage::SecondFactor) => Chrome::anonymous(&self.lang, &title, csrf),
            (Actor::Partner(u), Stage::Full) => Chrome::partner(&self.lang, &title, csrf, u),
            (Actor::Staff(s), Stage::Full) => Chrome::staff(&self.lang, &title, csrf, s),
        }
    }
}

/// Where the person's portal or console starts.
fn home(actor: &Actor) -> &'static str {
    if matches!(actor, Actor::Staff(_)) { "/staff" } else { "/dashboard" }
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
    /// The session must set up a second factor before anything else.
    enrolling: bool,
    /// Adding asks for the second factor again first (step-up).
    confirm_first: Option<String>,
    sign_out: &'static str,
    totp_page: &'static str,
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
    let actor = &owner.current.actor;
    let passkeys = app::passkeys::list(&state.app, actor)
        .await?
        .into_iter()
        .map(|p| PasskeyRow {
            id: p.id.to_string(),
            name: p.name.to_string(),
            created: owner.lang.day_of(p.created_at),
            last_used: p.last_used_at.map_or_else(|| owner.lang.t("identity-never"), |at| owner.lang.moment(at)),
        })
        .collect();
    let staff = matches!(actor, Actor::Staff(_));
    let confirm_first = app::second_factor::step_up_needed(&state.app, &owner.current).await?.then(|| {
        let verify = if staff { "/staff/signin/verify" } else { "/signin/verify" };
        format!("{verify}?{}", serde_urlencoded::to_string([("next", owner.page)]).unwrap_or_default())
    });
    Ok(PasskeysPage {
        chrome: owner.chrome(csrf).with_notice(notice),
        page: owner.page,
        available: app::passkeys::available(&state.app),
        enrolling: owner.current.session.stage == Stage::Enrol,
        confirm_first,
        sign_out: if staff { "/staff/signout" } else { "/signout" },
        totp_page: if staff { "/staff/account/security/totp" } else { "/account/security/totp" },
        passkeys,
        error,
    })
}

async fn page(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    uri: Uri,
    s: AnySession,
    q: Query<NoticeQuery>,
) -> Response {
    let owner = match Owner::of(s, &uri) {
        Ok(owner) => owner,
        Err(elsewhere) => return elsewhere.into_response(),
    };
    match passkeys_page(&state, &csrf, &owner, q.message(), None).await {
        Ok(page) => page.into_response(),
        Err(e) => PageError(e).into_response(),
    }
}

#[derive(Deserialize)]
struct NameForm {
    #[serde(default)]
    name: String,
}

/// The first half of a ceremony, for `passkeys.js`.
fn challenge_json(challenge: app::passkeys::Challenge) -> Response {
    Json(json!({ "ceremony": challenge.ceremony, "options": challenge.options })).into_response()
}

async fn start(State(state): State<AppState>, uri: Uri, s: AnySession, Form(form): Form<NameForm>) -> Response {
    let owner = match Owner::of(s, &uri) {
        Ok(owner) => owner,
        Err(elsewhere) => return elsewhere.into_response(),
    };
    match app::passkeys::start_registration(&state.app, &owner.current, &form.name).await {
        Ok(challenge) => challenge_json(challenge),
        Err(e) => ApiError(e).into_response(),
    }
}

/// The browser's answer to a ceremony: the ceremony it answers, the credential as JSON text,
/// and (at a second factor) the page to go back to.
#[derive(Deserialize)]
struct AnswerForm {
    #[serde(default)]
    ceremony: String,
    #[serde(default)]
    credential: String,
    #[serde(default)]
    next: String,
}

/// A finished ceremony's answer: where the script goes next, with the session's new cookie.
fn go_on(state: &AppState, token: &str, next: &str) -> Response {
    with_session(state, token, Json(json!({ "next": next })).into_response())
}

async fn finish(
    State(state): State<AppState>,
    WebOrigin(origin): WebOrigin,
    uri: Uri,
    s: AnySession,
    Form(form): Form<AnswerForm>,
) -> Response {
    let owner = match Owner::of(s, &uri) {
        Ok(owner) => owner,
        Err(elsewhere) => return elsewhere.into_response(),
    };
    let added = app::passkeys::finish_registration(
        &state.app,
        &owner.current,
        &owner.token,
        &form.ceremony,
        &form.credential,
        &origin,
    )
    .await;
    match added {
        Ok(token) => go_on(&state, &token, &format!("{}?notice=passkey_added", owner.page)),
        Err(e) => ApiError(e).into_response(),
    }
}

fn passkey_id(id: &str) -> Result<PasskeyId, AppError> {
    PasskeyId::parse(id).map_err(|_| AppError::NotFound("passkey"))
}

async fn rename(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    uri: Uri,
    s: AnySession,
    Path(id): Path<String>,
    Form(form): Form<NameForm>,
) -> Response {
    let owner = match Owner::full(s, &uri) {
        Ok(owner) => owner,
        Err(elsewhere) => return elsewhere.into_response(),
    };
    let result = async {
        app::passkeys::rename(&state.app, &owner.current.actor, &passkey_id(&id)?, &form.name, &origin).await?;
        Ok(format!("{}?notice=passkey_renamed", owner.page))
    }
    .await;
    super::common::after_post(result, &owner.lang, |message| passkeys_page(&state, &csrf, &owner, None, Some(message)))
        .await
}

async fn remove(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    uri: Uri,
    s: AnySession,
    Path(id): Path<String>,
) -> Response {
    let owner = match Owner::full(s, &uri) {
        Ok(owner) => owner,
        Err(elsewhere) => return elsewhere.into_response(),
    };
    if let Err(confirm_first) = step_up(&state, &owner.current, owner.page).await {
        return confirm_first;
    }
    let result =
        async { app::passkeys::remove(&state.app, &owner.current, &owner.token, &passkey_id(&id)?, &origin).await }
            .await;
    match result {
        Ok(token) => super::common::signed_in(&state, &token, &format!("{}?notice=passkey_removed", owner.page)),
        Err(e) => {
            super::common::after_post(Err(e), &owner.lang, |message| {
                passkeys_page(&state, &csrf, &owner, None, Some(message))
            })
            .await
        }
    }
}

async fn sign_in_start(state: AppState, realm: Realm) -> Response {
    match app::passkeys::start_sign_in(&state.app, realm).await {
        Ok(challenge) => challenge_json(challenge),
        Err(e) => ApiError(e).into_response(),
    }
}

async fn partner_sign_in_start(State(st): State<AppState>) -> Response {
    sign_in_start(st, Realm::Partner).await
}

async fn staff_sign_in_start(State(st): State<AppState>) -> Response {
    sign_in_start(st, Realm::Staff).await
}

/// A verified passkey opens a full session: its cookie comes with this answer, and the script
/// goes on to the portal or the console.
async fn sign_in_finish(state: AppState, realm: Realm, origin: app::Origin, form: AnswerForm) -> Response {
    match app::passkeys::sign_in(&state.app, realm, &form.ceremony, &form.credential, &origin).await {
        Ok(token) => go_on(&state, &token, if realm == Realm::Staff { "/staff" } else { "/dashboard" }),
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

async fn verify_start(State(state): State<AppState>, s: AnySession) -> Response {
    match app::passkeys::start_second_factor(&state.app, &s.current).await {
        Ok(challenge) => challenge_json(challenge),
        Err(e) => ApiError(e).into_response(),
    }
}

async fn verify_finish(
    State(state): State<AppState>,
    WebOrigin(origin): WebOrigin,
    s: AnySession,
    Form(form): Form<AnswerForm>,
) -> Response {
    let given = app::passkeys::finish_second_factor(
        &state.app,
        &s.current,
        &s.token,
        &form.ceremony,
        &form.credential,
        &origin,
    )
    .await;
    match given {
        Ok(token) => {
            let next = local_path(Some(&form.next)).unwrap_or_else(|| home(&s.current.actor).to_owned());
            go_on(&state, &token, &next)
        }
        Err(e) => ApiError(e).into_response(),
    }
}
