//! Staff cancel a subscription at once from a billing request: the refund the offer's policy
//! gives (shown before confirming, lowered only with a reason), made once through the gateway
//! that took the payment, its credit note, and a refund the gateway refuses retried until it
//! is made.

use crate::checkout::{GOOD_CARD, buyer, order_at_review, order_at_review_with, pay};
use crate::helpers::*;
use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// An org in Great Britain (Action Pack: 375.00 GBP + 20% VAT = 450.00 GBP) that bought it,
/// and its billing request to cancel: `(api, subscription id, partner's request page, staff's
/// request page)`.
async fn bought_and_asked_to_cancel(t: &TestApp, payment_method: Option<Value>) -> (Api, String, String, String) {
    let api = buyer(t, "Contoso UK", "ada@contoso.example", "GB").await;
    let (order, _) = match payment_method {
        Some(pm) => order_at_review_with(&api, pm).await,
        None => order_at_review(&api, GOOD_CARD).await,
    };
    let (status, paid, _) = pay(&api, &order, "buy").await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    let sub = paid["subscription_id"].as_str().unwrap().to_owned();
    let ada = t.browser();
    ada.submit("/signin", "/signin", &[("email", "ada@contoso.example"), ("password", PASSWORD)]).await;
    let fields = [
        ("problem", "billing"),
        ("subscription_id", sub.as_str()),
        ("title", "Cancel Action Pack"),
        ("description", "We are closing this practice; please cancel now and refund."),
        ("contact_email", "ada@contoso.example"),
        ("contact_phone", ""),
    ];
    let r = ada.submit("/support/requests/new", "/support/requests", &fields).await;
    let page = location(&r).trim_end_matches("?notice=request_opened").to_owned();
    let id = page.trim_start_matches("/support/requests/").to_owned();
    (api, sub, page, format!("/staff/requests/{id}"))
}

async fn signed_in_ada(t: &TestApp) -> Browser {
    let ada = t.browser();
    ada.submit("/signin", "/signin", &[("email", "ada@contoso.example"), ("password", PASSWORD)]).await;
    ada
}

/// The one value `sql` selects.
async fn scalar<T>(t: &TestApp, sql: &str) -> T
where
    T: store::sql::Decode,
{
    let mut conn = t.app.store().read().await.unwrap();
    store::sql::query_scalar(store::sql::AssertSqlSafe(sql.to_owned())).fetch_one(&mut conn).await.unwrap()
}

