//! Failed sign-ins, counted per e-mail address and per client address over a window. Kept in
//! the database so that every server node sees the same counts.

use crate::time::to_db;
use crate::{Conn, Result};
use chrono::{DateTime, Utc};
use domain::ids::SigninFailureId;

pub async fn record_failure(
    conn: &mut Conn,
    id: &SigninFailureId,
    email: &str,
    address: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    crate::sql::query("INSERT INTO signin_failures (id, email, address, failed_at) VALUES ($1, $2, $3, $4)")
        .bind(id.as_str())
        .bind(email)
        .bind(address)
        .bind(to_db(at))
        .execute(conn)
        .await?;
    Ok(())
}

/// Failures for this e-mail and for this address since `since`.
pub async fn failures_since(conn: &mut Conn, email: &str, address: &str, since: DateTime<Utc>) -> Result<(i64, i64)> {
    let by_email: i64 =
        crate::sql::query_scalar("SELECT COUNT(*) FROM signin_failures WHERE email = $1 AND failed_at > $2")
            .bind(email)
            .bind(to_db(since))
            .fetch_one(&mut *conn)
            .await?;
    let by_address: i64 =
        crate::sql::query_scalar("SELECT COUNT(*) FROM signin_failures WHERE address = $1 AND failed_at > $2")
            .bind(address)
            .bind(to_db(since))
            .fetch_one(&mut *conn)
            .await?;
    Ok((by_email, by_address))
}

/// Forgets failures of this e-mail and this address older than `before`, so the table holds
/// only what the window can still count.
pub async fn forget_before(conn: &mut Conn, email: &str, address: &str, before: DateTime<Utc>) -> Result<()> {
    crate::sql::query("DELETE FROM signin_failures WHERE email = $1 AND failed_at <= $2")
        .bind(email)
        .bind(to_db(before))
        .execute(&mut *conn)
        .await?;
    crate::sql::query("DELETE FROM signin_failures WHERE address = $1 AND failed_at <= $2")
        .bind(address)
        .bind(to_db(before))
        .execute(conn)
        .await?;
    Ok(())
}

/// A successful sign-in clears the e-mail's failures.
pub async fn clear_for_email(conn: &mut Conn, email: &str) -> Result<()> {
    crate::sql::query("DELETE FROM signin_failures WHERE email = $1").bind(email).execute(conn).await?;
    Ok(())
}
