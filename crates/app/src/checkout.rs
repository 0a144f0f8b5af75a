//! Buying an offer: Subscribe now → terms → payment → review → Buy, charged exactly once.
//!
//! Exactly once, in three steps:
//! 1. In one transaction, the payment attempt is written as `pending` with its idempotency key
//!    and the order becomes `paying`, before the gateway is called.
//! 2. The gateway is called with that key (a repeat with the key never charges twice).
//! 3. In one transaction, the attempt is settled and, on success, the subscription, the invoice
//!    (with the next gapless number), the receipt e-mail and the audit row are written.
//!
//! If the process dies between 2 and 3, the attempt stays `pending`; `reconcile` asks the
//! gateway what became of the key and finishes the order (or gives it back to the partner).
//!
//! A Buy with an Idempotency-Key ([`BuyKey`]) claims the key in transaction 1 and keeps its
//! answer in transaction 3, rather than in two transactions of their own: on SQLite every
//! commit is a turn of the one writer and an fsync.

use crate::actor::{Origin, PartnerUser};
use crate::audit::{self, Change, Who};
use crate::error::AppError;
use crate::state::App;
use chrono::Datelike;
use domain::ids::{AcceptanceId, InvoiceId, OrderId, PaymentAttemptId, SubscriptionId};
use domain::money::{Currency, Money};
use domain::order::{self, OrderStatus, Step};
use domain::roles::PartnerPermission;
use domain::term::{Term, program_day};
use payments::{ChargeOutcome, GatewayError};
use store::idempotency::Seen;
use store::invoices::InvoiceRecord;
use store::orders::{AttemptRecord, OrderRecord, Paid};
use store::subscriptions::SubscriptionRecord;

/// How a Buy ended.
#[derive(Debug)]
pub enum BuyOutcome {
    /// Paid, by this request or before. `answer` is the [`BuyKey`]'s answer (status, body) when
    /// this request paid the order and kept that answer with it; otherwise the caller keeps one.
    Paid { order: OrderRecord, answer: Option<KeptAnswer> },
    /// The key was used before (see [`Seen`]): nothing ran.
    KeySeen(Seen),
    /// The card was declined; the order is back at the payment step with the reason.
    Declined { order: OrderRecord, message: String },
}

fn require_buyer(actor: &PartnerUser) -> Result<(), AppError> {
    actor.require(PartnerPermission::ManageBilling, "buy offers; ask a Billing admin or a Global admin")
}

fn conflict(code: &'static str, message: impl Into<String>) -> AppError {
    AppError::Conflict { code, message: message.into() }
}

pub(crate) fn money(minor: i64, currency: &str) -> Result<Money, AppError> {
    let currency = Currency::parse(currency).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Money::new(minor, currency))
}

/// Checks that the org may buy `offer_code` now; the refusal says why in words.
async fn check_can_buy(
    app: &App,
    conn: &mut store::Conn,
    org: &domain::ids::OrgId,
    offer_code: &str,
) -> Result<(), AppError> {
    let catalog = app.catalog();
    let offer = catalog.offer(offer_code).ok_or(AppError::NotFound("offer"))?;
    let levels = store::orgs::memberships(conn, org).await?;
    let held: Vec<&str> = levels.iter().map(|m| m.level.as_str()).collect();
    let live = store::subscriptions::live_offer_codes(conn, org).await?;
    let live: Vec<&str> = live.iter().map(String::as_str).collect();
    order::check_can_buy(&catalog, offer, &held, &live).map_err(|r| conflict("cannot_buy", r.to_string()))
}

/// Subscribe now: the org's open draft for the offer, or a new one at the terms step.
pub async fn subscribe(
    app: &App,
    actor: &PartnerUser,
    offer_code: &str,
    origin: &Origin,
) -> Result<OrderRecord, AppError> {
    require_buyer(actor)?;
    actor.require_verified_email("buy")?;
    let catalog = app.catalog();
    let offer = catalog.offer(offer_code).ok_or(AppError::NotFound("offer"))?;
    let mut tx = app.store().write().await?;
    store::orgs::lock(&mut tx, &actor.org_id).await?;
    if let Some(draft) = store::orders::open_draft(&mut tx, &actor.org_id, offer_code).await? {
        if draft.kind == "purchase" {
            return Ok(draft);
        }
        abandon_draft(&mut tx, &draft).await?;
    }
    check_can_buy(app, &mut tx, &actor.org_id, offer_code).await?;
    let org = store::orgs::get(&mut tx, &actor.org_id).await?.ok_or(AppError::NotFound("org"))?;
    let country = catalog
        .country(&org.country)
        .ok_or_else(|| AppError::Internal(format!("country {} left the catalog", org.country)))?;
    let replaced = earned_offer_check(app, &mut tx, &actor.org_id, offer).await?;
    let credit = match &replaced {
        Some(old) => domain::competency::unused_credit(
            money(old.price_minor, &old.currency)?,
            Term { start: old.term_start, end: old.term_end },
            program_day(app.now(), catalog.program().time_zone()),
        ),
        None => Money::zero(country.currency()),
    };
    let quote = order::quote_with_credit(offer, country, credit).map_err(|r| conflict("cannot_buy", r.to_string()))?;
    let draft = OrderRecord {
        id: app.new_id(OrderId::from_random).to_string(),
        org_id: actor.org_id.clone(),
        offer_code: offer_code.to_owned(),
        offer_name: offer.name().to_owned(),
        status: OrderStatus::Draft.as_str().into(),
        step: Step::Terms.as_str().into(),
        country: org.country.clone(),
        currency: quote.net.currency().code().into(),
        net_minor: quote.net.minor(),
        tax_minor: quote.tax.minor(),
        total_minor: quote.total.minor(),
        tax_rate_bp: i64::from(quote.tax_rate.basis_points()),
        terms_code: offer.terms_code().as_str().into(),
        terms_version: None,
        payment_method_id: None,
        last_decline: None,
        created_by: actor.id.to_string(),
        created_at: app.now(),
        paid_at: None,
        term_start: None,
        term_end: None,
        subscription_id: None,
        invoice_id: None,
        kind: "purchase".into(),
        renews_term_end: None,
        credit_minor: credit.minor(),
        replaces_subscription_id: replaced.map(|s| s.id),
    };
    store::orders::insert(&mut tx, &draft).await?;
    let change = Change {
        org: Some(&actor.org_id),
        action: "order.started",
        subject: &draft.id,
        detail: format!("started an order for {}", offer.name()),
    };
    audit::record(app, &mut tx, Who::actor(&crate::actor::Actor::Partner(actor.clone())), origin, change).await?;
    tx.commit().await?;
    Ok(draft)
}

