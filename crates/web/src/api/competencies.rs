//! Competencies in the API: apply with evidence, follow the application, staff decisions, and
//! the order for an approved level's fee (then paid like any order).

use super::dto::{AttachedFile, Order, UploadForm, file_dto, order_dto};
use crate::auth::ApiCaller;
use crate::error::{ApiError, Problem, known_id};
use crate::state::AppState;
use app::Actor;
use app::competencies::Decision;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use domain::competency::{CertifiedPerson, Evidence};
use serde::{Deserialize, Serialize};
use store::competencies::ApplicationRecord;
use utoipa::{IntoParams, ToSchema};

type ApiResult<T> = Result<T, ApiError>;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub name: String,
    pub certification_id: String,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceBody {
    /// People holding the certification the level asks for.
    #[serde(default)]
    pub people: Vec<Person>,
    /// Customer references (customer and contact, one line each).
    #[serde(default)]
    pub references: Vec<String>,
    /// The level's attestation is confirmed.
    #[serde(default)]
    pub attested: bool,
}

/// An application for a competency level.
#[derive(Debug, Serialize, ToSchema)]
pub struct Application {
    pub id: String,
    pub org_id: String,
    /// The competency's code, e.g. `cloud-platform`.
    pub competency: String,
    /// `silver` or `gold`.
    pub tier: String,
    /// `submitted`, `under_review`, `approved`, `rejected` or `expired`.
    pub status: String,
    pub evidence: EvidenceBody,
    pub submitted_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// The subscription its fee bought, once paid.
    pub subscription_id: Option<String>,
    /// Evidence files (download each by its id).
    pub files: Vec<AttachedFile>,
}

super::page::list_of!(ApplicationList, Application);

fn dto(a: ApplicationRecord) -> Application {
    dto_with(a, Vec::new())
}

async fn full_dto(state: &AppState, actor: &Actor, a: ApplicationRecord) -> ApiResult<Application> {
    let files = app::competencies::files(&state.app, actor, &a.id).await?;
    Ok(dto_with(a, files.into_iter().map(file_dto).collect()))
}

