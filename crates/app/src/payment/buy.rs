//! Buy: the order's total charged to its card once; see `payment` for the three steps.

use super::attempt::{new_attempt, nothing_to_charge};
use super::reconcile::reconcile_attempt;
use super::settle::settle_keyed;
use crate::actor::{Origin, PartnerUser};
use crate::audit::Who;
use crate::error::AppError;
use crate::idempotency::{self, Kept, Key, Repeat};
use crate::order::{check_can_buy, conflict, order_after, require_buyer};
use crate::state::App;
use domain::ids::{OrderId, PaymentMethodId};
use domain::money::Money;
use domain::order::{self, OrderKind, OrderStatus, Step};
use domain::term::{Term, program_day};
use payments::{ChargeOutcome, GatewayError};
use store::orders::{AttemptRecord, OrderRecord};
use store::payment_methods::PaymentMethodRecord;

/// How a Buy ended. With a key, a paid order and a decline are kept for it (see
/// [`idempotency`]); an error is the caller's to conclude.
#[derive(Debug)]
pub enum BuyOutcome {
    /// Paid, by this request or before: the order as stored.
    Paid(OrderRecord),
    /// The key was used before: what a repeat gets. Nothing ran.
    Repeat(Repeat),
    /// The card was declined; the order is back at the payment step with the reason.
    Declined { order: OrderRecord, message: String },
}

/// Buy: charges the order's total to its card once, and on success issues the subscription and
/// the invoice. A paid order answers with itself; a payment in flight is reconciled first.
///
/// With a `key`, a key seen before answers [`BuyOutcome::Repeat`] and nothing runs. The claim
/// is undone with the transaction when Buy ends before the payment starts (an error, an order
/// already paid): an order paid before is kept for the key here, an error by the caller.
#[tracing::instrument(name = "buy", skip_all, fields(order = %id, org = %actor.org_id))]
pub async fn buy(
    app: &App,
    actor: &PartnerUser,
    id: &OrderId,
    origin: &Origin,
    key: Option<&Key<'_>>,
) -> Result<BuyOutcome, AppError> {
    require_buyer(actor)?;
    actor.require_verified_email(i18n::key("error-act-buy"))?;
    let claimed = match claim(app, actor, id, key).await? {
        Claim::Ready(claimed) => claimed,
        Claim::Repeat(repeat) => return Ok(BuyOutcome::Repeat(repeat)),
        Claim::Paid(order) => return kept(app, key, BuyOutcome::Paid(order)).await,
        Claim::InFlight(pending) => return after_in_flight(app, actor, id, origin, key, pending).await,
    };
    let answer = charge(app, &claimed).await?;
    settle(app, actor, &claimed.attempt, answer, origin, key).await
}

/// What the first step of a Buy found (one per Buy, moved once: its size does not matter).
#[allow(clippy::large_enum_variant)]
enum Claim {
    /// The attempt is written and the order is `paying`: charge it.
    Ready(Claimed),
    /// The key was seen before: nothing runs.
    Repeat(Repeat),
    /// The order is paid already.
    Paid(OrderRecord),
    /// A payment of the order is out already (its attempt, if one is still pending).
    InFlight(Option<AttemptRecord>),
}

/// An attempt written, with what its charge needs.
struct Claimed {
    order: OrderRecord,
    attempt: AttemptRecord,
    customer: String,
    card_ref: String,
}

