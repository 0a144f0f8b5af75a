//! Support in the portal (**Report problems** → **New request** → **Submit**; **Service
//! requests > Partner requests** with **Open** and **Closed**; the conversation, a reply,
//! reopening, what staff did) and the staff console's request queue (filters by status, type,
//! org, age and handler), with answers, internal notes, assignment, support draw-downs and
//! cancellation (at the end of the term, or now with a refund shown before it is confirmed).

use super::checkout::{money, term_text};
use super::{Chrome, NoticeQuery, day, when};
use crate::auth::{PartnerSession, StaffSession, WebOrigin};
use crate::csrf::CsrfToken;
use crate::error::PageError;
use crate::state::AppState;
use app::AppError;
use app::service_requests::{RefundView, RequestForm};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use domain::service_request::{ProblemType, RequestStatus};
use serde::Deserialize;
use store::service_requests::{MessageRecord, RequestRecord};

/// The New request form, which may carry attachments (the larger body limit of uploads).
pub fn upload_routes() -> Router<AppState> {
    Router::new().route("/support/requests", post(create))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/support/report", get(report))
        .route("/support/requests", get(list))
        .route("/support/requests/{id}/files/{file_id}", get(download))
        .route("/staff/requests/{id}/files/{file_id}", get(staff_download))
        .route("/support/requests/new", get(new_form))
        .route("/support/requests/{id}", get(detail))
        .route("/support/requests/{id}/reply", post(reply))
        .route("/support/requests/{id}/reopen", post(reopen))
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

struct RequestRow {
    id: String,
    number: String,
    title: String,
    problem: &'static str,
    status: String,
    opened: String,
    updated: String,
}

fn row(r: &RequestRecord) -> RequestRow {
    let status: RequestStatus = r.status.parse().unwrap_or(RequestStatus::Closed);
    RequestRow {
        id: r.id.clone(),
        number: r.number.clone(),
        title: r.title.clone(),
        problem: ProblemType::parse(&r.problem_type).map_or("Other", ProblemType::label),
        status: status.to_string(),
        opened: when(r.created_at),
        updated: when(r.updated_at),
    }
}

struct MessageRow {
    staff: bool,
    internal: bool,
    author: String,
    at: String,
    body: String,
}

fn messages(list: Vec<MessageRecord>) -> Vec<MessageRow> {
    list.into_iter()
        .map(|m| MessageRow {
            staff: m.author_kind != "partner",
            internal: m.author_kind == app::service_requests::INTERNAL,
            author: m.author_name,
            at: when(m.created_at),
            body: m.body,
        })
        .collect()
}

/// A refund made on a request, as both sides see it.
struct RefundRow {
    amount: String,
    invoice: String,
    /// "Made on 2027-05-02" or "Pending: …".
    state: String,
    pending: bool,
    /// The credit note's id and number, once issued.
    credit_note: Option<(String, String)>,
}

/// Refunds as the request page shows them: staff read the gateway's own words for a refund that
/// is late; the partner is told in plain words that it will be tried again.
fn refund_rows(refunds: &[RefundView], staff: bool) -> Vec<RefundRow> {
    refunds
        .iter()
        .map(|v| {
            let r = &v.refund;
            RefundRow {
                amount: money(r.amount_minor, &r.currency),
                invoice: v.invoice_number.clone(),
                state: match (&r.refunded_at, &r.last_error) {
                    (Some(at), _) => format!("Made on {}", day(*at)),
                    (None, Some(e)) if staff => {
                        format!("Pending: the payment gateway did not make it yet ({e}); tried again automatically")
                    }
                    (None, Some(_)) => {
                        "Pending: the payment gateway has not made it yet; we try again automatically".into()
                    }
                    (None, None) => "Pending: being sent to the payment gateway".into(),
                },
                pending: r.status == "pending",
                credit_note: v.credit_note.as_ref().map(|n| (n.id.clone(), n.number.clone())),
            }
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/support_report.html")]
struct ReportPage {
    chrome: Chrome,
}

/// Who may not open a request is told so before filling in anything.
const NO_SUPPORT: &str = "open service requests; ask an admin of your org";

async fn report(Extension(csrf): Extension<CsrfToken>, session: PartnerSession) -> Result<ReportPage, PageError> {
    session.user.require(domain::roles::PartnerPermission::UseSupport, NO_SUPPORT)?;
    Ok(ReportPage { chrome: Chrome::partner("Report problems", &csrf, &session.user) })
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/support_new.html")]
struct NewRequestPage {
    chrome: Chrome,
    problems: Vec<(&'static str, &'static str)>,
    subscriptions: Vec<(String, String)>,
    form: NewForm,
    error: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
struct NewForm {
    #[serde(default)]
    problem: String,
    #[serde(default)]
    subscription_id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    contact_phone: String,
}

async fn new_page(
    state: &AppState,
    csrf: &CsrfToken,
    session: &PartnerSession,
    form: NewForm,
    error: Option<String>,
) -> Result<NewRequestPage, AppError> {
    let subs = app::invoices::subscriptions(&state.app, &session.user).await.unwrap_or_default();
    let form = if form.contact_email.is_empty() {
        NewForm { contact_email: session.user.email.clone(), ..form }
    } else {
        form
    };
    Ok(NewRequestPage {
        chrome: Chrome::partner("New request", csrf, &session.user),
        problems: ProblemType::ALL.iter().map(|p| (p.as_str(), p.label())).collect(),
        subscriptions: subs
            .into_iter()
            .map(|s| (s.id.clone(), format!("{} subscription (term ends {})", s.offer_name, s.term_end)))
            .collect(),
        form,
        error,
    })
}

async fn new_form(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    session: PartnerSession,
) -> Result<NewRequestPage, PageError> {
    session.user.require(domain::roles::PartnerPermission::UseSupport, NO_SUPPORT)?;
    Ok(new_page(&state, &csrf, &session, NewForm::default(), None).await?)
}

async fn create(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    session: PartnerSession,
    request: axum::extract::Request,
) -> Response {
    let (fields, files) = match crate::uploads::form_with_files(request).await {
        Ok(sent) => sent,
        Err(e) => {
            return super::after_post(Err::<String, _>(e), |m| {
                new_page(&state, &csrf, &session, NewForm::default(), Some(m))
            })
            .await;
        }
    };
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let form = NewForm {
        problem: field("problem"),
        subscription_id: field("subscription_id"),
        title: field("title"),
        description: field("description"),
        contact_email: field("contact_email"),
        contact_phone: field("contact_phone"),
    };
    let typed = RequestForm {
        problem: &form.problem,
        subscription_id: &form.subscription_id,
        title: &form.title,
        description: &form.description,
        contact_email: &form.contact_email,
        contact_phone: &form.contact_phone,
    };
    let result = app::service_requests::create(&state.app, &session.user, &typed, &files, &origin)
        .await
        .map(|r| format!("/support/requests/{}?notice=request_opened", r.id));
    super::after_post(result, |message| new_page(&state, &csrf, &session, form.clone(), Some(message))).await
}

async fn download(
    State(state): State<AppState>,
    session: PartnerSession,
    Path((id, file_id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (f, bytes) = app::service_requests::file(&state.app, &app::Actor::Partner(session.user), &id, &file_id).await?;
    Ok(crate::uploads::attachment(&f.name, &f.content_type, bytes))
}

async fn staff_download(
    State(state): State<AppState>,
    s: StaffSession,
    Path((id, file_id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (f, bytes) = app::service_requests::file(&state.app, &app::Actor::Staff(s.staff), &id, &file_id).await?;
    Ok(crate::uploads::attachment(&f.name, &f.content_type, bytes))
}

/// An attachment as a request's page lists it: id, name, size.
fn file_rows(files: &[store::files::FileRecord]) -> Vec<(String, String, String)> {
    files.iter().map(|f| (f.id.clone(), f.name.clone(), format!("{} KB", (f.size_bytes + 1023) / 1024))).collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/support_requests.html")]
struct ListPage {
    chrome: Chrome,
    open: bool,
    requests: Vec<RequestRow>,
}

#[derive(Deserialize)]
struct ListQuery {
    show: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    session: PartnerSession,
    Query(q): Query<ListQuery>,
) -> Result<ListPage, PageError> {
    let open = q.show.as_deref() != Some("closed");
    let requests = app::service_requests::list_mine(&state.app, &session.user, open).await?;
    Ok(ListPage {
        chrome: Chrome::partner("Partner requests", &csrf, &session.user),
        open,
        requests: requests.iter().map(row).collect(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/support_request.html")]
struct DetailPage {
    chrome: Chrome,
    r: RequestRow,
    contact: String,
    /// The subscription the request is about: its id and its name.
    subscription: Option<(String, String)>,
    messages: Vec<MessageRow>,
    files: Vec<(String, String, String)>,
    refunds: Vec<RefundRow>,
    can_reply: bool,
    can_reopen: bool,
    error: Option<String>,
}

async fn detail_page(
    state: &AppState,
    csrf: &CsrfToken,
    session: &PartnerSession,
    id: &str,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<DetailPage, AppError> {
    let view = app::service_requests::get_mine(&state.app, &session.user, id).await?;
    let r = view.request;
    let status: RequestStatus = r.status.parse().unwrap_or(RequestStatus::Closed);
    let reopenable = domain::service_request::check_reopen(status, r.resolved_at, state.app.now()).is_ok();
    Ok(DetailPage {
        chrome: Chrome::partner(&format!("Service request {}", r.number), csrf, &session.user).with_notice(notice),
        contact: match &r.contact_phone {
            Some(phone) => format!("{}, {phone}", r.contact_email),
            None => r.contact_email.clone(),
        },
        subscription: match &r.subscription_id {
            Some(sub) => Some(match app::invoices::subscription(&state.app, &session.user, sub).await {
                Ok(s) => (s.id, format!("{} subscription (term ends {})", s.offer_name, s.term_end)),
                Err(_) => (sub.clone(), sub.clone()),
            }),
            None => None,
        },
        can_reply: status.is_open(),
        can_reopen: reopenable,
        refunds: refund_rows(&view.refunds, false),
        files: file_rows(&view.files),
        messages: messages(view.messages),
        r: row(&r),
        error,
    })
}

async fn detail(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    session: PartnerSession,
    Path(id): Path<String>,
    q: Query<NoticeQuery>,
) -> Result<DetailPage, PageError> {
    Ok(detail_page(&state, &csrf, &session, &id, q.message(), None).await?)
}

#[derive(Deserialize)]
struct MessageForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    status: String,
}

async fn reply(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    session: PartnerSession,
    Path(id): Path<String>,
    Form(form): Form<MessageForm>,
) -> Response {
    let result = app::service_requests::reply(&state.app, &session.user, &id, &form.body, &origin)
        .await
        .map(|()| format!("/support/requests/{id}?notice=reply_sent"));
    super::after_post(result, |message| detail_page(&state, &csrf, &session, &id, None, Some(message))).await
}

async fn reopen(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    session: PartnerSession,
    Path(id): Path<String>,
) -> Response {
    let result = app::service_requests::reopen(&state.app, &session.user, &id, &origin)
        .await
        .map(|()| format!("/support/requests/{id}?notice=request_reopened"));
    super::after_post(result, |message| detail_page(&state, &csrf, &session, &id, None, Some(message))).await
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/requests.html")]
struct QueuePage {
    chrome: Chrome,
    q: QueueQuery,
    problems: Vec<(&'static str, &'static str)>,
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
        chrome: Chrome::staff("Service requests", &csrf, &s.staff),
        q,
        problems: ProblemType::ALL.iter().map(|p| (p.as_str(), p.label())).collect(),
        requests: list.iter().map(|(r, org)| (row(r), org.clone(), r.assignee.clone().unwrap_or_default())).collect(),
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
    balances: Vec<(String, String, i64)>,
    /// The subscription the request is about: its name, status and term.
    subscription: Option<String>,
    /// When the request names none: the org's subscriptions an agent can name (id, what).
    org_subscriptions: Vec<(String, String)>,
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
                let status =
                    sub.status.parse::<domain::subscription::Status>().map_or(sub.status.clone(), |s| s.to_string());
                (sub.id, format!("{} subscription, {status}, term ends {}", sub.offer_name, sub.term_end))
            })
            .collect(),
    };
    Ok(StaffDetailPage {
        org_subscriptions,
        org_name: format!("{} (partner ID {})", org.name, org.partner_id),
        balances: balances.into_iter().map(|(id, _, product, left)| (id, product, left)).collect(),
        draw_key: state.app.new_secret("draw"),
        subscription: quote.as_ref().map(|q| {
            let sub = &q.subscription;
            let status =
                sub.status.parse::<domain::subscription::Status>().map_or(sub.status.clone(), |s| s.to_string());
            format!("{} subscription, {status}, term {}", sub.offer_name, term_text(sub.term_start, sub.term_end))
        }),
        cancellable: quote.as_ref().is_some_and(|q| q.live),
        quote: quote
            .as_ref()
            .map(|q| {
                q.lines
                    .iter()
                    .map(|l| QuoteRow {
                        invoice: l.invoice_number.clone(),
                        term: term_text(l.term.start, l.term.end),
                        paid: l.paid.to_string(),
                        due: l.due.to_string(),
                        basis: l.basis.to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        quote_total: quote.as_ref().map(|q| q.total.to_string()).unwrap_or_default(),
        quote_amount: quote.as_ref().map(|q| q.total.format_amount()).unwrap_or_default(),
        chrome: Chrome::staff(&format!("Service request {}", r.number), csrf, &s.staff),
        org_id: r.org_id.to_string(),
        contact: match &r.contact_phone {
            Some(phone) => format!("{}, {phone}", r.contact_email),
            None => r.contact_email.clone(),
        },
        assignee: r.assignee.clone().unwrap_or_else(|| "nobody yet".into()),
        agents: app::service_requests::agents(&state.app, &s.staff).await?,
        me: s.staff.email.to_string(),
        files: file_rows(&view.files),
        messages: messages(view.messages),
        refunds: refund_rows(&view.refunds, true),
        statuses: RequestStatus::ALL.iter().map(|st| (st.as_str(), st.to_string())).collect(),
        current: r.status.clone(),
        closed: r.status == RequestStatus::Closed.as_str(),
        r: row(&r),
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
    let result = app::service_requests::draw_support(
        &state.app,
        &s.staff,
        &id,
        &form.benefit_id,
        &form.amount,
        &form.key,
        &origin,
    )
    .await;
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
    if let Err(to) = super::security::step_up(&state, &s.current, &format!("/staff/requests/{id}")).await {
        return to;
    }
    let typed = app::cancellation::CancelNow { refund: &form.refund, reason: &form.reason };
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

/// After a staff action on a request: back to its page, or the page again with the reason.
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

async fn back_to_request<T>(
    state: &AppState,
    csrf: &CsrfToken,
    s: &StaffSession,
    id: &str,
    result: Result<T, AppError>,
) -> Response {
    let result = result.map(|_| format!("/staff/requests/{id}"));
    super::after_post(result, |message| staff_page(state, csrf, s, id, Some(message))).await
}
