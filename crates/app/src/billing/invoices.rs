//! The org's invoices and credit notes as it sees them (and staff, who see every org's), the
//! documents as PDFs, and the monthly reconciliation file.

use crate::actor::PartnerUser;
use crate::error::AppError;
use crate::state::App;
use domain::ids::{CreditNoteId, InvoiceId, OrgId, SubscriptionId};
use domain::roles::PartnerPermission;
use i18n::Lang;
use store::invoices::InvoiceRecord;
use store::refunds::CreditNoteRecord;

pub async fn list(app: &App, actor: &PartnerUser) -> Result<Vec<InvoiceRecord>, AppError> {
    actor.require(PartnerPermission::ManageBilling, i18n::key("error-act-see-invoices"))?;
    let mut conn = app.store().read().await?;
    Ok(store::invoices::list_in_org(&mut conn, &actor.org_id).await?)
}

pub async fn get(app: &App, actor: &PartnerUser, id: &InvoiceId) -> Result<InvoiceRecord, AppError> {
    actor.require(PartnerPermission::ManageBilling, i18n::key("error-act-see-invoices"))?;
    let mut conn = app.store().read().await?;
    store::invoices::get_in_org(&mut conn, &actor.org_id, id).await?.ok_or(AppError::NotFound("invoice"))
}

/// The invoice as a PDF document, in the org's billing language or else the reader's.
pub async fn pdf(app: &App, actor: &PartnerUser, id: &InvoiceId, reader: &Lang) -> Result<(String, Vec<u8>), AppError> {
    invoice_pdf(app, get(app, actor, id).await?, reader).await
}

/// An invoice for program staff (who see every org's: a partner asks about one).
pub async fn invoice_for_staff(
    app: &App,
    staff: &crate::actor::StaffMember,
    id: &InvoiceId,
) -> Result<InvoiceRecord, AppError> {
    staff.require(domain::roles::StaffPermission::ViewOrgs, i18n::key("error-act-see-invoices"))?;
    let mut conn = app.store().read().await?;
    store::invoices::get(&mut conn, id).await?.ok_or(AppError::NotFound("invoice"))
}

/// The invoice as a PDF document, `(number, bytes)`: in the org's billing language when it
/// chose one, otherwise in the reader's.
pub async fn invoice_pdf(app: &App, invoice: InvoiceRecord, reader: &Lang) -> Result<(String, Vec<u8>), AppError> {
    let lang = document_language(app, &invoice.org_id, reader).await?;
    let issued = lang.day_of(invoice.issued_at);
    let doc = documents::InvoiceDocument {
        title: lang.t("doc-invoice"),
        number: invoice.number.clone(),
        issue_date: issued.clone(),
        seller_name: invoice.seller_name.clone(),
        seller_address: invoice.seller_address.clone(),
        buyer_name: invoice.buyer_name.clone(),
        buyer_lines: vec![
            lang.t1("portal-invoice-partner-id", "id", invoice.buyer_partner_id.to_string()),
            invoice.buyer_country.clone(),
        ],
        lines: vec![one_line(&lang, &invoice.description, (invoice.period_start, invoice.period_end), invoice.net)],
        net: lang.money(invoice.net),
        tax_label: tax_label(&lang, invoice.tax_rate_bp)?,
        tax: lang.money(invoice.tax),
        total: lang.money(invoice.total),
        notes: vec![lang.t2("doc-paid-by", "method", &invoice.paid_with, "date", &issued)],
        captions: captions(&lang),
    };
    Ok((invoice.number, render(app, doc).await?))
}

/// The invoices of one subscription (billing roles only).
pub async fn of_subscription(
    app: &App,
    actor: &PartnerUser,
    subscription_id: &SubscriptionId,
) -> Result<Vec<InvoiceRecord>, AppError> {
    actor.require(PartnerPermission::ManageBilling, i18n::key("error-act-see-invoices"))?;
    let mut conn = app.store().read().await?;
    Ok(store::invoices::list_for_subscription(&mut conn, &actor.org_id, subscription_id).await?)
}

/// The org's credit notes, newest first (billing roles only).
pub async fn credit_notes(app: &App, actor: &PartnerUser) -> Result<Vec<CreditNoteRecord>, AppError> {
    actor.require(PartnerPermission::ManageBilling, i18n::key("error-act-see-credit-notes"))?;
    let mut conn = app.store().read().await?;
    Ok(store::refunds::notes_in_org(&mut conn, &actor.org_id).await?)
}

pub async fn credit_note(app: &App, actor: &PartnerUser, id: &CreditNoteId) -> Result<CreditNoteRecord, AppError> {
    actor.require(PartnerPermission::ManageBilling, i18n::key("error-act-see-credit-notes"))?;
    let mut conn = app.store().read().await?;
    store::refunds::note_in_org(&mut conn, &actor.org_id, id).await?.ok_or(AppError::NotFound("credit note"))
}

