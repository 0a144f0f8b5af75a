//! The life of a subscription after Buy: turning automatic renewal off, renewing by hand
//! through the wizard, and the renewal run (automatic renewals on the anniversary, retries of
//! failed charges, expiry, reminders), which several workers may run at once.
//!
//! Exactly once: a worker leases the subscriptions it works on; each automatic renewal is one
//! order per subscription and term (a unique index), each charge try an attempt with its own
//! idempotency key sent to the gateway; the new term is written only if the subscription still
//! ends where the renewal expected (compare and set); each reminder has a unique key.

use crate::actor::{Actor, Origin, PartnerUser};
use crate::audit::{self, Change, Who};
use crate::checkout::{self, money};
use crate::error::AppError;
use crate::state::App;
use chrono::NaiveDate;
use domain::ids::{NotificationId, OrderId};
use domain::order::{self, OrderStatus, Step};
use domain::roles::{PartnerPermission, PartnerRole};
use domain::subscription::{Reminder, Status, Subscription};
use domain::term::{Term, program_day};
use std::str::FromStr;
use std::sync::Mutex;
use store::notifications::Notification;
use store::orders::OrderRecord;
use store::subscriptions::SubscriptionRecord;

mod batch;

/// How many subscriptions a worker claims at a time when charges are paced by a rate limit or
/// sent one by one (Stripe): small enough that each is sent well within the lease and long
/// before reconciliation would give its attempt up.
const PACED_BATCH: i64 = 50;
/// How many when the sandbox takes a whole batch of charges at once.
const SANDBOX_BATCH: i64 = 1000;

fn rules(s: &SubscriptionRecord) -> Subscription {
    Subscription {
        status: s.status.parse().unwrap_or(Status::Expired),
        auto_renew: s.auto_renew,
        anchor: s.anchor_date,
        term: Term { start: s.term_start, end: s.term_end },
    }
}

pub(crate) fn today(app: &App) -> NaiveDate {
    program_day(app.now(), app.catalog().program().time_zone())
}

fn refused(r: domain::subscription::Refusal) -> AppError {
    AppError::Conflict { code: "not_allowed_now", message: r.to_string() }
}

/// Turn off automatic renewal (Billing admin, Account admin, Global admin). One way: only a
/// renewal turns it back on.
pub async fn turn_off_auto_renew(
    app: &App,
    actor: &PartnerUser,
    id: &str,
    origin: &Origin,
) -> Result<SubscriptionRecord, AppError> {
    if !actor.role.allows(PartnerPermission::ManageBilling) && !actor.role.allows(PartnerPermission::ManageOffers) {
        return Err(AppError::Forbidden("your role does not allow you to change subscriptions".into()));
    }
    let mut tx = app.store().write().await?;
    store::orgs::lock(&mut tx, &actor.org_id).await?;
    let sub = store::subscriptions::get_in_org(&mut tx, &actor.org_id, id)
        .await?
        .ok_or(AppError::NotFound("subscription"))?;
    rules(&sub).turn_off_auto_renew().map_err(refused)?;
    store::subscriptions::turn_off_auto_renew(&mut tx, &actor.org_id, id).await?;
    let detail =
        format!("turned off automatic renewal of the {} subscription (term ends {})", sub.offer_name, sub.term_end);
    let change = Change { org: Some(&actor.org_id), action: "subscription.auto_renew_disabled", subject: id, detail };
    audit::record(app, &mut tx, Who::actor(&Actor::Partner(actor.clone())), origin, change).await?;
    let mut data = crate::webhooks::subscription_data(&sub);
    data["auto_renew"] = false.into();
    crate::webhooks::emit_one(app, &mut tx, "subscription.auto_renew_disabled", &sub.org_id, &sub.id, data).await?;
    tx.commit().await?;
    let mut conn = app.store().read().await?;
    store::subscriptions::get_in_org(&mut conn, &actor.org_id, id).await?.ok_or(AppError::NotFound("subscription"))
}

