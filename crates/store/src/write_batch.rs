//! Many write transactions, one SQLite `COMMIT`.
//!
//! Each SQLite commit writes every page its transaction changed to the log. The transactions
//! of concurrent purchases change the same pages over and over: the newest leaf of each table
//! and of each index ordered by time or by a time-ordered id (audit rows, outbox e-mails,
//! invoices, the invoice counter). Committed one by one, each writes its own copy of them.
//!
//! So while writers queue for the one writer connection, its transaction is passed on instead
//! of committed: each [`crate::Tx`] runs in a savepoint of that batch, `RELEASE`d into it when
//! the `Tx` commits and rolled back alone when it fails or is dropped. The `Tx` that finds
//! nobody queued behind it, or the batch big or old enough, commits it for all; the others
//! wait for that `COMMIT` and then for the flush that covers it (see `group_commit`). A caller
//! is told "committed" exactly when a `COMMIT` of its own would have told it, and pages that
//! many of them changed reach the log once.
//!
//! A `Tx` in a batch sees what the earlier ones released, before it is committed: it commits
//! (or is lost) with them, in one transaction, so nothing committed can rest on changes that
//! were lost. If the batch's `COMMIT` fails, every `Tx` in it is told so.

use crate::error::{Result, StoreError};
use crate::group_commit::WalSync;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// A batch commits once this many `Tx` are released into it, so that the next one builds
/// while this one is flushed. (With 16 clients paying at once, 4 did better than 2, 8 or 16.)
const MAX_MEMBERS: usize = 4;
/// …or once it is this old, so that a steady stream of writers does not hold the first back.
const MAX_AGE: Duration = Duration::from_millis(2);
/// A `Tx` released into a batch that nobody has committed after this long commits it itself:
/// the writer it was passed to may have given up waiting for its turn.
const ORPHAN_AFTER: Duration = Duration::from_millis(20);

/// What became of a batch: the commit number the log's flusher counts, or why it was lost.
type Outcome = std::result::Result<u64, String>;

/// The writer connection's open batch, if any, and how many writers queue for it.
pub(crate) struct Batches {
    wal: Arc<WalSync>,
    open: Mutex<Option<Open>>,
    queued: AtomicUsize,
    next_id: AtomicU64,
}

struct Open {
    id: u64,
    /// `Tx` released into the batch so far.
    members: usize,
    started: Instant,
    outcome: watch::Sender<Option<Outcome>>,
}

/// A `Tx` released into a batch still open: wait for its outcome.
pub(crate) struct Member {
    batch: u64,
    outcome: watch::Receiver<Option<Outcome>>,
}

/// What a released `Tx` waits for before it is committed.
pub(crate) enum Released {
    /// Its batch was committed as this commit number; the flush is next.
    Committed(u64),
    Pending(Member),
}

impl Batches {
    pub fn new(wal: Arc<WalSync>) -> Batches {
        Batches { wal, open: Mutex::new(None), queued: AtomicUsize::new(0), next_id: AtomicU64::new(1) }
    }

    pub fn wal(&self) -> &Arc<WalSync> {
        &self.wal
    }

