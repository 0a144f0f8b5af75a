//! A server killed between the gateway's charge and the recording of the order: on restart
//! the paid order is found and finished, and nothing is charged twice.

use crate::checkout::{GOOD_CARD, order_at_review, pay};
use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Server {
    child: Child,
    url: String,
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
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_partnerhub"));
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--database-url", database_url])
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .env_remove("PARTNERHUB_FAULT")
        // Small renewal batches, so that a kill lands between batches and inside one.
        .env("PARTNERHUB_RENEWAL_BATCH", "50")
        // The webhook receiver listens on this machine.
        .env("PARTNERHUB_WEBHOOK_ALLOW_CIDR", "127.0.0.0/8")
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

async fn api_for(url: &str, email: &str) -> Api {
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
    let r = b.submit("/account/api-tokens", "/account/api-tokens", &[("name", "crash")]).await;
    let html = r.text().await.unwrap();
    let token = html.split("id=\"new-token\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
    Api { token: Some(token), ..api }
}

#[tokio::test]
async fn a_crash_after_the_charge_loses_no_paid_order_and_charges_once() {
    let (dir, database_url) = fresh_database_url().await;
    let first = start(&database_url, &dir.0, Some("crash-after-charge"));
    let api = api_for(&first.url, "ada@crashco.example").await;
    let (order, _) = order_at_review(&api, GOOD_CARD).await;

    let r = api
        .client
        .post(format!("{}/api/v1/orders/{order}/pay", api.url))
        .bearer_auth(api.token.as_deref().unwrap())
        .header("Idempotency-Key", "crash-1")
        .send()
        .await;
    assert!(r.is_err(), "the server died while paying");
    let mut first = first;
    let status = first.child.wait().unwrap();
    assert!(!status.success(), "aborted");

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
    let api = api_for(&server.url, "ada@crashco.example").await;
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

    let api = api_for(&server.url, "ada@crashco.example").await;
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
