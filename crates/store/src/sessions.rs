//! Browser sessions. The cookie holds a random token; the table holds its SHA-256, so a copy of
//! the database signs nobody in.

use crate::time::to_db;
use crate::{Conn, Principal, Result};
use chrono::{DateTime, Utc};

pub async fn insert(
    conn: &mut Conn,
    token_hash: &str,
    principal: &Principal,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    crate::sql::query(
        "INSERT INTO sessions (token_hash, principal_kind, principal_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(principal.kind())
    .bind(principal.id())
    .bind(to_db(created_at))
    .bind(to_db(expires_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// The principal of a session that has not expired at `now`.
pub async fn find_live(conn: &mut Conn, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Principal>> {
    let row = crate::sql::query(
        "SELECT principal_kind, principal_id FROM sessions WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(to_db(now))
    .fetch_optional(conn)
    .await?;
    match row {
        Some(row) => Ok(Some(Principal::from_db(
            &row.try_get::<String, _>("principal_kind")?,
            &row.try_get::<String, _>("principal_id")?,
        )?)),
        None => Ok(None),
    }
}

pub async fn delete(conn: &mut Conn, token_hash: &str) -> Result<()> {
    crate::sql::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(conn).await?;
    Ok(())
}

/// Ends every session of `principal` but the one whose hash is `keep` (after a password
/// change, or when the user is removed).
pub async fn delete_others(conn: &mut Conn, principal: &Principal, keep: &str) -> Result<()> {
    crate::sql::query("DELETE FROM sessions WHERE principal_kind = $1 AND principal_id = $2 AND token_hash <> $3")
        .bind(principal.kind())
        .bind(principal.id())
        .bind(keep)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_expired(conn: &mut Conn, now: DateTime<Utc>) -> Result<u64> {
    let done = crate::sql::query("DELETE FROM sessions WHERE expires_at <= $1").bind(to_db(now)).execute(conn).await?;
    Ok(done.rows_affected())
}
