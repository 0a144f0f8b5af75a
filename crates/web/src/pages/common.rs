//! What the pages share: the layout around every page (`Chrome`) and the notices it shows,
//! answering a form post, the session cookie after a sign-in, and step-up before a sensitive
//! change. It refers to no page, so every page can use it.

use crate::cookies;
use crate::csrf::CsrfToken;
use crate::error::{PageError, public_message_in, status_of};
use crate::present::{partner_role, staff_role};
use crate::state::AppState;
use app::sessions::Current;
use app::{Actor, AppError};
use axum::response::{IntoResponse, Redirect, Response};
use i18n::key;
use serde::Deserialize;

/// What the layout around every page needs.
pub struct Chrome {
    /// The reader's language: every text and format of the page comes from it.
    pub lang: i18n::Lang,
    pub title: String,
    pub csrf: String,
    pub who: Option<WhoIsIn>,
    pub staff: bool,
    /// The message id of the notice to show (see [`NoticeQuery`]).
    pub notice: Option<&'static str>,
    pub menu: Menu,
    /// A partner user's address still to confirm: every portal page says so and offers Resend.
    pub unverified: Option<String>,
    /// Signed out: the languages the reader may switch to.
    pub switch: Option<Vec<LanguageChoice>>,
}

/// One language of the signed-out switch, named in itself ("Português (Brasil)").
pub struct LanguageChoice {
    pub tag: String,
    pub name: String,
    pub href: String,
    pub current: bool,
}

pub struct WhoIsIn {
    pub name: String,
    pub role: String,
}

/// The menu items the viewer's role can use (portal or console); the server checks each route
/// anyway.
#[derive(Default)]
pub struct Menu {
    pub billing: bool,
    pub users: bool,
    pub support: bool,
    pub audit: bool,
    pub webhooks: bool,
    pub team: bool,
}

impl Chrome {
    pub fn anonymous(lang: &i18n::Lang, title: &str, csrf: &CsrfToken) -> Chrome {
        Chrome {
            lang: lang.clone(),
            title: title.to_owned(),
            csrf: csrf.0.clone(),
            who: None,
            staff: false,
            notice: None,
            menu: Menu::default(),
            unverified: None,
            switch: None,
        }
    }

    pub fn partner(lang: &i18n::Lang, title: &str, csrf: &CsrfToken, user: &app::PartnerUser) -> Chrome {
        use domain::roles::PartnerPermission as P;
        let who = WhoIsIn { name: user.name.clone(), role: lang.text(partner_role(user.role)) };
        let menu = Menu {
            billing: user.role.allows(P::ManageBilling),
            users: user.role.allows(P::ManageUsers),
            support: user.role.allows(P::UseSupport),
            ..Menu::default()
        };
        Chrome {
            lang: lang.clone(),
            title: title.to_owned(),
            csrf: csrf.0.clone(),
            who: Some(who),
            staff: false,
            notice: None,
            menu,
            unverified: (!user.email_verified).then(|| user.email.clone()),
            switch: None,
        }
    }

    pub fn staff(lang: &i18n::Lang, title: &str, csrf: &CsrfToken, staff: &app::StaffMember) -> Chrome {
        use domain::roles::StaffPermission as P;
        let who = WhoIsIn { name: staff.name.clone(), role: lang.text(staff_role(staff.role)) };
        let menu = Menu {
            audit: staff.role.allows(P::ReadAuditLog),
            webhooks: staff.role.allows(P::ManageWebhooks),
            team: staff.role.allows(P::ManageStaff),
            ..Menu::default()
        };
        Chrome {
            lang: lang.clone(),
            title: title.to_owned(),
            csrf: csrf.0.clone(),
            who: Some(who),
            staff: true,
            notice: None,
            menu,
            unverified: None,
            switch: None,
        }
    }

    /// Offers every shipped language, each a link that switches to it and comes back to `back`
    /// (this page's own path).
    pub fn with_language_switch(mut self, languages: &i18n::Languages, back: &str) -> Chrome {
        let here = self.lang.tag();
        let choices = languages
            .tags()
            .into_iter()
            .map(|tag| {
                let name = languages.get(&tag, self.lang.time_zone()).t("layout-language-name");
                let query = serde_urlencoded::to_string([("to", tag.as_str()), ("back", back)]).unwrap_or_default();
                LanguageChoice { current: tag == here, href: format!("/language?{query}"), name, tag }
            })
            .collect();
        self.switch = Some(choices);
        self
    }

    /// `notice` is a message id, as [`NoticeQuery::message`] gives it.
    pub fn with_notice(mut self, notice: Option<&'static str>) -> Chrome {
        self.notice = notice;
        self
    }
}

/// `?notice=…` after a redirect names one of these fixed messages, so no text from the URL is
/// ever shown.
#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    notice: Option<String>,
}

