//! Competency applications: the evidence an org submits for a level, and the staff decision.

use crate::bulk::{self, Rows, Value};
use crate::sql::Row;
use crate::time::{from_db, opt_from_db, to_db};
use crate::{Conn, Result};
use chrono::{DateTime, Utc};
use domain::catalog::CompetencyTier;
use domain::competency::ApplicationStatus;
use domain::ids::{CompetencyApplicationId, OrgId, SubscriptionId};

#[derive(Clone, Debug)]
pub struct ApplicationRecord {
    pub id: CompetencyApplicationId,
    pub org_id: OrgId,
    pub competency_code: String,
    pub tier: CompetencyTier,
    pub status: ApplicationStatus,
    /// JSON, read and written by `app`.
    pub evidence: String,
    pub submitted_by: String,
    pub submitted_at: DateTime<Utc>,
    pub reviewer: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
    pub subscription_id: Option<SubscriptionId>,
}

const COLUMNS: &str = "id, org_id, competency_code, tier, status, evidence, submitted_by, submitted_at, reviewer, \
    decided_at, reason, subscription_id";

impl Rows for ApplicationRecord {
    const INTO: &'static str = "competency_applications (id, org_id, competency_code, tier, status, evidence, \
        submitted_by, submitted_at, reviewer, decided_at, reason, subscription_id)";
    const WIDTH: usize = 12;
    fn values(&self, out: &mut Vec<Value>) {
        out.extend([
            Value::from(&self.id),
            (&self.org_id).into(),
            (&self.competency_code).into(),
            self.tier.as_str().into(),
            self.status.as_str().into(),
            (&self.evidence).into(),
            (&self.submitted_by).into(),
            to_db(self.submitted_at).into(),
            self.reviewer.as_deref().into(),
            self.decided_at.map(to_db).into(),
            self.reason.as_deref().into(),
            self.subscription_id.as_ref().into(),
        ]);
    }
}

fn from_row(r: &Row) -> Result<ApplicationRecord> {
    Ok(ApplicationRecord {
        id: r.parse("id")?,
        org_id: r.parse("org_id")?,
        competency_code: r.try_get("competency_code")?,
        tier: r.parse("tier")?,
        status: r.parse("status")?,
        evidence: r.try_get("evidence")?,
        submitted_by: r.try_get("submitted_by")?,
        submitted_at: from_db(r.try_get("submitted_at")?)?,
        reviewer: r.try_get("reviewer")?,
        decided_at: opt_from_db(r.try_get("decided_at")?)?,
        reason: r.try_get("reason")?,
        subscription_id: r.parse_opt("subscription_id")?,
    })
}

/// Inserts an application; a second open one for the same org and competency is
/// `Conflict("open application")`.
pub async fn insert(conn: &mut Conn, a: &ApplicationRecord) -> Result<()> {
    bulk::insert(conn, std::slice::from_ref(a), "").await.map_err(crate::conflict_as("open application"))?;
    Ok(())
}

pub async fn get(conn: &mut Conn, id: &CompetencyApplicationId) -> Result<Option<ApplicationRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM competency_applications WHERE id = $1");
    crate::sql::query(crate::sql::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn get_in_org(
    conn: &mut Conn,
    org: &OrgId,
    id: &CompetencyApplicationId,
) -> Result<Option<ApplicationRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM competency_applications WHERE org_id = $1 AND id = $2");
    let row =
        crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(org.as_str()).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(from_row).transpose()
}

