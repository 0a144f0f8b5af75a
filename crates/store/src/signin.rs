//! Sign-in attempts, counted over windows per e-mail and client address together, per e-mail
//! and per address. Kept in the database so that every server node sees the same counts.
//!
//! An attempt is written before its password is checked (and stays as a failure unless the
//! password was right), in the transaction that counted the windows under [`lock`], so that
//! attempts on one account made at once cannot all see the count from before any of them.

use crate::time::to_db;
use crate::{Conn, Result};
use chrono::{DateTime, Utc};
use domain::ids::SigninFailureId;

/// Attempts that failed, or are being checked, within their windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    /// This e-mail from this address.
    pub pair: i64,
    /// This e-mail from any address.
    pub email: i64,
    /// Any e-mail from this address, failures only (not attempts still being checked).
    pub address: i64,
}

/// Holds other attempts on `email` back until this transaction ends, so that counting and
/// claiming an attempt on one account are one step on every node.
///
/// The engines differ here: PostgreSQL takes a transaction-scoped advisory lock on the
/// e-mail; SQLite's writers already take turns (`BEGIN IMMEDIATE`) and need nothing more.
pub async fn lock(conn: &mut Conn, email: &str) -> Result<()> {
    if conn.backend_name() != "PostgreSQL" {
        return Ok(());
    }
    let _: i64 = crate::sql::query_scalar(
        "SELECT COUNT(*) FROM (SELECT pg_advisory_xact_lock(hashtextextended('signin:' || $1, 0))) AS held",
    )
    .bind(email)
    .fetch_one(conn)
    .await?;
    Ok(())
}

/// Counts attempts after `short_since` for the pair and the address, and after `long_since`
/// for the e-mail.
pub async fn counts(
    conn: &mut Conn,
    email: &str,
    address: &str,
    short_since: DateTime<Utc>,
    long_since: DateTime<Utc>,
) -> Result<Counts> {
    let row = crate::sql::query(
        "SELECT \
           (SELECT COUNT(*) FROM signin_failures WHERE email = $1 AND address = $2 AND failed_at > $3) AS pair, \
           (SELECT COUNT(*) FROM signin_failures WHERE email = $1 AND failed_at > $4) AS by_email, \
           (SELECT COUNT(*) FROM signin_failures WHERE address = $2 AND failed_at > $3 AND checking = 0) AS by_address",
    )
    .bind(email)
    .bind(address)
    .bind(to_db(short_since))
    .bind(to_db(long_since))
    .fetch_one(conn)
    .await?;
    Ok(Counts { pair: row.try_get("pair")?, email: row.try_get("by_email")?, address: row.try_get("by_address")? })
}

/// Writes an attempt, before its password is checked; toward the limits per e-mail it counts
/// as a failure at once, until [`clear_success`] takes it back, and toward the limit per
/// address once [`checked_wrong`] says it failed.
pub async fn record_attempt(
    conn: &mut Conn,
    id: &SigninFailureId,
    email: &str,
    address: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    crate::sql::query(
        "INSERT INTO signin_failures (id, email, address, failed_at, checking) VALUES ($1, $2, $3, $4, 1)",
    )
    .bind(id.as_str())
    .bind(email)
    .bind(address)
    .bind(to_db(at))
    .execute(conn)
    .await?;
    Ok(())
}

/// The attempt's password was wrong: it is a failure for every limit now.
pub async fn checked_wrong(conn: &mut Conn, id: &SigninFailureId) -> Result<()> {
    crate::sql::query("UPDATE signin_failures SET checking = 0 WHERE id = $1").bind(id.as_str()).execute(conn).await?;
    Ok(())
}

/// Forgets attempts of this e-mail and this address older than `before` (the longest window),
/// so the table holds only what a window can still count.
pub async fn forget_before(conn: &mut Conn, email: &str, address: &str, before: DateTime<Utc>) -> Result<()> {
    crate::sql::query("DELETE FROM signin_failures WHERE (email = $1 OR address = $2) AND failed_at <= $3")
        .bind(email)
        .bind(address)
        .bind(to_db(before))
        .execute(conn)
        .await?;
    Ok(())
}

/// A right password: the attempt was no failure, and the earlier failures of this e-mail from
/// this address are forgiven. Failures from other addresses stay: the owner signing in must
/// not reset the count of someone guessing elsewhere.
pub async fn clear_success(conn: &mut Conn, id: &SigninFailureId, email: &str, address: &str) -> Result<()> {
    crate::sql::query("DELETE FROM signin_failures WHERE id = $1 OR (email = $2 AND address = $3)")
        .bind(id.as_str())
        .bind(email)
        .bind(address)
        .execute(conn)
        .await?;
    Ok(())
}
