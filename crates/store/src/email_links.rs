//! E-mailed single-use links (verify an address, confirm a new one, reset a password, set up a
//! staff account) and the "Forgot your password?" requests that lead to some of them. A link's
//! secret is never stored: only its SHA-256.

use crate::sql::Row;
use crate::time::{from_db, opt_from_db, to_db};
use crate::{Conn, Principal, Result, StoreError, valid};
use chrono::{DateTime, Utc};
use domain::account::EmailAddress;
use domain::email_link::LinkPurpose;
use domain::ids::{EmailLinkId, ResetRequestId};

#[derive(Clone, Debug)]
pub struct EmailLinkRecord {
    pub id: EmailLinkId,
    pub purpose: LinkPurpose,
    pub principal: Principal,
    /// Where the link was sent; for [`LinkPurpose::ChangeEmail`], the new address it confirms.
    pub email: EmailAddress,
    pub token_hash: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, purpose, principal_kind, principal_id, email, token_hash, created_at, expires_at, used_at";

fn from_row(row: &Row) -> Result<EmailLinkRecord> {
    let purpose: String = row.try_get("purpose")?;
    Ok(EmailLinkRecord {
        id: valid(EmailLinkId::parse(&row.try_get::<String, _>("id")?))?,
        purpose: LinkPurpose::parse(&purpose)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown link purpose `{purpose}`")))?,
        principal: Principal::from_db(
            &row.try_get::<String, _>("principal_kind")?,
            &row.try_get::<String, _>("principal_id")?,
        )?,
        email: valid(EmailAddress::parse(&row.try_get::<String, _>("email")?))?,
        token_hash: row.try_get("token_hash")?,
        created_at: from_db(row.try_get("created_at")?)?,
        expires_at: from_db(row.try_get("expires_at")?)?,
        used_at: opt_from_db(row.try_get("used_at")?)?,
    })
}

pub async fn insert(conn: &mut Conn, link: &EmailLinkRecord) -> Result<()> {
    crate::sql::query(
        "INSERT INTO email_links (id, purpose, principal_kind, principal_id, email, token_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(link.id.as_str())
    .bind(link.purpose.as_str())
    .bind(link.principal.kind())
    .bind(link.principal.id())
    .bind(link.email.as_str())
    .bind(&link.token_hash)
    .bind(to_db(link.created_at))
    .bind(to_db(link.expires_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// The link whose secret hashes to `token_hash`, used or not, expired or not (the page says
/// which).
pub async fn find_by_token_hash(conn: &mut Conn, token_hash: &str) -> Result<Option<EmailLinkRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM email_links WHERE token_hash = $1");
    let row = crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(token_hash).fetch_optional(conn).await?;
    row.as_ref().map(from_row).transpose()
}

/// Marks the link used if nobody did yet and it has not expired at `now`; `false` when it
/// could not be (a second use racing the first finds it taken).
pub async fn take(conn: &mut Conn, id: &EmailLinkId, now: DateTime<Utc>) -> Result<bool> {
    let done =
        crate::sql::query("UPDATE email_links SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND expires_at > $1")
            .bind(to_db(now))
            .bind(id.as_str())
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Retires every unused link of `principal` (of one purpose, or of all with `None`) but `keep`,
/// as if used at `now`; returns their ids, whose kept secrets the caller erases.
pub async fn retire(
    conn: &mut Conn,
    principal: &Principal,
    purpose: Option<LinkPurpose>,
    keep: Option<&EmailLinkId>,
    now: DateTime<Utc>,
) -> Result<Vec<EmailLinkId>> {
    let ids: Vec<String> = crate::sql::query_scalar(
        "UPDATE email_links SET used_at = $1 \
         WHERE principal_kind = $2 AND principal_id = $3 AND used_at IS NULL AND expires_at > $1 \
         AND ($4 = '' OR purpose = $4) AND id <> $5 RETURNING id",
    )
    .bind(to_db(now))
    .bind(principal.kind())
    .bind(principal.id())
    .bind(purpose.map_or("", LinkPurpose::as_str))
    .bind(keep.map_or("", EmailLinkId::as_str))
    .fetch_all(conn)
    .await?;
    ids.iter().map(|id| valid(EmailLinkId::parse(id))).collect()
}

/// When links of `purpose` were sent to `principal` since `since` (for the sending limits).
pub async fn sent_since(
    conn: &mut Conn,
    principal: &Principal,
    purpose: LinkPurpose,
    since: DateTime<Utc>,
) -> Result<Vec<DateTime<Utc>>> {
    let times: Vec<i64> = crate::sql::query_scalar(
        "SELECT created_at FROM email_links \
         WHERE principal_kind = $1 AND principal_id = $2 AND purpose = $3 AND created_at > $4",
    )
    .bind(principal.kind())
    .bind(principal.id())
    .bind(purpose.as_str())
    .bind(to_db(since))
    .fetch_all(conn)
    .await?;
    times.into_iter().map(from_db).collect()
}

/// Forgets links that expired before `before` (a month after their end they tell nobody
/// anything: the page for an unknown link says enough).
pub async fn delete_expired_before(conn: &mut Conn, before: DateTime<Utc>) -> Result<u64> {
    let done =
        crate::sql::query("DELETE FROM email_links WHERE expires_at < $1").bind(to_db(before)).execute(conn).await?;
    Ok(done.rows_affected())
}

/// A "Forgot your password?" request as it came: the address typed, never looked up here.
#[derive(Clone, Debug)]
pub struct ResetRequestRecord {
    pub id: ResetRequestId,
    /// `partner` or `staff`: which accounts the address is looked up among.
    pub realm: String,
    /// What was typed, trimmed and lower-cased (it may not be an address at all).
    pub email: String,
    /// The client's address, for the audit row of the link sent.
    pub address: String,
    pub requested_at: DateTime<Utc>,
}

pub async fn insert_reset_request(conn: &mut Conn, request: &ResetRequestRecord) -> Result<()> {
    crate::sql::query(
        "INSERT INTO password_reset_requests (id, realm, email, address, requested_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(request.id.as_str())
    .bind(&request.realm)
    .bind(&request.email)
    .bind(&request.address)
    .bind(to_db(request.requested_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// The oldest requests not answered yet, at most `limit`.
pub async fn unhandled_reset_requests(conn: &mut Conn, limit: i64) -> Result<Vec<ResetRequestRecord>> {
    let rows = crate::sql::query(
        "SELECT id, realm, email, address, requested_at FROM password_reset_requests \
         WHERE handled_at IS NULL ORDER BY requested_at, id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ResetRequestRecord {
                id: valid(ResetRequestId::parse(&row.try_get::<String, _>("id")?))?,
                realm: row.try_get("realm")?,
                email: row.try_get("email")?,
                address: row.try_get("address")?,
                requested_at: from_db(row.try_get("requested_at")?)?,
            })
        })
        .collect()
}

/// Marks a request answered, if no other worker did; `false` when one did.
pub async fn take_reset_request(conn: &mut Conn, id: &ResetRequestId, now: DateTime<Utc>) -> Result<bool> {
    let done =
        crate::sql::query("UPDATE password_reset_requests SET handled_at = $1 WHERE id = $2 AND handled_at IS NULL")
            .bind(to_db(now))
            .bind(id.as_str())
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets requests made before `before` (they only count toward the hourly limit).
pub async fn delete_reset_requests_before(conn: &mut Conn, before: DateTime<Utc>) -> Result<u64> {
    let done =
        crate::sql::query("DELETE FROM password_reset_requests WHERE handled_at IS NOT NULL AND requested_at < $1")
            .bind(to_db(before))
            .execute(conn)
            .await?;
    Ok(done.rows_affected())
}
