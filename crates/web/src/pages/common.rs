//! What the pages share: the layout around every page (`Chrome`) and the notices it shows,
//! answering a form post, the session cookie after a sign-in, and step-up before a sensitive
//! change. It refers to no page, so every page can use it.

use crate::cookies;
use crate::csrf::CsrfToken;
use crate::error::{PageError, public_message, status_of};
use crate::state::AppState;
use app::sessions::Current;
use app::{Actor, AppError};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// What the layout around every page needs.
pub struct Chrome {
    /// The reader's language: every text and format of the page comes from it.
    pub lang: i18n::Lang,
    pub title: String,
    pub csrf: String,
    pub who: Option<WhoIsIn>,
    pub staff: bool,
    pub notice: Option<&'static str>,
    pub menu: Menu,
    /// A partner user's address still to confirm: every portal page says so and offers Resend.
    pub unverified: Option<String>,
}

pub struct WhoIsIn {
    pub name: String,
    pub role: &'static str,
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
        }
    }

    pub fn partner(lang: &i18n::Lang, title: &str, csrf: &CsrfToken, user: &app::PartnerUser) -> Chrome {
        use domain::roles::PartnerPermission as P;
        let who = WhoIsIn { name: user.name.clone(), role: user.role.label() };
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
        }
    }

    pub fn staff(lang: &i18n::Lang, title: &str, csrf: &CsrfToken, staff: &app::StaffMember) -> Chrome {
        use domain::roles::StaffPermission as P;
        let who = WhoIsIn { name: staff.name.clone(), role: staff.role.label() };
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
        }
    }

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
    pub fn message(&self) -> Option<&'static str> {
        Some(match self.notice.as_deref()? {
            "welcome" => "Welcome! Your org has joined the program with a Network membership.",
            "invited" => "Invitation sent.",
            "session_ended" => "That session is signed out.",
            "sessions_ended" => "Every other session is signed out.",
            "totp_added" => "The authenticator app is on. Save your recovery codes now.",
            "totp_removed" => "The authenticator app is removed.",
            "card_added" => "Card saved. Automatic renewals charge it from now on.",
            "invitation_cancelled" => "Invitation cancelled.",
            "role_changed" => "Role changed.",
            "user_removed" => "User removed.",
            "password_changed" => "Password changed. Your other sessions have been signed out.",
            "token_revoked" => "API token revoked.",
            "passkey_added" => "Passkey added. You can sign in with it instead of your password.",
            "passkey_renamed" => "Passkey renamed.",
            "passkey_removed" => "Passkey removed. It no longer signs you in.",
            "joined" => "Welcome! You have joined your org.",
            "benefits_activated" => "Benefits activated. They stay live until the subscription ends.",
            "benefit_assigned" => "Assigned.",
            "benefit_unassigned" => "Taken back; it is free for someone else.",
            "credits_used" => "Credits used.",
            "file_attached" => "File attached.",
            "request_opened" => "Request submitted. The support team answers here and by e-mail.",
            "reply_sent" => "Reply sent.",
            "request_reopened" => "Request reopened.",
            "sso_required" => "Done. Your org's users now sign in only through single sign-on.",
            "sso_not_required" => "Done. Your org's users may sign in with a password again.",
            "applied" => "Application submitted. Program staff will review it; you will be told of their decision.",
            "verification_sent" => "We sent you a new link to confirm your e-mail address; it works for 24 hours.",
            "email_verified" => "Thank you: your e-mail address is confirmed.",
            "email_change_sent" => {
                "We sent a link to your new address; the change takes effect once you open it and press Confirm."
            }
            "email_changed" => "Your e-mail address is changed; sign in with the new one from now on.",
            "reset_requested" => {
                "If an account has that address, we have e-mailed it a link to choose a new password. The link \
                 works once, for an hour."
            }
            "password_set" => "Your password is set; sign in with it. Every earlier session was signed out.",
            _ => return None,
        })
    }
}

/// After a form post: on to `Ok`'s address; when the change was refused for a reason the person
/// can act on (a 4xx other than "not found"), the same page again with that reason and the
/// error's status; anything else is the error page.
pub async fn after_post<P, F>(result: Result<String, AppError>, page_again: impl FnOnce(String) -> F) -> Response
where
    P: IntoResponse,
    F: Future<Output = Result<P, AppError>>,
{
    match result {
        Ok(to) => Redirect::to(&to).into_response(),
        Err(e) if status_of(&e).is_client_error() && !matches!(e, AppError::NotFound(_)) => {
            match page_again(public_message(&e)).await {
                Ok(page) => (status_of(&e), page).into_response(),
                Err(e) => PageError(e).into_response(),
            }
        }
        Err(e) => PageError(e).into_response(),
    }
}

/// Re-shows a form with the error for mistakes a person can fix; other errors get the error page.
pub fn form_error<T: IntoResponse>(e: AppError, page: impl FnOnce(String) -> T) -> Response {
    match e {
        AppError::Invalid(_)
        | AppError::Conflict { .. }
        | AppError::BadCredentials
        | AppError::RateLimited { .. }
        | AppError::Refused { .. }
        | AppError::Forbidden(_) => {
            let status = status_of(&e);
            (status, page(public_message(&e))).into_response()
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
    (next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') && !next.contains("://"))
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
