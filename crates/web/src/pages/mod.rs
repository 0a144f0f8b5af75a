//! Server-rendered pages: the partner portal and the staff console. Every page works without
//! JavaScript; every form carries the CSRF token and posts, then redirects (post/redirect/get).

mod account;
mod benefits;
mod checkout;
mod competencies;
mod email_links;
mod invoices;
mod passkeys;
mod portal;
mod public;
mod security;
mod sso;
mod staff;
mod subscriptions;
mod support;
mod users;
mod webhooks;

pub use public::not_found;

/// Money from stored minor units and a currency code.
pub fn checkout_money(minor: i64, currency: &str) -> Result<domain::money::Money, app::AppError> {
    let currency = domain::money::Currency::parse(currency).map_err(|e| app::AppError::Internal(e.to_string()))?;
    Ok(domain::money::Money::new(minor, currency))
}

use crate::csrf::CsrfToken;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use chrono::{DateTime, Utc};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(public::routes())
        .merge(account::routes())
        .merge(security::routes())
        .merge(benefits::routes())
        .merge(checkout::routes())
        .merge(competencies::routes())
        .merge(email_links::routes())
        .merge(invoices::routes())
        .merge(passkeys::routes())
        .merge(subscriptions::routes())
        .merge(support::routes())
        .merge(portal::routes())
        .merge(users::routes())
        .merge(sso::routes())
        .merge(staff::routes())
        .merge(webhooks::routes())
}

/// The pages that take file uploads (a larger body limit than the other forms).
pub fn upload_routes() -> Router<AppState> {
    competencies::upload_routes().merge(support::upload_routes())
}

/// After a form post: on to `Ok`'s address; when the change was refused for a reason the person
/// can act on (a 4xx other than "not found"), the same page again with that reason and the
/// error's status; anything else is the error page.
pub async fn after_post<P, F>(
    result: Result<String, app::AppError>,
    page_again: impl FnOnce(String) -> F,
) -> axum::response::Response
where
    P: axum::response::IntoResponse,
    F: std::future::Future<Output = Result<P, app::AppError>>,
{
    use crate::error::{PageError, public_message, status_of};
    use axum::response::{IntoResponse, Redirect};
    match result {
        Ok(to) => Redirect::to(&to).into_response(),
        Err(e) if status_of(&e).is_client_error() && !matches!(e, app::AppError::NotFound(_)) => {
            match page_again(public_message(&e)).await {
                Ok(page) => (status_of(&e), page).into_response(),
                Err(e) => PageError(e).into_response(),
            }
        }
        Err(e) => PageError(e).into_response(),
    }
}

/// What the layout around every page needs.
pub struct Chrome {
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
    pub fn anonymous(title: &str, csrf: &CsrfToken) -> Chrome {
        Chrome {
            title: title.to_owned(),
            csrf: csrf.0.clone(),
            who: None,
            staff: false,
            notice: None,
            menu: Menu::default(),
            unverified: None,
        }
    }

    pub fn partner(title: &str, csrf: &CsrfToken, user: &app::PartnerUser) -> Chrome {
        use domain::roles::PartnerPermission as P;
        let who = WhoIsIn { name: user.name.clone(), role: user.role.label() };
        let menu = Menu {
            billing: user.role.allows(P::ManageBilling),
            users: user.role.allows(P::ManageUsers),
            support: user.role.allows(P::UseSupport),
            ..Menu::default()
        };
        Chrome {
            title: title.to_owned(),
            csrf: csrf.0.clone(),
            who: Some(who),
            staff: false,
            notice: None,
            menu,
            unverified: (!user.email_verified).then(|| user.email.clone()),
        }
    }

    pub fn staff(title: &str, csrf: &CsrfToken, staff: &app::StaffMember) -> Chrome {
        use domain::roles::StaffPermission as P;
        let who = WhoIsIn { name: staff.name.clone(), role: staff.role.label() };
        let menu = Menu {
            audit: staff.role.allows(P::ReadAuditLog),
            webhooks: staff.role.allows(P::ManageWebhooks),
            team: staff.role.allows(P::ManageStaff),
            ..Menu::default()
        };
        Chrome {
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

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub status: u16,
    pub message: String,
    /// Offer the way to **Resend** the link that confirms the address.
    pub resend: bool,
}

/// A date and time as pages show it: UTC, to the minute.
pub fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A date as pages show it.
pub fn day(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}
