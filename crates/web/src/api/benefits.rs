//! Benefits in the API: activation, the org's benefits with their seats and keys, assigning,
//! revealing a key, drawing on credits with an Idempotency-Key, and the ledger.

use super::checkout::idempotent;
use crate::auth::ApiCaller;
use crate::error::{ApiError, Problem, known_id};
use crate::state::AppState;
use app::benefits::{BenefitView, UnitView};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use domain::benefit::BenefitKind;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

type ApiResult<T> = Result<T, ApiError>;

/// A live (or ended) benefit of an activated subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct Benefit {
    pub id: String,
    pub subscription_id: String,
    /// `software_license`, `seats`, `service_account`, `monthly_credit`, `support_incidents`
    /// or `advisory_hours`.
    pub kind: String,
    pub product: String,
    /// `active` or `ended`.
    pub status: String,
    /// Keys, seats or accounts allocated (0 for balances).
    pub quantity: i64,
    /// Credits and balances: granted, used and left so far (minor units of `currency` for
    /// credits, a count for support incidents and advisory hours).
    pub granted: Option<i64>,
    pub used: Option<i64>,
    pub left: Option<i64>,
    pub currency: Option<String>,
    /// `monthly` or `yearly`, for credits and balances.
    pub grant_cadence: Option<String>,
    pub next_grant_on: Option<NaiveDate>,
    pub activated_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    /// The seats, keys or account (a Member sees only those assigned to them).
    pub units: Vec<BenefitUnit>,
}

/// A seat, a license key (masked: reveal it with its own call) or a service account.
#[derive(Debug, Serialize, ToSchema)]
pub struct BenefitUnit {
    pub id: String,
    pub benefit_id: String,
    /// `seat`, `license_key` or `service_account`.
    pub kind: String,
    /// A license key with all but its last group hidden.
    pub masked_key: Option<String>,
    /// A service account's name.
    pub account: Option<String>,
    pub user_id: Option<String>,
    pub assigned_at: Option<DateTime<Utc>>,
    /// `active` or `revoked`.
    pub status: String,
}

super::page::list_of!(BenefitList, Benefit);

fn unit_dto(kind: BenefitKind, u: UnitView) -> BenefitUnit {
    let u = u.unit;
    let (unit_kind, masked_key, account) = match (kind, u.code) {
        (BenefitKind::SoftwareLicense, Some(key)) => ("license_key", Some(domain::benefit::masked_key(&key)), None),
        (_, Some(account)) => ("service_account", None, Some(account)),
        _ => ("seat", None, None),
    };
    BenefitUnit {
        id: u.id.into(),
        benefit_id: u.benefit_id.into(),
        kind: unit_kind.into(),
        masked_key,
        account,
        user_id: u.user_id.map(Into::into),
        assigned_at: u.assigned_at,
        status: u.status.as_str().to_owned(),
    }
}

fn benefit_dto(v: BenefitView) -> Benefit {
    let b = v.benefit;
    let counted = b.cadence.is_some();
    let kind = b.kind;
    Benefit {
        units: v.units.into_iter().map(|u| unit_dto(kind, u)).collect(),
        granted: counted.then_some(v.granted),
        used: counted.then_some(v.used),
        left: counted.then_some(v.granted - v.used),
        id: b.id.into(),
        subscription_id: b.subscription_id.into(),
        kind: b.kind.as_str().to_owned(),
        product: b.product,
        status: b.status.as_str().to_owned(),
        quantity: b.units,
        currency: b.currency.map(|c| c.code().to_owned()),
        grant_cadence: b.cadence.map(|c| c.as_str().to_owned()),
        next_grant_on: b.next_grant_on,
        activated_at: b.activated_at,
        ended_at: b.ended_at,
    }
}

