//! Service requests in the API: a partner opens one, follows the conversation, replies and
//! reopens; staff work the queue, answer, write internal notes, assign, and cancel the
//! subscription a billing request names (at the end of its term, or now with a refund, once
//! per `Idempotency-Key`); credit notes as the org's billing documents.

use super::checkout::idempotent;
use super::dto::{
    AttachedFile, CancellationQuote, CreditNote, CreditNoteList, ServiceRequest, ServiceRequestList, UploadForm,
    file_dto, full_request_dto, note_dto, request_dto,
};
use crate::auth::ApiCaller;
use crate::error::{ApiError, Problem, known_id};
use crate::language::Reader;
use crate::state::AppState;
use app::service_requests::{QueueQuery, RequestForm};
use app::{Actor, AppError};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::account::InvalidInput;
use serde::Deserialize;
use store::refunds::CreditNoteRecord;
use utoipa::{IntoParams, ToSchema};

type ApiResult<T> = Result<T, ApiError>;

async fn view(state: &AppState, actor: &Actor, id: &str) -> ApiResult<ServiceRequest> {
    let view = match actor {
        Actor::Partner(u) => app::service_requests::get_mine(&state.app, u, id).await?,
        Actor::Staff(s) => app::service_requests::get_for_staff(&state.app, s, id).await?,
    };
    full_request_dto(view)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct RequestsQuery {
    /// Partners: `open` (the default) or `closed`. Staff: `open` (the default), `all`, or one
    /// status.
    pub status: Option<String>,
    /// Staff: one type of problem.
    pub problem_type: Option<String>,
    /// Staff: a partner ID or part of an org's name.
    pub org: Option<String>,
    /// Staff: opened at least this many days ago.
    pub older_than_days: Option<String>,
    /// Staff: `mine`, `nobody` or `any` (the default).
    pub assignee: Option<String>,
}

/// The org's requests, newest first; for staff, the queue, oldest first.
#[utoipa::path(get, path = "/api/v1/service-requests", tag = "service requests", params(RequestsQuery, super::page::DateFilter, super::page::PageQuery),
    responses((status = 200, body = ServiceRequestList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    super::ApiQuery(page): super::ApiQuery<super::page::PageQuery>,
    super::ApiQuery(q): super::ApiQuery<RequestsQuery>,
    super::ApiQuery(dates): super::ApiQuery<super::page::DateFilter>,
) -> ApiResult<Json<ServiceRequestList>> {
    let list = match &caller.actor {
        Actor::Partner(u) => {
            let open = match q.status.as_deref() {
                None | Some("open") => true,
                Some("closed") => false,
                Some(_) => return Err(ApiError(InvalidInput::new("status", "write open or closed").into())),
            };
            app::service_requests::list_mine(&state.app, u, open).await?
        }
        Actor::Staff(s) => {
            let typed = QueueQuery {
                status: q.status.as_deref(),
                problem: q.problem_type.as_deref(),
                org: q.org.as_deref(),
                older_than_days: q.older_than_days.as_deref(),
                assignee: q.assignee.as_deref(),
            };
            app::service_requests::queue(&state.app, s, &typed).await?.into_iter().map(|(r, _)| r).collect()
        }
    };
    let list = dates.keep(list, |r| r.created_at)?;
    Ok(Json(ServiceRequestList::from(super::page::Page::of(
        list.into_iter().map(request_dto).collect(),
        |x: &ServiceRequest| x.id.as_str(),
        &page,
    )?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewServiceRequest {
    /// `billing`, `membership`, `competencies`, `account` or `portal`.
    pub problem_type: String,
    /// For `billing`: the subscription it is about.
    #[serde(default)]
    pub subscription_id: String,
    pub title: String,
    pub description: String,
    pub contact_email: String,
    #[serde(default)]
    pub contact_phone: String,
}

/// Opens a service request (Global, Account and Billing admins). Attachments are added in the
/// portal's form.
#[utoipa::path(post, path = "/api/v1/service-requests", tag = "service requests", request_body = NewServiceRequest,
    responses((status = 201, body = ServiceRequest), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    super::ApiJson(body): super::ApiJson<NewServiceRequest>,
) -> ApiResult<(StatusCode, Json<ServiceRequest>)> {
    let form = RequestForm {
        problem: &body.problem_type,
        subscription_id: &body.subscription_id,
        title: &body.title,
        description: &body.description,
        contact_email: &body.contact_email,
        contact_phone: &body.contact_phone,
    };
    let r = app::service_requests::create(&state.app, caller.partner()?, &form, &[], &caller.origin).await?;
    Ok((StatusCode::CREATED, Json(view(&state, &caller.actor, &r.id).await?)))
}

/// One request with its conversation, attachments and refunds (staff also see internal notes).
#[utoipa::path(get, path = "/api/v1/service-requests/{id}", tag = "service requests", params(("id" = String, Path)),
    responses((status = 200, body = ServiceRequest), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<ServiceRequest>> {
    Ok(Json(view(&state, &caller.actor, &id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    /// The text (staff may send an empty body with a new status).
    #[serde(default)]
    pub body: String,
    /// Staff: the request's new status (default: as it is).
    pub status: Option<String>,
    /// Staff: an internal note, never shown to the partner nor sent to them.
    #[serde(default)]
    pub internal: bool,
}

/// Writes in a request: a partner's reply (one waiting for the partner goes back in progress),
/// a staff answer with a status (the partner is told), or a staff internal note.
#[utoipa::path(post, path = "/api/v1/service-requests/{id}/messages", tag = "service requests", params(("id" = String, Path)),
    request_body = NewMessage,
    responses((status = 200, body = ServiceRequest), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn write(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    super::ApiJson(body): super::ApiJson<NewMessage>,
) -> ApiResult<Json<ServiceRequest>> {
    match &caller.actor {
        Actor::Partner(u) => {
            if body.internal || body.status.is_some() {
                return Err(ApiError(AppError::Forbidden(app::text::Text::new(i18n::key(
                    "error-staff-only-status-notes",
                )))));
            }
            app::service_requests::reply(&state.app, u, &id, &body.body, &caller.origin).await?;
        }
        Actor::Staff(s) if body.internal => {
            app::service_requests::note(&state.app, s, &id, &body.body, &caller.origin).await?;
        }
        Actor::Staff(s) => {
            let status = match body.status {
                Some(status) => status,
                None => {
                    app::service_requests::get_for_staff(&state.app, s, &id).await?.request.status.as_str().to_owned()
                }
            };
            app::service_requests::answer(&state.app, s, &id, &body.body, &status, &caller.origin).await?;
        }
    }
    Ok(Json(view(&state, &caller.actor, &id).await?))
}

/// Reopens a request resolved less than 14 days ago (the partner).
#[utoipa::path(post, path = "/api/v1/service-requests/{id}/reopen", tag = "service requests", params(("id" = String, Path)),
    responses((status = 200, body = ServiceRequest), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn reopen(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<ServiceRequest>> {
    app::service_requests::reopen(&state.app, caller.partner()?, &id, &caller.origin).await?;
    Ok(Json(view(&state, &caller.actor, &id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    /// The e-mail address of the staff member who takes it.
    pub assignee: String,
}

/// Hands a request to a staff member (staff).
#[utoipa::path(post, path = "/api/v1/service-requests/{id}/assign", tag = "service requests", params(("id" = String, Path)),
    request_body = AssignRequest,
    responses((status = 200, body = ServiceRequest), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn assign(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    super::ApiJson(body): super::ApiJson<AssignRequest>,
) -> ApiResult<Json<ServiceRequest>> {
    app::service_requests::assign(&state.app, caller.staff()?, &id, &body.assignee, &caller.origin).await?;
    Ok(Json(view(&state, &caller.actor, &id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NameSubscriptionRequest {
    /// One of the org's subscriptions.
    pub subscription_id: String,
}

/// Names the subscription a request is about, when the partner named none (staff); then it can
/// be quoted and cancelled.
#[utoipa::path(post, path = "/api/v1/service-requests/{id}/subscription", tag = "service requests", params(("id" = String, Path)),
    request_body = NameSubscriptionRequest,
    responses((status = 200, body = ServiceRequest), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn name_subscription(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    super::ApiJson(body): super::ApiJson<NameSubscriptionRequest>,
) -> ApiResult<Json<ServiceRequest>> {
    let staff = caller.staff()?;
    app::service_requests::name_subscription(&state.app, staff, &id, &body.subscription_id, &caller.origin).await?;
    Ok(Json(view(&state, &caller.actor, &id).await?))
}

/// The refund cancelling now would give, by the offer's policy (staff), before confirming.
#[utoipa::path(get, path = "/api/v1/service-requests/{id}/cancellation", tag = "service requests", params(("id" = String, Path)),
    responses((status = 200, body = CancellationQuote), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn quote(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<CancellationQuote>> {
    Ok(Json(app::cancellation::quote(&state.app, caller.staff()?, &id).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// `now` (ends today, refunds by the policy) or `term_end` (renewal off, nothing refunded).
    pub when: String,
    /// For `now`: a lower refund than the policy gives, as a decimal ("200.00").
    #[serde(default)]
    pub refund: String,
    /// Why the refund is lower; required when it is.
    #[serde(default)]
    pub reason: String,
}

/// Cancels the subscription the request names (staff). Requires an `Idempotency-Key`: a repeat
/// answers as the first time; a second cancellation refunds nothing more (`subscription_not_live`).
#[utoipa::path(post, path = "/api/v1/service-requests/{id}/cancellation", tag = "service requests",
    params(("id" = String, Path), ("Idempotency-Key" = String, Header, description = "A unique key for this cancellation")),
    request_body = CancelRequest,
    responses((status = 200, body = ServiceRequest), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    super::ApiJson(body): super::ApiJson<CancelRequest>,
) -> Response {
    let hash = app::idempotency::request_hash(&[
        "POST",
        "/api/v1/service-requests/{id}/cancellation",
        &id,
        &body.when,
        &body.refund,
        &body.reason,
    ]);
    idempotent(&state, &caller, &headers, &hash, async {
        let staff = caller.staff()?;
        match body.when.as_str() {
            "now" => {
                let form = app::cancellation::CancelNow { refund: &body.refund, reason: &body.reason, typed_in: None };
                app::cancellation::cancel_now(&state.app, staff, &id, &form, &caller.origin).await?;
            }
            "term_end" => app::service_requests::cancel_at_term_end(&state.app, staff, &id, &caller.origin).await?,
            _ => return Err(ApiError(InvalidInput::new("when", "write now or term_end").into())),
        }
        let request = view(&state, &caller.actor, &id).await?;
        Ok((StatusCode::OK, serde_json::to_value(request).unwrap_or_default()))
    })
    .await
}

async fn note_for(state: &AppState, actor: &Actor, id: &str) -> ApiResult<CreditNoteRecord> {
    let id = known_id(id, "credit note")?;
    Ok(match actor {
        Actor::Partner(u) => app::billing::credit_note(&state.app, u, &id).await?,
        Actor::Staff(s) => app::billing::credit_note_for_staff(&state.app, s, &id).await?,
    })
}

/// The org's credit notes, newest first (Billing admin, Global admin); `from` and `to` filter on
/// the day of issue.
#[utoipa::path(get, path = "/api/v1/credit-notes", tag = "invoices", params(super::page::DateFilter, super::page::PageQuery),
    responses((status = 200, body = CreditNoteList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn list_credit_notes(
    State(state): State<AppState>,
    caller: ApiCaller,
    super::ApiQuery(dates): super::ApiQuery<super::page::DateFilter>,
    super::ApiQuery(page): super::ApiQuery<super::page::PageQuery>,
) -> ApiResult<Json<CreditNoteList>> {
    let notes = app::billing::credit_notes(&state.app, caller.partner()?).await?;
    let notes = dates.keep(notes, |n| n.issued_at)?;
    Ok(Json(CreditNoteList::from(super::page::Page::of(
        notes.into_iter().map(note_dto).collect::<ApiResult<_>>()?,
        |x: &CreditNote| x.id.as_str(),
        &page,
    )?)))
}

/// One credit note (the org's billing roles, or staff).
#[utoipa::path(get, path = "/api/v1/credit-notes/{id}", tag = "invoices", params(("id" = String, Path)),
    responses((status = 200, body = CreditNote), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn get_credit_note(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<CreditNote>> {
    Ok(Json(note_dto(note_for(&state, &caller.actor, &id).await?)?))
}

/// The credit note as a PDF.
#[utoipa::path(get, path = "/api/v1/credit-notes/{id}/pdf", tag = "invoices", params(("id" = String, Path)),
    responses((status = 200, content_type = "application/pdf"), (status = "4XX", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "document_unavailable: the server is missing the fonts it prints with", body = Problem, content_type = "application/problem+json")))]
pub async fn get_credit_note_pdf(
    State(state): State<AppState>,
    caller: ApiCaller,
    Reader(reader): Reader,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let note = note_for(&state, &caller.actor, &id).await?;
    let (_, bytes) = app::billing::credit_note_pdf(&state.app, &note, &reader).await?;
    Ok(([(header::CONTENT_TYPE, "application/pdf")], bytes).into_response())
}

/// Downloads an attachment of a request (the org's users who see its requests, or staff).
#[utoipa::path(get, path = "/api/v1/service-requests/{id}/files/{file_id}", tag = "service requests",
    params(("id" = String, Path), ("file_id" = String, Path)),
    responses((status = 200, content_type = "application/octet-stream"), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn download_file(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((id, file_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (file, bytes) = app::service_requests::file(&state.app, &caller.actor, &id, &file_id).await?;
    Ok(crate::uploads::attachment(&file.name, &file.content_type, bytes))
}

/// Attaches a file to an open request (the org's Global, Account and Billing admins):
/// `multipart/form-data` with a part named `file`; PDF, PNG, JPEG or plain text of at most
/// 2 MB, typed by its bytes; at most 3 per request.
#[utoipa::path(post, path = "/api/v1/service-requests/{id}/files", tag = "service requests", params(("id" = String, Path)),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = AttachedFile), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn upload_file(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<(StatusCode, Json<AttachedFile>)> {
    let user = caller.partner()?;
    let (name, bytes) = crate::uploads::file_part(multipart).await.map_err(ApiError)?;
    let file = app::service_requests::attach_file(&state.app, user, &id, &name, &bytes, &caller.origin).await?;
    Ok((StatusCode::CREATED, Json(file_dto(file))))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportDraw {
    /// The org's support incidents or advisory hours benefit.
    pub benefit_id: String,
    /// Whole incidents or hours, at least 1.
    pub amount: i64,
}

/// Draws down the org's support incidents or advisory hours on the request (staff); the
/// conversation says what was used. Once per `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/service-requests/{id}/support-draws", tag = "service requests",
    params(("id" = String, Path), ("Idempotency-Key" = String, Header, description = "A unique key for this draw")),
    request_body = SupportDraw,
    responses((status = 200, body = ServiceRequest), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn draw(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    super::ApiJson(body): super::ApiJson<SupportDraw>,
) -> Response {
    let hash = app::idempotency::request_hash(&[
        "POST",
        "/api/v1/service-requests/{id}/support-draws",
        &id,
        &body.benefit_id,
        &body.amount.to_string(),
    ]);
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    idempotent(&state, &caller, &headers, &hash, async {
        let staff = caller.staff()?;
        let amount = body.amount.to_string();
        let draw_key = format!("api:{key}");
        app::service_requests::draw_support(
            &state.app,
            staff,
            &id,
            &known_id(&body.benefit_id, "support balance")?,
            &amount,
            &draw_key,
            &caller.origin,
        )
        .await?;
        let request = view(&state, &caller.actor, &id).await?;
        Ok((StatusCode::OK, serde_json::to_value(request).unwrap_or_default()))
    })
    .await
}