#[tokio::test]
async fn cancelling_now_within_30_days_refunds_everything_once_with_a_credit_note() {
    let t = spawn_app().await;
    let (api, sub, page, staff_page) = bought_and_asked_to_cancel(&t, None).await;
    api.post(&format!("/api/v1/subscriptions/{sub}/activate"), json!({})).await;
    t.clock.advance(Duration::days(20));

    let staff = t.staff_admin().await;
    let (_, html) = staff.get_text(&staff_page).await;
    assert!(
        html.contains("full refund within 30 days of the payment") && html.contains("£450.00"),
        "the refund is shown before confirming: {html}"
    );
    let r =
        staff.submit(&staff_page, &format!("{staff_page}/cancel-now"), &[("refund", "450.00"), ("reason", "")]).await;
    assert_eq!(location(&r), staff_page);

    let (_, s) = api.get(&format!("/api/v1/subscriptions/{sub}")).await;
    assert_eq!((s["status"].as_str(), s["auto_renew"].as_bool()), (Some("cancelled"), Some(false)));
    let (_, benefits) = api.get("/api/v1/benefits").await;
    assert!(
        benefits["data"].as_array().unwrap().iter().all(|b| b["status"] != "active"),
        "benefits end now: {benefits}"
    );
    assert_eq!(
        scalar::<i64>(&t, "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM sandbox_refunds").await,
        45_000
    );

    // The partner sees what staff did, and the credit note, numbered in its own series.
    let ada = signed_in_ada(&t).await;
    let (_, html) = ada.get_text(&page).await;
    assert!(
        html.contains("Subscription cancelled")
            && html.contains("Refund of 450.00 GBP made to Visa •••• 4242; credit note CN-2027-000001")
            && html.contains("Resolved"),
        "{html}"
    );
    let note_id = scalar::<String>(&t, "SELECT id FROM credit_notes").await;
    let (status, note) = ada.get_text(&format!("/credit-notes/{note_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        note.contains("CN-2027-000001") && note.contains("INV-2027-000001") && note.contains("£375.00"),
        "net and VAT as on the invoice: {note}"
    );
    let pdf = ada.get(&format!("/credit-notes/{note_id}/pdf")).await;
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
    assert!(t.last_email_to("ada@contoso.example").await.contains("credit note CN-2027-000001"));
    let (_, invoices) = ada.get_text("/invoices").await;
    assert!(invoices.contains("Credit notes") && invoices.contains("CN-2027-000001"));

    // Every step is in the audit log with the agent's name.
    let (_, audit) = staff.get_text("/staff/audit").await;
    assert!(audit.contains("subscription.cancelled") && audit.contains("refund.succeeded"), "{audit}");

    // Cancelling again refunds nothing more.
    let r = staff.submit(&staff_page, &format!("{staff_page}/cancel-now"), &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("nothing more is refunded"));
    assert_eq!(scalar::<i64>(&t, "SELECT COUNT(*) FROM sandbox_refunds").await, 1);

    // Another org never sees the credit note.
    let eve = t.sign_up("Fabrikam", "eve@fabrikam.example").await;
    assert_eq!(eve.browser.get(&format!("/credit-notes/{note_id}")).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn after_30_days_the_unused_days_are_refunded_and_an_agent_lowers_it_only_with_a_reason() {
    let t = spawn_app().await;
    let (_, _, page, staff_page) = bought_and_asked_to_cancel(&t, None).await;
    // Bought on 15 March 2027; 100 days later 266 of the term's 366 days are unused.
    t.clock.advance(Duration::days(100));
    let staff = t.staff_admin().await;
    let due = 45_000 * 266 / 366;
    let (_, html) = staff.get_text(&staff_page).await;
    assert!(html.contains("prorated: 266 of 366 days unused") && html.contains("£327.04"), "{html}");
    assert_eq!(due, 32_704);

    let cancel = |refund: &'static str, reason: &'static str| {
        let (staff, staff_page) = (&staff, staff_page.clone());
        async move {
            staff
                .submit(&staff_page, &format!("{staff_page}/cancel-now"), &[("refund", refund), ("reason", reason)])
                .await
        }
    };
    let r = cancel("327.05", "").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("cannot be more than the policy gives (£327.04)"));
    let r = cancel("200.00", " ").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("why the refund is lower"));
    let r = cancel("abc", "x").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        scalar::<i64>(&t, "SELECT COUNT(*) FROM subscriptions WHERE status = 'cancelled'").await,
        0,
        "nothing changed"
    );

    // An agent who reads the console in Portuguese types the amount the Brazilian way.
    staff.get("/language?to=pt-BR&back=/staff/signin").await;
    let (_, html) = staff.get_text(&staff_page).await;
    assert!(html.contains("proporcional: 266 de 366 dias não usados") && html.contains("327,04"), "{html}");
    assert_eq!(location(&cancel("200,00", "Benefits were used heavily").await), staff_page);
    assert_eq!(scalar::<i64>(&t, "SELECT amount_minor FROM sandbox_refunds").await, 20_000);
    assert_eq!(
        (
            scalar::<i64>(&t, "SELECT net_minor FROM credit_notes").await,
            scalar::<i64>(&t, "SELECT tax_minor FROM credit_notes").await
        ),
        (16_667, 3_333),
        "the VAT in the invoice's proportion"
    );
    let (_, html) = signed_in_ada(&t).await.get_text(&page).await;
    assert!(
        html.contains("The refund was lowered from 327.04 GBP to 200.00 GBP: Benefits were used heavily"),
        "{html}"
    );
}

