//! SQLite and PostgreSQL behind one interface.
//!
//! Architecture invariant: the rest of partnerhub never sees which database runs. Every query
//! is one SQL text that runs on both (through the store's own query layer, [`sql`]), kept in
//! the module of its aggregate; a query that has to differ says why. This crate speaks domain types and knows
//! nothing of HTTP.

pub mod api_tokens;
pub mod audit;
pub mod benefits;
mod bulk;
pub mod catalog;
pub mod competencies;
pub mod email_links;
mod error;
pub mod files;
mod group_commit;
pub mod guesses;
pub mod idempotency;
pub mod invitations;
pub mod invoices;
pub mod notifications;
pub mod orders;
pub mod orgs;
pub mod outbox;
pub mod passkeys;
pub mod payment_methods;
pub mod refunds;
pub mod sandbox;
pub mod second_factors;
pub mod service_requests;
pub mod sessions;
pub mod sso;
pub mod staff;
pub mod subscriptions;
mod time;
pub mod users;
pub mod webhooks;
mod write_batch;

pub mod sql;

use sqlx::AnyPool;
use sqlx::Executor;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

pub(crate) use error::valid;
pub use error::{Result, StoreError};
pub use sql::{Backend, Conn};

/// A write transaction; commit it or it rolls back when dropped. On SQLite it holds the one
/// writing connection, and with it this process's writer turn (see [`Store::write`]).
pub struct Tx {
    conn: Conn,
}

impl Tx {
    pub async fn commit(mut self) -> Result<()> {
        let committed = self.conn.commit().await?;
        // Give the writer back before waiting for the disk, so the next transaction runs
        // while this one's log is flushed.
        drop(std::mem::replace(&mut self.conn, Conn::spent()));
        committed.wait().await
    }

    /// Commits, and returns once the commit is made and others can read it, without waiting
    /// for SQLite's log to reach the disk: for a record that counts only once a later
    /// transaction of the same caller, which does wait, has been committed after it. The log
    /// is written in order, so that transaction's flush covers this one too, and a crash
    /// before it loses both. (On PostgreSQL this is [`Tx::commit`].)
    pub async fn commit_before_flush(mut self) -> Result<()> {
        let committed = self.conn.commit().await?;
        drop(std::mem::replace(&mut self.conn, Conn::spent()));
        committed.wait_for(false).await
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        self.conn.rollback_if_open();
    }
}

impl std::ops::Deref for Tx {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.conn
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.conn
    }
}

/// A read connection inside one snapshot (see [`Store::read_snapshot`]).
pub struct Snapshot {
    conn: Conn,
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        // Ends the read transaction before the connection goes back to its pool.
        self.conn.rollback_if_open();
    }
}

impl std::ops::Deref for Snapshot {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.conn
    }
}

impl std::ops::DerefMut for Snapshot {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.conn
    }
}

/// Turns a unique-constraint violation into [`StoreError::Conflict`], naming what clashed.
pub(crate) fn conflict_as(what: &str) -> impl FnOnce(StoreError) -> StoreError + '_ {
    move |e| if sql::is_unique_violation(&e) { StoreError::Conflict(what.to_owned()) } else { e }
}

/// The connections and the engine they talk to.
#[derive(Clone)]
pub struct Store {
    engine: Engines,
    url: String,
}

#[derive(Clone)]
enum Engines {
    Sqlite {
        readers: Arc<sql::SqlitePool>,
        /// The one connection that writes. SQLite has one writer at a time anyway; keeping it
        /// on one connection keeps that connection's page cache valid from one write
        /// transaction to the next (a connection drops its whole cache when another one
        /// wrote), and gives the cache that big write batches need to one connection only. Its
        /// pool of one is the queue of this process's writers, in order, instead of polling
        /// the database lock (other processes still meet the busy timeout).
        writer: Arc<sql::SqlitePool>,
    },
    Postgres(AnyPool),
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("backend", &self.backend()).field("url", &redact(&self.url)).finish()
    }
}

