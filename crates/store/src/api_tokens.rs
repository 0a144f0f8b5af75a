//! Personal API tokens. Only the SHA-256 of a token is stored, with a short hint (its last
//! characters) so that its owner can tell tokens apart.

use crate::sql::Row;
use crate::time::{from_db, opt_from_db, to_db};
use crate::{Conn, Principal, Result, valid};
use chrono::{DateTime, Utc};
use domain::account::TokenName;
use domain::ids::ApiTokenId;

#[derive(Clone, Debug)]
pub struct ApiTokenRecord {
    pub id: ApiTokenId,
    pub principal: Principal,
    pub name: TokenName,
    pub token_hash: String,
    pub hint: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

fn from_row(row: &Row) -> Result<ApiTokenRecord> {
    Ok(ApiTokenRecord {
        id: valid(ApiTokenId::parse(&row.try_get::<String, _>("id")?))?,
        principal: Principal::from_db(
            &row.try_get::<String, _>("principal_kind")?,
            &row.try_get::<String, _>("principal_id")?,
        )?,
        name: valid(TokenName::parse(&row.try_get::<String, _>("name")?))?,
        token_hash: row.try_get("token_hash")?,
        hint: row.try_get("hint")?,
        created_at: from_db(row.try_get("created_at")?)?,
        last_used_at: opt_from_db(row.try_get("last_used_at")?)?,
        revoked_at: opt_from_db(row.try_get("revoked_at")?)?,
    })
}

pub async fn insert(conn: &mut Conn, token: &ApiTokenRecord) -> Result<()> {
    crate::sql::query(
        "INSERT INTO api_tokens (id, principal_kind, principal_id, name, token_hash, hint, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(token.id.as_str())
    .bind(token.principal.kind())
    .bind(token.principal.id())
    .bind(token.name.as_str())
    .bind(&token.token_hash)
    .bind(&token.hint)
    .bind(to_db(token.created_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// The live (not revoked) token with this hash.
pub async fn find_live(conn: &mut Conn, token_hash: &str) -> Result<Option<ApiTokenRecord>> {
    let row = crate::sql::query(
        "SELECT id, principal_kind, principal_id, name, token_hash, hint, created_at, last_used_at, revoked_at \
         FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn list_for(conn: &mut Conn, principal: &Principal) -> Result<Vec<ApiTokenRecord>> {
    let rows = crate::sql::query(
        "SELECT id, principal_kind, principal_id, name, token_hash, hint, created_at, last_used_at, revoked_at \
         FROM api_tokens WHERE principal_kind = $1 AND principal_id = $2 ORDER BY created_at DESC, id",
    )
    .bind(principal.kind())
    .bind(principal.id())
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn touch(conn: &mut Conn, id: &ApiTokenId, at: DateTime<Utc>) -> Result<()> {
    crate::sql::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
        .bind(to_db(at))
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// Revokes a token of `principal`; another principal's token is left alone and `false` comes back.
pub async fn revoke(conn: &mut Conn, principal: &Principal, id: &ApiTokenId, at: DateTime<Utc>) -> Result<bool> {
    let done = crate::sql::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND principal_kind = $3 AND principal_id = $4 AND revoked_at IS NULL",
    )
    .bind(to_db(at))
    .bind(id.as_str())
    .bind(principal.kind())
    .bind(principal.id())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes every token of `principal` (when a user is removed from an org).
pub async fn revoke_all(conn: &mut Conn, principal: &Principal, at: DateTime<Utc>) -> Result<()> {
    crate::sql::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE principal_kind = $2 AND principal_id = $3 AND revoked_at IS NULL",
    )
    .bind(to_db(at))
    .bind(principal.kind())
    .bind(principal.id())
    .execute(conn)
    .await?;
    Ok(())
}
