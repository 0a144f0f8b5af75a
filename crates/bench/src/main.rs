//! `partnerhub-bench`: complete purchases over HTTP against the real server binary, on SQLite
//! and on PostgreSQL, reported next to a calibration probe of the same database in the same run
//! (durable single-row write transactions per second). The disk this runs on is noisy, so the
//! ratio of the two is the figure that carries over from run to run. See BENCHMARKS.md.
//!
//! A run per database: start the server → set up orgs (not timed as load) → restart the server
//! on the same database → prepare cards and orders → probe → pay only at the maximum (closed
//! loop) → pay only at half that rate (open loop) → the whole order path at the maximum → the
//! whole path at half that rate → probe again → stop the server → check the database holds one
//! invoice and one charge per purchase.

mod faults;
mod load;
mod mail;
mod probe;
mod renewals;
mod server;

use anyhow::{Context, bail, ensure};
use clap::{Parser, ValueEnum};
use load::{Ctx, Outcome};
use server::Server;
use sqlx::Connection;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum DbChoice {
    Sqlite,
    Postgres,
    Both,
}

#[derive(Parser, Debug)]
#[command(
    name = "partnerhub-bench",
    about = "Purchases per second, latency and memory of partnerhub, beside the database's own durable write rate"
)]
struct Cli {
    /// Which database to run on.
    #[arg(long, value_enum, default_value = "both")]
    db: DbChoice,
    /// Orgs to create per database; each buys Action Pack once (35% pay-only at max, 20% pay-only
    /// at half load, 25% whole path at max, 20% whole path at half load).
    #[arg(long, default_value_t = 3000)]
    orgs: usize,
    /// Concurrent clients in the closed-loop (maximum load) phases and when preparing orders.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Orgs set up at a time (sign-up and sign-in hash passwords with argon2: CPU-bound).
    #[arg(long, default_value_t = 8)]
    setup_concurrency: usize,
    /// The server binary (default: `partnerhub` next to this binary, else target/release/partnerhub).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Open-loop rate for the pay-only "half load" phase, purchases/s (default: half the
    /// pay-only maximum measured just before in the same run).
    #[arg(long)]
    rate: Option<f64>,
    /// Open-loop rate for the whole-path "half load" phase (default: half its measured maximum).
    #[arg(long)]
    path_rate: Option<f64>,
    /// PostgreSQL to create the throwaway benchmark database on (loopback only).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg_admin_url: String,
    /// Probe: at most this many durable single-row transactions…
    #[arg(long, default_value_t = 2000)]
    probe_tx: i64,
    /// …and at most this many seconds.
    #[arg(long, default_value_t = 5.0)]
    probe_secs: f64,
    /// Worker threads of the load generator (1: a single-threaded runtime, leaving the other
    /// cores to the server).
    #[arg(long, default_value_t = 1)]
    client_threads: usize,
    /// An environment variable for the server, KEY=VALUE (repeatable; for experiments such as
    /// MALLOC_MMAP_THRESHOLD_=131072). The server otherwise starts with an empty environment.
    #[arg(long)]
    server_env: Vec<String>,
    /// Write every timed purchase (database, phase, start offset, latency, ok) to this CSV file.
    #[arg(long)]
    samples_csv: Option<PathBuf>,
    /// Instead of purchases: time the renewal run of this many subscriptions due on one day
    /// (`partnerhub generate-due`, then `partnerhub jobs run`), beside a probe that writes the
    /// same rows in the same batches with no logic.
    #[arg(long)]
    renewals: Option<usize>,
    /// Instead of purchases: a SIGKILL campaign of this many kills of `serve` during Buys
    /// (and a quarter as many of `jobs run` during renewals), then checks that money moved
    /// exactly once (RELIABILITY.md).
    #[arg(long)]
    faults: Option<usize>,
    /// Keep the scratch folder (server log, SQLite files) and the PostgreSQL database.
    #[arg(long)]
    keep: bool,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // reqwest is compiled with rustls but without a default crypto provider in this workspace.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = if cli.client_threads <= 1 {
        tokio::runtime::Builder::new_current_thread().enable_all().build()?
    } else {
        tokio::runtime::Builder::new_multi_thread().worker_threads(cli.client_threads).enable_all().build()?
    };
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    ensure!(cli.orgs >= 20, "--orgs must be at least 20");
    ensure!(cli.concurrency >= 1 && cli.setup_concurrency >= 1, "concurrency must be at least 1");
    ensure!(is_loopback(&cli.pg_admin_url), "--pg-admin-url must point at 127.0.0.1 or localhost");
    let bin = server_bin(&cli)?;
    if let Some(kills) = cli.faults {
        println!("partnerhub-bench: fault campaign, {kills} kills per database, server {}", bin.display());
        for db in [Db::Sqlite, Db::Postgres] {
            if (db == Db::Sqlite && cli.db == DbChoice::Postgres) || (db == Db::Postgres && cli.db == DbChoice::Sqlite)
            {
                continue;
            }
            let purchases = Scratch::new(&cli, db, &run_id()).await?;
            let renewals = Scratch::new(&cli, db, &run_id()).await?;
            let result = faults::run(&bin, db, &purchases, &renewals, kills).await;
            purchases.remove(&cli).await;
            renewals.remove(&cli).await;
            result.with_context(|| format!("fault campaign on {}", db.name()))?.print();
        }
        return Ok(());
    }
    if let Some(due) = cli.renewals {
        println!(
            "partnerhub-bench: the renewal run of {due} subscriptions per database, {} CPUs, load average {}",
            server::cpus(),
            server::load_average()
        );
        for db in [Db::Sqlite, Db::Postgres] {
            if (db == Db::Sqlite && cli.db == DbChoice::Postgres) || (db == Db::Postgres && cli.db == DbChoice::Sqlite)
            {
                continue;
            }
            let scratch = Scratch::new(&cli, db, &run_id()).await?;
            let result = renewals::run(&bin, db, &scratch, due, &cli.pg_admin_url).await;
            scratch.remove(&cli).await;
            result.with_context(|| format!("renewals on {}", db.name()))?.print();
        }
        return Ok(());
    }
    println!(
        "partnerhub-bench: {} orgs per database, {} clients at max load, server {}, {} CPUs, load average {}",
        cli.orgs,
        cli.concurrency,
        bin.display(),
        server::cpus(),
        server::load_average()
    );
    let mut reports = Vec::new();
    for db in [Db::Sqlite, Db::Postgres] {
        let wanted = match db {
            Db::Sqlite => cli.db != DbChoice::Postgres,
            Db::Postgres => cli.db != DbChoice::Sqlite,
        };
        if wanted {
            reports.push(run_database(&cli, &bin, db).await.with_context(|| format!("on {}", db.name()))?);
        }
    }
    println!();
    print_table(&cli, &reports);
    println!();
    for r in &reports {
        println!("{}", r.summary_line());
    }
    Ok(())
}

