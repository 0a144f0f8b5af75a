//! The calibration probe: how many durable single-row write transactions per second one
//! connection gets from the same database in the same run. Rates that wait on fsync vary
//! several times between runs on this disk, so purchases are reported as a fraction of this.

use anyhow::{Context, ensure};
use sqlx::postgres::PgConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection};
use std::path::Path;
use std::time::{Duration, Instant};

/// Warm-up transactions before the clock starts (the first ones create the WAL file).
const WARM_UP: i64 = 50;

#[derive(Clone, Copy, Debug)]
pub struct Probe {
    pub transactions: i64,
    pub elapsed: Duration,
    /// Latency of one transaction (BEGIN … COMMIT): median, 99th percentile, worst.
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Probe {
    pub fn per_second(&self) -> f64 {
        self.transactions as f64 / self.elapsed.as_secs_f64()
    }

    fn of(mut latencies: Vec<Duration>, elapsed: Duration) -> Probe {
        latencies.sort();
        let at = |p: f64| latencies.get(((p * latencies.len() as f64).ceil() as usize).saturating_sub(1)).copied();
        Probe {
            transactions: latencies.len() as i64,
            elapsed,
            p50: at(0.5).unwrap_or_default(),
            p99: at(0.99).unwrap_or_default(),
            max: latencies.last().copied().unwrap_or_default(),
        }
    }
}

/// SQLite's own durable commit: WAL, synchronous=FULL (each COMMIT syncs the log),
/// `BEGIN IMMEDIATE … COMMIT`, on a file of its own in the folder of the server's database
/// (same file system, same disk).
pub async fn sqlite(file: &Path, max_transactions: i64, max_time: Duration) -> anyhow::Result<Probe> {
    let options = SqliteConnectOptions::new()
        .filename(file)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full);
    let mut conn = options.connect().await.context("open the SQLite probe file")?;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut conn).await?;
    let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&mut conn).await?;
    ensure!(mode == "wal" && synchronous == 2, "the probe is not in WAL with synchronous=FULL ({mode}, {synchronous})");
    sqlx::query("CREATE TABLE IF NOT EXISTS probe (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, note TEXT NOT NULL)")
        .execute(&mut conn)
        .await?;
    async fn one(conn: &mut SqliteConnection, n: i64) -> sqlx::Result<()> {
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("INSERT INTO probe (n, note) VALUES ($1, 'calibration')").bind(n).execute(&mut *tx).await?;
        tx.commit().await
    }
    for n in 0..WARM_UP {
        one(&mut conn, n).await?;
    }
    let start = Instant::now();
    let mut latencies = Vec::new();
    while (latencies.len() as i64) < max_transactions && start.elapsed() < max_time {
        let t = Instant::now();
        one(&mut conn, latencies.len() as i64).await?;
        latencies.push(t.elapsed());
    }
    let probe = Probe::of(latencies, start.elapsed());
    conn.close().await?;
    for suffix in ["", "-wal", "-shm"] {
        let mut name = file.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(name);
    }
    Ok(probe)
}

/// PostgreSQL with synchronous_commit=on (each COMMIT waits for its WAL fsync), one connection
/// to the benchmark's own database on the same server; the table is dropped afterwards.
pub async fn postgres(url: &str, max_transactions: i64, max_time: Duration) -> anyhow::Result<Probe> {
    let mut conn = PgConnection::connect(url).await.context("connect to PostgreSQL for the probe")?;
    sqlx::query("SET synchronous_commit = on").execute(&mut conn).await?;
    let fsync: String = sqlx::query_scalar("SHOW fsync").fetch_one(&mut conn).await?;
    ensure!(fsync == "on", "PostgreSQL runs with fsync={fsync}: its commits are not durable, nothing to measure");
    sqlx::query("CREATE TABLE bench_probe (id BIGSERIAL PRIMARY KEY, n BIGINT NOT NULL, note TEXT NOT NULL)")
        .execute(&mut conn)
        .await?;
    async fn one(conn: &mut PgConnection, n: i64) -> sqlx::Result<()> {
        let mut tx = conn.begin().await?;
        sqlx::query("INSERT INTO bench_probe (n, note) VALUES ($1, 'calibration')").bind(n).execute(&mut *tx).await?;
        tx.commit().await
    }
    for n in 0..WARM_UP {
        one(&mut conn, n).await?;
    }
    let start = Instant::now();
    let mut latencies = Vec::new();
    while (latencies.len() as i64) < max_transactions && start.elapsed() < max_time {
        let t = Instant::now();
        one(&mut conn, latencies.len() as i64).await?;
        latencies.push(t.elapsed());
    }
    let probe = Probe::of(latencies, start.elapsed());
    sqlx::query("DROP TABLE bench_probe").execute(&mut conn).await?;
    conn.close().await?;
    Ok(probe)
}