/// A competency's fee is sold only to an org whose application for that level was approved.
/// For Gold, a live Silver subscription in the same competency is what the order replaces
/// (its unused time is credited); returns it.
async fn earned_offer_check(
    app: &App,
    tx: &mut store::Conn,
    org: &domain::ids::OrgId,
    offer: &domain::catalog::Offer,
) -> Result<Option<SubscriptionRecord>, AppError> {
    let Some((competency, tier)) = offer.earned() else { return Ok(None) };
    if store::competencies::approved_unpaid(tx, org, competency.as_str(), tier.as_str()).await?.is_none() {
        return Err(conflict(
            "not_approved",
            format!(
                "{} is earned: apply for it with your evidence, and pay its fee once staff approved it",
                offer.name()
            ),
        ));
    }
    if tier != domain::catalog::CompetencyTier::Gold {
        return Ok(None);
    }
    let catalog = app.catalog();
    let silver = catalog
        .competency(competency.as_str())
        .map(|c| c.fee_offer_code(domain::catalog::CompetencyTier::Silver))
        .unwrap_or_default();
    let subs = store::subscriptions::list_in_org(tx, org).await?;
    Ok(subs.into_iter().find(|s| {
        s.offer_code == silver && s.status.parse::<domain::subscription::Status>().is_ok_and(|st| st.is_live())
    }))
}

/// At Buy, the credit of an order that replaces a subscription (Gold over Silver) is taken
/// again for today: the replaced term may have run on, been renewed or ended since the order
/// started. Writes the new price and returns `true` when it changed; refuses while a payment
/// for the replaced subscription is out (a renewal being charged).
async fn requote_replacement(app: &App, tx: &mut store::Conn, order: &OrderRecord) -> Result<bool, AppError> {
    let catalog = app.catalog();
    let offer = catalog.offer(&order.offer_code).ok_or(AppError::NotFound("offer"))?;
    let country =
        catalog.country(&order.country).ok_or_else(|| AppError::Internal("country left the catalog".into()))?;
    let old = match &order.replaces_subscription_id {
        Some(id) => store::subscriptions::get_in_org(tx, &order.org_id, id).await?,
        None => None,
    };
    let old = old.filter(|s| s.status.parse::<domain::subscription::Status>().is_ok_and(|st| st.is_live()));
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
            money(sub.price_minor, &sub.currency)?,
            Term { start: sub.term_start, end: sub.term_end },
            program_day(app.now(), catalog.program().time_zone()),
        ),
        None => Money::zero(country.currency()),
    };
    let replaces = old.as_ref().map(|s| s.id.as_str());
    if credit.minor() == order.credit_minor && replaces == order.replaces_subscription_id.as_deref() {
        return Ok(false);
    }
    let quote = order::quote_with_credit(offer, country, credit).map_err(|r| conflict("cannot_buy", r.to_string()))?;
    let prices = (quote.net.minor(), quote.tax.minor(), quote.total.minor(), credit.minor());
    store::orders::set_quote(tx, &order.id, prices, replaces).await?;
    Ok(true)
}

/// Sets aside an unpaid draft of another kind (a renewal when Subscribe now is pressed, or the
/// other way round): no money is tied to a draft, and one open draft per offer is the rule. A
/// draft whose payment is out is not set aside.
pub(crate) async fn abandon_draft(tx: &mut store::Conn, draft: &OrderRecord) -> Result<(), AppError> {
    if draft.status != OrderStatus::Draft.as_str() {
        return Err(conflict(
            "payment_in_progress",
            "a payment for this offer is being processed; try again in a moment",
        ));
    }
    store::orders::set_status(tx, &draft.id, "abandoned", &draft.step, None).await?;
    Ok(())
}

/// An order of the actor's org.
pub async fn order(app: &App, actor: &PartnerUser, id: &str) -> Result<OrderRecord, AppError> {
    require_buyer(actor)?;
    let mut conn = app.store().read().await?;
    store::orders::get_in_org(&mut conn, &actor.org_id, id).await?.ok_or(AppError::NotFound("order"))
}

