//! Pages for people who are not signed in: sign up, sign in, accept an invitation.

use super::common::{Chrome, NoticeQuery, form_error, local_path, signed_in};
use crate::auth::WebOrigin;
use crate::cookies;
use crate::csrf::CsrfToken;
use crate::error::{PageError, public_message_in, status_of};
use crate::language::Reader;
use crate::present::{country_name, partner_role};
use crate::state::AppState;
use app::AppError;
use app::accounts::{Realm, SignUp, SignedIn};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use domain::session::Stage;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/signup", get(signup_form).post(signup))
        .route("/signin", get(signin_form).post(signin))
        .route("/signout", post(signout))
        .route("/staff/signin", get(staff_signin_form).post(staff_signin))
        .route("/staff/signout", post(staff_signout))
        .route("/invitations/{token}", get(invitation_form).post(accept_invitation))
        .route("/language", get(switch_language))
}

#[derive(Deserialize)]
struct SwitchQuery {
    #[serde(default)]
    to: String,
    back: Option<String>,
}

/// The signed-out pages' language switch: keeps the pick in a cookie and goes back to the page
/// it came from, which must be one of ours. A link, not a form: it changes only how this browser
/// reads the pages (DECISIONS.md).
async fn switch_language(State(state): State<AppState>, Query(q): Query<SwitchQuery>) -> Response {
    let languages = state.app.languages();
    let Some(tag) = languages.tags().into_iter().find(|t| t.eq_ignore_ascii_case(&q.to)) else {
        let problem = format!("partnerhub speaks {}, not {:?}", languages.tags().join(", "), q.to);
        return PageError(domain::account::InvalidInput::new("to", problem).into()).into_response();
    };
    let Some(back) = local_path(q.back.as_deref()) else {
        let problem = "the page to go back to must be a page of partnerhub".to_owned();
        return PageError(domain::account::InvalidInput::new("back", problem).into()).into_response();
    };
    let mut response = Redirect::to(&back).into_response();
    cookies::set(response.headers_mut(), crate::language::COOKIE, &tag, 60 * 60 * 24 * 365, state.secure_cookies);
    response
}

async fn home(State(state): State<AppState>, headers: HeaderMap) -> Result<Redirect, PageError> {
    let Some(token) = cookies::get(&headers, cookies::SESSION) else { return Ok(Redirect::to("/signin")) };
    Ok(match app::accounts::session_actor(&state.app, &token).await? {
        Some(app::Actor::Partner(_)) => Redirect::to("/dashboard"),
        Some(app::Actor::Staff(_)) => Redirect::to("/staff"),
        None => Redirect::to("/signin"),
    })
}

#[derive(Deserialize, Default)]
struct SignUpForm {
    #[serde(default)]
    company_name: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "signup.html")]
struct SignUpPage {
    chrome: Chrome,
    program: String,
    countries: Vec<(String, String)>,
    form: SignUpForm,
    error: Option<String>,
}

fn signup_page(
    state: &AppState,
    csrf: &CsrfToken,
    lang: &i18n::Lang,
    form: SignUpForm,
    error: Option<String>,
) -> SignUpPage {
    let catalog = state.app.catalog();
    let countries: Vec<(String, String)> = catalog
        .countries()
        .iter()
        .map(|c| (c.code().as_str().to_owned(), country_name(&catalog, lang, c.code().as_str())))
        .collect();
    SignUpPage {
        chrome: Chrome::anonymous(lang, &lang.t("identity-signup-title"), csrf)
            .with_language_switch(state.app.languages(), "/signup"),
        program: catalog.program().name_in(&lang.tag()).to_owned(),
        countries,
        form,
        error,
    }
}

async fn signup_form(
    State(state): State<AppState>,
    Reader(lang): Reader,
    Extension(csrf): Extension<CsrfToken>,
) -> SignUpPage {
    signup_page(&state, &csrf, &lang, SignUpForm::default(), None)
}

async fn signup(
    State(state): State<AppState>,
    Reader(lang): Reader,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    Form(form): Form<SignUpForm>,
) -> Response {
    let request = SignUp {
        company_name: form.company_name.clone(),
        country: form.country.clone(),
        name: form.name.clone(),
        email: form.email.clone(),
        password: form.password.clone(),
        page_language: Some(lang.tag()),
    };
    let result = async {
        let (_, user) = app::accounts::sign_up(&state.app, &request, &origin).await?;
        app::accounts::start_session(&state.app, &user.id, &origin).await
    }
    .await;
    match result {
        Ok(token) => signed_in(&state, &token, "/dashboard?notice=welcome"),
        Err(e) => form_error(e, &lang, |message| {
            signup_page(&state, &csrf, &lang, SignUpForm { password: String::new(), ..form }, Some(message))
        }),
    }
}

#[derive(Deserialize)]
struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "signin.html")]
pub(super) struct SignInPage {
    chrome: Chrome,
    staff: bool,
    email: String,
    error: Option<String>,
    /// The provider's name when the page offers **Sign in with …**.
    sso: Option<String>,
    /// Whether the page offers the password form.
    password: bool,
    /// Whether to offer **Sign in with a passkey** (passkeys work at this public URL).
    passkeys: bool,
}