    fn open(&self) -> std::sync::MutexGuard<'_, Option<Open>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a writer waiting for its turn until the returned guard is dropped: a batch is
    /// passed on only when somebody waits.
    pub fn queue(&self) -> Queued<'_> {
        self.queued.fetch_add(1, Ordering::SeqCst);
        Queued(&self.queued)
    }

    /// Starts a `Tx`: a savepoint in the open batch, or in a new one.
    pub fn begin(&self, conn: &rusqlite::Connection) -> Result<()> {
        if conn.is_autocommit() {
            // A batch still on record was rolled back with its transaction after an error (its
            // members are told); a new batch takes the write lock up front.
            self.finish(Err("the transaction was rolled back".into()));
            self.wal.restart_log(conn);
            conn.execute_batch("BEGIN IMMEDIATE")?;
            let (outcome, _) = watch::channel(None);
            let id = self.next_id.fetch_add(1, Ordering::Relaxed);
            *self.open() = Some(Open { id, members: 0, started: Instant::now(), outcome });
        }
        conn.execute_batch("SAVEPOINT tx")?;
        Ok(())
    }

    /// Releases a `Tx` into its batch, then commits the batch when nobody waits for the
    /// writer or the batch is full or old; else the writer is passed on with it still open.
    pub fn release(&self, conn: &rusqlite::Connection) -> Result<Released> {
        conn.execute_batch("RELEASE tx")?;
        let member = {
            let mut open = self.open();
            let Some(batch) = open.as_mut() else {
                return Err(StoreError::NotCommitted("the write transaction was lost".into()));
            };
            batch.members += 1;
            let keep_open = self.queued.load(Ordering::SeqCst) > 0
                && batch.members < MAX_MEMBERS
                && batch.started.elapsed() < MAX_AGE;
            keep_open.then(|| Member { batch: batch.id, outcome: batch.outcome.subscribe() })
        };
        match member {
            Some(member) => Ok(Released::Pending(member)),
            None => self.commit(conn).map(Released::Committed).map_err(StoreError::NotCommitted),
        }
    }

    /// Undoes a `Tx` that ends without its commit, and only it. The batch it leaves behind
    /// is committed now if nobody waits to go on with it.
    pub fn abandon(&self, conn: &rusqlite::Connection) {
        if !conn.is_autocommit()
            && let Err(e) = conn.execute_batch("ROLLBACK TO tx; RELEASE tx")
        {
            tracing::error!(error = %e, "rolling back a SQLite write transaction failed");
            let _ = conn.execute_batch("ROLLBACK");
        }
        if conn.is_autocommit() {
            // SQLite rolled back the whole batch (an I/O error, a full disk): its members lost.
            self.finish(Err("the transaction was rolled back after an error".into()));
            return;
        }
        let members = self.open().as_ref().map_or(0, |b| b.members);
        if members == 0 {
            if let Err(e) = conn.execute_batch("ROLLBACK") {
                tracing::error!(error = %e, "ending an empty SQLite write transaction failed");
            }
            self.finish(Err("nothing to commit".into()));
        } else if self.queued.load(Ordering::SeqCst) == 0
            && let Err(e) = self.commit(conn)
        {
            tracing::error!(error = %e, "committing a batch of SQLite write transactions failed");
        }
    }

    /// Commits the open batch, if any: before a statement that cannot run in a transaction,
    /// or for a member whose batch nobody committed.
    pub fn close(&self, conn: &rusqlite::Connection, only: Option<u64>) {
        let open = self.open().as_ref().map(|b| b.id);
        if open.is_some_and(|id| only.is_none_or(|only| only == id))
            && let Err(e) = self.commit(conn)
        {
            tracing::error!(error = %e, "committing a batch of SQLite write transactions failed");
        }
    }

    /// `COMMIT`s the batch and tells its members.
    fn commit(&self, conn: &rusqlite::Connection) -> Outcome {
        let outcome = if conn.is_autocommit() {
            Err("the transaction was rolled back after an error".to_owned())
        } else {
            match conn.execute_batch("COMMIT") {
                Ok(()) => Ok(self.wal.committed()),
                Err(e) => {
                    if !conn.is_autocommit() {
                        let _ = conn.execute_batch("ROLLBACK");
                    }
                    Err(format!("the commit failed: {e}"))
                }
            }
        };
        self.finish(outcome.clone());
        outcome
    }

    /// Tells the open batch's members what became of it, and forgets it.
    fn finish(&self, outcome: Outcome) {
        if let Some(batch) = self.open().take() {
            batch.outcome.send_replace(Some(outcome));
        }
    }
}

