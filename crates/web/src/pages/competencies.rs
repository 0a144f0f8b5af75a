//! Competencies in the portal (Partnership > Competencies: the areas and their requirements,
//! **Apply** with evidence, the org's applications, paying the fee once approved) and in the
//! staff console (the review queue: take up, approve, reject with a reason).

use super::common::{Chrome, NoticeQuery};
use crate::auth::{PartnerSession, StaffSession, WebOrigin};
use crate::csrf::CsrfToken;
use crate::error::PageError;
use crate::present::{application_status, competency_name, tier};
use crate::state::AppState;
use app::AppError;
use app::competencies::Decision;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use domain::catalog::{CompetencyTier, Requirement};
use domain::competency::{ApplicationStatus, CertifiedPerson, Evidence};
use domain::ids::SubscriptionId;
use i18n::Lang;
use serde::Deserialize;
use store::competencies::ApplicationRecord;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/partnership/competencies", get(overview))
        .route("/partnership/competencies/{code}/{tier}/apply", get(apply_form).post(apply))
        .route("/partnership/competencies/applications/{id}", get(application))
        .route("/partnership/competencies/applications/{id}/pay", post(pay_fee))
        .route("/partnership/competencies/applications/{id}/files/{file_id}", get(download))
        .route("/staff/competencies", get(queue))
        .route("/staff/competencies/{id}", get(staff_application))
        .route("/staff/competencies/{id}/decide", post(decide))
        .route("/staff/competencies/{id}/files/{file_id}", get(staff_download))
}

pub fn upload_routes() -> Router<AppState> {
    Router::new().route("/partnership/competencies/applications/{id}/files", post(upload))
}

struct FileRow {
    id: String,
    name: String,
    size: String,
}

fn file_rows(lang: &Lang, files: Vec<store::files::FileRecord>) -> Vec<FileRow> {
    files
        .into_iter()
        .map(|f| {
            let size = if f.size_bytes < 1024 {
                lang.t1("portal-file-bytes", "count", f.size_bytes)
            } else {
                // Tenths of a kilobyte, rounded; the message puts in the language's decimal mark.
                let tenths = (f.size_bytes * 10 + 512) / 1024;
                lang.t2("portal-file-kilobytes-tenths", "whole", tenths / 10, "tenth", tenths % 10)
            };
            FileRow { id: f.id, name: f.name, size }
        })
        .collect()
}

/// Rows of the evidence form.
const PEOPLE_ROWS: usize = 6;
const REFERENCE_ROWS: usize = 6;

fn requirement_text(lang: &Lang, r: &Requirement) -> String {
    match r {
        Requirement::CertifiedPeople { count, certification } => {
            lang.t2("portal-requirement-people", "count", count.get(), "certification", certification.to_string())
        }
        Requirement::CustomerReferences { count } => lang.t1("portal-requirement-references", "count", count.get()),
        Requirement::Attestation { text } => lang.t1("portal-requirement-attest", "text", text.to_string()),
    }
}

struct LevelRow {
    tier: &'static str,
    label: String,
    fee: String,
    requirements: Vec<String>,
}

struct AreaRow {
    code: String,
    name: String,
    description: String,
    levels: Vec<LevelRow>,
}

struct ApplicationRow {
    id: String,
    title: String,
    status: String,
    submitted: String,
    paid: bool,
}