fn server_bin(cli: &Cli) -> anyhow::Result<PathBuf> {
    let bin = match &cli.server_bin {
        Some(path) => path.clone(),
        None => std::env::current_exe()
            .ok()
            .and_then(|me| Some(me.parent()?.join("partnerhub")))
            .filter(|p| p.is_file())
            .unwrap_or_else(|| PathBuf::from("target/release/partnerhub")),
    };
    ensure!(bin.is_file(), "no server binary at {} (cargo build --release -p partnerhub)", bin.display());
    Ok(std::fs::canonicalize(&bin)?)
}

fn is_loopback(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    ["127.0.0.1", "localhost", "::1"].contains(&host)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Db {
    Sqlite,
    Postgres,
}

impl Db {
    fn name(self) -> &'static str {
        match self {
            Db::Sqlite => "SQLite",
            Db::Postgres => "PostgreSQL",
        }
    }
}

/// A unique suffix for this run's names (database, e-mail addresses, idempotency keys).
fn run_id() -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{:x}{:x}", std::process::id(), nanos % 0xffff_ffff)
}

/// One timed phase's figures.
struct Phase {
    ok: usize,
    errors: usize,
    first_error: Option<String>,
    wall: Duration,
    p50: Duration,
    p90: Duration,
    p99: Duration,
    max: Duration,
    /// The open-loop rate asked for, if this was an open-loop phase.
    target: Option<f64>,
    server_cpu: Duration,
    client_cpu: Duration,
    /// PostgreSQL only: CPU of the backends serving the benchmark's database.
    database_cpu: Option<Duration>,
    /// The whole machine during the phase: share of CPU time busy, and waiting on I/O.
    machine_busy: f64,
    machine_iowait: f64,
    machine_steal: f64,
}

impl Phase {
    fn rate(&self) -> f64 {
        self.ok as f64 / self.wall.as_secs_f64().max(1e-9)
    }
    fn server_cores(&self) -> f64 {
        self.server_cpu.as_secs_f64() / self.wall.as_secs_f64().max(1e-9)
    }
    fn client_cores(&self) -> f64 {
        self.client_cpu.as_secs_f64() / self.wall.as_secs_f64().max(1e-9)
    }
    fn database_cores(&self) -> Option<f64> {
        Some(self.database_cpu?.as_secs_f64() / self.wall.as_secs_f64().max(1e-9))
    }
    fn server_ms_per_purchase(&self) -> f64 {
        self.server_cpu.as_secs_f64() * 1000.0 / self.ok.max(1) as f64
    }
}