/// Actions → Renew subscriptions: the open renewal order of the subscription, or a new one at
/// the verify step.
pub async fn start_renewal(app: &App, actor: &PartnerUser, id: &str, origin: &Origin) -> Result<OrderRecord, AppError> {
    actor.require(PartnerPermission::ManageBilling, "renew subscriptions; ask a Billing admin or a Global admin")?;
    actor.require_verified_email("renew a subscription")?;
    let catalog = app.catalog();
    let mut tx = app.store().write().await?;
    store::orgs::lock(&mut tx, &actor.org_id).await?;
    let sub = store::subscriptions::get_in_org(&mut tx, &actor.org_id, id)
        .await?
        .ok_or(AppError::NotFound("subscription"))?;
    if let Some(draft) = store::orders::open_draft(&mut tx, &actor.org_id, &sub.offer_code).await? {
        if draft.subscription_id.as_deref() == Some(id) {
            return Ok(draft);
        }
        checkout::abandon_draft(&mut tx, &draft).await?;
    }
    rules(&sub).manual_renewal(today(app)).map_err(refused)?;
    another_live_subscription(app, &mut tx, &sub).await?;
    let offer = catalog.offer(&sub.offer_code).ok_or(AppError::NotFound("offer"))?;
    let org = store::orgs::get(&mut tx, &actor.org_id).await?.ok_or(AppError::NotFound("org"))?;
    let country = catalog.country(&org.country).ok_or_else(|| AppError::Internal("country left the catalog".into()))?;
    let quote = order::quote(offer, country)
        .map_err(|r| AppError::Conflict { code: "cannot_renew", message: r.to_string() })?;
    let draft =
        renewal_order(app, &sub, &quote, "renewal", Step::Verify, actor.id.as_str(), offer.terms_code().as_str());
    store::orders::insert(&mut tx, &draft).await?;
    let change = Change {
        org: Some(&actor.org_id),
        action: "order.started",
        subject: &draft.id,
        detail: format!("started the renewal of the {} subscription", sub.offer_name),
    };
    audit::record(app, &mut tx, Who::actor(&Actor::Partner(actor.clone())), origin, change).await?;
    tx.commit().await?;
    Ok(draft)
}

fn renewal_order(
    app: &App,
    sub: &SubscriptionRecord,
    quote: &order::Quote,
    kind: &str,
    step: Step,
    by: &str,
    terms_code: &str,
) -> OrderRecord {
    OrderRecord {
        id: app.new_id(OrderId::from_random).to_string(),
        org_id: sub.org_id.clone(),
        offer_code: sub.offer_code.clone(),
        offer_name: sub.offer_name.clone(),
        status: OrderStatus::Draft.as_str().into(),
        step: step.as_str().into(),
        country: String::new(),
        currency: quote.net.currency().code().into(),
        net_minor: quote.net.minor(),
        tax_minor: quote.tax.minor(),
        total_minor: quote.total.minor(),
        tax_rate_bp: i64::from(quote.tax_rate.basis_points()),
        terms_code: terms_code.into(),
        terms_version: None,
        payment_method_id: None,
        last_decline: None,
        created_by: by.into(),
        created_at: app.now(),
        paid_at: None,
        term_start: None,
        term_end: None,
        subscription_id: Some(sub.id.clone()),
        invoice_id: None,
        kind: kind.into(),
        renews_term_end: Some(sub.term_end),
        credit_minor: 0,
        replaces_subscription_id: None,
    }
}

/// The term an order would buy if paid today (for the verify and review steps).
pub async fn preview_term(app: &App, order: &OrderRecord) -> Result<Term, AppError> {
    let Some(sub_id) = order.subscription_id.as_deref() else { return Ok(Term::first(today(app))) };
    let mut conn = app.store().read().await?;
    let sub = store::subscriptions::get(&mut conn, sub_id).await?.ok_or(AppError::NotFound("subscription"))?;
    Ok(match rules(&sub).manual_renewal(today(app)) {
        Ok(renewal) => renewal.term,
        Err(_) => rules(&sub).next_term(),
    })
}

/// An offer sold one per org cannot be renewed while the org holds another live subscription to
/// it (bought again after this one expired).
async fn another_live_subscription(app: &App, tx: &mut store::Conn, sub: &SubscriptionRecord) -> Result<(), AppError> {
    let one_per_org = app.catalog().offer(&sub.offer_code).is_some_and(|o| o.one_per_org());
    if !one_per_org || Status::from_str(&sub.status).is_ok_and(Status::is_live) {
        return Ok(());
    }
    let live = store::subscriptions::live_offer_codes(tx, &sub.org_id).await?;
    if live.contains(&sub.offer_code) {
        return Err(AppError::Conflict {
            code: "already_held",
            message: format!("Your org already has a live {} subscription; renew that one instead.", sub.offer_name),
        });
    }
    Ok(())
}

