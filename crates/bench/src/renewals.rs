//! `partnerhub-bench --renewals N`: the renewal run of N subscriptions due on one day, timed
//! beside a probe of the same database that writes the same rows in the same batches and
//! transactions with no logic at all.
//!
//! Per database: `partnerhub generate-due --orgs N` (set-up, timed apart) → a copy of the
//! database for the probe → `partnerhub jobs run --until` (timed; peak RSS read from /proc) →
//! checks (one charge, one invoice, one receipt, one audit row and a new term for each) → the
//! probe on the copy.

use crate::{Db, Scratch};
use anyhow::{Context, ensure};
use sqlx::{AnyConnection, Connection};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Rows per probe transaction: the renewal run's own batch on the sandbox.
const BATCH: i64 = 1000;
/// Rows per statement in the probe, as the store writes them.
const CHUNK: usize = 200;

pub struct Report {
    pub db: Db,
    pub due: usize,
    pub setup: Duration,
    pub run: Duration,
    pub peak_rss_kb: u64,
    pub probe: Duration,
}

impl Report {
    pub fn print(&self) {
        let rate = self.due as f64 / self.run.as_secs_f64();
        let probe_rate = self.due as f64 / self.probe.as_secs_f64();
        println!("\n{}: {} renewals due on one day", self.db.name(), self.due);
        println!("  set-up (generate-due, not timed as load): {:.1} s", self.setup.as_secs_f64());
        println!(
            "  renewal run: {:.1} s, {:.0} renewals/s, peak RSS {:.1} MB",
            self.run.as_secs_f64(),
            rate,
            self.peak_rss_kb as f64 / 1024.0
        );
        println!(
            "  probe (same rows, same batches and commits, no logic): {:.1} s, {probe_rate:.0} rows-sets/s",
            self.probe.as_secs_f64()
        );
        println!("  ratio run / probe: {:.2}", rate / probe_rate);
    }
}

pub async fn run(bin: &Path, db: Db, scratch: &Scratch, due: usize, pg_admin_url: &str) -> anyhow::Result<Report> {
    let url = scratch.database_url();
    let today = days_since_epoch();
    let (due_day, until) = (shift(&today, -1), shift(&today, 1));
    println!("  {}: generating {due} orgs due on {due_day}…", db.name());
    let started = Instant::now();
    let out = partnerhub(bin, &scratch.dir, &url, &["generate-due", "--orgs", &due.to_string(), "--due", &due_day])
        .output()
        .context("run generate-due")?;
    ensure!(out.status.success(), "generate-due failed: {}", String::from_utf8_lossy(&out.stderr));
    let setup = started.elapsed();
    let probe_url = copy_database(db, scratch, pg_admin_url).await?;

    println!("  {}: renewal run…", db.name());
    let started = Instant::now();
    let mut child = partnerhub(bin, &scratch.dir, &url, &["jobs", "run", "--until", &until])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("run jobs")?;
    let pid = child.id();
    let mut peak = 0;
    while child.try_wait()?.is_none() {
        peak = peak.max(crate::server::status_kb(pid, "VmHWM:"));
        std::thread::sleep(Duration::from_millis(50));
    }
    let run = started.elapsed();
    let out = child.wait_with_output()?;
    ensure!(out.status.success(), "jobs run failed");
    let said = String::from_utf8_lossy(&out.stdout);
    ensure!(said.contains(&format!("{due} renewal charges")), "the run did not renew every subscription: {said}");
    check(&url, due).await?;

    println!("  {}: probe…", db.name());
    let probe = probe(&probe_url, db).await?;
    if let Some(name) = probe_url.rsplit('/').next().filter(|_| db == Db::Postgres) {
        drop_database(pg_admin_url, name).await;
    }
    Ok(Report { db, due, setup, run, peak_rss_kb: peak, probe })
}

pub(crate) fn partnerhub(bin: &Path, dir: &Path, url: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(bin);
    cmd.arg("--database-url").arg(url).args(args).current_dir(dir).env_clear().stdin(Stdio::null());
    cmd
}

/// Today (UTC) in days since 1970-01-01.
pub(crate) fn days_since_epoch() -> i64 {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    (secs / 86_400) as i64
}