/// The org's orders, newest first (those who may buy).
pub async fn orders(app: &App, actor: &PartnerUser) -> Result<Vec<OrderRecord>, AppError> {
    require_buyer(actor)?;
    let mut conn = app.store().read().await?;
    Ok(store::orders::list_in_org(&mut conn, &actor.org_id).await?)
}

/// The Terms and Conditions in force today for an order's offer.
pub fn current_terms(app: &App, order: &OrderRecord) -> Result<domain::catalog::TermsDocument, AppError> {
    let catalog = app.catalog();
    let today = program_day(app.now(), catalog.program().time_zone());
    catalog
        .current_terms(&order.terms_code, today)
        .cloned()
        .ok_or_else(|| AppError::Internal(format!("no terms {} in force", order.terms_code)))
}

/// Loads a draft of the actor's org for a change, inside `tx`, with its row locked.
async fn draft_for_change(tx: &mut store::Conn, actor: &PartnerUser, id: &str) -> Result<OrderRecord, AppError> {
    require_buyer(actor)?;
    store::orders::lock(tx, &actor.org_id, id).await?;
    let order = store::orders::get_in_org(tx, &actor.org_id, id).await?.ok_or(AppError::NotFound("order"))?;
    match order.status.parse::<OrderStatus>() {
        Ok(OrderStatus::Draft) => Ok(order),
        Ok(OrderStatus::Paying) => Err(conflict("payment_in_progress", "a payment for this order is being processed")),
        Ok(OrderStatus::Paid) => Err(conflict("order_paid", "this order is paid already")),
        Err(_) => Err(conflict("order_closed", "this order was set aside; start again from Partnership > Offers")),
    }
}

fn step_of(order: &OrderRecord) -> Step {
    order.step.parse().unwrap_or(Step::Terms)
}

/// Next on the verify step of a renewal: the order is as the partner expects; on to the terms.
pub async fn verify_order(app: &App, actor: &PartnerUser, id: &str) -> Result<OrderRecord, AppError> {
    let mut tx = app.store().write().await?;
    let order = draft_for_change(&mut tx, actor, id).await?;
    if step_of(&order) == Step::Verify {
        store::orders::set_step(&mut tx, id, Step::Terms.as_str(), None, None).await?;
    }
    tx.commit().await?;
    order_after(app, actor, id).await
}

/// Next on the terms step: records who accepted which version, when and from where.
pub async fn accept_terms(
    app: &App,
    actor: &PartnerUser,
    id: &str,
    version: &str,
    origin: &Origin,
) -> Result<OrderRecord, AppError> {
    let mut tx = app.store().write().await?;
    let order = draft_for_change(&mut tx, actor, id).await?;
    let terms = current_terms(app, &order)?;
    if terms.version() != version {
        return Err(conflict(
            "terms_changed",
            format!("the Terms and Conditions are now version {}; read them and agree again", terms.version()),
        ));
    }
    let acceptance_id = app.new_id(AcceptanceId::from_random).to_string();
    let now = app.now();
    let acceptance = store::orders::TermsAcceptance {
        id: &acceptance_id,
        org_id: &actor.org_id,
        order_id: id,
        user_id: actor.id.as_str(),
        user_name: &actor.name,
        terms_code: &order.terms_code,
        terms_version: version,
        accepted_at: now,
        address: origin.address.as_deref(),
    };
    store::orders::record_acceptance(&mut tx, &acceptance).await?;
    let next = if step_of(&order) > Step::Payment { step_of(&order) } else { Step::Payment };
    store::orders::set_step(&mut tx, id, next.as_str(), Some(version), None).await?;
    let detail = format!("agreed to {} version {}", terms.title(), version);
    let change = Change { org: Some(&actor.org_id), action: "terms.accepted", subject: id, detail };
    audit::record(app, &mut tx, Who::actor(&crate::actor::Actor::Partner(actor.clone())), origin, change).await?;
    tx.commit().await?;
    order_after(app, actor, id).await
}

async fn order_after(app: &App, actor: &PartnerUser, id: &str) -> Result<OrderRecord, AppError> {
    let mut conn = app.store().read().await?;
    store::orders::get_in_org(&mut conn, &actor.org_id, id).await?.ok_or(AppError::NotFound("order"))
}

/// Next on the payment step: the order will be paid with `payment_method_id`.
pub async fn choose_payment_method(
    app: &App,
    actor: &PartnerUser,
    id: &str,
    payment_method_id: &str,
) -> Result<OrderRecord, AppError> {
    let mut tx = app.store().write().await?;
    let order = draft_for_change(&mut tx, actor, id).await?;
    if step_of(&order) < Step::Payment {
        return Err(conflict("terms_not_accepted", "agree to the Terms and Conditions first"));
    }
    let pm = store::payment_methods::get_in_org(&mut tx, &actor.org_id, payment_method_id)
        .await?
        .filter(|pm| pm.gateway == app.gateway().name())
        .ok_or_else(|| domain::account::InvalidInput::new("payment_method_id", "choose one of your saved cards"))?;
    store::orders::set_step(&mut tx, id, Step::Review.as_str(), None, Some(&pm.id)).await?;
    tx.commit().await?;
    order_after(app, actor, id).await
}

