//! The audit log: one row for every change of state, written in the same transaction as the
//! change, saying who, what, when and from where.

use crate::time::{from_db, to_db};
use crate::{Conn, Result, valid};
use chrono::{DateTime, Utc};
use domain::ids::{AuditEventId, OrgId};
use domain::roles::ActorKind;

#[derive(Clone, Debug)]
pub struct AuditEvent {
    pub id: AuditEventId,
    pub at: DateTime<Utc>,
    pub actor_kind: ActorKind,
    /// Text, not a typed id: an actor is a user, a staff member or the system (`actor_kind`
    /// says which), so no one id type fits.
    pub actor_id: Option<String>,
    /// The actor's name and e-mail as they were at the time.
    pub actor_name: String,
    pub org_id: Option<OrgId>,
    /// A dotted verb, e.g. `user.invited`.
    pub action: String,
    /// The id of what changed.
    pub subject: String,
    /// A short human-readable account of the change (never a secret).
    pub detail: String,
    /// The client's IP address, when the change came over the network.
    pub address: Option<String>,
}

impl crate::bulk::Rows for AuditEvent {
    const INTO: &'static str =
        "audit_events (id, at, actor_kind, actor_id, actor_name, org_id, action, subject, detail, address)";
    const WIDTH: usize = 10;
    fn values(&self, out: &mut Vec<crate::bulk::Value>) {
        out.extend([
            self.id.as_str().into(),
            to_db(self.at).into(),
            self.actor_kind.as_str().into(),
            self.actor_id.as_deref().into(),
            (&self.actor_name).into(),
            self.org_id.as_ref().map(|o| o.as_str()).into(),
            (&self.action).into(),
            (&self.subject).into(),
            (&self.detail).into(),
            self.address.as_deref().into(),
        ]);
    }
}

pub async fn insert(conn: &mut Conn, e: &AuditEvent) -> Result<()> {
    insert_many(conn, std::slice::from_ref(e)).await
}

pub async fn insert_many(conn: &mut Conn, events: &[AuditEvent]) -> Result<()> {
    crate::bulk::insert(conn, events, "").await?;
    Ok(())
}

/// Which audit events to list.
#[derive(Clone, Copy, Debug, Default)]
pub struct AuditFilter<'a> {
    /// Only this org's.
    pub org: Option<&'a OrgId>,
    /// Only those older than this event (keyset paging).
    pub after: Option<&'a str>,
    /// Only those at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Only those before this instant.
    pub until: Option<DateTime<Utc>>,
}

/// The newest events first, as `f` narrows them.
pub async fn list(conn: &mut Conn, f: &AuditFilter<'_>, limit: i64) -> Result<Vec<AuditEvent>> {
    // The filters are added as text rather than `($1 IS NULL OR org_id = $1)`: PostgreSQL
    // cannot type a parameter that only ever meets IS NULL.
    let mut clauses = Vec::new();
    let mut n = 1;
    let mut mark = |clause: &str| {
        clauses.push(clause.replace('?', &format!("${n}")));
        n += 1;
    };
    if f.org.is_some() {
        mark("org_id = ?");
    }
    if f.after.is_some() {
        mark("(at, id) < (SELECT at, id FROM audit_events WHERE id = ?)");
    }
    if f.from.is_some() {
        mark("at >= ?");
    }
    if f.until.is_some() {
        mark("at < ?");
    }
    let filter = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    let sql = format!(
        "SELECT id, at, actor_kind, actor_id, actor_name, org_id, action, subject, detail, address \
         FROM audit_events {filter} ORDER BY at DESC, id DESC LIMIT ${n}"
    );
    let mut q = crate::sql::query(crate::sql::AssertSqlSafe(sql));
    if let Some(org) = f.org {
        q = q.bind(org.as_str());
    }
    if let Some(after) = f.after {
        q = q.bind(after);
    }
    if let Some(from) = f.from {
        q = q.bind(to_db(from));
    }
    if let Some(until) = f.until {
        q = q.bind(to_db(until));
    }
    let rows = q.bind(limit).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

fn from_row(row: &crate::sql::Row) -> Result<AuditEvent> {
    Ok(AuditEvent {
        id: valid(AuditEventId::parse(&row.try_get::<String, _>("id")?))?,
        at: from_db(row.try_get("at")?)?,
        actor_kind: row.parse("actor_kind")?,
        actor_id: row.try_get("actor_id")?,
        actor_name: row.try_get("actor_name")?,
        org_id: row.try_get::<Option<String>, _>("org_id")?.map(|o| valid(OrgId::parse(&o))).transpose()?,
        action: row.try_get("action")?,
        subject: row.try_get("subject")?,
        detail: row.try_get("detail")?,
        address: row.try_get("address")?,
    })
}

/// The newest events about `subject` (an account): a person's own security events, from
/// sign-ins to role changes.
pub async fn about(conn: &mut Conn, subject: &str, limit: i64) -> Result<Vec<AuditEvent>> {
    let rows = crate::sql::query(
        "SELECT id, at, actor_kind, actor_id, actor_name, org_id, action, subject, detail, address \
         FROM audit_events WHERE subject = $1 ORDER BY at DESC, id DESC LIMIT $2",
    )
    .bind(subject)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}
