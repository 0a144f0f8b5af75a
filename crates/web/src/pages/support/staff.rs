//! Support in the staff console: the request queue (filters by status, type, org, age and
//! handler) and a request's page, with answers, internal notes, assignment, support draw-downs
//! and cancellation (at the end of the term, or now with a refund shown before it is confirmed).

use super::rows::{MessageForm, MessageRow, RefundRow, RequestRow, file_rows, messages, refund_rows, row};
use crate::auth::{StaffSession, WebOrigin};
use crate::csrf::CsrfToken;
use crate::error::{PageError, known_id};
use crate::pages::common::Chrome;
use crate::present::{offer_name, refund_basis, subscription_status};
use crate::state::AppState;
use app::AppError;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use domain::ids::{BenefitId, SubscriptionId};
use domain::service_request::{ProblemType, RequestStatus};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff/requests/{id}/files/{file_id}", get(staff_download))
        .route("/staff/requests", get(queue))
        .route("/staff/requests/{id}", get(staff_detail))
        .route("/staff/requests/{id}/answer", post(answer))
        .route("/staff/requests/{id}/draw", post(draw))
        .route("/staff/requests/{id}/cancel-at-term-end", post(cancel_at_term_end))
        .route("/staff/requests/{id}/cancel-now", post(cancel_now))
        .route("/staff/requests/{id}/subscription", post(name_subscription))
        .route("/staff/requests/{id}/note", post(note))
        .route("/staff/requests/{id}/assign", post(assign))
}

