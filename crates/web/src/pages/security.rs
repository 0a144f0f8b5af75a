//! Signing in with a second factor and **Account > Security**, for partner users (`/account`)
//! and staff (`/staff/account`) alike: the second step of signing in and step-up
//! (`/signin/verify`), the sessions with **Sign out** and **Sign out everywhere else**, the
//! authenticator app and recovery codes, and recent security events.

use super::common::{Chrome, Door, NoticeQuery, local_path, signed_in, step_up, with_session};
use crate::auth::{AnySession, PartnerSession, StaffSession, WebOrigin};
use crate::csrf::CsrfToken;
use crate::error::{PageError, public_message_in, status_of};
use crate::state::AppState;
use app::sessions::Current;
use app::{Actor, AppError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use domain::session::Stage;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/signin/verify", get(verify_form).post(verify))
        .route("/staff/signin/verify", get(verify_form).post(verify))
        .route("/account/security", get(partner_security))
        .route("/staff/account/security", get(staff_security))
        .route("/account/security/sessions/{id}/signout", post(partner_end_session))
        .route("/staff/account/security/sessions/{id}/signout", post(staff_end_session))
        .route("/account/security/sessions/signout-others", post(partner_end_others))
        .route("/staff/account/security/sessions/signout-others", post(staff_end_others))
        .route("/account/security/totp", get(totp_form).post(totp_confirm))
        .route("/staff/account/security/totp", get(totp_form).post(totp_confirm))
        .route("/account/security/totp/remove", post(partner_totp_remove))
        .route("/staff/account/security/totp/remove", post(staff_totp_remove))
        .route("/account/security/recovery-codes", post(partner_recovery_codes))
        .route("/staff/account/security/recovery-codes", post(staff_recovery_codes))
}

fn chrome(lang: &i18n::Lang, title: &str, csrf: &CsrfToken, current: &Current) -> Chrome {
    // Until the session is fully signed in, the page shows no menu to pages it cannot open.
    if current.session.stage != Stage::Full {
        return Chrome::anonymous(lang, title, csrf);
    }
    match &current.actor {
        Actor::Partner(u) => Chrome::partner(lang, title, csrf, u),
        Actor::Staff(s) => Chrome::staff(lang, title, csrf, s),
    }
}

#[derive(Deserialize, Default)]
struct NextQuery {
    next: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "verify.html")]
struct VerifyPage {
    chrome: Chrome,
    action: &'static str,
    sign_out: &'static str,
    next: String,
    step_up: bool,
    /// Offer **Use a passkey** (the person has one and passkeys work at this address).
    passkey: bool,
    /// Offer the code form (an authenticator app, recovery codes, or no passkey to use).
    code: bool,
    error: Option<String>,
}

/// The second factors the session's person can give here.
async fn factors(state: &AppState, current: &Current) -> Result<(bool, bool), AppError> {
    let status = app::second_factor::status(&state.app, &current.actor).await?;
    let passkey = status.passkeys > 0 && app::passkeys::available(&state.app);
    Ok((passkey, !passkey || status.totp || status.recovery_codes_left > 0))
}

fn verify_page(
    csrf: &CsrfToken,
    lang: &i18n::Lang,
    current: &Current,
    (passkey, code): (bool, bool),
    next: Option<String>,
    error: Option<String>,
) -> VerifyPage {
    let door = Door::of(&current.actor);
    let step_up = current.session.stage == Stage::Full;
    VerifyPage {
        chrome: chrome(
            lang,
            &lang.t(if step_up { "identity-step-up-title" } else { "identity-verify-title" }),
            csrf,
            current,
        ),
        action: door.verify(),
        sign_out: door.sign_out(),
        next: next.unwrap_or_default(),
        step_up,
        passkey,
        code,
        error,
    }
}

