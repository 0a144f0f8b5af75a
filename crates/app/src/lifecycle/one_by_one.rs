//! The due subscriptions a batch left for more care, one at a time: a retry of a failed charge,
//! an expiry, or an earlier try to finish.

use crate::actor::Origin;
use crate::audit::Who;
use crate::error::AppError;
use crate::payment;
use crate::state::App;
use crate::subscription::{check_can_renew, record_end, record_expiry, renewal_failed, renewal_order, today};
use domain::order::{self, AttemptStatus, OrderKind, OrderStatus, Step};
use domain::subscription::Status;
use store::orders::OrderUpdate;
use store::subscriptions::Ending;
use store::subscriptions::SubscriptionRecord;

/// What [`one_by_one`] did, for the run's report.
#[derive(Default)]
pub(super) struct Handled {
    pub charged: usize,
    pub finished: usize,
    pub expired: usize,
}

/// Whatever a batch left for more care (a retry, an expiry, an earlier try to finish), one
/// subscription at a time.
pub(super) async fn one_by_one(app: &App, subs: Vec<SubscriptionRecord>) -> Result<Handled, AppError> {
    let mut report = Handled::default();
    for sub in subs {
        let outcome = crate::state::retrying_deadlocks(|| process_due(app, &sub)).await;
        match &outcome {
            Ok(Done::Charged) => report.charged += 1,
            Ok(Done::Finished) => report.finished += 1,
            Ok(Done::Expired) => report.expired += 1,
            Ok(Done::Nothing | Done::Waiting(_)) => {}
            Err(e) => tracing::warn!(subscription = %sub.id, error = %e, "renewal failed; it stays due"),
        }
        // Renewing, failing and expiring give the lease back in their own transaction; one
        // with nothing to do is released here, and one that waits for an earlier try keeps it
        // until that try may be given up on. One that met an error keeps its lease until it
        // runs out, so that the next try waits rather than spinning.
        let lease = match outcome {
            Ok(Done::Nothing | Done::Finished) => None,
            // Never in the past: a try that cannot be reconciled now is not claimed again at once.
            Ok(Done::Waiting(until)) => Some(until.max(app.wall_now() + chrono::Duration::seconds(5))),
            _ => continue,
        };
        let mut tx = app.store().write().await?;
        match lease {
            None => store::subscriptions::release(&mut tx, &sub.id).await?,
            Some(until) => store::subscriptions::lease_until(&mut tx, &sub.id, until).await?,
        }
        tx.commit().await?;
    }
    Ok(report)
}

enum Done {
    /// A charge went to the gateway.
    Charged,
    /// An earlier try's charge was found and recorded (or its decline): nothing sent now.
    Finished,
    Expired,
    Nothing,
    /// An earlier try's payment attempt is still out, perhaps on its way from another worker;
    /// it may be given up on from this instant (wall clock).
    Waiting(chrono::DateTime<chrono::Utc>),
}

/// Does what is due for a claimed subscription, deciding on a fresh copy read under the org's
/// lock: the claimed copy may be stale (turned off since, or handled by another worker whose
/// lease it outlived).
#[tracing::instrument(name = "renewal", skip_all, fields(subscription = %sub.id, org = %sub.org_id))]
async fn process_due(app: &App, sub: &SubscriptionRecord) -> Result<Done, AppError> {
    // Wait for a charge turn before anything is written, so that an attempt's time is the time
    // it goes to the gateway.
    app.charge_turn().await;
    let today = today(app);
    let mut tx = app.store().write().await?;
    store::orgs::lock(&mut tx, &sub.org_id).await?;
    let current = store::subscriptions::get(&mut tx, &sub.id).await?.ok_or(AppError::NotFound("subscription"))?;
    let status = current.status;
    let due = match status {
        Status::Active => current.term_end <= today,
        Status::PastDue => current.next_retry_on.is_some_and(|d| d <= today),
        Status::Expired | Status::Cancelled => false,
    };
    if !due || current.term_end != sub.term_end {
        return Ok(Done::Nothing);
    }
    if !current.auto_renew && current.ends_cancelled {
        store::subscriptions::end(&mut tx, &current.id, Ending::Cancelled).await?;
        let why = i18n::key("notification-why-cancelled-at-term-end");
        record_end(app, &mut tx, &current, Status::Cancelled, why).await?;
        tx.commit().await?;
        return Ok(Done::Expired);
    }
    if !current.auto_renew {
        let why = if status == Status::PastDue {
            i18n::key("notification-why-renewal-off-after-failure")
        } else {
            i18n::key("notification-why-renewal-off")
        };
        store::subscriptions::end(&mut tx, &current.id, Ending::Expired).await?;
        record_expiry(app, &mut tx, &current, why).await?;
        tx.commit().await?;
        return Ok(Done::Expired);
    }
    charge_auto_renewal(app, tx, &current).await
}

