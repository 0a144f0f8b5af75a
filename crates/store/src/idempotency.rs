//! Idempotency keys of API requests: the first request with a key is recorded before it runs,
//! and its response is kept, so that a repeat gets the same answer and moves no money.

use crate::time::to_db;
use crate::{Conn, Result};
use chrono::{DateTime, Utc};

/// What the store knows of a key.
#[derive(Debug)]
pub enum Seen {
    /// First time: the caller now owns the key and must answer it (`finish`, or `keep` when the
    /// claim may have been undone) or give it back (`release`).
    New,
    /// A request with this key is running.
    InProgress { request_hash: String },
    /// Done: what was kept (`app::idempotency` reads it: a status of 0 is a record of its own).
    Done { request_hash: String, status: u16, body: String },
}

/// A key claimed this long ago without an answer belongs to a request that died (a crash); the
/// next request with it takes it over. Running again is safe: what a request does is guarded by
/// the state of what it acts on (an order is paid once), the key only saves the repeat.
const ABANDONED_AFTER: chrono::Duration = chrono::Duration::seconds(10);

/// Claims `key` for `principal`, or reports what happened with it before.
pub async fn claim(conn: &mut Conn, principal: &str, key: &str, request_hash: &str, at: DateTime<Utc>) -> Result<Seen> {
    let taken_over = crate::sql::query(
        "UPDATE idempotency_keys SET created_at = $1 WHERE principal = $2 AND idempotency_key = $3 AND request_hash = $4 \
         AND response_status IS NULL AND created_at <= $5",
    )
    .bind(to_db(at))
    .bind(principal)
    .bind(key)
    .bind(request_hash)
    .bind(to_db(at - ABANDONED_AFTER))
    .execute(&mut *conn)
    .await?;
    if taken_over.rows_affected() == 1 {
        return Ok(Seen::New);
    }
    let inserted = crate::sql::query(
        "INSERT INTO idempotency_keys (principal, idempotency_key, request_hash, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (principal, idempotency_key) DO NOTHING",
    )
    .bind(principal)
    .bind(key)
    .bind(request_hash)
    .bind(to_db(at))
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok(Seen::New);
    }
    let row = crate::sql::query(
        "SELECT request_hash, response_status, response_body FROM idempotency_keys WHERE principal = $1 AND idempotency_key = $2",
    )
    .bind(principal)
    .bind(key)
    .fetch_one(conn)
    .await?;
    let request_hash: String = row.try_get("request_hash")?;
    Ok(match (row.try_get::<Option<i64>, _>("response_status")?, row.try_get::<Option<String>, _>("response_body")?) {
        (Some(status), Some(body)) => Seen::Done { request_hash, status: u16::try_from(status).unwrap_or(500), body },
        _ => Seen::InProgress { request_hash },
    })
}

pub async fn finish(conn: &mut Conn, principal: &str, key: &str, status: u16, body: &str) -> Result<()> {
    // The first answer stands: a later request that took the key over cannot replace it.
    crate::sql::query(
        "UPDATE idempotency_keys SET response_status = $1, response_body = $2 \
         WHERE principal = $3 AND idempotency_key = $4 AND response_status IS NULL",
    )
    .bind(i64::from(status))
    .bind(body)
    .bind(principal)
    .bind(key)
    .execute(conn)
    .await?;
    Ok(())
}

/// Keeps the answer of a request whose claim may have been undone with its transaction (see
/// `payment::buy`): the key is written with its answer, or its claim answered. A key answered
/// already, or claimed for another request, keeps what it has.
pub async fn keep(
    conn: &mut Conn,
    principal: &str,
    key: &str,
    request_hash: &str,
    status: u16,
    body: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    crate::sql::query(
        "INSERT INTO idempotency_keys (principal, idempotency_key, request_hash, response_status, response_body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (principal, idempotency_key) DO UPDATE \
         SET response_status = excluded.response_status, response_body = excluded.response_body \
         WHERE idempotency_keys.response_status IS NULL AND idempotency_keys.request_hash = excluded.request_hash",
    )
    .bind(principal)
    .bind(key)
    .bind(request_hash)
    .bind(i64::from(status))
    .bind(body)
    .bind(to_db(at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Gives a key back when its request ended without an answer worth keeping (the outcome is
/// unknown), so that a retry runs again and reconciles.
pub async fn release(conn: &mut Conn, principal: &str, key: &str) -> Result<()> {
    crate::sql::query(
        "DELETE FROM idempotency_keys WHERE principal = $1 AND idempotency_key = $2 AND response_status IS NULL",
    )
    .bind(principal)
    .bind(key)
    .execute(conn)
    .await?;
    Ok(())
}