/// Step 1, in one transaction under the org's lock: the key claimed, the order checked, the
/// attempt written as `pending` and the order `paying`, before the gateway hears of it.
async fn claim(app: &App, actor: &PartnerUser, id: &OrderId, key: Option<&Key<'_>>) -> Result<Claim, AppError> {
    let mut tx = app.store().write().await?;
    // The org's lock first, as everywhere (ARCHITECTURE.md, "Lock order").
    store::orgs::lock(&mut tx, &actor.org_id).await?;
    if let Some(k) = key
        && let Some(repeat) = idempotency::claim_in(&mut tx, app, k).await?.repeat(k.request_hash)
    {
        return Ok(Claim::Repeat(repeat));
    }
    // The order's own lock too, so that a wizard step (which takes only that one) cannot change
    // the card between this look and the charge.
    store::orders::lock(&mut tx, &actor.org_id, id).await?;
    let order = store::orders::get_in_org(&mut tx, &actor.org_id, id).await?.ok_or(AppError::NotFound("order"))?;
    match order.status {
        OrderStatus::Paid => return Ok(Claim::Paid(order)),
        // Returning lets go of the transaction (and the key's claim) before the reconciliation.
        OrderStatus::Paying => return Ok(Claim::InFlight(store::orders::pending_attempt(&mut tx, id).await?)),
        OrderStatus::Draft => {}
        OrderStatus::Abandoned => {
            return Err(conflict("order_closed", "this order was set aside; start again from Partnership > Offers"));
        }
    }
    let (pm, customer, n) = ready_to_charge(app, &mut tx, actor, &order).await?;
    let (tx, current) = wait_for_turn(app, tx, actor, &order, key.is_some()).await?;
    let attempt = write_attempt(app, tx, &order, &current, &pm.id, n).await?;
    Ok(Claim::Ready(Claimed { order, attempt, customer, card_ref: pm.gateway_ref }))
}

/// A payment of the order was out when Buy came: what the reconciliation of its attempt made of
/// it answers.
async fn after_in_flight(
    app: &App,
    actor: &PartnerUser,
    id: &OrderId,
    origin: &Origin,
    key: Option<&Key<'_>>,
    pending: Option<AttemptRecord>,
) -> Result<BuyOutcome, AppError> {
    if let Some(attempt) = pending {
        reconcile_attempt(app, &attempt).await?;
    }
    let order = order_after(app, actor, id).await?;
    match order.status {
        OrderStatus::Paid => kept(app, key, BuyOutcome::Paid(order)).await,
        // The attempt was given up on without a charge (the process that wrote it died before
        // sending it): the order is back at the review, and this request pays it.
        OrderStatus::Draft if order.step == Step::Review => Box::pin(buy(app, actor, id, origin, key)).await,
        OrderStatus::Draft => Err(conflict("payment_not_completed", order.last_decline.unwrap_or_default())),
        OrderStatus::Paying | OrderStatus::Abandoned => {
            Err(conflict("payment_in_progress", "the payment for this order is being processed; try again in a moment"))
        }
    }
}

/// The draft may be bought now: at the review with the terms agreed, the org (or the renewed
/// subscription) still allowed, its card and the gateway's customer on file. Returns the card,
/// the customer and the number of this attempt.
async fn ready_to_charge(
    app: &App,
    tx: &mut store::Conn,
    actor: &PartnerUser,
    order: &OrderRecord,
) -> Result<(PaymentMethodRecord, String, i64), AppError> {
    if order.kind == OrderKind::AutoRenewal {
        return Err(conflict(
            "renewal_run_order",
            "this order is paid by the automatic renewal; use Renew subscriptions",
        ));
    }
    if order.step != Step::Review || order.terms_version.is_none() {
        return Err(conflict("step_not_reached", "agree to the terms and choose a card before you buy"));
    }
    if order.kind == OrderKind::Purchase {
        check_can_buy(app, tx, &actor.org_id, &order.offer_code).await?;
    } else {
        crate::subscription::check_can_renew(app, tx, order).await?;
    }
    let pm_id = order.payment_method_id.clone().ok_or_else(|| conflict("no_payment_method", "choose a card first"))?;
    let pm = store::payment_methods::get_in_org(tx, &actor.org_id, &pm_id)
        .await?
        .ok_or(AppError::NotFound("payment method"))?;
    let customer = store::payment_methods::customer(tx, &actor.org_id, app.gateway().name())
        .await?
        .ok_or_else(|| AppError::internal("a saved card without a gateway customer"))?;
    let n = store::orders::count_attempts(tx, &order.id).await? + 1;
    Ok((pm, customer, n))
}

