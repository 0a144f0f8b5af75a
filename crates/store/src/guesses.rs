//! Guesses at secrets (passwords, second-factor codes, e-mailed links), counted over windows
//! per subject and client address together, per subject and per address, each door apart.
//! Kept in the database so that every server node sees the same counts.
//!
//! A guess is written before it is checked (and stays as a failure unless it proved right), in
//! the transaction that counted the windows under [`lock`], so that guesses at one subject made
//! at once cannot all see the count from before any of them.

use crate::time::to_db;
use crate::{Conn, Result};
use chrono::{DateTime, Utc};
use domain::ids::GuessId;

/// Guesses that failed, or are being checked, within their windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    /// This subject from this address.
    pub pair: i64,
    /// This subject from any address.
    pub subject: i64,
    /// Any subject from this address, failures only (not guesses still being checked).
    pub address: i64,
}

/// Where the counting starts for each of [`Counts`].
#[derive(Clone, Copy, Debug)]
pub struct Since {
    pub pair: DateTime<Utc>,
    pub subject: DateTime<Utc>,
    pub address: DateTime<Utc>,
}

/// Holds other guesses at `subject` back until this transaction ends, so that counting and
/// claiming a guess are one step on every node.
///
/// The engines differ here: PostgreSQL takes a transaction-scoped advisory lock on the
/// subject; SQLite's writers already take turns (`BEGIN IMMEDIATE`) and need nothing more.
pub async fn lock(conn: &mut Conn, door: &str, subject: &str) -> Result<()> {
    if conn.backend() != crate::Backend::Postgres {
        return Ok(());
    }
    let _: i64 = crate::sql::query_scalar(
        "SELECT COUNT(*) FROM (SELECT pg_advisory_xact_lock(hashtextextended('guess:' || $1 || ':' || $2, 0))) AS held",
    )
    .bind(door)
    .bind(subject)
    .fetch_one(conn)
    .await?;
    Ok(())
}

pub async fn counts(conn: &mut Conn, door: &str, subject: &str, address: &str, since: Since) -> Result<Counts> {
    let row = crate::sql::query(
        "SELECT \
           (SELECT COUNT(*) FROM guesses WHERE door = $1 AND subject = $2 AND address = $3 AND at > $4) AS pair, \
           (SELECT COUNT(*) FROM guesses WHERE door = $1 AND subject = $2 AND at > $5) AS by_subject, \
           (SELECT COUNT(*) FROM guesses WHERE door = $1 AND address = $3 AND at > $6 AND checking = 0) AS by_address",
    )
    .bind(door)
    .bind(subject)
    .bind(address)
    .bind(to_db(since.pair))
    .bind(to_db(since.subject))
    .bind(to_db(since.address))
    .fetch_one(conn)
    .await?;
    Ok(Counts { pair: row.try_get("pair")?, subject: row.try_get("by_subject")?, address: row.try_get("by_address")? })
}

/// Writes a guess before it is checked; toward the limits per subject it counts as a failure
/// at once, until [`clear_success`] takes it back, and toward the limit per address once
/// [`checked_wrong`] says it failed.
pub async fn record(
    conn: &mut Conn,
    id: &GuessId,
    door: &str,
    subject: &str,
    address: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    crate::sql::query("INSERT INTO guesses (id, door, subject, address, at, checking) VALUES ($1, $2, $3, $4, $5, 1)")
        .bind(id.as_str())
        .bind(door)
        .bind(subject)
        .bind(address)
        .bind(to_db(at))
        .execute(conn)
        .await?;
    Ok(())
}

/// The guess was wrong: it is a failure for every limit now.
pub async fn checked_wrong(conn: &mut Conn, id: &GuessId) -> Result<()> {
    crate::sql::query("UPDATE guesses SET checking = 0 WHERE id = $1").bind(id.as_str()).execute(conn).await?;
    Ok(())
}

/// Forgets this door's guesses at this subject and from this address older than `before` (the
/// longest window), so the table holds only what a window can still count.
pub async fn forget_before(
    conn: &mut Conn,
    door: &str,
    subject: &str,
    address: &str,
    before: DateTime<Utc>,
) -> Result<()> {
    crate::sql::query("DELETE FROM guesses WHERE door = $1 AND (subject = $2 OR address = $3) AND at <= $4")
        .bind(door)
        .bind(subject)
        .bind(address)
        .bind(to_db(before))
        .execute(conn)
        .await?;
    Ok(())
}

/// A right guess: it was no failure, and the earlier failures at this subject from this
/// address are forgiven. Failures from other addresses stay: the owner signing in must not
/// reset the count of someone guessing elsewhere.
pub async fn clear_success(conn: &mut Conn, id: &GuessId, door: &str, subject: &str, address: &str) -> Result<()> {
    crate::sql::query("DELETE FROM guesses WHERE id = $1 OR (door = $2 AND subject = $3 AND address = $4)")
        .bind(id.as_str())
        .bind(door)
        .bind(subject)
        .bind(address)
        .execute(conn)
        .await?;
    Ok(())
}