impl NoticeQuery {
    /// The notice's message id. Pages hand it on as a plain `&'static str`; the layout writes it
    /// in the reader's language.
    pub fn message(&self) -> Option<&'static str> {
        let id = match self.notice.as_deref()? {
            "welcome" => key("layout-notice-welcome"),
            "invited" => key("layout-notice-invited"),
            "session_ended" => key("layout-notice-session-ended"),
            "sessions_ended" => key("layout-notice-sessions-ended"),
            "totp_added" => key("layout-notice-totp-added"),
            "totp_removed" => key("layout-notice-totp-removed"),
            "card_added" => key("layout-notice-card-added"),
            "invitation_cancelled" => key("layout-notice-invitation-cancelled"),
            "role_changed" => key("layout-notice-role-changed"),
            "user_removed" => key("layout-notice-user-removed"),
            "password_changed" => key("layout-notice-password-changed"),
            "token_revoked" => key("layout-notice-token-revoked"),
            "passkey_added" => key("layout-notice-passkey-added"),
            "passkey_renamed" => key("layout-notice-passkey-renamed"),
            "passkey_removed" => key("layout-notice-passkey-removed"),
            "joined" => key("layout-notice-joined"),
            "benefits_activated" => key("layout-notice-benefits-activated"),
            "benefit_assigned" => key("layout-notice-benefit-assigned"),
            "benefit_unassigned" => key("layout-notice-benefit-unassigned"),
            "credits_used" => key("layout-notice-credits-used"),
            "file_attached" => key("layout-notice-file-attached"),
            "request_opened" => key("layout-notice-request-opened"),
            "reply_sent" => key("layout-notice-reply-sent"),
            "request_reopened" => key("layout-notice-request-reopened"),
            "sso_required" => key("layout-notice-sso-required"),
            "sso_not_required" => key("layout-notice-sso-not-required"),
            "applied" => key("layout-notice-applied"),
            "verification_sent" => key("layout-notice-verification-sent"),
            "email_verified" => key("layout-notice-email-verified"),
            "email_change_sent" => key("layout-notice-email-change-sent"),
            "email_changed" => key("layout-notice-email-changed"),
            "reset_requested" => key("layout-notice-reset-requested"),
            "password_set" => key("layout-notice-password-set"),
            "language_saved" => key("layout-notice-language-saved"),
            "time_zone_saved" => key("layout-notice-time-zone-saved"),
            _ => return None,
        };
        Some(id.0)
    }
}

/// After a form post: on to `Ok`'s address; when the change was refused for a reason the person
/// can act on (a 4xx other than "not found"), the same page again with that reason and the
/// error's status; anything else is the error page.
pub async fn after_post<P, F>(
    result: Result<String, AppError>,
    lang: &i18n::Lang,
    page_again: impl FnOnce(String) -> F,
) -> Response
where
    P: IntoResponse,
    F: Future<Output = Result<P, AppError>>,
{
    match result {
        Ok(to) => Redirect::to(&to).into_response(),
        Err(e) if status_of(&e).is_client_error() && !matches!(e, AppError::NotFound(_)) => {
            match page_again(public_message_in(&e, lang)).await {
                Ok(page) => (status_of(&e), page).into_response(),
                Err(e) => PageError(e).into_response(),
            }
        }
        Err(e) => PageError(e).into_response(),
    }
}

/// Re-shows a form with the error for mistakes a person can fix; other errors get the error page.
pub fn form_error<T: IntoResponse>(e: AppError, lang: &i18n::Lang, page: impl FnOnce(String) -> T) -> Response {
    match e {
        AppError::Invalid(_)
        | AppError::Conflict { .. }
        | AppError::BadCredentials
        | AppError::RateLimited { .. }
        | AppError::Refused { .. }
        | AppError::Forbidden(_) => {
            let status = status_of(&e);
            (status, page(public_message_in(&e, lang))).into_response()
        }
        other => PageError(other).into_response(),
    }
}

/// Redirects to `to` with a new session cookie.
pub fn signed_in(state: &AppState, token: &str, to: &str) -> Response {
    with_session(state, token, Redirect::to(to).into_response())
}

/// `response` with a new session cookie (and a new CSRF cookie beside it).
pub fn with_session(state: &AppState, token: &str, mut response: Response) -> Response {
    let max_age = state.app.settings().session_lifetime.absolute.num_seconds();
    cookies::set(response.headers_mut(), cookies::SESSION, token, max_age, state.secure_cookies);
    // A new CSRF token with the new session: one planted before sign-in is worth nothing after.
    cookies::set(
        response.headers_mut(),
        cookies::CSRF,
        &state.app.new_secret(""),
        60 * 60 * 24 * 30,
        state.secure_cookies,
    );
    response
}

/// Where a person's pages live: `/account` or `/staff/account`, and the sign-in beside them.
#[derive(Clone, Copy)]
pub struct Door {
    pub staff: bool,
}

impl Door {
    pub fn of(actor: &Actor) -> Door {
        Door { staff: matches!(actor, Actor::Staff(_)) }
    }
    pub fn account(self) -> &'static str {
        if self.staff { "/staff/account" } else { "/account" }
    }
    pub fn verify(self) -> &'static str {
        if self.staff { "/staff/signin/verify" } else { "/signin/verify" }
    }
    pub fn home(self) -> &'static str {
        if self.staff { "/staff" } else { "/dashboard" }
    }
    pub fn sign_out(self) -> &'static str {
        if self.staff { "/staff/signout" } else { "/signout" }
    }
}

/// A path of ours to go back to after step-up: it must start with one `/`, so that it cannot
/// send the person to another site.
pub fn local_path(next: Option<&str>) -> Option<String> {
    let next = next?;
    // No control characters either: a line break would not survive as a `Location` header.
    (next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.contains("://")
        && !next.chars().any(char::is_control))
    .then(|| next.to_owned())
}

/// Step-up: when the session's second factor is older than 15 minutes and the person has
/// one, the answer is a redirect to give it again and come back to `back`.
pub async fn step_up(state: &AppState, current: &Current, back: &str) -> Result<(), Response> {
    match app::second_factor::step_up_needed(&state.app, current).await {
        Ok(false) => Ok(()),
        Ok(true) => {
            let door = Door::of(&current.actor);
            let query = serde_urlencoded::to_string([("next", back)]).unwrap_or_default();
            Err(Redirect::to(&format!("{}?{query}", door.verify())).into_response())
        }
        Err(e) => Err(PageError(e).into_response()),
    }
}