/// Back to an earlier step of the wizard.
pub async fn go_to_step(app: &App, actor: &PartnerUser, id: &str, step: Step) -> Result<OrderRecord, AppError> {
    let mut tx = app.store().write().await?;
    let order = draft_for_change(&mut tx, actor, id).await?;
    if !step_of(&order).may_go_to(step) {
        return Err(conflict("step_not_reached", "finish the earlier steps first"));
    }
    store::orders::set_step(&mut tx, id, step.as_str(), None, None).await?;
    tx.commit().await?;
    order_after(app, actor, id).await
}

/// Attempt `n` at charging `order` to a card: its idempotency key names the order and the try,
/// so a repeat of the same try never charges twice.
pub(crate) fn new_attempt(app: &App, order: &OrderRecord, payment_method_id: &str, n: i64) -> AttemptRecord {
    AttemptRecord {
        id: app.new_id(PaymentAttemptId::from_random).to_string(),
        order_id: order.id.clone(),
        idempotency_key: format!("{}-attempt-{n}", order.id),
        payment_method_id: payment_method_id.to_owned(),
        gateway: app.gateway().name().to_owned(),
        amount_minor: order.total_minor,
        currency: order.currency.clone(),
        status: "pending".into(),
        // The wall clock's time: reconciliation on any process judges the attempt's age by it.
        created_at: app.wall_now(),
    }
}

/// An answer as kept for an Idempotency-Key: HTTP status and body.
pub type KeptAnswer = (u16, String);

/// The Idempotency-Key of a Buy, claimed and answered in the order's own transactions.
pub struct BuyKey<'a> {
    pub principal: &'a str,
    pub key: &'a str,
    pub request_hash: &'a str,
    /// The answer a request that pays the order gives (status, body), as the caller renders it.
    pub answer: &'a (dyn Fn(&OrderRecord) -> Result<KeptAnswer, AppError> + Sync),
}

/// Buy: charges the order's total to its card once, and on success issues the subscription and
/// the invoice. A paid order answers with itself; a payment in flight is reconciled first.
///
/// With a `key`, a key seen before answers [`BuyOutcome::KeySeen`] and nothing runs. The claim
/// is undone with the transaction when Buy ends before the payment starts (an error, an order
/// already paid): the caller then keeps the answer itself.
pub async fn buy(
    app: &App,
    actor: &PartnerUser,
    id: &str,
    origin: &Origin,
    key: Option<&BuyKey<'_>>,
) -> Result<BuyOutcome, AppError> {
    require_buyer(actor)?;
    actor.require_verified_email("buy")?;
    let who = || Who::actor(&crate::actor::Actor::Partner(actor.clone()));
    let mut tx = app.store().write().await?;
    // The org's lock first, as everywhere (ARCHITECTURE.md, "Lock order").
    store::orgs::lock(&mut tx, &actor.org_id).await?;
    if let Some(k) = key {
        match store::idempotency::claim(&mut tx, k.principal, k.key, k.request_hash, app.now()).await? {
            Seen::New => {}
            seen => return Ok(BuyOutcome::KeySeen(seen)),
        }
    }
    // The order's own lock too, so that a wizard step (which takes only that one) cannot change
    // the card between this look and the charge.
    store::orders::lock(&mut tx, &actor.org_id, id).await?;
    let order = store::orders::get_in_org(&mut tx, &actor.org_id, id).await?.ok_or(AppError::NotFound("order"))?;
    match order.status.parse::<OrderStatus>() {
        Ok(OrderStatus::Paid) => return Ok(BuyOutcome::Paid { order, answer: None }),
        Ok(OrderStatus::Paying) => {
            let pending = store::orders::pending_attempt(&mut tx, id).await?;
            drop(tx);
            if let Some(attempt) = pending {
                reconcile_attempt(app, &attempt).await?;
            }
            let order = order_after(app, actor, id).await?;
            return match order.status.parse::<OrderStatus>() {
                Ok(OrderStatus::Paid) => Ok(BuyOutcome::Paid { order, answer: None }),
                // The attempt was given up on without a charge (the process that wrote it died
                // before sending it): the order is back at the review, and this request pays it.
                Ok(OrderStatus::Draft) if step_of(&order) == Step::Review => {
                    Box::pin(buy(app, actor, id, origin, key)).await
                }
                Ok(OrderStatus::Draft) => {
                    Err(conflict("payment_not_completed", order.last_decline.unwrap_or_default()))
                }
                _ => Err(conflict(
                    "payment_in_progress",
                    "the payment for this order is being processed; try again in a moment",
                )),
            };
        }
        Ok(OrderStatus::Draft) => {}
        Err(_) => {
            return Err(conflict("order_closed", "this order was set aside; start again from Partnership > Offers"));
        }
    }
    if order.kind == "auto_renewal" {
        return Err(conflict(
            "renewal_run_order",
            "this order is paid by the automatic renewal; use Renew subscriptions",
        ));
    }
    if step_of(&order) != Step::Review || order.terms_version.is_none() {
        return Err(conflict("step_not_reached", "agree to the terms and choose a card before you buy"));
    }
    if order.kind == "purchase" {
        check_can_buy(app, &mut tx, &actor.org_id, &order.offer_code).await?;
    } else {
        crate::lifecycle::check_can_renew(app, &mut tx, &order).await?;
    }
    let pm_id = order.payment_method_id.clone().ok_or_else(|| conflict("no_payment_method", "choose a card first"))?;
    let pm = store::payment_methods::get_in_org(&mut tx, &actor.org_id, &pm_id)
        .await?
        .ok_or(AppError::NotFound("payment method"))?;
    let customer = store::payment_methods::customer(&mut tx, &actor.org_id, app.gateway().name())
        .await?
        .ok_or_else(|| AppError::Internal("a saved card without a gateway customer".into()))?;
    let n = store::orders::count_attempts(&mut tx, id).await? + 1;
    // The attempt's time is when it goes to the gateway: with a rate limit, wait for a turn
    // first, so that reconciliation never gives up on an attempt still queued here, and let go
    // of the writer meanwhile; then look at the order again. Without one, go on in the same
    // transaction, whose locks have held since the first look.
    let (mut tx, current) = if app.paces_charges() {
        // The key stays claimed while this request waits.
        if key.is_some() {
            tx.commit().await?;
        } else {
            drop(tx);
        }
        app.charge_turn().await;
        let mut tx = app.store().write().await?;
        store::orgs::lock(&mut tx, &actor.org_id).await?;
        store::orders::lock(&mut tx, &actor.org_id, id).await?;
        let current =
            store::orders::get_in_org(&mut tx, &actor.org_id, id).await?.ok_or(AppError::NotFound("order"))?;
        (tx, current)
    } else {
        (tx, order.clone())
    };
    if current.payment_method_id != order.payment_method_id || current.step != order.step {
        return Err(conflict(
            "order_changed",
            "the order changed while you were buying; check the review and buy again",
        ));
    }
    if current.status != OrderStatus::Draft.as_str() {
        return Err(conflict(
            "payment_in_progress",
            "the payment for this order is being processed; try again in a moment",
        ));
    }
    if current.replaces_subscription_id.is_some() && requote_replacement(app, &mut tx, &current).await? {
        tx.commit().await?;
        return Err(conflict(
            "order_changed",
            "the credit for the unused time of the subscription this order replaces has changed; check the new total and buy again",
        ));
    }
    let attempt = new_attempt(app, &order, &pm.id, n);
    store::orders::insert_attempt(&mut tx, &attempt).await?;
    store::orders::set_status(&mut tx, id, OrderStatus::Paying.as_str(), Step::Review.as_str(), None).await?;
    // The attempt is on disk before a gateway elsewhere charges, so that no crash can forget a
    // charge made. A charge of the sandbox is written to our own log after the attempt, and
    // the answer's record after both waits for the disk: the attempt need not wait itself.
    if app.gateway().charges_in_our_database() {
        tx.commit_before_flush().await?;
    } else {
        tx.commit().await?;
    }
    if app.settings().fault == Some(crate::settings::Fault::CrashBeforeCharge) {
        tracing::error!("fault injection: crashing after the payment attempt, before the charge");
        std::process::abort();
    }

    let amount = money(order.total_minor, &order.currency)?;
    let description = format!("{} subscription, order {id}", order.offer_name);
    let description = if order.kind == "purchase" { description } else { format!("Renewal of the {description}") };
    let answer = if amount.minor() == 0 {
        nothing_to_charge()
    } else {
        app.gateway().charge(&customer, &pm.gateway_ref, amount, &attempt.idempotency_key, &description).await
    };
    if app.settings().fault == Some(crate::settings::Fault::CrashAfterCharge) {
        tracing::error!("fault injection: crashing after the gateway answered, before recording");
        std::process::abort();
    }
    if let Some((order, answer)) = settle_keyed(app, &attempt, answer, who(), origin, key).await? {
        return Ok(BuyOutcome::Paid { order, answer: Some(answer) });
    }
    let order = order_after(app, actor, id).await?;
    Ok(match order.status.parse::<OrderStatus>() {
        Ok(OrderStatus::Paid) => BuyOutcome::Paid { order, answer: None },
        _ => {
            let message = order.last_decline.clone().unwrap_or_else(|| "The payment did not go through.".into());
            BuyOutcome::Declined { order, message }
        }
    })
}

