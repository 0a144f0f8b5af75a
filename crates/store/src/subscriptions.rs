//! Subscriptions: an org's hold on an offer, term by term.

use crate::orders::{date_from_db, date_to_db};
use crate::time::{from_db, to_db};
use crate::{Conn, Result, StoreError, valid};
use chrono::{DateTime, NaiveDate, Utc};
use domain::ids::OrgId;
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Clone, Debug)]
pub struct SubscriptionRecord {
    pub id: String,
    pub org_id: OrgId,
    pub offer_code: String,
    pub offer_name: String,
    /// `active` for now; the lifecycle adds past_due, expired, cancelled.
    pub status: String,
    pub auto_renew: bool,
    /// The first day of the first term: anniversaries are counted from it.
    pub anchor_date: NaiveDate,
    pub term_start: NaiveDate,
    pub term_end: NaiveDate,
    pub currency: String,
    pub price_minor: i64,
    pub payment_method_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

fn date(text: String) -> Result<NaiveDate> {
    date_from_db(Some(text))?.ok_or_else(|| StoreError::Corrupt("missing date".into()))
}

fn from_row(r: &AnyRow) -> Result<SubscriptionRecord> {
    Ok(SubscriptionRecord {
        id: r.try_get("id")?,
        org_id: valid(OrgId::parse(&r.try_get::<String, _>("org_id")?))?,
        offer_code: r.try_get("offer_code")?,
        offer_name: r.try_get("offer_name")?,
        status: r.try_get("status")?,
        auto_renew: r.try_get::<i64, _>("auto_renew")? != 0,
        anchor_date: date(r.try_get("anchor_date")?)?,
        term_start: date(r.try_get("term_start")?)?,
        term_end: date(r.try_get("term_end")?)?,
        currency: r.try_get("currency")?,
        price_minor: r.try_get("price_minor")?,
        payment_method_id: r.try_get("payment_method_id")?,
        created_at: from_db(r.try_get("created_at")?)?,
    })
}

const COLUMNS: &str = "id, org_id, offer_code, offer_name, status, auto_renew, anchor_date, term_start, term_end, currency, \
    price_minor, payment_method_id, created_at";

pub async fn insert(conn: &mut Conn, s: &SubscriptionRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO subscriptions (id, org_id, offer_code, offer_name, status, auto_renew, anchor_date, term_start, term_end, \
         currency, price_minor, payment_method_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(&s.id)
    .bind(s.org_id.as_str())
    .bind(&s.offer_code)
    .bind(&s.offer_name)
    .bind(&s.status)
    .bind(i64::from(s.auto_renew))
    .bind(date_to_db(s.anchor_date))
    .bind(date_to_db(s.term_start))
    .bind(date_to_db(s.term_end))
    .bind(&s.currency)
    .bind(s.price_minor)
    .bind(s.payment_method_id.as_deref())
    .bind(to_db(s.created_at))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn list_in_org(conn: &mut Conn, org: &OrgId) -> Result<Vec<SubscriptionRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM subscriptions WHERE org_id = $1 ORDER BY created_at DESC, id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org.as_str()).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

pub async fn get_in_org(conn: &mut Conn, org: &OrgId, id: &str) -> Result<Option<SubscriptionRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM subscriptions WHERE org_id = $1 AND id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org.as_str()).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(from_row).transpose()
}

/// Offer codes the org holds a live subscription to.
pub async fn live_offer_codes(conn: &mut Conn, org: &OrgId) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT offer_code FROM subscriptions WHERE org_id = $1 AND status IN ('active', 'past_due')",
    )
    .bind(org.as_str())
    .fetch_all(conn)
    .await?)
}
