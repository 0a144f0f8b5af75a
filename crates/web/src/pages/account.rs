//! A person's own account, for partner users (`/account`) and staff (`/staff/account`) alike:
//! the password, the e-mail address (and, for partner users, **Resend** of the link that
//! confirms it) and personal API tokens.

use super::common::{Chrome, NoticeQuery, form_error};
use crate::auth::{PartnerSession, StaffSession, WebOrigin};
use crate::csrf::CsrfToken;
use crate::error::PageError;
use crate::present::{partner_role, staff_role};
use crate::state::AppState;
use app::Actor;
use app::accounts::ApiTokens;
use app::tokens::SignedInWith;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use domain::ids::ApiTokenId;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account", get(partner_account))
        .route("/account/password", post(partner_password))
        .route("/account/email", post(partner_email))
        .route("/account/language", post(partner_language))
        .route("/account/time-zone", post(partner_time_zone))
        .route("/account/verification-email", post(resend_verification))
        .route("/account/api-tokens", get(partner_tokens).post(partner_create_token))
        .route("/account/api-tokens/{id}/revoke", post(partner_revoke_token))
        .route("/staff/account", get(staff_account))
        .route("/staff/account/password", post(staff_password))
        .route("/staff/account/email", post(staff_email))
        .route("/staff/account/language", post(staff_language))
        .route("/staff/account/time-zone", post(staff_time_zone))
        .route("/staff/account/api-tokens", get(staff_tokens).post(staff_create_token))
        .route("/staff/account/api-tokens/{id}/revoke", post(staff_revoke_token))
}

/// The signed-in person and where their account pages live.
struct Me {
    actor: Actor,
    lang: i18n::Lang,
    session: String,
    base: &'static str,
}

impl From<PartnerSession> for Me {
    fn from(s: PartnerSession) -> Me {
        Me { actor: Actor::Partner(s.user), lang: s.lang, session: s.token, base: "/account" }
    }
}

impl From<StaffSession> for Me {
    fn from(s: StaffSession) -> Me {
        Me { actor: Actor::Staff(s.staff), lang: s.lang, session: s.token, base: "/staff/account" }
    }
}

