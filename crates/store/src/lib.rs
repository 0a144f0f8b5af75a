//! SQLite and PostgreSQL behind one interface.
//!
//! Architecture invariant: the rest of partnerhub never sees which database runs. Every query
//! is one SQL text that runs on both (through sqlx's `Any` driver), kept in the module of its
//! aggregate; a query that has to differ says why. This crate speaks domain types and knows
//! nothing of HTTP.

pub mod api_tokens;
pub mod audit;
pub mod benefits;
mod bulk;
pub mod catalog;
pub mod competencies;
pub mod files;
pub mod idempotency;
pub mod invitations;
pub mod invoices;
pub mod notifications;
pub mod orders;
pub mod orgs;
pub mod outbox;
pub mod payment_methods;
pub mod refunds;
pub mod sandbox;
pub mod service_requests;
pub mod sessions;
pub mod signin;
pub mod staff;
pub mod subscriptions;
mod time;
pub mod users;
pub mod webhooks;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Executor};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

pub use sqlx::AnyConnection as Conn;

/// A write transaction; commit it or it rolls back when dropped. On SQLite it also holds this
/// process's writer turn (see [`Store::write`]).
pub struct Tx {
    inner: sqlx::Transaction<'static, Any>,
    _turn: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        self.inner.commit().await?;
        Ok(())
    }
}

impl std::ops::Deref for Tx {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.inner
    }
}

/// Which engine a [`Store`] runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
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
    #[error("unsupported database URL `{0}`: use sqlite://FILE or postgres://…")]
    UnsupportedUrl(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Turns a unique-constraint violation into [`StoreError::Conflict`], naming what clashed.
pub(crate) fn conflict_as(what: &str) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what.to_owned()),
        _ => StoreError::Database(e),
    }
}

/// The connection pool and the engine it talks to.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    /// SQLite: the one connection that writes. SQLite has one writer at a time anyway; keeping
    /// it on one connection keeps that connection's page cache valid from one write
    /// transaction to the next (a connection drops its whole cache when another one wrote),
    /// and gives the cache that big write batches need to one connection only.
    writer: Option<AnyPool>,
    backend: Backend,
    /// SQLite has one writer at a time; writers of this process queue here, in order, instead
    /// of polling the database lock (other processes still meet the busy timeout).
    writer_turn: Arc<tokio::sync::Semaphore>,
}

impl Store {
    /// Opens `url` (`sqlite://path?mode=rwc` or `postgres://…`).
    pub async fn open(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(redact(url)));
        };
        let options = AnyConnectOptions::from_str(url)?;
        let (pool, writer) = match backend {
            Backend::Sqlite => {
                let readers = sqlite_pool(options.clone(), 8, READER_CACHE_KIB).await?;
                let writer = sqlite_pool(options, 1, WRITER_CACHE_KIB).await?;
                (readers, Some(writer))
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    // Short statements only: compiling a plan with LLVM costs more than it saves.
                    .after_connect(|conn, _| Box::pin(async move { conn.execute("SET jit = off").await.map(|_| ()) }))
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?;
                (pool, None)
            }
        };
        Ok(Store { pool, writer, backend, writer_turn: Arc::new(tokio::sync::Semaphore::new(1)) })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies the migrations that have not run yet. Safe to call from several nodes at once:
    /// sqlx takes an advisory lock on PostgreSQL.
    pub async fn migrate(&self) -> Result<()> {
        sqlx::migrate!("./migrations").run(&self.pool).await?;
        Ok(())
    }

    /// Starts a write transaction.
    pub async fn write(&self) -> Result<Tx> {
        let tx = match self.backend {
            // A deferred SQLite transaction that reads and then writes can fail with "database
            // is locked" without waiting; taking the write lock up front makes it wait instead.
            Backend::Sqlite => {
                let turn = self.writer_turn.clone().acquire_owned().await.map_err(|_| StoreError::Closed)?;
                let writer = self.writer.as_ref().unwrap_or(&self.pool);
                Tx { inner: writer.begin_with("BEGIN IMMEDIATE").await?, _turn: Some(turn) }
            }
            Backend::Postgres => Tx { inner: self.pool.begin().await?, _turn: None },
        };
        Ok(tx)
    }

    /// A connection for reads that need no transaction.
    pub async fn read(&self) -> Result<PoolConnection<Any>> {
        Ok(self.pool.acquire().await?)
    }

    /// Refreshes the query planner's statistics: after a bulk load the tables are far bigger
    /// than the planner last saw, and PostgreSQL would otherwise plan for tiny ones.
    pub async fn analyze(&self) -> Result<()> {
        match &self.writer {
            Some(writer) => sqlx::query("ANALYZE").execute(writer).await?,
            None => sqlx::query("ANALYZE").execute(&self.pool).await?,
        };
        Ok(())
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Writes a consistent copy of a SQLite database to `path` (which must not exist) while it
    /// stays in use. PostgreSQL has its own tools for this (`pg_dump`), so it is refused here.
    pub async fn backup_sqlite(&self, path: &str) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Unsupported("backup of PostgreSQL: use pg_dump"));
        }
        sqlx::query("VACUUM INTO $1").bind(path).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        if let Some(writer) = &self.writer {
            writer.close().await;
        }
        self.pool.close().await;
    }
}

