//! Invoices and credit notes in the portal: the list, one document as a page, and its PDF;
//! program staff see any org's credit note too.

use super::common::Chrome;
use crate::auth::{PartnerSession, StaffSession};
use crate::csrf::CsrfToken;
use crate::error::{PageError, known_id};
use crate::present::{tax_label_in, term};
use crate::state::AppState;
use app::AppError;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/invoices", get(invoices))
        .route("/invoices/reconciliation", get(reconciliation))
        .route("/invoices/{id}", get(invoice))
        .route("/invoices/{id}/pdf", get(invoice_pdf))
        .route("/credit-notes/{id}", get(credit_note))
        .route("/credit-notes/{id}/pdf", get(credit_note_pdf))
        .route("/staff/invoices/{id}", get(staff_invoice))
        .route("/staff/invoices/{id}/pdf", get(staff_invoice_pdf))
        .route("/staff/credit-notes/{id}", get(staff_credit_note))
        .route("/staff/credit-notes/{id}/pdf", get(staff_credit_note_pdf))
}

struct InvoiceRow {
    /// An invoice's id or a credit note's (each list links to its own pages).
    id: String,
    number: String,
    date: String,
    description: String,
    total: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/invoices.html")]
struct InvoicesPage {
    chrome: Chrome,
    invoices: Vec<InvoiceRow>,
    credit_notes: Vec<InvoiceRow>,
    /// The reconciliation form: the month asked for (this month at first) and what was wrong.
    month: String,
    month_error: Option<String>,
}

async fn invoices(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: PartnerSession,
) -> Result<InvoicesPage, PageError> {
    let this_month = domain::term::program_day(state.app.now(), state.app.catalog().program().time_zone());
    invoices_page(&state, &csrf, &s, this_month.format("%Y-%m").to_string(), None).await
}

async fn invoices_page(
    state: &AppState,
    csrf: &CsrfToken,
    s: &PartnerSession,
    month: String,
    month_error: Option<String>,
) -> Result<InvoicesPage, PageError> {
    let list = app::billing::list(&state.app, &s.user).await?;
    let lang = &s.lang;
    let invoices = list
        .into_iter()
        .map(|i| {
            Ok(InvoiceRow {
                total: lang.money(i.total),
                date: lang.day_of(i.issued_at),
                id: i.id.into(),
                number: i.number,
                description: i.description,
            })
        })
        .collect::<Result<_, AppError>>()?;
    let notes = app::billing::credit_notes(&state.app, &s.user).await?;
    let credit_notes = notes
        .into_iter()
        .map(|n| {
            Ok(InvoiceRow {
                total: lang.money(n.total),
                date: lang.day_of(n.issued_at),
                id: n.id.into(),
                number: n.number,
                description: lang.t2(
                    "portal-invoices-credit-note-of",
                    "description",
                    n.description,
                    "invoice",
                    n.invoice_number,
                ),
            })
        })
        .collect::<Result<_, AppError>>()?;
    let chrome = Chrome::partner(lang, &lang.t("portal-invoices-title"), csrf, &s.user);
    Ok(InvoicesPage { chrome, invoices, credit_notes, month, month_error })
}

#[derive(serde::Deserialize)]
struct MonthForm {
    #[serde(default)]
    month: String,
}

/// The month's reconciliation file; a month that is not one shows the invoices again with why.
async fn reconciliation(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: PartnerSession,
    axum::extract::Query(form): axum::extract::Query<MonthForm>,
) -> Result<Response, PageError> {
    match app::billing::reconciliation(&state.app, &s.user, &form.month).await {
        Ok((name, csv)) => Ok(crate::uploads::csv_response(&name, csv)),
        Err(app::AppError::Invalid(e)) => {
            let page = invoices_page(&state, &csrf, &s, form.month, Some(e.to_string())).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/invoice.html")]
struct InvoicePage {
    chrome: Chrome,
    i: store::invoices::InvoiceRecord,
    seller_lines: Vec<String>,
    issued: String,
    period: String,
    net: String,
    tax_label: String,
    tax: String,
    total: String,
    /// "" in the portal, "/staff" in the console: where the PDF link points.
    base: &'static str,
}

async fn invoice(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: PartnerSession,
    Path(id): Path<String>,
) -> Result<InvoicePage, PageError> {
    let i = app::billing::get(&state.app, &s.user, &known_id(&id, "invoice")?).await?;
    let title = s.lang.t1("portal-invoice-title", "number", &i.number);
    Ok(invoice_page(Chrome::partner(&s.lang, &title, &csrf, &s.user), i, "")?)
}

async fn staff_invoice(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: StaffSession,
    Path(id): Path<String>,
) -> Result<InvoicePage, PageError> {
    let i = app::billing::invoice_for_staff(&state.app, &s.staff, &known_id(&id, "invoice")?).await?;
    let title = s.lang.t1("portal-invoice-title", "number", &i.number);
    Ok(invoice_page(Chrome::staff(&s.lang, &title, &csrf, &s.staff), i, "/staff")?)
}

async fn staff_invoice_pdf(
    State(state): State<AppState>,
    s: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let invoice = app::billing::invoice_for_staff(&state.app, &s.staff, &known_id(&id, "invoice")?).await?;
    let (number, bytes) = app::billing::invoice_pdf(&state.app, invoice, &s.lang).await?;
    Ok(pdf_response(&number, bytes))
}

fn invoice_page(
    chrome: Chrome,
    i: store::invoices::InvoiceRecord,
    base: &'static str,
) -> Result<InvoicePage, AppError> {
    let lang = &chrome.lang;
    Ok(InvoicePage {
        seller_lines: i.seller_address.lines().map(str::to_owned).collect(),
        issued: lang.day_of(i.issued_at),
        period: term(lang, i.period_start, i.period_end),
        net: lang.money(i.net),
        tax_label: tax_label_in(lang, i.tax_rate_bp),
        tax: lang.money(i.tax),
        total: lang.money(i.total),
        chrome,
        base,
        i,
    })
}

async fn invoice_pdf(
    State(state): State<AppState>,
    s: PartnerSession,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (number, bytes) = app::billing::pdf(&state.app, &s.user, &known_id(&id, "invoice")?, &s.lang).await?;
    Ok(pdf_response(&number, bytes))
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/credit_note.html")]
struct CreditNotePage {
    chrome: Chrome,
    n: store::refunds::CreditNoteRecord,
    seller_lines: Vec<String>,
    issued: String,
    period: String,
    net: String,
    tax_label: String,
    tax: String,
    total: String,
    /// "Refers to invoice …. Refunded to … on …."
    refers_to: String,
    /// Where the PDF is: the portal's or the staff console's address.
    base: &'static str,
}

fn credit_note_page(
    chrome: Chrome,
    n: store::refunds::CreditNoteRecord,
    base: &'static str,
) -> Result<CreditNotePage, AppError> {
    let lang = &chrome.lang;
    let issued = lang.day_of(n.issued_at);
    let refers_to = lang.t_with(
        "portal-credit-note-refers-to",
        &[
            ("invoice", n.invoice_number.as_str().into()),
            ("card", n.refunded_to.as_str().into()),
            ("day", issued.as_str().into()),
        ],
    );
    Ok(CreditNotePage {
        seller_lines: n.seller_address.lines().map(str::to_owned).collect(),
        period: term(lang, n.period_start, n.period_end),
        net: lang.money(n.net),
        tax_label: tax_label_in(lang, n.tax_rate_bp),
        tax: lang.money(n.tax),
        total: lang.money(n.total),
        refers_to,
        issued,
        chrome,
        n,
        base,
    })
}

async fn credit_note(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: PartnerSession,
    Path(id): Path<String>,
) -> Result<CreditNotePage, PageError> {
    let n = app::billing::credit_note(&state.app, &s.user, &known_id(&id, "credit note")?).await?;
    let title = s.lang.t1("portal-credit-note-title", "number", &n.number);
    Ok(credit_note_page(Chrome::partner(&s.lang, &title, &csrf, &s.user), n, "")?)
}

async fn staff_credit_note(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: StaffSession,
    Path(id): Path<String>,
) -> Result<CreditNotePage, PageError> {
    let n = app::billing::credit_note_for_staff(&state.app, &s.staff, &known_id(&id, "credit note")?).await?;
    let title = s.lang.t1("portal-credit-note-title", "number", &n.number);
    Ok(credit_note_page(Chrome::staff(&s.lang, &title, &csrf, &s.staff), n, "/staff")?)
}

fn pdf_response(number: &str, bytes: Vec<u8>) -> Response {
    let disposition = format!("inline; filename=\"{number}.pdf\"");
    ([(header::CONTENT_TYPE, "application/pdf".to_owned()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response()
}

async fn credit_note_pdf(
    State(state): State<AppState>,
    s: PartnerSession,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let n = app::billing::credit_note(&state.app, &s.user, &known_id(&id, "credit note")?).await?;
    let (number, bytes) = app::billing::credit_note_pdf(&state.app, &n, &s.lang).await?;
    Ok(pdf_response(&number, bytes))
}

async fn staff_credit_note_pdf(
    State(state): State<AppState>,
    s: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let n = app::billing::credit_note_for_staff(&state.app, &s.staff, &known_id(&id, "credit note")?).await?;
    let (number, bytes) = app::billing::credit_note_pdf(&state.app, &n, &s.lang).await?;
    Ok(pdf_response(&number, bytes))
}
