//! Buying an offer through the API and the portal: the steps, the price with tax, the card,
//! exactly one charge, the invoice and the subscription.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub const GOOD_CARD: &str = "4242424242424242";

/// An org signed up in `country` with a Global admin's API client.
pub async fn buyer(t: &TestApp, company: &str, email: &str, country: &str) -> Api {
    let (status, body) = t
        .api(None)
        .post(
            "/api/v1/signup",
            json!({"company_name": company, "country": country, "name": "Ada", "email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let b = t.browser();
    let r = b.submit("/signin", "/signin", &[("email", email), ("password", PASSWORD)]).await;
    assert_eq!(location(&r), "/dashboard");
    t.verify_email_in(&b, email).await;
    t.api(Some(&t.token_for(&b, "/account").await))
}

/// Creates the Action Pack order, agrees to the terms, saves `card` and picks it.
pub async fn order_at_review(api: &Api, card: &str) -> (String, Value) {
    order_at_review_with(api, json!({"card": {"number": card, "exp_month": "12", "exp_year": "2030", "cvc": "123"}}))
        .await
}

/// [`order_at_review`] with the payment method's body as sent (a Stripe payment method id).
pub async fn order_at_review_with(api: &Api, payment_method: Value) -> (String, Value) {
    let (status, order) = api.post("/api/v1/orders", json!({"offer": "action-pack"})).await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    assert_eq!(order["step"], "terms");
    let id = order["id"].as_str().unwrap().to_owned();
    let version = order["terms"]["version"].as_str().unwrap().to_owned();
    let (status, order) =
        api.post(&format!("/api/v1/orders/{id}/accept-terms"), json!({"terms_version": version})).await;
    assert_eq!(status, StatusCode::OK, "{order}");
    assert_eq!(order["step"], "payment");
    let (status, pm) = api.post("/api/v1/payment-methods", payment_method).await;
    assert_eq!(status, StatusCode::CREATED, "{pm}");
    let (status, order) =
        api.post(&format!("/api/v1/orders/{id}/payment-method"), json!({"payment_method_id": pm["id"]})).await;
    assert_eq!(status, StatusCode::OK, "{order}");
    assert_eq!(order["step"], "review");
    (id, order)
}

pub async fn pay(api: &Api, order: &str, key: &str) -> (StatusCode, Value, bool) {
    let r = api
        .client
        .post(format!("{}/api/v1/orders/{order}/pay", api.url))
        .bearer_auth(api.token.as_deref().unwrap())
        .header("Idempotency-Key", key)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let replayed = r.headers().contains_key("idempotent-replayed");
    (status, r.json().await.unwrap_or(Value::Null), replayed)
}

pub async fn sandbox_charges(t: &TestApp) -> i64 {
    let mut conn = t.app.store().read().await.unwrap();
    store::sql::query_scalar("SELECT COUNT(*) FROM sandbox_charges").fetch_one(&mut conn).await.unwrap()
}

#[tokio::test]
async fn an_org_buys_action_pack_through_the_api() {
    let t = spawn_app().await;
    let api = buyer(&t, "Contoso UK", "ada@contoso.example", "GB").await;
    let (id, order) = order_at_review(&api, GOOD_CARD).await;
    assert_eq!(order["net"]["amount_minor"], 37500);
    assert_eq!(order["net"]["currency"], "GBP");
    assert_eq!(order["tax"]["amount_minor"], 7500, "20% VAT");
    assert_eq!(order["total"]["amount_minor"], 45000);

    let (status, paid, _) = pay(&api, &id, "buy-1").await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["term_start"], "2027-03-15");
    assert_eq!(paid["term_end"], "2028-03-15");

    let (_, invoice) = api.get(&format!("/api/v1/invoices/{}", paid["invoice_id"].as_str().unwrap())).await;
    assert_eq!(invoice["number"], "INV-2027-000001");
    assert_eq!(invoice["total"]["formatted"], "450.00");
    assert_eq!(invoice["paid_with"], "Visa •••• 4242");
    let pdf = api
        .client
        .get(format!("{}/api/v1/invoices/{}/pdf", api.url, invoice["id"].as_str().unwrap()))
        .bearer_auth(api.token.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));

    let (_, subs) = api.get("/api/v1/subscriptions").await;
    let sub = &subs["data"][0];
    assert_eq!((sub["status"].as_str(), sub["auto_renew"].as_bool()), (Some("active"), Some(true)));

    let staff = t.staff_admin().await;
    let (_, orgs) = staff.get_text("/staff").await;
    let org_path = orgs.split("href=\"/staff/orgs/").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let (_, org_page) = staff.get_text(&format!("/staff/orgs/{org_path}")).await;
    assert!(
        org_page.contains("INV-2027-000001") && org_page.contains("renews automatically"),
        "staff see the purchase"
    );

    let receipt = t.last_email_to("ada@contoso.example").await;
    assert!(receipt.contains("INV-2027-000001") && receipt.contains("£450.00"), "{receipt}");
    assert_eq!(sandbox_charges(&t).await, 1);

    let (status, refused) = api.post("/api/v1/orders", json!({"offer": "action-pack"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "one live Action Pack per org");
    assert!(refused["detail"].as_str().unwrap().contains("already has a live Action Pack"));
}

#[tokio::test]
async fn the_terms_acceptance_is_recorded_with_who_which_version_when_and_where() {
    let t = spawn_app().await;
    let api = buyer(&t, "Contoso", "ada@contoso.example", "US").await;
    let (id, order) = order_at_review(&api, GOOD_CARD).await;
    let mut conn = t.app.store().read().await.unwrap();
    let order_id = domain::ids::OrderId::parse(&id).unwrap();
    let (who, version, at, address) = store::orders::acceptance(&mut conn, &order_id).await.unwrap().expect("recorded");
    assert_eq!(who, "Ada");
    assert_eq!(version, order["terms"]["version"].as_str().unwrap());
    assert_eq!(at, start_time());
    assert_eq!(address.as_deref(), Some("127.0.0.1"));

    let (status, body) = api.post("/api/v1/orders", json!({"offer": "action-pack"})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["id"], id, "Subscribe now again finds the same open order");
    let (status, body) =
        api.post(&format!("/api/v1/orders/{id}/accept-terms"), json!({"terms_version": "1999-01"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], "terms_changed");
}

#[tokio::test]
async fn a_repeated_pay_replays_the_first_answer_and_charges_once() {
    let t = spawn_app().await;
    let api = buyer(&t, "Contoso", "ada@contoso.example", "US").await;
    let (id, _) = order_at_review(&api, GOOD_CARD).await;
    let (s1, first, replayed1) = pay(&api, &id, "key-A").await;
    let (s2, second, replayed2) = pay(&api, &id, "key-A").await;
    assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK));
    assert!(!replayed1 && replayed2);
    assert_eq!(first, second);
    // The answer is kept with the paid order in one transaction; it says what a read says.
    let (status, read) = api.get(&format!("/api/v1/orders/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first, read, "the kept answer is the order as stored");
    assert_eq!(first["status"], "paid");
    let (s3, third, replayed3) = pay(&api, &id, "key-B").await;
    assert_eq!(s3, StatusCode::OK, "a new key on a paid order answers with the paid order");
    assert!(!replayed3);
    assert_eq!(third["invoice_id"], first["invoice_id"]);
    let (_, third_again, replayed) = pay(&api, &id, "key-B").await;
    assert!(replayed, "an answer given without a payment is kept too");
    assert_eq!(third_again, third);
    assert_eq!(sandbox_charges(&t).await, 1, "charged once");

    // A key whose request was refused before any payment keeps that refusal.
    let (early, _) = order_at_review(&buyer(&t, "Early", "eve@early.example", "US").await, GOOD_CARD).await;
    let (status, refused, _) = pay(&api, &early, "key-C").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another org's order: {refused}");
    let (again, refused_again, replayed) = pay(&api, &early, "key-C").await;
    assert_eq!((again, replayed), (StatusCode::NOT_FOUND, true));
    assert_eq!(refused_again, refused);

    let (other, _) = order_at_review(&buyer(&t, "Other", "bo@other.example", "US").await, GOOD_CARD).await;
    let (status, body, _) = pay(&api, &other, "key-A").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "idempotency_key_reused");

    let r = api
        .client
        .post(format!("{}/api/v1/orders/{id}/pay", api.url))
        .bearer_auth(api.token.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "idempotency_key_required");
}

#[tokio::test]
async fn a_card_declined_at_charge_time_returns_the_order_to_payment_and_nothing_is_bought() {
    let t = spawn_app().await;
    let api = buyer(&t, "Contoso", "ada@contoso.example", "US").await;
    let (id, _) = order_at_review(&api, "4000000000000341").await;
    let (status, body, _) = pay(&api, &id, "try-1").await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{body}");
    assert_eq!(body["code"], "card_declined");
    assert_eq!(body["detail"], "Your card was declined.");
    let (_, order) = api.get(&format!("/api/v1/orders/{id}")).await;
    assert_eq!((order["status"].as_str(), order["step"].as_str()), (Some("draft"), Some("payment")));
    assert_eq!(order["last_decline"], "Your card was declined.");
    let (_, invoices) = api.get("/api/v1/invoices").await;
    assert!(invoices["data"].as_array().unwrap().is_empty(), "no invoice");

    let (status, pm) = api
        .post(
            "/api/v1/payment-methods",
            json!({"card": {"number": GOOD_CARD, "exp_month": "1", "exp_year": "29", "cvc": "321"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    api.post(&format!("/api/v1/orders/{id}/payment-method"), json!({"payment_method_id": pm["id"]})).await;
    let (status, paid, _) = pay(&api, &id, "try-2").await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    let (_, invoices) = api.get("/api/v1/invoices").await;
    assert_eq!(invoices["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bad_and_declined_cards_are_refused_with_the_reason_and_nothing_is_saved() {
    let t = spawn_app().await;
    let api = buyer(&t, "Contoso", "ada@contoso.example", "US").await;
    let card = |number: &str, month: &str, year: &str, cvc: &str| json!({"card": {"number": number, "exp_month": month, "exp_year": year, "cvc": cvc}});
    let cases = [
        (
            card("4000000000000002", "12", "2030", "123"),
            StatusCode::PAYMENT_REQUIRED,
            "card_declined",
            "Your card was declined.",
        ),
        (
            card("4000000000009995", "12", "2030", "123"),
            StatusCode::PAYMENT_REQUIRED,
            "card_declined",
            "Your card has insufficient funds.",
        ),
        (
            card("4000000000000069", "12", "2030", "123"),
            StatusCode::PAYMENT_REQUIRED,
            "card_declined",
            "Your card has expired.",
        ),
        (card("4242424242424241", "12", "2030", "123"), StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", "not valid"),
        (
            card("4111111111111111", "12", "2030", "123"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            "test card numbers only",
        ),
        (card(GOOD_CARD, "2", "2027", "123"), StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", "expired"),
        (card(GOOD_CARD, "13", "2030", "123"), StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", "month"),
        (card(GOOD_CARD, "12", "2030", "12"), StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", "security code"),
    ];
    for (body, status, code, words) in cases {
        let (got, problem) = api.post("/api/v1/payment-methods", body.clone()).await;
        assert_eq!(got, status, "{body}: {problem}");
        assert_eq!(problem["code"], code);
        assert!(problem["detail"].as_str().unwrap().contains(words), "{problem}");
        assert!(!problem.to_string().contains(body["card"]["number"].as_str().unwrap()), "the number is not echoed");
    }
    let (_, list) = api.get("/api/v1/payment-methods").await;
    assert!(list["data"].as_array().unwrap().is_empty());
    let mut conn = t.app.store().read().await.unwrap();
    let found: i64 = store::sql::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE detail LIKE '%4242424242%' OR detail LIKE '%4000000000%'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(found, 0, "no card number in the audit log");
}

#[tokio::test]
async fn only_billing_and_global_admins_buy_and_nobody_sees_another_orgs_order() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let ada_api = t.api(Some(&t.token_for(&ada.browser, "/account").await));
    let (id, _) = order_at_review(&ada_api, GOOD_CARD).await;
    for role in ["account_admin", "member", "user_management_admin"] {
        let email = format!("{role}@contoso.example");
        let p = t.invite_and_join(&ada, &email, role).await;
        let api = t.api(Some(&t.token_for(&p.browser, "/account").await));
        let (status, body) = api.post("/api/v1/orders", json!({"offer": "action-pack"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}: {body}");
        let (status, _, _) = pay(&api, &id, "k").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role} cannot pay");
        let (status, _) = api.get("/api/v1/payment-methods").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role} cannot see cards");
    }
    let billing = t.invite_and_join(&ada, "bill@contoso.example", "billing_admin").await;
    let bill_api = t.api(Some(&t.token_for(&billing.browser, "/account").await));
    let (status, paid, _) = pay(&bill_api, &id, "bill-1").await;
    assert_eq!(status, StatusCode::OK, "a Billing admin pays: {paid}");
    let receipted = |bodies: Vec<String>| bodies.iter().any(|b| b.contains("Your order for Action Pack is confirmed"));
    for (email, gets) in [
        ("ada@contoso.example", true),
        ("bill@contoso.example", true),
        ("account_admin@contoso.example", false),
        ("member@contoso.example", false),
        ("user_management_admin@contoso.example", false),
    ] {
        assert_eq!(receipted(t.emails_to(email).await), gets, "the receipt goes to Billing and Global admins: {email}");
    }

    let other = buyer(&t, "Fabrikam", "bo@fabrikam.example", "US").await;
    for path in [
        format!("/api/v1/orders/{id}"),
        format!("/api/v1/invoices/{}", paid["invoice_id"].as_str().unwrap()),
        format!("/api/v1/subscriptions/{}", paid["subscription_id"].as_str().unwrap()),
    ] {
        let (status, _) = other.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _, _) = pay(&other, &id, "steal").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, mine) = other.call(Method::GET, "/api/v1/invoices", None).await;
    assert!(mine["data"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn the_portal_wizard_buys_and_a_double_submitted_buy_charges_once() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let b = &ada.browser;
    let (_, offers) = b.get_text("/partnership/offers").await;
    assert!(offers.contains("Available offers") && offers.contains("Subscribe now"));
    let r = b.submit("/partnership/offers", "/partnership/offers/action-pack/subscribe", &[]).await;
    let order_path = location(&r);
    assert!(order_path.starts_with("/orders/ord_"), "{order_path}");
    let (_, terms) = b.get_text(&order_path).await;
    let version = terms.split("name=\"terms_version\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let r = b.submit(&order_path, &format!("{order_path}/terms"), &[("terms_version", &version)]).await;
    assert_eq!(location(&r), order_path);
    let (_, payment) = b.get_text(&order_path).await;
    assert!(payment.contains("Get started! Add a way to pay"));
    let card_page = format!("{order_path}/card");
    let r = b
        .submit(
            &card_page,
            &card_page,
            &[("card_number", "4242 4242 4242 4242"), ("exp_month", "12"), ("exp_year", "2030"), ("cvc", "123")],
        )
        .await;
    assert_eq!(location(&r), order_path);
    let (_, review) = b.get_text(&order_path).await;
    assert!(review.contains("id=\"review-total\">$475.00") && review.contains("Visa •••• 4242"), "{review}");

    // Two submissions of the same review form (a double click) buy once.
    let key = review.split("name=\"buy_key\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let csrf = csrf_in(&review).unwrap();
    let post = || {
        b.client
            .post(format!("{}{order_path}/buy", t.url))
            .form(&[("csrf", csrf.as_str()), ("buy_key", key.as_str())])
            .send()
    };
    let (r1, r2) = tokio::join!(post(), post());
    assert_eq!(location(&r1.unwrap()), order_path);
    assert_eq!(location(&r2.unwrap()), order_path);
    let (_, confirmed) = b.get_text(&order_path).await;
    assert!(confirmed.contains("Your order is confirmed.") && confirmed.contains("INV-2027-000001"), "{confirmed}");
    assert_eq!(sandbox_charges(&t).await, 1);

    let (_, offers) = b.get_text("/partnership/offers").await;
    assert!(offers.contains("Action Pack subscription"), "under Purchased offers");
    assert!(!offers.contains("Subscribe now"), "no longer available");
}

#[tokio::test]
async fn twenty_concurrent_pays_with_one_key_charge_once() {
    let t = spawn_app().await;
    let api = buyer(&t, "Contoso", "ada@contoso.example", "US").await;
    let (id, _) = order_at_review(&api, GOOD_CARD).await;
    let calls = (0..20).map(|_| pay(&api, &id, "same-key"));
    let answers = futures_join_all(calls).await;
    let ok = answers.iter().filter(|(s, _, _)| *s == StatusCode::OK).count();
    assert!(ok >= 1, "one pays");
    for (status, body, _) in &answers {
        assert!(matches!(*status, StatusCode::OK | StatusCode::CONFLICT), "{status}: {body}");
    }
    assert_eq!(sandbox_charges(&t).await, 1, "one charge");
    let mut conn = t.app.store().read().await.unwrap();
    assert_eq!(store::invoices::numbers(&mut conn).await.unwrap(), vec!["INV-2027-000001"]);
}

#[tokio::test]
async fn two_hundred_orgs_buying_at_once_get_invoices_one_to_two_hundred() {
    let t = spawn_app().await;
    const ORGS: usize = 200;
    let buyers = futures_join_all((0..ORGS).map(|i| {
        let t = &t;
        async move {
            let email = format!("ada{i}@org{i}.example");
            let api = buyer(t, &format!("Org {i}"), &email, "US").await;
            let (id, _) = order_at_review(&api, GOOD_CARD).await;
            (api, id)
        }
    }))
    .await;
    let answers = futures_join_all(buyers.iter().map(|(api, id)| pay(api, id, "buy"))).await;
    for (status, body, _) in &answers {
        assert_eq!(*status, StatusCode::OK, "{body}");
    }
    let mut conn = t.app.store().read().await.unwrap();
    let numbers = store::invoices::numbers(&mut conn).await.unwrap();
    let expected: Vec<String> = (1..=ORGS).map(|n| format!("INV-2027-{n:06}")).collect();
    assert_eq!(numbers, expected, "gapless and unique");
    assert_eq!(sandbox_charges(&t).await, ORGS as i64);
}

/// Runs futures concurrently on this task (no extra dependency for join_all).
pub async fn futures_join_all<F: std::future::Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut set = Vec::new();
    for f in futures {
        set.push(Box::pin(f));
    }
    let mut outputs: Vec<Option<F::Output>> = (0..set.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in set.iter_mut().enumerate() {
            if outputs[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => outputs[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending { std::task::Poll::Pending } else { std::task::Poll::Ready(()) }
    })
    .await;
    outputs.into_iter().map(|o| o.expect("every future finished")).collect()
}

#[tokio::test]
async fn a_key_left_in_flight_by_a_dead_request_is_taken_over_after_ten_seconds() {
    use app::idempotency::{Seen, claim};
    let t = spawn_app().await;
    assert!(matches!(claim(&t.app, "user:x", "k", "h").await.unwrap(), Seen::New));
    assert!(matches!(claim(&t.app, "user:x", "k", "h").await.unwrap(), Seen::InProgress { .. }));
    t.clock.advance(chrono::Duration::seconds(11));
    assert!(
        matches!(claim(&t.app, "user:x", "k", "other request").await.unwrap(), Seen::InProgress { .. }),
        "only the same request"
    );
    assert!(matches!(claim(&t.app, "user:x", "k", "h").await.unwrap(), Seen::New), "taken over");
}

/// Leaves `id` as a Buy that died would: paying, its attempt written at the start and never
/// sent.
async fn attempt_in_flight(t: &TestApp, id: &str, order: &Value) {
    let mut tx = t.app.store().write().await.unwrap();
    let order_id = domain::ids::OrderId::parse(id).unwrap();
    let attempt = store::orders::AttemptRecord {
        id: domain::ids::PaymentAttemptId::from_random([0; 16]),
        order_id: order_id.clone(),
        idempotency_key: format!("{id}-attempt-1"),
        payment_method_id: order["payment_method_id"].as_str().unwrap().parse().unwrap(),
        gateway: "sandbox".into(),
        amount: domain::money::Money::new(47500, domain::money::Currency::Usd),
        status: domain::order::AttemptStatus::Pending,
        created_at: start_time(),
    };
    store::orders::insert_attempt(&mut tx, &attempt).await.unwrap();
    store::orders::update(&mut tx, &order_id, store::orders::OrderUpdate::Paying).await.unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_not_yet_answer_is_not_kept_for_the_idempotency_key() {
    let t = spawn_app().await;
    let api = buyer(&t, "Contoso", "ada@contoso.example", "US").await;
    let (id, order) = order_at_review(&api, GOOD_CARD).await;
    // A payment of this order is out at the gateway (another request, still waiting).
    attempt_in_flight(&t, &id, &order).await;

    let (status, body, _) = pay(&api, &id, "K").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "payment_in_progress");
    // The other request never reached the gateway; once it is given up on, a retry with the
    // same key pays (the key was not kept with the 409).
    t.clock.advance(chrono::Duration::minutes(3));
    let (status, body, replayed) = pay(&api, &id, "K").await;
    assert!(!replayed, "the 409 was not kept");
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "paid");
    assert_eq!(sandbox_charges(&t).await, 1);
    let (status, again, replayed) = pay(&api, &id, "K").await;
    assert!(replayed && status == StatusCode::OK, "{again}");
    assert_eq!(again["invoice_id"], body["invoice_id"]);
    assert_eq!(sandbox_charges(&t).await, 1, "charged once");
}

#[tokio::test]
async fn an_attempt_given_up_on_by_reconciliation_leaves_the_order_ready_to_buy_again() {
    let t = spawn_app().await;
    let api = buyer(&t, "Contoso", "ada@contoso.example", "US").await;
    let (id, order) = order_at_review(&api, GOOD_CARD).await;
    attempt_in_flight(&t, &id, &order).await;

    // The worker's reconciliation gives it up first; the order is back at the review, not at
    // the payment step, so the client's retry of its Buy does not meet `step_not_reached`.
    t.clock.advance(chrono::Duration::minutes(3));
    app::payment::reconcile_pending(&t.app).await.unwrap();
    let (_, o) = api.get(&format!("/api/v1/orders/{id}")).await;
    assert_eq!((o["status"].as_str(), o["step"].as_str()), (Some("draft"), Some("review")), "{o}");
    let (status, body, _) = pay(&api, &id, "K").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(sandbox_charges(&t).await, 1);
}

#[tokio::test]
async fn a_billing_admin_adds_a_card_under_payment_methods() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let (status, page) = ada.browser.get_text("/payment-methods").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Payment methods") && !page.contains("id=\"saved-cards\""), "no card yet");

    let card =
        |number: &'static str| [("card_number", number), ("exp_month", "12"), ("exp_year", "2030"), ("cvc", "123")];
    let r = ada.browser.submit("/payment-methods", "/payment-methods", &card("4242424242424242")).await;
    assert_eq!(location(&r), "/payment-methods?notice=card_added");
    let r = ada.browser.submit("/payment-methods", "/payment-methods", &card("4000000000000002")).await;
    assert!(r.status().is_client_error(), "a card the gateway refuses is not saved");
    let refused = r.text().await.unwrap();
    assert!(refused.contains("class=\"error\""), "{refused}");
    let (_, page) = ada.browser.get_text("/payment-methods").await;
    assert!(page.contains("Visa •••• 4242, expires 12/2030"), "{page}");
    assert_eq!(page.matches("<li>").count(), 1, "only the card that was saved: {page}");

    // Another org sees none of it; a Member may not see or add cards.
    let eve = t.sign_up("Fabrikam", "eve@fabrikam.example").await;
    assert!(!eve.browser.get_text("/payment-methods").await.1.contains("4242, expires"));
    let member = t.invite_and_join(&ada, "cy@contoso.example", "member").await;
    assert_eq!(member.browser.get("/payment-methods").await.status(), StatusCode::FORBIDDEN);
    let r = member.browser.submit("/dashboard", "/payment-methods", &card("4242424242424242")).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (_, page) = ada.browser.get_text("/payment-methods").await;
    assert_eq!(page.matches("<li>").count(), 1);
}

#[tokio::test]
async fn a_support_agent_opens_an_orgs_invoice_from_the_console() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let api = t.api(Some(&t.token_for(&ada.browser, "/account").await));
    let (order, _) = order_at_review(&api, GOOD_CARD).await;
    let (_, paid, _) = pay(&api, &order, "buy").await;
    let invoice = paid["invoice_id"].as_str().unwrap().to_owned();
    let (_, me) = api.get("/api/v1/me").await;
    let org = me["org_id"].as_str().unwrap().to_owned();

    let staff = t.staff_admin().await;
    let (_, page) = staff.get_text(&format!("/staff/orgs/{org}")).await;
    assert!(page.contains(&format!("href=\"/staff/invoices/{invoice}\"")), "{page}");
    let (status, html) = staff.get_text(&format!("/staff/invoices/{invoice}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("INV-") && html.contains(&format!("/staff/invoices/{invoice}/pdf")));
    let pdf = staff.get(&format!("/staff/invoices/{invoice}/pdf")).await;
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
    // The console's copy is for staff only.
    assert_ne!(ada.browser.get(&format!("/staff/invoices/{invoice}")).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_id_of_the_wrong_shape_is_answered_as_an_unknown_one_is() {
    let t = spawn_app().await;
    let api = buyer(&t, "Contoso", "ada@contoso.example", "US").await;
    let zeros = "0".repeat(26);
    for (method, path, prefix) in [
        (Method::GET, "/api/v1/orders/{}", "ord"),
        (Method::POST, "/api/v1/orders/{}/verify", "ord"),
        (Method::GET, "/api/v1/subscriptions/{}", "sub"),
        (Method::POST, "/api/v1/subscriptions/{}/renewals", "sub"),
        (Method::GET, "/api/v1/invoices/{}", "in"),
    ] {
        wrong_shape_answers_as_unknown(&api, method, path, &unknown_id(prefix)).await;
    }
    let partner = t.sign_up("Fabrikam", "bo@fabrikam.example").await;
    for page in ["/orders/", "/subscriptions/", "/invoices/"] {
        for id in ["nope", &format!("ord_{zeros}"), &format!("sub_{zeros}"), &format!("in_{zeros}")] {
            let (status, _) = partner.browser.get_text(&format!("{page}{id}")).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{page}{id}");
        }
    }
}