impl Me {
    fn chrome(&self, title: &str, csrf: &CsrfToken) -> Chrome {
        match &self.actor {
            Actor::Partner(u) => Chrome::partner(&self.lang, title, csrf, u),
            Actor::Staff(s) => Chrome::staff(&self.lang, title, csrf, s),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    base: &'static str,
    name: String,
    email: String,
    role: String,
    /// Every shipped language's tag and its name in itself ("Português (Brasil)").
    languages: Vec<(String, String)>,
    /// The language they chose; `None`: their browser's.
    saved_language: Option<String>,
    /// The password form's error.
    error: Option<String>,
    /// The e-mail form's error.
    email_error: Option<String>,
    /// The language form's error.
    language_error: Option<String>,
    /// The program's time zone, what "the program's" means on the time-zone form.
    program_zone: String,
    /// Every time zone, and whether it is the one they chose.
    zones: Vec<(&'static str, bool)>,
    /// Whether they read times in the program's zone (chose none).
    program_zone_chosen: bool,
    /// The time-zone form's error.
    time_zone_error: Option<String>,
}

fn account_page(
    state: &AppState,
    me: &Me,
    csrf: &CsrfToken,
    notice: Option<&'static str>,
    error: Option<String>,
) -> AccountPage {
    let lang = &me.lang;
    let (name, email, role) = match &me.actor {
        Actor::Partner(u) => (u.name.clone(), u.email.clone(), lang.text(partner_role(u.role))),
        Actor::Staff(s) => (s.name.clone(), s.email.clone(), lang.text(staff_role(s.role))),
    };
    let languages = state.app.languages();
    let choices = languages
        .tags()
        .into_iter()
        .map(|tag| {
            let name = languages.get(&tag, lang.time_zone()).t("layout-language-name");
            (tag, name)
        })
        .collect();
    let chrome = me.chrome(&lang.t("identity-account-title"), csrf).with_notice(notice);
    AccountPage {
        chrome,
        base: me.base,
        name,
        email,
        role,
        languages: choices,
        saved_language: me.actor.language().map(str::to_owned),
        error,
        email_error: None,
        language_error: None,
        program_zone: state.app.catalog().program().time_zone().name().to_owned(),
        zones: app::accounts::time_zone_names()
            .into_iter()
            .map(|name| (name, me.actor.time_zone().is_some_and(|tz| tz.name() == name)))
            .collect(),
        program_zone_chosen: me.actor.time_zone().is_none(),
        time_zone_error: None,
    }
}

async fn partner_account(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: PartnerSession,
    q: Query<NoticeQuery>,
) -> AccountPage {
    account_page(&state, &s.into(), &csrf, q.message(), None)
}

async fn staff_account(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: StaffSession,
    q: Query<NoticeQuery>,
) -> AccountPage {
    account_page(&state, &s.into(), &csrf, q.message(), None)
}

#[derive(Deserialize)]
struct LanguageForm {
    /// A shipped language's tag, or empty for the browser's choice.
    #[serde(default)]
    language: String,
}

/// Saves the language of every page from now on; a tag partnerhub does not ship changes nothing
/// and shows the page again with the reason.
async fn choose_language(
    state: AppState,
    csrf: CsrfToken,
    origin: app::Origin,
    me: Me,
    form: LanguageForm,
) -> Response {
    let chosen = Some(form.language.trim()).filter(|tag| !tag.is_empty());
    match app::accounts::set_language(&state.app, &me.actor, chosen, &origin).await {
        Ok(()) => Redirect::to(&format!("{}?notice=language_saved", me.base)).into_response(),
        Err(e) => form_error(e, &me.lang, |message| AccountPage {
            language_error: Some(message),
            ..account_page(&state, &me, &csrf, None, None)
        }),
    }
}

#[derive(Deserialize)]
struct TimeZoneForm {
    /// An IANA time-zone name, or empty for the program's.
    #[serde(default)]
    time_zone: String,
}

/// Saves the time zone every time is shown in from now on; a name that is not a time zone
/// changes nothing and shows the page again with the reason.
async fn choose_time_zone(
    state: AppState,
    csrf: CsrfToken,
    origin: app::Origin,
    me: Me,
    form: TimeZoneForm,
) -> Response {
    let chosen = Some(form.time_zone.trim()).filter(|name| !name.is_empty());
    match app::accounts::set_time_zone(&state.app, &me.actor, chosen, &origin).await {
        Ok(()) => Redirect::to(&format!("{}?notice=time_zone_saved", me.base)).into_response(),
        Err(e) => form_error(e, &me.lang, |message| AccountPage {
            time_zone_error: Some(message),
            ..account_page(&state, &me, &csrf, None, None)
        }),
    }
}

async fn partner_time_zone(
    State(st): State<AppState>,
    Extension(c): Extension<CsrfToken>,
    WebOrigin(o): WebOrigin,
    s: PartnerSession,
    Form(f): Form<TimeZoneForm>,
) -> Response {
    choose_time_zone(st, c, o, s.into(), f).await
}

async fn staff_time_zone(
    State(st): State<AppState>,
    Extension(c): Extension<CsrfToken>,
    WebOrigin(o): WebOrigin,
    s: StaffSession,
    Form(f): Form<TimeZoneForm>,
) -> Response {
    choose_time_zone(st, c, o, s.into(), f).await
}

async fn partner_language(
    State(st): State<AppState>,
    Extension(c): Extension<CsrfToken>,
    WebOrigin(o): WebOrigin,
    s: PartnerSession,
    Form(f): Form<LanguageForm>,
) -> Response {
    choose_language(st, c, o, s.into(), f).await
}

async fn staff_language(
    State(st): State<AppState>,
    Extension(c): Extension<CsrfToken>,
    WebOrigin(o): WebOrigin,
    s: StaffSession,
    Form(f): Form<LanguageForm>,
) -> Response {
    choose_language(st, c, o, s.into(), f).await
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    /// The checkbox "Also revoke my API tokens", ticked on the page; a browser leaves an
    /// unticked box out of the form.
    #[serde(default)]
    revoke_api_tokens: Option<String>,
}

async fn change_password(
    state: AppState,
    csrf: CsrfToken,
    origin: app::Origin,
    me: Me,
    form: PasswordForm,
) -> Response {
    match app::accounts::change_password(
        &state.app,
        &me.actor,
        Some(&me.session),
        &form.current_password,
        &form.new_password,
        if form.revoke_api_tokens.is_some() { ApiTokens::Revoke } else { ApiTokens::Keep },
        &origin,
    )
    .await
    {
        Ok(token) => {
            let to = format!("{}?notice=password_changed", me.base);
            match token {
                Some(token) => super::common::signed_in(&state, &token, &to),
                None => Redirect::to(&to).into_response(),
            }
        }
        Err(e) => form_error(e, &me.lang, |message| account_page(&state, &me, &csrf, None, Some(message))),
    }
}

async fn partner_password(
    State(st): State<AppState>,
    Extension(c): Extension<CsrfToken>,
    WebOrigin(o): WebOrigin,
    s: PartnerSession,
    Form(f): Form<PasswordForm>,
) -> Response {
    change_password(st, c, o, s.into(), f).await
}

async fn staff_password(
    State(st): State<AppState>,
    Extension(c): Extension<CsrfToken>,
    WebOrigin(o): WebOrigin,
    s: StaffSession,
    Form(f): Form<PasswordForm>,
) -> Response {
    change_password(st, c, o, s.into(), f).await
}

#[derive(Deserialize)]
struct EmailForm {
    #[serde(default)]
    new_email: String,
    #[serde(default)]
    current_password: String,
}

/// Asks for the change; it takes effect once the link sent to the new address is used.
async fn change_email(state: AppState, csrf: CsrfToken, origin: app::Origin, me: Me, form: EmailForm) -> Response {
    let result = app::email_links::change::request_change(
        &state.app,
        &me.actor,
        &form.current_password,
        &form.new_email,
        &origin,
    )
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("{}?notice=email_change_sent", me.base)).into_response(),
        Err(e) => form_error(e, &me.lang, |message| AccountPage {
            email_error: Some(message),
            ..account_page(&state, &me, &csrf, None, None)
        }),
    }
}

async fn partner_email(
    State(st): State<AppState>,
    Extension(c): Extension<CsrfToken>,
    WebOrigin(o): WebOrigin,
    s: PartnerSession,
    Form(f): Form<EmailForm>,
) -> Response {
    change_email(st, c, o, s.into(), f).await
}

async fn staff_email(
    State(st): State<AppState>,
    Extension(c): Extension<CsrfToken>,
    WebOrigin(o): WebOrigin,
    s: StaffSession,
    Form(f): Form<EmailForm>,
) -> Response {
    change_email(st, c, o, s.into(), f).await
}

/// **Resend** (the banner of an unverified user, and the page of an expired link).
async fn resend_verification(
    State(state): State<AppState>,
    WebOrigin(origin): WebOrigin,
    s: PartnerSession,
) -> Result<Redirect, PageError> {
    app::email_links::verification::resend(&state.app, &s.user, &origin).await?;
    Ok(Redirect::to("/dashboard?notice=verification_sent"))
}

struct TokenRow {
    id: String,
    name: String,
    hint: String,
    created: String,
    last_used: String,
    status: String,
    live: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "api_tokens.html")]
