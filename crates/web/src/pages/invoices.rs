//! Invoices in the portal: the list, one invoice as a page, and its PDF.

use super::checkout::{money, tax_label, term_text};
use super::{Chrome, day};
use crate::AppState;
use crate::auth::PartnerSession;
use crate::csrf::CsrfToken;
use crate::error::PageError;
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
        .route("/invoices/{id}", get(invoice))
        .route("/invoices/{id}/pdf", get(invoice_pdf))
}

struct InvoiceRow {
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
}

async fn invoices(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: PartnerSession,
) -> Result<InvoicesPage, PageError> {
    let list = app::invoices::list(&state.app, &s.user).await?;
    let invoices = list
        .into_iter()
        .map(|i| InvoiceRow {
            total: money(i.total_minor, &i.currency),
            date: day(i.issued_at),
            id: i.id,
            number: i.number,
            description: i.description,
        })
        .collect();
    Ok(InvoicesPage { chrome: Chrome::partner("Invoices", &csrf, &s.user), invoices })
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
}

async fn invoice(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: PartnerSession,
    Path(id): Path<String>,
) -> Result<InvoicePage, PageError> {
    let i = app::invoices::get(&state.app, &s.user, &id).await?;
    Ok(InvoicePage {
        chrome: Chrome::partner(&format!("Invoice {}", i.number), &csrf, &s.user),
        seller_lines: i.seller_address.lines().map(str::to_owned).collect(),
        issued: i.issued_at.format("%-d %B %Y").to_string(),
        period: term_text(i.period_start, i.period_end),
        net: money(i.net_minor, &i.currency),
        tax_label: tax_label(i.tax_rate_bp),
        tax: money(i.tax_minor, &i.currency),
        total: money(i.total_minor, &i.currency),
        i,
    })
}

async fn invoice_pdf(
    State(state): State<AppState>,
    s: PartnerSession,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (number, bytes) = app::invoices::pdf(&state.app, &s.user, &id).await?;
    let disposition = format!("inline; filename=\"{number}.pdf\"");
    Ok(([(header::CONTENT_TYPE, "application/pdf".to_owned()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}
