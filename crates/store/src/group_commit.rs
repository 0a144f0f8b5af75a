//! Group commit for SQLite: many write transactions, one `fsync`.
//!
//! With `synchronous=FULL` SQLite syncs its log (the `-wal` file) inside every `COMMIT`, while
//! the transaction still holds the one writer: concurrent purchases then queue for the disk
//! one flush at a time, and the writer sits idle during each. Instead the writer runs with
//! `synchronous=NORMAL`, where `COMMIT` writes the transaction's frames to the log without
//! syncing it, and gives the writer up at once. A thread of its own syncs the log whenever
//! commits were made since its last flush, each flush covering every commit made before it
//! began; [`WalSync::wait`] holds `commit` back until a flush covers the caller's commit. A
//! caller is told "committed" only once its frames are on disk, as with `synchronous=FULL`.
//!
//! The log is written in order, so a later commit on disk means every earlier one is too. The
//! one difference: between its `COMMIT` and the flush (a millisecond or so), another request
//! of this process can already read the new rows. A power cut in that window loses them,
//! while their own caller was never told they were saved.
//!
//! Checkpoints (copying the log's pages back into the database file, so that the log can start
//! over) run on a thread of their own too. SQLite would otherwise run one inside every
//! `COMMIT` that finds the log past 1,000 pages: two syncs and megabytes of writes while the
//! writer is held. Here the writer never checkpoints (`wal_autocheckpoint=0`); after a flush
//! that finds the log past [`CHECKPOINT_BYTES`], the checkpointer runs a `PASSIVE` checkpoint
//! on its own connection, which goes on beside the writer without blocking it.
//!
//! A failed flush is final: after a failed `fsync` the kernel may have dropped the pages it
//! could not write, so a later flush that succeeds proves nothing about them. Every commit
//! from then on fails until the process restarts and SQLite recovers from its log.

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};

/// How big the log may grow before it is checkpointed: SQLite's own default of 1,000 pages.
const CHECKPOINT_BYTES: u64 = 1000 * 4096;

pub(crate) struct WalSync {
    shared: Arc<Shared>,
    durable: tokio::sync::watch::Receiver<Durable>,
}

struct Shared {
    /// The database's log: SQLite names it after the database file, with `-wal` appended.
    path: PathBuf,
    state: Mutex<State>,
    /// Wakes the flusher when a commit is made (or when it should stop).
    wake: Condvar,
    /// Flushes done, for the tests.
    flushes: AtomicU64,
}

struct State {
    /// Commits made so far; the writer counts each while it still holds its turn, so the
    /// count follows the log's order.
    committed: u64,
    stop: bool,
    /// Whether the flusher waits for a commit: only then does a commit wake it (a wake is a
    /// system call; while it flushes, it looks for new commits on its own when done).
    idle: bool,
}

/// What the flusher has done.
#[derive(Clone, Default)]
struct Durable {
    /// Commits known to be on disk.
    flushed: u64,
    /// Why flushing stopped, if it failed.
    failed: Option<String>,
}