async fn verify_form(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: AnySession,
    q: Query<NextQuery>,
) -> Response {
    if s.current.session.stage == Stage::Enrol {
        return Redirect::to(&format!("{}/security/totp", Door::of(&s.current.actor).account())).into_response();
    }
    match factors(&state, &s.current).await {
        Ok(factors) => {
            verify_page(&csrf, &s.lang, &s.current, factors, local_path(q.next.as_deref()), None).into_response()
        }
        Err(e) => PageError(e).into_response(),
    }
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

async fn verify(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    s: AnySession,
    Form(form): Form<CodeForm>,
) -> Response {
    let door = Door::of(&s.current.actor);
    let next = local_path(Some(&form.next));
    match app::second_factor::verify(&state.app, &s.current, &s.token, &form.code, &origin).await {
        Ok(token) => signed_in(&state, &token, next.as_deref().unwrap_or(door.home())),
        Err(e) => {
            let message = public_message_in(&e, &s.lang);
            match factors(&state, &s.current).await {
                Ok(factors) => again(e, || verify_page(&csrf, &s.lang, &s.current, factors, next, Some(message))),
                Err(e) => PageError(e).into_response(),
            }
        }
    }
}

/// A mistake the person can fix re-shows the page with the message; anything else is the error
/// page.
fn again<P: IntoResponse>(e: AppError, page: impl FnOnce() -> P) -> Response {
    let status = status_of(&e);
    if status.is_client_error() && !matches!(e, AppError::NotFound(_) | AppError::Unauthenticated) {
        (status, page()).into_response()
    } else {
        PageError(e).into_response()
    }
}

struct SessionRow {
    id: String,
    browser: String,
    address: String,
    signed_in: String,
    last_seen: String,
    method: String,
    this_one: bool,
}

struct EventRow {
    at: String,
    what: String,
    address: String,
}

/// How a session was opened, in the reader's words (`app::sessions` keeps it as a word).
fn sign_in_method(lang: &i18n::Lang, method: &str) -> String {
    match method {
        "password" => lang.t("identity-method-password"),
        "sign-up" => lang.t("identity-method-sign-up"),
        "invitation" => lang.t("identity-method-invitation"),
        "passkey" => lang.t("identity-method-passkey"),
        "sso" => lang.t("identity-method-sso"),
        other => other.to_owned(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "security.html")]
struct SecurityPage {
    chrome: Chrome,
    base: &'static str,
    sessions: Vec<SessionRow>,
    totp: bool,
    passkeys: i64,
    recovery_codes_left: i64,
    required: bool,
    events: Vec<EventRow>,
    recovery_codes: Vec<String>,
    error: Option<String>,
}

async fn security_page(
    state: &AppState,
    csrf: &CsrfToken,
    lang: &i18n::Lang,
    current: &Current,
    notice: Option<&'static str>,
    recovery_codes: Vec<String>,
    error: Option<String>,
) -> Result<SecurityPage, AppError> {
    let actor = &current.actor;
    let sessions = app::sessions::list(&state.app, actor)
        .await?
        .into_iter()
        .map(|s| SessionRow {
            this_one: s.id == current.session.id,
            id: s.id.to_string(),
            browser: browser_seen(lang, domain::session::describe_user_agent(&s.user_agent)),
            address: if s.address.is_empty() { lang.t("identity-security-unknown-address") } else { s.address },
            signed_in: lang.moment(s.created_at),
            last_seen: lang.moment(s.last_seen_at),
            method: sign_in_method(lang, &s.method),
        })
        .collect();
    let status = app::second_factor::status(&state.app, actor).await?;
    let events = app::sessions::security_events(&state.app, actor)
        .await?
        .into_iter()
        .map(|e| EventRow { at: lang.moment(e.at), what: e.detail, address: e.address.unwrap_or_default() })
        .collect();
    Ok(SecurityPage {
        chrome: chrome(lang, &lang.t("identity-security-title"), csrf, current).with_notice(notice),
        base: Door::of(actor).account(),
        sessions,
        totp: status.totp,
        passkeys: status.passkeys,
        recovery_codes_left: status.recovery_codes_left,
        required: status.required,
        events,
        recovery_codes,
        error,
    })
}

async fn partner_security(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: PartnerSession,
    q: Query<NoticeQuery>,
) -> Result<SecurityPage, PageError> {
    Ok(security_page(&state, &csrf, &s.lang, &s.current, q.message(), Vec::new(), None).await?)
}

async fn staff_security(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: StaffSession,
    q: Query<NoticeQuery>,
) -> Result<SecurityPage, PageError> {
    Ok(security_page(&state, &csrf, &s.lang, &s.current, q.message(), Vec::new(), None).await?)
}

async fn end_session(state: AppState, origin: app::Origin, current: Current, id: String) -> Response {
    let base = Door::of(&current.actor).account();
    match app::sessions::end_one(&state.app, &current.actor, &id, &origin).await {
        Ok(()) => Redirect::to(&format!("{base}/security?notice=session_ended")).into_response(),
        Err(e) => PageError(e).into_response(),
    }
}

async fn partner_end_session(
    State(st): State<AppState>,
    WebOrigin(o): WebOrigin,
    s: PartnerSession,
    Path(id): Path<String>,
) -> Response {
    end_session(st, o, s.current, id).await
}

async fn staff_end_session(
    State(st): State<AppState>,
    WebOrigin(o): WebOrigin,
    s: StaffSession,
    Path(id): Path<String>,
) -> Response {
    end_session(st, o, s.current, id).await
}

async fn end_others(state: AppState, origin: app::Origin, current: Current, token: String) -> Response {
    let base = Door::of(&current.actor).account();
    match app::sessions::end_others(&state.app, &current.actor, &token, &origin).await {
        Ok(()) => Redirect::to(&format!("{base}/security?notice=sessions_ended")).into_response(),
        Err(e) => PageError(e).into_response(),
    }
}

async fn partner_end_others(State(st): State<AppState>, WebOrigin(o): WebOrigin, s: PartnerSession) -> Response {
    end_others(st, o, s.current, s.token).await
}

async fn staff_end_others(State(st): State<AppState>, WebOrigin(o): WebOrigin, s: StaffSession) -> Response {
    end_others(st, o, s.current, s.token).await
}

#[derive(Template, WebTemplate)]
#[template(path = "totp.html")]
struct TotpPage {
    chrome: Chrome,
    action: String,
    enrolling: bool,
    sign_out: &'static str,
    /// While enrolling: the Passkeys page, where a passkey can be the second factor instead.
    passkeys_page: Option<String>,
    qr_svg: String,
    secret: String,
    error: Option<String>,
}

/// The QR code of an `otpauth://` link, as an SVG drawn on the server.
fn qr_svg(uri: &str) -> Result<String, AppError> {
    let code =
        qrcode::QrCode::new(uri.as_bytes()).map_err(|e| AppError::internal_from("cannot draw the QR code", e))?;
    Ok(code.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).quiet_zone(true).build())
}

async fn totp_page(
    state: &AppState,
    csrf: &CsrfToken,
    lang: &i18n::Lang,
    current: &Current,
    error: Option<String>,
) -> Result<TotpPage, AppError> {
    let setup = app::second_factor::start_totp(&state.app, &current.actor).await?;
    let door = Door::of(&current.actor);
    Ok(TotpPage {
        chrome: chrome(lang, &lang.t("identity-totp-title"), csrf, current),
        action: format!("{}/security/totp", door.account()),
        enrolling: current.session.stage == Stage::Enrol,
        sign_out: door.sign_out(),
        passkeys_page: app::passkeys::available(&state.app).then(|| format!("{}/security/passkeys", door.account())),
        qr_svg: qr_svg(&setup.uri)?,
        secret: setup.secret,
        error,
    })
}

/// The set-up page's session: any stage but the one that owes a second factor already, on
/// its own side (a staff session on a partner path goes to its own).
fn settable(s: &AnySession, path_is_staff: bool) -> Option<Response> {
    let door = Door::of(&s.current.actor);
    if s.current.session.stage == Stage::SecondFactor {
        return Some(Redirect::to(door.verify()).into_response());
    }
    (door.staff != path_is_staff).then(|| Redirect::to(&format!("{}/security/totp", door.account())).into_response())
}

async fn totp_form(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    uri: axum::http::Uri,
    s: AnySession,
) -> Response {
    if let Some(elsewhere) = settable(&s, uri.path().starts_with("/staff")) {
        return elsewhere;
    }
    match totp_page(&state, &csrf, &s.lang, &s.current, None).await {
        Ok(page) => page.into_response(),
        Err(AppError::Conflict { code: "totp_exists", .. }) => {
            Redirect::to(&format!("{}/security", Door::of(&s.current.actor).account())).into_response()
        }
        Err(e) => PageError(e).into_response(),
    }
}

async fn totp_confirm(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    uri: axum::http::Uri,
    s: AnySession,
    Form(form): Form<CodeForm>,
) -> Response {
    if let Some(elsewhere) = settable(&s, uri.path().starts_with("/staff")) {
        return elsewhere;
    }
    match app::second_factor::confirm_totp(&state.app, &s.current, &s.token, &form.code, &origin).await {
        Ok(enrolled) => {
            // The codes are shown once, on the page that answers this POST, with the new
            // session's cookie; the page links on to the portal.
            let Some(current) = app::sessions::current(&state.app, &enrolled.token).await.ok().flatten() else {
                return PageError(AppError::Unauthenticated).into_response();
            };
            let csrf = CsrfToken(app::secrets::form_token(&enrolled.token));
            match security_page(&state, &csrf, &s.lang, &current, Some("totp_added"), enrolled.recovery_codes, None)
                .await
            {
                Ok(page) => with_session(&state, &enrolled.token, page.into_response()),
                Err(e) => PageError(e).into_response(),
            }
        }
        Err(e) => {
            let message = public_message_in(&e, &s.lang);
            match totp_page(&state, &csrf, &s.lang, &s.current, Some(message)).await {
                Ok(page) if status_of(&e).is_client_error() => (status_of(&e), page).into_response(),
                Ok(_) => PageError(e).into_response(),
                Err(e) => PageError(e).into_response(),
            }
        }
    }
}

async fn totp_remove(
    state: AppState,
    csrf: CsrfToken,
    origin: app::Origin,
    lang: i18n::Lang,
    current: Current,
    token: String,
) -> Response {
    let base = Door::of(&current.actor).account();
    if let Err(to) = step_up(&state, &current, &format!("{base}/security")).await {
        return to;
    }
    match app::second_factor::remove_totp(&state.app, &current.actor, &token, &origin).await {
        Ok(token) => signed_in(&state, &token, &format!("{base}/security?notice=totp_removed")),
        Err(e) => {
            let message = public_message_in(&e, &lang);
            match security_page(&state, &csrf, &lang, &current, None, Vec::new(), Some(message)).await {
                Ok(page) => again(e, || page),
                Err(e) => PageError(e).into_response(),
            }
        }
    }
}

async fn partner_totp_remove(
    State(st): State<AppState>,
    Extension(c): Extension<CsrfToken>,
    WebOrigin(o): WebOrigin,
    s: PartnerSession,
) -> Response {
    totp_remove(st, c, o, s.lang, s.current, s.token).await
}

async fn staff_totp_remove(
    State(st): State<AppState>,
    Extension(c): Extension<CsrfToken>,
    WebOrigin(o): WebOrigin,
    s: StaffSession,
) -> Response {
    totp_remove(st, c, o, s.lang, s.current, s.token).await
}

async fn recovery_codes(
    state: AppState,
    csrf: CsrfToken,
    origin: app::Origin,
    lang: i18n::Lang,
    current: Current,
) -> Response {
    let base = Door::of(&current.actor).account();
    if let Err(to) = step_up(&state, &current, &format!("{base}/security")).await {
        return to;
    }
    let result = app::second_factor::regenerate_recovery_codes(&state.app, &current.actor, &origin).await;
    let (codes, error) = match result {
        Ok(codes) => (codes, None),
        Err(e) if status_of(&e).is_client_error() => (Vec::new(), Some(public_message_in(&e, &lang))),
        Err(e) => return PageError(e).into_response(),
    };
    match security_page(&state, &csrf, &lang, &current, None, codes, error).await {
        Ok(page) => page.into_response(),
        Err(e) => PageError(e).into_response(),
    }
}

async fn partner_recovery_codes(
    State(st): State<AppState>,
    Extension(c): Extension<CsrfToken>,
    WebOrigin(o): WebOrigin,
    s: PartnerSession,
) -> Response {
    recovery_codes(st, c, o, s.lang, s.current).await
}

async fn staff_recovery_codes(
    State(st): State<AppState>,
    Extension(c): Extension<CsrfToken>,
    WebOrigin(o): WebOrigin,
    s: StaffSession,
) -> Response {
    recovery_codes(st, c, o, s.lang, s.current).await
}

/// A browser of the list of sessions in the reader's words: "Firefox on Windows".
fn browser_seen(lang: &i18n::Lang, seen: domain::session::BrowserSeen) -> String {
    use domain::session::BrowserSeen;
    match seen {
        BrowserSeen::Unknown => lang.t("identity-browser-unknown"),
        BrowserSeen::Unrecognised(text) => text,
        BrowserSeen::Browser(browser) => browser.to_owned(),
        BrowserSeen::System(system) => lang.t1("identity-browser-on-system", "system", system),
        BrowserSeen::BrowserOn(browser, system) => lang.t2("identity-browser-on", "browser", browser, "system", system),
    }
}