impl SignInPage {
    /// The sign-in page of `realm`, with what it offers.
    pub(super) fn new(
        state: &AppState,
        realm: Realm,
        csrf: &CsrfToken,
        lang: &i18n::Lang,
        email: String,
        error: Option<String>,
    ) -> Self {
        let staff = realm == Realm::Staff;
        let (sso, password) = app::sso::offered(&state.app, realm);
        let (title, here) = if staff {
            (lang.t("identity-staff-signin-title"), "/staff/signin")
        } else {
            (lang.t("identity-signin-title"), "/signin")
        };
        SignInPage {
            chrome: Chrome::anonymous(lang, &title, csrf).with_language_switch(state.app.languages(), here),
            staff,
            email,
            error,
            sso: sso.map(str::to_owned),
            password,
            passkeys: app::passkeys::available(&state.app),
        }
    }
}

async fn signin_form(
    State(state): State<AppState>,
    Reader(lang): Reader,
    Extension(csrf): Extension<CsrfToken>,
    notice: axum::extract::Query<NoticeQuery>,
) -> SignInPage {
    let mut page = SignInPage::new(&state, Realm::Partner, &csrf, &lang, String::new(), None);
    page.chrome = page.chrome.with_notice(notice.message());
    page
}

async fn staff_signin_form(
    State(state): State<AppState>,
    Reader(lang): Reader,
    Extension(csrf): Extension<CsrfToken>,
    notice: axum::extract::Query<NoticeQuery>,
) -> SignInPage {
    let mut page = SignInPage::new(&state, Realm::Staff, &csrf, &lang, String::new(), None);
    page.chrome = page.chrome.with_notice(notice.message());
    page
}

async fn signin(
    state: State<AppState>,
    lang: Reader,
    csrf: Extension<CsrfToken>,
    origin: WebOrigin,
    form: Form<SignInForm>,
) -> Response {
    sign_in_as(Realm::Partner, state, lang, csrf, origin, form).await
}

async fn staff_signin(
    state: State<AppState>,
    lang: Reader,
    csrf: Extension<CsrfToken>,
    origin: WebOrigin,
    form: Form<SignInForm>,
) -> Response {
    sign_in_as(Realm::Staff, state, lang, csrf, origin, form).await
}

async fn sign_in_as(
    realm: Realm,
    State(state): State<AppState>,
    Reader(lang): Reader,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    Form(form): Form<SignInForm>,
) -> Response {
    let staff = realm == Realm::Staff;
    match app::accounts::sign_in(&state.app, realm, &form.email, &form.password, &origin).await {
        Ok(SignedIn { token, stage }) => {
            let to = match (stage, staff) {
                (Stage::Full, false) => "/dashboard",
                (Stage::Full, true) => "/staff",
                (Stage::SecondFactor, false) => "/signin/verify",
                (Stage::SecondFactor, true) => "/staff/signin/verify",
                (Stage::Enrol, false) => "/account/security/totp",
                (Stage::Enrol, true) => "/staff/account/security/totp",
            };
            signed_in(&state, &token, to)
        }
        Err(e) => form_error(e, &lang, |message| {
            SignInPage::new(&state, realm, &csrf, &lang, form.email.clone(), Some(message))
        }),
    }
}

async fn signout(state: State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    sign_out_to(state, headers, "/signin").await
}

async fn staff_signout(state: State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    sign_out_to(state, headers, "/staff/signin").await
}

async fn sign_out_to(State(state): State<AppState>, headers: HeaderMap, to: &str) -> Result<Response, PageError> {
    if let Some(token) = cookies::get(&headers, cookies::SESSION) {
        app::accounts::sign_out(&state.app, &token).await?;
    }
    let mut response = Redirect::to(to).into_response();
    cookies::set(response.headers_mut(), cookies::SESSION, "", 0, state.secure_cookies);
    Ok(response)
}

#[derive(Template, WebTemplate)]
#[template(path = "invitation.html")]
struct InvitationPage {
    chrome: Chrome,
    token: String,
    org_name: String,
    role: String,
    email: String,
    name: String,
    error: Option<String>,
}

async fn invitation_page(
    state: &AppState,
    csrf: &CsrfToken,
    lang: &i18n::Lang,
    token: &str,
    name: String,
    error: Option<String>,
) -> Result<InvitationPage, AppError> {
    let (inv, org_name) = app::users::invitation_by_token(&state.app, token).await?;
    Ok(InvitationPage {
        chrome: Chrome::anonymous(lang, &lang.t("identity-invitation-title"), csrf)
            .with_language_switch(state.app.languages(), &format!("/invitations/{token}")),
        token: token.to_owned(),
        org_name,
        role: lang.text(partner_role(inv.role)),
        email: inv.email.to_string(),
        name,
        error,
    })
}

async fn invitation_form(
    State(state): State<AppState>,
    Reader(lang): Reader,
    Extension(csrf): Extension<CsrfToken>,
    Path(token): Path<String>,
) -> Result<InvitationPage, PageError> {
    Ok(invitation_page(&state, &csrf, &lang, &token, String::new(), None).await?)
}

#[derive(Deserialize)]
struct AcceptForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

async fn accept_invitation(
    State(state): State<AppState>,
    Reader(lang): Reader,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    Path(token): Path<String>,
    Form(form): Form<AcceptForm>,
) -> Response {
    match app::users::accept_invitation(&state.app, &token, &form.name, &form.password, &origin).await {
        Ok((_, session)) => signed_in(&state, &session, "/dashboard?notice=joined"),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let status = status_of(&e);
            match invitation_page(&state, &csrf, &lang, &token, form.name, Some(public_message_in(&e, &lang))).await {
                Ok(page) => (status, page).into_response(),
                Err(e) => PageError(e).into_response(),
            }
        }
        Err(e) => PageError(e).into_response(),
    }
}

/// A plain 404 page for paths nobody serves.
pub async fn not_found() -> Response {
    PageError(AppError::NotFound("page")).into_response()
}
