//! Support in the portal: **Report problems** → **New request** → **Submit**; **Service
//! requests > Partner requests** with **Open** and **Closed**; the conversation, a reply,
//! reopening, what staff did.

use super::rows::{MessageForm, MessageRow, RefundRow, RequestRow, file_rows, messages, refund_rows, row};
use crate::auth::{PartnerSession, WebOrigin};
use crate::csrf::CsrfToken;
use crate::error::PageError;
use crate::pages::common::{Chrome, NoticeQuery};
use crate::present::problem_type;
use crate::state::AppState;
use app::AppError;
use app::service_requests::RequestForm;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use domain::ids::SubscriptionId;
use domain::service_request::ProblemType;
use serde::Deserialize;

/// The New request form, which may carry attachments (the larger body limit of uploads).
pub fn upload_routes() -> Router<AppState> {
    Router::new().route("/support/requests", post(create))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/support/report", get(report))
        .route("/support/requests", get(list))
        .route("/support/requests/{id}/files/{file_id}", get(download))
        .route("/support/requests/new", get(new_form))
        .route("/support/requests/{id}", get(detail))
        .route("/support/requests/{id}/reply", post(reply))
        .route("/support/requests/{id}/reopen", post(reopen))
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/support_report.html")]
struct ReportPage {
    chrome: Chrome,
}

/// Who may not open a request is told so before filling in anything.
const NO_SUPPORT: i18n::Key = i18n::key("error-act-open-service-requests-ask");

async fn report(Extension(csrf): Extension<CsrfToken>, session: PartnerSession) -> Result<ReportPage, PageError> {
    session.user.require(domain::roles::PartnerPermission::UseSupport, NO_SUPPORT)?;
    let title = session.lang.t("portal-support-report");
    Ok(ReportPage { chrome: Chrome::partner(&session.lang, &title, &csrf, &session.user) })
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/support_new.html")]
struct NewRequestPage {
    chrome: Chrome,
    problems: Vec<(&'static str, String)>,
    subscriptions: Vec<(SubscriptionId, String)>,
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
    let subs = app::subscription::list(&state.app, &session.user).await.unwrap_or_default();
    let form = if form.contact_email.is_empty() {
        NewForm { contact_email: session.user.email.clone(), ..form }
    } else {
        form
    };
    let lang = &session.lang;
    Ok(NewRequestPage {
        chrome: Chrome::partner(lang, &lang.t("portal-request-new"), csrf, &session.user),
        problems: ProblemType::ALL.iter().map(|p| (p.as_str(), lang.text(problem_type(*p)))).collect(),
        subscriptions: subs.into_iter().map(|s| (s.id.clone(), subscription_line(lang, &s))).collect(),
        form,
        error,
    })
}

/// A subscription as a request names it: "Action Pack subscription (term ends March 15, 2028)".
fn subscription_line(lang: &i18n::Lang, s: &store::subscriptions::SubscriptionRecord) -> String {
    lang.t2("portal-request-subscription-line", "offer", &s.offer_name, "day", lang.day(s.term_end))
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
            return crate::pages::common::after_post(Err::<String, _>(e), &session.lang, |m| {
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
    crate::pages::common::after_post(result, &session.lang, |message| {
        new_page(&state, &csrf, &session, form.clone(), Some(message))
    })
    .await
}

async fn download(
    State(state): State<AppState>,
    session: PartnerSession,
    Path((id, file_id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (f, bytes) = app::service_requests::file(&state.app, &app::Actor::Partner(session.user), &id, &file_id).await?;
    Ok(crate::uploads::attachment(&f.name, &f.content_type, bytes))
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
    let lang = &session.lang;
    Ok(ListPage {
        chrome: Chrome::partner(lang, &lang.t("portal-requests-title"), &csrf, &session.user),
        open,
        requests: requests.iter().map(|r| row(lang, r)).collect(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/support_request.html")]
struct DetailPage {
    chrome: Chrome,
    r: RequestRow,
    contact: String,
    /// The subscription the request is about: its id and its name.
    subscription: Option<(SubscriptionId, String)>,
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
    let status = r.status;
    let reopenable = domain::service_request::check_reopen(status, r.resolved_at, state.app.now()).is_ok();
    let lang = &session.lang;
    let title = lang.t1("portal-request-title", "number", &r.number);
    Ok(DetailPage {
        chrome: Chrome::partner(lang, &title, csrf, &session.user).with_notice(notice),
        contact: match &r.contact_phone {
            Some(phone) => format!("{}, {phone}", r.contact_email),
            None => r.contact_email.clone(),
        },
        subscription: match &r.subscription_id {
            Some(sub) => Some(match app::subscription::get(&state.app, &session.user, sub).await {
                Ok(s) => (s.id.clone(), subscription_line(lang, &s)),
                Err(_) => (sub.clone(), sub.to_string()),
            }),
            None => None,
        },
        can_reply: status.is_open(),
        can_reopen: reopenable,
        refunds: refund_rows(lang, &view.refunds, false)?,
        files: file_rows(lang, &view.files),
        messages: messages(lang, view.messages),
        r: row(lang, &r),
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
    crate::pages::common::after_post(result, &session.lang, |message| {
        detail_page(&state, &csrf, &session, &id, None, Some(message))
    })
    .await
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
    crate::pages::common::after_post(result, &session.lang, |message| {
        detail_page(&state, &csrf, &session, &id, None, Some(message))
    })
    .await
}
