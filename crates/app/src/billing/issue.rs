//! What a paid order is billed with: the invoice numbered in the year's gapless series, the
//! receipts to the org's billing people, and the audit change; shared by Buy, reconciliation
//! and the renewal batch.

use crate::audit::Change;
use crate::error::AppError;
use crate::state::App;
use chrono::Datelike;
use domain::ids::{InvoiceId, PartnerId};
use domain::order::OrderKind;
use domain::term::{Term, program_day};
use store::invoices::InvoiceRecord;
use store::orders::OrderRecord;

/// "Visa •••• 4242": how a card is named on pages, invoices and receipts.
pub fn card_label(brand: &str, last4: &str) -> String {
    let brand = match brand {
        "visa" => "Visa",
        "mastercard" => "Mastercard",
        "amex" => "American Express",
        "discover" => "Discover",
        _ => "Card",
    };
    format!("{brand} •••• {last4}")
}

/// The charge reference of an attempt for nothing: the credit for a replaced subscription can
/// cover a whole order, and a gateway refuses a charge of zero, so none is sent. The attempt is
/// kept all the same, so that such an order is paid and reconciled like any other.
pub(crate) const NOTHING_CHARGED: &str = "nothing-charged";

/// The series of invoices issued now: one per year of the program's calendar.
pub(crate) fn invoice_series(app: &App) -> String {
    format!("INV-{}", program_day(app.now(), app.catalog().program().time_zone()).year())
}

/// Who paid and with what, as the invoice names them.
pub(crate) struct Billed<'a> {
    pub org_name: &'a str,
    pub partner_id: PartnerId,
    /// The country code; the invoice shows its name.
    pub country: &'a str,
    pub brand: &'a str,
    pub last4: &'a str,
}

/// The invoice of a paid order, numbered `seq` in `series`.
pub(crate) fn invoice_for(
    app: &App,
    order: &OrderRecord,
    billed: &Billed<'_>,
    term: Term,
    series: &str,
    seq: i64,
    charge_ref: &str,
) -> InvoiceRecord {
    let catalog = app.catalog();
    let country_name = catalog.country(billed.country).map_or(billed.country.to_owned(), |c| c.name().to_owned());
    InvoiceRecord {
        id: app.new_id(InvoiceId::from_random),
        number: format!("{series}-{seq:06}"),
        org_id: order.org_id.clone(),
        order_id: order.id.clone(),
        issued_at: app.now(),
        net: order.net,
        tax: order.tax,
        total: order.total,
        tax_rate_bp: order.tax_rate_bp,
        description: match order.kind {
            OrderKind::Purchase if order.credit.minor() == 0 => format!("{} subscription", order.offer_name),
            OrderKind::Purchase => format!(
                "{} subscription, less {} credited for the unused time of the subscription it replaces",
                order.offer_name, order.credit
            ),
            OrderKind::Renewal | OrderKind::AutoRenewal => format!("{} subscription, renewal", order.offer_name),
        },
        period_start: term.start,
        period_end: term.end,
        seller_name: catalog.program().vendor_name().to_owned(),
        seller_address: catalog.program().vendor_address().to_owned(),
        buyer_name: billed.org_name.to_owned(),
        buyer_partner_id: billed.partner_id,
        buyer_country: country_name,
        paid_with: if charge_ref == NOTHING_CHARGED {
            "the credit for the replaced subscription (nothing charged)".to_owned()
        } else {
            card_label(billed.brand, billed.last4)
        },
        charge_ref: charge_ref.to_owned(),
    }
}

/// The receipts of a paid order: one to each of the org's Billing admins and Global admins, in
/// the org's billing language else their own (`recipients` may hold other orgs' too; they are
/// skipped).
pub(crate) fn receipts(
    app: &App,
    order: &OrderRecord,
    invoice: &InvoiceRecord,
    recipients: &[store::users::Recipient],
) -> Result<Vec<store::outbox::OutboxEmail>, AppError> {
    let total = invoice.total;
    let link = format!("{}/invoices/{}", app.settings().public_url, invoice.id);
    Ok(recipients
        .iter()
        .filter(|u| u.org_id == order.org_id)
        .map(|user| {
            let lang = crate::outbox::language_of(app, user.language.as_deref());
            let subject =
                lang.t2("email-receipt-subject", "offer", order.offer_name.as_str(), "number", invoice.number.as_str());
            let args = [
                ("name", user.name.as_str().into()),
                ("offer", order.offer_name.as_str().into()),
                ("number", invoice.number.as_str().into()),
                ("total", lang.money(total).into()),
                ("paid_with", invoice.paid_with.as_str().into()),
                ("start", lang.day(invoice.period_start).into()),
                ("end", lang.day(invoice.period_end).into()),
                ("link", link.as_str().into()),
            ];
            let body = lang.t_with("email-receipt-body", &args) + "\n";
            crate::outbox::email(app, user.email.as_str(), &subject, body)
        })
        .collect())
}

/// The audit change of a paid order.
pub(crate) fn paid_change<'a>(order: &'a OrderRecord, invoice: &InvoiceRecord) -> Result<Change<'a>, AppError> {
    let total = order.total;
    let detail = format!("paid {total} for {} ({}), invoice {}", order.offer_name, invoice.paid_with, invoice.number);
    let action = match order.kind {
        OrderKind::Purchase => "order.paid",
        OrderKind::Renewal | OrderKind::AutoRenewal => "subscription.renewed",
    };
    Ok(Change { org: Some(&order.org_id), action, subject: order.id.as_str(), detail })
}