/// The day `delta` days from `days` (days since 1970-01-01), as YYYY-MM-DD (civil calendar).
pub(crate) fn shift(days: &i64, delta: i64) -> String {
    let z = days + delta + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A copy of the freshly generated database for the probe, so that it starts from the same
/// rows; returns its URL.
async fn copy_database(db: Db, scratch: &Scratch, pg_admin_url: &str) -> anyhow::Result<String> {
    match db {
        Db::Sqlite => {
            let from = scratch.dir.join("bench.db");
            let to = scratch.dir.join("probe.db");
            std::fs::copy(&from, &to).context("copy the SQLite database")?;
            for suffix in ["-wal", "-shm"] {
                let extra = scratch.dir.join(format!("bench.db{suffix}"));
                if extra.exists() {
                    std::fs::copy(&extra, scratch.dir.join(format!("probe.db{suffix}")))?;
                }
            }
            Ok(format!("sqlite://{}?mode=rwc", to.display()))
        }
        Db::Postgres => {
            let (name, url) = scratch.pg.clone().context("no PostgreSQL database")?;
            let probe = format!("{name}_probe");
            let mut admin = sqlx::PgConnection::connect(pg_admin_url).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {probe} TEMPLATE {name}")))
                .execute(&mut admin)
                .await?;
            admin.close().await?;
            Ok(format!("{}/{probe}", url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b)))
        }
    }
}

async fn drop_database(pg_admin_url: &str, name: &str) {
    if let Ok(mut admin) = sqlx::PgConnection::connect(pg_admin_url).await {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
            .execute(&mut admin)
            .await;
        let _ = admin.close().await;
    }
}

pub(crate) async fn connect(url: &str) -> anyhow::Result<AnyConnection> {
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(url).await.context("connect")?;
    if url.starts_with("sqlite:") {
        // As the server's writing connection: durable commits, a page cache for big batches.
        for pragma in [
            "PRAGMA journal_mode = WAL",
            "PRAGMA synchronous = FULL",
            "PRAGMA foreign_keys = ON",
            "PRAGMA cache_size = -65536",
            "PRAGMA temp_store = MEMORY",
        ] {
            sqlx::query(pragma).execute(&mut conn).await?;
        }
    }
    Ok(conn)
}

/// Every renewal left its marks exactly once.
pub(crate) async fn check(url: &str, due: usize) -> anyhow::Result<()> {
    let mut conn = connect(url).await?;
    let due = due as i64;
    for (what, sql) in [
        ("sandbox charges", "SELECT COUNT(*) FROM sandbox_charges"),
        ("invoices", "SELECT COUNT(*) FROM invoices"),
        ("distinct invoice numbers", "SELECT COUNT(DISTINCT number) FROM invoices"),
        ("receipts", "SELECT COUNT(*) FROM outbox_emails"),
        ("renewed audit rows", "SELECT COUNT(*) FROM audit_events WHERE action = 'subscription.renewed'"),
        ("paid renewal orders", "SELECT COUNT(*) FROM orders WHERE status = 'paid' AND kind = 'auto_renewal'"),
        (
            "subscriptions in a new term",
            "SELECT COUNT(*) FROM subscriptions WHERE lease_until IS NULL AND retries_done = 0 AND term_start > anchor_date",
        ),
    ] {
        let n: i64 = sqlx::query_scalar(sql).fetch_one(&mut conn).await?;
        ensure!(n == due, "{what}: {n}, expected {due}");
    }
    conn.close().await?;
    Ok(())
}

enum V {
    T(String),
    I(i64),
}

/// Writes `rows` (each `width` values) into `into` a chunk per statement.
async fn insert(conn: &mut AnyConnection, into: &str, width: usize, rows: &[Vec<V>], pg: bool) -> anyhow::Result<()> {
    for chunk in rows.chunks(CHUNK) {
        let sql = format!("INSERT INTO {into} VALUES {}", values(chunk.len(), width, pg));
        run_with(conn, &sql, chunk).await?;
    }
    Ok(())
}

async fn update(
    conn: &mut AnyConnection,
    template: &str,
    width: usize,
    rows: &[Vec<V>],
    pg: bool,
) -> anyhow::Result<()> {
    for chunk in rows.chunks(CHUNK) {
        run_with(conn, &template.replace("{values}", &values(chunk.len(), width, pg)), chunk).await?;
    }
    Ok(())
}