/// Charges one automatic renewal (or its retry): the order of the term, a new attempt keyed for
/// the gateway, the charge, then the settlement shared with checkout. An earlier try still
/// pending is reconciled first; given up on (it never reached the gateway), the renewal is
/// charged now.
async fn charge_auto_renewal(app: &App, tx: store::Tx, sub: &SubscriptionRecord) -> Result<Done, AppError> {
    let pending = match charge_or_find_pending(app, tx, sub).await? {
        Tried::Charged => return Ok(Done::Charged),
        Tried::NotCharged => return Ok(Done::Nothing),
        Tried::Pending(pending) => pending,
    };
    payment::reconcile_attempt(app, &pending).await?;
    let status = store::orders::attempt_status(&mut app.store().read().await?, &pending.id).await?;
    match status {
        Some(AttemptStatus::Pending) => Ok(Done::Waiting(pending.created_at + app.settings().abandon_after)),
        Some(AttemptStatus::Abandoned) => {
            // Nothing was charged: renew now, under the org's lock again.
            app.charge_turn().await;
            let mut tx = app.store().write().await?;
            store::orgs::lock(&mut tx, &sub.org_id).await?;
            let current =
                store::subscriptions::get(&mut tx, &sub.id).await?.ok_or(AppError::NotFound("subscription"))?;
            if current.term_end != sub.term_end || current.status != sub.status || !current.auto_renew {
                return Ok(Done::Nothing);
            }
            Ok(match charge_or_find_pending(app, tx, &current).await? {
                Tried::Charged => Done::Charged,
                Tried::NotCharged => Done::Nothing,
                Tried::Pending(again) => Done::Waiting(again.created_at + app.settings().abandon_after),
            })
        }
        _ => Ok(Done::Finished),
    }
}

/// What [`charge_or_find_pending`] did.
enum Tried {
    Charged,
    /// Nothing to charge (paid already) or nothing to charge with (no card: a failed try).
    NotCharged,
    /// An earlier try's attempt is still pending; nothing was sent.
    Pending(store::orders::AttemptRecord),
}

/// Charges the renewal, or gives back the attempt of an earlier try still pending.
async fn charge_or_find_pending(app: &App, mut tx: store::Tx, sub: &SubscriptionRecord) -> Result<Tried, AppError> {
    let catalog = app.catalog();
    let origin = Origin::system("renewal run");
    let order = match store::orders::auto_renewal(&mut tx, &sub.id, sub.term_end).await? {
        Some(order) => order,
        None => {
            let offer = catalog.offer(&sub.offer_code).ok_or(AppError::NotFound("offer"))?;
            let org = store::orgs::get(&mut tx, &sub.org_id).await?.ok_or(AppError::NotFound("org"))?;
            let country =
                catalog.country(&org.country).ok_or_else(|| AppError::internal("country left the catalog"))?;
            let quote = order::quote(offer, country)
                .map_err(|r| AppError::Conflict { code: "cannot_renew", message: crate::order::refusal(&r) })?;
            let mut order = renewal_order(
                app,
                sub,
                &quote,
                OrderKind::AutoRenewal,
                Step::Review,
                "renewal run",
                offer.terms_code().as_str(),
            );
            order.country = org.country;
            store::orders::insert(&mut tx, &order).await?;
            order
        }
    };
    if order.status == OrderStatus::Paid {
        return Ok(Tried::NotCharged);
    }
    if let Some(pending) = store::orders::pending_attempt(&mut tx, &order.id).await? {
        return Ok(Tried::Pending(pending));
    }
    check_can_renew(app, &mut tx, &order).await?;
    let cards = store::payment_methods::list_in_org(&mut tx, &sub.org_id, app.gateway().name()).await?;
    let customer = store::payment_methods::customer(&mut tx, &sub.org_id, app.gateway().name()).await?;
    let n = store::orders::count_attempts(&mut tx, &order.id).await? + 1;
    // The default card is the org's newest.
    let (Some(card), Some(customer)) = (cards.first(), customer) else {
        tx.commit().await?;
        let mut tx = app.store().write().await?;
        let declined = OrderUpdate::Declined { step: Step::Payment, reason: "no card on file" };
        store::orders::update(&mut tx, &order.id, declined).await?;
        renewal_failed(app, &mut tx, &order, "there is no card on file").await?;
        tx.commit().await?;
        return Ok(Tried::NotCharged);
    };
    let attempt = payment::new_attempt(app, &order, &card.id, n);
    store::orders::insert_attempt(&mut tx, &attempt).await?;
    store::orders::set_step(&mut tx, &order.id, Step::Review, None, Some(&card.id)).await?;
    store::orders::update(&mut tx, &order.id, OrderUpdate::Paying).await?;
    tx.commit().await?;
    let amount = order.total;
    let description = format!("Automatic renewal of the {} subscription, order {}", order.offer_name, order.id);
    let answer =
        app.gateway().charge(&customer, &card.gateway_ref, amount, &attempt.idempotency_key, &description).await;
    match payment::settle(app, &attempt, answer, Who::system("renewal run"), &origin).await {
        Ok(()) | Err(AppError::PaymentPending) => Ok(Tried::Charged),
        Err(e) => Err(e),
    }
}
