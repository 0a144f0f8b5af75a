//! Service requests and the messages written in them.

use crate::bulk::{self, Rows, Value};
use crate::sql::Row;
use crate::time::{from_db, opt_from_db, to_db};
use crate::{Conn, Result};
use chrono::{DateTime, Utc};
use domain::ids::{OrgId, RequestMessageId, ServiceRequestId, SubscriptionId};
use domain::service_request::{Author, ProblemType, RequestStatus};

#[derive(Clone, Debug)]
pub struct RequestRecord {
    pub id: ServiceRequestId,
    /// `SR-000001`, without gaps.
    pub number: String,
    pub org_id: OrgId,
    pub problem_type: ProblemType,
    pub subscription_id: Option<SubscriptionId>,
    pub title: String,
    pub contact_email: String,
    pub contact_phone: Option<String>,
    pub status: RequestStatus,
    /// The staff member handling it (name and e-mail address).
    pub assignee: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, number, org_id, problem_type, subscription_id, title, contact_email, contact_phone, status, \
    assignee, created_by, created_at, updated_at, resolved_at";

impl Rows for RequestRecord {
    const INTO: &'static str = "service_requests (id, number, org_id, problem_type, subscription_id, title, \
        contact_email, contact_phone, status, assignee, created_by, created_at, updated_at, resolved_at)";
    const WIDTH: usize = 14;
    fn values(&self, out: &mut Vec<Value>) {
        out.extend([
            Value::from(&self.id),
            (&self.number).into(),
            (&self.org_id).into(),
            self.problem_type.as_str().into(),
            self.subscription_id.as_ref().into(),
            (&self.title).into(),
            (&self.contact_email).into(),
            self.contact_phone.as_deref().into(),
            self.status.as_str().into(),
            self.assignee.as_deref().into(),
            (&self.created_by).into(),
            to_db(self.created_at).into(),
            to_db(self.updated_at).into(),
            self.resolved_at.map(to_db).into(),
        ]);
    }
}

fn from_row(r: &Row) -> Result<RequestRecord> {
    Ok(RequestRecord {
        id: r.parse("id")?,
        number: r.try_get("number")?,
        org_id: r.parse("org_id")?,
        problem_type: r.parse("problem_type")?,
        subscription_id: r.parse_opt("subscription_id")?,
        title: r.try_get("title")?,
        contact_email: r.try_get("contact_email")?,
        contact_phone: r.try_get("contact_phone")?,
        status: r.parse("status")?,
        assignee: r.try_get("assignee")?,
        created_by: r.try_get("created_by")?,
        created_at: from_db(r.try_get("created_at")?)?,
        updated_at: from_db(r.try_get("updated_at")?)?,
        resolved_at: opt_from_db(r.try_get("resolved_at")?)?,
    })
}

#[derive(Clone, Debug)]
pub struct MessageRecord {
    pub id: RequestMessageId,
    pub request_id: ServiceRequestId,
    pub author_kind: Author,
    pub author_name: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

impl Rows for MessageRecord {
    const INTO: &'static str = "service_request_messages (id, request_id, author_kind, author_name, body, created_at)";
    const WIDTH: usize = 6;
    fn values(&self, out: &mut Vec<Value>) {
        out.extend([
            Value::from(&self.id),
            (&self.request_id).into(),
            self.author_kind.as_str().into(),
            (&self.author_name).into(),
            (&self.body).into(),
            to_db(self.created_at).into(),
        ]);
    }
}

pub async fn insert(conn: &mut Conn, r: &RequestRecord) -> Result<()> {
    bulk::insert(conn, std::slice::from_ref(r), "").await?;
    Ok(())
}

pub async fn insert_message(conn: &mut Conn, m: &MessageRecord) -> Result<()> {
    bulk::insert(conn, std::slice::from_ref(m), "").await?;
    Ok(())
}

pub async fn get_in_org(conn: &mut Conn, org: &OrgId, id: &ServiceRequestId) -> Result<Option<RequestRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM service_requests WHERE org_id = $1 AND id = $2");
    let row =
        crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(org.as_str()).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn get(conn: &mut Conn, id: &ServiceRequestId) -> Result<Option<RequestRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM service_requests WHERE id = $1");
    crate::sql::query(crate::sql::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The org's requests, newest first.
pub async fn list_in_org(conn: &mut Conn, org: &OrgId) -> Result<Vec<RequestRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM service_requests WHERE org_id = $1 ORDER BY created_at DESC, id DESC");
    let rows = crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(org.as_str()).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// What the staff queue is narrowed to; `None` and empty mean "any".
#[derive(Clone, Debug, Default)]
pub struct QueueFilter<'a> {
    pub statuses: Vec<RequestStatus>,
    pub problem_type: Option<ProblemType>,
    /// A partner ID, or a part of the org's name (any case).
    pub org: Option<&'a str>,
    /// Opened at or before this instant.
    pub opened_before: Option<DateTime<Utc>>,
    /// `Some(None)`: nobody handles it yet; `Some(Some(name))`: that handler.
    pub assignee: Option<Option<&'a str>>,
}

/// The staff queue, oldest first, with each request's org name.
pub async fn queue(conn: &mut Conn, f: &QueueFilter<'_>, limit: i64) -> Result<Vec<(RequestRecord, String)>> {
    enum Bind<'a> {
        Text(&'a str),
        Owned(String),
        Int(i64),
    }
    let mut clauses = Vec::new();
    let mut binds = vec![Bind::Int(limit)];
    let next = |binds: &Vec<Bind<'_>>| format!("${}", binds.len() + 1);
    if !f.statuses.is_empty() {
        let mut marks = Vec::new();
        for st in &f.statuses {
            marks.push(next(&binds));
            binds.push(Bind::Text(st.as_str()));
        }
        clauses.push(format!("r.status IN ({})", marks.join(", ")));
    }
    if let Some(problem) = f.problem_type {
        clauses.push(format!("r.problem_type = {}", next(&binds)));
        binds.push(Bind::Text(problem.as_str()));
    }
    if let Some(org) = f.org {
        let id = next(&binds);
        binds.push(Bind::Text(org));
        let like = next(&binds);
        binds.push(Bind::Owned(format!("%{}%", org.to_lowercase().replace(['%', '_'], ""))));
        clauses.push(format!("(o.partner_id = {id} OR LOWER(o.name) LIKE {like})"));
    }
    if let Some(before) = f.opened_before {
        clauses.push(format!("r.created_at <= {}", next(&binds)));
        binds.push(Bind::Int(to_db(before)));
    }
    match f.assignee {
        Some(None) => clauses.push("r.assignee IS NULL".into()),
        Some(Some(who)) => {
            clauses.push(format!("r.assignee = {}", next(&binds)));
            binds.push(Bind::Text(who));
        }
        None => {}
    }
    let filter = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    let columns: Vec<String> = COLUMNS.split(',').map(|c| format!("r.{}", c.trim())).collect();
    let sql = format!(
        "SELECT {}, o.name AS org_name FROM service_requests r JOIN orgs o ON o.id = r.org_id {filter} \
         ORDER BY r.created_at, r.id LIMIT $1",
        columns.join(", ")
    );
    let mut q = crate::sql::query(crate::sql::AssertSqlSafe(sql));
    for b in binds {
        q = match b {
            Bind::Text(t) => q.bind(t.to_owned()),
            Bind::Owned(t) => q.bind(t),
            Bind::Int(i) => q.bind(i),
        };
    }
    let rows = q.fetch_all(conn).await?;
    rows.iter().map(|r| Ok((from_row(r)?, r.try_get("org_name")?))).collect()
}

/// Hands a request to `assignee` (a staff member's name and address).
pub async fn assign(conn: &mut Conn, id: &ServiceRequestId, assignee: &str, at: DateTime<Utc>) -> Result<()> {
    crate::sql::query("UPDATE service_requests SET assignee = $1, updated_at = $2 WHERE id = $3")
        .bind(assignee)
        .bind(to_db(at))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A request's messages, oldest first.
pub async fn messages(conn: &mut Conn, request_id: &ServiceRequestId) -> Result<Vec<MessageRecord>> {
    let rows = crate::sql::query(
        "SELECT id, request_id, author_kind, author_name, body, created_at FROM service_request_messages \
         WHERE request_id = $1 ORDER BY created_at, id",
    )
    .bind(request_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(MessageRecord {
                id: r.parse("id")?,
                request_id: r.parse("request_id")?,
                author_kind: r.parse("author_kind")?,
                author_name: r.try_get("author_name")?,
                body: r.try_get("body")?,
                created_at: from_db(r.try_get("created_at")?)?,
            })
        })
        .collect()
}

/// Names the subscription a request is about (an agent does, when the partner did not).
pub async fn set_subscription(
    conn: &mut Conn,
    id: &ServiceRequestId,
    subscription_id: &SubscriptionId,
    at: DateTime<Utc>,
) -> Result<()> {
    crate::sql::query("UPDATE service_requests SET subscription_id = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(subscription_id)
        .bind(crate::time::to_db(at))
        .execute(conn)
        .await?;
    Ok(())
}

/// Moves a request to `status` (and records when it was resolved); `assignee` replaces the
/// handler when given.
pub async fn set_status(
    conn: &mut Conn,
    id: &ServiceRequestId,
    status: RequestStatus,
    assignee: Option<&str>,
    at: DateTime<Utc>,
) -> Result<()> {
    crate::sql::query(
        "UPDATE service_requests SET status = $2, assignee = COALESCE($3, assignee), updated_at = $4, \
         resolved_at = CASE WHEN $2 = 'resolved' THEN $4 ELSE resolved_at END WHERE id = $1",
    )
    .bind(id)
    .bind(status.as_str())
    .bind(assignee)
    .bind(to_db(at))
    .execute(conn)
    .await?;
    Ok(())
}
