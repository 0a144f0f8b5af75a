//! Single sign-on: sign-ins waiting for the provider's answer (`sso_logins`), the identities at
//! the provider linked to accounts (`sso_identities`), and an org's requirement of it.

use crate::time::{from_db, to_db};
use crate::{Conn, Principal, Result, conflict_as};
use chrono::{DateTime, Utc};
use domain::ids::OrgId;
use domain::roles::Realm;

/// A sign-in sent to the provider. Only hashes and a sealed value: a copy of the table lets
/// nobody finish someone else's sign-in.
#[derive(Clone, Debug)]
pub struct LoginRecord {
    /// SHA-256 of the `state` sent to the provider.
    pub state_hash: String,
    /// SHA-256 of the cookie that binds the sign-in to the browser that started it.
    pub browser_hash: String,
    /// SHA-256 of the nonce the ID token must carry.
    pub nonce_hash: String,
    /// The PKCE verifier, sealed with the server's key and bound to `state_hash`.
    pub verifier: String,
    pub realm: Realm,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_login(conn: &mut Conn, login: &LoginRecord) -> Result<()> {
    crate::sql::query(
        "INSERT INTO sso_logins (state_hash, browser_hash, nonce_hash, verifier, realm, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&login.state_hash)
    .bind(&login.browser_hash)
    .bind(&login.nonce_hash)
    .bind(&login.verifier)
    .bind(login.realm.as_str())
    .bind(to_db(login.created_at))
    .bind(to_db(login.expires_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes the sign-in whose state hashes to `state_hash` and returns it: whoever deletes it
/// first finishes it, and nobody after them (expired or not; the caller checks the time).
pub async fn take_login(conn: &mut Conn, state_hash: &str) -> Result<Option<LoginRecord>> {
    let row = crate::sql::query(
        "DELETE FROM sso_logins WHERE state_hash = $1 \
         RETURNING state_hash, browser_hash, nonce_hash, verifier, realm, created_at, expires_at",
    )
    .bind(state_hash)
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(LoginRecord {
        state_hash: row.try_get("state_hash")?,
        browser_hash: row.try_get("browser_hash")?,
        nonce_hash: row.try_get("nonce_hash")?,
        verifier: row.try_get("verifier")?,
        realm: crate::valid(row.try_get::<String, _>("realm")?.parse::<Realm>())?,
        created_at: from_db(row.try_get("created_at")?)?,
        expires_at: from_db(row.try_get("expires_at")?)?,
    }))
}

/// Sign-ins nobody came back from.
pub async fn delete_expired_logins(conn: &mut Conn, now: DateTime<Utc>) -> Result<u64> {
    let done =
        crate::sql::query("DELETE FROM sso_logins WHERE expires_at <= $1").bind(to_db(now)).execute(conn).await?;
    Ok(done.rows_affected())
}

/// The account an identity at `issuer` signs in as at `realm`.
pub async fn linked(conn: &mut Conn, issuer: &str, subject: &str, realm: Realm) -> Result<Option<Principal>> {
    let row = crate::sql::query(
        "SELECT principal_kind, principal_id FROM sso_identities \
         WHERE issuer = $1 AND subject = $2 AND principal_kind = $3",
    )
    .bind(issuer)
    .bind(subject)
    .bind(kind_of(realm))
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

/// Whether `principal` has an identity linked at `issuer`.
pub async fn is_linked(conn: &mut Conn, issuer: &str, principal: &Principal) -> Result<bool> {
    let n: i64 = crate::sql::query_scalar(
        "SELECT COUNT(*) FROM sso_identities WHERE issuer = $1 AND principal_kind = $2 AND principal_id = $3",
    )
    .bind(issuer)
    .bind(principal.kind())
    .bind(principal.id())
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

/// Links an identity to `principal`; an identity or an account linked already (a sign-in of
/// the same person finishing at the same time) is `Conflict("sso_identity")`.
pub async fn link(
    conn: &mut Conn,
    issuer: &str,
    subject: &str,
    principal: &Principal,
    email: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    crate::sql::query(
        "INSERT INTO sso_identities (issuer, subject, principal_kind, principal_id, email, linked_at, last_used_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(issuer)
    .bind(subject)
    .bind(principal.kind())
    .bind(principal.id())
    .bind(email)
    .bind(to_db(at))
    .execute(conn)
    .await
    .map_err(conflict_as("sso_identity"))?;
    Ok(())
}

pub async fn touch(
    conn: &mut Conn,
    issuer: &str,
    subject: &str,
    principal: &Principal,
    at: DateTime<Utc>,
) -> Result<()> {
    crate::sql::query(
        "UPDATE sso_identities SET last_used_at = $1 WHERE issuer = $2 AND subject = $3 AND principal_kind = $4",
    )
    .bind(to_db(at))
    .bind(issuer)
    .bind(subject)
    .bind(principal.kind())
    .execute(conn)
    .await?;
    Ok(())
}

/// The principal kind of the accounts that sign in at `realm`.
fn kind_of(realm: Realm) -> &'static str {
    match realm {
        Realm::Partner => "user",
        Realm::Staff => "staff",
    }
}

/// Forgets every identity linked to `principal` (a user removed from their org).
pub async fn unlink_all(conn: &mut Conn, principal: &Principal) -> Result<()> {
    crate::sql::query("DELETE FROM sso_identities WHERE principal_kind = $1 AND principal_id = $2")
        .bind(principal.kind())
        .bind(principal.id())
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether `org` requires its users to sign in through the provider.
pub async fn org_requires(conn: &mut Conn, org: &OrgId) -> Result<bool> {
    let flag: Option<i64> = crate::sql::query_scalar("SELECT sso_required FROM orgs WHERE id = $1")
        .bind(org.as_str())
        .fetch_optional(conn)
        .await?;
    Ok(flag == Some(1))
}

pub async fn set_org_requires(conn: &mut Conn, org: &OrgId, required: bool) -> Result<()> {
    crate::sql::query("UPDATE orgs SET sso_required = $1 WHERE id = $2")
        .bind(i64::from(required))
        .bind(org.as_str())
        .execute(conn)
        .await?;
    Ok(())
}
