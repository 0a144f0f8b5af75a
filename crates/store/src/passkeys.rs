//! Passkeys and the ceremonies in flight. A passkey's credential is filed as the relying-party
//! library wrote it (JSON text); only `app::passkeys` reads it. A ceremony's state waits here
//! between its two requests so that any node can finish it, and taking it deletes it: a
//! ceremony is finished at most once.

use crate::sql::{AssertSqlSafe, Row};
use crate::time::{from_db, opt_from_db, to_db};
use crate::{Conn, Principal, Result, StoreError, conflict_as, valid};
use chrono::{DateTime, Utc};
use domain::account::PasskeyName;
use domain::ids::{CeremonyId, PasskeyId};
use domain::passkey::CeremonyPurpose;

#[derive(Clone, Debug)]
pub struct PasskeyRecord {
    pub id: PasskeyId,
    pub principal: Principal,
    pub name: PasskeyName,
    /// The authenticator's id of the credential, base64url without padding. Text, not one of
    /// our prefixed ids: WebAuthn makes these bytes, not us.
    pub credential_id: String,
    /// The relying-party library's record of the credential (public key, counter, flags).
    pub credential: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, principal_kind, principal_id, name, credential_id, credential, created_at, last_used_at";

fn from_row(row: &Row) -> Result<PasskeyRecord> {
    Ok(PasskeyRecord {
        id: valid(PasskeyId::parse(&row.try_get::<String, _>("id")?))?,
        principal: Principal::from_db(
            &row.try_get::<String, _>("principal_kind")?,
            &row.try_get::<String, _>("principal_id")?,
        )?,
        name: valid(PasskeyName::parse(&row.try_get::<String, _>("name")?))?,
        credential_id: row.try_get("credential_id")?,
        credential: row.try_get("credential")?,
        created_at: from_db(row.try_get("created_at")?)?,
        last_used_at: opt_from_db(row.try_get("last_used_at")?)?,
    })
}

/// Files a new passkey; a credential registered already (to anyone) is `Conflict("passkey")`.
pub async fn insert(conn: &mut Conn, passkey: &PasskeyRecord) -> Result<()> {
    crate::sql::query(
        "INSERT INTO passkeys (id, principal_kind, principal_id, name, credential_id, credential, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(passkey.id.as_str())
    .bind(passkey.principal.kind())
    .bind(passkey.principal.id())
    .bind(passkey.name.as_str())
    .bind(&passkey.credential_id)
    .bind(&passkey.credential)
    .bind(to_db(passkey.created_at))
    .execute(conn)
    .await
    .map_err(conflict_as("passkey"))?;
    Ok(())
}

/// The passkeys of `principal`, oldest first.
pub async fn list_for(conn: &mut Conn, principal: &Principal) -> Result<Vec<PasskeyRecord>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM passkeys WHERE principal_kind = $1 AND principal_id = $2 ORDER BY created_at, id"
    );
    let rows =
        crate::sql::query(AssertSqlSafe(sql)).bind(principal.kind()).bind(principal.id()).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// How many passkeys `principal` has.
pub async fn count_for(conn: &mut Conn, principal: &Principal) -> Result<i64> {
    crate::sql::query_scalar("SELECT COUNT(*) FROM passkeys WHERE principal_kind = $1 AND principal_id = $2")
        .bind(principal.kind())
        .bind(principal.id())
        .fetch_one(conn)
        .await
}

/// The passkey an assertion names, whoever it belongs to.
pub async fn find_by_credential(conn: &mut Conn, credential_id: &str) -> Result<Option<PasskeyRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM passkeys WHERE credential_id = $1");
    let row = crate::sql::query(AssertSqlSafe(sql)).bind(credential_id).fetch_optional(conn).await?;
    row.as_ref().map(from_row).transpose()
}