/// The attempt's time is when it goes to the gateway: with a rate limit, wait for a turn first,
/// so that reconciliation never gives up on an attempt still queued here, and let go of the
/// writer meanwhile; then look at the order again. Without one, go on in the same transaction,
/// whose locks have held since the first look. Returns the transaction and the order as it is.
async fn wait_for_turn(
    app: &App,
    tx: store::Tx,
    actor: &PartnerUser,
    order: &OrderRecord,
    keyed: bool,
) -> Result<(store::Tx, OrderRecord), AppError> {
    if !app.paces_charges() {
        return Ok((tx, order.clone()));
    }
    // The key stays claimed while this request waits.
    if keyed {
        tx.commit().await?;
    } else {
        drop(tx);
    }
    app.charge_turn().await;
    let mut tx = app.store().write().await?;
    store::orgs::lock(&mut tx, &actor.org_id).await?;
    store::orders::lock(&mut tx, &actor.org_id, &order.id).await?;
    let current =
        store::orders::get_in_org(&mut tx, &actor.org_id, &order.id).await?.ok_or(AppError::NotFound("order"))?;
    Ok((tx, current))
}

/// Writes the attempt and moves the order to `paying`, if the order is still as it was first
/// read (`order`) and its credit, if it replaces a subscription, still holds.
async fn write_attempt(
    app: &App,
    mut tx: store::Tx,
    order: &OrderRecord,
    current: &OrderRecord,
    payment_method_id: &PaymentMethodId,
    n: i64,
) -> Result<AttemptRecord, AppError> {
    if current.payment_method_id != order.payment_method_id || current.step != order.step {
        return Err(conflict(
            "order_changed",
            "the order changed while you were buying; check the review and buy again",
        ));
    }
    if current.status != OrderStatus::Draft {
        return Err(conflict(
            "payment_in_progress",
            "the payment for this order is being processed; try again in a moment",
        ));
    }
    if current.replaces_subscription_id.is_some() && requote_replacement(app, &mut tx, current).await? {
        tx.commit().await?;
        return Err(conflict(
            "order_changed",
            "the credit for the unused time of the subscription this order replaces has changed; check the new total and buy again",
        ));
    }
    let attempt = new_attempt(app, order, payment_method_id, n);
    store::orders::insert_attempt(&mut tx, &attempt).await?;
    store::orders::update(&mut tx, &order.id, store::orders::OrderUpdate::Paying).await?;
    // The attempt is on disk before a gateway elsewhere charges, so that no crash can forget a
    // charge made. A charge of the sandbox is written to our own log after the attempt, and
    // the answer's record after both waits for the disk: the attempt need not wait itself.
    if app.gateway().charges_in_our_database() {
        tx.commit_before_flush().await?;
    } else {
        tx.commit().await?;
    }
    Ok(attempt)
}

/// Step 2: the gateway charges the attempt under its key (an order the credit covers whole is
/// charged nothing, and the gateway is not asked).
async fn charge(app: &App, claimed: &Claimed) -> Result<Result<ChargeOutcome, GatewayError>, AppError> {
    if app.settings().fault == Some(crate::settings::Fault::CrashBeforeCharge) {
        tracing::error!("fault injection: crashing after the payment attempt, before the charge");
        std::process::abort();
    }
    let order = &claimed.order;
    let amount = order.total;
    let description = format!("{} subscription, order {}", order.offer_name, order.id);
    let description =
        if order.kind == OrderKind::Purchase { description } else { format!("Renewal of the {description}") };
    let answer = if amount.minor() == 0 {
        nothing_to_charge()
    } else {
        let key = &claimed.attempt.idempotency_key;
        app.gateway().charge(&claimed.customer, &claimed.card_ref, amount, key, &description).await
    };
    if app.settings().fault == Some(crate::settings::Fault::CrashAfterCharge) {
        tracing::error!("fault injection: crashing after the gateway answered, before recording");
        std::process::abort();
    }
    Ok(answer)
}

