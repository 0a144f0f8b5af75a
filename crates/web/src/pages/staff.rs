//! The staff console: partner orgs, the audit log, the e-mail outbox and staff accounts.

use super::common::Chrome;
use crate::auth::{StaffSession, WebOrigin};
use crate::csrf::CsrfToken;
use crate::error::{PageError, public_message_in, status_of};
use crate::present::{level_name, offer_name, partner_role, staff_role, subscription_status};
use crate::state::AppState;
use app::AppError;
use app::staff::NewStaff;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use domain::ids::{InvoiceId, OrgId};
use domain::roles::{StaffPermission, StaffRole};
use i18n::Lang;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff", get(orgs))
        .route("/staff/orgs/{id}", get(org))
        .route("/staff/audit", get(audit))
        .route("/staff/outbox", get(outbox))
        .route("/staff/team", get(team).post(create_staff))
        .route("/staff/team/{id}/role", post(change_staff_role))
        .route("/staff/team/{id}/remove", post(remove_staff_access))
}

struct OrgRow {
    id: String,
    partner_id: String,
    name: String,
    country: String,
    created: String,
}

fn org_row(lang: &Lang, o: store::orgs::OrgRecord) -> OrgRow {
    OrgRow {
        id: o.id.to_string(),
        partner_id: o.partner_id.to_string(),
        name: o.name.to_string(),
        country: o.country,
        created: lang.moment(o.created_at),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/orgs.html")]
struct OrgsPage {
    chrome: Chrome,
    orgs: Vec<OrgRow>,
    /// The last org of a full page: the next page starts after it.
    older: Option<String>,
}

/// Rows per console page of a list that grows without bound (orgs, the outbox).
const ROWS_PER_PAGE: usize = 200;

/// `?after=ID`: the page that starts after that row.
#[derive(Deserialize)]
struct AfterQuery {
    after: Option<String>,
}

async fn orgs(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: StaffSession,
    Query(q): Query<AfterQuery>,
) -> Result<OrgsPage, PageError> {
    let limit = i64::try_from(ROWS_PER_PAGE + 1).unwrap_or(201);
    let mut orgs = app::staff::list_orgs(&state.app, &s.staff, q.after.as_deref(), limit).await?;
    let more = orgs.len() > ROWS_PER_PAGE;
    orgs.truncate(ROWS_PER_PAGE);
    let older = if more { orgs.last().map(|o| o.id.to_string()) } else { None };
    Ok(OrgsPage {
        chrome: Chrome::staff(&s.lang, &s.lang.t("staff-orgs-title"), &csrf, &s.staff),
        orgs: orgs.into_iter().map(|o| org_row(&s.lang, o)).collect(),
        older,
    })
}

struct PersonRow {
    name: String,
    email: String,
    role: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/org.html")]
struct OrgPage {
    chrome: Chrome,
    org: OrgRow,
    users: Vec<PersonRow>,
    memberships: Vec<(String, String)>,
    subscriptions: Vec<(String, String, String, String)>,
    /// Id, number, date, total, how it was paid.
    invoices: Vec<(InvoiceId, String, String, String, String)>,
    can_audit: bool,
}

async fn org(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: StaffSession,
    Path(id): Path<String>,
) -> Result<OrgPage, PageError> {
    let id = OrgId::parse(&id).map_err(|_| AppError::NotFound("org"))?;
    let (org, users, memberships) = app::staff::org_detail(&state.app, &s.staff, &id).await?;
    let (subscriptions, invoices) = app::staff::org_billing(&state.app, &s.staff, &id).await?;
    let catalog = state.app.catalog();
    let lang = &s.lang;
    Ok(OrgPage {
        subscriptions: subscriptions
            .into_iter()
            .map(|x| {
                let status = lang.text(subscription_status(x.status));
                let renewal = if x.auto_renew { lang.t("staff-org-renews") } else { lang.t("staff-org-renewal-off") };
                let term = lang.t2("staff-term-dates", "start", lang.day(x.term_start), "end", lang.day(x.term_end));
                (offer_name(&catalog, lang, &x.offer_code, &x.offer_name), status, term, renewal)
            })
            .collect(),
        invoices: invoices
            .into_iter()
            .map(|i| (i.id, i.number, lang.day_of(i.issued_at), lang.money(i.total), i.paid_with))
            .collect(),
        chrome: Chrome::staff(lang, org.name.as_str(), &csrf, &s.staff),
        org: org_row(lang, org),
        users: users
            .into_iter()
            .map(|u| PersonRow {
                name: u.name.to_string(),
                email: u.email.to_string(),
                role: lang.text(partner_role(u.role)),
            })
            .collect(),
        memberships: memberships
            .into_iter()
            .map(|m| (level_name(&catalog, lang, &m.level), lang.day_of(m.started_at)))
            .collect(),
        can_audit: s.staff.role.allows(StaffPermission::ReadAuditLog),
    })
}

struct AuditRow {
    at: String,
    who: String,
    address: String,
    action: String,
    detail: String,
    org: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/audit.html")]
struct AuditPage {
    chrome: Chrome,
    events: Vec<AuditRow>,
}

#[derive(Deserialize)]
struct AuditQuery {
    org: Option<String>,
}

async fn audit(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: StaffSession,
    Query(q): Query<AuditQuery>,
) -> Result<AuditPage, PageError> {
    let org =
        q.org.filter(|o| !o.is_empty()).map(|o| OrgId::parse(&o).map_err(|_| AppError::NotFound("org"))).transpose()?;
    let events = app::staff::audit_log(
        &state.app,
        &s.staff,
        &store::audit::AuditFilter { org: org.as_ref(), ..Default::default() },
        500,
    )
    .await?;
    let events = events
        .into_iter()
        .map(|e| AuditRow {
            at: s.lang.moment(e.at),
            who: e.actor_name,
            address: e.address.unwrap_or_default(),
            action: e.action,
            detail: e.detail,
            org: e.org_id.map(|o| o.to_string()).unwrap_or_default(),
        })
        .collect();
    Ok(AuditPage { chrome: Chrome::staff(&s.lang, &s.lang.t("staff-audit-title"), &csrf, &s.staff), events })
}

struct EmailRow {
    to: String,
    subject: String,
    body: String,
    created: String,
    status: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/outbox.html")]
struct OutboxPage {
    chrome: Chrome,
    emails: Vec<EmailRow>,
    /// The last message of a full page: the next page starts after it.
    older: Option<String>,
}

async fn outbox(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: StaffSession,
    Query(q): Query<AfterQuery>,
) -> Result<OutboxPage, PageError> {
    let limit = i64::try_from(ROWS_PER_PAGE + 1).unwrap_or(201);
    let mut emails = app::outbox::list(&state.app, &s.staff, q.after.as_deref(), limit).await?;
    let more = emails.len() > ROWS_PER_PAGE;
    emails.truncate(ROWS_PER_PAGE);
    let older = if more { emails.last().map(|m| m.id.to_string()) } else { None };
    let emails = emails
        .into_iter()
        .map(|m| EmailRow {
            to: m.to_address,
            subject: m.subject,
            body: m.body,
            created: s.lang.moment(m.created_at),
            status: if m.sent_at.is_some() { s.lang.t("staff-outbox-sent") } else { s.lang.t("staff-outbox-waiting") },
        })
        .collect();
    Ok(OutboxPage { chrome: Chrome::staff(&s.lang, &s.lang.t("staff-outbox-title"), &csrf, &s.staff), emails, older })
}

/// A staff account on the team page.
struct StaffRow {
    id: String,
    name: String,
    email: String,
    role: String,
    /// A program admin (else a support agent), for the role picker.
    admin: bool,
    created: String,
    /// "Access removed on …", or empty for an account in use.
    removed: String,
    /// The viewer's own account (not changed here).
    me: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/team.html")]
struct TeamPage {
    chrome: Chrome,
    staff: Vec<StaffRow>,
    new_password: Option<String>,
    name: String,
    email: String,
    /// Why the new account was not made.
    error: Option<String>,
    /// Why a change to an account in the table was refused.
    change_error: Option<String>,
}

async fn team_page(
    state: &AppState,
    csrf: &CsrfToken,
    s: &StaffSession,
    new_password: Option<String>,
    form: Option<&StaffForm>,
    error: Option<String>,
) -> Result<TeamPage, AppError> {
    let staff = app::staff::list_staff(&state.app, &s.staff).await?;
    let lang = &s.lang;
    Ok(TeamPage {
        chrome: Chrome::staff(lang, &lang.t("staff-team-title"), csrf, &s.staff),
        staff: staff
            .into_iter()
            .map(|m| StaffRow {
                me: m.id == s.staff.id,
                id: m.id.to_string(),
                name: m.name.to_string(),
                email: m.email.to_string(),
                role: lang.text(staff_role(m.role)),
                admin: m.role == StaffRole::ProgramAdmin,
                created: lang.day_of(m.created_at),
                removed: m
                    .disabled_at
                    .map(|at| lang.t1("staff-team-removed-on", "day", lang.day_of(at)))
                    .unwrap_or_default(),
            })
            .collect(),
        new_password,
        name: form.map(|f| f.name.clone()).unwrap_or_default(),
        email: form.map(|f| f.email.clone()).unwrap_or_default(),
        error,
        change_error: None,
    })
}

async fn team(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: StaffSession,
) -> Result<TeamPage, PageError> {
    Ok(team_page(&state, &csrf, &s, None, None, None).await?)
}

#[derive(Deserialize)]
struct StaffForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

#[derive(Deserialize)]
struct RoleForm {
    #[serde(default)]
    role: String,
}

async fn change_staff_role(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    s: StaffSession,
    Path(id): Path<String>,
    Form(form): Form<RoleForm>,
) -> Response {
    if let Err(to) = super::common::step_up(&state, &s.current, "/staff/team").await {
        return to;
    }
    let result =
        app::staff::change(&state.app, &s.staff, &id, app::staff::StaffChange::Role(&form.role), &origin).await;
    after_team_change(&state, &csrf, &s, result).await
}

async fn remove_staff_access(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    s: StaffSession,
    Path(id): Path<String>,
) -> Response {
    let result = app::staff::change(&state.app, &s.staff, &id, app::staff::StaffChange::RemoveAccess, &origin).await;
    after_team_change(&state, &csrf, &s, result).await
}

async fn after_team_change<T>(
    state: &AppState,
    csrf: &CsrfToken,
    s: &StaffSession,
    result: Result<T, AppError>,
) -> Response {
    let result = result.map(|_| "/staff/team".to_owned());
    super::common::after_post(result, &s.lang, |message| async move {
        let mut page = team_page(state, csrf, s, None, None, None).await?;
        page.change_error = Some(message);
        Ok(page)
    })
    .await
}

/// Answers with the page itself: the generated password is shown this once.
async fn create_staff(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    s: StaffSession,
    Form(form): Form<StaffForm>,
) -> Response {
    let new = NewStaff { email: &form.email, name: &form.name, role: &form.role, password: None };
    let (password, error, status) = match app::staff::create(&state.app, Some(&s.staff), new, &origin).await {
        Ok((_, password)) => (password, None, axum::http::StatusCode::OK),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            (None, Some(public_message_in(&e, &s.lang)), status_of(&e))
        }
        Err(e) => return PageError(e).into_response(),
    };
    let keep = error.as_ref().map(|_| &form);
    match team_page(&state, &csrf, &s, password, keep, error).await {
        Ok(page) => (status, page).into_response(),
        Err(e) => PageError(e).into_response(),
    }
}