/// The org's benefits, live and ended. A Member sees only the seats and keys assigned to them.
#[utoipa::path(get, path = "/api/v1/benefits", tag = "benefits", params(super::page::PageQuery),
    responses((status = 200, body = BenefitList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn list_benefits(
    State(state): State<AppState>,
    caller: ApiCaller,
    super::ApiQuery(page): super::ApiQuery<super::page::PageQuery>,
) -> ApiResult<Json<BenefitList>> {
    let overview = app::benefits::overview(&state.app, caller.partner()?).await?;
    let data = overview.subscriptions.into_iter().flat_map(|s| s.benefits).map(benefit_dto).collect();
    Ok(Json(BenefitList::from(super::page::Page::of(data, |x: &Benefit| x.id.as_str(), &page)?)))
}

/// Activate: makes a live subscription's benefits live (Account admin, Global admin). License
/// keys are issued, and credits and support balances get their first grant.
#[utoipa::path(post, path = "/api/v1/subscriptions/{id}/activate", tag = "benefits", params(("id" = String, Path)),
    responses((status = 201, body = BenefitList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn activate(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<BenefitList>)> {
    let user = caller.partner()?;
    let made = app::benefits::activate(&state.app, user, &known_id(&id, "subscription")?, &caller.origin).await?;
    let overview = app::benefits::overview(&state.app, user).await?;
    let data = overview
        .subscriptions
        .into_iter()
        .flat_map(|s| s.benefits)
        .filter(|v| made.iter().any(|m| m.id == v.benefit.id))
        .map(benefit_dto)
        .collect();
    Ok((StatusCode::CREATED, Json(BenefitList { data, has_more: false, next_cursor: None })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    /// A user of the org.
    pub user_id: String,
}

/// Assigns a free seat or license key of the benefit to a user (Account admin, Global admin).
/// `none_left` when every one is assigned; `already_assigned` when the user has one.
#[utoipa::path(post, path = "/api/v1/benefits/{id}/assignments", tag = "benefits", params(("id" = String, Path)),
    request_body = AssignRequest,
    responses((status = 201, body = BenefitUnit), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn assign(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    super::ApiJson(body): super::ApiJson<AssignRequest>,
) -> ApiResult<(StatusCode, Json<BenefitUnit>)> {
    let user = caller.partner()?;
    let (id, user_id) = (known_id(&id, "benefit")?, known_id(&body.user_id, "user")?);
    let unit = app::benefits::assign(&state.app, user, &id, &user_id, &caller.origin).await?;
    let kind = if unit.code.is_some() { BenefitKind::SoftwareLicense } else { BenefitKind::Seats };
    Ok((StatusCode::CREATED, Json(unit_dto(kind, UnitView { unit, holder: None }))))
}

/// Takes a seat or key back from its holder (Account admin, Global admin).
#[utoipa::path(delete, path = "/api/v1/benefit-units/{id}/assignment", tag = "benefits", params(("id" = String, Path)),
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn unassign(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    app::benefits::unassign(&state.app, caller.partner()?, &known_id(&id, "unit")?, &caller.origin).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevealedKey {
    pub id: String,
    pub key: String,
}

/// Shows a license key in full to an Account admin, a Global admin or the user who holds it.
/// Each reveal is written to the audit log.
#[utoipa::path(post, path = "/api/v1/benefit-units/{id}/reveal", tag = "benefits", params(("id" = String, Path)),
    responses((status = 200, body = RevealedKey), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn reveal(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<([(axum::http::HeaderName, &'static str); 1], Json<RevealedKey>)> {
    let key = app::benefits::reveal_key(&state.app, caller.partner()?, &known_id(&id, "unit")?, &caller.origin).await?;
    // A revealed key is not kept by caches.
    Ok(([(axum::http::header::CACHE_CONTROL, "no-store")], Json(RevealedKey { id, key })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UseCreditRequest {
    /// The amount in the credit's currency, as a decimal string ("12.50").
    pub amount: String,
    /// What the credits were used for (at most 200 characters).
    #[serde(default)]
    pub memo: String,
}

/// One entry of a benefit's ledger.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerEntry {
    pub id: String,
    pub benefit_id: String,
    /// `grant` or `use`.
    pub entry: String,
    /// Positive for a grant, negative for a use.
    pub amount: i64,
    /// A grant's day.
    pub period: Option<NaiveDate>,
    pub memo: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreditUse {
    pub entry: LedgerEntry,
    /// What is left after this use, in minor units.
    pub left: i64,
    pub currency: String,
}

fn entry_dto(e: store::benefits::LedgerEntry) -> LedgerEntry {
    LedgerEntry {
        id: e.id.into(),
        benefit_id: e.benefit_id.into(),
        entry: e.entry.as_str().to_owned(),
        amount: e.amount,
        period: e.period,
        memo: e.memo,
        created_at: e.created_at,
    }
}

/// Uses monthly credits (Account admin, Global admin). Requires an `Idempotency-Key`: a repeat
/// answers with the first use and draws nothing more. Never below zero: `insufficient_balance`.
#[utoipa::path(post, path = "/api/v1/benefits/{id}/usage", tag = "benefits",
    params(("id" = String, Path), ("Idempotency-Key" = String, Header, description = "A unique key for this use")),
    request_body = UseCreditRequest,
    responses((status = 201, body = CreditUse), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn use_credit(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    super::ApiJson(body): super::ApiJson<UseCreditRequest>,
) -> Response {
    let hash = app::idempotency::request_hash(&["POST", "/api/v1/benefits/{id}/usage", &id, &body.amount, &body.memo]);
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    idempotent(&state, &caller, &headers, &hash, async {
        let user = caller.partner()?;
        let id = known_id(&id, "benefit")?;
        let used =
            app::benefits::use_credit(&state.app, user, &id, &body.amount, &body.memo, &key, &caller.origin).await?;
        let dto =
            CreditUse { entry: entry_dto(used.entry), left: used.left, currency: used.currency.code().to_owned() };
        Ok((StatusCode::CREATED, serde_json::to_value(dto).unwrap_or_default()))
    })
    .await
}

super::page::list_of!(LedgerList, LedgerEntry);

/// A credit or balance benefit's ledger, oldest first (not for Members).
#[utoipa::path(get, path = "/api/v1/benefits/{id}/ledger", tag = "benefits", params(super::page::PageQuery, ("id" = String, Path)),
    responses((status = 200, body = LedgerList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn ledger(
    State(state): State<AppState>,
    caller: ApiCaller,
    super::ApiQuery(page): super::ApiQuery<super::page::PageQuery>,
    Path(id): Path<String>,
) -> ApiResult<Json<LedgerList>> {
    let entries = app::benefits::ledger(&state.app, caller.partner()?, &known_id(&id, "benefit")?).await?;
    Ok(Json(LedgerList::from(super::page::Page::of(
        entries.into_iter().map(entry_dto).collect(),
        |x: &LedgerEntry| x.id.as_str(),
        &page,
    )?)))
}