/// Step 3: the gateway's answer recorded; the order paid (kept for the key alongside) or given
/// back with the decline's reason.
async fn settle(
    app: &App,
    actor: &PartnerUser,
    attempt: &AttemptRecord,
    answer: Result<ChargeOutcome, GatewayError>,
    origin: &Origin,
    key: Option<&Key<'_>>,
) -> Result<BuyOutcome, AppError> {
    let who = Who::actor(&crate::actor::Actor::Partner(actor.clone()));
    if let Some(order) = settle_keyed(app, attempt, answer, who, origin, key).await? {
        return Ok(BuyOutcome::Paid(order));
    }
    let order = order_after(app, actor, &attempt.order_id).await?;
    let outcome = match order.status {
        OrderStatus::Paid => BuyOutcome::Paid(order),
        _ => {
            let message = order.last_decline.clone().unwrap_or_else(|| "The payment did not go through.".into());
            BuyOutcome::Declined { order, message }
        }
    };
    kept(app, key, outcome).await
}

/// Keeps a paid order or a decline for the key, when the settling transaction did not (the
/// order was paid before, or another settler finished it).
async fn kept(app: &App, key: Option<&Key<'_>>, outcome: BuyOutcome) -> Result<BuyOutcome, AppError> {
    let record = match &outcome {
        BuyOutcome::Paid(order) => Kept::OrderPaid { order_id: order.id.clone() },
        BuyOutcome::Declined { order, message } => {
            Kept::Declined { order_id: order.id.clone(), message: message.clone() }
        }
        BuyOutcome::Repeat(_) => return Ok(outcome),
    };
    if let Some(key) = key {
        idempotency::keep(app, key, &record).await?;
    }
    Ok(outcome)
}

/// At Buy, the credit of an order that replaces a subscription (Gold over Silver) is taken
/// again for today: the replaced term may have run on, been renewed or ended since the order
/// started. Writes the new price and returns `true` when it changed; refuses while a payment
/// for the replaced subscription is out (a renewal being charged).
async fn requote_replacement(app: &App, tx: &mut store::Conn, order: &OrderRecord) -> Result<bool, AppError> {
    let catalog = app.catalog();
    let offer = catalog.offer(&order.offer_code).ok_or(AppError::NotFound("offer"))?;
    let country = catalog.country(&order.country).ok_or_else(|| AppError::internal("country left the catalog"))?;
    let old = match &order.replaces_subscription_id {
        Some(id) => store::subscriptions::get_in_org(tx, &order.org_id, id).await?,
        None => None,
    };
    let old = old.filter(|s| s.status.is_live());
    if let Some(sub) = &old
        && store::orders::pending_attempt_for_subscription(tx, &sub.id).await?
    {
        return Err(conflict(
            "payment_in_progress",
            "a payment for the subscription this order replaces is being processed; try again in a moment",
        ));
    }
    let credit = match &old {
        Some(sub) => domain::competency::unused_credit(
            sub.price,
            Term { start: sub.term_start, end: sub.term_end },
            program_day(app.now(), catalog.program().time_zone()),
        ),
        None => Money::zero(country.currency()),
    };
    let replaces = old.as_ref().map(|s| &s.id);
    if credit.minor() == order.credit.minor() && replaces == order.replaces_subscription_id.as_ref() {
        return Ok(false);
    }
    let quote = order::quote_with_credit(offer, country, credit).map_err(|r| conflict("cannot_buy", r.to_string()))?;
    let prices = (quote.net, quote.tax, quote.total, credit);
    store::orders::set_quote(tx, &order.id, prices, replaces).await?;
    Ok(true)
}