async fn staff_download(
    State(state): State<AppState>,
    s: StaffSession,
    Path((id, file_id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (f, bytes) = app::service_requests::file(&state.app, &app::Actor::Staff(s.staff), &id, &file_id).await?;
    Ok(crate::uploads::attachment(&f.name, &f.content_type, bytes))
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/requests.html")]
struct QueuePage {
    chrome: Chrome,
    q: QueueQuery,
    problems: Vec<(&'static str, &'static str)>,
    /// The status filter's choices: its word and its label.
    statuses: Vec<(&'static str, String)>,
    /// The handler filter's choices: its word and its label.
    assignees: Vec<(&'static str, String)>,
    /// Each request with its org's name and its handler.
    requests: Vec<(RequestRow, String, String)>,
    error: Option<String>,
}

/// The queue's filter form, as sent.
#[derive(Deserialize, Default)]
struct QueueQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    problem: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    older_than_days: String,
    #[serde(default)]
    assignee: String,
}

async fn queue(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: StaffSession,
    Query(q): Query<QueueQuery>,
) -> Result<QueuePage, PageError> {
    let typed = app::service_requests::QueueQuery {
        status: Some(q.status.as_str()).filter(|v| !v.is_empty()),
        problem: Some(q.problem.as_str()),
        org: Some(q.org.as_str()),
        older_than_days: Some(q.older_than_days.as_str()),
        assignee: Some(q.assignee.as_str()),
    };
    // A filter that is not understood shows the form again with the reason, and no rows.
    let (list, error) = match app::service_requests::queue(&state.app, &s.staff, &typed).await {
        Ok(list) => (list, None),
        Err(e @ AppError::Invalid(_)) => (Vec::new(), Some(e.to_string())),
        Err(e) => return Err(e.into()),
    };
    let q = QueueQuery { status: if q.status.is_empty() { "open".into() } else { q.status }, ..q };
    Ok(QueuePage {
        chrome: Chrome::staff(&s.lang, &s.lang.t("staff-requests-title"), &csrf, &s.staff),
        q,
        problems: ProblemType::ALL.iter().map(|p| (p.as_str(), p.label())).collect(),
        statuses: vec![
            ("open", s.lang.t("staff-requests-open")),
            ("new", s.lang.t("staff-requests-new")),
            ("in_progress", s.lang.t("staff-requests-in-progress")),
            ("waiting_for_partner", s.lang.t("staff-requests-waiting")),
            ("resolved", s.lang.t("staff-requests-resolved")),
            ("closed", s.lang.t("staff-requests-closed")),
            ("all", s.lang.t("staff-all")),
        ],
        assignees: vec![
            ("", s.lang.t("staff-requests-anyone")),
            ("mine", s.lang.t("staff-requests-me")),
            ("nobody", s.lang.t("staff-requests-nobody")),
        ],
        requests: list
            .iter()
            .map(|(r, org)| (row(&s.lang, r), org.clone(), r.assignee.clone().unwrap_or_default()))
            .collect(),
        error,
    })
}

/// One line of the refund shown before the agent confirms a cancellation.
struct QuoteRow {
    invoice: String,
    term: String,
    paid: String,
    due: String,
    basis: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/request.html")]
struct StaffDetailPage {
    chrome: Chrome,
    r: RequestRow,
    org_id: String,
    org_name: String,
    contact: String,
    assignee: String,
    /// Staff the request can be handed to: name, address; `me` is the viewer's address.
    agents: Vec<(String, String)>,
    me: String,
    messages: Vec<MessageRow>,
    files: Vec<(String, String, String)>,
    refunds: Vec<RefundRow>,
    statuses: Vec<(&'static str, String)>,
    current: String,
    closed: bool,
    /// The org's live support balances: benefit id, what it is, what is left.
    balances: Vec<(BenefitId, String, i64)>,
    /// The subscription the request is about: its name, status and term.
    subscription: Option<String>,
    /// When the request names none: the org's subscriptions an agent can name (id, what).
    org_subscriptions: Vec<(SubscriptionId, String)>,
    /// Whether it can be cancelled (it is live), and what cancelling now would refund.
    cancellable: bool,
    quote: Vec<QuoteRow>,
    quote_total: String,
    /// The total as the refund field starts ("312.33").
    quote_amount: String,
    /// A fresh key for the draw-down form, so a resubmitted form draws once.
    draw_key: String,
    error: Option<String>,
}

async fn staff_page(
    state: &AppState,
    csrf: &CsrfToken,
    s: &StaffSession,
    id: &str,
    error: Option<String>,
) -> Result<StaffDetailPage, AppError> {
    let view = app::service_requests::get_for_staff(&state.app, &s.staff, id).await?;
    let lang = &s.lang;
    let term = |start, end| lang.t2("staff-term-dates", "start", lang.day(start), "end", lang.day(end));
    let r = view.request;
    let balances = app::benefits::support_balances(&state.app, &s.staff, &r.org_id).await?;
    let (org, _, _) = app::staff::org_detail(&state.app, &s.staff, &r.org_id).await?;
    let quote = match &r.subscription_id {
        Some(_) => match app::cancellation::quote(&state.app, &s.staff, &r.id).await {
            Ok(q) => Some(q),
            Err(AppError::Forbidden(_) | AppError::NotFound(_)) => None,
            Err(e) => return Err(e),
        },
        None => None,
    };
    let org_subscriptions = match &r.subscription_id {
        Some(_) => Vec::new(),
        None => app::staff::org_billing(&state.app, &s.staff, &r.org_id)
            .await?
            .0
            .into_iter()
            .map(|sub| {
                let what = lang.t_with(
                    "staff-request-subscription-ending",
                    &[
                        ("offer", offer_name(&state.app.catalog(), lang, &sub.offer_code, &sub.offer_name).into()),
                        ("status", lang.text(subscription_status(sub.status)).into()),
                        ("end", lang.day(sub.term_end).into()),
                    ],
                );
                (sub.id, what)
            })
            .collect(),
    };
    Ok(StaffDetailPage {
        org_subscriptions,
        org_name: lang.t2("staff-request-org", "name", org.name.as_str(), "partner", org.partner_id.to_string()),
        balances: balances.into_iter().map(|(id, _, product, left)| (id, product, left)).collect(),
        draw_key: state.app.new_secret("draw"),
        subscription: quote.as_ref().map(|q| {
            let sub = &q.subscription;
            lang.t_with(
                "staff-request-subscription",
                &[
                    ("offer", offer_name(&state.app.catalog(), lang, &sub.offer_code, &sub.offer_name).into()),
                    ("status", lang.text(subscription_status(sub.status)).into()),
                    ("term", term(sub.term_start, sub.term_end).into()),
                ],
            )
        }),
        cancellable: quote.as_ref().is_some_and(|q| q.live),
        quote: quote
            .as_ref()
            .map(|q| {
                q.lines
                    .iter()
                    .map(|l| QuoteRow {
                        invoice: l.invoice_number.clone(),
                        term: term(l.term.start, l.term.end),
                        paid: lang.money(l.paid),
                        due: lang.money(l.due),
                        basis: refund_basis(lang, &l.basis),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        quote_total: quote.as_ref().map(|q| lang.money(q.total)).unwrap_or_default(),
        quote_amount: quote.as_ref().map(|q| lang.amount(q.total)).unwrap_or_default(),
        chrome: Chrome::staff(lang, &lang.t1("staff-request-title", "number", r.number.as_str()), csrf, &s.staff),
        org_id: r.org_id.to_string(),
        contact: match &r.contact_phone {
            Some(phone) => format!("{}, {phone}", r.contact_email),
            None => r.contact_email.clone(),
        },
        assignee: r.assignee.clone().unwrap_or_else(|| lang.t("staff-request-nobody-yet")),
        agents: app::service_requests::agents(&state.app, &s.staff).await?,
        me: s.staff.email.to_string(),
        files: file_rows(&s.lang, &view.files),
        messages: messages(&s.lang, view.messages),
        refunds: refund_rows(&s.lang, &view.refunds, true)?,
        statuses: RequestStatus::ALL.iter().map(|st| (st.as_str(), st.to_string())).collect(),
        current: r.status.as_str().to_owned(),
        closed: r.status == RequestStatus::Closed,
        r: row(&s.lang, &r),
        error,
    })
}

async fn staff_detail(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: StaffSession,
    Path(id): Path<String>,
) -> Result<StaffDetailPage, PageError> {
    Ok(staff_page(&state, &csrf, &s, &id, None).await?)
}

async fn answer(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    s: StaffSession,
    Path(id): Path<String>,
    Form(form): Form<MessageForm>,
) -> Response {
    let result = app::service_requests::answer(&state.app, &s.staff, &id, &form.body, &form.status, &origin).await;
    back_to_request(&state, &csrf, &s, &id, result).await
}

#[derive(Deserialize)]
struct DrawForm {
    #[serde(default)]
    benefit_id: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    key: String,
}

async fn draw(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    s: StaffSession,
    Path(id): Path<String>,
    Form(form): Form<DrawForm>,
) -> Response {
    let result = match known_id(&form.benefit_id, "support balance") {
        Ok(benefit_id) => {
            app::service_requests::draw_support(
                &state.app,
                &s.staff,
                &id,
                &benefit_id,
                &form.amount,
                &form.key,
                &origin,
            )
            .await
        }
        Err(e) => Err(e),
    };
    back_to_request(&state, &csrf, &s, &id, result).await
}

async fn cancel_at_term_end(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    s: StaffSession,
    Path(id): Path<String>,
) -> Response {
    let result = app::service_requests::cancel_at_term_end(&state.app, &s.staff, &id, &origin).await;
    back_to_request(&state, &csrf, &s, &id, result).await
}

#[derive(Deserialize)]
struct CancelForm {
    #[serde(default)]
    refund: String,
    #[serde(default)]
    reason: String,
}

async fn cancel_now(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    s: StaffSession,
    Path(id): Path<String>,
    Form(form): Form<CancelForm>,
) -> Response {
    // Step-up: a cancellation now moves money back.
    if let Err(to) = crate::pages::common::step_up(&state, &s.current, &format!("/staff/requests/{id}")).await {
        return to;
    }
    let typed = app::cancellation::CancelNow { refund: &form.refund, reason: &form.reason, typed_in: Some(&s.lang) };
    let result = app::cancellation::cancel_now(&state.app, &s.staff, &id, &typed, &origin).await;
    back_to_request(&state, &csrf, &s, &id, result).await
}

async fn note(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    s: StaffSession,
    Path(id): Path<String>,
    Form(form): Form<MessageForm>,
) -> Response {
    let result = app::service_requests::note(&state.app, &s.staff, &id, &form.body, &origin).await;
    back_to_request(&state, &csrf, &s, &id, result).await
}

#[derive(Deserialize)]
struct AssignForm {
    #[serde(default)]
    assignee: String,
}

async fn assign(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    s: StaffSession,
    Path(id): Path<String>,
    Form(form): Form<AssignForm>,
) -> Response {
    let result = app::service_requests::assign(&state.app, &s.staff, &id, &form.assignee, &origin).await;
    back_to_request(&state, &csrf, &s, &id, result).await
}

#[derive(Deserialize)]
struct NameSubscriptionForm {
    #[serde(default)]
    subscription_id: String,
}

async fn name_subscription(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    s: StaffSession,
    Path(id): Path<String>,
    Form(form): Form<NameSubscriptionForm>,
) -> Response {
    let result =
        app::service_requests::name_subscription(&state.app, &s.staff, &id, &form.subscription_id, &origin).await;
    back_to_request(&state, &csrf, &s, &id, result).await
}

/// After a staff action on a request: back to its page, or the page again with the reason.
async fn back_to_request<T>(
    state: &AppState,
    csrf: &CsrfToken,
    s: &StaffSession,
    id: &str,
    result: Result<T, AppError>,
) -> Response {
    let result = result.map(|_| format!("/staff/requests/{id}"));
    crate::pages::common::after_post(result, &s.lang, |message| staff_page(state, csrf, s, id, Some(message))).await
}
