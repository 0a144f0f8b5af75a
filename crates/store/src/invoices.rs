//! Invoices, numbered without gaps per series.

use crate::bulk::Value;
use crate::orders::{date_from_db, date_to_db};
use crate::sql::Row;
use crate::time::{from_db, to_db};
use crate::{Conn, Result, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use domain::ids::{InvoiceId, OrderId, OrgId, PartnerId, SubscriptionId};
use domain::money::{Currency, Money};

#[derive(Clone, Debug)]
pub struct InvoiceRecord {
    pub id: InvoiceId,
    pub number: String,
    pub org_id: OrgId,
    pub order_id: OrderId,
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
    pub paid_with: String,
    pub charge_ref: String,
}

/// Takes the next number of `series` inside the caller's transaction. The counter row's lock
/// makes concurrent issuers wait; a rolled-back transaction gives its number back, so the
/// committed numbers have no gaps.
pub async fn next_number(conn: &mut Conn, series: &str) -> Result<i64> {
    reserve_numbers(conn, series, 1).await
}

/// Takes the next `count` numbers of a series at once (a renewal batch's invoices); returns
/// the first. Like [`next_number`], the counter row stays locked until the transaction ends.
pub async fn reserve_numbers(conn: &mut Conn, series: &str, count: i64) -> Result<i64> {
    // One statement whether or not the series has begun.
    let last: i64 = crate::sql::query_scalar(
        "INSERT INTO document_counters (series, last) VALUES ($1, $2) \
         ON CONFLICT (series) DO UPDATE SET last = document_counters.last + excluded.last RETURNING last",
    )
    .bind(series)
    .bind(count)
    .fetch_one(conn)
    .await?;
    Ok(last - count + 1)
}

impl crate::bulk::Rows for InvoiceRecord {
    const INTO: &'static str = "invoices (id, number, org_id, order_id, issued_at, currency, net_minor, tax_minor, \
        total_minor, tax_rate_bp, description, period_start, period_end, seller_name, seller_address, buyer_name, \
        buyer_partner_id, buyer_country, paid_with, charge_ref)";
    const WIDTH: usize = 20;
    fn values(&self, out: &mut Vec<Value>) {
        out.extend([
            Value::from(&self.id),
            (&self.number).into(),
            self.org_id.as_str().into(),
            (&self.order_id).into(),
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
            (&self.paid_with).into(),
            (&self.charge_ref).into(),
        ]);
    }
}

pub async fn insert(conn: &mut Conn, i: &InvoiceRecord) -> Result<()> {
    insert_many(conn, std::slice::from_ref(i)).await
}

pub async fn insert_many(conn: &mut Conn, invoices: &[InvoiceRecord]) -> Result<()> {
    crate::bulk::insert(conn, invoices, "").await?;
    Ok(())
}

pub(crate) const COLUMNS: &str = "id, number, org_id, order_id, issued_at, currency, net_minor, tax_minor, total_minor, tax_rate_bp, \
    description, period_start, period_end, seller_name, seller_address, buyer_name, buyer_partner_id, buyer_country, \
    paid_with, charge_ref";

fn date(text: String) -> Result<NaiveDate> {
    date_from_db(Some(text))?.ok_or_else(|| StoreError::Corrupt("missing date".into()))
}

impl InvoiceRecord {
    pub fn currency(&self) -> Currency {
        self.total.currency()
    }
}

pub(crate) fn from_row(r: &Row) -> Result<InvoiceRecord> {
    let currency: Currency = r.parse("currency")?;
    let money = |column: &str| -> Result<Money> { Ok(Money::new(r.try_get(column)?, currency)) };
    Ok(InvoiceRecord {
        id: r.parse("id")?,
        number: r.try_get("number")?,
        org_id: r.parse("org_id")?,
        order_id: r.parse("order_id")?,
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
        paid_with: r.try_get("paid_with")?,
        charge_ref: r.try_get("charge_ref")?,
    })
}

pub async fn get_in_org(conn: &mut Conn, org: &OrgId, id: &InvoiceId) -> Result<Option<InvoiceRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM invoices WHERE org_id = $1 AND id = $2");
    let row =
        crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(org.as_str()).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(from_row).transpose()
}

/// An invoice of any org (for program staff).
pub async fn get(conn: &mut Conn, id: &InvoiceId) -> Result<Option<InvoiceRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM invoices WHERE id = $1");
    let row = crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn list_in_org(conn: &mut Conn, org: &OrgId) -> Result<Vec<InvoiceRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM invoices WHERE org_id = $1 ORDER BY issued_at DESC, number DESC");
    let rows = crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(org.as_str()).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// Every invoice number of a series, in order (for checking that there are no gaps).
pub async fn numbers(conn: &mut Conn) -> Result<Vec<String>> {
    crate::sql::query_scalar("SELECT number FROM invoices ORDER BY number").fetch_all(conn).await
}

/// The invoices of one subscription of `org` (through the orders that paid for it), newest first.
pub async fn list_for_subscription(
    conn: &mut Conn,
    org: &OrgId,
    subscription_id: &SubscriptionId,
) -> Result<Vec<InvoiceRecord>> {
    let columns: Vec<String> = COLUMNS.split(',').map(|c| format!("i.{}", c.trim())).collect();
    let sql = format!(
        "SELECT {} FROM invoices i JOIN orders o ON o.id = i.order_id WHERE i.org_id = $1 AND o.subscription_id = $2 \
         ORDER BY i.issued_at DESC, i.number DESC",
        columns.join(", ")
    );
    let rows = crate::sql::query(crate::sql::AssertSqlSafe(sql))
        .bind(org.as_str())
        .bind(subscription_id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}
