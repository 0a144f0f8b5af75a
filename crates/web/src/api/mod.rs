//! `/api/v1`: what the portal and the console do, as JSON, with a Bearer token. Each route is
//! registered together with its OpenAPI description, so the served document lists exactly the
//! routes that exist.

mod account;
mod benefits;
mod checkout;
mod competencies;
mod dto;
mod json;
mod page;
mod support;
mod webhooks;

use crate::auth::{ApiCaller, ApiOrigin};
use crate::error::{ApiError, Problem};
use crate::language::Reader;
use crate::state::AppState;
use app::{Actor, AppError};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::ids::{InvitationId, OrgId, UserId};
use domain::membership::{Blocked, Upgrade};
use dto::*;
pub(crate) use json::{ApiJson, ApiQuery};
use serde::Deserialize;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "partnerhub API", description = "Partner program: orgs, users and roles, membership, offers, orders, subscriptions, invoices, credit notes, benefits, competencies, service requests, webhooks. Authenticate with a personal API token: `Authorization: Bearer phk_…`. Errors are `application/problem+json` documents with a stable `code`."),
    components(schemas(Problem)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        }
    }
}

/// The API routes and the OpenAPI document that describes them.
pub fn routes() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(sign_up))
        .routes(routes!(me))
        .routes(routes!(account::change_password))
        .routes(routes!(account::list, account::create))
        .routes(routes!(account::revoke))
        .routes(routes!(membership))
        .routes(routes!(offers))
        .routes(routes!(list_users))
        .routes(routes!(get_user, update_user, delete_user))
        .routes(routes!(list_invitations, create_invitation))
        .routes(routes!(delete_invitation))
        .routes(routes!(accept_invitation))
        .routes(routes!(list_orgs))
        .routes(routes!(get_org))
        .routes(routes!(list_audit_events))
        .routes(routes!(list_staff, create_staff))
        .routes(routes!(list_outbox))
        .routes(routes!(checkout::list_orders, checkout::create_order))
        .routes(routes!(checkout::get_order))
        .routes(routes!(checkout::accept_terms))
        .routes(routes!(checkout::choose_payment_method))
        .routes(routes!(checkout::pay))
        .routes(routes!(checkout::list_payment_methods, checkout::create_payment_method))
        .routes(routes!(checkout::list_subscriptions))
        .routes(routes!(checkout::get_subscription))
        .routes(routes!(checkout::list_invoices))
        .routes(routes!(checkout::get_reconciliation))
        .routes(routes!(checkout::set_billing_language))
        .routes(routes!(checkout::get_invoice))
        .routes(routes!(checkout::get_invoice_pdf))
        .routes(routes!(checkout::verify_order))
        .routes(routes!(checkout::turn_off_auto_renew))
        .routes(routes!(checkout::start_renewal))
        .routes(routes!(checkout::list_notifications))
        .routes(routes!(benefits::list_benefits))
        .routes(routes!(benefits::activate))
        .routes(routes!(benefits::assign))
        .routes(routes!(benefits::unassign))
        .routes(routes!(benefits::reveal))
        .routes(routes!(benefits::use_credit))
        .routes(routes!(benefits::ledger))
        .routes(routes!(competencies::apply, competencies::list))
        .routes(routes!(competencies::get))
        .routes(routes!(competencies::decide))
        .routes(routes!(competencies::fee_order))
        .routes(routes!(competencies::download_file))
        .routes(routes!(support::list, support::create))
        .routes(routes!(support::get))
        .routes(routes!(support::write))
        .routes(routes!(support::reopen))
        .routes(routes!(support::assign))
        .routes(routes!(support::name_subscription))
        .routes(routes!(support::quote, support::cancel))
        .routes(routes!(support::download_file))
        .routes(routes!(support::draw))
        .routes(routes!(support::list_credit_notes))
        .routes(routes!(support::get_credit_note))
        .routes(routes!(support::get_credit_note_pdf))
        .routes(routes!(webhooks::list, webhooks::create))
        .routes(routes!(webhooks::get))
        .routes(routes!(webhooks::set_status))
        .routes(routes!(webhooks::get_delivery))
        .routes(routes!(webhooks::resend))
        .routes(routes!(webhooks::list_events))
        .split_for_parts()
}