/// A credit note for program staff (who see every org's).
pub async fn credit_note_for_staff(
    app: &App,
    staff: &crate::actor::StaffMember,
    id: &CreditNoteId,
) -> Result<CreditNoteRecord, AppError> {
    staff.require(domain::roles::StaffPermission::ViewOrgs, i18n::key("error-act-see-credit-notes"))?;
    let mut conn = app.store().read().await?;
    store::refunds::note(&mut conn, id).await?.ok_or(AppError::NotFound("credit note"))
}

/// The credit note as a PDF document, `(number, bytes)`, in the language its invoice would be.
pub async fn credit_note_pdf(app: &App, note: &CreditNoteRecord, reader: &Lang) -> Result<(String, Vec<u8>), AppError> {
    let lang = document_language(app, &note.org_id, reader).await?;
    let issued = lang.day_of(note.issued_at);
    let doc = documents::InvoiceDocument {
        title: lang.t("doc-credit-note"),
        number: note.number.clone(),
        issue_date: issued.clone(),
        seller_name: note.seller_name.clone(),
        seller_address: note.seller_address.clone(),
        buyer_name: note.buyer_name.clone(),
        buyer_lines: vec![
            lang.t1("portal-invoice-partner-id", "id", note.buyer_partner_id.to_string()),
            note.buyer_country.clone(),
        ],
        lines: vec![one_line(&lang, &note.description, (note.period_start, note.period_end), note.net)],
        net: lang.money(note.net),
        tax_label: tax_label(&lang, note.tax_rate_bp)?,
        tax: lang.money(note.tax),
        total: lang.money(note.total),
        notes: vec![
            lang.t1("doc-refers-to-invoice", "number", &note.invoice_number),
            lang.t2("doc-refunded-to", "method", &note.refunded_to, "date", &issued),
        ],
        captions: captions(&lang),
    };
    Ok((note.number.clone(), render(app, doc).await?))
}

/// The language of an org's documents: its billing language when it chose one, otherwise the
/// reader's (a partner's billing admin, or staff looking at the org's invoice).
async fn document_language(app: &App, org: &OrgId, reader: &Lang) -> Result<Lang, AppError> {
    let mut conn = app.store().read().await?;
    let chosen = store::orgs::billing_language(&mut conn, org).await?;
    let time_zone = app.catalog().program().time_zone();
    Ok(match chosen {
        Some(tag) => app.languages().get(&tag, time_zone),
        None => reader.in_time_zone(time_zone),
    })
}

/// The document's one line: the subscription's term, once, at its net price.
fn one_line(
    lang: &Lang,
    description: &str,
    (start, end): (chrono::NaiveDate, chrono::NaiveDate),
    net: domain::money::Money,
) -> documents::DocumentLine {
    documents::DocumentLine {
        description: description.to_owned(),
        period: lang.t2("portal-term", "start", lang.day(start), "end", lang.day(end)),
        quantity: lang.number(1),
        unit_price: lang.amount(net),
        amount: lang.amount(net),
    }
}

fn tax_label(lang: &Lang, rate_bp: i64) -> Result<String, AppError> {
    let rate = u32::try_from(rate_bp).map_err(|e| AppError::internal_from("a stored tax rate", e))?;
    Ok(lang.t1("portal-tax-rate", "rate", lang.percent_of_basis_points(rate)))
}

/// The fixed words of a document in `lang`.
fn captions(lang: &Lang) -> documents::Captions {
    let page_lang = lang.clone();
    documents::Captions {
        bill_to: lang.t("doc-bill-to"),
        number: lang.t("doc-number"),
        issue_date: lang.t("doc-issue-date"),
        description: lang.t("doc-description"),
        period: lang.t("doc-period"),
        quantity: lang.t("doc-quantity"),
        unit_price: lang.t("doc-unit-price"),
        amount: lang.t("doc-amount"),
        net: lang.t("doc-net"),
        total: lang.t("doc-total"),
        page_of: Box::new(move |page, count| page_lang.t2("doc-page-of", "page", page, "count", count)),
    }
}

/// Lays the document out and writes it, on the blocking pool: it takes milliseconds, and the
/// first document with CJK text reads a 20 MB font file.
async fn render(app: &App, doc: documents::InvoiceDocument) -> Result<Vec<u8>, AppError> {
    let fonts = app.fonts().clone();
    let rendered = tokio::task::spawn_blocking(move || documents::render_pdf(&fonts, &doc))
        .await
        .map_err(|e| AppError::internal_from("rendering a document", e))?;
    rendered.map_err(|e| match e {
        documents::RenderError::Pdf(_) => AppError::internal_from("writing a PDF", e),
        missing_fonts => AppError::DocumentUnavailable(missing_fonts),
    })
}

