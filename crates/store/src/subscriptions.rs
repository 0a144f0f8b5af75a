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
    /// Failed automatic renewal charges of the current term retried so far.
    pub retries_done: i64,
    pub next_retry_on: Option<NaiveDate>,
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
        retries_done: r.try_get("retries_done")?,
        next_retry_on: date_from_db(r.try_get("next_retry_on")?)?,
    })
}

const COLUMNS: &str = "id, org_id, offer_code, offer_name, status, auto_renew, anchor_date, term_start, term_end, currency, \
    price_minor, payment_method_id, created_at, retries_done, next_retry_on";

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

/// A subscription by id, whichever org holds it (for the renewal run).
pub async fn get(conn: &mut Conn, id: &str) -> Result<Option<SubscriptionRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM subscriptions WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(from_row).transpose()
}

/// Claims up to `limit` subscriptions with work due on `today` (a renewal, a retry, an expiry)
/// that no live lease holds, leasing them until `lease_until`.
pub async fn claim_due(
    conn: &mut Conn,
    today: NaiveDate,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<SubscriptionRecord>> {
    // The texts differ: PostgreSQL skips rows another worker is claiming (SKIP LOCKED); SQLite
    // has no row locks and needs none, since its writers take turns.
    let pick = "SELECT id FROM subscriptions WHERE ((status = 'active' AND term_end <= $1) \
                OR (status = 'past_due' AND next_retry_on <= $1)) AND (lease_until IS NULL OR lease_until < $2) \
                ORDER BY term_end, id LIMIT $3";
    let sql = match conn.backend_name() {
        "PostgreSQL" => format!(
            "UPDATE subscriptions SET lease_until = $4 WHERE id IN ({pick} FOR UPDATE SKIP LOCKED) RETURNING {COLUMNS}"
        ),
        _ => format!("UPDATE subscriptions SET lease_until = $4 WHERE id IN ({pick}) RETURNING {COLUMNS}"),
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(date_to_db(today))
        .bind(to_db(now))
        .bind(limit)
        .bind(to_db(lease_until))
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn release(conn: &mut Conn, id: &str) -> Result<()> {
    sqlx::query("UPDATE subscriptions SET lease_until = NULL WHERE id = $1").bind(id).execute(conn).await?;
    Ok(())
}

/// Moves a subscription to its new term, but only if it still ends on `expected_end`: a second
/// renewer of the same term changes nothing and gets `false`.
pub async fn renew(
    conn: &mut Conn,
    id: &str,
    expected_end: NaiveDate,
    anchor: NaiveDate,
    start: NaiveDate,
    end: NaiveDate,
    payment_method_id: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE subscriptions SET status = 'active', auto_renew = 1, anchor_date = $1, term_start = $2, term_end = $3, \
         payment_method_id = $4, retries_done = 0, next_retry_on = NULL, lease_until = NULL WHERE id = $5 AND term_end = $6",
    )
    .bind(date_to_db(anchor))
    .bind(date_to_db(start))
    .bind(date_to_db(end))
    .bind(payment_method_id)
    .bind(id)
    .bind(date_to_db(expected_end))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_past_due(
    conn: &mut Conn,
    id: &str,
    retries_done: i64,
    next_retry_on: Option<NaiveDate>,
) -> Result<()> {
    sqlx::query("UPDATE subscriptions SET status = 'past_due', retries_done = $1, next_retry_on = $2, lease_until = NULL WHERE id = $3")
        .bind(retries_done)
        .bind(next_retry_on.map(date_to_db))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_status(conn: &mut Conn, id: &str, status: &str) -> Result<()> {
    sqlx::query("UPDATE subscriptions SET status = $1, next_retry_on = NULL, lease_until = NULL WHERE id = $2")
        .bind(status)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Turns automatic renewal off; `false` if it was off already.
pub async fn turn_off_auto_renew(conn: &mut Conn, org: &OrgId, id: &str) -> Result<bool> {
    let done = sqlx::query("UPDATE subscriptions SET auto_renew = 0 WHERE org_id = $1 AND id = $2 AND auto_renew = 1")
        .bind(org.as_str())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Live subscriptions whose term ends between `from` and `to` (for reminders).
pub async fn ending_between(conn: &mut Conn, from: NaiveDate, to: NaiveDate) -> Result<Vec<SubscriptionRecord>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM subscriptions WHERE status IN ('active', 'past_due') AND term_end >= $1 AND term_end <= $2 ORDER BY term_end, id"
    );
    let rows =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(date_to_db(from)).bind(date_to_db(to)).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}
