//! Browser sessions. The cookie holds a random token; the table holds its SHA-256, so a copy of
//! the database signs nobody in. Each session also has an id, to name it on Account > Security.

use crate::sql::Row;
use crate::time::{from_db, to_db};
use crate::{Conn, Principal, Result, StoreError, valid};
use chrono::{DateTime, Utc};
use domain::ids::SessionId;
use domain::session::Stage;

#[derive(Clone, Debug)]
pub struct SessionRecord {
    pub id: SessionId,
    pub principal: Principal,
    pub stage: Stage,
    /// How the person signed in: `password`, `sign-up`, `passkey`, `sso`, …
    pub method: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// When a second factor was last given in this session.
    pub factor_at: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
    pub user_agent: String,
    pub address: String,
}

fn from_row(row: &Row) -> Result<SessionRecord> {
    let stage: String = row.try_get("stage")?;
    Ok(SessionRecord {
        id: valid(SessionId::parse(&row.try_get::<String, _>("id")?))?,
        principal: Principal::from_db(
            &row.try_get::<String, _>("principal_kind")?,
            &row.try_get::<String, _>("principal_id")?,
        )?,
        stage: Stage::parse(&stage).ok_or_else(|| StoreError::Corrupt(format!("session stage {stage:?}")))?,
        method: row.try_get("method")?,
        created_at: from_db(row.try_get("created_at")?)?,
        last_seen_at: from_db(row.try_get("last_seen_at")?)?,
        factor_at: row.try_get::<Option<i64>, _>("factor_at")?.map(from_db).transpose()?,
        expires_at: from_db(row.try_get("expires_at")?)?,
        user_agent: row.try_get("user_agent")?,
        address: row.try_get("address")?,
    })
}

pub async fn insert(conn: &mut Conn, token_hash: &str, s: &SessionRecord) -> Result<()> {
    crate::sql::query(
        "INSERT INTO sessions (id, token_hash, principal_kind, principal_id, stage, method, created_at, last_seen_at, \
         factor_at, expires_at, user_agent, address) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(s.id.as_str())
    .bind(token_hash)
    .bind(s.principal.kind())
    .bind(s.principal.id())
    .bind(s.stage.as_str())
    .bind(s.method.as_str())
    .bind(to_db(s.created_at))
    .bind(to_db(s.last_seen_at))
    .bind(s.factor_at.map(to_db))
    .bind(to_db(s.expires_at))
    .bind(s.user_agent.as_str())
    .bind(s.address.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// The session of `token_hash` if it is live at `now`: before its end, and seen after
/// `idle_since`.
pub async fn find_live(
    conn: &mut Conn,
    token_hash: &str,
    now: DateTime<Utc>,
    idle_since: DateTime<Utc>,
) -> Result<Option<SessionRecord>> {
    let row = crate::sql::query(
        "SELECT id, principal_kind, principal_id, stage, method, created_at, last_seen_at, factor_at, expires_at, \
         user_agent, address FROM sessions WHERE token_hash = $1 AND expires_at > $2 AND last_seen_at > $3",
    )
    .bind(token_hash)
    .bind(to_db(now))
    .bind(to_db(idle_since))
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The live sessions of `principal`, the most recently seen first.
pub async fn list_live(
    conn: &mut Conn,
    principal: &Principal,
    now: DateTime<Utc>,
    idle_since: DateTime<Utc>,
) -> Result<Vec<SessionRecord>> {
    let rows = crate::sql::query(
        "SELECT id, principal_kind, principal_id, stage, method, created_at, last_seen_at, factor_at, expires_at, \
         user_agent, address FROM sessions WHERE principal_kind = $1 AND principal_id = $2 AND expires_at > $3 \
         AND last_seen_at > $4 ORDER BY last_seen_at DESC, id LIMIT 200",
    )
    .bind(principal.kind())
    .bind(principal.id())
    .bind(to_db(now))
    .bind(to_db(idle_since))
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Notes that the session was used at `at`.
pub async fn touch(conn: &mut Conn, id: &SessionId, at: DateTime<Utc>) -> Result<()> {
    crate::sql::query("UPDATE sessions SET last_seen_at = $2 WHERE id = $1 AND last_seen_at < $2")
        .bind(id.as_str())
        .bind(to_db(at))
        .execute(conn)
        .await?;
    Ok(())
}

/// Gives the session of `old_hash` the token of `new_hash` and the `stage`, and notes a second
/// factor given at `factor_at` (kept as it was when `None`); false if no such session.
pub async fn rotate(
    conn: &mut Conn,
    old_hash: &str,
    new_hash: &str,
    stage: Stage,
    factor_at: Option<DateTime<Utc>>,
) -> Result<bool> {
    let done = crate::sql::query(
        "UPDATE sessions SET token_hash = $2, stage = $3, factor_at = COALESCE($4, factor_at) WHERE token_hash = $1",
    )
    .bind(old_hash)
    .bind(new_hash)
    .bind(stage.as_str())
    .bind(factor_at.map(to_db))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete(conn: &mut Conn, token_hash: &str) -> Result<()> {
    crate::sql::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(conn).await?;
    Ok(())
}

/// Ends the session `id` of `principal`; false if they have no such session.
pub async fn delete_one(conn: &mut Conn, principal: &Principal, id: &SessionId) -> Result<bool> {
    let done = crate::sql::query("DELETE FROM sessions WHERE id = $1 AND principal_kind = $2 AND principal_id = $3")
        .bind(id.as_str())
        .bind(principal.kind())
        .bind(principal.id())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends every session of `principal` but the one whose hash is `keep` (after a password or
/// second-factor change, or **Sign out everywhere else**).
pub async fn delete_others(conn: &mut Conn, principal: &Principal, keep: &str) -> Result<()> {
    crate::sql::query("DELETE FROM sessions WHERE principal_kind = $1 AND principal_id = $2 AND token_hash <> $3")
        .bind(principal.kind())
        .bind(principal.id())
        .bind(keep)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends every session of `principal` (a password reset, a removed user).
pub async fn delete_all(conn: &mut Conn, principal: &Principal) -> Result<()> {
    crate::sql::query("DELETE FROM sessions WHERE principal_kind = $1 AND principal_id = $2")
        .bind(principal.kind())
        .bind(principal.id())
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes the sessions that ended at `now` or went idle before `idle_since`.
pub async fn delete_expired(conn: &mut Conn, now: DateTime<Utc>, idle_since: DateTime<Utc>) -> Result<u64> {
    let done = crate::sql::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
        .bind(to_db(now))
        .bind(to_db(idle_since))
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