/// The API routes that take file uploads (a larger body limit), with their OpenAPI document.
pub fn upload_routes() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(competencies::upload_file))
        .routes(routes!(support::upload_file))
        .split_for_parts()
}

type ApiResult<T> = Result<T, ApiError>;

/// Signs up a partner org; its first user becomes Global admin. No token needed. The admin's
/// address is then confirmed through the link e-mailed to it; until it is, they cannot buy,
/// invite users or create API tokens (`email_unverified`). The link's e-mail is written in the
/// language `Accept-Language` asks for.
#[utoipa::path(post, path = "/api/v1/signup", tag = "orgs", security(()),
    request_body = SignUpRequest,
    responses((status = 201, body = SignUpResponse), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn sign_up(
    State(state): State<AppState>,
    ApiOrigin(origin): ApiOrigin,
    Reader(reader): Reader,
    ApiJson(body): ApiJson<SignUpRequest>,
) -> ApiResult<(StatusCode, Json<SignUpResponse>)> {
    let form = app::accounts::SignUp {
        company_name: body.company_name,
        country: body.country,
        name: body.name,
        email: body.email,
        password: body.password,
        // The confirmation e-mail is written in the language the client asks for.
        page_language: Some(reader.tag()),
    };
    let (org, user) = app::accounts::sign_up(&state.app, &form, &origin).await?;
    Ok((StatusCode::CREATED, Json(SignUpResponse { org: org.into(), user: user.into() })))
}

/// The caller.
#[utoipa::path(get, path = "/api/v1/me", tag = "users",
    responses((status = 200, body = Me), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn me(caller: ApiCaller) -> Json<Me> {
    Json(match caller.actor {
        Actor::Partner(u) => Me {
            kind: "user".into(),
            id: u.id.to_string(),
            name: u.name,
            email: u.email,
            role: u.role.as_str().into(),
            org_id: Some(u.org_id.to_string()),
            email_verified: u.email_verified,
        },
        Actor::Staff(s) => Me {
            kind: "staff".into(),
            id: s.id.to_string(),
            name: s.name,
            email: s.email,
            role: s.role.as_str().into(),
            org_id: None,
            email_verified: true,
        },
    })
}

/// The caller's org, the membership levels it holds and the upgrades open to it.
#[utoipa::path(get, path = "/api/v1/membership", tag = "orgs",
    responses((status = 200, body = Membership), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn membership(
    State(state): State<AppState>,
    caller: ApiCaller,
    Reader(reader): Reader,
) -> ApiResult<Json<Membership>> {
    let view = app::membership::view(&state.app, caller.partner()?).await?;
    let catalog = state.app.catalog();
    let reason = |blocked: Option<Blocked>| blocked.map(|b| crate::present::blocked_in(&catalog, &reader, &b));
    let levels =
        view.held.into_iter().map(|(m, name)| HeldLevel { level: m.level, name, started_at: m.started_at }).collect();
    let upgrades = view
        .upgrades
        .into_iter()
        .map(|u| match u {
            Upgrade::Offer { code, name, price, blocked } => UpgradeOption {
                kind: "offer".into(),
                code,
                name,
                price: price.map(Into::into),
                silver_fee: None,
                gold_fee: None,
                available: blocked.is_none(),
                reason: reason(blocked),
            },
            Upgrade::Competency { code, name, silver_fee, gold_fee, blocked } => UpgradeOption {
                kind: "competency".into(),
                code,
                name,
                price: None,
                silver_fee: silver_fee.map(Into::into),
                gold_fee: gold_fee.map(Into::into),
                available: blocked.is_none(),
                reason: reason(blocked),
            },
        })
        .collect();
    Ok(Json(Membership { org: view.org.into(), levels, upgrades }))
}

/// The catalog's subscription offers with their prices in every currency.
#[utoipa::path(get, path = "/api/v1/offers", tag = "offers", params(page::PageQuery),
    responses((status = 200, body = OfferList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn offers(
    State(state): State<AppState>,
    _caller: ApiCaller,
    ApiQuery(page): ApiQuery<page::PageQuery>,
) -> ApiResult<Json<OfferList>> {
    let catalog = state.app.catalog();
    let data = catalog
        .offers()
        .iter()
        .map(|o| Offer {
            code: o.code().as_str().into(),
            name: o.name().into(),
            description: o.description().into(),
            term_months: o.term_months(),
            prices: o.prices().iter().map(Into::into).collect(),
            benefits: o.benefits().iter().map(crate::present::benefit).collect(),
        })
        .collect();
    Ok(Json(OfferList::from(page::Page::of(data, |o: &Offer| o.code.as_str(), &page)?)))
}

fn user_id(id: &str) -> Result<UserId, ApiError> {
    UserId::parse(id).map_err(|_| ApiError(AppError::NotFound("user")))
}

/// The users of the caller's org (Global admin, User management admin).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(page::PageQuery),
    responses((status = 200, body = UserList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn list_users(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(page): ApiQuery<page::PageQuery>,
) -> ApiResult<Json<UserList>> {
    let (users, _) = app::users::list(&state.app, caller.partner()?).await?;
    Ok(Json(UserList::from(page::Page::of(
        users.into_iter().map(Into::into).collect(),
        |x: &User| x.id.as_str(),
        &page,
    )?)))
}

/// One user of the caller's org.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path)),
    responses((status = 200, body = User), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn get_user(State(state): State<AppState>, caller: ApiCaller, Path(id): Path<String>) -> ApiResult<Json<User>> {
    Ok(Json(app::users::get(&state.app, caller.partner()?, &user_id(&id)?).await?.into()))
}

/// Changes a user's role.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path)), request_body = UpdateUserRequest,
    responses((status = 200, body = User), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn update_user(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateUserRequest>,
) -> ApiResult<Json<User>> {
    let user =
        app::users::change_role(&state.app, caller.partner()?, &user_id(&id)?, body.role.as_str(), &caller.origin)
            .await?;
    Ok(Json(user.into()))
}

/// Removes a user from the org; their sessions and tokens end.
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path)),
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn delete_user(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    app::users::remove(&state.app, caller.partner()?, &user_id(&id)?, &caller.origin).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Pending invitations of the caller's org.
#[utoipa::path(get, path = "/api/v1/invitations", tag = "users", params(page::PageQuery),
    responses((status = 200, body = InvitationList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn list_invitations(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(page): ApiQuery<page::PageQuery>,
) -> ApiResult<Json<InvitationList>> {
    let (_, invitations) = app::users::list(&state.app, caller.partner()?).await?;
    Ok(Json(InvitationList::from(page::Page::of(
        invitations.into_iter().map(Into::into).collect(),
        |x: &Invitation| x.id.as_str(),
        &page,
    )?)))
}

/// Invites someone to the org; the link is e-mailed to them.
#[utoipa::path(post, path = "/api/v1/invitations", tag = "users", request_body = InviteRequest,
    responses((status = 201, body = Invitation), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn create_invitation(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<InviteRequest>,
) -> ApiResult<(StatusCode, Json<Invitation>)> {
    let inv =
        app::users::invite(&state.app, caller.partner()?, &body.email, body.role.as_str(), &caller.origin).await?;
    Ok((StatusCode::CREATED, Json(inv.into())))
}

/// Cancels a pending invitation.
#[utoipa::path(delete, path = "/api/v1/invitations/{id}", tag = "users", params(("id" = String, Path)),
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn delete_invitation(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = InvitationId::parse(&id).map_err(|_| ApiError(AppError::NotFound("invitation")))?;
    app::users::cancel_invitation(&state.app, caller.partner()?, &id, &caller.origin).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct AcceptInvitation {
    /// The token from the invitation's link (`/invitations/<token>`).
    token: String,
    name: String,
    /// 12 to 128 characters.
    password: String,
}

/// Accepts an invitation: the invited person's account, with the role they were invited to.
/// No API token needed: the invitation's token is the proof.
#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "users", security(()),
    request_body = AcceptInvitation,
    responses((status = 201, body = User), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn accept_invitation(
    State(state): State<AppState>,
    ApiOrigin(origin): ApiOrigin,
    ApiJson(body): ApiJson<AcceptInvitation>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let (user, _) = app::users::accept_invitation(&state.app, &body.token, &body.name, &body.password, &origin).await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

/// Partner orgs, newest first (staff).
#[utoipa::path(get, path = "/api/v1/orgs", tag = "staff", params(page::PageQuery),
    responses((status = 200, body = OrgList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn list_orgs(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(page): ApiQuery<page::PageQuery>,
) -> ApiResult<Json<OrgList>> {
    let after = page.starting_after.as_deref();
    let orgs = app::staff::list_orgs(&state.app, caller.staff()?, after, page.fetch_size()?).await?;
    let data: Vec<Org> = orgs.into_iter().map(Into::into).collect();
    Ok(Json(OrgList::from(page::Page::from_fetched(data, |o: &Org| o.id.as_str(), &page)?)))
}

/// One partner org with its users, membership, subscriptions and invoices (staff).
#[utoipa::path(get, path = "/api/v1/orgs/{id}", tag = "staff", params(("id" = String, Path)),
    responses((status = 200, body = OrgDetail), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn get_org(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<OrgDetail>> {
    let id = OrgId::parse(&id).map_err(|_| ApiError(AppError::NotFound("org")))?;
    let (org, users, memberships) = app::staff::org_detail(&state.app, caller.staff()?, &id).await?;
    let catalog = state.app.catalog();
    let levels = memberships
        .into_iter()
        .map(|m| HeldLevel {
            name: catalog.membership_level(&m.level).map_or(m.level.clone(), |l| l.name().to_owned()),
            level: m.level,
            started_at: m.started_at,
        })
        .collect();
    let (subscriptions, invoices) = app::staff::org_billing(&state.app, caller.staff()?, &id).await?;
    let balances = app::benefits::support_balances(&state.app, caller.staff()?, &id).await?;
    Ok(Json(OrgDetail {
        support_balances: balances
            .into_iter()
            .map(|(benefit_id, kind, product, left)| dto::SupportBalance {
                benefit_id: benefit_id.into(),
                kind: kind.as_str().to_owned(),
                product,
                left,
            })
            .collect(),
        org: org.into(),
        users: users.into_iter().map(Into::into).collect(),
        levels,
        subscriptions: subscriptions.into_iter().map(subscription_dto).collect::<ApiResult<_>>()?,
        invoices: invoices.into_iter().map(invoice_dto).collect::<ApiResult<_>>()?,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
struct AuditQuery {
    /// Only this org's events.
    org_id: Option<String>,
}

/// The audit log, newest first (program admins); `from` and `to` filter on the day.
#[utoipa::path(get, path = "/api/v1/audit-events", tag = "staff", params(AuditQuery, page::DateFilter, page::PageQuery),
    responses((status = 200, body = AuditEventList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn list_audit_events(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(q): ApiQuery<AuditQuery>,
    ApiQuery(dates): ApiQuery<page::DateFilter>,
    ApiQuery(page): ApiQuery<page::PageQuery>,
) -> ApiResult<Json<AuditEventList>> {
    let org = q.org_id.map(|o| OrgId::parse(&o).map_err(|_| ApiError(AppError::NotFound("org")))).transpose()?;
    let (from, until) = dates.bounds()?;
    let filter = store::audit::AuditFilter { org: org.as_ref(), after: page.starting_after.as_deref(), from, until };
    let events = app::staff::audit_log(&state.app, caller.staff()?, &filter, page.fetch_size()?).await?;
    let data: Vec<AuditEvent> = events.into_iter().map(Into::into).collect();
    Ok(Json(AuditEventList::from(page::Page::from_fetched(data, |e: &AuditEvent| e.id.as_str(), &page)?)))
}

/// Staff accounts (program admins).
#[utoipa::path(get, path = "/api/v1/staff", tag = "staff", params(page::PageQuery),
    responses((status = 200, body = StaffList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn list_staff(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(page): ApiQuery<page::PageQuery>,
) -> ApiResult<Json<StaffList>> {
    let staff = app::staff::list_staff(&state.app, caller.staff()?).await?;
    Ok(Json(StaffList::from(page::Page::of(
        staff.into_iter().map(Into::into).collect(),
        |x: &StaffMember| x.id.as_str(),
        &page,
    )?)))
}

/// Creates a staff account with a generated password (program admins).
#[utoipa::path(post, path = "/api/v1/staff", tag = "staff", request_body = CreateStaffRequest,
    responses((status = 201, body = CreatedStaff), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn create_staff(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<CreateStaffRequest>,
) -> ApiResult<(StatusCode, Json<CreatedStaff>)> {
    let new = app::staff::NewStaff { email: &body.email, name: &body.name, role: &body.role, password: None };
    let (record, password) = app::staff::create(&state.app, Some(caller.staff()?), new, &caller.origin).await?;
    let password = password.ok_or_else(|| ApiError(AppError::internal("no password was generated")))?;
    Ok((StatusCode::CREATED, Json(CreatedStaff { staff: record.into(), password })))
}

/// An e-mail as it was queued (and sent, when SMTP is configured).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct OutboxEmail {
    pub id: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it left over SMTP; `null` while it waits (or with no SMTP configured).
    pub sent_at: Option<chrono::DateTime<chrono::Utc>>,
}

page::list_of!(OutboxList, OutboxEmail);

/// The e-mail outbox, newest first (support agents and program admins).
#[utoipa::path(get, path = "/api/v1/outbox", tag = "staff", params(page::PageQuery),
    responses((status = 200, body = OutboxList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
async fn list_outbox(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(page): ApiQuery<page::PageQuery>,
) -> ApiResult<Json<OutboxList>> {
    let after = page.starting_after.as_deref();
    let emails = app::outbox::list(&state.app, caller.staff()?, after, page.fetch_size()?).await?;
    let data: Vec<OutboxEmail> = emails
        .into_iter()
        .map(|m| OutboxEmail {
            id: m.id.to_string(),
            to: m.to_address,
            subject: m.subject,
            body: m.body,
            created_at: m.created_at,
            sent_at: m.sent_at,
        })
        .collect();
    Ok(Json(OutboxList::from(page::Page::from_fetched(data, |m: &OutboxEmail| m.id.as_str(), &page)?)))
}

#[cfg(test)]
mod tests {
    /// Handlers are registered only through `routes!`, which puts each one's description in the
    /// document; this checks that every described handler is registered (each description is
    /// one operation of the document) and that the router adds no other `/api/` route than the
    /// document itself. With the HTTP test that calls every documented route, the router and
    /// the document list the same routes.
    #[test]
    fn every_route_the_router_serves_is_in_the_document() {
        let sources = [
            include_str!("mod.rs"),
            include_str!("account.rs"),
            include_str!("benefits.rs"),
            include_str!("checkout.rs"),
            include_str!("competencies.rs"),
            include_str!("support.rs"),
            include_str!("webhooks.rs"),
        ];
        let marker = format!("#[{}::path(", "utoipa");
        let described: usize = sources.iter().map(|s| s.matches(&marker).count()).sum();
        let operations = |doc: utoipa::openapi::OpenApi| {
            let value = serde_json::to_value(doc).unwrap_or_default();
            let methods = ["get", "post", "put", "patch", "delete"];
            value["paths"]
                .as_object()
                .map(|paths| {
                    paths.values().map(|item| methods.iter().filter(|m| item.get(**m).is_some()).count()).sum()
                })
                .unwrap_or(0)
        };
        let documented: usize = operations(super::routes().1) + operations(super::upload_routes().1);
        assert_eq!(described, documented, "a described handler is missing from the router");
        let plain = format!(".route(\"{}", "/api/");
        let router = include_str!("../lib.rs");
        let extra: Vec<&str> =
            router.match_indices(&plain).map(|(i, _)| router[i..].lines().next().unwrap_or("")).collect();
        assert!(extra.iter().all(|line| line.contains("openapi.json")), "routes outside the document: {extra:?}");
    }
}
