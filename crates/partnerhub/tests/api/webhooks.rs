//! Webhooks to a receiver started by the test on 127.0.0.1: signed, in order per subscription,
//! retried after failures, the endpoint disabled after sustained failure, resent by hand, and no
//! event lost when the server dies between the change and the delivery.

use crate::checkout::{GOOD_CARD, buyer, order_at_review, pay};
use crate::helpers::*;
use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What the receiver got: the signature header and the raw body.
#[derive(Clone, Debug)]
pub struct Received {
    pub signature: String,
    pub event_id: String,
    pub body: String,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// A minimal HTTP receiver: records each POST and answers with `status` (settable).
pub struct Receiver {
    pub url: String,
    pub got: Arc<Mutex<Vec<Received>>>,
    status: Arc<AtomicU16>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Receiver::on(listener).await
    }

    pub async fn on(listener: tokio::net::TcpListener) -> Receiver {
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let got = Arc::new(Mutex::new(Vec::new()));
        let status = Arc::new(AtomicU16::new(200));
        let (log, answer) = (got.clone(), status.clone());
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let (log, answer) = (log.clone(), answer.clone());
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    let (head, body_start) = loop {
                        let n = stream.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break (String::from_utf8_lossy(&buf[..i]).to_string(), i + 4);
                        }
                    };
                    let header = |name: &str| {
                        head.lines()
                            .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case(name)))
                            .map(|(_, v)| v.trim().to_owned())
                            .unwrap_or_default()
                    };
                    let length: usize = header("content-length").parse().unwrap_or(0);
                    while buf.len() < body_start + length {
                        let n = stream.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                    }
                    let body = String::from_utf8_lossy(&buf[body_start..body_start + length]).to_string();
                    log.lock().unwrap().push(Received {
                        signature: header("partnerhub-signature"),
                        event_id: header("partnerhub-event-id"),
                        body,
                    });
                    let code = answer.load(Ordering::SeqCst);
                    let reply = format!("HTTP/1.1 {code} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                    let _ = stream.write_all(reply.as_bytes()).await;
                });
            }
        });
        Receiver { url, got, status }
    }

    pub fn answer(&self, code: u16) {
        self.status.store(code, Ordering::SeqCst);
    }

    pub fn types(&self) -> Vec<String> {
        self.got.lock().unwrap().iter().map(|r| r.json()["type"].as_str().unwrap().to_owned()).collect()
    }
}

/// Registers an endpoint for `types` through the API; returns its id and secret.
pub async fn register(staff: &Api, url: &str, types: &[&str]) -> (String, String) {
    let (status, e) = staff.post("/api/v1/webhook-endpoints", json!({"url": url, "event_types": types})).await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    (e["id"].as_str().unwrap().to_owned(), e["secret"].as_str().unwrap().to_owned())
}

async fn deliver(t: &TestApp) -> usize {
    app::webhooks::deliver_due(&t.app).await.unwrap()
}