async fn run_with(conn: &mut AnyConnection, sql: &str, rows: &[Vec<V>]) -> anyhow::Result<()> {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
    for row in rows {
        for v in row {
            q = match v {
                V::T(s) => q.bind(s.clone()),
                V::I(i) => q.bind(*i),
            };
        }
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

fn values(rows: usize, width: usize, pg: bool) -> String {
    let mut n = 0;
    (0..rows)
        .map(|_| {
            let row: Vec<String> = (0..width)
                .map(|_| {
                    n += 1;
                    if pg { format!("${n}") } else { "?".to_owned() }
                })
                .collect();
            format!("({})", row.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn t(s: impl Into<String>) -> V {
    V::T(s.into())
}

/// The same rows as the renewal run, a batch of 1,000 per set of three transactions (the
/// orders and pending attempts; the gateway's charges; the settlement, invoices, new terms,
/// receipts and audit rows), with every value made up in advance: no decisions, no reads but
/// the one that lists the due subscriptions.
async fn probe(url: &str, db: Db) -> anyhow::Result<Duration> {
    let pg = db == Db::Postgres;
    let mut conn = connect(url).await?;
    let body = "x".repeat(230);
    sqlx::query("INSERT INTO document_counters (series, last) VALUES ('PROBE', 0)").execute(&mut conn).await?;
    let started = Instant::now();
    let mut after = String::new();
    let mut n = 0i64;
    loop {
        let page = if pg {
            "SELECT s.id, s.org_id, s.payment_method_id, p.gateway_ref FROM subscriptions s \
             JOIN payment_methods p ON p.id = s.payment_method_id WHERE s.id > $1 ORDER BY s.id LIMIT $2"
        } else {
            "SELECT s.id, s.org_id, s.payment_method_id, p.gateway_ref FROM subscriptions s \
             JOIN payment_methods p ON p.id = s.payment_method_id WHERE s.id > ? ORDER BY s.id LIMIT ?"
        };
        let subs: Vec<(String, String, String, String)> =
            sqlx::query_as(page).bind(&after).bind(BATCH).fetch_all(&mut conn).await?;
        let Some(last) = subs.last() else { break };
        after = last.0.clone();
        let ids: Vec<i64> = subs
            .iter()
            .map(|_| {
                n += 1;
                n
            })
            .collect();
        let key = |i: i64| format!("ord_probe{i:022}-attempt-1");
        let now = 1_800_000_000_000_000i64;

        let begin = if pg { "BEGIN" } else { "BEGIN IMMEDIATE" };
        sqlx::query(begin).execute(&mut conn).await?;
        let leases: Vec<Vec<V>> = subs.iter().map(|s| vec![t(&s.0)]).collect();
        update(&mut conn, "UPDATE subscriptions SET lease_until = 1 WHERE id IN ({values})", 1, &leases, pg).await?;
        let orders: Vec<Vec<V>> = subs
            .iter()
            .zip(&ids)
            .map(|(s, i)| {
                vec![
                    t(format!("ord_probe{i:022}")),
                    t(&s.1),
                    t("action-pack"),
                    t("Action Pack"),
                    t("paying"),
                    t("review"),
                    t("US"),
                    t("USD"),
                    V::I(47500),
                    V::I(0),
                    V::I(47500),
                    V::I(0),
                    t("action-pack-terms"),
                    t("renewal run"),
                    V::I(now),
                    t("auto_renewal"),
                    t(&s.0),
                    t("2026-11-24"),
                    t(&s.2),
                ]
            })
            .collect();
        insert(&mut conn, "orders (id, org_id, offer_code, offer_name, status, step, country, currency, net_minor, tax_minor, \
            total_minor, tax_rate_bp, terms_code, created_by, created_at, kind, subscription_id, renews_term_end, payment_method_id)", 19, &orders, pg).await?;
        let attempts: Vec<Vec<V>> = subs
            .iter()
            .zip(&ids)
            .map(|(s, i)| {
                vec![
                    t(format!("pat_probe{i:022}")),
                    t(format!("ord_probe{i:022}")),
                    t(key(*i)),
                    t(&s.2),
                    t("sandbox"),
                    V::I(47500),
                    t("USD"),
                    t("pending"),
                    V::I(now),
                ]
            })
            .collect();
        insert(&mut conn, "payment_attempts (id, order_id, idempotency_key, payment_method_id, gateway, amount_minor, currency, status, created_at)", 9, &attempts, pg).await?;
        sqlx::query("COMMIT").execute(&mut conn).await?;

        sqlx::query(begin).execute(&mut conn).await?;
        let charges: Vec<Vec<V>> = subs
            .iter()
            .zip(&ids)
            .map(|(s, i)| vec![t(key(*i)), t(&s.3), V::I(47500), t("USD"), t(format!("ch_sbx_{i:022}")), t("")])
            .collect();
        insert(
            &mut conn,
            "sandbox_charges (idempotency_key, card_token, amount_minor, currency, charge_ref, declined_with)",
            6,
            &charges,
            pg,
        )
        .await?;
        sqlx::query("COMMIT").execute(&mut conn).await?;

        sqlx::query(begin).execute(&mut conn).await?;
        let settled: Vec<Vec<V>> =
            ids.iter().map(|i| vec![t(format!("pat_probe{i:022}")), t(format!("ch_sbx_{i:022}")), V::I(now)]).collect();
        update(
            &mut conn,
            "UPDATE payment_attempts SET status = 'succeeded', charge_ref = v.column2, settled_at = v.column3 \
            FROM (VALUES {values}) AS v WHERE payment_attempts.id = v.column1",
            3,
            &settled,
            pg,
        )
        .await?;
        sqlx::query("UPDATE document_counters SET last = last + 1000 WHERE series = 'PROBE'")
            .execute(&mut conn)
            .await?;
        let invoices: Vec<Vec<V>> = subs
            .iter()
            .zip(&ids)
            .map(|(s, i)| {
                vec![
                    t(format!("inv_probe{i:022}")),
                    t(format!("PROBE-{i:07}")),
                    t(&s.1),
                    t(format!("ord_probe{i:022}")),
                    V::I(now),
                    t("USD"),
                    V::I(47500),
                    V::I(0),
                    V::I(47500),
                    V::I(0),
                    t("Action Pack subscription, renewal"),
                    t("2026-11-24"),
                    t("2027-11-24"),
                    t("Contoso Partner Program"),
                    t("One Microsoft Way, Redmond, WA 98052, USA"),
                    t("Generated Org 00000000-000000"),
                    t("1234567"),
                    t("United States"),
                    t("Visa ending in 4242"),
                    t(format!("ch_sbx_{i:022}")),
                ]
            })
            .collect();
        insert(&mut conn, "invoices (id, number, org_id, order_id, issued_at, currency, net_minor, tax_minor, total_minor, tax_rate_bp, \
            description, period_start, period_end, seller_name, seller_address, buyer_name, buyer_partner_id, buyer_country, paid_with, charge_ref)", 20, &invoices, pg).await?;
        let paid: Vec<Vec<V>> = subs
            .iter()
            .zip(&ids)
            .map(|(s, i)| {
                vec![
                    t(format!("ord_probe{i:022}")),
                    V::I(now),
                    t("2026-11-24"),
                    t("2027-11-24"),
                    t(&s.0),
                    t(format!("inv_probe{i:022}")),
                ]
            })
            .collect();
        update(&mut conn, "UPDATE orders SET status = 'paid', last_decline = NULL, paid_at = v.column2, term_start = v.column3, \
            term_end = v.column4, subscription_id = v.column5, invoice_id = v.column6 FROM (VALUES {values}) AS v WHERE orders.id = v.column1", 6, &paid, pg).await?;
        let renewed: Vec<Vec<V>> =
            subs.iter().map(|s| vec![t(&s.0), t("2025-11-24"), t("2026-11-24"), t("2027-11-24"), t(&s.2)]).collect();
        update(&mut conn, "UPDATE subscriptions SET status = 'active', anchor_date = v.column2, term_start = v.column3, \
            term_end = v.column4, payment_method_id = v.column5, retries_done = 0, next_retry_on = NULL, lease_until = NULL \
            FROM (VALUES {values}) AS v WHERE subscriptions.id = v.column1", 5, &renewed, pg).await?;
        let emails: Vec<Vec<V>> = ids
            .iter()
            .map(|i| {
                vec![
                    t(format!("eml_probe{i:022}")),
                    t(format!("billing-{i}@generated.example")),
                    t("Receipt for your Action Pack subscription (PROBE)"),
                    t(body.clone()),
                    V::I(now),
                ]
            })
            .collect();
        insert(&mut conn, "outbox_emails (id, to_address, subject, body, created_at)", 5, &emails, pg).await?;
        let events: Vec<Vec<V>> = subs
            .iter()
            .zip(&ids)
            .map(|(s, i)| {
                vec![
                    t(format!("aud_probe{i:022}")),
                    V::I(now),
                    t("system"),
                    t(""),
                    t("renewal run"),
                    t(&s.1),
                    t("subscription.renewed"),
                    t(format!("ord_probe{i:022}")),
                    t("paid 475.00 USD for Action Pack (Visa ending in 4242), invoice PROBE (via renewal run)"),
                    t(""),
                ]
            })
            .collect();
        insert(
            &mut conn,
            "audit_events (id, at, actor_kind, actor_id, actor_name, org_id, action, subject, detail, address)",
            10,
            &events,
            pg,
        )
        .await?;
        sqlx::query("COMMIT").execute(&mut conn).await?;
    }
    let elapsed = started.elapsed();
    conn.close().await?;
    Ok(elapsed)
}
