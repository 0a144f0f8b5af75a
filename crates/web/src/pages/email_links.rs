//! The pages of e-mailed links (verify an address, confirm a new one, reset a password, set up
//! a staff account) and **Forgot your password?**. Opening a link shows a button; only the
//! button's post uses it, so a mail scanner that fetches links uses up nothing.

use super::common::{Chrome, NoticeQuery};
use crate::auth::WebOrigin;
use crate::cookies;
use crate::csrf::CsrfToken;
use crate::error::{PageError, public_message_in, status_of};
use crate::language::Reader;
use crate::state::AppState;
use app::accounts::Realm;
use app::email_links::{OpenLink, Used};
use app::{Actor, AppError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Form, Router};
use domain::email_link::LinkPurpose;
use domain::session::Stage;
use i18n::{Key, key};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    let mut router = Router::new()
        .route("/forgot-password", get(partner_forgot_form).post(partner_forgot))
        .route("/staff/forgot-password", get(staff_forgot_form).post(staff_forgot));
    for purpose in LinkPurpose::ALL {
        let path = format!("{}/{{token}}", purpose.path());
        router = router.route(
            &path,
            get(move |s: State<AppState>, c: Extension<CsrfToken>, h: HeaderMap, o: WebOrigin, t: Path<String>| {
                link_page(purpose, s, c, h, o, t)
            })
            .post(
                move |s: State<AppState>,
                      c: Extension<CsrfToken>,
                      h: HeaderMap,
                      o: WebOrigin,
                      t: Path<String>,
                      f: Form<UseForm>| { use_link(purpose, s, c, h, o, t, f) },
            ),
        );
    }
    router
}

#[derive(Template, WebTemplate)]
#[template(path = "forgot_password.html")]
struct ForgotPage {
    chrome: Chrome,
    staff: bool,
    error: Option<String>,
}

fn forgot_page(
    state: &AppState,
    lang: &i18n::Lang,
    csrf: &CsrfToken,
    staff: bool,
    notice: Option<&'static str>,
    error: Option<String>,
) -> ForgotPage {
    let (title, here) = if staff {
        (lang.t("identity-staff-forgot-title"), "/staff/forgot-password")
    } else {
        (lang.t("identity-forgot-title"), "/forgot-password")
    };
    let chrome =
        Chrome::anonymous(lang, &title, csrf).with_notice(notice).with_language_switch(state.app.languages(), here);
    ForgotPage { chrome, staff, error }
}

async fn partner_forgot_form(
    State(state): State<AppState>,
    Reader(lang): Reader,
    Extension(csrf): Extension<CsrfToken>,
    q: Query<NoticeQuery>,
) -> ForgotPage {
    forgot_page(&state, &lang, &csrf, false, q.message(), None)
}

async fn staff_forgot_form(
    State(state): State<AppState>,
    Reader(lang): Reader,
    Extension(csrf): Extension<CsrfToken>,
    q: Query<NoticeQuery>,
) -> ForgotPage {
    forgot_page(&state, &lang, &csrf, true, q.message(), None)
}

#[derive(Deserialize)]
struct ForgotForm {
    #[serde(default)]
    email: String,
}

async fn partner_forgot(
    State(state): State<AppState>,
    Reader(lang): Reader,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    Form(form): Form<ForgotForm>,
) -> Response {
    forgot(state, lang, csrf, origin, Realm::Partner, form).await
}

async fn staff_forgot(
    State(state): State<AppState>,
    Reader(lang): Reader,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    Form(form): Form<ForgotForm>,
) -> Response {
    forgot(state, lang, csrf, origin, Realm::Staff, form).await
}

