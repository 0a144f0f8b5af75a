//! Invitations to join an org: the link carries a secret token, the table only its hash.

use crate::sql::Row;
use crate::time::{from_db, to_db};
use crate::{Conn, Result, conflict_as, valid};
use chrono::{DateTime, Utc};
use domain::account::EmailAddress;
use domain::ids::{InvitationId, OrgId, UserId};
use domain::roles::PartnerRole;

#[derive(Clone, Debug)]
pub struct InvitationRecord {
    pub id: InvitationId,
    pub org_id: OrgId,
    pub email: EmailAddress,
    pub role: PartnerRole,
    pub token_hash: String,
    pub invited_by: UserId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

fn from_row(row: &Row) -> Result<InvitationRecord> {
    Ok(InvitationRecord {
        id: valid(InvitationId::parse(&row.try_get::<String, _>("id")?))?,
        org_id: valid(OrgId::parse(&row.try_get::<String, _>("org_id")?))?,
        email: valid(EmailAddress::parse(&row.try_get::<String, _>("email")?))?,
        role: valid(row.try_get::<String, _>("role")?.parse::<PartnerRole>())?,
        token_hash: row.try_get("token_hash")?,
        invited_by: valid(UserId::parse(&row.try_get::<String, _>("invited_by")?))?,
        created_at: from_db(row.try_get("created_at")?)?,
        expires_at: from_db(row.try_get("expires_at")?)?,
    })
}

/// Inserts an invitation; a second pending invitation of one address to one org is a
/// `Conflict("invitation")`.
pub async fn insert(conn: &mut Conn, inv: &InvitationRecord) -> Result<()> {
    crate::sql::query(
        "INSERT INTO invitations (id, org_id, email, role, token_hash, invited_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(inv.id.as_str())
    .bind(inv.org_id.as_str())
    .bind(inv.email.as_str())
    .bind(inv.role.as_str())
    .bind(&inv.token_hash)
    .bind(inv.invited_by.as_str())
    .bind(to_db(inv.created_at))
    .bind(to_db(inv.expires_at))
    .execute(conn)
    .await
    .map_err(conflict_as("invitation"))?;
    Ok(())
}

pub async fn find_by_token_hash(conn: &mut Conn, token_hash: &str) -> Result<Option<InvitationRecord>> {
    let row = crate::sql::query(
        "SELECT id, org_id, email, role, token_hash, invited_by, created_at, expires_at FROM invitations WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn list_in_org(conn: &mut Conn, org: &OrgId) -> Result<Vec<InvitationRecord>> {
    let rows = crate::sql::query(
        "SELECT id, org_id, email, role, token_hash, invited_by, created_at, expires_at FROM invitations \
         WHERE org_id = $1 ORDER BY created_at, id",
    )
    .bind(org.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// One invitation of `org`; another org's is not found.
pub async fn get_in_org(conn: &mut Conn, org: &OrgId, id: &InvitationId) -> Result<Option<InvitationRecord>> {
    let row = crate::sql::query(
        "SELECT id, org_id, email, role, token_hash, invited_by, created_at, expires_at FROM invitations \
         WHERE org_id = $1 AND id = $2",
    )
    .bind(org.as_str())
    .bind(id.as_str())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn delete(conn: &mut Conn, org: &OrgId, id: &InvitationId) -> Result<bool> {
    let done = crate::sql::query("DELETE FROM invitations WHERE org_id = $1 AND id = $2")
        .bind(org.as_str())
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Drops an expired invitation to `email` so that the address can be invited again.
pub async fn delete_expired_for(conn: &mut Conn, org: &OrgId, email: &EmailAddress, now: DateTime<Utc>) -> Result<()> {
    crate::sql::query("DELETE FROM invitations WHERE org_id = $1 AND email = $2 AND expires_at <= $3")
        .bind(org.as_str())
        .bind(email.as_str())
        .bind(to_db(now))
        .execute(conn)
        .await?;
    Ok(())
}