fn application_row(state: &AppState, lang: &Lang, a: &ApplicationRecord) -> ApplicationRow {
    ApplicationRow {
        id: a.id.clone(),
        title: lang.t2(
            "portal-competency-title",
            "competency",
            competency_name(&state.app.catalog(), lang, &a.competency_code),
            "tier",
            lang.text(tier(a.tier)),
        ),
        status: lang.text(application_status(a.status)),
        submitted: lang.moment(a.submitted_at),
        paid: a.subscription_id.is_some(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/competencies.html")]
struct CompetenciesPage {
    chrome: Chrome,
    areas: Vec<AreaRow>,
    applications: Vec<ApplicationRow>,
    can_apply: bool,
}

async fn overview(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    session: PartnerSession,
    q: Query<NoticeQuery>,
) -> Result<CompetenciesPage, PageError> {
    let mine = app::competencies::list_mine(&state.app, &session.user).await?;
    let catalog = state.app.catalog();
    let org_currency = app::membership::view(&state.app, &session.user).await?.currency;
    let lang = &session.lang;
    let areas = catalog
        .competencies()
        .iter()
        .map(|c| AreaRow {
            code: c.code().as_str().to_owned(),
            name: c.name_in(&lang.tag()).to_owned(),
            description: c.description_in(&lang.tag()).to_owned(),
            levels: CompetencyTier::ALL
                .iter()
                .map(|t| LevelRow {
                    tier: t.as_str(),
                    label: lang.text(tier(*t)),
                    fee: c
                        .level(*t)
                        .fee(org_currency)
                        .map_or("—".into(), |m| lang.t1("portal-membership-price-offer", "price", lang.money(m))),
                    requirements: c.level(*t).requirements().iter().map(|r| requirement_text(lang, r)).collect(),
                })
                .collect(),
        })
        .collect();
    Ok(CompetenciesPage {
        chrome: Chrome::partner(lang, &lang.t("portal-competencies-title"), &csrf, &session.user)
            .with_notice(q.message()),
        areas,
        applications: mine.iter().map(|a| application_row(&state, lang, a)).collect(),
        can_apply: session.user.role.allows(domain::roles::PartnerPermission::ManageOffers),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/competency_apply.html")]
struct ApplyPage {
    chrome: Chrome,
    code: String,
    tier: String,
    requirements: Vec<String>,
    attestations: Vec<String>,
    people: Vec<(String, String)>,
    references: Vec<String>,
    attested: bool,
    error: Option<String>,
}

fn apply_page(
    state: &AppState,
    csrf: &CsrfToken,
    session: &PartnerSession,
    code: &str,
    tier: &str,
    evidence: Evidence,
    error: Option<String>,
) -> Result<ApplyPage, AppError> {
    let catalog = state.app.catalog();
    let competency = catalog.competency(code).ok_or(AppError::NotFound("competency"))?;
    let t = CompetencyTier::parse(tier).ok_or(AppError::NotFound("competency level"))?;
    let level = competency.level(t);
    let mut people: Vec<(String, String)> = evidence.people.into_iter().map(|p| (p.name, p.certification_id)).collect();
    people.resize(people.len().max(PEOPLE_ROWS), (String::new(), String::new()));
    let mut references = evidence.references;
    references.resize(references.len().max(REFERENCE_ROWS), String::new());
    let lang = &session.lang;
    let title = lang.t2(
        "portal-apply-title",
        "competency",
        competency.name_in(&lang.tag()),
        "tier",
        lang.text(crate::present::tier(t)),
    );
    Ok(ApplyPage {
        chrome: Chrome::partner(lang, &title, csrf, &session.user),
        code: code.to_owned(),
        tier: t.as_str().to_owned(),
        requirements: level
            .requirements()
            .iter()
            .filter(|r| !matches!(r, Requirement::Attestation { .. }))
            .map(|r| requirement_text(lang, r))
            .collect(),
        attestations: level
            .requirements()
            .iter()
            .filter_map(|r| match r {
                Requirement::Attestation { text } => Some(text.to_string()),
                _ => None,
            })
            .collect(),
        people,
        references,
        attested: evidence.attested,
        error,
    })
}

async fn apply_form(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    session: PartnerSession,
    Path((code, tier)): Path<(String, String)>,
) -> Result<ApplyPage, PageError> {
    Ok(apply_page(&state, &csrf, &session, &code, &tier, Evidence::default(), None)?)
}

/// The evidence form's repeated fields, in order: `person_name`/`person_cert` pairs,
/// `reference` lines and the `attested` box.
fn evidence_from(fields: &[(String, String)]) -> Evidence {
    let names = fields.iter().filter(|(k, _)| k == "person_name").map(|(_, v)| v.clone());
    let certs = fields.iter().filter(|(k, _)| k == "person_cert").map(|(_, v)| v.clone());
    Evidence {
        people: names.zip(certs).map(|(name, certification_id)| CertifiedPerson { name, certification_id }).collect(),
        references: fields.iter().filter(|(k, _)| k == "reference").map(|(_, v)| v.clone()).collect(),
        attested: fields.iter().any(|(k, v)| k == "attested" && v == "yes"),
    }
}

async fn apply(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    session: PartnerSession,
    Path((code, tier)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let evidence = evidence_from(&fields);
    let result = app::competencies::apply(&state.app, &session.user, &code, &tier, evidence.clone(), &origin)
        .await
        .map(|a| format!("/partnership/competencies/applications/{}?notice=applied", a.id));
    super::common::after_post(result, &session.lang, |message| async {
        apply_page(&state, &csrf, &session, &code, &tier, evidence, Some(message))
    })
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/competency_application.html")]
struct ApplicationPage {
    chrome: Chrome,
    a: ApplicationRow,
    evidence: Evidence,
    reason: Option<String>,
    payable: bool,
    can_pay: bool,
    /// Files can still be added (waiting for a decision, and an admin asks).
    can_attach: bool,
    files: Vec<FileRow>,
    fee: String,
    subscription_id: Option<SubscriptionId>,
    error: Option<String>,
}

async fn application_page(
    state: &AppState,
    csrf: &CsrfToken,
    session: &PartnerSession,
    id: &str,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<ApplicationPage, AppError> {
    let a = app::competencies::get_mine(&state.app, &session.user, id).await?;
    let catalog = state.app.catalog();
    let lang = &session.lang;
    let currency = app::membership::view(&state.app, &session.user).await?.currency;
    let fee = catalog
        .fee_offer(&a.competency_code, a.tier)
        .and_then(|o| o.price(currency))
        .map_or("—".into(), |m| lang.t1("portal-application-fee", "price", lang.money(m)));
    let row = application_row(state, lang, &a);
    let files = app::competencies::files(&state.app, &app::Actor::Partner(session.user.clone()), &a.id).await?;
    let waiting = a.status.can_decide();
    Ok(ApplicationPage {
        can_attach: waiting && session.user.role.allows(domain::roles::PartnerPermission::ManageOffers),
        files: file_rows(lang, files),
        chrome: Chrome::partner(
            lang,
            &lang.t1("portal-application-title", "competency", &row.title),
            csrf,
            &session.user,
        )
        .with_notice(notice),
        payable: a.status == ApplicationStatus::Approved && a.subscription_id.is_none(),
        can_pay: session.user.role.allows(domain::roles::PartnerPermission::ManageBilling),
        evidence: app::competencies::evidence_of(&a),
        reason: a.reason.clone(),
        subscription_id: a.subscription_id.clone(),
        fee,
        a: row,
        error,
    })
}

async fn application(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    session: PartnerSession,
    Path(id): Path<String>,
    q: Query<NoticeQuery>,
) -> Result<ApplicationPage, PageError> {
    Ok(application_page(&state, &csrf, &session, &id, q.message(), None).await?)
}

async fn pay_fee(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    session: PartnerSession,
    Path(id): Path<String>,
) -> Response {
    let result = app::checkout::start_fee_order(&state.app, &session.user, &id, &origin)
        .await
        .map(|order| format!("/orders/{}", order.id));
    super::common::after_post(result, &session.lang, |message| {
        application_page(&state, &csrf, &session, &id, None, Some(message))
    })
    .await
}

async fn upload(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    session: PartnerSession,
    Path(id): Path<String>,
    form: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let result = match crate::uploads::file_part(form).await {
        Ok((name, bytes)) => {
            app::competencies::attach_file(&state.app, &session.user, &id, &name, &bytes, &origin).await
        }
        Err(e) => Err(e),
    };
    let result = result.map(|_| format!("/partnership/competencies/applications/{id}?notice=file_attached"));
    super::common::after_post(result, &session.lang, |message| {
        application_page(&state, &csrf, &session, &id, None, Some(message))
    })
    .await
}

async fn download(
    State(state): State<AppState>,
    session: PartnerSession,
    Path((id, file_id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (f, bytes) = app::competencies::file(&state.app, &app::Actor::Partner(session.user), &id, &file_id).await?;
    Ok(crate::uploads::attachment(&f.name, &f.content_type, bytes))
}

async fn staff_download(
    State(state): State<AppState>,
    s: StaffSession,
    Path((id, file_id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (f, bytes) = app::competencies::file(&state.app, &app::Actor::Staff(s.staff), &id, &file_id).await?;
    Ok(crate::uploads::attachment(&f.name, &f.content_type, bytes))
}

struct QueueRow {
    id: String,
    org_id: String,
    org_name: String,
    title: String,
    status: String,
    submitted: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/competencies.html")]
struct QueuePage {
    chrome: Chrome,
    rows: Vec<QueueRow>,
    tab: Tab,
}

/// The queue's tabs. A status with no tab of its own (under review, expired) leaves none
/// current.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tab {
    Open,
    Approved,
    Rejected,
    All,
    Other,
}

impl Tab {
    fn of(status: Option<&str>) -> Tab {
        match status.unwrap_or("open") {
            "open" => Tab::Open,
            "all" => Tab::All,
            one => match one.parse() {
                Ok(ApplicationStatus::Approved) => Tab::Approved,
                Ok(ApplicationStatus::Rejected) => Tab::Rejected,
                _ => Tab::Other,
            },
        }
    }

    fn is_open(&self) -> bool {
        *self == Tab::Open
    }

    fn is_approved(&self) -> bool {
        *self == Tab::Approved
    }

    fn is_rejected(&self) -> bool {
        *self == Tab::Rejected
    }

    fn is_all(&self) -> bool {
        *self == Tab::All
    }
}

#[derive(Deserialize)]
struct QueueQuery {
    /// `open` (the default: submitted and under review), `all`, or one status.
    status: Option<String>,
}

async fn queue(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: StaffSession,
    Query(q): Query<QueueQuery>,
) -> Result<QueuePage, PageError> {
    let list = app::competencies::queue(&state.app, &s.staff, q.status.as_deref()).await?;
    let tab = Tab::of(q.status.as_deref());
    let rows = list
        .iter()
        .map(|(a, org_name)| {
            let r = application_row(&state, &s.lang, a);
            QueueRow {
                id: r.id,
                org_id: a.org_id.to_string(),
                org_name: org_name.clone(),
                title: r.title,
                status: r.status,
                submitted: r.submitted,
            }
        })
        .collect();
    let chrome = Chrome::staff(&s.lang, &s.lang.t("staff-competencies-title"), &csrf, &s.staff);
    Ok(QueuePage { chrome, rows, tab })
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/competency.html")]
struct StaffApplicationPage {
    chrome: Chrome,
    a: ApplicationRow,
    org_id: String,
    org_name: String,
    evidence: Evidence,
    requirements: Vec<String>,
    reviewer: Option<String>,
    reason: Option<String>,
    files: Vec<FileRow>,
    can_review: bool,
    can_take_up: bool,
    can_decide: bool,
    error: Option<String>,
}

async fn staff_page(
    state: &AppState,
    csrf: &CsrfToken,
    s: &StaffSession,
    id: &str,
    error: Option<String>,
) -> Result<StaffApplicationPage, AppError> {
    let a = app::competencies::get_for_staff(&state.app, &s.staff, id).await?;
    let catalog = state.app.catalog();
    let requirements = catalog
        .competency(&a.competency_code)
        .map(|c| c.level(a.tier).requirements().iter().map(|r| requirement_text(&s.lang, r)).collect())
        .unwrap_or_default();
    let status = a.status;
    let row = application_row(state, &s.lang, &a);
    let files = app::competencies::files(&state.app, &app::Actor::Staff(s.staff.clone()), &a.id).await?;
    let (org, _, _) = app::staff::org_detail(&state.app, &s.staff, &a.org_id).await?;
    Ok(StaffApplicationPage {
        org_name: org.name.to_string(),
        files: file_rows(&s.lang, files),
        chrome: Chrome::staff(
            &s.lang,
            &s.lang.t1("staff-competency-title", "title", row.title.as_str()),
            csrf,
            &s.staff,
        ),
        org_id: a.org_id.to_string(),
        evidence: app::competencies::evidence_of(&a),
        requirements,
        reviewer: a.reviewer.clone(),
        reason: a.reason.clone(),
        can_review: s.staff.role.allows(domain::roles::StaffPermission::ReviewCompetencies),
        can_take_up: status == ApplicationStatus::Submitted,
        can_decide: status.can_decide(),
        a: row,
        error,
    })
}

async fn staff_application(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: StaffSession,
    Path(id): Path<String>,
) -> Result<StaffApplicationPage, PageError> {
    Ok(staff_page(&state, &csrf, &s, &id, None).await?)
}

#[derive(Deserialize)]
struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

async fn decide(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    s: StaffSession,
    Path(id): Path<String>,
    Form(form): Form<DecideForm>,
) -> Response {
    let decision = match form.decision.as_str() {
        "review" => Decision::Review,
        "approve" => Decision::Approve,
        _ => Decision::Reject,
    };
    let result = app::competencies::decide(&state.app, &s.staff, &id, decision, &form.reason, &origin)
        .await
        .map(|_| format!("/staff/competencies/{id}"));
    super::common::after_post(result, &s.lang, |message| staff_page(&state, &csrf, &s, &id, Some(message))).await
}