/// Before a renewal is charged (inside the Buy transaction, the org locked): the subscription
/// still ends where the order says, the window is open, and no other charge for it is out.
pub(crate) async fn check_can_renew(app: &App, tx: &mut store::Conn, order: &OrderRecord) -> Result<(), AppError> {
    let sub_id = order.subscription_id.as_deref().ok_or(AppError::NotFound("subscription"))?;
    let sub = store::subscriptions::get(tx, sub_id).await?.ok_or(AppError::NotFound("subscription"))?;
    if Some(sub.term_end) != order.renews_term_end {
        return Err(AppError::Conflict {
            code: "already_renewed",
            message: "this term has been renewed already".into(),
        });
    }
    if order.kind == "renewal" {
        rules(&sub).manual_renewal(today(app)).map_err(refused)?;
        another_live_subscription(app, tx, &sub).await?;
    }
    if store::orders::pending_attempt_for_subscription(tx, sub_id).await? {
        return Err(AppError::Conflict {
            code: "payment_in_progress",
            message: "a payment for this subscription is being processed".into(),
        });
    }
    Ok(())
}

/// Writes the new term of a paid renewal (inside the completing transaction); returns it.
pub(crate) async fn apply_renewal(
    app: &App,
    tx: &mut store::Conn,
    order: &OrderRecord,
    payment_method_id: &str,
) -> Result<Term, AppError> {
    let sub_id = order.subscription_id.as_deref().ok_or(AppError::NotFound("subscription"))?;
    let sub = store::subscriptions::get(tx, sub_id).await?.ok_or(AppError::NotFound("subscription"))?;
    let current = rules(&sub);
    let renewal = if order.kind == "auto_renewal" {
        domain::subscription::Renewal { term: current.next_term(), anchor: current.anchor }
    } else {
        // The window was checked before the charge; a payment that lands just after it closed
        // still buys its year rather than being lost.
        current
            .manual_renewal(today(app))
            .unwrap_or(domain::subscription::Renewal { term: Term::first(today(app)), anchor: today(app) })
    };
    let expected = order.renews_term_end.unwrap_or(sub.term_end);
    if !store::subscriptions::renew(
        tx,
        sub_id,
        expected,
        renewal.anchor,
        renewal.term.start,
        renewal.term.end,
        payment_method_id,
    )
    .await?
    {
        tracing::error!(order = %order.id, subscription = sub_id, "a renewal was paid for a term already renewed; refund it");
    }
    store::competencies::revive_for_subscription(tx, sub_id).await?;
    Ok(renewal.term)
}

/// After a failed automatic renewal charge (inside the settling transaction): past due with
/// the next retry, or expired when the retries are spent; the org is told either way.
pub(crate) async fn renewal_failed(
    app: &App,
    tx: &mut store::Conn,
    order: &OrderRecord,
    reason: &str,
) -> Result<(), AppError> {
    let Some(sub_id) = order.subscription_id.as_deref() else { return Ok(()) };
    let Some(sub) = store::subscriptions::get(tx, sub_id).await? else { return Ok(()) };
    let due = order.renews_term_end.unwrap_or(sub.term_end);
    let retries = Subscription::retry_days(due);
    let done = if sub.status == "past_due" { sub.retries_done + 1 } else { 0 };
    let next = usize::try_from(done).ok().and_then(|i| retries.get(i)).copied();
    let link = format!("{}/subscriptions/{}", app.settings().public_url, sub.id);
    match next {
        Some(next) => {
            store::subscriptions::set_past_due(tx, sub_id, done, Some(next)).await?;
            let mut data = crate::webhooks::subscription_data(&sub);
            data["status"] = "past_due".into();
            data["reason"] = reason.into();
            data["next_retry_on"] = serde_json::json!(next);
            crate::webhooks::emit_one(app, tx, "subscription.renewal_failed", &sub.org_id, &sub.id, data).await?;
            let body = format!(
                "The automatic renewal of your {} subscription could not be charged: {reason}\n\nWe will try again on {next} with the newest card on file. Until then your benefits continue. Add a card: {cards}\nOr renew now: {link}\n",
                sub.offer_name,
                cards = format_args!("{}/payment-methods", app.settings().public_url),
            );
            let title = format!("Payment for your {} subscription failed", sub.offer_name);
            notify(app, tx, &sub, &format!("{due}:charge-failed-{done}"), &title, body).await.map(|_| ())
        }
        None => {
            store::subscriptions::set_status(tx, sub_id, Status::Expired.as_str()).await?;
            record_expiry(app, tx, &sub, "the renewal payment failed after every retry").await
        }
    }
}