/// Renames a passkey of `principal`; another principal's passkey is left alone and `false`
/// comes back.
pub async fn rename(conn: &mut Conn, principal: &Principal, id: &PasskeyId, name: &PasskeyName) -> Result<bool> {
    let done =
        crate::sql::query("UPDATE passkeys SET name = $1 WHERE id = $2 AND principal_kind = $3 AND principal_id = $4")
            .bind(name.as_str())
            .bind(id.as_str())
            .bind(principal.kind())
            .bind(principal.id())
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes a passkey of `principal` and returns its name; `None` if it is not theirs.
pub async fn delete(conn: &mut Conn, principal: &Principal, id: &PasskeyId) -> Result<Option<PasskeyName>> {
    let name = crate::sql::query_scalar::<_, String>(
        "DELETE FROM passkeys WHERE id = $1 AND principal_kind = $2 AND principal_id = $3 RETURNING name",
    )
    .bind(id.as_str())
    .bind(principal.kind())
    .bind(principal.id())
    .fetch_optional(conn)
    .await?;
    name.map(|n| valid(PasskeyName::parse(&n))).transpose()
}

/// Removes every passkey of `principal` (when the account goes).
pub async fn delete_all_for(conn: &mut Conn, principal: &Principal) -> Result<u64> {
    let done = crate::sql::query("DELETE FROM passkeys WHERE principal_kind = $1 AND principal_id = $2")
        .bind(principal.kind())
        .bind(principal.id())
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Notes a sign-in with a passkey and, when the library moved its counter or backup state,
/// saves its new record.
pub async fn record_use(conn: &mut Conn, id: &PasskeyId, credential: Option<&str>, at: DateTime<Utc>) -> Result<()> {
    crate::sql::query("UPDATE passkeys SET last_used_at = $1, credential = COALESCE($2, credential) WHERE id = $3")
        .bind(to_db(at))
        .bind(credential)
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// A ceremony's server-side half.
#[derive(Clone, Debug)]
pub struct CeremonyRecord {
    pub id: CeremonyId,
    /// Whose account the ceremony is for; `None` for a sign-in, which learns it from the answer.
    pub principal: Option<Principal>,
    pub purpose: CeremonyPurpose,
    /// The relying-party library's state of the ceremony, as JSON text.
    pub state: String,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_ceremony(conn: &mut Conn, ceremony: &CeremonyRecord) -> Result<()> {
    crate::sql::query(
        "INSERT INTO webauthn_ceremonies (id, principal_kind, principal_id, purpose, state, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(ceremony.id.as_str())
    .bind(ceremony.principal.as_ref().map(Principal::kind))
    .bind(ceremony.principal.as_ref().map(Principal::id))
    .bind(ceremony.purpose.as_str())
    .bind(&ceremony.state)
    .bind(to_db(ceremony.expires_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes the ceremony `id` started for `purpose` out of the table: whoever takes it finishes
/// it, and nobody can again. `None` when there is no such ceremony (never started, taken
/// already, cleared after expiry, or started for another purpose). Expiry is the caller's
/// check: an expired ceremony comes back too, once.
pub async fn take_ceremony(
    conn: &mut Conn,
    id: &CeremonyId,
    purpose: CeremonyPurpose,
) -> Result<Option<CeremonyRecord>> {
    let row = crate::sql::query(
        "DELETE FROM webauthn_ceremonies WHERE id = $1 AND purpose = $2 \
         RETURNING id, principal_kind, principal_id, purpose, state, expires_at",
    )
    .bind(id.as_str())
    .bind(purpose.as_str())
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let kind: Option<String> = row.try_get("principal_kind")?;
    let principal_id: Option<String> = row.try_get("principal_id")?;
    let principal = match (kind, principal_id) {
        (Some(kind), Some(id)) => Some(Principal::from_db(&kind, &id)?),
        _ => None,
    };
    let stored_purpose: String = row.try_get("purpose")?;
    Ok(Some(CeremonyRecord {
        id: valid(CeremonyId::parse(&row.try_get::<String, _>("id")?))?,
        principal,
        purpose: CeremonyPurpose::parse(&stored_purpose)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown ceremony purpose `{stored_purpose}`")))?,
        state: row.try_get("state")?,
        expires_at: from_db(row.try_get("expires_at")?)?,
    }))
}

/// Clears the ceremonies nobody finished before `now`.
pub async fn delete_expired_ceremonies(conn: &mut Conn, now: DateTime<Utc>) -> Result<u64> {
    let done = crate::sql::query("DELETE FROM webauthn_ceremonies WHERE expires_at <= $1")
        .bind(to_db(now))
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