/// The charge reference of an attempt for nothing: the credit for a replaced subscription can
/// cover a whole order, and a gateway refuses a charge of zero, so none is sent. The attempt is
/// kept all the same, so that such an order is paid and reconciled like any other.
pub(crate) const NOTHING_CHARGED: &str = "nothing-charged";

fn nothing_to_charge() -> Result<ChargeOutcome, GatewayError> {
    Ok(ChargeOutcome::Succeeded { charge_ref: NOTHING_CHARGED.to_owned() })
}

/// Records what the gateway said about an attempt. An unknown outcome leaves it pending for
/// reconciliation and answers with an error that says so.
pub(crate) async fn settle(
    app: &App,
    attempt: &AttemptRecord,
    answer: Result<ChargeOutcome, GatewayError>,
    who: Who,
    origin: &Origin,
) -> Result<(), AppError> {
    settle_keyed(app, attempt, answer, who, origin, None).await.map(|_| ())
}

/// [`settle`], keeping a Buy's answer with the paid order: the order and the answer when this
/// call paid it with a key.
async fn settle_keyed(
    app: &App,
    attempt: &AttemptRecord,
    answer: Result<ChargeOutcome, GatewayError>,
    who: Who,
    origin: &Origin,
    key: Option<&BuyKey<'_>>,
) -> Result<Option<(OrderRecord, KeptAnswer)>, AppError> {
    match answer {
        Ok(ChargeOutcome::Succeeded { charge_ref }) => complete_paid(app, attempt, &charge_ref, who, origin, key).await,
        Ok(ChargeOutcome::Declined(d)) | Err(GatewayError::Declined(d)) => {
            record_decline(app, attempt, "declined", &d.code, &d.message, who, origin).await.map(|()| None)
        }
        Err(GatewayError::Invalid(message)) => {
            record_decline(app, attempt, "declined", "invalid_request", &message, who, origin).await.map(|()| None)
        }
        Err(GatewayError::Unavailable(why)) => {
            tracing::warn!(attempt = %attempt.id, error = %why, "payment outcome unknown; left for reconciliation");
            Err(AppError::PaymentPending)
        }
    }
}

