//! `partnerhub-bench --faults N`: a SIGKILL campaign against the real binary, which anyone can
//! run again (RELIABILITY.md keeps its last figures). Not part of the test command: it takes
//! minutes, and the tests reproduce each failure it once found one at a time.
//!
//! Per database:
//! 1. Purchases: orgs with an order at review; N times, a burst of Buys (each with the
//!    Idempotency-Key it will keep) is sent and the server is killed (SIGKILL) a random few
//!    milliseconds in, then started again. At the end every order is retried with its key
//!    until it answers: each must be paid, charged once and invoiced once, without gaps.
//! 2. Renewals: subscriptions due on one day; N/4 times `jobs run` is started and killed a
//!    random moment in; a last run must end with nothing due, each subscription renewed once.

use crate::load::{self, Ctx};
use crate::server::Server;
use crate::{Db, Scratch};
use anyhow::{Context, ensure};
use sqlx::Connection;
use std::path::Path;
use std::time::{Duration, Instant};

/// Given-up times short enough for a campaign (the defaults are 5 and 2 minutes); the same
/// rules, sooner.
const SERVER_ENV: [(&str, &str); 2] = [("PARTNERHUB_LEASE_SECONDS", "5"), ("PARTNERHUB_ABANDON_SECONDS", "3")];
/// Buys sent in each burst before the kill.
const BURST: usize = 6;

pub struct Report {
    db: Db,
    kills: usize,
    orders: usize,
    answered_during: usize,
    /// Payment attempts a kill left between their write and their charge, given up on and
    /// paid again by the retry.
    given_up: i64,
    due: usize,
    run_kills: usize,
    took: Duration,
}

impl Report {
    pub fn print(&self) {
        println!("\n{}: fault campaign, {:.0} s", self.db.name(), self.took.as_secs_f64());
        println!(
            "  purchases: {} SIGKILLs of serve during {} Buys of {} orders ({} answered before a kill, {} attempts \
             left between write and charge); after retries with the same keys: every order paid, one charge and one \
             invoice each, numbers without gaps",
            self.kills,
            self.kills * BURST,
            self.orders,
            self.answered_during,
            self.given_up
        );
        println!(
            "  renewals: {} SIGKILLs of jobs run over {} due subscriptions; the last run ended with nothing due, \
             each renewed, charged and invoiced once",
            self.run_kills, self.due
        );
    }
}

/// A small generator of pseudo-random numbers: the campaign needs spread, not secrecy.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

