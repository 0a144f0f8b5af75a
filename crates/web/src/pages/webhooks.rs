//! Webhooks in the staff console (program admins): register an endpoint (its secret is shown
//! once), see its deliveries with every attempt's answer, turn it off and on, **Resend**.

use super::common::Chrome;
use crate::auth::{StaffSession, WebOrigin};
use crate::csrf::CsrfToken;
use crate::error::PageError;
use crate::state::AppState;
use app::AppError;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use domain::webhook::{EVENT_TYPES, EndpointStatus};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff/webhooks", get(list).post(create))
        .route("/staff/webhooks/{id}", get(detail))
        .route("/staff/webhooks/{id}/enable", post(enable))
        .route("/staff/webhooks/{id}/disable", post(disable))
        .route("/staff/webhooks/{id}/deliveries/{delivery}/resend", post(resend))
}

struct EndpointRow {
    id: String,
    url: String,
    types: String,
    /// Deliveries go to it (else it was turned off, by staff or after failures).
    enabled: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/webhooks.html")]
struct ListPage {
    chrome: Chrome,
    endpoints: Vec<EndpointRow>,
    /// Every event type, and whether the form has it ticked.
    event_types: Vec<(&'static str, bool)>,
    url: String,
    /// The secret of the endpoint just made, shown this once.
    created: Option<(String, String)>,
    error: Option<String>,
}

async fn list_page(
    state: &AppState,
    csrf: &CsrfToken,
    s: &StaffSession,
    url: String,
    checked: Vec<String>,
    created: Option<(String, String)>,
    error: Option<String>,
) -> Result<ListPage, AppError> {
    let endpoints = app::webhooks::endpoints(&state.app, &s.staff).await?;
    Ok(ListPage {
        chrome: Chrome::staff(&s.lang, &s.lang.t("staff-webhooks-title"), csrf, &s.staff),
        endpoints: endpoints
            .into_iter()
            .map(|e| EndpointRow {
                id: e.id,
                url: e.url,
                types: e.event_types.join(", "),
                enabled: e.status == EndpointStatus::Enabled,
            })
            .collect(),
        event_types: EVENT_TYPES.iter().map(|t| (*t, checked.iter().any(|c| c == t))).collect(),
        url,
        created,
        error,
    })
}

async fn list(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: StaffSession,
) -> Result<ListPage, PageError> {
    Ok(list_page(&state, &csrf, &s, String::new(), Vec::new(), None, None).await?)
}

/// Registers an endpoint and shows its secret on the page that answers (never again).
async fn create(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    s: StaffSession,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(to) = super::common::step_up(&state, &s.current, "/staff/webhooks").await {
        return to;
    }
    let url = fields.iter().find(|(k, _)| k == "url").map(|(_, v)| v.clone()).unwrap_or_default();
    let types: Vec<String> = fields.iter().filter(|(k, _)| k == "event_types").map(|(_, v)| v.clone()).collect();
    let new = app::webhooks::NewEndpoint { url: &url, event_types: &types };
    let page = match app::webhooks::create_endpoint(&state.app, &s.staff, &new, &origin).await {
        Ok((endpoint, secret)) => {
            list_page(&state, &csrf, &s, String::new(), Vec::new(), Some((endpoint.url, secret)), None).await
        }
        Err(e @ (AppError::Invalid(_) | AppError::Forbidden(_))) => {
            let status = crate::error::status_of(&e);
            return match list_page(&state, &csrf, &s, url, types, None, Some(e.to_string())).await {
                Ok(page) => (status, page).into_response(),
                Err(e) => PageError(e).into_response(),
            };
        }
        Err(e) => Err(e),
    };
    match page {
        Ok(page) => page.into_response(),
        Err(e) => PageError(e).into_response(),
    }
}

struct DeliveryRow {
    id: String,
    event_id: String,
    event_type: String,
    status: String,
    attempts: i64,
    last: String,
    at: String,
    /// Every attempt: when, what the receiver answered.
    log: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/webhook.html")]
struct DetailPage {
    chrome: Chrome,
    e: EndpointRow,
    disabled_reason: Option<String>,
    deliveries: Vec<DeliveryRow>,
    error: Option<String>,
}

async fn detail_page(
    state: &AppState,
    csrf: &CsrfToken,
    s: &StaffSession,
    id: &str,
    error: Option<String>,
) -> Result<DetailPage, AppError> {
    let (e, deliveries) = app::webhooks::endpoint(&state.app, &s.staff, id).await?;
    let lang = &s.lang;
    let mut rows = Vec::with_capacity(deliveries.len());
    for (d, event_type) in deliveries {
        let log = app::webhooks::delivery(&state.app, &s.staff, &d.id)
            .await?
            .1
            .into_iter()
            .map(|(at, code, error, ms)| {
                let answer = match (code, error) {
                    (Some(code), None) => format!("{code}"),
                    (Some(code), Some(_)) => lang.t1("staff-webhook-failed", "code", code.to_string()),
                    (None, Some(error)) => error,
                    (None, None) => String::new(),
                };
                lang.t_with(
                    "staff-webhook-log-line",
                    &[("at", lang.moment(at).into()), ("answer", answer.into()), ("ms", ms.to_string().into())],
                )
            })
            .collect();
        rows.push(DeliveryRow {
            last: match (d.last_status, &d.last_error) {
                (_, Some(error)) => error.clone(),
                (Some(code), None) => code.to_string(),
                (None, None) => lang.t("staff-webhook-not-tried"),
            },
            at: lang.moment(d.created_at),
            id: d.id,
            event_id: d.event_id,
            event_type,
            status: d.status.as_str().to_owned(),
            attempts: d.attempts,
            log,
        });
    }
    Ok(DetailPage {
        chrome: Chrome::staff(lang, &lang.t("staff-webhook-title"), csrf, &s.staff),
        disabled_reason: e.disabled_reason.clone(),
        e: EndpointRow {
            id: e.id,
            url: e.url,
            types: e.event_types.join(", "),
            enabled: e.status == EndpointStatus::Enabled,
        },
        deliveries: rows,
        error,
    })
}

async fn detail(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: StaffSession,
    Path(id): Path<String>,
) -> Result<DetailPage, PageError> {
    Ok(detail_page(&state, &csrf, &s, &id, None).await?)
}

async fn back<T>(
    state: &AppState,
    csrf: &CsrfToken,
    s: &StaffSession,
    id: &str,
    result: Result<T, AppError>,
) -> Response {
    let result = result.map(|_| format!("/staff/webhooks/{id}"));
    super::common::after_post(result, &s.lang, |message| detail_page(state, csrf, s, id, Some(message))).await
}

async fn enable(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    s: StaffSession,
    Path(id): Path<String>,
) -> Response {
    let result = app::webhooks::set_enabled(&state.app, &s.staff, &id, true, &origin).await;
    back(&state, &csrf, &s, &id, result).await
}

async fn disable(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    s: StaffSession,
    Path(id): Path<String>,
) -> Response {
    let result = app::webhooks::set_enabled(&state.app, &s.staff, &id, false, &origin).await;
    back(&state, &csrf, &s, &id, result).await
}

async fn resend(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    s: StaffSession,
    Path((id, delivery)): Path<(String, String)>,
) -> Response {
    let result = app::webhooks::resend(&state.app, &s.staff, &delivery, &origin).await;
    back(&state, &csrf, &s, &id, result).await
}