impl Store {
    /// Opens `url` (`sqlite://path?mode=rwc` or `postgres://…`).
    pub async fn open(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let engine = if url.starts_with("sqlite:") {
            let (path, flags) = sqlite_target(url)?;
            if flags.contains(rusqlite::OpenFlags::SQLITE_OPEN_CREATE) {
                create_private(&path)?;
            }
            let config = |cache_kib, query_only| sql::SqliteConfig {
                path: path.clone(),
                flags,
                cache_kib,
                query_only,
                group_commit: !query_only,
            };
            // Checked before SQLite opens anything: closing a file this process opened drops
            // every lock the process holds on it (POSIX), SQLite's too, and without its lock on
            // the `-shm` file another process closing its last connection (a `jobs run`, a
            // `reset-password` beside the server) would take the server for gone and delete the
            // log under it.
            if !flags.contains(rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY) {
                writable_files(&path)?;
            }
            let writer = sql::SqlitePool::new(config(WRITER_CACHE_KIB, false), 1);
            // The writer first: it creates the file and turns on WAL for everyone.
            writer.warm()?;
            let readers = sql::SqlitePool::new(config(READER_CACHE_KIB, true), 8);
            readers.warm()?;
            Engines::Sqlite { readers, writer }
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = AnyConnectOptions::from_str(url)?;
            let pool = AnyPoolOptions::new()
                .max_connections(16)
                // Short statements only: compiling a plan with LLVM costs more than it saves.
                .after_connect(|conn, _| Box::pin(async move { conn.execute("SET jit = off").await.map(|_| ()) }))
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Engines::Postgres(pool)
        } else {
            return Err(StoreError::UnsupportedUrl(redact(url)));
        };
        Ok(Store { engine, url: url.to_owned() })
    }