fn env() -> Vec<(String, String)> {
    SERVER_ENV.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

pub async fn run(bin: &Path, db: Db, purchases: &Scratch, renewals: &Scratch, kills: usize) -> anyhow::Result<Report> {
    let started = Instant::now();
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(7, |d| d.as_nanos() as u64);
    let mut dice = Dice(seed | 1);
    let (orders, answered_during, given_up) = buy_under_kills(bin, db, purchases, kills, &mut dice).await?;
    let run_kills = (kills / 4).max(1);
    let due = kill_renewal_runs(bin, db, renewals, run_kills, &mut dice).await?;
    Ok(Report { db, kills, orders, answered_during, given_up, due, run_kills, took: started.elapsed() })
}

async fn buy_under_kills(
    bin: &Path,
    db: Db,
    scratch: &Scratch,
    kills: usize,
    dice: &mut Dice,
) -> anyhow::Result<(usize, usize, i64)> {
    let url = scratch.database_url();
    let mail = std::sync::Arc::new(crate::mail::Mailbox::start().await?);
    let server = Server::start(bin, &scratch.dir, &url, &[env(), mail.server_env()].concat())?;
    let ctx = Ctx { base: server.url.clone().into(), api: load::api_client(BURST)?, run: "faults".into() };
    let count = (kills * BURST / 3).max(20);
    println!("  {}: setting up {count} orders at review…", db.name());
    let mut orders = Vec::with_capacity(count);
    for i in 0..count {
        let token = load::set_up_org(ctx.clone(), mail.clone(), i).await?;
        let pm = load::save_card(&ctx, &token).await?;
        let order = load::order_to_review(&ctx, &token, &pm).await?;
        orders.push((token, order));
    }
    drop(server);

    println!("  {}: {kills} kills during Buys…", db.name());
    let mut answered = 0;
    for k in 0..kills {
        let server = Server::start(bin, &scratch.dir, &url, &env())?;
        let ctx = Ctx { base: server.url.clone().into(), ..ctx.clone() };
        let mut burst = tokio::task::JoinSet::new();
        for n in 0..BURST {
            let (token, order) = orders[(k * BURST + n) % orders.len()].clone();
            let ctx = ctx.clone();
            burst.spawn(async move { load::pay(&ctx, &token, &order).await.is_ok() });
        }
        tokio::time::sleep(Duration::from_millis(dice.below(150))).await;
        drop(server); // SIGKILL
        while let Some(ok) = burst.join_next().await {
            answered += usize::from(ok.unwrap_or(false));
        }
    }

    println!("  {}: retrying every Buy with its key…", db.name());
    let server = Server::start(bin, &scratch.dir, &url, &env())?;
    let ctx = Ctx { base: server.url.clone().into(), ..ctx };
    for (token, order) in &orders {
        let mut tries = 0;
        // Not-yet answers (payment in progress, key in use) until the attempt a kill left is
        // reconciled or given up on; then the same key must pay.
        while let Err(e) = load::pay(&ctx, token, order).await {
            tries += 1;
            ensure!(tries < 120, "order {order} never paid with its key: {e:#}\n{}", server.log_tail());
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    server.stop();
    let given_up = check_purchases(&url, orders.len()).await?;
    Ok((orders.len(), answered, given_up))
}

/// Checks the books; returns how many attempts were given up on (none charged).
async fn check_purchases(url: &str, n: usize) -> anyhow::Result<i64> {
    let mut conn = crate::renewals::connect(url).await?;
    let n = n as i64;
    for (what, sql, want) in [
        ("sandbox charges", "SELECT COUNT(*) FROM sandbox_charges", n),
        ("invoices", "SELECT COUNT(*) FROM invoices", n),
        ("distinct invoice numbers", "SELECT COUNT(DISTINCT number) FROM invoices", n),
        ("paid orders", "SELECT COUNT(*) FROM orders WHERE status = 'paid'", n),
        ("pending attempts", "SELECT COUNT(*) FROM payment_attempts WHERE status = 'pending'", 0),
        ("charges flagged for a refund", "SELECT COUNT(*) FROM audit_events WHERE action = 'payment.needs_refund'", 0),
    ] {
        let got: i64 = sqlx::query_scalar(sql).fetch_one(&mut conn).await?;
        ensure!(got == want, "{what}: {got}, expected {want}");
    }
    let numbers: Vec<String> =
        sqlx::query_scalar("SELECT number FROM invoices ORDER BY number").fetch_all(&mut conn).await?;
    for (i, number) in numbers.iter().enumerate() {
        ensure!(number.ends_with(&format!("-{:06}", i + 1)), "invoice numbers have a gap at {number}");
    }
    let given_up: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM payment_attempts WHERE status = 'abandoned'")
        .fetch_one(&mut conn)
        .await?;
    conn.close().await?;
    Ok(given_up)
}

async fn kill_renewal_runs(
    bin: &Path,
    db: Db,
    scratch: &Scratch,
    kills: usize,
    dice: &mut Dice,
) -> anyhow::Result<usize> {
    let url = scratch.database_url();
    let today = crate::renewals::days_since_epoch();
    let (due_day, until) = (crate::renewals::shift(&today, -1), crate::renewals::shift(&today, 1));
    let due = 3000;
    let run = |args: &[&str]| {
        let mut cmd = crate::renewals::partnerhub(bin, &scratch.dir, &url, args);
        cmd.envs(SERVER_ENV).env("PARTNERHUB_RENEWAL_BATCH", "100");
        cmd
    };
    let out = run(&["generate-due", "--orgs", &due.to_string(), "--due", &due_day]).output()?;
    ensure!(out.status.success(), "generate-due failed: {}", String::from_utf8_lossy(&out.stderr));
    println!("  {}: {kills} kills of jobs run over {due} renewals…", db.name());
    for _ in 0..kills {
        let mut child = run(&["jobs", "run", "--until", &until])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .context("run jobs")?;
        std::thread::sleep(Duration::from_millis(20 + dice.below(600)));
        let _ = child.kill();
        let _ = child.wait();
    }
    let out = run(&["jobs", "run", "--until", &until]).output()?;
    ensure!(
        out.status.success(),
        "the last run did not finish: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    crate::renewals::check(&url, due).await?;
    Ok(due)
}