pub(crate) async fn record_decline(
    app: &App,
    attempt: &AttemptRecord,
    status: &str,
    code: &str,
    message: &str,
    who: Who,
    origin: &Origin,
) -> Result<(), AppError> {
    let mut tx = app.store().write().await?;
    lock_org_of(&mut tx, attempt).await?;
    if store::orders::settle_attempt(&mut tx, &attempt.id, status, None, Some((code, message)), app.now()).await? {
        // A card refused goes back to the payment step, to choose another; an attempt that
        // never reached the gateway back to the review, so that a retry of the same Buy pays.
        let step = if status == "abandoned" { Step::Review } else { Step::Payment };
        store::orders::set_status(
            &mut tx,
            &attempt.order_id,
            OrderStatus::Draft.as_str(),
            step.as_str(),
            Some(message),
        )
        .await?;
        let order = store::orders::get(&mut tx, &attempt.order_id).await?.ok_or(AppError::NotFound("order"))?;
        let detail = format!(
            "payment of {} {} not taken: {message} ({code})",
            money(attempt.amount_minor, &attempt.currency)?.format_amount(),
            attempt.currency
        );
        let change =
            Change { org: Some(&order.org_id), action: "order.payment_failed", subject: &attempt.order_id, detail };
        audit::record(app, &mut tx, who, origin, change).await?;
        let data = serde_json::json!({
            "order_id": order.id,
            "kind": order.kind,
            "offer": order.offer_code,
            "subscription_id": order.subscription_id,
            "code": code,
            "message": message,
        });
        let key = order.subscription_id.clone().unwrap_or_else(|| order.id.clone());
        crate::webhooks::emit_one(app, &mut tx, "order.failed", &order.org_id, &key, data).await?;
        // Only a charge the gateway refused counts against an automatic renewal; an attempt
        // that never reached it (abandoned) leaves the subscription due, to be charged again.
        if order.kind == "auto_renewal" && status == "declined" {
            crate::lifecycle::renewal_failed(app, &mut tx, &order, message).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Takes the lock of the org whose order `attempt` pays, before any row of the order or the
/// attempt: one lock order everywhere, so that two settlers (or a settler and a renewal run)
/// never wait for each other in a ring.
async fn lock_org_of(tx: &mut store::Conn, attempt: &AttemptRecord) -> Result<(), AppError> {
    let order = store::orders::get(tx, &attempt.order_id).await?.ok_or(AppError::NotFound("order"))?;
    store::orgs::lock(tx, &order.org_id).await?;
    Ok(())
}

/// Finishes a paid order: the subscription, the invoice, the receipt, the audit row, in one
/// transaction. Settling the attempt first makes a racing second finisher a no-op. With a
/// `key`, the key's answer is kept in the same transaction and comes back with the paid order.
async fn complete_paid(
    app: &App,
    attempt: &AttemptRecord,
    charge_ref: &str,
    who: Who,
    origin: &Origin,
    key: Option<&BuyKey<'_>>,
) -> Result<Option<(OrderRecord, KeptAnswer)>, AppError> {
    use chrono::SubsecRound;
    let catalog = app.catalog();
    // As stored (microseconds), so that the order in the kept answer reads as a later read does.
    let now = app.now().trunc_subsecs(6);
    let mut tx = app.store().write().await?;
    lock_org_of(&mut tx, attempt).await?;
    if !store::orders::settle_attempt(&mut tx, &attempt.id, "succeeded", Some(charge_ref), None, now).await? {
        // Settled before: as a success (nothing to do), or given up on while the charge was in
        // fact taken. Money taken is never dropped: the late success is recorded and the order
        // finished, or flagged for a refund when the order was paid another way.
        if !store::orders::settle_late_success(&mut tx, &attempt.id, charge_ref, now).await? {
            return Ok(None);
        }
        tracing::warn!(attempt = %attempt.id, "a payment given up on was taken after all; recording it");
    }
    let order = store::orders::get(&mut tx, &attempt.order_id).await?.ok_or(AppError::NotFound("order"))?;
    if order.status == OrderStatus::Paid.as_str() {
        let detail = format!(
            "charge {charge_ref} of {} {} for an order already paid: refund it",
            money(attempt.amount_minor, &attempt.currency)?.format_amount(),
            attempt.currency
        );
        tracing::error!(order = %order.id, %charge_ref, "a second charge for a paid order; it needs a refund");
        let change = Change { org: Some(&order.org_id), action: "payment.needs_refund", subject: &order.id, detail };
        audit::record(app, &mut tx, who, origin, change).await?;
        tx.commit().await?;
        return Ok(None);
    }
    let org = store::orgs::get(&mut tx, &order.org_id).await?.ok_or(AppError::NotFound("org"))?;
    let pm = store::payment_methods::get_in_org(&mut tx, &order.org_id, &attempt.payment_method_id)
        .await?
        .ok_or(AppError::NotFound("payment method"))?;
    let (term, subscription_id) = match order.kind.as_str() {
        "purchase" => {
            let term = Term::first(program_day(now, catalog.program().time_zone()));
            let subscription = SubscriptionRecord {
                id: app.new_id(SubscriptionId::from_random).to_string(),
                org_id: order.org_id.clone(),
                offer_code: order.offer_code.clone(),
                offer_name: order.offer_name.clone(),
                status: "active".into(),
                auto_renew: true,
                anchor_date: term.start,
                term_start: term.start,
                term_end: term.end,
                currency: order.currency.clone(),
                // The list price: a credit on the first order does not lower the renewals.
                price_minor: order.net_minor + order.credit_minor,
                payment_method_id: Some(pm.id.clone()),
                created_at: now,
                retries_done: 0,
                next_retry_on: None,
                ends_cancelled: false,
            };
            store::subscriptions::insert(&mut tx, &subscription).await?;
            if let Some(offer) = catalog.offer(&order.offer_code) {
                crate::competencies::fee_paid(&mut tx, &order, offer, &subscription.id).await?;
            }
            if let Some(old) = &order.replaces_subscription_id {
                replace_subscription(app, &mut tx, &order, old).await?;
            }
            (term, subscription.id)
        }
        _ => (
            crate::lifecycle::apply_renewal(app, &mut tx, &order, &pm.id).await?,
            order.subscription_id.clone().unwrap_or_default(),
        ),
    };
    let series = invoice_series(app);
    let seq = store::invoices::next_number(&mut tx, &series).await?;
    let billed = Billed {
        org_name: org.name.as_str(),
        partner_id: &org.partner_id.to_string(),
        country: &org.country,
        brand: &pm.brand,
        last4: &pm.last4,
    };
    let invoice = invoice_for(app, &order, &billed, term, &series, seq, charge_ref);
    store::invoices::insert(&mut tx, &invoice).await?;
    let paid = Paid {
        paid_at: now,
        term_start: term.start,
        term_end: term.end,
        subscription_id: &subscription_id,
        invoice_id: &invoice.id,
    };
    store::orders::mark_paid(&mut tx, &order.id, &paid).await?;
    let recipients = store::users::receipt_recipients(&mut tx, &[&order.org_id]).await?;
    let emails: Vec<_> = receipts(app, &order, &invoice, &recipients)?;
    store::outbox::insert_many(&mut tx, &emails).await?;
    audit::record(app, &mut tx, who, origin, paid_change(&order, &invoice)?).await?;
    crate::webhooks::emit(app, &mut tx, crate::webhooks::paid_events(&order, &invoice, &subscription_id)).await?;
    let kept = match key {
        Some(k) => {
            let order = OrderRecord {
                status: OrderStatus::Paid.as_str().into(),
                last_decline: None,
                paid_at: Some(now),
                term_start: Some(term.start),
                term_end: Some(term.end),
                subscription_id: Some(subscription_id.clone()),
                invoice_id: Some(invoice.id.clone()),
                ..order.clone()
            };
            let (status, body) = (k.answer)(&order)?;
            store::idempotency::finish(&mut tx, k.principal, k.key, status, &body).await?;
            Some((order, (status, body)))
        }
        None => None,
    };
    tx.commit().await?;
    tracing::info!(order = %order.id, invoice = %invoice.number, "order paid");
    Ok(kept)
}

/// Ends the subscription a paid order replaces (Silver, when Gold is bought): cancelled at
/// once, its benefits ended, its competency application expired. Its unused time was credited
/// on the order.
async fn replace_subscription(app: &App, tx: &mut store::Conn, order: &OrderRecord, old: &str) -> Result<(), AppError> {
    let Some(sub) = store::subscriptions::get_in_org(tx, &order.org_id, old).await? else { return Ok(()) };
    if !sub.status.parse::<domain::subscription::Status>().is_ok_and(|s| s.is_live()) {
        return Ok(());
    }
    store::subscriptions::set_status(tx, &sub.id, domain::subscription::Status::Cancelled.as_str()).await?;
    crate::benefits::end(app, tx, &sub.id).await?;
    store::competencies::expire_for_subscription(tx, &sub.id, app.now()).await?;
    let detail =
        format!("the {} subscription was replaced by {} (order {})", sub.offer_name, order.offer_name, order.id);
    let change = Change { org: Some(&order.org_id), action: "subscription.replaced", subject: &sub.id, detail };
    audit::record(app, tx, Who::system("checkout"), &Origin::system("checkout"), change).await
}

/// The series of invoices issued now: one per year of the program's calendar.
pub(crate) fn invoice_series(app: &App) -> String {
    format!("INV-{}", program_day(app.now(), app.catalog().program().time_zone()).year())
}

/// Who paid and with what, as the invoice names them.
pub(crate) struct Billed<'a> {
    pub org_name: &'a str,
    pub partner_id: &'a str,
    /// The country code; the invoice shows its name.
    pub country: &'a str,
    pub brand: &'a str,
    pub last4: &'a str,
}

/// The invoice of a paid order, numbered `seq` in `series`.
pub(crate) fn invoice_for(
    app: &App,
    order: &OrderRecord,
    billed: &Billed<'_>,
    term: Term,
    series: &str,
    seq: i64,
    charge_ref: &str,
) -> InvoiceRecord {
    let catalog = app.catalog();
    let country_name = catalog.country(billed.country).map_or(billed.country.to_owned(), |c| c.name().to_owned());
    InvoiceRecord {
        id: app.new_id(InvoiceId::from_random).to_string(),
        number: format!("{series}-{seq:06}"),
        org_id: order.org_id.clone(),
        order_id: order.id.clone(),
        issued_at: app.now(),
        currency: order.currency.clone(),
        net_minor: order.net_minor,
        tax_minor: order.tax_minor,
        total_minor: order.total_minor,
        tax_rate_bp: order.tax_rate_bp,
        description: match (order.kind.as_str(), order.credit_minor) {
            ("purchase", 0) => format!("{} subscription", order.offer_name),
            ("purchase", credit) => format!(
                "{} subscription, less {} credited for the unused time of the subscription it replaces",
                order.offer_name,
                money(credit, &order.currency).map_or_else(|_| credit.to_string(), |m| m.to_string())
            ),
            _ => format!("{} subscription, renewal", order.offer_name),
        },
        period_start: term.start,
        period_end: term.end,
        seller_name: catalog.program().vendor_name().to_owned(),
        seller_address: catalog.program().vendor_address().to_owned(),
        buyer_name: billed.org_name.to_owned(),
        buyer_partner_id: billed.partner_id.to_owned(),
        buyer_country: country_name,
        paid_with: if charge_ref == NOTHING_CHARGED {
            "the credit for the replaced subscription (nothing charged)".to_owned()
        } else {
            crate::invoices::card_label(billed.brand, billed.last4)
        },
        charge_ref: charge_ref.to_owned(),
    }
}

/// The receipts of a paid order: one to each of the org's Billing admins and Global admins
/// (`recipients` may hold other orgs' too; they are skipped).
pub(crate) fn receipts(
    app: &App,
    order: &OrderRecord,
    invoice: &InvoiceRecord,
    recipients: &[store::users::Recipient],
) -> Result<Vec<store::outbox::OutboxEmail>, AppError> {
    let total = money(invoice.total_minor, &invoice.currency)?;
    let link = format!("{}/invoices/{}", app.settings().public_url, invoice.id);
    let subject = format!("Receipt for your {} subscription ({})", order.offer_name, invoice.number);
    Ok(recipients
        .iter()
        .filter(|u| u.org_id == order.org_id)
        .map(|user| {
            let body = format!(
                "Hello {},\n\nYour order for {} is confirmed.\n\nInvoice {}: {total}, paid by {}.\nTerm: {} to {}.\n\nThe invoice: {link}\n",
                user.name, order.offer_name, invoice.number, invoice.paid_with, invoice.period_start, invoice.period_end,
            );
            crate::outbox::email(app, user.email.as_str(), &subject, body)
        })
        .collect())
}

/// The audit change of a paid order.
pub(crate) fn paid_change<'a>(order: &'a OrderRecord, invoice: &InvoiceRecord) -> Result<Change<'a>, AppError> {
    let total = money(order.total_minor, &order.currency)?;
    let detail = format!("paid {total} for {} ({}), invoice {}", order.offer_name, invoice.paid_with, invoice.number);
    let action = if order.kind == "purchase" { "order.paid" } else { "subscription.renewed" };
    Ok(Change { org: Some(&order.org_id), action, subject: &order.id, detail })
}