    pub fn backend(&self) -> Backend {
        match self.engine {
            Engines::Sqlite { .. } => Backend::Sqlite,
            Engines::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies the migrations that have not run yet. Safe to call from several nodes at once:
    /// sqlx takes an advisory lock on PostgreSQL, and on SQLite the migrations run on a
    /// connection of their own, one write transaction each.
    pub async fn migrate(&self) -> Result<()> {
        let migrator = sqlx::migrate!("./migrations");
        match &self.engine {
            Engines::Postgres(pool) => migrator.run(pool).await?,
            Engines::Sqlite { .. } => {
                let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&self.url).await?;
                conn.execute("PRAGMA busy_timeout = 30000").await?;
                migrator.run(&mut conn).await?;
                sqlx::Connection::close(conn).await?;
            }
        }
        Ok(())
    }

    /// Starts a write transaction.
    pub async fn write(&self) -> Result<Tx> {
        match &self.engine {
            // A deferred SQLite transaction that reads and then writes can fail with "database
            // is locked" without waiting; taking the write lock up front makes it wait instead.
            Engines::Sqlite { writer, .. } => {
                let mut conn = Conn::sqlite(writer.lease_writer().await?);
                conn.begin_write().await?;
                Ok(Tx { conn })
            }
            Engines::Postgres(pool) => Ok(Tx { conn: Conn::postgres_tx(pool.begin().await?) }),
        }
    }

    /// A connection whose reads all see one state of the database, until it is dropped. On
    /// SQLite a reader also keeps its page cache for the whole snapshot, where each statement
    /// on its own would start with an empty one whenever another connection wrote.
    pub async fn read_snapshot(&self) -> Result<Snapshot> {
        let mut conn = self.read().await?;
        if self.backend() == Backend::Sqlite {
            conn.batch("BEGIN").await?;
        }
        Ok(Snapshot { conn })
    }

    /// A connection for reads that need no transaction.
    pub async fn read(&self) -> Result<Conn> {
        match &self.engine {
            Engines::Sqlite { readers, .. } => Ok(Conn::sqlite(readers.lease().await?)),
            Engines::Postgres(pool) => Ok(Conn::postgres(pool.acquire().await?)),
        }
    }

    /// A connection that may write outside a transaction: on SQLite the writer (statements
    /// such as `ANALYZE` and `VACUUM INTO` need no reader's limits).
    async fn any_writer(&self) -> Result<Conn> {
        match &self.engine {
            Engines::Sqlite { writer, .. } => {
                let mut conn = Conn::sqlite(writer.lease().await?);
                conn.close_batch();
                Ok(conn)
            }
            Engines::Postgres(pool) => Ok(Conn::postgres(pool.acquire().await?)),
        }
    }

    /// Refreshes the query planner's statistics: after a bulk load the tables are far bigger
    /// than the planner last saw, and PostgreSQL would otherwise plan for tiny ones.
    pub async fn analyze(&self) -> Result<()> {
        let mut conn = self.any_writer().await?;
        conn.batch("ANALYZE").await
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<()> {
        let mut conn = self.read().await?;
        sql::query("SELECT 1").execute(&mut conn).await?;
        Ok(())
    }

    /// Writes a consistent copy of a SQLite database to `path` (which must not exist) while it
    /// stays in use. PostgreSQL has its own tools for this (`pg_dump`), so it is refused here.
    pub async fn backup_sqlite(&self, path: &str) -> Result<()> {
        if self.backend() != Backend::Sqlite {
            return Err(StoreError::Unsupported("backup of PostgreSQL: use pg_dump"));
        }
        // Not on a reader: their `query_only` refuses VACUUM even into another file.
        let mut conn = self.any_writer().await?;
        sql::query("VACUUM INTO $1").bind(path).execute(&mut conn).await?;
        Ok(())
    }

    pub async fn close(&self) {
        match &self.engine {
            Engines::Sqlite { readers, writer } => {
                readers.close();
                writer.close();
            }
            Engines::Postgres(pool) => pool.close().await,
        }
    }
}

/// The file of a `sqlite://FILE?mode=…` URL and how to open it: `mode=rwc` creates it; with
/// `mode=rw` or no mode it must exist. partnerhub writes, so a read-only mode is refused.
fn sqlite_target(url: &str) -> Result<(std::path::PathBuf, rusqlite::OpenFlags)> {
    use rusqlite::OpenFlags;
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    let (path, params) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() {
        return Err(StoreError::UnsupportedUrl(redact(url)));
    }
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    for param in params.split('&').filter(|p| !p.is_empty()) {
        match param {
            "mode=rwc" => flags |= OpenFlags::SQLITE_OPEN_CREATE,
            "mode=rw" => {}
            _ => return Err(StoreError::UnsupportedUrl(redact(url))),
        }
    }
    Ok((std::path::PathBuf::from(path), flags))
}

/// Creates a missing database file readable by its owner only (SQLite gives the log and the
/// shared-memory files the database file's mode); an existing file is left as it is.
fn create_private(path: &std::path::Path) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Open(path.display().to_string(), e.to_string())),
    }
}

/// Page cache of each SQLite reading connection (SQLite's default), and of the writing one:
/// a renewal batch touches a few thousand pages, and a cache smaller than that spills pages to
/// the log and reads them back while the transaction runs. It fills only as pages are used.
const READER_CACHE_KIB: i64 = 2 * 1024;
const WRITER_CACHE_KIB: i64 = 64 * 1024;

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

