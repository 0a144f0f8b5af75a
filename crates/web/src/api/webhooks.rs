//! Webhooks in the API (program admins): register endpoints, read their deliveries and each
//! attempt, turn them off and on, resend.

use crate::auth::ApiCaller;
use crate::error::{ApiError, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use store::webhooks::{DeliveryRecord, EndpointRecord};
use utoipa::ToSchema;

type ApiResult<T> = Result<T, ApiError>;

/// A receiver of webhooks.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookEndpoint {
    pub id: String,
    pub url: String,
    pub event_types: Vec<String>,
    /// `enabled` or `disabled`.
    pub status: String,
    /// Why it was turned off (by an admin, or after its retries were spent).
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The signing secret: only in the answer that creates the endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// The latest deliveries, newest first (when one endpoint is read).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deliveries: Vec<WebhookDelivery>,
}

super::page::list_of!(WebhookEndpointList, WebhookEndpoint);

/// One event on its way to one endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDelivery {
    pub id: String,
    /// The event's id: the same on every attempt and resend.
    pub event_id: String,
    pub endpoint_id: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// Every attempt, oldest first (when one delivery is read).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub log: Vec<DeliveryAttempt>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryAttempt {
    pub at: DateTime<Utc>,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

fn endpoint_dto(e: EndpointRecord, secret: Option<String>, deliveries: Vec<WebhookDelivery>) -> WebhookEndpoint {
    WebhookEndpoint {
        id: e.id,
        url: e.url,
        event_types: e.event_types,
        status: e.status.as_str().to_owned(),
        disabled_reason: e.disabled_reason,
        created_at: e.created_at,
        secret,
        deliveries,
    }
}

fn delivery_dto(d: DeliveryRecord, log: Vec<app::webhooks::AttemptLog>) -> WebhookDelivery {
    WebhookDelivery {
        id: d.id,
        event_id: d.event_id,
        endpoint_id: d.endpoint_id,
        status: d.status.as_str().to_owned(),
        attempts: d.attempts,
        next_attempt_at: d.next_attempt_at,
        last_status_code: d.last_status,
        last_error: d.last_error,
        delivered_at: d.delivered_at,
        log: log
            .into_iter()
            .map(|(at, status_code, error, duration_ms)| DeliveryAttempt { at, status_code, error, duration_ms })
            .collect(),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookEndpoint {
    /// `https://…` (or `http://…`) of the receiver.
    pub url: String,
    /// Event types (see the list in `WebhookEndpoint`), or `["*"]` for all.
    pub event_types: Vec<String>,
}

/// Registers an endpoint (program admins). The answer carries its signing secret, this once.
#[utoipa::path(post, path = "/api/v1/webhook-endpoints", tag = "webhooks", request_body = NewWebhookEndpoint,
    responses((status = 201, body = WebhookEndpoint), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    super::ApiJson(body): super::ApiJson<NewWebhookEndpoint>,
) -> ApiResult<(StatusCode, Json<WebhookEndpoint>)> {
    let new = app::webhooks::NewEndpoint { url: &body.url, event_types: &body.event_types };
    let (e, secret) = app::webhooks::create_endpoint(&state.app, caller.staff()?, &new, &caller.origin).await?;
    Ok((StatusCode::CREATED, Json(endpoint_dto(e, Some(secret), Vec::new()))))
}

/// Every endpoint (program admins).
#[utoipa::path(get, path = "/api/v1/webhook-endpoints", tag = "webhooks", params(super::page::PageQuery),
    responses((status = 200, body = WebhookEndpointList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    super::ApiQuery(page): super::ApiQuery<super::page::PageQuery>,
) -> ApiResult<Json<WebhookEndpointList>> {
    let all = app::webhooks::endpoints(&state.app, caller.staff()?).await?;
    Ok(Json(WebhookEndpointList::from(super::page::Page::of(
        all.into_iter().map(|e| endpoint_dto(e, None, Vec::new())).collect(),
        |x: &WebhookEndpoint| x.id.as_str(),
        &page,
    )?)))
}

/// One endpoint with its latest deliveries.
#[utoipa::path(get, path = "/api/v1/webhook-endpoints/{id}", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 200, body = WebhookEndpoint), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<WebhookEndpoint>> {
    let (e, deliveries) = app::webhooks::endpoint(&state.app, caller.staff()?, &id).await?;
    let deliveries = deliveries.into_iter().map(|(d, _)| delivery_dto(d, Vec::new())).collect();
    Ok(Json(endpoint_dto(e, None, deliveries)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointChange {
    /// `true` turns it on (after a fix), `false` off.
    pub enabled: bool,
}

/// Turns an endpoint on or off.
#[utoipa::path(post, path = "/api/v1/webhook-endpoints/{id}/status", tag = "webhooks", params(("id" = String, Path)),
    request_body = EndpointChange,
    responses((status = 200, body = WebhookEndpoint), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn set_status(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    super::ApiJson(body): super::ApiJson<EndpointChange>,
) -> ApiResult<Json<WebhookEndpoint>> {
    let staff = caller.staff()?;
    app::webhooks::set_enabled(&state.app, staff, &id, body.enabled, &caller.origin).await?;
    let (e, _) = app::webhooks::endpoint(&state.app, staff, &id).await?;
    Ok(Json(endpoint_dto(e, None, Vec::new())))
}

/// One delivery with the log of its attempts.
#[utoipa::path(get, path = "/api/v1/webhook-deliveries/{id}", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 200, body = WebhookDelivery), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn get_delivery(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<WebhookDelivery>> {
    let (d, log) = app::webhooks::delivery(&state.app, caller.staff()?, &id).await?;
    Ok(Json(delivery_dto(d, log)))
}

/// **Resend**: the delivery goes out again with the same event id, from the start of its
/// schedule.
#[utoipa::path(post, path = "/api/v1/webhook-deliveries/{id}/resend", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 200, body = WebhookDelivery), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn resend(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<WebhookDelivery>> {
    let staff = caller.staff()?;
    app::webhooks::resend(&state.app, staff, &id, &caller.origin).await?;
    let (d, log) = app::webhooks::delivery(&state.app, staff, &id).await?;
    Ok(Json(delivery_dto(d, log)))
}

/// An event as receivers get it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub org_id: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The body that was (or will be) posted.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

super::page::list_of!(EventList, Event);

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Only events of this type.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub event_type: Option<String>,
}

/// The events recorded for webhooks, newest first (program admins). An event is recorded when
/// some endpoint asked for its type.
#[utoipa::path(get, path = "/api/v1/events", tag = "webhooks", params(EventsQuery, super::page::PageQuery),
    responses((status = 200, body = EventList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn list_events(
    State(state): State<AppState>,
    caller: ApiCaller,
    super::ApiQuery(q): super::ApiQuery<EventsQuery>,
    super::ApiQuery(page): super::ApiQuery<super::page::PageQuery>,
) -> ApiResult<Json<EventList>> {
    let after = page.starting_after.as_deref();
    let events =
        app::webhooks::events(&state.app, caller.staff()?, q.event_type.as_deref(), after, page.fetch_size()?).await?;
    let data: Vec<Event> = events
        .into_iter()
        .map(|e| Event {
            payload: serde_json::from_str(&e.payload).unwrap_or(serde_json::Value::Null),
            id: e.id,
            event_type: e.event_type,
            org_id: e.org_id,
            created_at: e.created_at,
        })
        .collect();
    Ok(Json(EventList::from(super::page::Page::from_fetched(data, |e: &Event| e.id.as_str(), &page)?)))
}
