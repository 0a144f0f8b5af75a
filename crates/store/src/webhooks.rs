//! Webhook endpoints, the events written for them, their deliveries and the log of attempts.

use crate::bulk::{self, Rows, Value};
use crate::sql::Row;
use crate::time::{from_db, opt_from_db, to_db};
use crate::{Conn, Result};
use chrono::{DateTime, Utc};
use domain::webhook::{DeliveryStatus, EndpointStatus};

#[derive(Clone, Debug)]
pub struct EndpointRecord {
    pub id: String,
    pub url: String,
    pub event_types: Vec<String>,
    /// With the server's key, gives the signing secret (never stored).
    pub secret_salt: String,
    pub status: EndpointStatus,
    pub disabled_reason: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

const ENDPOINT_COLUMNS: &str = "id, url, event_types, secret_salt, status, disabled_reason, created_by, created_at";

fn endpoint_from_row(r: &Row) -> Result<EndpointRecord> {
    let types: String = r.try_get("event_types")?;
    Ok(EndpointRecord {
        id: r.try_get("id")?,
        url: r.try_get("url")?,
        event_types: types.split_whitespace().map(str::to_owned).collect(),
        secret_salt: r.try_get("secret_salt")?,
        status: r.parse("status")?,
        disabled_reason: r.try_get("disabled_reason")?,
        created_by: r.try_get("created_by")?,
        created_at: from_db(r.try_get("created_at")?)?,
    })
}

pub async fn insert_endpoint(conn: &mut Conn, e: &EndpointRecord) -> Result<()> {
    let sql = format!("INSERT INTO webhook_endpoints ({ENDPOINT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
    crate::sql::query(crate::sql::AssertSqlSafe(sql))
        .bind(&e.id)
        .bind(&e.url)
        .bind(e.event_types.join(" "))
        .bind(&e.secret_salt)
        .bind(e.status.as_str())
        .bind(e.disabled_reason.as_deref())
        .bind(&e.created_by)
        .bind(to_db(e.created_at))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn endpoints(conn: &mut Conn) -> Result<Vec<EndpointRecord>> {
    let sql = format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints ORDER BY created_at, id");
    let rows = crate::sql::query(crate::sql::AssertSqlSafe(sql)).fetch_all(conn).await?;
    rows.iter().map(endpoint_from_row).collect()
}

pub async fn endpoint(conn: &mut Conn, id: &str) -> Result<Option<EndpointRecord>> {
    let sql = format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1");
    let row = crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(endpoint_from_row).transpose()
}

/// The enabled endpoints (each says which event types it asked for).
pub async fn enabled(conn: &mut Conn) -> Result<Vec<EndpointRecord>> {
    let sql = format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE status = 'enabled' ORDER BY id");
    let rows = crate::sql::query(crate::sql::AssertSqlSafe(sql)).fetch_all(conn).await?;
    rows.iter().map(endpoint_from_row).collect()
}

/// Enables or disables an endpoint; `false` if it was so already.
pub async fn set_endpoint_status(
    conn: &mut Conn,
    id: &str,
    status: EndpointStatus,
    reason: Option<&str>,
) -> Result<bool> {
    let done = crate::sql::query(
        "UPDATE webhook_endpoints SET status = $1, disabled_reason = $2 WHERE id = $3 AND status <> $1",
    )
    .bind(status.as_str())
    .bind(reason)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete_endpoint(conn: &mut Conn, id: &str) -> Result<bool> {
    let done = crate::sql::query("DELETE FROM webhook_endpoints WHERE id = $1").bind(id).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Clone, Debug)]
pub struct EventRecord {
    pub id: String,
    pub event_type: String,
    pub org_id: Option<String>,
    pub ordering_key: String,
    /// The JSON body receivers get, exactly.
    pub payload: String,
    pub created_at: DateTime<Utc>,
}

impl Rows for EventRecord {
    const INTO: &'static str = "webhook_events (id, event_type, org_id, ordering_key, payload, created_at)";
    const WIDTH: usize = 6;
    fn values(&self, out: &mut Vec<Value>) {
        out.extend([
            Value::from(&self.id),
            (&self.event_type).into(),
            self.org_id.as_deref().into(),
            (&self.ordering_key).into(),
            (&self.payload).into(),
            to_db(self.created_at).into(),
        ]);
    }
}

/// One event on its way to one endpoint.
#[derive(Clone, Debug)]
pub struct DeliveryRecord {
    pub id: String,
    pub event_id: String,
    pub endpoint_id: String,
    pub ordering_key: String,
    /// Orders the deliveries of one endpoint and ordering key.
    pub sequence: i64,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl Rows for DeliveryRecord {
    const INTO: &'static str = "webhook_deliveries (id, event_id, endpoint_id, ordering_key, sequence, status, \
        attempts, next_attempt_at, last_status, last_error, created_at, delivered_at)";
    const WIDTH: usize = 12;
    fn values(&self, out: &mut Vec<Value>) {
        out.extend([
            Value::from(&self.id),
            (&self.event_id).into(),
            (&self.endpoint_id).into(),
            (&self.ordering_key).into(),
            self.sequence.into(),
            self.status.as_str().into(),
            self.attempts.into(),
            to_db(self.next_attempt_at).into(),
            self.last_status.into(),
            self.last_error.as_deref().into(),
            to_db(self.created_at).into(),
            self.delivered_at.map(to_db).into(),
        ]);
    }
}

const DELIVERY_COLUMNS: &str = "id, event_id, endpoint_id, ordering_key, sequence, status, attempts, \
    next_attempt_at, last_status, last_error, created_at, delivered_at";

fn delivery_from_row(r: &Row) -> Result<DeliveryRecord> {
    Ok(DeliveryRecord {
        id: r.try_get("id")?,
        event_id: r.try_get("event_id")?,
        endpoint_id: r.try_get("endpoint_id")?,
        ordering_key: r.try_get("ordering_key")?,
        sequence: r.try_get("sequence")?,
        status: r.parse("status")?,
        attempts: r.try_get("attempts")?,
        next_attempt_at: from_db(r.try_get("next_attempt_at")?)?,
        last_status: r.try_get("last_status")?,
        last_error: r.try_get("last_error")?,
        created_at: from_db(r.try_get("created_at")?)?,
        delivered_at: opt_from_db(r.try_get("delivered_at")?)?,
    })
}

/// Writes events and their deliveries (in the caller's transaction: the change's own).
pub async fn insert(conn: &mut Conn, events: &[EventRecord], deliveries: &[DeliveryRecord]) -> Result<()> {
    bulk::insert(conn, events, "").await?;
    bulk::insert(conn, deliveries, "").await?;
    Ok(())
}

/// A delivery claimed for an attempt, with what the attempt needs.
#[derive(Clone, Debug)]
pub struct Due {
    pub delivery: DeliveryRecord,
    pub event_type: String,
    pub payload: String,
    pub url: String,
    pub secret_salt: String,
}

/// Whether any delivery to an enabled endpoint is due and free of a live lease (a read, so that
/// an idle worker does not take the writer to find nothing to claim; a disabled endpoint's
/// deliveries wait without waking it).
/// Leases are judged by `wall`, as in [`claim_due`].
pub async fn any_pending_due(conn: &mut Conn, now: DateTime<Utc>, wall: DateTime<Utc>) -> Result<bool> {
    let found: Option<i64> = crate::sql::query_scalar(
        "SELECT 1 FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id \
         WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND (d.lease_until IS NULL OR d.lease_until < $2) \
         AND w.status = 'enabled' LIMIT 1",
    )
    .bind(to_db(now))
    .bind(to_db(wall))
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// Claims up to `limit` pending deliveries that are due, that no live lease holds, and that no
/// earlier pending delivery of the same endpoint and ordering key waits before: leased until
/// `lease_until`.
/// Leases are judged by `wall` (the wall clock every process shares), the delivery's next try
/// by `now` (the program's clock).
pub async fn claim_due(
    conn: &mut Conn,
    now: DateTime<Utc>,
    wall: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Due>> {
    let pick = "SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id \
        WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND (d.lease_until IS NULL OR d.lease_until < $4) \
        AND w.status = 'enabled' AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.endpoint_id = d.endpoint_id \
        AND e.ordering_key = d.ordering_key AND e.status = 'pending' \
        AND e.sequence < d.sequence) \
        ORDER BY d.next_attempt_at LIMIT $2";
    // PostgreSQL skips rows another worker is claiming; SQLite's writers take turns.
    let lock = if conn.backend() == crate::Backend::Postgres { " FOR UPDATE OF d SKIP LOCKED" } else { "" };
    let sql = format!(
        "UPDATE webhook_deliveries SET lease_until = $3 WHERE id IN ({pick}{lock}) RETURNING {DELIVERY_COLUMNS}"
    );
    let rows = crate::sql::query(crate::sql::AssertSqlSafe(sql))
        .bind(to_db(now))
        .bind(limit)
        .bind(to_db(lease_until))
        .bind(to_db(wall))
        .fetch_all(&mut *conn)
        .await?;
    let mut due = Vec::with_capacity(rows.len());
    for row in &rows {
        let delivery = delivery_from_row(row)?;
        let r = crate::sql::query(
            "SELECT e.event_type, e.payload, w.url, w.secret_salt FROM webhook_events e, webhook_endpoints w \
             WHERE e.id = $1 AND w.id = $2",
        )
        .bind(&delivery.event_id)
        .bind(&delivery.endpoint_id)
        .fetch_one(&mut *conn)
        .await?;
        due.push(Due {
            event_type: r.try_get("event_type")?,
            payload: r.try_get("payload")?,
            url: r.try_get("url")?,
            secret_salt: r.try_get("secret_salt")?,
            delivery,
        });
    }
    due.sort_by_key(|d| d.delivery.sequence);
    Ok(due)
}

/// What one attempt gave.
pub struct Attempt<'a> {
    pub id: &'a str,
    pub delivery_id: &'a str,
    pub at: DateTime<Utc>,
    pub status_code: Option<i64>,
    pub error: Option<&'a str>,
    pub duration_ms: i64,
}

/// Logs an attempt and moves its delivery on: delivered, pending until `retry_at`, or failed.
pub async fn record_attempt(
    conn: &mut Conn,
    a: &Attempt<'_>,
    delivered: bool,
    retry_at: Option<DateTime<Utc>>,
) -> Result<()> {
    crate::sql::query(
        "INSERT INTO webhook_attempts (id, delivery_id, at, status_code, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(a.id)
    .bind(a.delivery_id)
    .bind(to_db(a.at))
    .bind(a.status_code)
    .bind(a.error)
    .bind(a.duration_ms)
    .execute(&mut *conn)
    .await?;
    let (status, next) = match (delivered, retry_at) {
        (true, _) => (DeliveryStatus::Delivered, a.at),
        (false, Some(at)) => (DeliveryStatus::Pending, at),
        (false, None) => (DeliveryStatus::Failed, a.at),
    };
    crate::sql::query(
        "UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, next_attempt_at = $2, lease_until = NULL, \
         last_status = $3, last_error = $4, delivered_at = CASE WHEN $1 = 'delivered' THEN $5 ELSE delivered_at END \
         WHERE id = $6",
    )
    .bind(status.as_str())
    .bind(to_db(next))
    .bind(a.status_code)
    .bind(a.error)
    .bind(to_db(a.at))
    .bind(a.delivery_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// An endpoint's deliveries, newest first, with each event's type.
pub async fn deliveries(conn: &mut Conn, endpoint_id: &str, limit: i64) -> Result<Vec<(DeliveryRecord, String)>> {
    let columns: Vec<String> = DELIVERY_COLUMNS.split(',').map(|c| format!("d.{}", c.trim())).collect();
    let sql = format!(
        "SELECT {}, e.event_type FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id \
         WHERE d.endpoint_id = $1 ORDER BY d.sequence DESC LIMIT $2",
        columns.join(", ")
    );
    let rows = crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(endpoint_id).bind(limit).fetch_all(conn).await?;
    rows.iter().map(|r| Ok((delivery_from_row(r)?, r.try_get("event_type")?))).collect()
}

pub async fn delivery(conn: &mut Conn, id: &str) -> Result<Option<DeliveryRecord>> {
    let sql = format!("SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1");
    let row = crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(delivery_from_row).transpose()
}

/// Sends a delivery again from the start of its schedule (**Resend**).
pub async fn resend(conn: &mut Conn, id: &str, now: DateTime<Utc>) -> Result<bool> {
    let done = crate::sql::query(
        "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $1, lease_until = NULL \
         WHERE id = $2",
    )
    .bind(to_db(now))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The attempts of a delivery, oldest first: `(at, status code, error, duration in ms)`.
pub async fn attempts(
    conn: &mut Conn,
    delivery_id: &str,
) -> Result<Vec<(DateTime<Utc>, Option<i64>, Option<String>, i64)>> {
    let rows = crate::sql::query(
        "SELECT at, status_code, error, duration_ms FROM webhook_attempts WHERE delivery_id = $1 ORDER BY at, id",
    )
    .bind(delivery_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((from_db(r.try_get("at")?)?, r.try_get("status_code")?, r.try_get("error")?, r.try_get("duration_ms")?))
        })
        .collect()
}

/// Recorded events, newest first: of one type (if given), older than the event `after` (keyset
/// paging).
pub async fn events(
    conn: &mut Conn,
    event_type: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<EventRecord>> {
    let mut clauses = Vec::new();
    if event_type.is_some() {
        clauses.push(format!("event_type = ${}", clauses.len() + 1));
    }
    if after.is_some() {
        clauses.push(format!(
            "(created_at, id) < (SELECT created_at, id FROM webhook_events WHERE id = ${})",
            clauses.len() + 1
        ));
    }
    let filter = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    let sql = format!(
        "SELECT id, event_type, org_id, ordering_key, payload, created_at FROM webhook_events {filter} \
         ORDER BY created_at DESC, id DESC LIMIT ${}",
        clauses.len() + 1
    );
    let mut q = crate::sql::query(crate::sql::AssertSqlSafe(sql));
    if let Some(t) = event_type {
        q = q.bind(t);
    }
    if let Some(a) = after {
        q = q.bind(a);
    }
    let rows = q.bind(limit).fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            Ok(EventRecord {
                id: r.try_get("id")?,
                event_type: r.try_get("event_type")?,
                org_id: r.try_get("org_id")?,
                ordering_key: r.try_get("ordering_key")?,
                payload: r.try_get("payload")?,
                created_at: from_db(r.try_get("created_at")?)?,
            })
        })
        .collect()
}