/// The same answer whatever the address: the request is only written down here.
async fn forgot(
    state: AppState,
    lang: i18n::Lang,
    csrf: CsrfToken,
    origin: app::Origin,
    realm: Realm,
    form: ForgotForm,
) -> Response {
    let staff = realm == Realm::Staff;
    match app::email_links::reset::request_reset(&state.app, realm, &form.email, &origin).await {
        Ok(()) => {
            let to = if staff { "/staff/forgot-password" } else { "/forgot-password" };
            Redirect::to(&format!("{to}?notice=reset_requested")).into_response()
        }
        Err(e) => {
            super::common::form_error(e, &lang, |message| forgot_page(&state, &lang, &csrf, staff, None, Some(message)))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "email_link.html")]
struct LinkPage {
    chrome: Chrome,
    action: String,
    purpose: LinkPurpose,
    email: String,
    /// Why the link cannot be used, when it cannot.
    gone: Option<String>,
    /// Offer **Resend**: the viewer is signed in with an address still to confirm.
    resend: bool,
    /// Where to ask for a new link of this kind, if there is such a page.
    ask_again: Option<&'static str>,
    error: Option<String>,
}

impl LinkPage {
    fn title(purpose: LinkPurpose) -> Key {
        match purpose {
            LinkPurpose::VerifyEmail => key("identity-link-verify-title"),
            LinkPurpose::ChangeEmail => key("identity-link-change-title"),
            LinkPurpose::ResetPassword => key("identity-link-reset-title"),
            LinkPurpose::StaffSetup => key("identity-link-setup-title"),
        }
    }
}

async fn link_page(
    purpose: LinkPurpose,
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    WebOrigin(origin): WebOrigin,
    Path(token): Path<String>,
) -> Response {
    let result = app::email_links::open(&state.app, purpose, &token, &origin).await;
    render(&state, &csrf, &headers, purpose, &token, result, None).await
}

#[derive(Deserialize)]
struct UseForm {
    #[serde(default)]
    password: String,
}

async fn use_link(
    purpose: LinkPurpose,
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    WebOrigin(origin): WebOrigin,
    Path(token): Path<String>,
    Form(form): Form<UseForm>,
) -> Response {
    match app::email_links::use_link(&state.app, purpose, &token, &form.password, &origin).await {
        Ok(used) => {
            let signed_in = viewer(&state, &headers).await.ok().flatten().is_some();
            Redirect::to(after_use(used, signed_in)).into_response()
        }
        // A password the rules refuse: the same page again, with the reason.
        Err(e @ AppError::Invalid(_)) => {
            let page = app::email_links::open(&state.app, purpose, &token, &origin).await;
            let status = status_of(&e);
            let lang = crate::language::for_request(&state, &headers, None);
            let message = public_message_in(&e, &lang);
            let mut response = render(&state, &csrf, &headers, purpose, &token, page, Some(message)).await;
            *response.status_mut() = status;
            response
        }
        Err(e) => render(&state, &csrf, &headers, purpose, &token, Err(e), None).await,
    }
}

/// Where a used link leads: the sign-in page after a new password (every session ended), else
/// back into the portal or the console when signed in.
fn after_use(used: Used, signed_in: bool) -> &'static str {
    match (used, signed_in) {
        (Used::PasswordSet(Realm::Partner), _) => "/signin?notice=password_set",
        (Used::PasswordSet(Realm::Staff), _) => "/staff/signin?notice=password_set",
        (Used::EmailVerified, true) => "/dashboard?notice=email_verified",
        (Used::EmailVerified, false) => "/signin?notice=email_verified",
        (Used::EmailChanged(Realm::Partner), true) => "/account?notice=email_changed",
        (Used::EmailChanged(Realm::Staff), true) => "/staff/account?notice=email_changed",
        (Used::EmailChanged(Realm::Partner), false) => "/signin?notice=email_changed",
        (Used::EmailChanged(Realm::Staff), false) => "/staff/signin?notice=email_changed",
    }
}

/// The link's page: its button (or password form), or why it cannot be used.
async fn render(
    state: &AppState,
    csrf: &CsrfToken,
    headers: &HeaderMap,
    purpose: LinkPurpose,
    token: &str,
    link: Result<OpenLink, AppError>,
    error: Option<String>,
) -> Response {
    let lang = crate::language::for_request(state, headers, None);
    let (email, gone, status) = match link {
        Ok(link) => (link.email, None, axum::http::StatusCode::OK),
        Err(e @ (AppError::Link(_) | AppError::RateLimited { .. })) => {
            (String::new(), Some(public_message_in(&e, &lang)), status_of(&e))
        }
        Err(e) => return PageError(e).into_response(),
    };
    let resend = gone.is_some()
        && purpose == LinkPurpose::VerifyEmail
        && matches!(viewer(state, headers).await, Ok(Some(c))
            if c.session.stage == Stage::Full && matches!(&c.actor, Actor::Partner(u) if !u.email_verified));
    let ask_again = match purpose {
        LinkPurpose::ResetPassword | LinkPurpose::StaffSetup if gone.is_some() => {
            Some(if purpose == LinkPurpose::StaffSetup { "/staff/forgot-password" } else { "/forgot-password" })
        }
        _ => None,
    };
    let action = format!("{}/{token}", purpose.path());
    let page = LinkPage {
        chrome: Chrome::anonymous(&lang, &lang.text(LinkPage::title(purpose)), csrf)
            .with_language_switch(state.app.languages(), &action),
        action,
        purpose,
        email,
        gone,
        resend,
        ask_again,
        error,
    };
    (status, page).into_response()
}

/// The session of this browser, at whatever stage (one that still owes a second factor is led
/// there from the dashboard), if there is one.
async fn viewer(state: &AppState, headers: &HeaderMap) -> Result<Option<app::sessions::Current>, AppError> {
    match cookies::get(headers, cookies::SESSION) {
        Some(token) => app::sessions::current(&state.app, &token).await,
        None => Ok(None),
    }
}