/// Asks the gateway what became of a pending attempt and records it.
pub(crate) async fn reconcile_attempt(app: &App, attempt: &AttemptRecord) -> Result<(), AppError> {
    let customer = {
        let mut conn = app.store().read().await?;
        let order = store::orders::get(&mut conn, &attempt.order_id).await?.ok_or(AppError::NotFound("order"))?;
        store::payment_methods::customer(&mut conn, &order.org_id, &attempt.gateway).await?.unwrap_or_default()
    };
    let who = || Who::system("payment reconciliation");
    let origin = Origin::system("reconciliation");
    if attempt.amount_minor == 0 {
        // Left by a crash before it was recorded: nothing went to the gateway, nothing to ask.
        return settle(app, attempt, nothing_to_charge(), who(), &origin).await;
    }
    if attempt.gateway != app.gateway().name() {
        tracing::warn!(attempt = %attempt.id, gateway = %attempt.gateway, "a pending attempt at another gateway; reconcile it by hand");
        return Ok(());
    }
    match app.gateway().find_charge(&customer, &attempt.idempotency_key).await {
        Ok(Some(outcome)) => settle(app, attempt, Ok(outcome), who(), &origin).await,
        Ok(None) if app.wall_now() - attempt.created_at >= app.settings().abandon_after => {
            let message = "The payment did not reach the payment gateway and nothing was charged; try again.";
            record_decline(app, attempt, "abandoned", "not_sent", message, who(), &origin).await
        }
        Ok(None) => Ok(()),
        Err(e) => {
            tracing::warn!(attempt = %attempt.id, error = %e, "cannot reconcile now");
            Ok(())
        }
    }
}

/// Reconciles every pending payment attempt (at start-up and then every minute); returns how
/// many were looked at.
pub async fn reconcile_pending(app: &App) -> Result<usize, AppError> {
    let attempts = {
        let mut conn = app.store().read().await?;
        store::orders::pending_attempts_before(&mut conn, app.wall_now()).await?
    };
    for attempt in &attempts {
        if let Err(e) = reconcile_attempt(app, attempt).await {
            tracing::warn!(attempt = %attempt.id, error = %e, "reconciliation failed");
        }
    }
    Ok(attempts.len())
}
