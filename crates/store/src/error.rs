//! What can go wrong in the store, shared by the query layer and every aggregate.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A SQLite write transaction committed together with others was lost with them (see
    /// `write_batch`): nothing of it was saved.
    #[error("the write was not saved: {0}")]
    NotCommitted(String),
    /// Syncing SQLite's log failed: the last commits may not be on disk.
    #[error("saving the database's log to disk failed: {0}")]
    Disk(std::io::Error),
    /// A SQLite file that cannot be opened (missing without `mode=rwc`, a folder that does not
    /// exist, no permission).
    #[error("cannot open the SQLite database `{0}`: {1}")]
    Open(String, String),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A unique constraint refused the write: the thing already exists.
    #[error("already exists: {0}")]
    Conflict(String),
    /// A stored value no longer parses as its domain type.
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("the store is closed")]
    Closed,
    #[error("not supported: {0}")]
    Unsupported(&'static str),
    #[error("unsupported database URL `{0}`: use sqlite://FILE?mode=rwc, sqlite://FILE?mode=rw or postgres://…")]
    UnsupportedUrl(String),
}

impl StoreError {
    /// PostgreSQL gave up a transaction to break a deadlock or a serialization conflict: the
    /// whole transaction may run again.
    pub fn is_deadlock(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(db))
            if matches!(db.code().as_deref(), Some("40P01" | "40001")))
    }

    /// The database cannot take a write now for reasons of its storage or its server, not of
    /// the request: a full disk, a read-only or missing file, an I/O error, a log that could not
    /// be synced, PostgreSQL away or out of space. Nothing of the transaction was saved, and
    /// the same request may succeed later.
    pub fn is_storage_fault(&self) -> bool {
        use rusqlite::ffi;
        match self {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => matches!(
                f.code,
                ffi::ErrorCode::DiskFull
                    | ffi::ErrorCode::ReadOnly
                    | ffi::ErrorCode::SystemIoFailure
                    | ffi::ErrorCode::CannotOpen
                    | ffi::ErrorCode::DatabaseBusy
                    | ffi::ErrorCode::DatabaseLocked
            ),
            StoreError::Disk(_) | StoreError::NotCommitted(_) | StoreError::Open(..) | StoreError::Closed => true,
            StoreError::Database(sqlx::Error::Database(db)) => db.code().is_some_and(|c| {
                // 53: insufficient resources (disk full, out of memory, too many connections);
                // 08: the connection failed; 57P0x: the server is shutting down or starting;
                // 25006: a read-only transaction (a standby).
                c.starts_with("53") || c.starts_with("08") || c.starts_with("57P0") || c == "25006"
            }),
            StoreError::Database(e) => matches!(
                e,
                sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed
            ),
            _ => false,
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// A stored value parsed back into its domain type; a failure means the row is corrupt.
pub(crate) fn valid<T, E: std::fmt::Display>(parsed: std::result::Result<T, E>) -> Result<T> {
    parsed.map_err(|e| StoreError::Corrupt(e.to_string()))
}
