//! Refunds made when staff cancel a subscription, and their credit notes.
//!
//! A refund row is written, pending, in the cancelling transaction, before the gateway hears
//! of it; the worker sends it (again) until the gateway takes it. `invoice_id` is unique: an
//! invoice is refunded once at most, whatever races.

use crate::bulk::{self, Rows, Value};
use crate::orders::{date_from_db, date_to_db};
use crate::sql::Row;
use crate::time::{from_db, opt_from_db, to_db};
use crate::{Conn, Result, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use domain::ids::{CreditNoteId, InvoiceId, OrgId, PartnerId, RefundId, ServiceRequestId, SubscriptionId};
use domain::money::{Currency, Money};
use domain::refund::RefundStatus;

/// A paid invoice of a subscription, with what a refund needs to know of its payment.
#[derive(Clone, Debug)]
pub struct PaidInvoice {
    pub invoice: crate::invoices::InvoiceRecord,
    /// The gateway that took the payment (`None` for an invoice paid with nothing charged).
    pub gateway: Option<String>,
    pub paid_at: DateTime<Utc>,
    /// Refunded before (by an earlier cancellation).
    pub refunded: bool,
}

/// The paid invoices of a subscription, oldest term first.
pub async fn paid_invoices(conn: &mut Conn, subscription_id: &SubscriptionId) -> Result<Vec<PaidInvoice>> {
    let columns: Vec<String> = crate::invoices::COLUMNS.split(',').map(|c| format!("i.{}", c.trim())).collect();
    let sql = format!(
        "SELECT {}, o.paid_at AS order_paid_at, \
         (SELECT a.gateway FROM payment_attempts a WHERE a.order_id = o.id AND a.status = 'succeeded' LIMIT 1) AS gateway, \
         (SELECT COUNT(*) FROM refunds r WHERE r.invoice_id = i.id) AS refunds \
         FROM invoices i JOIN orders o ON o.id = i.order_id WHERE o.subscription_id = $1 ORDER BY i.period_start, i.number",
        columns.join(", ")
    );
    let rows = crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(subscription_id).fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            let invoice = crate::invoices::from_row(r)?;
            let paid_at: Option<i64> = r.try_get("order_paid_at")?;
            Ok(PaidInvoice {
                paid_at: paid_at.map(from_db).transpose()?.unwrap_or(invoice.issued_at),
                invoice,
                gateway: r.try_get("gateway")?,
                refunded: r.try_get::<i64, _>("refunds")? > 0,
            })
        })
        .collect()
}

#[derive(Clone, Debug)]
pub struct RefundRecord {
    pub id: RefundId,
    pub org_id: OrgId,
    pub subscription_id: SubscriptionId,
    pub invoice_id: InvoiceId,
    pub request_id: Option<ServiceRequestId>,
    pub gateway: String,
    pub charge_ref: String,
    pub idempotency_key: String,
    pub amount: Money,
    /// What the offer's policy gave; `amount` is less when the agent lowered it.
    pub due: Money,
    /// Why the policy gives what it gives ("prorated: 200 of 365 days unused").
    pub basis: String,
    pub lowered_because: Option<String>,
    pub status: RefundStatus,
    pub refund_ref: Option<String>,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub refunded_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, org_id, subscription_id, invoice_id, request_id, gateway, charge_ref, idempotency_key, \
    currency, amount_minor, due_minor, basis, lowered_because, status, refund_ref, attempts, next_attempt_at, \
    last_error, created_by, created_at, refunded_at";

impl Rows for RefundRecord {
    const INTO: &'static str = "refunds (id, org_id, subscription_id, invoice_id, request_id, gateway, charge_ref, \
        idempotency_key, currency, amount_minor, due_minor, basis, lowered_because, status, refund_ref, attempts, \
        next_attempt_at, last_error, created_by, created_at, refunded_at)";
    const WIDTH: usize = 21;
    fn values(&self, out: &mut Vec<Value>) {
        out.extend([
            Value::from(&self.id),
            (&self.org_id).into(),
            (&self.subscription_id).into(),
            (&self.invoice_id).into(),
            self.request_id.as_ref().into(),
            (&self.gateway).into(),
            (&self.charge_ref).into(),
            (&self.idempotency_key).into(),
            self.amount.currency().code().into(),
            self.amount.minor().into(),
            self.due.minor().into(),
            (&self.basis).into(),
            self.lowered_because.as_deref().into(),
            self.status.as_str().into(),
            self.refund_ref.as_deref().into(),
            self.attempts.into(),
            to_db(self.next_attempt_at).into(),
            self.last_error.as_deref().into(),
            (&self.created_by).into(),
            to_db(self.created_at).into(),
            self.refunded_at.map(to_db).into(),
        ]);
    }
}

fn refund_from_row(r: &Row) -> Result<RefundRecord> {
    let currency: Currency = r.parse("currency")?;
    Ok(RefundRecord {
        id: r.parse("id")?,
        org_id: r.parse("org_id")?,
        subscription_id: r.parse("subscription_id")?,
        invoice_id: r.parse("invoice_id")?,
        request_id: r.parse_opt("request_id")?,
        gateway: r.try_get("gateway")?,
        charge_ref: r.try_get("charge_ref")?,
        idempotency_key: r.try_get("idempotency_key")?,
        amount: Money::new(r.try_get("amount_minor")?, currency),
        due: Money::new(r.try_get("due_minor")?, currency),
        basis: r.try_get("basis")?,
        lowered_because: r.try_get("lowered_because")?,
        status: r.parse("status")?,
        refund_ref: r.try_get("refund_ref")?,
        attempts: r.try_get("attempts")?,
        next_attempt_at: from_db(r.try_get("next_attempt_at")?)?,
        last_error: r.try_get("last_error")?,
        created_by: r.try_get("created_by")?,
        created_at: from_db(r.try_get("created_at")?)?,
        refunded_at: opt_from_db(r.try_get("refunded_at")?)?,
    })
}

/// Records refunds. One for an invoice refunded before is a conflict: nothing more is refunded.
pub async fn insert_many(conn: &mut Conn, refunds: &[RefundRecord]) -> Result<()> {
    let written = bulk::insert(conn, refunds, "ON CONFLICT (invoice_id) DO NOTHING").await?;
    if written != refunds.len() as u64 {
        return Err(StoreError::Conflict("an invoice of this subscription has been refunded already".into()));
    }
    Ok(())
}

pub async fn get(conn: &mut Conn, id: &RefundId) -> Result<Option<RefundRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM refunds WHERE id = $1");
    let row = crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(refund_from_row).transpose()
}

