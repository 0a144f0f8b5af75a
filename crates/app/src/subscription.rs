//! A subscription's own steps, shared by Buy, its settlement and the renewal run: the domain's
//! rules on a stored record, whether a renewal may be charged, the new term of a paid renewal,
//! a failed renewal, the end of a subscription and the notices, and the org's subscriptions.

use crate::actor::{Origin, PartnerUser};
use crate::audit::{self, Change, Who};
use crate::error::AppError;
use crate::state::App;
use crate::text::Text;
use chrono::NaiveDate;
use domain::ids::{OrderId, PaymentMethodId, SubscriptionId};
use domain::order::{self, OrderKind, OrderStatus, Step};
use domain::roles::{PartnerPermission, PartnerRole};
use domain::subscription::{Status, Subscription};
use domain::term::{Term, program_day};
use i18n::{Key, key};
use store::orders::OrderRecord;
use store::subscriptions::SubscriptionRecord;

pub(crate) fn rules(s: &SubscriptionRecord) -> Subscription {
    Subscription {
        status: s.status,
        auto_renew: s.auto_renew,
        anchor: s.anchor_date,
        term: Term { start: s.term_start, end: s.term_end },
    }
}

pub(crate) fn today(app: &App) -> NaiveDate {
    program_day(app.now(), app.catalog().program().time_zone())
}

pub(crate) fn refused(r: domain::subscription::Refusal) -> AppError {
    use domain::subscription::Refusal;
    let message = match r {
        Refusal::AlreadyOff => Text::new(i18n::key("error-renewal-already-off")),
        Refusal::Ended => Text::new(i18n::key("error-subscription-ended")),
        Refusal::TooEarly(day) => Text::new(i18n::key("error-renewal-too-early")).day("day", day),
        Refusal::TooLate(day) => Text::new(i18n::key("error-renewal-too-late")).day("day", day),
        Refusal::RenewsAutomatically => Text::new(i18n::key("error-renews-automatically")),
    };
    AppError::Conflict { code: "not_allowed_now", message }
}

pub(crate) fn renewal_order(
    app: &App,
    sub: &SubscriptionRecord,
    quote: &order::Quote,
    kind: OrderKind,
    step: Step,
    by: &str,
    terms_code: &str,
) -> OrderRecord {
    OrderRecord {
        id: app.new_id(OrderId::from_random),
        org_id: sub.org_id.clone(),
        offer_code: sub.offer_code.clone(),
        offer_name: sub.offer_name.clone(),
        status: OrderStatus::Draft,
        step,
        country: String::new(),
        net: quote.net,
        tax: quote.tax,
        total: quote.total,
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
        kind,
        renews_term_end: Some(sub.term_end),
        credit: domain::money::Money::zero(quote.net.currency()),
        replaces_subscription_id: None,
    }
}

/// An offer sold one per org cannot be renewed while the org holds another live subscription to
/// it (bought again after this one expired).
pub(crate) async fn another_live_subscription(
    app: &App,
    tx: &mut store::Conn,
    sub: &SubscriptionRecord,
) -> Result<(), AppError> {
    let one_per_org = app.catalog().offer(&sub.offer_code).is_some_and(|o| o.one_per_org());
    if !one_per_org || sub.status.is_live() {
        return Ok(());
    }
    let live = store::subscriptions::live_offer_codes(tx, &sub.org_id).await?;
    if live.contains(&sub.offer_code) {
        return Err(AppError::Conflict {
            code: "already_held",
            message: Text::new(i18n::key("error-live-subscription-renew-that")).arg("offer", &sub.offer_name),
        });
    }
    Ok(())
}

/// Before a renewal is charged (inside the Buy transaction, the org locked): the subscription
/// still ends where the order says, the window is open, and no other charge for it is out.
pub(crate) async fn check_can_renew(app: &App, tx: &mut store::Conn, order: &OrderRecord) -> Result<(), AppError> {
    let sub_id = order.subscription_id.as_ref().ok_or(AppError::NotFound("subscription"))?;
    let sub = store::subscriptions::get(tx, sub_id).await?.ok_or(AppError::NotFound("subscription"))?;
    if Some(sub.term_end) != order.renews_term_end {
        return Err(AppError::Conflict {
            code: "already_renewed",
            message: i18n::key("error-term-renewed-already").into(),
        });
    }
    if order.kind == OrderKind::Renewal {
        rules(&sub).manual_renewal(today(app)).map_err(refused)?;
        another_live_subscription(app, tx, &sub).await?;
    }
    if store::orders::pending_attempt_for_subscription(tx, sub_id).await? {
        return Err(AppError::Conflict {
            code: "payment_in_progress",
            message: i18n::key("error-subscription-payment-in-progress").into(),
        });
    }
    Ok(())
}

