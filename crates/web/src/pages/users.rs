//! Users and permissions in the portal: list, invite, change a role, remove.

use super::common::{Chrome, NoticeQuery};
use crate::auth::{PartnerSession, WebOrigin};
use crate::csrf::CsrfToken;
use crate::error::PageError;
use crate::present::partner_role;
use crate::state::AppState;
use app::AppError;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use domain::ids::{InvitationId, UserId};
use domain::roles::{self, PartnerRole};
use i18n::Lang;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/users", get(list))
        .route("/users/invite", post(invite))
        .route("/users/{id}", get(detail))
        .route("/users/{id}/role", post(change_role))
        .route("/users/{id}/remove", post(remove))
        .route("/users/invitations/{id}/cancel", post(cancel_invitation))
        .route("/users/sso", post(require_sso))
}

/// The roles the signed-in admin may give (the server checks again).
fn role_options(lang: &Lang, actor: PartnerRole) -> Vec<(&'static str, String)> {
    roles::grantable_by(actor).iter().map(|r| (r.as_str(), lang.text(partner_role(*r)))).collect()
}

struct UserRow {
    id: String,
    name: String,
    email: String,
    role: String,
}

struct InvitationRow {
    id: String,
    email: String,
    role: String,
    expires: String,
    /// Whether the signed-in admin may cancel it (a User management admin may not cancel an
    /// invitation to Global admin).
    cancellable: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/users.html")]
struct UsersPage {
    chrome: Chrome,
    users: Vec<UserRow>,
    invitations: Vec<InvitationRow>,
    roles: Vec<(&'static str, String)>,
    email: String,
    role: String,
    error: Option<String>,
    /// The org's requirement of single sign-on, when partners may use it.
    sso: Option<app::sso::OrgSso>,
}

async fn users_page(
    state: &AppState,
    csrf: &CsrfToken,
    session: &PartnerSession,
    notice: Option<&'static str>,
    email: String,
    role: String,
    error: Option<String>,
) -> Result<UsersPage, AppError> {
    let (users, invitations) = app::users::list(&state.app, &session.user).await?;
    let sso = app::sso::org_setting(&state.app, &session.user).await?;
    let lang = &session.lang;
    Ok(UsersPage {
        chrome: Chrome::partner(lang, &lang.t("portal-users-title"), csrf, &session.user).with_notice(notice),
        users: users
            .into_iter()
            .map(|u| UserRow {
                id: u.id.to_string(),
                name: u.name.to_string(),
                email: u.email.to_string(),
                role: lang.text(partner_role(u.role)),
            })
            .collect(),
        invitations: invitations
            .into_iter()
            .map(|i| InvitationRow {
                id: i.id.to_string(),
                email: i.email.to_string(),
                role: lang.text(partner_role(i.role)),
                expires: lang.day_of(i.expires_at),
                cancellable: roles::manages(session.user.role, i.role),
            })
            .collect(),
        roles: role_options(lang, session.user.role),
        email,
        role,
        error,
        sso,
    })
}

async fn list(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    session: PartnerSession,
    q: Query<NoticeQuery>,
) -> Result<UsersPage, PageError> {
    Ok(users_page(&state, &csrf, &session, q.message(), String::new(), PartnerRole::Member.as_str().into(), None)
        .await?)
}

#[derive(Deserialize)]
struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

async fn invite(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    session: PartnerSession,
    Form(form): Form<InviteForm>,
) -> Response {
    match app::users::invite(&state.app, &session.user, &form.email, &form.role, &origin).await {
        Ok(_) => Redirect::to("/users?notice=invited").into_response(),
        Err(e) => {
            let status = crate::error::status_of(&e);
            let message = crate::error::public_message_in(&e, &session.lang);
            match users_page(&state, &csrf, &session, None, form.email, form.role, Some(message)).await {
                Ok(page) if status.is_client_error() => (status, page).into_response(),
                Ok(_) => PageError(e).into_response(),
                Err(e) => PageError(e).into_response(),
            }
        }
    }
}

struct UserView {
    id: String,
    name: String,
    email: String,
    role: String,
    role_value: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/user.html")]
struct UserPage {
    chrome: Chrome,
    user: UserView,
    roles: Vec<(&'static str, String)>,
    /// The page shows the signed-in admin: nobody changes their own role.
    own: bool,
    /// Whether the signed-in admin manages this user's role (not a Global admin's, unless
    /// Global admin themselves).
    manageable: bool,
    error: Option<String>,
}

fn parse_user_id(id: &str) -> Result<UserId, AppError> {
    UserId::parse(id).map_err(|_| AppError::NotFound("user"))
}

async fn user_page(
    state: &AppState,
    csrf: &CsrfToken,
    session: &PartnerSession,
    id: &str,
    error: Option<String>,
) -> Result<UserPage, AppError> {
    let id = parse_user_id(id)?;
    session
        .user
        .require(domain::roles::PartnerPermission::ManageUsers, i18n::key("error-act-manage-the-users-of-your-org"))?;
    let u = app::users::get(&state.app, &session.user, &id).await?;
    let lang = &session.lang;
    Ok(UserPage {
        chrome: Chrome::partner(&session.lang, u.name.as_str(), csrf, &session.user),
        user: UserView {
            id: u.id.to_string(),
            name: u.name.to_string(),
            email: u.email.to_string(),
            role: lang.text(partner_role(u.role)),
            role_value: u.role.as_str(),
        },
        roles: role_options(lang, session.user.role),
        own: u.id == session.user.id,
        manageable: roles::manages(session.user.role, u.role),
        error,
    })
}

async fn detail(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    session: PartnerSession,
    Path(id): Path<String>,
) -> Result<UserPage, PageError> {
    Ok(user_page(&state, &csrf, &session, &id, None).await?)
}

#[derive(Deserialize)]
struct RoleForm {
    #[serde(default)]
    role: String,
}

async fn change_role(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    session: PartnerSession,
    Path(id): Path<String>,
    Form(form): Form<RoleForm>,
) -> Response {
    if let Err(to) = super::common::step_up(&state, &session.current, &format!("/users/{id}")).await {
        return to;
    }
    let result = async {
        let user_id = parse_user_id(&id)?;
        app::users::change_role(&state.app, &session.user, &user_id, &form.role, &origin).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/users?notice=role_changed").into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. } | AppError::Refused { .. })) => {
            match user_page(&state, &csrf, &session, &id, Some(crate::error::public_message_in(&e, &session.lang)))
                .await
            {
                Ok(page) => (crate::error::status_of(&e), page).into_response(),
                Err(e) => PageError(e).into_response(),
            }
        }
        Err(e) => PageError(e).into_response(),
    }
}

async fn remove(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    session: PartnerSession,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let user_id = parse_user_id(&id)?;
        app::users::remove(&state.app, &session.user, &user_id, &origin).await
    }
    .await;
    match result {
        Ok(()) if id == session.user.id.as_str() => Redirect::to("/signin").into_response(),
        Ok(()) => Redirect::to("/users?notice=user_removed").into_response(),
        Err(e @ AppError::Conflict { .. }) => {
            match user_page(&state, &csrf, &session, &id, Some(crate::error::public_message_in(&e, &session.lang)))
                .await
            {
                Ok(page) => (crate::error::status_of(&e), page).into_response(),
                Err(e) => PageError(e).into_response(),
            }
        }
        Err(e) => PageError(e).into_response(),
    }
}

async fn cancel_invitation(
    State(state): State<AppState>,
    WebOrigin(origin): WebOrigin,
    session: PartnerSession,
    Path(id): Path<String>,
) -> Result<Redirect, PageError> {
    let id = InvitationId::parse(&id).map_err(|_| AppError::NotFound("invitation"))?;
    app::users::cancel_invitation(&state.app, &session.user, &id, &origin).await?;
    Ok(Redirect::to("/users?notice=invitation_cancelled"))
}

#[derive(Deserialize)]
struct RequireSsoForm {
    /// The checkbox: present when ticked.
    required: Option<String>,
}

async fn require_sso(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    session: PartnerSession,
    Form(form): Form<RequireSsoForm>,
) -> Response {
    let on = form.required.is_some();
    let result = app::sso::require_for_org(&state.app, &session.user, on, &origin).await;
    let to = if on { "/users?notice=sso_required" } else { "/users?notice=sso_not_required" };
    super::common::after_post(result.map(|()| to.to_owned()), &session.lang, |message| {
        users_page(&state, &csrf, &session, None, String::new(), PartnerRole::Member.as_str().into(), Some(message))
    })
    .await
}
