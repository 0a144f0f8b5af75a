//! Partner orgs and the memberships they hold.

use crate::time::{from_db, to_db};
use crate::{Conn, Result, conflict_as, valid};
use chrono::{DateTime, Utc};
use domain::account::CompanyName;
use domain::ids::{MembershipId, OrgId, PartnerId};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Clone, Debug)]
pub struct OrgRecord {
    pub id: OrgId,
    pub partner_id: PartnerId,
    pub name: CompanyName,
    /// ISO 3166-1 alpha-2 code, one of the catalog's countries.
    pub country: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct MembershipRecord {
    pub id: MembershipId,
    pub org_id: OrgId,
    /// The catalog code of the membership level, e.g. `network`.
    pub level: String,
    pub started_at: DateTime<Utc>,
}

fn org_from_row(row: &AnyRow) -> Result<OrgRecord> {
    Ok(OrgRecord {
        id: valid(OrgId::parse(&row.try_get::<String, _>("id")?))?,
        partner_id: valid(PartnerId::parse(&row.try_get::<String, _>("partner_id")?))?,
        name: valid(CompanyName::parse(&row.try_get::<String, _>("name")?))?,
        country: row.try_get("country")?,
        created_at: from_db(row.try_get("created_at")?)?,
    })
}

/// Inserts an org; a clash on the partner ID comes back as `Conflict("partner_id")` so the
/// caller can draw another.
pub async fn insert(conn: &mut Conn, org: &OrgRecord) -> Result<()> {
    sqlx::query("INSERT INTO orgs (id, partner_id, name, country, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(org.id.as_str())
        .bind(org.partner_id.to_string())
        .bind(org.name.as_str())
        .bind(&org.country)
        .bind(to_db(org.created_at))
        .execute(conn)
        .await
        .map_err(conflict_as("partner_id"))?;
    Ok(())
}

pub async fn get(conn: &mut Conn, id: &OrgId) -> Result<Option<OrgRecord>> {
    let row = sqlx::query("SELECT id, partner_id, name, country, created_at FROM orgs WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(org_from_row).transpose()
}

/// Orgs by creation, newest first, for the staff console.
pub async fn list(conn: &mut Conn, limit: i64) -> Result<Vec<OrgRecord>> {
    let rows =
        sqlx::query("SELECT id, partner_id, name, country, created_at FROM orgs ORDER BY created_at DESC, id LIMIT $1")
            .bind(limit)
            .fetch_all(conn)
            .await?;
    rows.iter().map(org_from_row).collect()
}

pub async fn insert_membership(conn: &mut Conn, m: &MembershipRecord) -> Result<()> {
    sqlx::query("INSERT INTO memberships (id, org_id, level, started_at) VALUES ($1, $2, $3, $4)")
        .bind(m.id.as_str())
        .bind(m.org_id.as_str())
        .bind(&m.level)
        .bind(to_db(m.started_at))
        .execute(conn)
        .await
        .map_err(conflict_as("membership"))?;
    Ok(())
}

pub async fn memberships(conn: &mut Conn, org: &OrgId) -> Result<Vec<MembershipRecord>> {
    let rows =
        sqlx::query("SELECT id, org_id, level, started_at FROM memberships WHERE org_id = $1 ORDER BY started_at, id")
            .bind(org.as_str())
            .fetch_all(conn)
            .await?;
    rows.iter()
        .map(|row| {
            Ok(MembershipRecord {
                id: valid(MembershipId::parse(&row.try_get::<String, _>("id")?))?,
                org_id: valid(OrgId::parse(&row.try_get::<String, _>("org_id")?))?,
                level: row.try_get("level")?,
                started_at: from_db(row.try_get("started_at")?)?,
            })
        })
        .collect()
}

/// Takes the org's row lock until the transaction ends, so that checks spanning several rows of
/// one org (such as "one Global admin stays") cannot interleave. SQLite's write transactions
/// are serial already; on PostgreSQL the no-op update holds the lock.
pub async fn lock(conn: &mut Conn, org: &OrgId) -> Result<()> {
    sqlx::query("UPDATE orgs SET name = name WHERE id = $1").bind(org.as_str()).execute(conn).await?;
    Ok(())
}

/// Whether a partner ID is given out already.
pub async fn partner_id_taken(conn: &mut Conn, partner_id: PartnerId) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orgs WHERE partner_id = $1")
        .bind(partner_id.to_string())
        .fetch_one(conn)
        .await?;
    Ok(n > 0)
}
