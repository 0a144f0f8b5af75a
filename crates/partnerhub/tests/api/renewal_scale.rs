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
    let renewed: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM subscriptions WHERE term_end = '2028-04-01' AND status = 'active'")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert_eq!(renewed, count as i64);
}
