//! Second factors: a TOTP authenticator per account (its secret sealed by `app`) and the
//! account's single-use recovery codes (keyed hashes). Passkeys are in `passkeys`.

use crate::sql::Row;
use crate::time::{from_db, to_db};
use crate::{Conn, Principal, Result};
use chrono::{DateTime, Utc};
use domain::ids::RecoveryCodeId;

#[derive(Clone, Debug)]
pub struct TotpRecord {
    pub sealed_secret: String,
    pub created_at: DateTime<Utc>,
    /// `None` until a code from it was typed once.
    pub confirmed_at: Option<DateTime<Utc>>,
    pub last_step: i64,
}

fn totp_from_row(row: &Row) -> Result<TotpRecord> {
    Ok(TotpRecord {
        sealed_secret: row.try_get("sealed_secret")?,
        created_at: from_db(row.try_get("created_at")?)?,
        confirmed_at: row.try_get::<Option<i64>, _>("confirmed_at")?.map(from_db).transpose()?,
        last_step: row.try_get("last_step")?,
    })
}

pub async fn totp(conn: &mut Conn, principal: &Principal) -> Result<Option<TotpRecord>> {
    let row = crate::sql::query(
        "SELECT sealed_secret, created_at, confirmed_at, last_step FROM totp_factors \
         WHERE principal_kind = $1 AND principal_id = $2",
    )
    .bind(principal.kind())
    .bind(principal.id())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(totp_from_row).transpose()
}

/// Starts setting up an authenticator, replacing one not yet confirmed.
pub async fn put_unconfirmed_totp(
    conn: &mut Conn,
    principal: &Principal,
    sealed_secret: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    crate::sql::query(
        "DELETE FROM totp_factors WHERE principal_kind = $1 AND principal_id = $2 AND confirmed_at IS NULL",
    )
    .bind(principal.kind())
    .bind(principal.id())
    .execute(&mut *conn)
    .await?;
    crate::sql::query(
        "INSERT INTO totp_factors (principal_kind, principal_id, sealed_secret, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(principal.kind())
    .bind(principal.id())
    .bind(sealed_secret)
    .bind(to_db(at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Notes that a code of `step` was accepted (confirming the authenticator if it was not yet),
/// unless a code of that step or a later one was accepted already: false then, and the code
/// must be refused (two requests racing with one code get one yes).
pub async fn use_step(conn: &mut Conn, principal: &Principal, step: i64, at: DateTime<Utc>) -> Result<bool> {
    let done = crate::sql::query(
        "UPDATE totp_factors SET last_step = $3, confirmed_at = COALESCE(confirmed_at, $4) \
         WHERE principal_kind = $1 AND principal_id = $2 AND last_step < $3",
    )
    .bind(principal.kind())
    .bind(principal.id())
    .bind(step)
    .bind(to_db(at))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete_totp(conn: &mut Conn, principal: &Principal) -> Result<bool> {
    let done = crate::sql::query("DELETE FROM totp_factors WHERE principal_kind = $1 AND principal_id = $2")
        .bind(principal.kind())
        .bind(principal.id())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Replaces the account's recovery codes with these hashes.
pub async fn replace_recovery_codes(
    conn: &mut Conn,
    principal: &Principal,
    codes: &[(RecoveryCodeId, String)],
    at: DateTime<Utc>,
) -> Result<()> {
    delete_recovery_codes(conn, principal).await?;
    for (id, hash) in codes {
        crate::sql::query(
            "INSERT INTO recovery_codes (id, principal_kind, principal_id, code_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.as_str())
        .bind(principal.kind())
        .bind(principal.id())
        .bind(hash.as_str())
        .bind(to_db(at))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn delete_recovery_codes(conn: &mut Conn, principal: &Principal) -> Result<()> {
    crate::sql::query("DELETE FROM recovery_codes WHERE principal_kind = $1 AND principal_id = $2")
        .bind(principal.kind())
        .bind(principal.id())
        .execute(conn)
        .await?;
    Ok(())
}

/// Uses the unused recovery code with this hash: false if there is none (never was, or used).
pub async fn use_recovery_code(conn: &mut Conn, principal: &Principal, hash: &str, at: DateTime<Utc>) -> Result<bool> {
    let done = crate::sql::query(
        "UPDATE recovery_codes SET used_at = $4 \
         WHERE principal_kind = $1 AND principal_id = $2 AND code_hash = $3 AND used_at IS NULL",
    )
    .bind(principal.kind())
    .bind(principal.id())
    .bind(hash)
    .bind(to_db(at))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn recovery_codes_left(conn: &mut Conn, principal: &Principal) -> Result<i64> {
    let left = crate::sql::query_scalar(
        "SELECT COUNT(*) FROM recovery_codes WHERE principal_kind = $1 AND principal_id = $2 AND used_at IS NULL",
    )
    .bind(principal.kind())
    .bind(principal.id())
    .fetch_one(conn)
    .await?;
    Ok(left)
}