fn dto_with(a: ApplicationRecord, files: Vec<AttachedFile>) -> Application {
    let e = app::competencies::evidence_of(&a);
    Application {
        files,
        evidence: EvidenceBody {
            people: e
                .people
                .into_iter()
                .map(|p| Person { name: p.name, certification_id: p.certification_id })
                .collect(),
            references: e.references,
            attested: e.attested,
        },
        id: a.id.into(),
        org_id: a.org_id.to_string(),
        competency: a.competency_code,
        tier: a.tier.as_str().to_owned(),
        status: a.status.as_str().to_owned(),
        submitted_at: a.submitted_at,
        decided_at: a.decided_at,
        reason: a.reason,
        subscription_id: a.subscription_id.map(Into::into),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyRequest {
    /// The competency's code.
    pub competency: String,
    /// `silver` or `gold`.
    pub tier: String,
    pub evidence: EvidenceBody,
}

/// Apply for a competency level with evidence (Account admin, Global admin). The evidence must
/// meet the level's requirements (`invalid_input` names what is missing); one open application
/// per competency (`application_open`).
#[utoipa::path(post, path = "/api/v1/competency-applications", tag = "competencies", request_body = ApplyRequest,
    responses((status = 201, body = Application), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn apply(
    State(state): State<AppState>,
    caller: ApiCaller,
    super::ApiJson(body): super::ApiJson<ApplyRequest>,
) -> ApiResult<(StatusCode, Json<Application>)> {
    let evidence = Evidence {
        people: body
            .evidence
            .people
            .into_iter()
            .map(|p| CertifiedPerson { name: p.name, certification_id: p.certification_id })
            .collect(),
        references: body.evidence.references,
        attested: body.evidence.attested,
    };
    let a =
        app::competencies::apply(&state.app, caller.partner()?, &body.competency, &body.tier, evidence, &caller.origin)
            .await?;
    Ok((StatusCode::CREATED, Json(dto(a))))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ApplicationsQuery {
    /// Staff only: `open` (submitted and under review, the default), `all`, or one status.
    pub status: Option<String>,
}

/// A partner's applications, newest first; for staff, the review queue, oldest first.
#[utoipa::path(get, path = "/api/v1/competency-applications", tag = "competencies", params(super::page::PageQuery, ApplicationsQuery),
    responses((status = 200, body = ApplicationList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    super::ApiQuery(page): super::ApiQuery<super::page::PageQuery>,
    super::ApiQuery(q): super::ApiQuery<ApplicationsQuery>,
) -> ApiResult<Json<ApplicationList>> {
    let list = match &caller.actor {
        Actor::Partner(u) => app::competencies::list_mine(&state.app, u).await?,
        Actor::Staff(s) => {
            app::competencies::queue(&state.app, s, q.status.as_deref()).await?.into_iter().map(|(a, _)| a).collect()
        }
    };
    Ok(Json(ApplicationList::from(super::page::Page::of(
        list.into_iter().map(dto).collect(),
        |x: &Application| x.id.as_str(),
        &page,
    )?)))
}

/// One application: the org's own, or any for staff.
#[utoipa::path(get, path = "/api/v1/competency-applications/{id}", tag = "competencies", params(("id" = String, Path)),
    responses((status = 200, body = Application), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Application>> {
    let id = known_id(&id, "application")?;
    let a = match &caller.actor {
        Actor::Partner(u) => app::competencies::get_mine(&state.app, u, &id).await?,
        Actor::Staff(s) => app::competencies::get_for_staff(&state.app, s, &id).await?,
    };
    Ok(Json(full_dto(&state, &caller.actor, a).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// `review` (take it up), `approve` or `reject`.
    pub decision: String,
    /// Why it is rejected; required for `reject`, shown to the partner.
    #[serde(default)]
    pub reason: String,
}

/// A staff decision on an application (program admins). The org is told in the portal and by
/// e-mail.
#[utoipa::path(post, path = "/api/v1/competency-applications/{id}/decision", tag = "competencies", params(("id" = String, Path)),
    request_body = DecisionRequest,
    responses((status = 200, body = Application), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn decide(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    super::ApiJson(body): super::ApiJson<DecisionRequest>,
) -> ApiResult<Json<Application>> {
    let decision = match body.decision.as_str() {
        "review" => Decision::Review,
        "approve" => Decision::Approve,
        "reject" => Decision::Reject,
        _ => {
            return Err(ApiError(
                domain::account::InvalidInput::new("decision", "write review, approve or reject").into(),
            ));
        }
    };
    let id = known_id(&id, "application")?;
    let a = app::competencies::decide(&state.app, caller.staff()?, &id, decision, &body.reason, &caller.origin).await?;
    Ok(Json(dto(a)))
}

/// The order for an approved application's annual fee (Billing admin, Global admin), at the
/// terms step; pay it like any order. For Gold while holding Silver, the unused Silver time
/// comes off the price.
#[utoipa::path(post, path = "/api/v1/competency-applications/{id}/fee-order", tag = "competencies", params(("id" = String, Path)),
    responses((status = 201, body = Order), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn fee_order(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<Order>)> {
    let order =
        app::checkout::start_fee_order(&state.app, caller.partner()?, &known_id(&id, "application")?, &caller.origin)
            .await?;
    Ok((StatusCode::CREATED, Json(order_dto(&state, order)?)))
}

/// Attaches an evidence file to an application that waits for its decision (Account admin,
/// Global admin): `multipart/form-data` with a part named `file`. The type is read from the
/// bytes; anything but PDF, PNG, JPEG or plain text is refused; at most 5 files.
#[utoipa::path(post, path = "/api/v1/competency-applications/{id}/files", tag = "competencies", params(("id" = String, Path)),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = AttachedFile), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn upload_file(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<(StatusCode, Json<AttachedFile>)> {
    let user = caller.partner()?;
    let id = known_id(&id, "application")?;
    let (name, bytes) = crate::uploads::file_part(multipart).await.map_err(ApiError)?;
    let file = app::competencies::attach_file(&state.app, user, &id, &name, &bytes, &caller.origin).await?;
    Ok((StatusCode::CREATED, Json(file_dto(file))))
}

/// Downloads an evidence file (the org's users, or staff).
#[utoipa::path(get, path = "/api/v1/competency-applications/{id}/files/{file_id}", tag = "competencies",
    params(("id" = String, Path), ("file_id" = String, Path)),
    responses((status = 200, content_type = "application/octet-stream"), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn download_file(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((id, file_id)): Path<(String, String)>,
) -> ApiResult<axum::response::Response> {
    let (id, file_id) = (known_id(&id, "application")?, known_id(&file_id, "file")?);
    let (file, bytes) = app::competencies::file(&state.app, &caller.actor, &id, &file_id).await?;
    Ok(crate::uploads::attachment(&file.name, &file.content_type, bytes))
}