struct TokensPage {
    chrome: Chrome,
    base: &'static str,
    tokens: Vec<TokenRow>,
    new_secret: Option<String>,
    error: Option<String>,
}

async fn tokens_page(
    state: &AppState,
    csrf: &CsrfToken,
    me: &Me,
    notice: Option<&'static str>,
    new_secret: Option<String>,
    error: Option<String>,
) -> Result<TokensPage, app::AppError> {
    let tokens = app::tokens::list(&state.app, &me.actor)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id.to_string(),
            name: t.name.to_string(),
            hint: t.hint,
            created: me.lang.day_of(t.created_at),
            last_used: t.last_used_at.map_or_else(|| me.lang.t("identity-never"), |at| me.lang.moment(at)),
            status: if t.revoked_at.is_some() {
                me.lang.t("identity-api-tokens-revoked")
            } else {
                me.lang.t("identity-api-tokens-active")
            },
            live: t.revoked_at.is_none(),
        })
        .collect();
    Ok(TokensPage {
        chrome: me.chrome(&me.lang.t("identity-api-tokens-title"), csrf).with_notice(notice),
        base: me.base,
        tokens,
        new_secret,
        error,
    })
}

async fn partner_tokens(
    State(st): State<AppState>,
    Extension(c): Extension<CsrfToken>,
    s: PartnerSession,
    q: Query<NoticeQuery>,
) -> Result<TokensPage, PageError> {
    Ok(tokens_page(&st, &c, &s.into(), q.message(), None, None).await?)
}