/// Checks that the database file and its two side files can be written. SQLite maps the
/// `-shm` file into memory: one it cannot write (made immutable, say) would end the process
/// with SIGBUS at the first write, with no word in the log. Refused at start instead.
fn writable_files(path: &std::path::Path) -> Result<()> {
    for side in ["", "-wal", "-shm"] {
        let file = std::path::PathBuf::from(format!("{}{side}", path.display()));
        if file.exists() {
            std::fs::OpenOptions::new()
                .write(true)
                .open(&file)
                .map_err(|e| StoreError::Open(file.display().to_string(), format!("it cannot be written: {e}")))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    /// Many writers at once: each is told "committed" only once the log holds it on disk, and
    /// fewer flushes than commits cover them all.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_commits_share_flushes_and_each_waits_for_its_own() {
        let dir = std::env::temp_dir().join(format!("ph-group-commit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("t.db");
        let _ = std::fs::remove_file(&db);
        let store = super::Store::open(&format!("sqlite://{}?mode=rwc", db.display())).await.unwrap();
        let mut tx = store.write().await.unwrap();
        super::sql::query("CREATE TABLE t (n INTEGER PRIMARY KEY)").execute(&mut tx).await.unwrap();
        tx.commit().await.unwrap();
        let writers: Vec<_> = (0..64)
            .map(|n: i64| {
                let store = store.clone();
                tokio::spawn(async move {
                    let mut tx = store.write().await.unwrap();
                    super::sql::query("INSERT INTO t VALUES ($1)").bind(n).execute(&mut tx).await.unwrap();
                    tx.commit().await.unwrap();
                    let super::Engines::Sqlite { writer, .. } = &store.engine else { unreachable!() };
                    let (_, durable, _) = writer.wal().unwrap().counts();
                    durable
                })
            })
            .collect();
        let mut told = Vec::new();
        for w in writers {
            told.push(w.await.unwrap());
        }
        let super::Engines::Sqlite { writer, .. } = &store.engine else { unreachable!() };
        let (committed, durable, flushes) = writer.wal().unwrap().counts();
        // Writers that queued shared commits (see `write_batch`), and commits shared flushes.
        assert!(committed <= 65 && durable == committed, "{committed} commits, {durable} on disk");
        assert!(told.iter().all(|d| *d >= 2), "each writer returned after a flush past its commit: {told:?}");
        assert!(flushes <= committed, "{flushes} flushes for {committed} commits");
        let mut conn = store.read().await.unwrap();
        let rows: i64 = super::sql::query_scalar("SELECT COUNT(*) FROM t").fetch_one(&mut conn).await.unwrap();
        assert_eq!(rows, 64);
        drop(conn);
        store.close().await;
        std::fs::remove_dir_all(dir).ok();
    }

    /// The writer never checkpoints; the checkpointer thread copies a grown log back into the
    /// database file on its own.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_grown_log_is_checkpointed_beside_the_writer() {
        let dir = std::env::temp_dir().join(format!("ph-checkpoint-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("t.db");
        let store = super::Store::open(&format!("sqlite://{}?mode=rwc", db.display())).await.unwrap();
        let mut tx = store.write().await.unwrap();
        super::sql::query("CREATE TABLE t (n INTEGER PRIMARY KEY, b BLOB NOT NULL)").execute(&mut tx).await.unwrap();
        tx.commit().await.unwrap();
        let small = std::fs::metadata(&db).unwrap().len();
        for batch in 0..20_i64 {
            let mut tx = store.write().await.unwrap();
            for n in 0..100 {
                super::sql::query("INSERT INTO t VALUES ($1, randomblob(4000))")
                    .bind(batch * 100 + n)
                    .execute(&mut tx)
                    .await
                    .unwrap();
            }
            tx.commit().await.unwrap();
        }
        let mut grown = small;
        for _ in 0..100 {
            grown = std::fs::metadata(&db).unwrap().len();
            if grown > 4_000_000 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(grown > 4_000_000, "the database file holds the log's pages: {small} → {grown} bytes");
        store.close().await;
        std::fs::remove_dir_all(dir).ok();
    }

    /// Under writers that never pause, the log is started over by the writer instead of
    /// growing: a checkpoint beside the writer rarely ends between two batches, which is when
    /// SQLite would start it over on its own.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_log_starts_over_under_a_steady_stream_of_writes() {
        let dir = std::env::temp_dir().join(format!("ph-restart-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("t.db");
        let store = super::Store::open(&format!("sqlite://{}?mode=rwc", db.display())).await.unwrap();
        let mut tx = store.write().await.unwrap();
        super::sql::query("CREATE TABLE t (n INTEGER PRIMARY KEY, b BLOB NOT NULL)").execute(&mut tx).await.unwrap();
        super::sql::query(
            "WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 400) \
             INSERT INTO t SELECT n, randomblob(3000) FROM k",
        )
        .execute(&mut tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        // 8 writers, 150 commits each, rewriting 20 rows of about a page: 24,000 pages written,
        // six times the log's restart mark.
        let writers: Vec<_> = (0..8_i64)
            .map(|w| {
                let store = store.clone();
                tokio::spawn(async move {
                    for round in 0..150_i64 {
                        let mut tx = store.write().await.unwrap();
                        super::sql::query("UPDATE t SET b = randomblob(3000) WHERE n % 20 = $1")
                            .bind((w * 150 + round) % 20)
                            .execute(&mut tx)
                            .await
                            .unwrap();
                        tx.commit().await.unwrap();
                    }
                })
            })
            .collect();
        let log = dir.join("t.db-wal");
        let mut largest = 0;
        for w in writers {
            while !w.is_finished() {
                largest = largest.max(std::fs::metadata(&log).map_or(0, |m| m.len()));
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            }
            w.await.unwrap();
        }
        largest = largest.max(std::fs::metadata(&log).unwrap().len());
        let super::Engines::Sqlite { writer, .. } = &store.engine else { unreachable!() };
        let restarts = writer.wal().unwrap().restarts();
        let bound = 2 * super::group_commit::RESTART_FRAMES as u64 * (4096 + 24);
        assert!(largest < bound, "the log grew to {largest} bytes ({restarts} restarts by the writer)");
        assert!(restarts >= 1, "the writer started the log over {restarts} times; it grew to {largest} bytes");
        store.close().await;
        std::fs::remove_dir_all(dir).ok();
    }

    /// The indexes that hold only pending attempts and only orders with a subscription still
    /// serve the lookups that need them (reconciliation, and a subscription's orders).
    #[tokio::test]
    async fn narrowed_indexes_serve_their_lookups() {
        let dir = std::env::temp_dir().join(format!("ph-narrow-indexes-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let store = super::Store::open(&format!("sqlite://{}?mode=rwc", dir.join("t.db").display())).await.unwrap();
        store.migrate().await.unwrap();
        let mut conn = store.read().await.unwrap();
        let lookups = [
            (
                "SELECT id FROM payment_attempts WHERE status = 'pending' AND created_at <= 5 ORDER BY created_at",
                "payment_attempts_pending",
            ),
            (
                "SELECT COUNT(*) FROM orders WHERE subscription_id = 'sub_x' AND status = 'paying'",
                "orders_by_subscription",
            ),
            (
                "SELECT COUNT(*) FROM subscriptions s WHERE EXISTS \
                 (SELECT 1 FROM orders r WHERE r.subscription_id = s.id AND r.status = 'paying')",
                "orders_by_subscription",
            ),
        ];
        for index in ["payment_attempts_pending", "orders_by_subscription"] {
            let made: String = super::sql::query_scalar("SELECT sql FROM sqlite_master WHERE name = $1")
                .bind(index)
                .fetch_one(&mut conn)
                .await
                .unwrap();
            assert!(made.contains(" WHERE "), "{index} holds only the rows its lookups read: {made}");
        }
        for (sql, index) in lookups {
            let rows = super::sql::query(super::sql::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
                .fetch_all(&mut conn)
                .await
                .unwrap();
            let plan: Vec<String> = rows.iter().map(|r| r.try_get::<String, _>("detail").unwrap()).collect();
            let plan = plan.join("; ");
            assert!(plan.contains(index), "{sql}\n  goes by {plan}, not {index}");
        }
        drop(conn);
        store.close().await;
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn sqlite_urls_name_a_file_and_whether_to_make_it() {
        use rusqlite::OpenFlags;
        let (path, flags) = super::sqlite_target("sqlite://data/ph.db?mode=rwc").unwrap();
        assert_eq!(path, std::path::PathBuf::from("data/ph.db"));
        assert!(flags.contains(OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_READ_WRITE));
        let (path, flags) = super::sqlite_target("sqlite:///tmp/ph.db").unwrap();
        assert_eq!(path, std::path::PathBuf::from("/tmp/ph.db"));
        assert!(!flags.contains(OpenFlags::SQLITE_OPEN_CREATE));
        for refused in ["sqlite://ph.db?mode=ro", "sqlite://ph.db?cache=shared", "sqlite://?mode=rwc"] {
            assert!(super::sqlite_target(refused).is_err(), "{refused}");
        }
    }

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
    pub fn kind(&self) -> &'static str {
        match self {
            Principal::User(_) => "user",
            Principal::Staff(_) => "staff",
        }
    }

    pub fn id(&self) -> &str {
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
