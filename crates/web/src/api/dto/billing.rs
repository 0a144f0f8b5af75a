//! Orders, saved cards, subscriptions, invoices, credit notes and notifications, as the API
//! speaks them.

use super::amount::Amount;
use crate::error::ApiError;
use crate::state::AppState;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use store::invoices::InvoiceRecord;
use store::orders::OrderRecord;
use store::refunds::CreditNoteRecord;
use utoipa::ToSchema;

type ApiResult<T> = Result<T, ApiError>;

/// An order: a draft moving through terms → payment → review, then paid.
#[derive(Debug, Serialize, ToSchema)]
pub struct Order {
    pub id: String,
    pub offer: String,
    pub offer_name: String,
    /// `draft`, `paying` or `paid`.
    pub status: String,
    /// The wizard step of a draft: `terms`, `payment` or `review`.
    pub step: String,
    /// The price before tax, after any credit.
    pub net: Amount,
    /// Taken off the price before tax: the unused time of the subscription this order
    /// replaces (Silver, on a Gold competency order).
    pub credit: Amount,
    pub tax: Amount,
    /// The tax rate in basis points (2000 = 20%).
    pub tax_rate_bp: i64,
    pub total: Amount,
    /// The Terms and Conditions to agree to (the version in force now).
    pub terms: Terms,
    /// The version the org agreed to, once it has.
    pub accepted_terms_version: Option<String>,
    pub payment_method_id: Option<String>,
    /// Why the last payment did not go through.
    pub last_decline: Option<String>,
    pub term_start: Option<NaiveDate>,
    pub term_end: Option<NaiveDate>,
    pub subscription_id: Option<String>,
    pub invoice_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Terms {
    pub code: String,
    pub version: String,
    pub title: String,
    pub text: String,
}

pub fn order_dto(state: &AppState, o: OrderRecord) -> ApiResult<Order> {
    let terms = app::checkout::current_terms(&state.app, &o)?;
    Ok(Order {
        net: o.net.into(),
        credit: o.credit.into(),
        tax: o.tax.into(),
        total: o.total.into(),
        tax_rate_bp: o.tax_rate_bp,
        terms: Terms {
            code: o.terms_code.clone(),
            version: terms.version().into(),
            title: terms.title().into(),
            text: terms.text().into(),
        },
        id: o.id.into(),
        offer: o.offer_code,
        offer_name: o.offer_name,
        status: o.status.as_str().to_owned(),
        step: o.step.as_str().to_owned(),
        accepted_terms_version: o.terms_version,
        payment_method_id: o.payment_method_id.map(Into::into),
        last_decline: o.last_decline,
        term_start: o.term_start,
        term_end: o.term_end,
        subscription_id: o.subscription_id.map(Into::into),
        invoice_id: o.invoice_id.map(Into::into),
        created_at: o.created_at,
        paid_at: o.paid_at,
    })
}

crate::api::page::list_of!(OrderList, Order);

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentMethod {
    pub id: String,
    /// `visa`, `mastercard`, `amex`, `discover` or `card`.
    pub brand: String,
    pub last4: String,
    pub exp_month: i64,
    pub exp_year: i64,
    /// How the card is shown, e.g. "Visa •••• 4242".
    pub label: String,
    pub created_at: DateTime<Utc>,
}

crate::api::page::list_of!(PaymentMethodList, PaymentMethod);

pub fn pm_dto(pm: store::payment_methods::PaymentMethodRecord) -> PaymentMethod {
    PaymentMethod {
        label: app::billing::card_label(&pm.brand, &pm.last4),
        id: pm.id.into(),
        brand: pm.brand,
        last4: pm.last4,
        exp_month: pm.exp_month,
        exp_year: pm.exp_year,
        created_at: pm.created_at,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Subscription {
    pub id: String,
    pub offer: String,
    pub offer_name: String,
    /// `active` (the lifecycle adds `past_due`, `expired`, `cancelled`).
    pub status: String,
    pub auto_renew: bool,
    pub term_start: chrono::NaiveDate,
    pub term_end: chrono::NaiveDate,
    /// The yearly price before tax.
    pub price: Amount,
    pub created_at: DateTime<Utc>,
}

crate::api::page::list_of!(SubscriptionList, Subscription);

pub fn subscription_dto(s: store::subscriptions::SubscriptionRecord) -> ApiResult<Subscription> {
    Ok(Subscription {
        price: s.price.into(),
        id: s.id.into(),
        offer: s.offer_code,
        offer_name: s.offer_name,
        status: s.status.as_str().to_owned(),
        auto_renew: s.auto_renew,
        term_start: s.term_start,
        term_end: s.term_end,
        created_at: s.created_at,
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Invoice {
    pub id: String,
    /// Gapless within its series, e.g. `INV-2027-000001`.
    pub number: String,
    pub order_id: String,
    pub issued_at: DateTime<Utc>,
    pub description: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub net: Amount,
    pub tax_rate_bp: i64,
    pub tax: Amount,
    pub total: Amount,
    pub paid_with: String,
}

crate::api::page::list_of!(InvoiceList, Invoice);

pub fn invoice_dto(i: InvoiceRecord) -> ApiResult<Invoice> {
    Ok(Invoice {
        net: i.net.into(),
        tax: i.tax.into(),
        total: i.total.into(),
        id: i.id.into(),
        number: i.number,
        order_id: i.order_id.into(),
        issued_at: i.issued_at,
        description: i.description,
        period_start: i.period_start,
        period_end: i.period_end,
        tax_rate_bp: i.tax_rate_bp,
        paid_with: i.paid_with,
    })
}

/// A credit note: the document of a refund.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreditNote {
    pub id: String,
    /// Gapless per year, e.g. `CN-2027-000014`.
    pub number: String,
    pub invoice_id: String,
    pub invoice_number: String,
    pub issued_at: DateTime<Utc>,
    pub description: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub net: Amount,
    pub tax_rate_bp: i64,
    pub tax: Amount,
    pub total: Amount,
    /// The card the money went back to.
    pub refunded_to: String,
}

crate::api::page::list_of!(CreditNoteList, CreditNote);

pub fn note_dto(n: CreditNoteRecord) -> ApiResult<CreditNote> {
    Ok(CreditNote {
        net: n.net.into(),
        tax: n.tax.into(),
        total: n.total.into(),
        id: n.id.into(),
        number: n.number,
        invoice_id: n.invoice_id.into(),
        invoice_number: n.invoice_number,
        issued_at: n.issued_at,
        description: n.description,
        period_start: n.period_start,
        period_end: n.period_end,
        tax_rate_bp: n.tax_rate_bp,
        refunded_to: n.refunded_to,
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Notification {
    pub id: String,
    pub subscription_id: Option<String>,
    pub title: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

crate::api::page::list_of!(NotificationList, Notification);

impl From<store::notifications::Notification> for Notification {
    fn from(n: store::notifications::Notification) -> Notification {
        Notification {
            id: n.id.into(),
            subscription_id: n.subscription_id.map(Into::into),
            title: n.title,
            body: n.body,
            created_at: n.created_at,
        }
    }
}