/// The monthly reconciliation file (CSV) of the actor's org: `month` is `YYYY-MM` in the
/// program's time zone. Returns the file's name and its text.
pub async fn reconciliation(app: &App, actor: &PartnerUser, month: &str) -> Result<(String, String), AppError> {
    use domain::reconciliation::{Document, Line, Month};
    actor.require(PartnerPermission::ManageBilling, i18n::key("error-act-download-the-reconciliation-file"))?;
    let month = Month::parse(month).map_err(|e| domain::account::InvalidInput::new("month", e.to_string()))?;
    let tz = app.catalog().program().time_zone();
    let (invoices, notes, org, lang) = {
        let mut conn = app.store().read().await?;
        let invoices = store::invoices::list_in_org(&mut conn, &actor.org_id).await?;
        let notes = store::refunds::notes_in_org(&mut conn, &actor.org_id).await?;
        let org = store::orgs::get(&mut conn, &actor.org_id).await?.ok_or(AppError::NotFound("org"))?;
        let lang = billing_language(app, &mut conn, &actor.org_id).await?;
        (invoices, notes, org, lang)
    };
    let mut lines = Vec::with_capacity(invoices.len() + notes.len());
    for i in invoices {
        lines.push(Line {
            document: Document::Invoice,
            issued_on: domain::term::program_day(i.issued_at, tz),
            currency: i.currency(),
            number: i.number,
            description: i.description,
            period_start: i.period_start,
            period_end: i.period_end,
            net_minor: i.net.minor(),
            tax_minor: i.tax.minor(),
            total_minor: i.total.minor(),
            payment: i.paid_with,
            charge_ref: i.charge_ref,
            refers_to: String::new(),
        });
    }
    for n in notes {
        lines.push(Line {
            document: Document::CreditNote,
            issued_on: domain::term::program_day(n.issued_at, tz),
            currency: n.currency(),
            number: n.number,
            description: n.description,
            period_start: n.period_start,
            period_end: n.period_end,
            net_minor: n.net.minor(),
            tax_minor: n.tax.minor(),
            total_minor: n.total.minor(),
            payment: n.refunded_to,
            charge_ref: String::new(),
            refers_to: n.invoice_number,
        });
    }
    let name = format!("reconciliation-{}-{month}.csv", org.partner_id);
    let header = [
        lang.t("recon-date"),
        lang.t("recon-document"),
        lang.t("recon-number"),
        lang.t("recon-description"),
        lang.t("recon-period-start"),
        lang.t("recon-period-end"),
        lang.t("recon-currency"),
        lang.t("recon-net"),
        lang.t("recon-tax"),
        lang.t("recon-total"),
        lang.t("recon-payment"),
        lang.t("recon-charge-reference"),
        lang.t("recon-refers-to-invoice"),
    ];
    Ok((name, domain::reconciliation::csv_with_header(month, header, &lines)))
}

/// The language of the org's invoices, credit notes and reconciliation file: the one it chose,
/// else the program's default.
pub(crate) async fn billing_language(
    app: &App,
    conn: &mut store::Conn,
    org: &domain::ids::OrgId,
) -> Result<i18n::Lang, AppError> {
    let chosen = store::orgs::billing_language(conn, org).await?;
    Ok(app.language_for(chosen.as_deref()))
}

/// Sets the language of the org's invoices, credit notes and reconciliation file (Billing
/// admins and Global admins); None goes back to the program's default. Only a language
/// partnerhub speaks is taken.
pub async fn set_billing_language(
    app: &App,
    actor: &PartnerUser,
    tag: Option<&str>,
    origin: &crate::actor::Origin,
) -> Result<Option<String>, AppError> {
    actor.require(PartnerPermission::ManageBilling, i18n::key("error-act-choose-the-billing-language"))?;
    let tag = match tag.map(str::trim).filter(|t| !t.is_empty()) {
        // Stored as the language's own tag, however the caller spelled it.
        Some(t) if app.languages().ships(t) => Some(app.language_for([t]).tag()),
        Some(_) => {
            let tags = app.languages().tags().join(", ");
            let message = format!("choose one of the languages partnerhub speaks: {tags}");
            return Err(domain::account::InvalidInput::new("language", message).into());
        }
        None => None,
    };
    let mut tx = app.store().write().await?;
    store::orgs::set_billing_language(&mut tx, &actor.org_id, tag.as_deref()).await?;
    let detail = format!("set the billing language to {}", tag.as_deref().unwrap_or("the program's default"));
    let change = crate::audit::Change {
        org: Some(&actor.org_id),
        action: "org.billing_language_set",
        subject: actor.org_id.as_str(),
        detail,
    };
    let who = crate::audit::Who::actor(&crate::actor::Actor::Partner(actor.clone()));
    crate::audit::record(app, &mut tx, who, origin, change).await?;
    tx.commit().await?;
    Ok(tag)
}