async fn record_expiry(app: &App, tx: &mut store::Conn, sub: &SubscriptionRecord, why: &str) -> Result<(), AppError> {
    record_end(app, tx, sub, Status::Expired, why).await
}

/// The end of a subscription at its term's end, `Expired` or (staff cancelled it at the end of
/// its term) `Cancelled`: the webhook, the audit row, its benefits and competency, the notice.
async fn record_end(
    app: &App,
    tx: &mut store::Conn,
    sub: &SubscriptionRecord,
    end: Status,
    why: &str,
) -> Result<(), AppError> {
    let (event, verb, title) = match end {
        Status::Cancelled => ("subscription.cancelled", "was cancelled", "has ended"),
        _ => ("subscription.expired", "expired", "has expired"),
    };
    let mut data = crate::webhooks::subscription_data(sub);
    data["status"] = end.as_str().into();
    data["reason"] = why.into();
    crate::webhooks::emit_one(app, tx, event, &sub.org_id, &sub.id, data).await?;
    let change = Change {
        org: Some(&sub.org_id),
        action: event,
        subject: &sub.id,
        detail: format!("the {} subscription {verb}: {why}", sub.offer_name),
    };
    audit::record(app, tx, Who::system("renewal run"), &Origin::system("renewal run"), change).await?;
    crate::benefits::end(app, tx, &sub.id).await?;
    store::competencies::expire_for_subscription(tx, &sub.id, app.now()).await?;
    let again = match end {
        Status::Cancelled => "You can subscribe again under Partnership > Offers.",
        _ => "You can subscribe again under Partnership > Offers (or renew it within 30 days of its end).",
    };
    let body = format!(
        "Your {} subscription ended on {}: {why}. Its benefits have ended. {again}\n",
        sub.offer_name, sub.term_end
    );
    let title = format!("Your {} subscription {title}", sub.offer_name);
    notify(app, tx, sub, &format!("{}:expired", sub.term_end), &title, body).await.map(|_| ())
}

/// Records a notification once (by its key) and e-mails it to the org's Billing and Global
/// admins; `false` if it had been sent before.
async fn notify(
    app: &App,
    tx: &mut store::Conn,
    sub: &SubscriptionRecord,
    key: &str,
    title: &str,
    body: String,
) -> Result<bool, AppError> {
    let n = Notification {
        id: app.new_id(NotificationId::from_random).to_string(),
        org_id: sub.org_id.clone(),
        subscription_id: Some(sub.id.clone()),
        dedupe_key: format!("{}:{key}", sub.id),
        title: title.to_owned(),
        body: body.clone(),
        created_at: app.now(),
    };
    if !store::notifications::insert_once(tx, &n).await? {
        return Ok(false);
    }
    let users = store::users::list_in_org(tx, &sub.org_id).await?;
    for user in users.iter().filter(|u| matches!(u.role, PartnerRole::BillingAdmin | PartnerRole::GlobalAdmin)) {
        crate::outbox::queue(app, tx, user.email.as_str(), title, format!("Hello {},\n\n{body}", user.name)).await?;
    }
    Ok(true)
}

/// What one pass of the renewal run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RunReport {
    /// Renewal charges this run sent to the gateway (whatever their answer).
    pub charged: usize,
    /// Earlier tries this run found settled at the gateway and recorded (left by a worker that
    /// died between the charge and its record).
    pub finished: usize,
    pub expired: usize,
    pub reminders: usize,
    /// Monthly credits and support balances granted.
    pub grants: usize,
    /// Pending refunds the gateway made (after a failed or interrupted first try).
    pub refunds: usize,
}

/// One pass of the renewal run for today: reminders, then every due subscription (automatic
/// renewal, retry or expiry), batch by batch, until none is left, then the benefit grants due
/// (after the renewals, so that a grant on the renewal day belongs to the renewed term and
/// none is made for a subscription that expired today), and last the pending refunds due
/// another try. Safe to run on several workers at
/// once.
pub async fn run_due(app: &App) -> Result<RunReport, AppError> {
    run_due_with(app, |_| {}).await
}

