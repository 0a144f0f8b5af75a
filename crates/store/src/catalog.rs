//! Catalog revisions: each distinct catalog text that was loaded, kept whole. The newest
//! revision is the program in force; older ones stay for the record.

use crate::time::to_db;
use crate::{Conn, Result};
use chrono::{DateTime, Utc};

#[derive(Clone, Debug)]
pub struct CatalogRevision {
    pub revision: i64,
    pub sha256: String,
    pub source_name: String,
    pub source: String,
}

pub async fn latest(conn: &mut Conn) -> Result<Option<CatalogRevision>> {
    let row = crate::sql::query(
        "SELECT revision, sha256, source_name, source FROM catalog_revisions ORDER BY revision DESC LIMIT 1",
    )
    .fetch_optional(conn)
    .await?;
    match row {
        Some(row) => Ok(Some(CatalogRevision {
            revision: row.try_get("revision")?,
            sha256: row.try_get("sha256")?,
            source_name: row.try_get("source_name")?,
            source: row.try_get("source")?,
        })),
        None => Ok(None),
    }
}

/// Stores a catalog text as the next revision, unless the newest revision already has this
/// text. Returns the revision in force and whether it is new. Run it inside a write transaction so that two nodes
/// starting together agree.
pub async fn store_if_changed(
    conn: &mut Conn,
    sha256: &str,
    source_name: &str,
    source: &str,
    at: DateTime<Utc>,
) -> Result<(i64, bool)> {
    if let Some(current) = latest(&mut *conn).await?
        && current.sha256 == sha256
    {
        return Ok((current.revision, false));
    }
    let next: i64 = crate::sql::query_scalar("SELECT COALESCE(MAX(revision), 0) + 1 FROM catalog_revisions")
        .fetch_one(&mut *conn)
        .await?;
    // A text loaded before and then replaced comes back as a new revision; its hash is unique,
    // so the older row gives way.
    crate::sql::query("DELETE FROM catalog_revisions WHERE sha256 = $1").bind(sha256).execute(&mut *conn).await?;
    crate::sql::query(
        "INSERT INTO catalog_revisions (revision, sha256, source_name, source, loaded_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(next)
    .bind(sha256)
    .bind(source_name)
    .bind(source)
    .bind(to_db(at))
    .execute(conn)
    .await?;
    Ok((next, true))
}