#[tokio::test]
async fn two_agents_cancelling_at_once_make_one_cancellation_and_one_refund() {
    let t = spawn_app().await;
    let (_, _, _, staff_page) = bought_and_asked_to_cancel(&t, None).await;
    let (first, second) = (t.staff_admin().await, t.staff_admin().await);
    // Both forms are loaded before either is sent.
    let (_, one) = first.get_text(&staff_page).await;
    let (_, two) = second.get_text(&staff_page).await;
    let action = format!("{staff_page}/cancel-now");
    let send = |b: &Browser, html: &str| {
        let form = vec![("csrf".to_owned(), csrf_in(html).unwrap())];
        b.client.post(format!("{}{action}", b.url)).form(&form).send()
    };
    let (a, b) = tokio::join!(send(&first, &one), send(&second, &two));
    let mut statuses = [a.unwrap().status(), b.unwrap().status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::SEE_OTHER, StatusCode::CONFLICT]);
    assert_eq!(scalar::<i64>(&t, "SELECT COUNT(*) FROM refunds").await, 1);
    assert_eq!(scalar::<i64>(&t, "SELECT COUNT(*) FROM sandbox_refunds").await, 1);
    assert_eq!(scalar::<i64>(&t, "SELECT COUNT(*) FROM credit_notes").await, 1);
}

#[tokio::test]
async fn partners_cannot_reach_the_staff_cancellation() {
    let t = spawn_app().await;
    let (_, _, page, staff_page) = bought_and_asked_to_cancel(&t, None).await;
    let ada = signed_in_ada(&t).await;
    let r = ada.submit(&page, &format!("{staff_page}/cancel-now"), &[]).await;
    assert!(r.status().is_client_error() || r.status().is_redirection(), "{}", r.status());
    assert_eq!(scalar::<i64>(&t, "SELECT COUNT(*) FROM subscriptions WHERE status = 'cancelled'").await, 0);
}