/// [`run_due`], telling `progress` the totals so far after each batch.
pub async fn run_due_with(app: &App, progress: impl FnMut(RunReport) + Send) -> Result<RunReport, AppError> {
    let report = Mutex::new(RunReport { reminders: send_reminders(app).await?, ..RunReport::default() });
    let progress = Mutex::new(progress);
    let size = match app.settings().renewal_batch {
        Some(n) => i64::from(n.max(1)),
        None if app.paces_charges() || !matches!(app.gateway(), payments::Gateway::Sandbox(_)) => PACED_BATCH,
        None => SANDBOX_BATCH,
    };
    // On PostgreSQL two lanes of batches: while one waits on the database (or the gateway),
    // the other builds its rows or runs its statements on another backend. SQLite has one
    // writer; a second lane only makes the two queue for it (measured: slower).
    let lanes = match app.store().backend() {
        store::Backend::Postgres => 2,
        store::Backend::Sqlite => 1,
    };
    let (report_ref, progress_ref) = (&report, &progress);
    let lane = |n: usize| async move {
        if n >= lanes {
            return Ok(());
        }
        loop {
            let Some(done) = batch::renew(app, size).await? else { return Ok::<(), AppError>(()) };
            let mut lane_report = RunReport { charged: done.charged, ..RunReport::default() };
            one_by_one(app, done.one_by_one, &mut lane_report).await?;
            let so_far = {
                let mut total = report_ref.lock().unwrap_or_else(|p| p.into_inner());
                total.charged += lane_report.charged;
                total.finished += lane_report.finished;
                total.expired += lane_report.expired;
                *total
            };
            (progress_ref.lock().unwrap_or_else(|p| p.into_inner()))(so_far);
        }
    };
    let (first, second) = tokio::join!(lane(0), lane(1));
    first?;
    second?;
    let mut report = report.into_inner().unwrap_or_else(|p| p.into_inner());
    report.grants = crate::benefits::grant_due(app).await?;
    report.refunds = crate::cancellation::send_due(app).await?;
    Ok(report)
}