/// The org's applications, newest first.
pub async fn list_in_org(conn: &mut Conn, org: &OrgId) -> Result<Vec<ApplicationRecord>> {
    let sql =
        format!("SELECT {COLUMNS} FROM competency_applications WHERE org_id = $1 ORDER BY submitted_at DESC, id DESC");
    let rows = crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(org.as_str()).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// Applications in the given statuses (all when empty), oldest first, with their org's name:
/// the staff queue.
pub async fn queue(
    conn: &mut Conn,
    statuses: &[ApplicationStatus],
    limit: i64,
) -> Result<Vec<(ApplicationRecord, String)>> {
    let columns: String = COLUMNS.split(", ").map(|c| format!("a.{c}")).collect::<Vec<_>>().join(", ");
    let marks: Vec<String> = (2..statuses.len() + 2).map(|n| format!("${n}")).collect();
    let filter = if statuses.is_empty() { String::new() } else { format!("WHERE a.status IN ({})", marks.join(", ")) };
    let sql = format!(
        "SELECT {columns}, o.name AS org_name FROM competency_applications a JOIN orgs o ON o.id = a.org_id \
         {filter} ORDER BY a.submitted_at, a.id LIMIT $1"
    );
    let mut q = crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(limit);
    for s in statuses {
        q = q.bind(s.as_str());
    }
    let rows = q.fetch_all(conn).await?;
    rows.iter().map(|r| Ok((from_row(r)?, r.try_get("org_name")?))).collect()
}

/// A subscription that expired comes back (renewed within the grace window): its application
/// holds the competency again.
pub async fn revive_for_subscription(conn: &mut Conn, subscription_id: &SubscriptionId) -> Result<()> {
    crate::sql::query(
        "UPDATE competency_applications SET status = 'approved' WHERE subscription_id = $1 AND status = 'expired'",
    )
    .bind(subscription_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves an application from one of `from` to `to` with the decision's details; `false` if it
/// was no longer in one of `from` (someone decided first).
pub async fn decide(
    conn: &mut Conn,
    id: &CompetencyApplicationId,
    from: &[ApplicationStatus],
    to: ApplicationStatus,
    reviewer: &str,
    reason: Option<&str>,
    at: DateTime<Utc>,
) -> Result<bool> {
    let marks: Vec<String> = (6..from.len() + 6).map(|n| format!("${n}")).collect();
    let sql = format!(
        "UPDATE competency_applications SET status = $2, reviewer = $3, reason = $4, decided_at = $5 \
         WHERE id = $1 AND status IN ({})",
        marks.join(", ")
    );
    let mut q = crate::sql::query(crate::sql::AssertSqlSafe(sql))
        .bind(id)
        .bind(to.as_str())
        .bind(reviewer)
        .bind(reason)
        .bind(to_db(at));
    for s in from {
        q = q.bind(s.as_str());
    }
    Ok(q.execute(conn).await?.rows_affected() == 1)
}

/// The approved, unpaid application of the org for a competency level (what lets it buy the
/// level's fee).
pub async fn approved_unpaid(
    conn: &mut Conn,
    org: &OrgId,
    competency: &str,
    tier: CompetencyTier,
) -> Result<Option<ApplicationRecord>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM competency_applications WHERE org_id = $1 AND competency_code = $2 AND tier = $3 \
         AND status = 'approved' AND subscription_id IS NULL"
    );
    let row = crate::sql::query(crate::sql::AssertSqlSafe(sql))
        .bind(org.as_str())
        .bind(competency)
        .bind(tier.as_str())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Records the subscription an approved application's fee bought.
pub async fn mark_paid(conn: &mut Conn, id: &CompetencyApplicationId, subscription_id: &SubscriptionId) -> Result<()> {
    crate::sql::query("UPDATE competency_applications SET subscription_id = $2 WHERE id = $1")
        .bind(id)
        .bind(subscription_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The competency a subscription held has ended: its application is expired.
pub async fn expire_for_subscription(
    conn: &mut Conn,
    subscription_id: &SubscriptionId,
    at: DateTime<Utc>,
) -> Result<()> {
    crate::sql::query(
        "UPDATE competency_applications SET status = 'expired', decided_at = $2 \
         WHERE subscription_id = $1 AND status = 'approved'",
    )
    .bind(subscription_id)
    .bind(to_db(at))
    .execute(conn)
    .await?;
    Ok(())
}