/// Writes the new term of a paid renewal (inside the completing transaction); returns it.
pub(crate) async fn apply_renewal(
    app: &App,
    tx: &mut store::Conn,
    order: &OrderRecord,
    payment_method_id: &PaymentMethodId,
) -> Result<Term, AppError> {
    let sub_id = order.subscription_id.as_ref().ok_or(AppError::NotFound("subscription"))?;
    let sub = store::subscriptions::get(tx, sub_id).await?.ok_or(AppError::NotFound("subscription"))?;
    let current = rules(&sub);
    let renewal = if order.kind == OrderKind::AutoRenewal {
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
        tracing::error!(order = %order.id, subscription = %sub_id, "a renewal was paid for a term already renewed; refund it");
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
    let Some(sub_id) = order.subscription_id.as_ref() else { return Ok(()) };
    let Some(sub) = store::subscriptions::get(tx, sub_id).await? else { return Ok(()) };
    let due = order.renews_term_end.unwrap_or(sub.term_end);
    let retries = Subscription::retry_days(due);
    let done = if sub.status == Status::PastDue { sub.retries_done + 1 } else { 0 };
    let next = usize::try_from(done).ok().and_then(|i| retries.get(i)).copied();
    let link = format!("{}/subscriptions/{}", app.settings().public_url, sub.id);
    match next {
        Some(next) => {
            store::subscriptions::set_past_due(tx, sub_id, done, Some(next)).await?;
            let mut data = crate::webhooks::subscription_data(&sub);
            data["status"] = Status::PastDue.as_str().into();
            data["reason"] = reason.into();
            data["next_retry_on"] = serde_json::json!(next);
            crate::webhooks::emit_one(app, tx, "subscription.renewal_failed", &sub.org_id, sub.id.as_str(), data)
                .await?;
            let title = Text::new(key("notification-charge-failed-title")).arg("offer", &sub.offer_name);
            let body = Text::new(key("notification-charge-failed-body"))
                .arg("offer", &sub.offer_name)
                .arg("reason", reason)
                .day("day", next)
                .arg("cards", format_args!("{}/payment-methods", app.settings().public_url))
                .arg("link", &link);
            notify(app, tx, &sub, &format!("{due}:charge-failed-{done}"), title, body).await.map(|_| ())
        }
        None => {
            store::subscriptions::end(tx, sub_id, store::subscriptions::Ending::Expired).await?;
            record_expiry(app, tx, &sub, key("notification-why-payment-failed")).await
        }
    }
}

pub(crate) async fn record_expiry(
    app: &App,
    tx: &mut store::Conn,
    sub: &SubscriptionRecord,
    why: Key,
) -> Result<(), AppError> {
    record_end(app, tx, sub, Status::Expired, why).await
}

/// The end of a subscription at its term's end, `Expired` or (staff cancelled it at the end of
/// its term) `Cancelled`: the webhook, the audit row, its benefits and competency, the notice.
pub(crate) async fn record_end(
    app: &App,
    tx: &mut store::Conn,
    sub: &SubscriptionRecord,
    end: Status,
    why: Key,
) -> Result<(), AppError> {
    let (event, verb, title, body) = match end {
        Status::Cancelled => {
            ("subscription.cancelled", "was cancelled", key("notification-ended-title"), key("notification-ended-body"))
        }
        _ => ("subscription.expired", "expired", key("notification-expired-title"), key("notification-expired-body")),
    };
    // The webhook and the audit row keep their English words.
    let why_said = Text::new(why).to_string();
    let mut data = crate::webhooks::subscription_data(sub);
    data["status"] = end.as_str().into();
    data["reason"] = why_said.as_str().into();
    crate::webhooks::emit_one(app, tx, event, &sub.org_id, sub.id.as_str(), data).await?;
    let change = Change {
        org: Some(&sub.org_id),
        action: event,
        subject: sub.id.as_str(),
        detail: format!("the {} subscription {verb}: {why_said}", sub.offer_name),
    };
    audit::record(app, tx, Who::system("renewal run"), &Origin::system("renewal run"), change).await?;
    crate::benefits::end(app, tx, &sub.id).await?;
    store::competencies::expire_for_subscription(tx, &sub.id, app.now()).await?;
    let title = Text::new(title).arg("offer", &sub.offer_name);
    let body = Text::new(body).arg("offer", &sub.offer_name).day("day", sub.term_end).phrase("why", why);
    notify(app, tx, sub, &format!("{}:expired", sub.term_end), title, body).await.map(|_| ())
}

/// Records a notification once (by its key) and e-mails it to the org's Billing and Global
/// admins, each in their own language; `false` if it had been sent before.
pub(crate) async fn notify(
    app: &App,
    tx: &mut store::Conn,
    sub: &SubscriptionRecord,
    key: &str,
    title: Text,
    body: Text,
) -> Result<bool, AppError> {
    let dedupe_key = format!("{}:{key}", sub.id);
    if !crate::notices::record(app, tx, &sub.org_id, Some(&sub.id), dedupe_key, &title, &body).await? {
        return Ok(false);
    }
    let users = store::users::list_in_org(tx, &sub.org_id).await?;
    for user in users.iter().filter(|u| matches!(u.role, PartnerRole::BillingAdmin | PartnerRole::GlobalAdmin)) {
        let lang = crate::outbox::language_of(app, user.language.as_deref());
        let text = format!("{}\n\n{}\n", lang.t1("email-greeting", "name", user.name.as_str()), body.in_lang(&lang));
        crate::outbox::queue(app, tx, user.email.as_str(), &title.in_lang(&lang), text).await?;
    }
    Ok(true)
}

/// Ends the subscription a paid order replaces (Silver, when Gold is bought): cancelled at
/// once, its benefits ended, its competency application expired. Its unused time was credited
/// on the order.
async fn replace_subscription(
    app: &App,
    tx: &mut store::Conn,
    order: &OrderRecord,
    old: &SubscriptionId,
) -> Result<(), AppError> {
    let Some(sub) = store::subscriptions::get_in_org(tx, &order.org_id, old).await? else { return Ok(()) };
    if !sub.status.is_live() {
        return Ok(());
    }
    store::subscriptions::end(tx, &sub.id, store::subscriptions::Ending::Cancelled).await?;
    crate::benefits::end(app, tx, &sub.id).await?;
    store::competencies::expire_for_subscription(tx, &sub.id, app.now()).await?;
    let detail =
        format!("the {} subscription was replaced by {} (order {})", sub.offer_name, order.offer_name, order.id);
    let change = Change { org: Some(&order.org_id), action: "subscription.replaced", subject: sub.id.as_str(), detail };
    audit::record(app, tx, Who::system("checkout"), &Origin::system("checkout"), change).await
}

/// The subscription a paid purchase starts, its first term from today; a competency's fee
/// marks its application paid, and a subscription the order replaces ends. Returns the term
/// and the new subscription's id.
pub(crate) async fn start(
    app: &App,
    tx: &mut store::Conn,
    order: &OrderRecord,
    payment_method_id: &PaymentMethodId,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(Term, SubscriptionId), AppError> {
    let catalog = app.catalog();
    let term = Term::first(program_day(now, catalog.program().time_zone()));
    let subscription = SubscriptionRecord {
        id: app.new_id(SubscriptionId::from_random),
        org_id: order.org_id.clone(),
        offer_code: order.offer_code.clone(),
        offer_name: order.offer_name.clone(),
        status: Status::Active,
        auto_renew: true,
        anchor_date: term.start,
        term_start: term.start,
        term_end: term.end,
        // The list price: a credit on the first order does not lower the renewals.
        price: order.net.checked_add(order.credit).map_err(|e| AppError::internal(e.to_string()))?,
        payment_method_id: Some(payment_method_id.clone()),
        created_at: now,
        retries_done: 0,
        next_retry_on: None,
        ends_cancelled: false,
    };
    store::subscriptions::insert(tx, &subscription).await?;
    if let Some(offer) = catalog.offer(&order.offer_code) {
        fee_paid(tx, order, offer, &subscription.id).await?;
    }
    if let Some(old) = &order.replaces_subscription_id {
        replace_subscription(app, tx, order, old).await?;
    }
    Ok((term, subscription.id))
}

/// After a competency's fee is paid (inside the paying transaction): the application records
/// the subscription it bought.
async fn fee_paid(
    tx: &mut store::Conn,
    order: &OrderRecord,
    offer: &domain::catalog::Offer,
    subscription_id: &SubscriptionId,
) -> Result<(), AppError> {
    let Some((competency, tier)) = offer.earned() else { return Ok(()) };
    if let Some(a) = store::competencies::approved_unpaid(tx, &order.org_id, competency.as_str(), tier).await? {
        store::competencies::mark_paid(tx, &a.id, subscription_id).await?;
    }
    Ok(())
}

/// The org's subscriptions.
pub async fn list(app: &App, actor: &PartnerUser) -> Result<Vec<SubscriptionRecord>, AppError> {
    actor.require(PartnerPermission::ViewMembership, i18n::key("error-act-see-subscriptions"))?;
    let mut conn = app.store().read().await?;
    Ok(store::subscriptions::list_in_org(&mut conn, &actor.org_id).await?)
}

/// One subscription of the org.
pub async fn get(app: &App, actor: &PartnerUser, id: &SubscriptionId) -> Result<SubscriptionRecord, AppError> {
    actor.require(PartnerPermission::ViewMembership, i18n::key("error-act-see-subscriptions"))?;
    let mut conn = app.store().read().await?;
    store::subscriptions::get_in_org(&mut conn, &actor.org_id, id).await?.ok_or(AppError::NotFound("subscription"))
}
