//! A server killed between the gateway's charge and the recording of the order: on restart
//! the paid order is found and finished, and nothing is charged twice.

use crate::checkout::{GOOD_CARD, order_at_review, pay};
use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub(crate) struct Server {
    pub child: Child,
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the real binary on `database_url`, with a fault to inject or a clock start; waits for
/// its "running at" line.
fn launch(database_url: &str, dir: &std::path::Path, fault: Option<&str>, clock_start: Option<&str>) -> Server {
    launch_with(database_url, dir, fault, clock_start, &[])
}

/// [`launch`], with more environment variables.
pub(crate) fn launch_with(
    database_url: &str,
    dir: &std::path::Path,
    fault: Option<&str>,
    clock_start: Option<&str>,
    envs: &[(&str, &str)],
) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_partnerhub"));
    cmd.envs(envs.iter().copied());
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--database-url", database_url])
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .env_remove("PARTNERHUB_FAULT")
        // Small renewal batches, so that a kill lands between batches and inside one.
        .env("PARTNERHUB_RENEWAL_BATCH", "50")
        // The webhook receiver listens on this machine.
        .env("PARTNERHUB_WEBHOOK_ALLOW_CIDR", "127.0.0.0/8")
        .env("PARTNERHUB_MFA_STAFF", "off")
        .env("PARTNERHUB_MFA_PARTNER_ROLES", "none")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(fault) = fault {
        cmd.env("PARTNERHUB_FAULT", fault);
    }
    if let Some(start) = clock_start {
        cmd.args(["--clock-start", start]);
    }
    let mut child = cmd.spawn().expect("partnerhub starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines.next().expect("a line from the server").expect("readable");
        if let Some(rest) = line.strip_prefix("partnerhub is running at ") {
            break rest.trim().to_owned();
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, url }
}

fn start(database_url: &str, dir: &std::path::Path, fault: Option<&str>) -> Server {
    launch(database_url, dir, fault, None)
}

fn start_at(database_url: &str, dir: &std::path::Path, clock_start: &str) -> Server {
    launch(database_url, dir, None, Some(clock_start))
}

/// Signs up an org through the API of the server at `url` (on `database_url`, started in `dir`),
/// confirms its address and makes an API token for its Global admin.
async fn api_for(url: &str, database_url: &str, dir: &std::path::Path, email: &str) -> Api {
    let api = Api { url: url.to_owned(), token: None, client: http_client().build().unwrap() };
    let (status, body) = api
        .post(
            "/api/v1/signup",
            json!({"company_name": "Crashco", "country": "US", "name": "Ada", "email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let b = Browser::new(url);
    b.submit("/signin", "/signin", &[("email", email), ("password", PASSWORD)]).await;
    let link = link_from_outbox(database_url, dir, email, "/verify-email/").await;
    let path = link.strip_prefix(url).expect("the link points to the server");
    let r = b.submit(path, path, &[]).await;
    assert_eq!(location(&r), "/dashboard?notice=email_verified");
    let r = b.submit("/account/api-tokens", "/account/api-tokens", &[("name", "crash")]).await;
    let html = r.text().await.unwrap();
    let token = html.split("id=\"new-token\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
    Api { token: Some(token), ..api }
}

/// Sends a Buy with `key` to a server set to die while paying; waits for it to be dead.
async fn pay_into_a_crash(api: &Api, order: &str, key: &str, mut server: Server) {
    let r = api
        .client
        .post(format!("{}/api/v1/orders/{order}/pay", api.url))
        .bearer_auth(api.token.as_deref().unwrap())
        .header("Idempotency-Key", key)
        .send()
        .await;
    assert!(r.is_err(), "the server died while paying");
    assert!(!server.child.wait().unwrap().success(), "aborted");
}

#[tokio::test]
async fn a_crash_after_the_charge_loses_no_paid_order_and_charges_once() {
    let (dir, database_url) = fresh_database_url().await;
    let first = start(&database_url, &dir.0, Some("crash-after-charge"));
    let api = api_for(&first.url, &database_url, &dir.0, "ada@crashco.example").await;
    let (order, _) = order_at_review(&api, GOOD_CARD).await;

    pay_into_a_crash(&api, &order, "crash-1", first).await;

    // The gateway took the money; our books only know the attempt.
    let store = store::Store::open(&database_url).await.unwrap();
    let mut conn = store.read().await.unwrap();
    let charges: i64 =
        store::sql::query_scalar("SELECT COUNT(*) FROM sandbox_charges").fetch_one(&mut conn).await.unwrap();
    let pending: i64 = store::sql::query_scalar("SELECT COUNT(*) FROM payment_attempts WHERE status = 'pending'")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let invoices: i64 = store::sql::query_scalar("SELECT COUNT(*) FROM invoices").fetch_one(&mut conn).await.unwrap();
    assert_eq!((charges, pending, invoices), (1, 1, 0));
    drop(conn);

    let second = start(&database_url, &dir.0, None);
    let api = Api { url: second.url.clone(), ..api };
    let mut paid = serde_json::Value::Null;
    for _ in 0..50 {
        let (_, o) = api.get(&format!("/api/v1/orders/{order}")).await;
        if o["status"] == "paid" {
            paid = o;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(paid["status"], "paid", "the restart reconciled the paid order");
    assert!(paid["invoice_id"].is_string());

    let (status, again, _) = pay(&api, &order, "crash-2").await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["invoice_id"], paid["invoice_id"]);
    let mut conn = store.read().await.unwrap();
    let charges: i64 =
        store::sql::query_scalar("SELECT COUNT(*) FROM sandbox_charges").fetch_one(&mut conn).await.unwrap();
    let numbers = store::invoices::numbers(&mut conn).await.unwrap();
    assert_eq!(charges, 1, "charged once");
    assert_eq!(numbers.len(), 1, "one invoice");
    drop(conn);
    store.close().await;
}

#[tokio::test]
async fn a_worker_killed_in_a_renewal_run_charges_nothing_twice_and_misses_nothing() {
    const DUE: usize = 600;
    let (dir, database_url) = fresh_database_url().await;
    let generated = Command::new(env!("CARGO_BIN_EXE_partnerhub"))
        .args(["--database-url", &database_url, "generate-due", "--orgs", &DUE.to_string(), "--due", "2027-04-01"])
        .current_dir(&dir.0)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(generated.status.success(), "{}", String::from_utf8_lossy(&generated.stderr));

    let store = store::Store::open(&database_url).await.unwrap();
    let count = |sql: &'static str| {
        let store = store.clone();
        async move {
            let mut conn = store.read().await.unwrap();
            store::sql::query_scalar::<_, i64>(sql).fetch_one(&mut conn).await.unwrap()
        }
    };
    let mut first = start_at(&database_url, &dir.0, "2027-04-01T00:05:00Z");
    // Kill it (SIGKILL) in the middle of the run.
    // Bounded waits, long enough for a machine busy with other tests.
    for _ in 0..2400 {
        if count("SELECT COUNT(*) FROM sandbox_charges").await >= (DUE / 4) as i64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    let charged_before = count("SELECT COUNT(*) FROM sandbox_charges").await;
    assert!(charged_before > 0 && (charged_before as usize) < DUE, "killed mid-run: {charged_before} of {DUE} charged");

    // Started again later, when the dead worker's leases and in-flight attempts have run out.
    let _second = start_at(&database_url, &dir.0, "2027-04-01T00:20:00Z");
    for _ in 0..3600 {
        if count("SELECT COUNT(*) FROM subscriptions WHERE term_end = '2028-04-01'").await == DUE as i64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        count("SELECT COUNT(*) FROM subscriptions WHERE term_end = '2028-04-01'").await,
        DUE as i64,
        "nothing missed"
    );
    assert_eq!(count("SELECT COUNT(*) FROM sandbox_charges").await, DUE as i64, "nothing charged twice");
    let mut conn = store.read().await.unwrap();
    let numbers = store::invoices::numbers(&mut conn).await.unwrap();
    let expected: Vec<String> = (1..=DUE).map(|n| format!("INV-2027-{n:06}")).collect();
    assert!(numbers == expected, "invoices without gaps or repeats ({} of them)", numbers.len());
    drop(conn);
    store.close().await;
}

#[tokio::test]
async fn a_crash_after_the_gateway_refunded_records_the_refund_once_on_the_next_run() {
    let (dir, database_url) = fresh_database_url().await;
    staff_account(&database_url, &dir.0, "agent@partnerhub.example", "support_agent");
    let server = start(&database_url, &dir.0, Some("crash-after-refund"));
    let api = api_for(&server.url, &database_url, &dir.0, "ada@crashco.example").await;
    let (order, _) = order_at_review(&api, GOOD_CARD).await;
    let sub = pay(&api, &order, "buy").await.1["subscription_id"].as_str().unwrap().to_owned();
    let (status, request) = api
        .post(
            "/api/v1/service-requests",
            json!({"problem_type": "billing", "subscription_id": sub, "title": "Cancel", "description": "Now, please.", "contact_email": "ada@crashco.example"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{request}");
    let page = format!("/staff/requests/{}", request["id"].as_str().unwrap());
    let agent = Browser::new(&server.url);
    let r = agent
        .submit("/staff/signin", "/staff/signin", &[("email", "agent@partnerhub.example"), ("password", PASSWORD)])
        .await;
    assert_eq!(location(&r), "/staff");
    let html = agent.get(&page).await.text().await.unwrap();
    let form = [("csrf", csrf_in(&html).unwrap())];
    let r = agent.client.post(format!("{}{page}/cancel-now", agent.url)).form(&form).send().await;
    assert!(r.is_err(), "the server died after the gateway's refund");
    let mut server = server;
    assert!(!server.child.wait().unwrap().success());

    let store = store::Store::open(&database_url).await.unwrap();
    let count = |sql: &'static str| {
        let store = &store;
        async move {
            let mut conn = store.read().await.unwrap();
            store::sql::query_scalar::<_, i64>(sql).fetch_one(&mut conn).await.unwrap()
        }
    };
    let books = || async {
        (
            count("SELECT COUNT(*) FROM sandbox_refunds").await,
            count("SELECT COUNT(*) FROM refunds WHERE status = 'pending'").await,
            count("SELECT COUNT(*) FROM credit_notes").await,
            count("SELECT COUNT(*) FROM subscriptions WHERE status = 'cancelled'").await,
        )
    };
    assert_eq!(books().await, (1, 1, 0, 1), "the money went back; our books know only the pending refund");

    // The next run (here `jobs run`, as an operator catching up) sends it again with the same
    // key: the gateway answers with the refund it made, and it is recorded once.
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).date_naive().to_string();
    let run = Command::new(env!("CARGO_BIN_EXE_partnerhub"))
        .args(["--database-url", &database_url, "jobs", "run", "--until", &tomorrow])
        .current_dir(&dir.0)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert_eq!(books().await, (1, 0, 1, 1), "one refund at the gateway, recorded, one credit note");
    store.close().await;
}

/// Makes a staff account with the CLI.
fn staff_account(database_url: &str, dir: &std::path::Path, email: &str, role: &str) {
    let made = Command::new(env!("CARGO_BIN_EXE_partnerhub"))
        .args(["--database-url", database_url, "staff", "create", "--email", email])
        .args(["--name", "Staff Member", "--role", role, "--password-stdin"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(PASSWORD.as_bytes())?;
            child.wait()
        })
        .unwrap();
    assert!(made.success());
}

#[tokio::test]
async fn no_webhook_is_lost_when_the_server_dies_between_the_change_and_the_delivery() {
    let (dir, database_url) = fresh_database_url().await;
    staff_account(&database_url, &dir.0, "admin@hooks.example", "program_admin");
    // The receiver's port, closed for now: deliveries fail until it listens.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let server = start(&database_url, &dir.0, None);
    let admin = Browser::new(&server.url);
    admin.submit("/staff/signin", "/staff/signin", &[("email", "admin@hooks.example"), ("password", PASSWORD)]).await;
    let url = format!("http://127.0.0.1:{port}/hooks");
    let r = admin.submit("/staff/webhooks", "/staff/webhooks", &[("url", &url), ("event_types", "order.paid")]).await;
    assert!(r.text().await.unwrap().contains("whsec_"));

    let api = api_for(&server.url, &database_url, &dir.0, "ada@crashco.example").await;
    let (order, _) = order_at_review(&api, GOOD_CARD).await;
    assert_eq!(pay(&api, &order, "buy").await.0, StatusCode::OK);
    let mut server = server;
    server.child.kill().unwrap();
    server.child.wait().unwrap();

    let receiver =
        crate::webhooks::Receiver::on(tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap()).await;
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).date_naive().to_string();
    // Off this thread: the receiver answers on the test's runtime meanwhile.
    let (url, cwd) = (database_url.clone(), dir.0.clone());
    let run = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_partnerhub"))
            .args(["--database-url", &url, "jobs", "run", "--until", &tomorrow])
            .args(["--webhook-allow-cidr", "127.0.0.0/8"])
            .current_dir(&cwd)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert_eq!(receiver.types(), ["order.paid"], "written with the order, delivered after the restart, once");
}

#[tokio::test]
async fn a_retried_key_pays_after_a_crash_between_the_attempt_and_the_charge() {
    let (dir, database_url) = fresh_database_url().await;
    let first = start(&database_url, &dir.0, Some("crash-before-charge"));
    let api = api_for(&first.url, &database_url, &dir.0, "ada@crashco.example").await;
    let (order, _) = order_at_review(&api, GOOD_CARD).await;
    pay_into_a_crash(&api, &order, "retry-me", first).await;

    // Restarted; the attempt is given up on after 2 seconds here (2 minutes by default). The
    // client retries with the same key, as the API asks, until it gets a final answer.
    let second = launch_with(&database_url, &dir.0, None, None, &[("PARTNERHUB_ABANDON_SECONDS", "2")]);
    let api = Api { url: second.url.clone(), ..api };
    let mut last = (StatusCode::CONFLICT, serde_json::Value::Null);
    for _ in 0..100 {
        let (status, body, _) = pay(&api, &order, "retry-me").await;
        last = (status, body);
        if last.0 != StatusCode::CONFLICT {
            break;
        }
        let code = last.1["code"].as_str().unwrap_or_default();
        assert!(matches!(code, "payment_in_progress" | "idempotency_key_in_use"), "a not-yet answer: {}", last.1);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(last.0, StatusCode::OK, "the retry paid: {}", last.1);
    assert_eq!(last.1["status"], "paid");
    let (status, again, replayed) = pay(&api, &order, "retry-me").await;
    assert!(status == StatusCode::OK && replayed && again["invoice_id"] == last.1["invoice_id"], "{again}");

    let store = store::Store::open(&database_url).await.unwrap();
    let mut conn = store.read().await.unwrap();
    let charges: i64 =
        store::sql::query_scalar("SELECT COUNT(*) FROM sandbox_charges").fetch_one(&mut conn).await.unwrap();
    let numbers = store::invoices::numbers(&mut conn).await.unwrap();
    assert_eq!((charges, numbers.len()), (1, 1), "charged once, one invoice");
    drop(conn);
    store.close().await;
}

/// Runs `jobs run --until DAY` to its end; its exit status, standard output and error.
fn jobs_run(database_url: &str, dir: &std::path::Path, until: &str, envs: &[(&str, &str)]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_partnerhub"))
        .args(["--database-url", database_url, "jobs", "run", "--until", until])
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .env_remove("PARTNERHUB_FAULT")
        .envs(envs.iter().copied())
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

fn generate_due(database_url: &str, dir: &std::path::Path, orgs: usize, due: &str) {
    let generated = Command::new(env!("CARGO_BIN_EXE_partnerhub"))
        .args(["--database-url", database_url, "generate-due", "--orgs", &orgs.to_string(), "--due", due])
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(generated.status.success(), "{}", String::from_utf8_lossy(&generated.stderr));
}

/// The renewal books: charges at the sandbox, subscriptions renewed to `2028-04-01`, pending
/// attempts, and whether the invoices are numbered 1..=n without gaps or repeats.
async fn renewal_books(database_url: &str, n: usize) -> (i64, i64, i64, bool) {
    let store = store::Store::open(database_url).await.unwrap();
    let mut conn = store.read().await.unwrap();
    let mut count =
        async |sql: &'static str| store::sql::query_scalar::<_, i64>(sql).fetch_one(&mut conn).await.unwrap();
    let charges = count("SELECT COUNT(*) FROM sandbox_charges").await;
    let renewed = count("SELECT COUNT(*) FROM subscriptions WHERE term_end = '2028-04-01'").await;
    let pending = count("SELECT COUNT(*) FROM payment_attempts WHERE status = 'pending'").await;
    let numbers = store::invoices::numbers(&mut conn).await.unwrap();
    let expected: Vec<String> = (1..=n).map(|k| format!("INV-2027-{k:06}")).collect();
    drop(conn);
    store.close().await;
    (charges, renewed, pending, numbers == expected)
}

#[tokio::test]
async fn jobs_run_killed_after_a_batch_claim_and_rerun_to_the_same_day_leaves_nothing_due() {
    const DUE: usize = 120;
    let (dir, database_url) = fresh_database_url().await;
    generate_due(&database_url, &dir.0, DUE, "2027-04-01");
    // Short leases here (5 minutes by default), so that the rerun's wait is short.
    let short =
        [("PARTNERHUB_LEASE_SECONDS", "3"), ("PARTNERHUB_ABANDON_SECONDS", "2"), ("PARTNERHUB_RENEWAL_BATCH", "50")];
    let mut killed = short.to_vec();
    killed.push(("PARTNERHUB_FAULT", "crash-after-renewal-claim"));
    let (ok, _, _) = jobs_run(&database_url, &dir.0, "2027-04-01", &killed);
    assert!(!ok, "the first run died after its first batch's claim");
    let (charges, renewed, pending, _) = renewal_books(&database_url, 0).await;
    // A batch's worth (or two: PostgreSQL runs two lanes of batches at once).
    assert!(
        charges == 0 && renewed == 0 && (pending == 50 || pending == 100),
        "orders, pending attempts and leases written; nothing charged: {charges} {renewed} {pending}"
    );

    // The rerun to the same day waits for the dead run's leases and attempts, then renews them.
    let (ok, out, err) = jobs_run(&database_url, &dir.0, "2027-04-01", &short);
    assert!(ok, "{out}{err}");
    assert!(out.contains(&format!("{DUE} renewal charges, 0 earlier charges recorded")), "counts as happened: {out}");
    assert_eq!(renewal_books(&database_url, DUE).await, (DUE as i64, DUE as i64, 0, true), "all renewed, once each");
}

#[tokio::test]
async fn two_jobs_runs_a_day_apart_share_the_work_without_deadlock_or_double_charge() {
    const DUE: usize = 600;
    let (dir, database_url) = fresh_database_url().await;
    generate_due(&database_url, &dir.0, DUE, "2027-04-01");
    let batch = [("PARTNERHUB_RENEWAL_BATCH", "50")];
    // One run's program clock reaches 2027-04-02 while the other is on 2027-04-01: the leases of
    // the one must still hold for the other.
    let (url, cwd) = (database_url.clone(), dir.0.clone());
    let ahead = std::thread::spawn(move || jobs_run(&url, &cwd, "2027-04-02", &batch));
    let behind = jobs_run(&database_url, &dir.0, "2027-04-01", &batch);
    let ahead = ahead.join().unwrap();
    for (ok, out, err) in [&behind, &ahead] {
        assert!(ok, "{out}{err}");
        assert!(!err.contains("deadlock"), "{err}");
    }
    let charged = |out: &str| -> usize {
        out.split("up to ")
            .nth(1)
            .and_then(|r| r.split(": ").nth(1))
            .and_then(|r| r.split(' ').next())
            .unwrap()
            .parse()
            .unwrap()
    };
    assert_eq!(
        charged(&behind.1) + charged(&ahead.1),
        DUE,
        "the counts add up to the charges: {} / {}",
        behind.1,
        ahead.1
    );
    assert_eq!(renewal_books(&database_url, DUE).await, (DUE as i64, DUE as i64, 0, true), "each renewed once");
}
