//! The subscription lifecycle with the clock moved across years: automatic renewals, turning
//! them off, manual renewal early, late and too late, failed charges, retries and expiry, and
//! reminders counted exactly.

use crate::checkout::{GOOD_CARD, buyer, order_at_review, pay, sandbox_charges};
use crate::helpers::*;
use app::clock::Clock;
use chrono::{NaiveDate, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub async fn run_until(t: &TestApp, until: NaiveDate) -> app::lifecycle::RunReport {
    app::lifecycle::run_until(&t.app, &t.clock, until, |_, _| {}).await.expect("the renewal run")
}

/// An org that bought Action Pack on `on` with `card`; returns its API client and subscription.
pub async fn subscribed(t: &TestApp, on: NaiveDate, card: &str) -> (Api, String) {
    t.clock.set(Utc.from_utc_datetime(&on.and_hms_opt(10, 0, 0).unwrap()));
    let api = buyer(t, "Contoso", "ada@contoso.example", "US").await;
    let (order, _) = order_at_review(&api, card).await;
    let (status, paid, _) = pay(&api, &order, "buy").await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    (api, paid["subscription_id"].as_str().unwrap().to_owned())
}

/// A card that saves fine but whose charges are all declined.
const CHARGES_FAIL: &str = "4000000000000341";

/// Saves `number` as the org's newest (so default) card.
async fn save_card(api: &Api, number: &str) {
    let card = json!({"card": {"number": number, "exp_month": "12", "exp_year": "2030", "cvc": "123"}});
    let (status, body) = api.post("/api/v1/payment-methods", card).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn subscription(api: &Api, id: &str) -> Value {
    api.get(&format!("/api/v1/subscriptions/{id}")).await.1
}

async fn notification_titles(t: &TestApp) -> Vec<String> {
    let mut conn = t.app.store().read().await.unwrap();
    store::sql::query_scalar("SELECT title FROM notifications ORDER BY created_at, id")
        .fetch_all(&mut conn)
        .await
        .unwrap()
}

async fn invoice_count(t: &TestApp) -> usize {
    let mut conn = t.app.store().read().await.unwrap();
    store::invoices::numbers(&mut conn).await.unwrap().len()
}

#[tokio::test]
async fn renews_automatically_for_five_years_with_one_charge_and_two_notices_a_year() {
    let t = spawn_app().await;
    let (api, sub) = subscribed(&t, day(2027, 3, 15), GOOD_CARD).await;
    let report = run_until(&t, day(2032, 3, 20)).await;
    assert_eq!(report.charged, 5);
    let s = subscription(&api, &sub).await;
    assert_eq!(
        (s["status"].as_str(), s["term_start"].as_str(), s["term_end"].as_str()),
        (Some("active"), Some("2032-03-15"), Some("2033-03-15"))
    );
    assert_eq!(sandbox_charges(&t).await, 6, "the purchase and five renewals");
    assert_eq!(invoice_count(&t).await, 6);
    let titles = notification_titles(&t).await;
    assert_eq!(titles.iter().filter(|n| n.contains("renews in 30 days")).count(), 5);
    assert_eq!(titles.iter().filter(|n| n.contains("renews in 7 days")).count(), 5);
    let mut conn = t.app.store().read().await.unwrap();
    let numbers = store::invoices::numbers(&mut conn).await.unwrap();
    assert_eq!(
        numbers,
        vec![
            "INV-2027-000001",
            "INV-2028-000001",
            "INV-2029-000001",
            "INV-2030-000001",
            "INV-2031-000001",
            "INV-2032-000001"
        ]
    );

    // Running the same days again changes nothing.
    t.clock.set(Utc.with_ymd_and_hms(2032, 3, 15, 0, 0, 0).unwrap());
    assert_eq!(run_until(&t, day(2032, 3, 20)).await, app::lifecycle::RunReport::default());
    assert_eq!(sandbox_charges(&t).await, 6);
}

#[tokio::test]
async fn month_end_and_leap_day_purchases_renew_on_their_anniversaries() {
    for (bought, ends) in [
        (day(2027, 1, 31), [day(2028, 1, 31), day(2029, 1, 31)]),
        (day(2028, 2, 29), [day(2029, 2, 28), day(2030, 2, 28)]),
        (day(2027, 12, 31), [day(2028, 12, 31), day(2029, 12, 31)]),
    ] {
        let t = spawn_app().await;
        let (api, sub) = subscribed(&t, bought, GOOD_CARD).await;
        assert_eq!(subscription(&api, &sub).await["term_end"], ends[0].to_string(), "bought {bought}");
        run_until(&t, ends[0]).await;
        assert_eq!(subscription(&api, &sub).await["term_end"], ends[1].to_string(), "renewed on {}", ends[0]);
    }
    let t = spawn_app().await;
    let (api, sub) = subscribed(&t, day(2028, 2, 29), GOOD_CARD).await;
    run_until(&t, day(2032, 3, 1)).await;
    let s = subscription(&api, &sub).await;
    assert_eq!(
        (s["term_start"].as_str(), s["term_end"].as_str()),
        (Some("2032-02-29"), Some("2033-02-28")),
        "back on the 29th in a leap year"
    );
}

#[tokio::test]
async fn turned_off_it_expires_after_four_reminders_and_the_offer_is_buyable_again() {
    let t = spawn_app().await;
    let (api, sub) = subscribed(&t, day(2027, 3, 15), GOOD_CARD).await;
    let (status, s) = api.post(&format!("/api/v1/subscriptions/{sub}/turn-off-auto-renew"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["auto_renew"], false);
    let (status, again) = api.post(&format!("/api/v1/subscriptions/{sub}/turn-off-auto-renew"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(again["detail"].as_str().unwrap().contains("only by renewing"));

    let report = run_until(&t, day(2028, 3, 20)).await;
    assert_eq!((report.charged, report.expired), (0, 1));
    assert_eq!(subscription(&api, &sub).await["status"], "expired");
    assert_eq!(sandbox_charges(&t).await, 1, "nothing charged after turning it off");
    let titles = notification_titles(&t).await;
    for words in ["expires in 60 days", "expires in 30 days", "expires in 7 days", "expires today", "has expired"] {
        assert_eq!(titles.iter().filter(|n| n.contains(words)).count(), 1, "{words}: {titles:?}");
    }
    assert_eq!(titles.len(), 5);
    assert!(t.emails_to("ada@contoso.example").await.iter().any(|e| e.contains("Its benefits have ended")));
    let (status, _) = api.post("/api/v1/orders", json!({"offer": "action-pack"})).await;
    assert_eq!(status, StatusCode::CREATED, "buyable again after expiry");
}

pub async fn renew_by_hand(api: &Api, sub: &str, key: &str) -> (StatusCode, Value) {
    let (status, order) = api.post(&format!("/api/v1/subscriptions/{sub}/renewals"), json!({})).await;
    if status != StatusCode::CREATED {
        return (status, order);
    }
    let id = order["id"].as_str().unwrap().to_owned();
    assert_eq!(order["step"], "verify");
    assert_eq!(api.post(&format!("/api/v1/orders/{id}/verify"), json!({})).await.0, StatusCode::OK);
    let version = order["terms"]["version"].as_str().unwrap();
    assert_eq!(
        api.post(&format!("/api/v1/orders/{id}/accept-terms"), json!({"terms_version": version})).await.0,
        StatusCode::OK
    );
    let (_, cards) = api.get("/api/v1/payment-methods").await;
    let card = cards["data"][0]["id"].clone();
    assert_eq!(
        api.post(&format!("/api/v1/orders/{id}/payment-method"), json!({"payment_method_id": card})).await.0,
        StatusCode::OK
    );
    let (status, paid, _) = pay(api, &id, key).await;
    (status, paid)
}

#[tokio::test]
async fn renewing_early_after_turning_off_follows_on_and_turns_renewal_back_on() {
    let t = spawn_app().await;
    let (api, sub) = subscribed(&t, day(2027, 3, 15), GOOD_CARD).await;
    api.post(&format!("/api/v1/subscriptions/{sub}/turn-off-auto-renew"), json!({})).await;
    t.clock.set(Utc.with_ymd_and_hms(2027, 6, 1, 9, 0, 0).unwrap());
    let (status, body) = renew_by_hand(&api, &sub, "early").await;
    assert_eq!(status, StatusCode::CONFLICT, "before the window opens: {body}");
    assert!(body["detail"].as_str().unwrap().contains("Renewal opens on December 16, 2027"));

    t.clock.set(Utc.with_ymd_and_hms(2028, 1, 10, 9, 0, 0).unwrap());
    let (status, paid) = renew_by_hand(&api, &sub, "renew").await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    assert_eq!(
        (paid["term_start"].as_str(), paid["term_end"].as_str()),
        (Some("2028-03-15"), Some("2029-03-15")),
        "no day lost"
    );
    let s = subscription(&api, &sub).await;
    assert_eq!((s["auto_renew"].as_bool(), s["term_end"].as_str()), (Some(true), Some("2029-03-15")));
    run_until(&t, day(2028, 3, 20)).await;
    assert_eq!(sandbox_charges(&t).await, 2, "nothing more on the old anniversary");
}

#[tokio::test]
async fn renewing_late_starts_on_the_payment_day_and_after_the_window_is_refused() {
    let t = spawn_app().await;
    let (api, sub) = subscribed(&t, day(2027, 3, 15), GOOD_CARD).await;
    api.post(&format!("/api/v1/subscriptions/{sub}/turn-off-auto-renew"), json!({})).await;
    run_until(&t, day(2028, 4, 1)).await;
    assert_eq!(subscription(&api, &sub).await["status"], "expired");
    let (status, paid) = renew_by_hand(&api, &sub, "late").await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    assert_eq!((paid["term_start"].as_str(), paid["term_end"].as_str()), (Some("2028-04-01"), Some("2029-04-01")));
    assert_eq!(subscription(&api, &sub).await["status"], "active");

    let t = spawn_app().await;
    let (api, sub) = subscribed(&t, day(2027, 3, 15), GOOD_CARD).await;
    api.post(&format!("/api/v1/subscriptions/{sub}/turn-off-auto-renew"), json!({})).await;
    run_until(&t, day(2028, 4, 15)).await;
    let (status, body) = renew_by_hand(&api, &sub, "too-late").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body["detail"].as_str().unwrap().contains("closed on April 14, 2028"), "{body}");
}

#[tokio::test]
async fn a_failed_renewal_is_past_due_and_a_successful_retry_makes_it_active() {
    let t = spawn_app().await;
    let (api, sub) = subscribed(&t, day(2027, 3, 15), GOOD_CARD).await;
    // The newest card is the default: one that saves fine but whose charges fail.
    t.clock.advance(chrono::Duration::minutes(1));
    save_card(&api, CHARGES_FAIL).await;
    run_until(&t, day(2028, 3, 15)).await;
    let s = subscription(&api, &sub).await;
    assert_eq!(s["status"], "past_due", "{s}");
    assert!(
        notification_titles(&t).await.iter().any(|n| n.contains("Payment for your Action Pack subscription failed"))
    );
    assert!(t.emails_to("ada@contoso.example").await.iter().any(|e| e.contains("We will try again on March 16, 2028")));

    t.clock.advance(chrono::Duration::minutes(1));
    let (status, _) = api
        .post(
            "/api/v1/payment-methods",
            json!({"card": {"number": GOOD_CARD, "exp_month": "12", "exp_year": "2031", "cvc": "123"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    run_until(&t, day(2028, 3, 16)).await;
    let s = subscription(&api, &sub).await;
    assert_eq!(
        (s["status"].as_str(), s["term_start"].as_str(), s["term_end"].as_str()),
        (Some("active"), Some("2028-03-15"), Some("2029-03-15"))
    );
    assert_eq!(invoice_count(&t).await, 2);
}

#[tokio::test]
async fn failed_charges_retry_after_one_three_and_seven_days_then_expire() {
    let t = spawn_app().await;
    let (api, sub) = subscribed(&t, day(2027, 3, 15), GOOD_CARD).await;
    t.clock.advance(chrono::Duration::minutes(1));
    save_card(&api, CHARGES_FAIL).await;
    let mut attempts_by_day = Vec::new();
    for d in [
        day(2028, 3, 15),
        day(2028, 3, 16),
        day(2028, 3, 17),
        day(2028, 3, 18),
        day(2028, 3, 21),
        day(2028, 3, 22),
        day(2028, 3, 30),
    ] {
        let before = sandbox_charges(&t).await;
        run_until(&t, d).await;
        attempts_by_day.push((d, sandbox_charges(&t).await - before));
    }
    let charged_on: Vec<NaiveDate> = attempts_by_day.iter().filter(|(_, n)| *n > 0).map(|(d, _)| *d).collect();
    assert_eq!(charged_on, vec![day(2028, 3, 15), day(2028, 3, 16), day(2028, 3, 18), day(2028, 3, 22)]);
    assert_eq!(subscription(&api, &sub).await["status"], "expired");
    let titles = notification_titles(&t).await;
    assert_eq!(titles.iter().filter(|n| n.contains("failed")).count(), 3, "{titles:?}");
    assert_eq!(titles.iter().filter(|n| n.contains("has expired")).count(), 1);
    assert_eq!(invoice_count(&t).await, 1, "no invoice for failed charges");
}

#[tokio::test]
async fn an_expired_subscription_cannot_be_renewed_when_the_offer_was_bought_again() {
    let t = spawn_app().await;
    let (api, old) = subscribed(&t, day(2027, 3, 15), GOOD_CARD).await;
    api.post(&format!("/api/v1/subscriptions/{old}/turn-off-auto-renew"), json!({})).await;
    run_until(&t, day(2028, 3, 20)).await;
    let (order, _) = order_at_review(&api, GOOD_CARD).await;
    let (status, _, _) = pay(&api, &order, "again").await;
    assert_eq!(status, StatusCode::OK, "bought again after expiry");
    let (status, body) = api.post(&format!("/api/v1/subscriptions/{old}/renewals"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "already_held");
    assert_eq!(invoice_count(&t).await, 2);
}

#[tokio::test]
async fn renewal_charges_keep_to_the_gateway_rate_limit() {
    let t = spawn_app_with(|s| s.gateway_rate = Some(20)).await;
    let due = day(2027, 4, 1);
    app::generate::due_subscriptions(&t.app, 30, due, |_| {}).await.unwrap();
    t.clock.set(Utc.with_ymd_and_hms(2027, 4, 1, 0, 5, 0).unwrap());
    let start = std::time::Instant::now();
    let report = app::lifecycle::run_due(&t.app).await.unwrap();
    let took = start.elapsed();
    assert_eq!(report.charged, 30);
    assert!(
        took >= std::time::Duration::from_millis(1400),
        "30 charges at 20 a second take 1.45 s at least, took {took:?}"
    );
}

#[tokio::test]
async fn paying_a_past_due_subscription_by_hand_makes_it_active_and_follows_on() {
    let t = spawn_app().await;
    let (api, sub) = subscribed(&t, day(2027, 3, 15), GOOD_CARD).await;
    t.clock.advance(chrono::Duration::minutes(1));
    save_card(&api, CHARGES_FAIL).await;
    run_until(&t, day(2028, 3, 15)).await;
    assert_eq!(subscription(&api, &sub).await["status"], "past_due");
    t.clock.advance(chrono::Duration::hours(2));
    let (status, pm) = api
        .post(
            "/api/v1/payment-methods",
            json!({"card": {"number": GOOD_CARD, "exp_month": "12", "exp_year": "2031", "cvc": "123"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, order) = api.post(&format!("/api/v1/subscriptions/{sub}/renewals"), json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    let id = order["id"].as_str().unwrap();
    api.post(&format!("/api/v1/orders/{id}/verify"), json!({})).await;
    api.post(&format!("/api/v1/orders/{id}/accept-terms"), json!({"terms_version": order["terms"]["version"]})).await;
    api.post(&format!("/api/v1/orders/{id}/payment-method"), json!({"payment_method_id": pm["id"]})).await;
    let (status, paid, _) = pay(&api, id, "by-hand").await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    let s = subscription(&api, &sub).await;
    assert_eq!(
        (s["status"].as_str(), s["term_start"].as_str(), s["term_end"].as_str()),
        (Some("active"), Some("2028-03-15"), Some("2029-03-15"))
    );
    let charges = sandbox_charges(&t).await;
    run_until(&t, day(2028, 3, 25)).await;
    assert_eq!(sandbox_charges(&t).await, charges, "no retry after the manual payment");
}

#[tokio::test]
async fn turning_renewal_off_while_past_due_stops_the_retries() {
    let t = spawn_app().await;
    let (api, sub) = subscribed(&t, day(2027, 3, 15), GOOD_CARD).await;
    t.clock.advance(chrono::Duration::minutes(1));
    save_card(&api, CHARGES_FAIL).await;
    run_until(&t, day(2028, 3, 15)).await;
    assert_eq!(subscription(&api, &sub).await["status"], "past_due");
    let charges = sandbox_charges(&t).await;
    let (status, _) = api.post(&format!("/api/v1/subscriptions/{sub}/turn-off-auto-renew"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    run_until(&t, day(2028, 3, 30)).await;
    assert_eq!(sandbox_charges(&t).await, charges, "no retry after turning renewal off");
    assert_eq!(subscription(&api, &sub).await["status"], "expired");
}

#[tokio::test]
async fn an_order_set_aside_by_subscribe_now_cannot_be_paid() {
    let t = spawn_app().await;
    let (api, sub) = subscribed(&t, day(2027, 3, 15), GOOD_CARD).await;
    api.post(&format!("/api/v1/subscriptions/{sub}/turn-off-auto-renew"), json!({})).await;
    run_until(&t, day(2028, 3, 20)).await;
    let (_, renewal) = api.post(&format!("/api/v1/subscriptions/{sub}/renewals"), json!({})).await;
    let renewal = renewal["id"].as_str().unwrap().to_owned();
    api.post(&format!("/api/v1/orders/{renewal}/verify"), json!({})).await;
    let (order, _) = order_at_review(&api, GOOD_CARD).await;
    assert_ne!(order, renewal, "Subscribe now set the renewal aside");
    let (status, body, _) = pay(&api, &renewal, "stale-tab").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "order_closed");
    let (status, _, _) = pay(&api, &order, "buy-again").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(invoice_count(&t).await, 2, "one purchase, one re-purchase, no double charge");
}

#[tokio::test]
async fn a_renewal_that_cannot_proceed_waits_for_its_lease_instead_of_spinning() {
    let t = spawn_app().await;
    let (api, sub) = subscribed(&t, day(2027, 3, 15), GOOD_CARD).await;
    t.clock.set(Utc.with_ymd_and_hms(2028, 3, 1, 9, 0, 0).unwrap());
    let (status, order) = api.post(&format!("/api/v1/subscriptions/{sub}/renewals"), json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    // A manual renewal whose payment is out at the gateway (a request still waiting, say).
    let (_, cards) = api.get("/api/v1/payment-methods").await;
    let mut tx = t.app.store().write().await.unwrap();
    let attempt = store::orders::AttemptRecord {
        id: domain::ids::PaymentAttemptId::from_random([0; 16]),
        order_id: order["id"].as_str().unwrap().parse().unwrap(),
        idempotency_key: "in-flight".into(),
        payment_method_id: cards["data"][0]["id"].as_str().unwrap().parse().unwrap(),
        gateway: "sandbox".into(),
        amount: domain::money::Money::new(47500, domain::money::Currency::Usd),
        status: domain::order::AttemptStatus::Pending,
        created_at: t.clock.now(),
    };
    store::orders::insert_attempt(&mut tx, &attempt).await.unwrap();
    // As Buy does: the order is `paying` exactly while its attempt is pending.
    store::orders::update(&mut tx, &attempt.order_id, store::orders::OrderUpdate::Paying).await.unwrap();
    tx.commit().await.unwrap();

    let charges = sandbox_charges(&t).await;
    t.clock.set(Utc.with_ymd_and_hms(2028, 3, 15, 0, 5, 0).unwrap());
    let run = tokio::time::timeout(std::time::Duration::from_secs(30), app::lifecycle::run_due(&t.app)).await;
    let report = run.expect("the run ends").unwrap();
    assert_eq!(report.charged, 0, "no charge while another payment for the subscription is out");
    assert_eq!(sandbox_charges(&t).await, charges);
    assert_eq!(
        subscription(&api, &sub).await["term_end"],
        "2028-03-15",
        "still due, to be tried when its lease runs out"
    );
}
