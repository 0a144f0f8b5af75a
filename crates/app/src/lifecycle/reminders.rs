//! The reminders and notices of subscriptions ending soon, each sent once (by its key).

use crate::error::AppError;
use crate::state::App;
use crate::subscription::{notify, today};
use crate::text::Text;
use chrono::NaiveDate;
use domain::subscription::Reminder;
use i18n::key;
use store::subscriptions::SubscriptionRecord;

/// Sends the reminders and notices due today that have not gone out yet.
pub(super) async fn send_reminders(app: &App) -> Result<usize, AppError> {
    let today = today(app);
    let mut sent = 0;
    // Page by page: a big program has many subscriptions ending in the next two months.
    let mut after = (today - chrono::Duration::days(1), None);
    loop {
        let subs = {
            let mut conn = app.store().read().await?;
            let to = today + chrono::Duration::days(60);
            store::subscriptions::reminder_candidates(&mut conn, today, to, (after.0, after.1.as_ref()), 500).await?
        };
        let Some(last) = subs.last() else { return Ok(sent) };
        after = (last.term_end, Some(last.id.clone()));
        sent += send_reminders_to(app, today, subs).await?;
    }
}

async fn send_reminders_to(app: &App, today: NaiveDate, subs: Vec<SubscriptionRecord>) -> Result<usize, AppError> {
    let mut sent = 0;
    // A subscription staff cancelled at the end of its term is not reminded to renew.
    for sub in subs.into_iter().filter(|s| !s.ends_cancelled) {
        let schedule = Reminder::schedule(sub.term_end, sub.auto_renew);
        // Only the latest reminder due is sent: one that a later one has overtaken (automatic
        // renewal turned off late, or a run missed) would tell the wrong number of days.
        let Some((_, reminder)) = schedule.iter().rev().find(|(day, _)| *day <= today).copied() else { continue };
        let (title, body) = match reminder {
            Reminder::ExpiresIn(0) => (
                Text::new(key("notification-expires-today-title")).arg("offer", &sub.offer_name),
                Text::new(key("notification-expires-today-body"))
                    .arg("offer", &sub.offer_name)
                    .day("day", sub.term_end),
            ),
            Reminder::ExpiresIn(days) => (
                Text::new(key("notification-expires-in-title")).arg("offer", &sub.offer_name).count("days", days),
                Text::new(key("notification-expires-in-body")).arg("offer", &sub.offer_name).day("day", sub.term_end),
            ),
            Reminder::ChargeIn(days) => (
                Text::new(key("notification-renews-in-title")).arg("offer", &sub.offer_name).count("days", days),
                Text::new(key("notification-renews-in-body"))
                    .arg("offer", &sub.offer_name)
                    .day("day", sub.term_end)
                    .money("price", sub.price),
            ),
        };
        let mut tx = app.store().write().await?;
        let dedupe = format!("{}:{}", sub.term_end, reminder.key());
        if notify(app, &mut tx, &sub, &dedupe, title, body).await? {
            sent += 1;
        }
        tx.commit().await?;
    }
    Ok(sent)
}