/// A TCP relay in front of localstripe that can be cut: while it is down, every connection
/// (open or new) is closed at once, as when Stripe cannot be reached.
struct Relay {
    url: String,
    up: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Relay {
    async fn start(to: &str) -> Relay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let target = to.trim_start_matches("http://").to_owned();
        let up = Arc::new(AtomicBool::new(true));
        let open = Arc::new(Mutex::new(Vec::new()));
        let (flag, tasks) = (up.clone(), open.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !flag.load(Ordering::SeqCst) {
                    continue;
                }
                let target = target.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                tasks.lock().unwrap().push(task.abort_handle());
            }
        });
        Relay { url, up, open }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for task in self.open.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    fn mend(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn with_stripe_a_refund_the_gateway_cannot_take_stays_pending_and_is_made_once_later() {
    let stripe = payments::localstripe::Localstripe::start();
    let relay = Relay::start(&stripe.url).await;
    let key = format!("sk_test_cancellation{}", std::process::id());
    let t = spawn_app_with(|s| {
        s.gateway = app::GatewayConfig::Stripe {
            secret_key: key.clone(),
            api_base: relay.url.clone(),
            publishable_key: "pk_test_unused".into(),
            js_url: format!("{}/js.stripe.com/v3/", relay.url),
        }
    })
    .await;
    // The card is made at Stripe, as Stripe.js would in the browser.
    let http = reqwest::Client::new();
    let pm: Value = http
        .post(format!("{}/v1/payment_methods", stripe.url))
        .basic_auth(&key, Some(""))
        .form(&[
            ("type", "card"),
            ("card[number]", GOOD_CARD),
            ("card[exp_month]", "12"),
            ("card[exp_year]", "2030"),
            ("card[cvc]", "123"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pm = pm["id"].as_str().unwrap().to_owned();
    let (_, _, page, staff_page) = bought_and_asked_to_cancel(&t, Some(json!({"stripe_payment_method": pm}))).await;
    let charge = scalar::<String>(&t, "SELECT charge_ref FROM invoices").await;
    assert!(charge.starts_with("pi_"), "{charge}");

    relay.cut();
    let staff = t.staff_admin().await;
    let r = staff.submit(&staff_page, &format!("{staff_page}/cancel-now"), &[]).await;
    assert_eq!(location(&r), staff_page, "the cancellation stands");
    let ada = signed_in_ada(&t).await;
    let (_, html) = ada.get_text(&page).await;
    assert!(html.contains("The refund of 450.00 GBP is pending") && html.contains("Pending:"), "{html}");
    assert!(!html.contains("unavailable"), "the partner is told in plain words, not the gateway's error: {html}");
    let (_, html) = staff.get_text(&staff_page).await;
    assert!(html.contains("Pending: the payment gateway did not make it yet (payment gateway unavailable"), "{html}");
    assert_eq!(
        scalar::<i64>(&t, "SELECT COUNT(*) FROM credit_notes").await,
        0,
        "no credit note before the money moves"
    );

    // The worker tries again (the pause after a first failure is a minute) with the same key.
    t.clock.advance(Duration::seconds(30));
    assert_eq!(app::cancellation::send_due(&t.app).await.unwrap(), 0, "not due yet");
    relay.mend();
    t.clock.advance(Duration::minutes(2));
    assert_eq!(app::cancellation::send_due(&t.app).await.unwrap(), 1);
    assert_eq!(app::cancellation::send_due(&t.app).await.unwrap(), 0, "made once");

    let refunds: Value = http
        .get(format!("{}/v1/refunds?payment_intent={charge}", stripe.url))
        .basic_auth(&key, Some(""))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let made = refunds["data"].as_array().unwrap();
    assert_eq!(made.len(), 1, "{refunds}");
    assert_eq!(made[0]["amount"], 45_000);
    let (_, html) = ada.get_text(&page).await;
    assert!(html.contains("credit note CN-2027-000001") && html.contains("Made on"), "{html}");
}

/// A POST with an Idempotency-Key: `(status, body, replayed)`.
async fn post_once(api: &Api, path: &str, key: Option<&str>, body: Value) -> (StatusCode, Value, bool) {
    let mut request =
        api.client.post(format!("{}{path}", api.url)).bearer_auth(api.token.as_deref().unwrap()).json(&body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let r = request.send().await.unwrap();
    let (status, replayed) = (r.status(), r.headers().contains_key("idempotent-replayed"));
    (status, r.json().await.unwrap_or(Value::Null), replayed)
}

#[tokio::test]
async fn the_api_opens_a_request_and_staff_cancel_it_once_per_idempotency_key() {
    let t = spawn_app().await;
    let api = buyer(&t, "Contoso UK", "ada@contoso.example", "GB").await;
    let (order, _) = order_at_review(&api, GOOD_CARD).await;
    let sub = pay(&api, &order, "buy").await.1["subscription_id"].as_str().unwrap().to_owned();
    let (status, bad) = api
        .post(
            "/api/v1/service-requests",
            json!({"problem_type": "billing", "title": "", "description": "x", "contact_email": "ada@contoso.example"}),
        )
        .await;
    assert_eq!((status, bad["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_input")), "{bad}");
    let (status, r) = api
        .post(
            "/api/v1/service-requests",
            json!({"problem_type": "billing", "subscription_id": sub, "title": "Cancel now", "description": "Please cancel and refund.", "contact_email": "ada@contoso.example"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    assert_eq!((r["number"].as_str(), r["status"].as_str()), (Some("SR-000001"), Some("new")));
    let id = r["id"].as_str().unwrap().to_owned();

    let other = buyer(&t, "Fabrikam", "eve@fabrikam.example", "US").await;
    assert_eq!(other.get(&format!("/api/v1/service-requests/{id}")).await.0, StatusCode::NOT_FOUND);
    let (status, _, _) =
        post_once(&api, &format!("/api/v1/service-requests/{id}/cancellation"), Some("k"), json!({"when": "now"}))
            .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "partners do not cancel");

    let staff = crate::competencies::staff_api(&t).await;
    let (_, queue) = staff.get("/api/v1/service-requests?problem_type=billing&org=contoso").await;
    assert_eq!(queue["data"][0]["number"], "SR-000001", "{queue}");
    let (_, _) = staff
        .post(
            &format!("/api/v1/service-requests/{id}/messages"),
            json!({"body": "Refund policy applies.", "internal": true}),
        )
        .await;
    let (_, seen) = api.get(&format!("/api/v1/service-requests/{id}")).await;
    assert!(!seen.to_string().contains("Refund policy applies"), "no internal note for the partner: {seen}");
    let (_, seen) = staff.get(&format!("/api/v1/service-requests/{id}")).await;
    assert!(seen.to_string().contains("Refund policy applies"));

    let (_, quote) = staff.get(&format!("/api/v1/service-requests/{id}/cancellation")).await;
    assert_eq!(
        (quote["live"].as_bool(), quote["total"]["amount_minor"].as_i64()),
        (Some(true), Some(45_000)),
        "{quote}"
    );
    let path = format!("/api/v1/service-requests/{id}/cancellation");
    let (status, body, _) = post_once(&staff, &path, None, json!({"when": "now"})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("idempotency_key_required")));
    let (status, done, replayed) = post_once(&staff, &path, Some("cancel-1"), json!({"when": "now"})).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert!(!replayed);
    assert_eq!(done["status"], "resolved");
    assert_eq!(
        (done["refunds"][0]["status"].as_str(), done["refunds"][0]["credit_note_number"].as_str()),
        (Some("succeeded"), Some("CN-2027-000001"))
    );
    let (status, again, replayed) = post_once(&staff, &path, Some("cancel-1"), json!({"when": "now"})).await;
    assert_eq!((status, replayed), (StatusCode::OK, true));
    assert_eq!(again, done);
    let (status, body, _) = post_once(&staff, &path, Some("cancel-2"), json!({"when": "now"})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("subscription_not_live")));
    assert_eq!(scalar::<i64>(&t, "SELECT COUNT(*) FROM sandbox_refunds").await, 1);

    let (_, notes) = api.get("/api/v1/credit-notes").await;
    assert_eq!(notes["data"][0]["total"]["amount_minor"], 45_000);
    assert_eq!(notes["data"][0]["invoice_number"], "INV-2027-000001");
    let note = notes["data"][0]["id"].as_str().unwrap();
    assert_eq!(other.get(&format!("/api/v1/credit-notes/{note}")).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_reconciliation_file_lists_a_months_invoices_and_credit_notes() {
    let t = spawn_app().await;
    let (api, _sub, _page, staff_page) = bought_and_asked_to_cancel(&t, None).await;
    let tz = t.app.catalog().program().time_zone();
    let month_of_now = || domain::term::program_day(t.app.now(), tz).format("%Y-%m").to_string();
    let bought = month_of_now();
    t.clock.advance(Duration::days(40));
    let cancelled = month_of_now();
    assert_ne!(bought, cancelled);
    let staff = t.staff_admin().await;
    let r = staff.submit(&staff_page, &format!("{staff_page}/cancel-now"), &[("refund", ""), ("reason", "")]).await;
    assert_eq!(location(&r), staff_page);

    let csv = |month: String| {
        let api = &api;
        async move {
            let r = api.get_raw(&format!("/api/v1/invoices/reconciliation?month={month}")).await;
            assert_eq!(r.status(), StatusCode::OK);
            assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
            r.text().await.unwrap()
        }
    };
    let first = csv(bought.clone()).await;
    let lines: Vec<&str> = first.lines().collect();
    assert_eq!(lines.len(), 2, "the header and the invoice: {first}");
    assert!(lines[0].starts_with("date,document,number,description,"));
    assert!(
        lines[1].contains(",invoice,INV-2027-000001,") && lines[1].contains(",GBP,375.00,75.00,450.00,"),
        "{first}"
    );
    let second = csv(cancelled.clone()).await;
    let lines: Vec<&str> = second.lines().collect();
    assert_eq!(lines.len(), 2, "the header and the credit note: {second}");
    assert!(
        lines[1].contains(",credit_note,CN-2027-000001,")
            && lines[1].contains(",GBP,-")
            && lines[1].ends_with(",INV-2027-000001"),
        "a credit note is negative and names its invoice: {second}"
    );

    // The org's billing language names the columns; the rows stay as they are.
    let (status, body) =
        api.call(reqwest::Method::PUT, "/api/v1/org/billing-language", Some(json!({"language": "pt-br"}))).await;
    assert_eq!((status, body["language"].as_str()), (StatusCode::OK, Some("pt-BR")), "{body}");
    let portuguese = csv(bought.clone()).await;
    assert!(portuguese.starts_with("data,documento,número,descrição,"), "{portuguese}");
    assert_eq!(portuguese.lines().nth(1), first.lines().nth(1));
    let (status, body) =
        api.call(reqwest::Method::PUT, "/api/v1/org/billing-language", Some(json!({"language": "xx"}))).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("language")), "{body}");
    api.call(reqwest::Method::PUT, "/api/v1/org/billing-language", Some(json!({"language": null}))).await;

    // The same file from the portal, to download.
    let ada = signed_in_ada(&t).await;
    let r = ada.get(&format!("/invoices/reconciliation?month={bought}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let disposition = r.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"reconciliation-")
            && disposition.ends_with(&format!("-{bought}.csv\""))
    );
    assert_eq!(r.text().await.unwrap(), first);

    // A month that is not one: the form again with why, or a problem document.
    let r = ada.get("/invoices/reconciliation?month=March").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("write the month as YYYY-MM"));
    let (status, problem) = api.get("/api/v1/invoices/reconciliation?month=2027-13").await;
    assert_eq!(
        (status, problem["code"].as_str(), problem["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_input"), Some("month"))
    );

    // A Member may not have it, and another org's file for the same month is empty.
    let ada = Partner { browser: ada, email: "ada@contoso.example".into() };
    let member = t.invite_and_join(&ada, "cy@contoso.example", "member").await;
    assert_eq!(
        member.browser.get(&format!("/invoices/reconciliation?month={bought}")).await.status(),
        StatusCode::FORBIDDEN
    );
    let eve = buyer(&t, "Fabrikam", "eve@fabrikam.example", "GB").await;
    let r = eve.get_raw(&format!("/api/v1/invoices/reconciliation?month={bought}")).await;
    assert_eq!(r.text().await.unwrap().lines().count(), 1, "the header only");
}

#[tokio::test]
async fn an_agent_names_the_subscription_a_request_left_out_then_cancels_it() {
    let t = spawn_app().await;
    let api = buyer(&t, "Contoso", "ada@contoso.example", "GB").await;
    let (order, _) = order_at_review(&api, GOOD_CARD).await;
    let sub = pay(&api, &order, "buy").await.1["subscription_id"].as_str().unwrap().to_owned();
    let ada = signed_in_ada(&t).await;
    let fields = [
        ("problem", "billing"),
        ("subscription_id", ""),
        ("title", "Cancel our membership"),
        ("description", "Please cancel it."),
        ("contact_email", "ada@contoso.example"),
        ("contact_phone", ""),
    ];
    let r = ada.submit("/support/requests/new", "/support/requests", &fields).await;
    let id =
        location(&r).trim_end_matches("?notice=request_opened").trim_start_matches("/support/requests/").to_owned();
    let staff_page = format!("/staff/requests/{id}");
    let staff = t.staff_admin().await;
    let (_, html) = staff.get_text(&staff_page).await;
    assert!(html.contains("Name this subscription") && !html.contains("cancel-now"), "{html}");

    // Another org's subscription is not one to name.
    let eve = buyer(&t, "Fabrikam", "eve@fabrikam.example", "GB").await;
    let (eve_order, _) = order_at_review(&eve, GOOD_CARD).await;
    let eve_sub = pay(&eve, &eve_order, "buy").await.1["subscription_id"].as_str().unwrap().to_owned();
    let r = staff.submit(&staff_page, &format!("{staff_page}/subscription"), &[("subscription_id", &eve_sub)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(staff.get_text(&staff_page).await.1.contains("Name this subscription"), "nothing changed");

    let r = staff.submit(&staff_page, &format!("{staff_page}/subscription"), &[("subscription_id", &sub)]).await;
    assert_eq!(location(&r), staff_page);
    let (_, html) = staff.get_text(&staff_page).await;
    assert!(
        html.contains("id=\"request-subscription\">Action Pack subscription, Active") && html.contains("cancel-now"),
        "{html}"
    );
    let (_, audit) = staff.get_text("/staff/audit").await;
    assert!(audit.contains("service_request.subscription_named"));
    let r = staff.submit(&staff_page, &format!("{staff_page}/cancel-now"), &[("refund", ""), ("reason", "")]).await;
    assert_eq!(location(&r), staff_page);
    assert_eq!(api.get(&format!("/api/v1/subscriptions/{sub}")).await.1["status"], "cancelled");
    let (_, theirs) = eve.get(&format!("/api/v1/subscriptions/{eve_sub}")).await;
    assert_eq!(theirs["status"], "active", "the other org's subscription is untouched");
}

#[tokio::test]
async fn through_the_api_an_agent_names_the_subscription_of_a_request() {
    let t = spawn_app().await;
    let api = buyer(&t, "Contoso", "ada@contoso.example", "GB").await;
    let (order, _) = order_at_review(&api, GOOD_CARD).await;
    let sub = pay(&api, &order, "buy").await.1["subscription_id"].as_str().unwrap().to_owned();
    let (status, request) = api
        .post(
            "/api/v1/service-requests",
            json!({"problem_type": "billing", "title": "Cancel", "description": "Please cancel.", "contact_email": "ada@contoso.example"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{request}");
    let id = request["id"].as_str().unwrap();
    let staff = crate::competencies::staff_api(&t).await;
    let path = format!("/api/v1/service-requests/{id}/subscription");
    assert_eq!(api.post(&path, json!({"subscription_id": sub})).await.0, StatusCode::FORBIDDEN, "partners may not");
    let (status, named) = staff.post(&path, json!({"subscription_id": sub})).await;
    assert_eq!((status, named["subscription_id"].as_str()), (StatusCode::OK, Some(sub.as_str())), "{named}");
    let (status, again) = staff.post(&path, json!({"subscription_id": "sub_other"})).await;
    assert_eq!((status, again["code"].as_str()), (StatusCode::CONFLICT, Some("subscription_named")));
    let (status, quote) = staff.get(&format!("/api/v1/service-requests/{id}/cancellation")).await;
    assert_eq!((status, quote["subscription_id"].as_str()), (StatusCode::OK, Some(sub.as_str())), "{quote}");
}

#[tokio::test]
async fn a_credit_note_id_of_the_wrong_shape_is_answered_as_an_unknown_one_is() {
    let t = spawn_app().await;
    let api = buyer(&t, "Contoso", "ada@contoso.example", "US").await;
    for path in ["/api/v1/credit-notes/{}", "/api/v1/credit-notes/{}/pdf"] {
        wrong_shape_answers_as_unknown(&api, reqwest::Method::GET, path, &unknown_id("cn")).await;
    }
    let ada = signed_in_ada(&t).await;
    let staff = t.staff_admin().await;
    for id in ["nope", "cn_short", &unknown_id("cn"), &unknown_id("rf")] {
        for (who, page) in [(&ada, "/credit-notes/"), (&staff, "/staff/credit-notes/")] {
            let (status, _) = who.get_text(&format!("{page}{id}")).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{page}{id}");
            let (status, _) = who.get_text(&format!("{page}{id}/pdf")).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{page}{id}/pdf");
        }
    }
}
