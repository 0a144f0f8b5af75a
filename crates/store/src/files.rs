//! Files attached to something an org owns: evidence on a competency application, documents on a
//! service request. One table per owner kind (a shelf), the same columns on each.

use crate::sql::Row;
use crate::time::{from_db, to_db};
use crate::{Conn, Result};
use chrono::{DateTime, Utc};
use domain::ids::{ApplicationFileId, CompetencyApplicationId, OrgId, ServiceRequestId, UserId};

/// What a file is attached to; each kind keeps its files on its own shelf (table).
#[derive(Clone, Copy, Debug)]
pub enum Owner<'a> {
    /// Evidence on a competency application.
    Application(&'a CompetencyApplicationId),
    /// An attachment of a service request.
    Request(&'a ServiceRequestId),
}

impl<'a> Owner<'a> {
    /// The table and the column naming the owner; fixed strings, never input.
    fn table(self) -> (&'static str, &'static str) {
        match self {
            Owner::Application(_) => ("application_files", "application_id"),
            Owner::Request(_) => ("service_request_files", "request_id"),
        }
    }

    fn id(self) -> &'a str {
        match self {
            Owner::Application(id) => id.as_str(),
            Owner::Request(id) => id.as_str(),
        }
    }
}

/// A file, without its bytes.
#[derive(Clone, Debug)]
pub struct FileRecord {
    pub id: ApplicationFileId,
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub uploaded_at: DateTime<Utc>,
}

fn file_from_row(r: &Row) -> Result<FileRecord> {
    Ok(FileRecord {
        id: r.parse("id")?,
        name: r.try_get("name")?,
        content_type: r.try_get("content_type")?,
        size_bytes: r.try_get("size_bytes")?,
        uploaded_at: from_db(r.try_get("uploaded_at")?)?,
    })
}

pub struct NewFile<'a> {
    pub id: &'a ApplicationFileId,
    pub org_id: &'a OrgId,
    pub name: &'a str,
    pub content_type: &'a str,
    pub data: &'a [u8],
    pub uploaded_by: &'a UserId,
    pub at: DateTime<Utc>,
}

pub async fn insert(conn: &mut Conn, owner_of: Owner<'_>, f: &NewFile<'_>) -> Result<()> {
    let (table, owner) = owner_of.table();
    let sql = format!(
        "INSERT INTO {table} (id, {owner}, org_id, name, content_type, size_bytes, data, uploaded_by, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    );
    crate::sql::query(crate::sql::AssertSqlSafe(sql))
        .bind(f.id)
        .bind(owner_of.id())
        .bind(f.org_id.as_str())
        .bind(f.name)
        .bind(f.content_type)
        .bind(i64::try_from(f.data.len()).unwrap_or(i64::MAX))
        .bind(f.data.to_vec())
        .bind(f.uploaded_by)
        .bind(to_db(f.at))
        .execute(conn)
        .await?;
    Ok(())
}

/// The owner's files, oldest first, without their bytes.
pub async fn list(conn: &mut Conn, owner_of: Owner<'_>) -> Result<Vec<FileRecord>> {
    let (table, owner) = owner_of.table();
    let sql = format!(
        "SELECT id, name, content_type, size_bytes, uploaded_at FROM {table} \
         WHERE {owner} = $1 ORDER BY uploaded_at, id"
    );
    let rows = crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(owner_of.id()).fetch_all(conn).await?;
    rows.iter().map(file_from_row).collect()
}

/// One file of the owner, with its bytes.
pub async fn get(
    conn: &mut Conn,
    owner_of: Owner<'_>,
    id: &ApplicationFileId,
) -> Result<Option<(FileRecord, Vec<u8>)>> {
    let (table, owner) = owner_of.table();
    let sql = format!(
        "SELECT id, name, content_type, size_bytes, uploaded_at, data FROM {table} \
         WHERE {owner} = $1 AND id = $2"
    );
    let row =
        crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(owner_of.id()).bind(id).fetch_optional(conn).await?;
    row.map(|r| Ok((file_from_row(&r)?, r.try_get::<Vec<u8>, _>("data")?))).transpose()
}