/// Measures one phase: the outcome's latencies plus the CPU the server and this process used.
async fn timed<Fut: std::future::Future<Output = Outcome>>(
    server: &Server,
    scratch: &Scratch,
    target: Option<f64>,
    csv: Option<(&Path, Db, &str)>,
    phase: Fut,
) -> anyhow::Result<Phase> {
    let backends_before = pg_backends_cpu(scratch).await?;
    let (server_before, client_before, machine_before) = (server.cpu(), server::own_cpu(), server::machine_cpu());
    let outcome = phase.await;
    let machine_after = server::machine_cpu();
    let (server_cpu, client_cpu) = (server.cpu() - server_before, server::own_cpu() - client_before);
    let database_cpu = pg_backends_cpu(scratch).await?.map(|after| {
        let before = backends_before.unwrap_or_default();
        after.iter().map(|(pid, t)| t.saturating_sub(before.get(pid).copied().unwrap_or_default())).sum()
    });
    let machine_total = machine_after.total.saturating_sub(machine_before.total).max(1) as f64;
    let share = |after: u64, before: u64| after.saturating_sub(before) as f64 / machine_total;
    let machine_busy = share(machine_after.busy, machine_before.busy);
    let machine_iowait = share(machine_after.iowait, machine_before.iowait);
    let machine_steal = share(machine_after.steal, machine_before.steal);
    if let Some((path, db, name)) = csv {
        use std::io::Write;
        let new = !path.exists();
        let mut file = std::io::BufWriter::new(std::fs::OpenOptions::new().create(true).append(true).open(path)?);
        if new {
            writeln!(file, "database,phase,start_ms,latency_ms,ok")?;
        }
        for s in &outcome.samples {
            writeln!(file, "{},{name},{:.3},{:.3},{}", db.name(), ms(s.at), ms(s.latency), s.error.is_none())?;
        }
        file.flush()?;
    }
    let mut latencies: Vec<Duration> =
        outcome.samples.iter().filter(|s| s.error.is_none()).map(|s| s.latency).collect();
    latencies.sort();
    let errors: Vec<&String> = outcome.samples.iter().filter_map(|s| s.error.as_ref()).collect();
    Ok(Phase {
        ok: latencies.len(),
        errors: errors.len(),
        first_error: errors.first().map(|e| e.to_string()),
        wall: outcome.wall,
        p50: percentile(&latencies, 0.50),
        p90: percentile(&latencies, 0.90),
        p99: percentile(&latencies, 0.99),
        max: latencies.last().copied().unwrap_or_default(),
        target,
        server_cpu,
        client_cpu,
        database_cpu,
        machine_busy,
        machine_iowait,
        machine_steal,
    })
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

struct Report {
    db: Db,
    durability: String,
    probe_before: probe::Probe,
    probe_after: probe::Probe,
    idle_rss_kb: u64,
    restart_rss_kb: u64,
    setup_orgs: usize,
    setup: Duration,
    setup_peak_kb: u64,
    rss_after_setup_kb: u64,
    prepare: Duration,
    pay_max: Phase,
    pay_half: Phase,
    path_max: Phase,
    path_half: Phase,
    load_peak_kb: u64,
    rss_after_load_kb: u64,
    /// PostgreSQL only: write transactions (xids) and WAL bytes per purchase in the maximum
    /// phases, pay only and whole path (cluster-wide counters).
    pg_pay: Option<(f64, f64)>,
    pg_path: Option<(f64, f64)>,
    invoices: i64,
    charges: i64,
}

impl Report {
    fn probe_mean(&self) -> f64 {
        (self.probe_before.per_second() + self.probe_after.per_second()) / 2.0
    }
    fn purchases(&self) -> usize {
        self.pay_max.ok + self.pay_half.ok + self.path_max.ok + self.path_half.ok
    }
    fn errors(&self) -> usize {
        self.pay_max.errors + self.pay_half.errors + self.path_max.errors + self.path_half.errors
    }
    fn summary_line(&self) -> String {
        format!(
            "RESULT db={} probe_tx_s={:.0}/{:.0} pay_s={:.0} ratio={:.2} p50_ms={:.1} p99_ms={:.1} half_rate={:.0} half_p50_ms={:.1} half_p99_ms={:.1} \
             path_s={:.0} path_ratio={:.2} path_p99_ms={:.1} path_half_p99_ms={:.1} idle_rss_mb={:.1} peak_load_rss_mb={:.1} peak_setup_rss_mb={:.1} errors={}",
            self.db.name(),
            self.probe_before.per_second(),
            self.probe_after.per_second(),
            self.pay_max.rate(),
            self.pay_max.rate() / self.probe_mean(),
            ms(self.pay_max.p50),
            ms(self.pay_max.p99),
            self.pay_half.rate(),
            ms(self.pay_half.p50),
            ms(self.pay_half.p99),
            self.path_max.rate(),
            self.path_max.rate() / self.probe_mean(),
            ms(self.path_max.p99),
            ms(self.path_half.p99),
            mb(self.idle_rss_kb),
            mb(self.load_peak_kb),
            mb(self.setup_peak_kb),
            self.errors(),
        )
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

/// The scratch folder and, on PostgreSQL, the throwaway database; both go at the end.
struct Scratch {
    dir: PathBuf,
    pg: Option<(String, String)>,
    keep: bool,
}

impl Scratch {
    async fn new(cli: &Cli, db: Db, run: &str) -> anyhow::Result<Scratch> {
        let dir = std::env::temp_dir().join(format!("partnerhub-bench-{run}-{}", db.name().to_lowercase()));
        std::fs::create_dir_all(&dir)?;
        let pg = if db == Db::Postgres {
            let name = format!("ph_bench_{run}");
            let mut admin = sqlx::PgConnection::connect(&cli.pg_admin_url).await.context("connect to PostgreSQL")?;
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await?;
            admin.close().await?;
            let base = cli.pg_admin_url.rsplit_once('/').map_or(cli.pg_admin_url.as_str(), |(b, _)| b);
            Some((name.clone(), format!("{base}/{name}")))
        } else {
            None
        };
        Ok(Scratch { dir, pg, keep: cli.keep })
    }

    fn database_url(&self) -> String {
        match &self.pg {
            Some((_, url)) => url.clone(),
            None => format!("sqlite://{}?mode=rwc", self.dir.join("bench.db").display()),
        }
    }

    async fn remove(self, cli: &Cli) {
        if self.keep {
            println!("  kept {} {}", self.dir.display(), self.pg.as_ref().map_or("", |(name, _)| name.as_str()));
            return;
        }
        if let Some((name, _)) = &self.pg {
            match sqlx::PgConnection::connect(&cli.pg_admin_url).await {
                Ok(mut admin) => {
                    let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&mut admin).await {
                        eprintln!("  cannot drop database {name}: {e}");
                    }
                    let _ = admin.close().await;
                }
                Err(e) => eprintln!("  cannot drop database {name}: {e}"),
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn run_database(cli: &Cli, bin: &Path, db: Db) -> anyhow::Result<Report> {
    let run = run_id();
    let scratch = Scratch::new(cli, db, &run).await?;
    let result = measure(cli, bin, db, &scratch, &run).await;
    scratch.remove(cli).await;
    result
}

async fn run_probe(cli: &Cli, db: Db, scratch: &Scratch) -> anyhow::Result<probe::Probe> {
    let max_time = Duration::from_secs_f64(cli.probe_secs);
    let probe = match db {
        Db::Sqlite => probe::sqlite(&scratch.dir.join("probe.db"), cli.probe_tx, max_time).await?,
        Db::Postgres => probe::postgres(&scratch.database_url(), cli.probe_tx, max_time).await?,
    };
    println!(
        "  probe: {} durable single-row transactions in {:.2} s = {:.0}/s; each p50 {:.2} ms, p99 {:.2} ms, max {:.1} ms",
        probe.transactions,
        probe.elapsed.as_secs_f64(),
        probe.per_second(),
        ms(probe.p50),
        ms(probe.p99),
        ms(probe.max)
    );
    Ok(probe)
}

async fn measure(cli: &Cli, bin: &Path, db: Db, scratch: &Scratch, run: &str) -> anyhow::Result<Report> {
    println!("\n== {} ({})", db.name(), store_location(scratch));

    // Set-up on a first server process: orgs, sign-in and API tokens (two argon2 hashes per
    // org), not part of the load.
    let env = cli.server_env.iter().map(|kv| kv.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())));
    let env: Vec<(String, String)> = env.collect::<Option<_>>().context("--server-env takes KEY=VALUE")?;
    // Only the set-up's server sends e-mail (the links that confirm the buyers' addresses): the
    // load keeps its receipts in the outbox, as before.
    let mail = Arc::new(mail::Mailbox::start().await?);
    let setup_env = [env.clone(), mail.server_env()].concat();
    let server = Server::start(bin, &scratch.dir, &scratch.database_url(), &setup_env)?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_rss_kb = server.rss_kb();
    println!("  server pid {} at {}; idle RSS {:.1} MB", server.pid, server.url, mb(idle_rss_kb));
    let ctx = Ctx { base: server.url.as_str().into(), api: load::api_client(cli.concurrency * 2)?, run: run.into() };
    let started = Instant::now();
    let setup_ctx = ctx.clone();
    let tokens = load::each_concurrently((0..cli.orgs).collect(), cli.setup_concurrency, move |i| {
        load::set_up_org(setup_ctx.clone(), mail.clone(), i)
    })
    .await
    .into_iter()
    .collect::<anyhow::Result<Vec<String>>>()
    .with_context(|| format!("setting up orgs; server log:\n{}", server.log_tail()))?;
    let setup = started.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (setup_peak_kb, rss_after_setup_kb) = (server.peak_kb(), server.rss_kb());
    println!(
        "  set-up: {} orgs signed up, signed in, API token each, in {:.1} s ({:.0} orgs/s); RSS {:.1} MB, peak {:.1} MB",
        tokens.len(),
        setup.as_secs_f64(),
        tokens.len() as f64 / setup.as_secs_f64(),
        mb(rss_after_setup_kb),
        mb(setup_peak_kb)
    );
    server.stop();

    // The load runs on a fresh server process over the same database, so its memory figures
    // are those of purchases, not what the set-up's password hashing left behind.
    let server = Server::start(bin, &scratch.dir, &scratch.database_url(), &env)?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let restart_rss_kb = server.rss_kb();
    println!(
        "  restarted: server pid {} at {}; idle RSS {:.1} MB over {} orgs",
        server.pid,
        server.url,
        mb(restart_rss_kb),
        tokens.len()
    );
    let ctx = Ctx { base: server.url.as_str().into(), ..ctx };

    // Preparation: a saved card for every org; orders at review for the pay-only groups. It
    // also uses every token once, so no timed call pays the token's once-a-minute last-use write.
    let n = tokens.len();
    let (pay_max_n, pay_half_n, path_max_n) = (n * 35 / 100, n / 5, n / 4);
    let started = Instant::now();
    let prep_ctx = ctx.clone();
    let prepared = load::each_concurrently(
        tokens.into_iter().enumerate().collect(),
        cli.concurrency,
        move |(i, token): (usize, String)| {
            let ctx = prep_ctx.clone();
            async move {
                let pm = load::save_card(&ctx, &token).await?;
                let order = if i < pay_max_n + pay_half_n {
                    Some(load::order_to_review(&ctx, &token, &pm).await?)
                } else {
                    None
                };
                anyhow::Ok((Arc::<str>::from(token), Arc::<str>::from(pm), order.map(Arc::<str>::from)))
            }
        },
    )
    .await
    .into_iter()
    .collect::<anyhow::Result<Vec<_>>>()
    .with_context(|| format!("preparing orders; server log:\n{}", server.log_tail()))?;
    let prepare = started.elapsed();
    println!("  prepared {n} cards and {} orders at review in {:.1} s", pay_max_n + pay_half_n, prepare.as_secs_f64());
    let prepared_at = Instant::now();

    // The probe brackets the timed phases, with the server idle, on the same disk.
    let probe_before = run_probe(cli, db, scratch).await?;

    let mut pay_orders: Vec<(Arc<str>, Arc<str>)> = prepared[..pay_max_n + pay_half_n]
        .iter()
        .map(|(t, _, o)| (t.clone(), o.clone().expect("a pay-only org has an order")))
        .collect();
    let pay_half_orders = pay_orders.split_off(pay_max_n);
    let mut path_orgs: Vec<(Arc<str>, Arc<str>)> =
        prepared[pay_max_n + pay_half_n..].iter().map(|(t, pm, _)| (t.clone(), pm.clone())).collect();
    let path_half_orgs = path_orgs.split_off(path_max_n);

    let pay = {
        let ctx = ctx.clone();
        move |(token, order): (Arc<str>, Arc<str>)| {
            let ctx = ctx.clone();
            async move { load::pay(&ctx, &token, &order).await }
        }
    };
    let path = {
        let ctx = ctx.clone();
        move |(token, pm): (Arc<str>, Arc<str>)| {
            let ctx = ctx.clone();
            async move { load::whole_path(&ctx, &token, &pm).await }
        }
    };

    let pg_before = pg_counters(scratch).await?;
    let csv = |name| cli.samples_csv.as_deref().map(|path| (path, db, name));
    let pay_max =
        timed(&server, scratch, None, csv("pay_max"), load::closed_loop(pay_orders, cli.concurrency, pay.clone()))
            .await?;
    let pg_pay = pg_per_purchase(pg_before, pg_counters(scratch).await?, pay_max.ok);
    report_phase("pay only, max", &pay_max);
    let settle = Duration::from_millis(500);

    tokio::time::sleep(settle).await;
    let rate = cli.rate.unwrap_or(pay_max.rate() / 2.0);
    let pay_half =
        timed(&server, scratch, Some(rate), csv("pay_half"), load::open_loop(pay_half_orders, rate, pay)).await?;
    report_phase("pay only, half", &pay_half);

    tokio::time::sleep(settle).await;
    let pg_before = pg_counters(scratch).await?;
    let path_max =
        timed(&server, scratch, None, csv("path_max"), load::closed_loop(path_orgs, cli.concurrency, path.clone()))
            .await?;
    let pg_path = pg_per_purchase(pg_before, pg_counters(scratch).await?, path_max.ok);
    report_phase("whole path, max", &path_max);

    tokio::time::sleep(settle).await;
    let rate = cli.path_rate.unwrap_or(path_max.rate() / 2.0);
    let path_half =
        timed(&server, scratch, Some(rate), csv("path_half"), load::open_loop(path_half_orgs, rate, path)).await?;
    report_phase("whole path, half", &path_half);
    if prepared_at.elapsed() > Duration::from_secs(55) {
        println!(
            "  note: the timed phases ended more than a minute after preparation: some calls wrote a token's last use"
        );
    }

    tokio::time::sleep(Duration::from_secs(2)).await;
    let (load_peak_kb, rss_after_load_kb) = (server.peak_kb(), server.rss_kb());
    println!("  RSS after the load {:.1} MB, peak {:.1} MB", mb(rss_after_load_kb), mb(load_peak_kb));
    let probe_after = run_probe(cli, db, scratch).await?;
    server.stop();

    let (durability, invoices, charges) = check_database(db, scratch).await?;
    let report = Report {
        db,
        durability,
        probe_before,
        probe_after,
        idle_rss_kb,
        restart_rss_kb,
        setup_orgs: n,
        setup,
        setup_peak_kb,
        rss_after_setup_kb,
        prepare,
        pay_max,
        pay_half,
        path_max,
        path_half,
        load_peak_kb,
        rss_after_load_kb,
        pg_pay,
        pg_path,
        invoices,
        charges,
    };
    println!(
        "  database holds {invoices} invoices and {charges} sandbox charges for {} purchases answered as paid",
        report.purchases()
    );
    if invoices != report.purchases() as i64 || charges != invoices {
        bail!("the database does not hold one invoice and one charge per purchase");
    }
    Ok(report)
}

fn store_location(scratch: &Scratch) -> String {
    match &scratch.pg {
        Some((name, _)) => format!("database {name}, scratch folder {}", scratch.dir.display()),
        None => format!("folder {}", scratch.dir.display()),
    }
}

fn report_phase(name: &str, p: &Phase) {
    let target = p.target.map_or(String::new(), |t| format!(" (asked {t:.0}/s)"));
    println!(
        "  {name}: {} purchases in {:.2} s = {:.0}/s{target}; p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms; server CPU {:.2} cores, client {:.2}{}, machine {:.0}% busy ({:.0}% stolen), {:.0}% iowait{}",
        p.ok,
        p.wall.as_secs_f64(),
        p.rate(),
        ms(p.p50),
        ms(p.p90),
        ms(p.p99),
        ms(p.max),
        p.server_cores(),
        p.client_cores(),
        p.database_cores().map_or(String::new(), |c| format!(", PostgreSQL backends {c:.2}")),
        p.machine_busy * 100.0,
        p.machine_steal * 100.0,
        p.machine_iowait * 100.0,
        p.first_error.as_ref().map_or(String::new(), |e| format!("; {} errors, first: {e}", p.errors))
    );
}

/// PostgreSQL: the next transaction id (ids go only to transactions that write) and the WAL
/// position. Both are cluster-wide: anything else running on the server counts too.
async fn pg_counters(scratch: &Scratch) -> anyhow::Result<Option<(i64, i64)>> {
    let Some((_, url)) = &scratch.pg else { return Ok(None) };
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let row: (i64, i64) = sqlx::query_as(
        "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint, \
         pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint",
    )
    .fetch_one(&mut conn)
    .await?;
    conn.close().await?;
    Ok(Some(row))
}

fn pg_per_purchase(before: Option<(i64, i64)>, after: Option<(i64, i64)>, purchases: usize) -> Option<(f64, f64)> {
    let ((x0, w0), (x1, w1)) = (before?, after?);
    let n = purchases.max(1) as f64;
    Some(((x1 - x0) as f64 / n, (w1 - w0) as f64 / n))
}

/// PostgreSQL only: CPU time so far of each backend connected to the benchmark's database.
async fn pg_backends_cpu(scratch: &Scratch) -> anyhow::Result<Option<std::collections::HashMap<u32, Duration>>> {
    let Some((_, url)) = &scratch.pg else { return Ok(None) };
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let pids: Vec<i32> = sqlx::query_scalar(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_all(&mut conn)
    .await?;
    conn.close().await?;
    Ok(Some(pids.into_iter().map(|pid| (pid as u32, server::process_cpu(pid as u32))).collect()))
}

/// What the database holds after the run, and how durable its commits were.
async fn check_database(db: Db, scratch: &Scratch) -> anyhow::Result<(String, i64, i64)> {
    const COUNTS: &str = "SELECT (SELECT COUNT(*) FROM invoices), (SELECT COUNT(*) FROM sandbox_charges)";
    match db {
        Db::Sqlite => {
            use sqlx::ConnectOptions;
            let options =
                sqlx::sqlite::SqliteConnectOptions::new().filename(scratch.dir.join("bench.db")).read_only(true);
            let mut conn = options.connect().await?;
            let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut conn).await?;
            let (invoices, charges): (i64, i64) = sqlx::query_as(COUNTS).fetch_one(&mut conn).await?;
            conn.close().await?;
            Ok((
                format!("journal_mode={mode}; every commit waits for an fsync of the log (the server's group commit)"),
                invoices,
                charges,
            ))
        }
        Db::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&scratch.database_url()).await?;
            let fsync: String = sqlx::query_scalar("SHOW fsync").fetch_one(&mut conn).await?;
            let sync: String = sqlx::query_scalar("SHOW synchronous_commit").fetch_one(&mut conn).await?;
            let version: String = sqlx::query_scalar("SHOW server_version").fetch_one(&mut conn).await?;
            let (invoices, charges): (i64, i64) = sqlx::query_as(COUNTS).fetch_one(&mut conn).await?;
            conn.close().await?;
            Ok((format!("PostgreSQL {version}, fsync={fsync}, synchronous_commit={sync}"), invoices, charges))
        }
    }
}

fn print_table(cli: &Cli, reports: &[Report]) {
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let mut row = |name: &str, f: &dyn Fn(&Report) -> String| {
        rows.push((name.to_owned(), reports.iter().map(f).collect()));
    };
    let c = cli.concurrency;
    row("durability", &|r| r.durability.clone());
    row("probe: durable 1-row tx/s, before / after the timed phases", &|r| {
        format!("{:.0} / {:.0}", r.probe_before.per_second(), r.probe_after.per_second())
    });
    row("probe: one commit's p50 / p99 / max, before; after", &|r| {
        let one = |p: &probe::Probe| format!("{:.2} / {:.1} / {:.0} ms", ms(p.p50), ms(p.p99), ms(p.max));
        format!("{}; {}", one(&r.probe_before), one(&r.probe_after))
    });
    row(&format!("**pay only**, max ({c} clients): purchases/s"), &|r| format!("**{:.0}**", r.pay_max.rate()));
    row("ratio to the probe (mean of before and after)", &|r| format!("**{:.2}**", r.pay_max.rate() / r.probe_mean()));
    row("p50 / p99 at max", &|r| format!("{:.1} / {:.1} ms", ms(r.pay_max.p50), ms(r.pay_max.p99)));
    row("pay only at half load (open loop): achieved/s (asked)", &|r| {
        format!("{:.0} ({:.0})", r.pay_half.rate(), r.pay_half.target.unwrap_or_default())
    });
    row("**p50 / p99 at half load**", &|r| format!("{:.1} / **{:.1}** ms", ms(r.pay_half.p50), ms(r.pay_half.p99)));
    row(&format!("**whole path** (order → terms → card → pay), max ({c} clients): purchases/s"), &|r| {
        format!("{:.0}", r.path_max.rate())
    });
    row("ratio to the probe", &|r| format!("{:.2}", r.path_max.rate() / r.probe_mean()));
    row("p50 / p99 at max", &|r| format!("{:.1} / {:.1} ms", ms(r.path_max.p50), ms(r.path_max.p99)));
    row("whole path at half load: achieved/s (asked)", &|r| {
        format!("{:.0} ({:.0})", r.path_half.rate(), r.path_half.target.unwrap_or_default())
    });
    row("p50 / p99 at half load", &|r| format!("{:.1} / {:.1} ms", ms(r.path_half.p50), ms(r.path_half.p99)));
    row("server CPU at max, pay only / whole path (cores)", &|r| {
        format!("{:.2} / {:.2} of {}", r.pay_max.server_cores(), r.path_max.server_cores(), server::cpus())
    });
    row("server CPU per purchase, pay only / whole path", &|r| {
        format!("{:.2} / {:.2} ms", r.pay_max.server_ms_per_purchase(), r.path_max.server_ms_per_purchase())
    });
    row("PostgreSQL backends' CPU at max, pay only / whole path (cores)", &|r| match (
        r.pay_max.database_cores(),
        r.path_max.database_cores(),
    ) {
        (Some(pay), Some(path)) => format!("{pay:.2} / {path:.2}"),
        _ => "–".into(),
    });
    row("whole machine at max, pay only / whole path: CPU busy (iowait)", &|r| {
        format!(
            "{:.0}% ({:.0}%) / {:.0}% ({:.0}%)",
            r.pay_max.machine_busy * 100.0,
            r.pay_max.machine_iowait * 100.0,
            r.path_max.machine_busy * 100.0,
            r.path_max.machine_iowait * 100.0
        )
    });
    row("load generator CPU at max, pay only / whole path (cores)", &|r| {
        format!("{:.2} / {:.2}", r.pay_max.client_cores(), r.path_max.client_cores())
    });
    row("write transactions per purchase, pay only / whole path (PostgreSQL xids, rolled back ones too)", &|r| match (
        r.pg_pay, r.pg_path,
    ) {
        (Some((pay, _)), Some((path, _))) => format!("{pay:.1} / {path:.1}"),
        _ => "–".into(),
    });
    row("write transactions/s at max ÷ probe, pay only / whole path", &|r| match (r.pg_pay, r.pg_path) {
        (Some((pay, _)), Some((path, _))) => {
            format!("{:.2} / {:.2}", r.pay_max.rate() * pay / r.probe_mean(), r.path_max.rate() * path / r.probe_mean())
        }
        _ => "–".into(),
    });
    row("WAL per purchase, pay only / whole path", &|r| match (r.pg_pay, r.pg_path) {
        (Some((_, pay)), Some((_, path))) => format!("{:.1} / {:.1} KB", pay / 1024.0, path / 1024.0),
        _ => "–".into(),
    });
    row("**idle RSS** (1 s after start, empty database)", &|r| format!("**{:.1} MB**", mb(r.idle_rss_kb)));
    row("idle RSS of the load's server (restarted after set-up)", &|r| format!("{:.1} MB", mb(r.restart_rss_kb)));
    row("**peak RSS** of the load's server (VmHWM)", &|r| format!("**{:.1} MB**", mb(r.load_peak_kb)));
    row("RSS after the load (idle again)", &|r| format!("{:.1} MB", mb(r.rss_after_load_kb)));
    row("set-up's server: peak RSS / RSS 1 s after the last sign-in", &|r| {
        format!("{:.1} MB / {:.1} MB", mb(r.setup_peak_kb), mb(r.rss_after_setup_kb))
    });
    row("set-up (not timed as load): orgs, time", &|r| {
        format!(
            "{} in {:.1} s ({:.0}/s)",
            r.setup_orgs,
            r.setup.as_secs_f64(),
            r.setup_orgs as f64 / r.setup.as_secs_f64()
        )
    });
    row("preparing cards and orders", &|r| format!("{:.1} s", r.prepare.as_secs_f64()));
    row("purchases checked in the database / errors", &|r| {
        format!("{} invoices, {} charges / {}", r.invoices, r.charges, r.errors())
    });
    println!("| | {} |", reports.iter().map(|r| r.db.name()).collect::<Vec<_>>().join(" | "));
    println!("|---|{}", "---|".repeat(reports.len()));
    for (name, cells) in rows {
        println!("| {name} | {} |", cells.join(" | "));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_loopback_postgres_urls_pass() {
        for ok in
            ["postgres://postgres@127.0.0.1:5432/postgres", "postgres://localhost/db", "postgres://u@[::1]:5432/x"]
        {
            assert!(super::is_loopback(ok), "{ok}");
        }
        for bad in ["postgres://db.example.com/x", "postgres://u@localhost.example.com/x", "postgres://10.0.0.1/x"] {
            assert!(!super::is_loopback(bad), "{bad}");
        }
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<std::time::Duration> = (1..=100).map(std::time::Duration::from_millis).collect();
        assert_eq!(super::percentile(&v, 0.5), std::time::Duration::from_millis(50));
        assert_eq!(super::percentile(&v, 0.99), std::time::Duration::from_millis(99));
        assert_eq!(super::percentile(&[], 0.99), std::time::Duration::ZERO);
    }
}