/// The refunds made on a service request, oldest first.
pub async fn for_request(conn: &mut Conn, request_id: &ServiceRequestId) -> Result<Vec<RefundRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM refunds WHERE request_id = $1 ORDER BY created_at, invoice_id");
    let rows = crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(request_id).fetch_all(conn).await?;
    rows.iter().map(refund_from_row).collect()
}

/// Pending refunds whose next attempt is due and that no live lease holds.
pub async fn due(conn: &mut Conn, now: DateTime<Utc>, limit: i64) -> Result<Vec<RefundRecord>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM refunds WHERE status = 'pending' AND next_attempt_at <= $1 \
         AND (lease_until IS NULL OR lease_until < $1) ORDER BY next_attempt_at LIMIT $2"
    );
    let rows = crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(to_db(now)).bind(limit).fetch_all(conn).await?;
    rows.iter().map(refund_from_row).collect()
}

/// Takes a pending refund for one attempt, until `lease_until`; `None` if it is not pending or
/// another worker holds it. Counts the attempt.
pub async fn claim(
    conn: &mut Conn,
    id: &RefundId,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Option<RefundRecord>> {
    let sql = format!(
        "UPDATE refunds SET lease_until = $1, attempts = attempts + 1 WHERE id = $2 AND status = 'pending' \
         AND (lease_until IS NULL OR lease_until < $3) RETURNING {COLUMNS}"
    );
    let row = crate::sql::query(crate::sql::AssertSqlSafe(sql))
        .bind(to_db(lease_until))
        .bind(id)
        .bind(to_db(now))
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(refund_from_row).transpose()
}

/// The gateway took the refund; `false` if it was recorded before.
pub async fn succeed(conn: &mut Conn, id: &RefundId, refund_ref: &str, at: DateTime<Utc>) -> Result<bool> {
    let done = crate::sql::query(
        "UPDATE refunds SET status = 'succeeded', refund_ref = $1, refunded_at = $2, lease_until = NULL, last_error = NULL \
         WHERE id = $3 AND status = 'pending'",
    )
    .bind(refund_ref)
    .bind(to_db(at))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The attempt failed: the refund stays pending until `next_attempt_at`.
pub async fn postpone(conn: &mut Conn, id: &RefundId, error: &str, next_attempt_at: DateTime<Utc>) -> Result<()> {
    crate::sql::query(
        "UPDATE refunds SET last_error = $1, next_attempt_at = $2, lease_until = NULL WHERE id = $3 AND status = 'pending'",
    )
    .bind(error)
    .bind(to_db(next_attempt_at))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Clone, Debug)]
pub struct CreditNoteRecord {
    pub id: CreditNoteId,
    /// `CN-2027-000014`, without gaps per year.
    pub number: String,
    pub org_id: OrgId,
    pub refund_id: RefundId,
    pub invoice_id: InvoiceId,
    pub invoice_number: String,
    pub issued_at: DateTime<Utc>,
    pub net: Money,
    pub tax: Money,
    pub total: Money,
    pub tax_rate_bp: i64,
    pub description: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub seller_name: String,
    pub seller_address: String,
    pub buyer_name: String,
    pub buyer_partner_id: PartnerId,
    pub buyer_country: String,
    /// "Visa •••• 4242".
    pub refunded_to: String,
}

const NOTE_COLUMNS: &str = "id, number, org_id, refund_id, invoice_id, invoice_number, issued_at, currency, net_minor, \
    tax_minor, total_minor, tax_rate_bp, description, period_start, period_end, seller_name, seller_address, \
    buyer_name, buyer_partner_id, buyer_country, refunded_to";

impl Rows for CreditNoteRecord {
    const INTO: &'static str = "credit_notes (id, number, org_id, refund_id, invoice_id, invoice_number, issued_at, \
        currency, net_minor, tax_minor, total_minor, tax_rate_bp, description, period_start, period_end, seller_name, \
        seller_address, buyer_name, buyer_partner_id, buyer_country, refunded_to)";
    const WIDTH: usize = 21;
    fn values(&self, out: &mut Vec<Value>) {
        out.extend([
            Value::from(&self.id),
            (&self.number).into(),
            (&self.org_id).into(),
            (&self.refund_id).into(),
            (&self.invoice_id).into(),
            (&self.invoice_number).into(),
            to_db(self.issued_at).into(),
            self.currency().code().into(),
            self.net.minor().into(),
            self.tax.minor().into(),
            self.total.minor().into(),
            self.tax_rate_bp.into(),
            (&self.description).into(),
            date_to_db(self.period_start).into(),
            date_to_db(self.period_end).into(),
            (&self.seller_name).into(),
            (&self.seller_address).into(),
            (&self.buyer_name).into(),
            self.buyer_partner_id.to_string().into(),
            (&self.buyer_country).into(),
            (&self.refunded_to).into(),
        ]);
    }
}

fn date(text: String) -> Result<NaiveDate> {
    date_from_db(Some(text))?.ok_or_else(|| StoreError::Corrupt("missing date".into()))
}

impl CreditNoteRecord {
    pub fn currency(&self) -> Currency {
        self.total.currency()
    }
}

fn note_from_row(r: &Row) -> Result<CreditNoteRecord> {
    let currency: Currency = r.parse("currency")?;
    let money = |column: &str| -> Result<Money> { Ok(Money::new(r.try_get(column)?, currency)) };
    Ok(CreditNoteRecord {
        id: r.parse("id")?,
        number: r.try_get("number")?,
        org_id: r.parse("org_id")?,
        refund_id: r.parse("refund_id")?,
        invoice_id: r.parse("invoice_id")?,
        invoice_number: r.try_get("invoice_number")?,
        issued_at: from_db(r.try_get("issued_at")?)?,
        net: money("net_minor")?,
        tax: money("tax_minor")?,
        total: money("total_minor")?,
        tax_rate_bp: r.try_get("tax_rate_bp")?,
        description: r.try_get("description")?,
        period_start: date(r.try_get("period_start")?)?,
        period_end: date(r.try_get("period_end")?)?,
        seller_name: r.try_get("seller_name")?,
        seller_address: r.try_get("seller_address")?,
        buyer_name: r.try_get("buyer_name")?,
        buyer_partner_id: r.parse("buyer_partner_id")?,
        buyer_country: r.try_get("buyer_country")?,
        refunded_to: r.try_get("refunded_to")?,
    })
}

pub async fn insert_note(conn: &mut Conn, note: &CreditNoteRecord) -> Result<()> {
    bulk::insert(conn, std::slice::from_ref(note), "").await?;
    Ok(())
}

pub async fn note_in_org(conn: &mut Conn, org: &OrgId, id: &CreditNoteId) -> Result<Option<CreditNoteRecord>> {
    let sql = format!("SELECT {NOTE_COLUMNS} FROM credit_notes WHERE org_id = $1 AND id = $2");
    let row =
        crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(org.as_str()).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(note_from_row).transpose()
}

pub async fn note(conn: &mut Conn, id: &CreditNoteId) -> Result<Option<CreditNoteRecord>> {
    let sql = format!("SELECT {NOTE_COLUMNS} FROM credit_notes WHERE id = $1");
    let row = crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(note_from_row).transpose()
}

pub async fn note_for_refund(conn: &mut Conn, refund_id: &RefundId) -> Result<Option<CreditNoteRecord>> {
    let sql = format!("SELECT {NOTE_COLUMNS} FROM credit_notes WHERE refund_id = $1");
    let row = crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(refund_id).fetch_optional(conn).await?;
    row.as_ref().map(note_from_row).transpose()
}

/// The org's credit notes, newest first.
pub async fn notes_in_org(conn: &mut Conn, org: &OrgId) -> Result<Vec<CreditNoteRecord>> {
    let sql = format!("SELECT {NOTE_COLUMNS} FROM credit_notes WHERE org_id = $1 ORDER BY issued_at DESC, number DESC");
    let rows = crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(org.as_str()).fetch_all(conn).await?;
    rows.iter().map(note_from_row).collect()
}

/// Every credit note number, in order (for checking that there are no gaps).
pub async fn note_numbers(conn: &mut Conn) -> Result<Vec<String>> {
    crate::sql::query_scalar("SELECT number FROM credit_notes ORDER BY number").fetch_all(conn).await
}
