//! Two workers on one database renewing many subscriptions due on the same day: every one
//! charged exactly once, invoices numbered without gaps.

use crate::checkout::sandbox_charges;
use crate::helpers::*;
use chrono::{NaiveDate, TimeZone, Utc};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_renew_every_due_subscription_exactly_once() {
    let count: usize = std::env::var("PARTNERHUB_TEST_RENEWALS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let first = spawn_app().await;
    let second = spawn_second_node(&first).await;
    let due = NaiveDate::from_ymd_opt(2027, 4, 1).unwrap();
    let made = app::generate::due_subscriptions(&first.app, count, due, |_| {}).await.unwrap();
    assert_eq!(made, count);
    let start = std::time::Instant::now();
    for t in [&first, &second] {
        t.clock.set(Utc.with_ymd_and_hms(2027, 4, 1, 0, 5, 0).unwrap());
    }
    let (a, b) = tokio::join!(app::lifecycle::run_due(&first.app), app::lifecycle::run_due(&second.app));
    let (a, b) = (a.unwrap(), b.unwrap());
    eprintln!("{count} renewals by two workers in {:?} ({} + {})", start.elapsed(), a.charged, b.charged);
    assert_eq!(a.charged + b.charged, count, "every subscription renewed once");
    assert_eq!(sandbox_charges(&first).await, count as i64, "charged once each");
    let mut conn = first.app.store().read().await.unwrap();
    let numbers = store::invoices::numbers(&mut conn).await.unwrap();
    let expected: Vec<String> = (1..=count).map(|n| format!("INV-2027-{n:06}")).collect();
    assert!(numbers == expected, "invoice numbers are 1..{count} without gaps or repeats");
    let renewed: i64 = store::sql::query_scalar(
        "SELECT COUNT(*) FROM subscriptions WHERE term_end = '2028-04-01' AND status = 'active'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(renewed, count as i64);
}

/// One batch holding every kind of due subscription: most renew together; a card that is
/// refused, an org without a card and a subscription with renewal turned off each get their
/// own outcome, and the invoices of the others still run without a gap.
#[tokio::test]
async fn a_mixed_batch_renews_the_plain_ones_and_hands_the_rest_their_own_outcome() {
    let t = spawn_app().await;
    let due = NaiveDate::from_ymd_opt(2027, 4, 1).unwrap();
    app::generate::due_subscriptions(&t.app, 40, due, |_| {}).await.unwrap();
    let mut conn = t.app.store().read().await.unwrap();
    let picked: Vec<(String, String)> = store::sql::query("SELECT id, org_id FROM subscriptions ORDER BY id LIMIT 3")
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.try_get("id").unwrap(), r.try_get("org_id").unwrap()))
        .collect();
    let mut tx = t.app.store().write().await.unwrap();
    let [(refused, refused_org), (no_card, no_card_org), (off, _)] = <[_; 3]>::try_from(picked).unwrap();
    for (sql, arg) in [
        (
            "UPDATE sandbox_cards SET declines_with = 'card_declined' WHERE token IN \
             (SELECT gateway_ref FROM payment_methods WHERE org_id = $1)",
            &refused_org,
        ),
        ("UPDATE payment_methods SET gateway = 'stripe' WHERE org_id = $1", &no_card_org),
        ("UPDATE subscriptions SET auto_renew = 0 WHERE id = $1", &off),
    ] {
        store::sql::query(sql).bind(arg).execute(&mut tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    t.clock.set(Utc.with_ymd_and_hms(2027, 4, 1, 0, 5, 0).unwrap());
    let report = app::lifecycle::run_due(&t.app).await.unwrap();
    // Charges sent: 37 taken and one refused; an org without a card fails without a charge.
    assert_eq!((report.charged, report.expired), (38, 1), "{report:?}");

    let status = |id: String| {
        let store = t.app.store().clone();
        async move {
            let mut conn = store.read().await.unwrap();
            store::sql::query_scalar::<_, String>("SELECT status FROM subscriptions WHERE id = $1")
                .bind(id)
                .fetch_one(&mut conn)
                .await
                .unwrap()
        }
    };
    assert_eq!(status(refused).await, "past_due");
    assert_eq!(status(no_card).await, "past_due");
    assert_eq!(status(off).await, "expired");
    let renewed: i64 = store::sql::query_scalar(
        "SELECT COUNT(*) FROM subscriptions WHERE term_end = '2028-04-01' AND status = 'active'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(renewed, 37);
    assert_eq!(sandbox_charges(&t).await, 38, "37 taken and one refused; nothing charged for the other two");
    let numbers = store::invoices::numbers(&mut conn).await.unwrap();
    let expected: Vec<String> = (1..=37).map(|n| format!("INV-2027-{n:06}")).collect();
    assert!(numbers == expected, "{numbers:?}");
    let receipts: i64 =
        store::sql::query_scalar("SELECT COUNT(*) FROM outbox_emails WHERE subject LIKE 'Receipt for%'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(receipts, 37, "one receipt per renewal");
}