async fn staff_tokens(
    State(st): State<AppState>,
    Extension(c): Extension<CsrfToken>,
    s: StaffSession,
    q: Query<NoticeQuery>,
) -> Result<TokensPage, PageError> {
    Ok(tokens_page(&st, &c, &s.into(), q.message(), None, None).await?)
}

#[derive(Deserialize)]
struct NewTokenForm {
    #[serde(default)]
    name: String,
}

/// Creating a token answers with the page itself (not a redirect), because the secret is shown
/// this once and must never travel in a URL.
async fn create_token(state: AppState, csrf: CsrfToken, origin: app::Origin, me: Me, form: NewTokenForm) -> Response {
    match app::tokens::create(&state.app, &me.actor, SignedInWith::Session, &form.name, &origin).await {
        Ok((_, secret)) => match tokens_page(&state, &csrf, &me, None, Some(secret), None).await {
            Ok(page) => page.into_response(),
            Err(e) => PageError(e).into_response(),
        },
        Err(e) => {
            let status = crate::error::status_of(&e);
            match tokens_page(&state, &csrf, &me, None, None, Some(crate::error::public_message_in(&e, &me.lang))).await
            {
                Ok(page) => (status, page).into_response(),
                Err(e) => PageError(e).into_response(),
            }
        }
    }
}

async fn partner_create_token(
    State(st): State<AppState>,
    Extension(c): Extension<CsrfToken>,
    WebOrigin(o): WebOrigin,
    s: PartnerSession,
    Form(f): Form<NewTokenForm>,
) -> Response {
    if let Err(to) = super::common::step_up(&st, &s.current, "/account/api-tokens").await {
        return to;
    }
    create_token(st, c, o, s.into(), f).await
}

async fn staff_create_token(
    State(st): State<AppState>,
    Extension(c): Extension<CsrfToken>,
    WebOrigin(o): WebOrigin,
    s: StaffSession,
    Form(f): Form<NewTokenForm>,
) -> Response {
    if let Err(to) = super::common::step_up(&st, &s.current, "/staff/account/api-tokens").await {
        return to;
    }
    create_token(st, c, o, s.into(), f).await
}

async fn revoke_token(state: AppState, origin: app::Origin, me: Me, id: String) -> Result<Redirect, PageError> {
    let id = ApiTokenId::parse(&id).map_err(|_| app::AppError::NotFound("API token"))?;
    app::tokens::revoke(&state.app, &me.actor, &id, &origin).await?;
    Ok(Redirect::to(&format!("{}/api-tokens?notice=token_revoked", me.base)))
}

async fn partner_revoke_token(
    State(st): State<AppState>,
    WebOrigin(o): WebOrigin,
    s: PartnerSession,
    Path(id): Path<String>,
) -> Result<Redirect, PageError> {
    revoke_token(st, o, s.into(), id).await
}

async fn staff_revoke_token(
    State(st): State<AppState>,
    WebOrigin(o): WebOrigin,
    s: StaffSession,
    Path(id): Path<String>,
) -> Result<Redirect, PageError> {
    revoke_token(st, o, s.into(), id).await
}