#[tokio::test]
async fn signed_events_reach_the_receiver_in_order_once_each() {
    let t = spawn_app().await;
    let receiver = Receiver::start().await;
    let staff = crate::competencies::staff_api(&t).await;
    let (status, refused) =
        staff.post("/api/v1/webhook-endpoints", json!({"url": receiver.url, "event_types": ["order.shipped"]})).await;
    assert_eq!((status, refused["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("event_types")));
    let (endpoint, secret) = register(&staff, &receiver.url, &["*"]).await;
    assert!(secret.starts_with("whsec_"));
    let (_, listed) = staff.get("/api/v1/webhook-endpoints").await;
    assert!(listed["data"][0].get("secret").is_none(), "the secret is shown once: {listed}");

    let api = buyer(&t, "Contoso", "ada@contoso.example", "US").await;
    let (order, _) = order_at_review(&api, GOOD_CARD).await;
    let sub = pay(&api, &order, "buy").await.1["subscription_id"].as_str().unwrap().to_owned();
    api.post(&format!("/api/v1/subscriptions/{sub}/activate"), json!({})).await;
    api.post(&format!("/api/v1/subscriptions/{sub}/turn-off-auto-renew"), json!({})).await;
    let partner_sees = api.get("/api/v1/webhook-endpoints").await.0;
    assert_eq!(partner_sees, StatusCode::FORBIDDEN, "partners do not manage webhooks");

    let sent = deliver(&t).await;
    assert_eq!(deliver(&t).await, 0, "each is delivered once");
    let types = receiver.types();
    assert_eq!(sent, types.len());
    assert_eq!(&types[..2], ["order.paid", "subscription.created"]);
    assert!(types[2..types.len() - 1].iter().all(|t| t == "benefit.activated") && types.len() > 4, "{types:?}");
    assert_eq!(types.last().unwrap(), "subscription.auto_renew_disabled");
    let org = api.get("/api/v1/me").await.1["org_id"].clone();
    let got = receiver.got.lock().unwrap().clone();
    for r in &got {
        assert!(app::webhooks::verify(&secret, &r.signature, &r.body, t.app.now(), Duration::minutes(5)), "{r:?}");
        assert!(!app::webhooks::verify("whsec_other", &r.signature, &r.body, t.app.now(), Duration::minutes(5)));
        let event = r.json();
        assert_eq!(event["id"].as_str(), Some(r.event_id.as_str()), "a stable id for de-duplication");
        assert_eq!(event["org_id"], org);
    }
    let first = got[0].json();
    assert_eq!(first["data"]["subscription_id"], sub.as_str());
    assert_eq!(first["data"]["total"]["amount_minor"], 47_500);

    let (_, e) = staff.get(&format!("/api/v1/webhook-endpoints/{endpoint}")).await;
    assert!(e["deliveries"].as_array().unwrap().iter().all(|d| d["status"] == "delivered"), "{e}");
    let (_, events) = staff.get("/api/v1/events?type=order.paid").await;
    assert_eq!(events["data"].as_array().unwrap().len(), 1, "{events}");
    assert_eq!(events["data"][0]["id"], first["id"], "the event as it was sent");
    let (status, _) = staff.get("/api/v1/events?type=order.shipped").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn failures_are_retried_in_order_then_the_endpoint_is_disabled_and_resent_by_hand() {
    let t = spawn_app().await;
    let receiver = Receiver::start().await;
    let staff = crate::competencies::staff_api(&t).await;
    let (endpoint, _) = register(&staff, &receiver.url, &["order.paid", "subscription.created"]).await;
    receiver.answer(500);
    let api = buyer(&t, "Contoso", "ada@contoso.example", "US").await;
    let (order, _) = order_at_review(&api, GOOD_CARD).await;
    pay(&api, &order, "buy").await;

    // order.paid fails; subscription.created waits behind it (in order per subscription).
    assert_eq!(deliver(&t).await, 0);
    assert_eq!(receiver.types(), ["order.paid"]);
    assert_eq!(deliver(&t).await, 0, "not before its pause");
    t.clock.advance(Duration::minutes(1));
    deliver(&t).await;
    assert_eq!(receiver.types(), ["order.paid", "order.paid"], "retried, and the next still waits");
    receiver.answer(200);
    t.clock.advance(Duration::minutes(5));
    assert_eq!(deliver(&t).await, 2);
    assert_eq!(receiver.types(), ["order.paid", "order.paid", "order.paid", "subscription.created"]);
    let ids: Vec<String> = receiver.got.lock().unwrap().iter().map(|r| r.event_id.clone()).collect();
    assert!(ids[0] == ids[1] && ids[1] == ids[2], "the same event id on every attempt");

    // Sustained failure: ten attempts over three and a half days, then the endpoint is off and
    // the program admins are told.
    receiver.answer(503);
    let other = buyer(&t, "Fabrikam", "eve@fabrikam.example", "US").await;
    let (order, _) = order_at_review(&other, GOOD_CARD).await;
    pay(&other, &order, "buy").await;
    for _ in 0..10 {
        deliver(&t).await;
        t.clock.advance(Duration::days(1));
    }
    let (_, e) = staff.get(&format!("/api/v1/webhook-endpoints/{endpoint}")).await;
    assert_eq!(e["status"], "disabled", "{e}");
    assert!(e["disabled_reason"].as_str().unwrap().contains("after 10 attempts"));
    let failed = e["deliveries"].as_array().unwrap().iter().find(|d| d["status"] == "failed").unwrap().clone();
    assert_eq!(failed["attempts"], 10);
    assert!(t.last_email_to(&t.admin_email).await.contains("kept failing and has been disabled"));
    // What waited behind the failed delivery stays pending, and does not wake the worker.
    let mut conn = t.app.store().read().await.unwrap();
    let waiting: i64 = store::sql::query_scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(waiting > 0);
    assert!(
        !store::webhooks::any_pending_due(&mut conn, t.app.now(), t.app.wall_now()).await.unwrap(),
        "nothing to claim while disabled"
    );
    drop(conn);
    let (_, log) = staff.get(&format!("/api/v1/webhook-deliveries/{}", failed["id"].as_str().unwrap())).await;
    assert_eq!(log["log"].as_array().unwrap().len(), 10);
    assert_eq!(log["log"][0]["status_code"], 503);

    // Fixed: turned on again and resent; the receiver gets the same event id.
    receiver.answer(200);
    let before = receiver.got.lock().unwrap().len();
    let r = staff.post(&format!("/api/v1/webhook-endpoints/{endpoint}/status"), json!({"enabled": true})).await;
    assert_eq!(r.1["status"], "enabled");
    let (status, resent) =
        staff.post(&format!("/api/v1/webhook-deliveries/{}/resend", failed["id"].as_str().unwrap()), json!({})).await;
    assert_eq!((status, resent["status"].as_str()), (StatusCode::OK, Some("pending")));
    assert!(deliver(&t).await >= 1);
    let got = receiver.got.lock().unwrap();
    assert!(got[before..].iter().any(|r| r.event_id == failed["event_id"].as_str().unwrap()));
}

#[tokio::test]
async fn the_console_registers_an_endpoint_and_shows_its_secret_once() {
    let t = spawn_app().await;
    let staff = t.staff_admin().await;
    let r = staff
        .submit(
            "/staff/webhooks",
            "/staff/webhooks",
            &[
                ("url", "https://crm.example.com/hooks"),
                ("event_types", "order.paid"),
                ("event_types", "refund.succeeded"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"new-secret\">whsec_"), "{html}");
    let (_, list) = staff.get_text("/staff/webhooks").await;
    assert!(list.contains("https://crm.example.com/hooks") && list.contains("order.paid, refund.succeeded"));
    assert!(!list.contains("whsec_"), "never shown again");
    let r = staff
        .submit("/staff/webhooks", "/staff/webhooks", &[("url", "ftp://nope"), ("event_types", "order.paid")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Support agents do not manage webhooks.
    let mut conn = t.app.store().read().await.unwrap();
    let secrets: i64 =
        store::sql::query_scalar("SELECT COUNT(*) FROM webhook_endpoints WHERE secret_salt LIKE 'whsec_%'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(secrets, 0, "the secret itself is not in the database");
}

#[tokio::test]
async fn deliveries_to_internal_addresses_are_refused_and_logged_only_as_refused() {
    // The test bed allows 127.0.0.0/8 for its receivers; this server allows nothing internal.
    let t = spawn_app_with(|s| s.webhook_allow.clear()).await;
    let receiver = Receiver::start().await;
    let port = receiver.url.split(':').nth(2).unwrap().split('/').next().unwrap().to_owned();
    let staff = crate::competencies::staff_api(&t).await;
    for host in
        ["127.0.0.1", "127.1", "2130706433", "0x7f.1", "[::1]", "[::ffff:127.0.0.1]", "169.254.169.254", "0.0.0.0"]
    {
        let url = format!("http://{host}:{port}/hooks");
        let (status, e) = staff.post("/api/v1/webhook-endpoints", json!({"url": url, "event_types": ["*"]})).await;
        assert_eq!((status, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("url")), "{host}: {e}");
    }

    // A name is judged by the addresses it resolves to, at each delivery.
    let (endpoint, _) = register(&staff, &format!("http://localhost:{port}/hooks"), &["order.paid"]).await;
    let api = buyer(&t, "Contoso", "ada@contoso.example", "US").await;
    let (order, _) = order_at_review(&api, GOOD_CARD).await;
    pay(&api, &order, "buy").await;
    assert_eq!(deliver(&t).await, 0);
    assert!(receiver.got.lock().unwrap().is_empty(), "nothing reached the receiver");

    let (_, e) = staff.get(&format!("/api/v1/webhook-endpoints/{endpoint}")).await;
    let delivery = e["deliveries"][0]["id"].as_str().expect("a delivery").to_owned();
    let (_, log) = staff.get(&format!("/api/v1/webhook-deliveries/{delivery}")).await;
    assert_eq!(log["status"], "pending", "tried again later, in case the name changes: {log}");
    assert_eq!(log["log"].as_array().unwrap().len(), 1);
    assert_eq!(log["log"][0]["error"], app::webhooks::REFUSED, "nothing about the address's ports");
    assert_eq!(log["log"][0]["status_code"], Value::Null);
}
