//! Group commit for SQLite: many write transactions, one `fsync`.
//!
//! With `synchronous=FULL` SQLite syncs its log (the `-wal` file) inside every `COMMIT`, while
//! the transaction still holds the one writer: concurrent purchases then queue for the disk
//! one flush at a time, and the writer sits idle during each. Instead the writer runs with
//! `synchronous=NORMAL`, where `COMMIT` writes the transaction's frames to the log without
//! syncing it, and gives the writer up at once. Then [`WalSync::wait`] syncs the log before
//! `commit` returns to its caller: whoever finds no flush running starts one, covering every
//! commit made so far; the others wait for it or for the next. A caller is told "committed"
//! only once its frames are on disk, as with `synchronous=FULL`.
//!
//! The log is written in order, so a later commit on disk means every earlier one is too. The
//! one difference: between its `COMMIT` and the flush (a millisecond or so), another request
//! of this process can already read the new rows. A power cut in that window loses them,
//! while their own caller was never told they were saved.

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

pub(crate) struct WalSync {
    /// The database's log: SQLite names it after the database file, with `-wal` appended.
    path: PathBuf,
    /// An open handle to the log and its inode: any handle's `fsync` flushes the file.
    file: Mutex<Option<(File, u64)>>,
    /// Commits made so far; the writer counts each while it still holds its turn, so the
    /// count follows the log's order.
    committed: AtomicU64,
    /// Commits known to be on disk.
    durable: tokio::sync::watch::Sender<u64>,
    /// Whether a flush is running.
    flushing: AtomicBool,
    /// Flushes done, for the tests.
    flushes: AtomicU64,
}

impl WalSync {
    pub fn new(database: &std::path::Path) -> WalSync {
        let mut path = database.as_os_str().to_owned();
        path.push("-wal");
        WalSync {
            path: PathBuf::from(path),
            file: Mutex::new(None),
            committed: AtomicU64::new(0),
            durable: tokio::sync::watch::channel(0).0,
            flushing: AtomicBool::new(false),
            flushes: AtomicU64::new(0),
        }
    }

    /// Counts a commit just made; call it before the writer's turn passes on.
    pub fn committed(&self) -> u64 {
        self.committed.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// Returns once commit number `seq` is on disk.
    pub async fn wait(self: &std::sync::Arc<Self>, seq: u64) -> std::io::Result<()> {
        let mut durable = self.durable.subscribe();
        loop {
            if *durable.borrow_and_update() >= seq {
                return Ok(());
            }
            if !self.flushing.swap(true, Ordering::AcqRel) {
                let target = self.committed.load(Ordering::Acquire);
                let me = self.clone();
                let flushed = tokio::task::spawn_blocking(move || me.sync_log())
                    .await
                    .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())));
                // Clear the flag before telling the waiters: one that saw it set has then
                // subscribed before this news and wakes for it.
                self.flushing.store(false, Ordering::Release);
                match flushed {
                    Ok(()) => self.durable.send_modify(|d| *d = (*d).max(target)),
                    Err(e) => {
                        // Wake the others, so one of them tries the next flush.
                        self.durable.send_modify(|_| {});
                        return Err(e);
                    }
                }
                continue;
            }
            if durable.changed().await.is_err() {
                return Err(std::io::Error::other("the log's flusher is gone"));
            }
        }
    }

    fn sync_log(&self) -> std::io::Result<()> {
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        // SQLite keeps the log while any connection is open, but a handle to a log that was
        // removed and made anew would flush the old one: check the inode each time.
        let inode = std::fs::metadata(&self.path)?.ino();
        if file.as_ref().map(|(_, at)| *at) != Some(inode) {
            *file = Some((File::open(&self.path)?, inode));
        }
        self.flushes.fetch_add(1, Ordering::Relaxed);
        match file.as_ref() {
            Some((log, _)) => log.sync_data(),
            None => Ok(()),
        }
    }

    /// (commits made, commits on disk, flushes run).
    #[cfg(test)]
    pub fn counts(&self) -> (u64, u64, u64) {
        (self.committed.load(Ordering::Acquire), *self.durable.borrow(), self.flushes.load(Ordering::Relaxed))
    }
}