/// Whatever a batch left for more care (a retry, an expiry, an earlier try to finish), one
/// subscription at a time.
async fn one_by_one(app: &App, subs: Vec<SubscriptionRecord>, report: &mut RunReport) -> Result<(), AppError> {
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
    Ok(())
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
async fn process_due(app: &App, sub: &SubscriptionRecord) -> Result<Done, AppError> {
    // Wait for a charge turn before anything is written, so that an attempt's time is the time
    // it goes to the gateway.
    app.charge_turn().await;
    let today = today(app);
    let mut tx = app.store().write().await?;
    store::orgs::lock(&mut tx, &sub.org_id).await?;
    let current = store::subscriptions::get(&mut tx, &sub.id).await?.ok_or(AppError::NotFound("subscription"))?;
    let status: Status = current.status.parse().unwrap_or(Status::Expired);
    let due = match status {
        Status::Active => current.term_end <= today,
        Status::PastDue => current.next_retry_on.is_some_and(|d| d <= today),
        Status::Expired | Status::Cancelled => false,
    };
    if !due || current.term_end != sub.term_end {
        return Ok(Done::Nothing);
    }
    if !current.auto_renew && current.ends_cancelled {
        store::subscriptions::set_status(&mut tx, &current.id, Status::Cancelled.as_str()).await?;
        record_end(app, &mut tx, &current, Status::Cancelled, "it was cancelled at the end of its term").await?;
        tx.commit().await?;
        return Ok(Done::Expired);
    }
    if !current.auto_renew {
        let why = if status == Status::PastDue {
            "automatic renewal was turned off after the payment failed"
        } else {
            "automatic renewal was off"
        };
        store::subscriptions::set_status(&mut tx, &current.id, Status::Expired.as_str()).await?;
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
    checkout::reconcile_attempt(app, &pending).await?;
    let status = store::orders::attempt_status(&mut app.store().read().await?, &pending.id).await?;
    match status.as_deref() {
        Some("pending") => Ok(Done::Waiting(pending.created_at + app.settings().abandon_after)),
        Some("abandoned") => {
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
                catalog.country(&org.country).ok_or_else(|| AppError::Internal("country left the catalog".into()))?;
            let quote = order::quote(offer, country)
                .map_err(|r| AppError::Conflict { code: "cannot_renew", message: r.to_string() })?;
            let mut order = renewal_order(
                app,
                sub,
                &quote,
                "auto_renewal",
                Step::Review,
                "renewal run",
                offer.terms_code().as_str(),
            );
            order.country = org.country;
            store::orders::insert(&mut tx, &order).await?;
            order
        }
    };
    if order.status == OrderStatus::Paid.as_str() {
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
        store::orders::set_status(
            &mut tx,
            &order.id,
            OrderStatus::Draft.as_str(),
            Step::Payment.as_str(),
            Some("no card on file"),
        )
        .await?;
        renewal_failed(app, &mut tx, &order, "there is no card on file").await?;
        tx.commit().await?;
        return Ok(Tried::NotCharged);
    };
    let attempt = checkout::new_attempt(app, &order, &card.id, n);
    store::orders::insert_attempt(&mut tx, &attempt).await?;
    store::orders::set_step(&mut tx, &order.id, Step::Review.as_str(), None, Some(&card.id)).await?;
    store::orders::set_status(&mut tx, &order.id, OrderStatus::Paying.as_str(), Step::Review.as_str(), None).await?;
    tx.commit().await?;
    let amount = money(order.total_minor, &order.currency)?;
    let description = format!("Automatic renewal of the {} subscription, order {}", order.offer_name, order.id);
    let answer =
        app.gateway().charge(&customer, &card.gateway_ref, amount, &attempt.idempotency_key, &description).await;
    match checkout::settle(app, &attempt, answer, Who::system("renewal run"), &origin).await {
        Ok(()) | Err(AppError::PaymentPending) => Ok(Tried::Charged),
        Err(e) => Err(e),
    }
}

/// Sends the reminders and notices due today that have not gone out yet.
async fn send_reminders(app: &App) -> Result<usize, AppError> {
    let today = today(app);
    let mut sent = 0;
    // Page by page: a big program has many subscriptions ending in the next two months.
    let mut after = (today - chrono::Duration::days(1), String::new());
    loop {
        let subs = {
            let mut conn = app.store().read().await?;
            let to = today + chrono::Duration::days(60);
            store::subscriptions::reminder_candidates(&mut conn, today, to, (after.0, &after.1), 500).await?
        };
        let Some(last) = subs.last() else { return Ok(sent) };
        after = (last.term_end, last.id.clone());
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
        let price = money(sub.price_minor, &sub.currency)?;
        let (title, body) = match reminder {
            Reminder::ExpiresIn(0) => (
                format!("Your {} subscription expires today", sub.offer_name),
                format!(
                    "Your {} subscription ends today, {}. Renew it to keep its benefits.\n",
                    sub.offer_name, sub.term_end
                ),
            ),
            Reminder::ExpiresIn(days) => (
                format!("Your {} subscription expires in {days} days", sub.offer_name),
                format!(
                    "Your {} subscription ends on {} and will not renew automatically. Renew it under Partnership > Offers to keep its benefits.\n",
                    sub.offer_name, sub.term_end
                ),
            ),
            Reminder::ChargeIn(days) => (
                format!("Your {} subscription renews in {days} days", sub.offer_name),
                format!(
                    "Your {} subscription renews automatically on {}: we will charge {price} plus tax to your card on file.\n",
                    sub.offer_name, sub.term_end
                ),
            ),
        };
        let mut tx = app.store().write().await?;
        let key = format!("{}:{}", sub.term_end, reminder.key());
        if notify(app, &mut tx, &sub, &key, &title, body).await? {
            sent += 1;
        }
        tx.commit().await?;
    }
    Ok(sent)
}

/// The org's notifications, newest first.
pub async fn notifications(app: &App, actor: &PartnerUser) -> Result<Vec<Notification>, AppError> {
    actor.require(PartnerPermission::ViewMembership, "see notifications")?;
    let mut conn = app.store().read().await?;
    Ok(store::notifications::list_in_org(&mut conn, &actor.org_id, 100).await?)
}

/// Runs the renewal run day by day from the clock's day to `until` (inclusive), moving the
/// clock to the start of each day in the program's time zone: `partnerhub jobs run --until`
/// for operators catching up, and for tests that travel years ahead. `progress` hears the
/// day's totals after each batch and at the end of the day.
///
/// A day is done only when nothing due on it is left: what another worker holds (or a dead
/// one held) is waited for until its lease or its payment attempt may be taken over, then done
/// here; what still cannot be done ends the run with an error that says what is left and why.
pub async fn run_until(
    app: &App,
    clock: &crate::clock::ManualClock,
    until: NaiveDate,
    mut progress: impl FnMut(NaiveDate, RunReport) + Send,
) -> Result<RunReport, AppError> {
    use crate::clock::Clock;
    let tz = app.catalog().program().time_zone();
    let mut day = program_day(clock.now(), tz);
    let mut total = RunReport::default();
    while day <= until {
        if let Some(start) = day.and_hms_opt(0, 0, 1).and_then(|t| t.and_local_timezone(tz).earliest()) {
            let start = start.with_timezone(&chrono::Utc);
            if start > clock.now() {
                clock.set(start);
            }
        }
        let mut rounds = 0;
        loop {
            let report = run_due_with(app, |so_far| progress(day, so_far)).await?;
            total.charged += report.charged;
            total.finished += report.finished;
            total.expired += report.expired;
            total.reminders += report.reminders;
            total.grants += report.grants;
            total.refunds += report.refunds;
            progress(day, report);
            rounds += 1;
            match wait_for_left(app, clock, day, rounds).await? {
                Left::Nothing => break,
                Left::Ready => {}
            }
        }
        day = day.succ_opt().ok_or_else(|| AppError::Internal("the calendar ended".into()))?;
    }
    Ok(total)
}

/// Passes of one day after which work still left is reported rather than tried again.
const MAX_PASSES: u32 = 5;

enum Left {
    Nothing,
    /// Something is left that may be taken over now: run the day again.
    Ready,
}

/// Looks for work due on `day` that the passes left (held by a lease, or waiting for an
/// earlier payment attempt to be given up on) and waits, looking again every second, until
/// the first of it can be taken or none is left (the worker holding it finished).
async fn wait_for_left(
    app: &App,
    clock: &crate::clock::ManualClock,
    day: NaiveDate,
    passes: u32,
) -> Result<Left, AppError> {
    use crate::clock::Clock;
    let mut told = false;
    loop {
        let left = store::subscriptions::due_left(&mut app.store().read().await?, day, 1000).await?;
        let Some(ready_at) = left.iter().map(|l| taken_over_at(app, l)).min() else { return Ok(Left::Nothing) };
        let wait = ready_at - app.wall_now();
        if wait <= chrono::Duration::zero() && passes < MAX_PASSES {
            return Ok(Left::Ready);
        }
        // A clock whose wall time does not run by itself (a test's) would wait for ever, and
        // no lease is longer than the lease setting.
        let can_wait = clock.wall_runs() && wait <= app.settings().lease + chrono::Duration::seconds(5);
        if passes >= MAX_PASSES || !can_wait {
            let ids: Vec<&str> = left.iter().take(5).map(|l| l.id.as_str()).collect();
            let more =
                if left.len() > ids.len() { format!(" and {} more", left.len() - ids.len()) } else { String::new() };
            return Err(AppError::Conflict {
                code: "work_left",
                message: format!(
                    "{} subscription(s) due on or before {day} are still due after {passes} passes ({}{more}): \
                     held by another worker until {ready_at}, or failing each time (see the warnings above); \
                     run again later",
                    left.len(),
                    ids.join(", ")
                ),
            });
        }
        if !told {
            tracing::warn!(
                left = left.len(),
                %day,
                seconds = wait.num_seconds(),
                "work due is held by another worker (or one that died); waiting until it is done or can be taken over"
            );
            told = true;
        }
        let step = wait.to_std().unwrap_or_default().min(std::time::Duration::from_secs(1));
        tokio::time::sleep(step + std::time::Duration::from_millis(20)).await;
    }
}

/// When a subscription left due can be taken over: its lease has run out, and its earlier
/// payment attempt, if any, may be given up on.
fn taken_over_at(app: &App, left: &store::subscriptions::DueLeft) -> chrono::DateTime<chrono::Utc> {
    let never = chrono::DateTime::<chrono::Utc>::MIN_UTC;
    let held = left.lease_until.unwrap_or(never);
    let attempt = left.pending_since.map_or(never, |p| p + app.settings().abandon_after);
    held.max(attempt)
}