impl WalSync {
    pub fn new(database: &std::path::Path) -> WalSync {
        let mut path = database.as_os_str().to_owned();
        path.push("-wal");
        let shared = Arc::new(Shared {
            path: PathBuf::from(path),
            state: Mutex::new(State { committed: 0, stop: false, idle: false }),
            wake: Condvar::new(),
            flushes: AtomicU64::new(0),
        });
        let (tell, durable) = tokio::sync::watch::channel(Durable::default());
        let (checkpoint, due) = std::sync::mpsc::sync_channel(1);
        let flusher = shared.clone();
        std::thread::Builder::new()
            .name("sqlite-log-flush".into())
            .spawn(move || flusher.run(&tell, &checkpoint))
            .expect("start the SQLite log's flusher thread");
        let database = database.to_owned();
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || checkpoints(&database, &due))
            .expect("start the SQLite checkpoint thread");
        WalSync { shared, durable }
    }

    /// Counts a commit just made, and returns its number; call it before the writer's turn
    /// passes on.
    pub fn committed(&self) -> u64 {
        let (seq, idle) = {
            let mut state = self.shared.lock();
            state.committed += 1;
            (state.committed, state.idle)
        };
        if idle {
            self.shared.wake.notify_one();
        }
        seq
    }

    /// Returns once commit number `seq` is on disk.
    pub async fn wait(&self, seq: u64) -> std::io::Result<()> {
        let mut durable = self.durable.clone();
        let found = durable
            .wait_for(|d| d.flushed >= seq || d.failed.is_some())
            .await
            .map_err(|_| std::io::Error::other("the log's flusher stopped"))?;
        match &found.failed {
            Some(why) if found.flushed < seq => Err(std::io::Error::other(why.clone())),
            _ => Ok(()),
        }
    }

    /// (commits made, commits on disk, flushes run).
    #[cfg(test)]
    pub fn counts(&self) -> (u64, u64, u64) {
        (self.shared.lock().committed, self.durable.borrow().flushed, self.shared.flushes.load(Ordering::Relaxed))
    }
}

impl Drop for WalSync {
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.wake.notify_one();
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The flusher: waits for commits past the last flush, flushes, tells the waiters.
    fn run(&self, tell: &tokio::sync::watch::Sender<Durable>, checkpoint: &std::sync::mpsc::SyncSender<()>) {
        let mut file = None;
        let mut flushed = 0;
        loop {
            let target = {
                let mut state = self.lock();
                while state.committed <= flushed && !state.stop {
                    state.idle = true;
                    state = self.wake.wait(state).unwrap_or_else(|p| p.into_inner());
                    state.idle = false;
                }
                if state.stop {
                    return;
                }
                state.committed
            };
            match self.sync_log(&mut file) {
                Ok(size) => {
                    flushed = target;
                    tell.send_modify(|d| d.flushed = flushed);
                    if size > CHECKPOINT_BYTES {
                        // Full when one is already asked for: that one will do.
                        let _ = checkpoint.try_send(());
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, log = %self.path.display(), "syncing SQLite's log failed; commits fail until a restart");
                    tell.send_modify(|d| d.failed = Some(format!("syncing {} failed: {e}", self.path.display())));
                    return;
                }
            }
        }
    }

    /// Syncs the log; returns its size.
    fn sync_log(&self, file: &mut Option<(File, u64)>) -> std::io::Result<u64> {
        // SQLite keeps the log while any connection is open, but a handle to a log that was
        // removed and made anew would flush the old one: check the inode each time.
        let found = std::fs::metadata(&self.path)?;
        if file.as_ref().map(|(_, at)| *at) != Some(found.ino()) {
            *file = Some((File::open(&self.path)?, found.ino()));
        }
        self.flushes.fetch_add(1, Ordering::Relaxed);
        if let Some((log, _)) = file.as_ref() {
            log.sync_data()?;
        }
        Ok(found.len())
    }
}

/// The checkpointer: one `PASSIVE` checkpoint each time the flusher asks, until it stops.
fn checkpoints(database: &std::path::Path, due: &std::sync::mpsc::Receiver<()>) {
    let mut conn = None;
    while due.recv().is_ok() {
        if conn.is_none() {
            match open_for_checkpoints(database) {
                Ok(opened) => conn = Some(opened),
                Err(e) => {
                    tracing::warn!(error = %e, "opening a connection for checkpoints failed");
                    continue;
                }
            }
        }
        if let Some(c) = &conn
            && let Err(e) = c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
        {
            tracing::warn!(error = %e, "a checkpoint of SQLite's log failed; the next flush asks again");
        }
    }
}

fn open_for_checkpoints(database: &std::path::Path) -> rusqlite::Result<rusqlite::Connection> {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = rusqlite::Connection::open_with_flags(database, flags)?;
    // A checkpoint syncs the log before it copies pages and the database file after.
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 0;")?;
    Ok(conn)
}