/// Page cache of each SQLite reading connection (SQLite's default), and of the writing one:
/// a renewal batch touches a few thousand pages, and a cache smaller than that spills pages to
/// the log and reads them back while the transaction runs. It fills only as pages are used.
const READER_CACHE_KIB: i64 = 2 * 1024;
const WRITER_CACHE_KIB: i64 = 64 * 1024;

/// WAL lets readers go on while one writer writes; every write transaction starts with BEGIN
/// IMMEDIATE (see `Store::write`), so the busy timeout covers waiting writers.
/// synchronous=FULL: a committed transaction survives a power cut, which money needs.
async fn sqlite_pool(options: AnyConnectOptions, connections: u32, cache_kib: i64) -> Result<AnyPool> {
    Ok(AnyPoolOptions::new()
        .max_connections(connections)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                conn.execute("PRAGMA journal_mode = WAL").await?;
                conn.execute("PRAGMA synchronous = FULL").await?;
                conn.execute("PRAGMA foreign_keys = ON").await?;
                conn.execute("PRAGMA busy_timeout = 30000").await?;
                conn.execute(sqlx::AssertSqlSafe(format!("PRAGMA cache_size = -{cache_kib}"))).await?;
                // A statement that writes many rows keeps a journal of its own, to undo just
                // itself; in memory, not in a file under /var/tmp written and dropped each time.
                conn.execute("PRAGMA temp_store = MEMORY").await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await?)
}

/// The URL without its password, fit for a log line or an error.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redact_hides_the_password() {
        assert_eq!(super::redact("postgres://ph:secret@db/ph"), "postgres://ph:***@db/ph");
        assert_eq!(super::redact("sqlite://partnerhub.db"), "sqlite://partnerhub.db");
    }
}

/// Who a session or an API token belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    User(domain::ids::UserId),
    Staff(domain::ids::StaffId),
}

impl Principal {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Principal::User(_) => "user",
            Principal::Staff(_) => "staff",
        }
    }

    pub(crate) fn id(&self) -> &str {
        match self {
            Principal::User(id) => id.as_str(),
            Principal::Staff(id) => id.as_str(),
        }
    }

    pub(crate) fn from_db(kind: &str, id: &str) -> Result<Principal> {
        match kind {
            "user" => Ok(Principal::User(valid(domain::ids::UserId::parse(id))?)),
            "staff" => Ok(Principal::Staff(valid(domain::ids::StaffId::parse(id))?)),
            other => Err(StoreError::Corrupt(format!("unknown principal kind `{other}`"))),
        }
    }
}

/// A stored value parsed back into its domain type; a failure means the row is corrupt.
pub(crate) fn valid<T, E: std::fmt::Display>(parsed: std::result::Result<T, E>) -> Result<T> {
    parsed.map_err(|e| StoreError::Corrupt(e.to_string()))
}
