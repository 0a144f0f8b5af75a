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
//! on its own connection, which goes on beside the writer without blocking it. It then rests
//! for [`CHECKPOINT_PAUSE`]: each checkpoint costs two syncs and copies the pages every batch
//! changes again (the newest leaves, the invoice counter), so one checkpoint per pause copies
//! such a page once for many batches instead of once for each.
//!
//! SQLite starts the log over only when a transaction begins while the whole log is copied
//! back and no reader still reads from it. Beside a steady stream of batches a checkpoint
//! rarely ends in the gap between two of them, and the log would only grow. So once a
//! checkpoint finds the log past [`RESTART_FRAMES`], the writer, before its next batch (where
//! nothing can be appended), runs a `RESTART` checkpoint: it copies the little the
//! checkpointer left and waits a moment for readers still on the log ([`restart_log`]).
//!
//! A failed flush is final: after a failed `fsync` the kernel may have dropped the pages it
//! could not write, so a later flush that succeeds proves nothing about them. Every commit
//! from then on fails until the process restarts and SQLite recovers from its log.

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};

/// How long a SQLite connection waits for the database's locks before it gives up; the
/// checkpointer lowers it while it waits for readers, then puts it back.
pub(crate) const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// How big the log may grow before it is checkpointed: SQLite's own default of 1,000 pages.
const CHECKPOINT_BYTES: u64 = 1000 * 4096;
/// The checkpointer's rest after each checkpoint. (Paying at full load, 5–20 ms took 10–25%
/// off the server's CPU per purchase against checkpoints back to back; see BENCHMARKS.md.)
const CHECKPOINT_PAUSE: std::time::Duration = std::time::Duration::from_millis(20);
/// Frames in the log (16 MiB of 4 KiB pages) past which the writer starts it over.
pub(crate) const RESTART_FRAMES: i64 = 4096;
/// How long the writer's restart waits for readers still on the log, in steps of
/// [`RESTART_STEP`], before it leaves the restart to a later batch.
const RESTART_STEPS: i32 = 40;
const RESTART_STEP: std::time::Duration = std::time::Duration::from_micros(50);

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
    /// Set by the checkpointer when the log is past [`RESTART_FRAMES`]; the writer takes it.
    restart_due: AtomicBool,
    /// The writer's restarts that went through, for the tests.
    restarts: AtomicU64,
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
            restart_due: AtomicBool::new(false),
            restarts: AtomicU64::new(0),
        });
        let (tell, durable) = tokio::sync::watch::channel(Durable::default());
        let (checkpoint, due) = std::sync::mpsc::sync_channel(1);
        let flusher = shared.clone();
        std::thread::Builder::new()
            .name("sqlite-log-flush".into())
            .spawn(move || flusher.run(&tell, &checkpoint))
            .expect("start the SQLite log's flusher thread");
        let database = database.to_owned();
        let checkpointer = shared.clone();
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || checkpointer.checkpoints(&database, &due))
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

    /// Starts the log over if a checkpoint found it long: call it on the writer's connection
    /// outside a transaction, before a batch begins. A `RESTART` checkpoint copies what is
    /// left of the log and waits, briefly, until no reader still reads from it; the next
    /// write then goes to the log's start. If readers stay, a later batch tries again.
    pub fn restart_log(&self, conn: &rusqlite::Connection) {
        if !self.shared.restart_due.swap(false, Ordering::Relaxed) {
            return;
        }
        fn brief_wait(tries: i32) -> bool {
            std::thread::sleep(RESTART_STEP);
            tries < RESTART_STEPS
        }
        if let Err(e) = conn.busy_handler(Some(brief_wait)) {
            tracing::warn!(error = %e, "setting a busy handler for the log's restart failed");
            return;
        }
        // (busy, frames in the log, frames copied): busy is 1 when readers stayed.
        match conn.query_row("PRAGMA wal_checkpoint(RESTART)", [], |r| r.get::<_, i64>(0)) {
            Ok(0) => {
                self.shared.restarts.fetch_add(1, Ordering::Relaxed);
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "restarting SQLite's log failed; a later batch tries again"),
        }
        if let Err(e) = conn.busy_timeout(BUSY_TIMEOUT) {
            tracing::error!(error = %e, "restoring the writer's busy timeout failed");
        }
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

    /// Restarts of the log made by the writer.
    #[cfg(test)]
    pub fn restarts(&self) -> u64 {
        self.shared.restarts.load(Ordering::Relaxed)
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

    /// The checkpointer: a `PASSIVE` checkpoint when the flusher asks, then a pause, until
    /// it stops. Asks that came during the pause are met by the next checkpoint.
    fn checkpoints(&self, database: &std::path::Path, due: &std::sync::mpsc::Receiver<()>) {
        let mut conn = None;
        while due.recv().is_ok() {
            let began = std::time::Instant::now();
            if conn.is_none() {
                match open_for_checkpoints(database) {
                    Ok(opened) => conn = Some(opened),
                    Err(e) => {
                        tracing::warn!(error = %e, "opening a connection for checkpoints failed");
                        continue;
                    }
                }
            }
            if let Some(c) = &conn {
                // (busy, frames in the log, frames copied)
                match c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(1)) {
                    Ok(frames) if frames >= RESTART_FRAMES => self.restart_due.store(true, Ordering::Relaxed),
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "a checkpoint of SQLite's log failed; the next flush asks again")
                    }
                }
            }
            std::thread::sleep(CHECKPOINT_PAUSE.saturating_sub(began.elapsed()));
            while due.try_recv().is_ok() {}
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
