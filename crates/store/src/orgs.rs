//! Partner orgs and the memberships they hold.

use crate::sql::Row;
use crate::time::{from_db, to_db};
use crate::{Conn, Result, conflict_as, valid};
use chrono::{DateTime, Utc};
use domain::account::CompanyName;
use domain::ids::{MembershipId, OrgId, PartnerId};

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

fn org_from_row(row: &Row) -> Result<OrgRecord> {
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
    insert_many(conn, std::slice::from_ref(org)).await
}

impl crate::bulk::Rows for OrgRecord {
    const INTO: &'static str = "orgs (id, partner_id, name, country, created_at)";
    const WIDTH: usize = 5;
    fn values(&self, out: &mut Vec<crate::bulk::Value>) {
        out.extend([
            self.id.as_str().into(),
            self.partner_id.to_string().into(),
            self.name.as_str().into(),
            (&self.country).into(),
            to_db(self.created_at).into(),
        ]);
    }
}

/// Inserts orgs in bulk (generated set-ups); a partner ID clash is `Conflict("partner_id")`.
pub async fn insert_many(conn: &mut Conn, orgs: &[OrgRecord]) -> Result<()> {
    crate::bulk::insert(conn, orgs, "").await.map_err(conflict_as("partner_id"))?;
    Ok(())
}

/// Which of `partner_ids` are given out already.
pub async fn partner_ids_taken(conn: &mut Conn, partner_ids: &[PartnerId]) -> Result<Vec<String>> {
    let ids = partner_ids.iter().map(|p| crate::bulk::Value::from(p.to_string())).collect();
    let rows =
        crate::bulk::with_values(conn, "SELECT partner_id FROM orgs WHERE partner_id IN ({values})", 1, ids).await?;
    rows.iter().map(|r| r.try_get::<String, _>(0)).collect()
}

/// Takes the row locks of several orgs at once, in id order so that two takers cannot
/// deadlock (a renewal batch; see [`lock`]). SQLite's writers are serial: nothing to do there.
pub async fn lock_many(conn: &mut Conn, orgs: &[&OrgId]) -> Result<()> {
    if conn.backend() != crate::Backend::Postgres || orgs.is_empty() {
        return Ok(());
    }
    let mut ids: Vec<&str> = orgs.iter().map(|o| o.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let ids = ids.into_iter().map(crate::bulk::Value::from).collect();
    crate::bulk::with_values(conn, "SELECT id FROM orgs WHERE id IN ({values}) ORDER BY id FOR UPDATE", 1, ids).await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, id: &OrgId) -> Result<Option<OrgRecord>> {
    let row = crate::sql::query("SELECT id, partner_id, name, country, created_at FROM orgs WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(org_from_row).transpose()
}

/// Orgs by creation, newest first, for the staff console.
/// Orgs, newest first; with `after`, those older than that org (keyset paging).
pub async fn list(conn: &mut Conn, after: Option<&str>, limit: i64) -> Result<Vec<OrgRecord>> {
    let rows =
        match after {
            None => crate::sql::query(
                "SELECT id, partner_id, name, country, created_at FROM orgs ORDER BY created_at DESC, id DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(conn)
            .await?,
            Some(after) => {
                crate::sql::query(
                    "SELECT id, partner_id, name, country, created_at FROM orgs \
                 WHERE (created_at, id) < (SELECT created_at, id FROM orgs WHERE id = $1) \
                 ORDER BY created_at DESC, id DESC LIMIT $2",
                )
                .bind(after)
                .bind(limit)
                .fetch_all(conn)
                .await?
            }
        };
    rows.iter().map(org_from_row).collect()
}

pub async fn insert_membership(conn: &mut Conn, m: &MembershipRecord) -> Result<()> {
    insert_memberships(conn, std::slice::from_ref(m)).await
}

impl crate::bulk::Rows for MembershipRecord {
    const INTO: &'static str = "memberships (id, org_id, level, started_at)";
    const WIDTH: usize = 4;
    fn values(&self, out: &mut Vec<crate::bulk::Value>) {
        out.extend([
            self.id.as_str().into(),
            self.org_id.as_str().into(),
            (&self.level).into(),
            to_db(self.started_at).into(),
        ]);
    }
}

pub async fn insert_memberships(conn: &mut Conn, levels: &[MembershipRecord]) -> Result<()> {
    crate::bulk::insert(conn, levels, "").await.map_err(conflict_as("membership"))?;
    Ok(())
}

pub async fn memberships(conn: &mut Conn, org: &OrgId) -> Result<Vec<MembershipRecord>> {
    let rows = crate::sql::query(
        "SELECT id, org_id, level, started_at FROM memberships WHERE org_id = $1 ORDER BY started_at, id",
    )
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
/// one org (such as "one Global admin stays") cannot interleave. On PostgreSQL the no-op update
/// holds the lock. SQLite's write transactions are serial already (`BEGIN IMMEDIATE`): nothing
/// to do there, and the update would only cost a round trip and a page in the log.
pub async fn lock(conn: &mut Conn, org: &OrgId) -> Result<()> {
    if conn.backend() != crate::Backend::Postgres {
        return Ok(());
    }
    crate::sql::query("UPDATE orgs SET name = name WHERE id = $1").bind(org.as_str()).execute(conn).await?;
    Ok(())
}

/// The language the org chose for its invoices, credit notes and reconciliation file, if any.
pub async fn billing_language(conn: &mut Conn, org: &OrgId) -> Result<Option<String>> {
    let row = crate::sql::query("SELECT billing_language FROM orgs WHERE id = $1")
        .bind(org.as_str())
        .fetch_optional(conn)
        .await?;
    match row {
        Some(row) => Ok(row.try_get::<Option<String>, _>("billing_language")?),
        None => Ok(None),
    }
}

/// Sets (or, with None, clears) the org's billing language.
pub async fn set_billing_language(conn: &mut Conn, org: &OrgId, tag: Option<&str>) -> Result<()> {
    crate::sql::query("UPDATE orgs SET billing_language = $1 WHERE id = $2")
        .bind(tag)
        .bind(org.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether a partner ID is given out already.
pub async fn partner_id_taken(conn: &mut Conn, partner_id: PartnerId) -> Result<bool> {
    let n: i64 = crate::sql::query_scalar("SELECT COUNT(*) FROM orgs WHERE partner_id = $1")
        .bind(partner_id.to_string())
        .fetch_one(conn)
        .await?;
    Ok(n > 0)
}