/// A writer counted as waiting for its turn.
pub(crate) struct Queued<'a>(&'a AtomicUsize);

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Member {
    pub fn batch(&self) -> u64 {
        self.batch
    }

    /// The batch's commit number once it is committed; `None` if it is still open after
    /// [`ORPHAN_AFTER`] (the caller then commits it itself).
    pub async fn outcome(&mut self) -> Option<Result<u64>> {
        let seen = tokio::time::timeout(ORPHAN_AFTER, self.outcome.wait_for(Option::is_some)).await.ok()?;
        Some(match seen {
            Ok(found) => found.clone().unwrap_or_else(|| Err("no outcome".into())).map_err(StoreError::NotCommitted),
            Err(_) => Err(StoreError::NotCommitted("the write transaction was dropped".into())),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::sql::{query, query_scalar};
    use crate::{Engines, Store, StoreError};

    async fn store(name: &str) -> (Store, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("ph-batch-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::open(&format!("sqlite://{}?mode=rwc", dir.join("t.db").display())).await.unwrap();
        let mut tx = store.write().await.unwrap();
        query("CREATE TABLE t (n INTEGER PRIMARY KEY)").execute(&mut tx).await.unwrap();
        query("CREATE TABLE child (n INTEGER REFERENCES t (n) DEFERRABLE INITIALLY DEFERRED)")
            .execute(&mut tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        (store, dir)
    }

    fn batches(store: &Store) -> &super::Batches {
        let Engines::Sqlite { writer, .. } = &store.engine else { unreachable!() };
        writer.batches.as_deref().unwrap()
    }

    /// Inserts `n` into `t` and commits it in a task of its own. Called while a writer is
    /// counted as queued, the commit is passed on rather than made; the task waits for it.
    async fn commit_passed_on(store: &Store, n: i64) -> tokio::task::JoinHandle<crate::Result<()>> {
        let mut tx = store.write().await.unwrap();
        query("INSERT INTO t VALUES ($1)").bind(n).execute(&mut tx).await.unwrap();
        let commit = tokio::spawn(tx.commit());
        tokio::task::yield_now().await;
        commit
    }

    async fn rows(store: &Store, table: &str) -> Vec<i64> {
        let mut conn = store.read().await.unwrap();
        let sql = format!("SELECT n FROM {table} ORDER BY n");
        query_scalar(crate::sql::AssertSqlSafe(sql)).fetch_all(&mut conn).await.unwrap()
    }

    /// Writers that queue share commits; one that fails or is dropped takes only its own
    /// changes back, and every one that was told "committed" can read its row at once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dropped_transaction_in_a_batch_undoes_only_itself() {
        let (store, dir) = store("drop").await;
        let writers: Vec<_> = (0..200)
            .map(|n: i64| {
                let store = store.clone();
                tokio::spawn(async move {
                    let mut tx = store.write().await.unwrap();
                    query("INSERT INTO t VALUES ($1)").bind(n).execute(&mut tx).await.unwrap();
                    if n % 3 == 0 {
                        // Same key again: the statement fails, the transaction is dropped.
                        assert!(query("INSERT INTO t VALUES ($1)").bind(n).execute(&mut tx).await.is_err());
                        return;
                    }
                    tx.commit().await.unwrap();
                    let mut conn = store.read().await.unwrap();
                    let seen: i64 =
                        query_scalar("SELECT COUNT(*) FROM t WHERE n = $1").bind(n).fetch_one(&mut conn).await.unwrap();
                    assert_eq!(seen, 1, "row {n} is readable once its commit returned");
                })
            })
            .collect();
        for w in writers {
            w.await.unwrap();
        }
        assert_eq!(rows(&store, "t").await, (0..200).filter(|n| n % 3 != 0).collect::<Vec<_>>());
        let (commits, _, _) = batches(&store).wal().counts();
        // Whether writers happened to share a commit depends on the scheduler (a loaded machine
        // may run them one by one); what must hold is that no transaction is committed twice.
        assert!(commits <= 134, "{commits} commits for 133 transactions and the schema's");
        store.close().await;
        std::fs::remove_dir_all(dir).ok();
    }

    /// A batch passed on to a writer that never takes it is committed by its own member.
    #[tokio::test]
    async fn a_batch_nobody_takes_is_committed_by_its_member() {
        let (store, dir) = store("orphan").await;
        let queued = batches(&store).queue();
        let commit = commit_passed_on(&store, 1).await;
        // Passed on (somebody queues) but never taken: the member commits it after a while.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        assert!(rows(&store, "t").await.is_empty(), "not committed while passed on");
        drop(queued);
        commit.await.unwrap().unwrap();
        assert_eq!(rows(&store, "t").await, [1]);
        store.close().await;
        std::fs::remove_dir_all(dir).ok();
    }

    /// A member whose request is cancelled while it waits still gets its batch committed.
    #[tokio::test]
    async fn a_batch_whose_member_gives_up_waiting_is_committed() {
        let (store, dir) = store("cancel").await;
        let queued = batches(&store).queue();
        let commit = commit_passed_on(&store, 1).await;
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        drop(queued);
        commit.abort();
        assert!(commit.await.unwrap_err().is_cancelled());
        assert_eq!(rows(&store, "t").await, [1]);
        store.close().await;
        std::fs::remove_dir_all(dir).ok();
    }

    /// When the batch's COMMIT fails, every transaction in it is told, and nothing of it stays.
    #[tokio::test]
    async fn a_failed_batch_fails_all_its_members() {
        let (store, dir) = store("fail").await;
        let queued = batches(&store).queue();
        let first = commit_passed_on(&store, 1).await;
        drop(queued);
        // A deferred foreign key is checked at COMMIT: this one breaks it, so the batch fails.
        let mut second = store.write().await.unwrap();
        query("INSERT INTO child VALUES (99)").execute(&mut second).await.unwrap();
        let second = second.commit().await;
        assert!(matches!(second, Err(StoreError::NotCommitted(_))), "{second:?}");
        let first = first.await.unwrap();
        assert!(matches!(first, Err(StoreError::NotCommitted(_))), "{first:?}");
        assert!(rows(&store, "t").await.is_empty());
        assert!(rows(&store, "child").await.is_empty());
        // The writer goes on.
        let mut tx = store.write().await.unwrap();
        query("INSERT INTO t VALUES (2)").execute(&mut tx).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(rows(&store, "t").await, [2]);
        store.close().await;
        std::fs::remove_dir_all(dir).ok();
    }
}
