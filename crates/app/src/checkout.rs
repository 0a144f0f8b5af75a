//! The order wizard: Subscribe now → terms → payment → review; Buy itself is `payment`.

use crate::actor::{Origin, PartnerUser};
use crate::audit::{self, Change, Who};
use crate::error::AppError;
use crate::order::{abandon_draft, check_can_buy, conflict, order_after, require_buyer};
use crate::state::App;
use domain::competency::ApplicationStatus;
use domain::ids::{AcceptanceId, OrderId, PaymentMethodId};
use domain::money::Money;
use domain::order::{self, OrderKind, OrderStatus, Step};
use domain::term::{Term, program_day};
use store::orders::OrderRecord;
use store::subscriptions::SubscriptionRecord;

/// Subscribe now: the org's open draft for the offer, or a new one at the terms step.
pub async fn subscribe(
    app: &App,
    actor: &PartnerUser,
    offer_code: &str,
    origin: &Origin,
) -> Result<OrderRecord, AppError> {
    require_buyer(actor)?;
    actor.require_verified_email(i18n::key("error-act-buy"))?;
    let catalog = app.catalog();
    let offer = catalog.offer(offer_code).ok_or(AppError::NotFound("offer"))?;
    let mut tx = app.store().write().await?;
    store::orgs::lock(&mut tx, &actor.org_id).await?;
    if let Some(draft) = store::orders::open_draft(&mut tx, &actor.org_id, offer_code).await? {
        if draft.kind == OrderKind::Purchase {
            return Ok(draft);
        }
        abandon_draft(&mut tx, &draft).await?;
    }
    check_can_buy(app, &mut tx, &actor.org_id, offer_code).await?;
    let org = store::orgs::get(&mut tx, &actor.org_id).await?.ok_or(AppError::NotFound("org"))?;
    let country = catalog
        .country(&org.country)
        .ok_or_else(|| AppError::internal(format!("country {} left the catalog", org.country)))?;
    let replaced = earned_offer_check(app, &mut tx, &actor.org_id, offer).await?;
    let credit = match &replaced {
        Some(old) => domain::competency::unused_credit(
            old.price,
            Term { start: old.term_start, end: old.term_end },
            program_day(app.now(), catalog.program().time_zone()),
        ),
        None => Money::zero(country.currency()),
    };
    let quote = order::quote_with_credit(offer, country, credit)
        .map_err(|r| conflict("cannot_buy", crate::order::refusal(&r)))?;
    let draft = OrderRecord {
        id: app.new_id(OrderId::from_random),
        org_id: actor.org_id.clone(),
        offer_code: offer_code.to_owned(),
        offer_name: offer.name().to_owned(),
        status: OrderStatus::Draft,
        step: Step::Terms,
        country: org.country.clone(),
        net: quote.net,
        tax: quote.tax,
        total: quote.total,
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
        kind: OrderKind::Purchase,
        renews_term_end: None,
        credit,
        replaces_subscription_id: replaced.map(|s| s.id),
    };
    store::orders::insert(&mut tx, &draft).await?;
    let change = Change {
        org: Some(&actor.org_id),
        action: "order.started",
        subject: draft.id.as_str(),
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
    if store::competencies::approved_unpaid(tx, org, competency.as_str(), tier).await?.is_none() {
        return Err(conflict(
            "not_approved",
            crate::text::Text::new(i18n::key("error-offer-earned")).arg("offer", offer.name()),
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
    Ok(subs.into_iter().find(|s| s.offer_code == silver && s.status.is_live()))
}

/// An order of the actor's org.
pub async fn order(app: &App, actor: &PartnerUser, id: &OrderId) -> Result<OrderRecord, AppError> {
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
        .ok_or_else(|| AppError::internal(format!("no terms {} in force", order.terms_code)))
}

/// Loads a draft of the actor's org for a change, inside `tx`, with its row locked.
async fn draft_for_change(tx: &mut store::Conn, actor: &PartnerUser, id: &OrderId) -> Result<OrderRecord, AppError> {
    require_buyer(actor)?;
    store::orders::lock(tx, &actor.org_id, id).await?;
    let order = store::orders::get_in_org(tx, &actor.org_id, id).await?.ok_or(AppError::NotFound("order"))?;
    match order.status {
        OrderStatus::Draft => Ok(order),
        OrderStatus::Paying => Err(conflict("payment_in_progress", i18n::key("error-order-payment-in-progress"))),
        OrderStatus::Paid => Err(conflict("order_paid", i18n::key("error-order-paid"))),
        OrderStatus::Abandoned => Err(conflict("order_closed", i18n::key("error-order-closed"))),
    }
}

/// Next on the verify step of a renewal: the order is as the partner expects; on to the terms.
pub async fn verify_order(app: &App, actor: &PartnerUser, id: &OrderId) -> Result<OrderRecord, AppError> {
    let mut tx = app.store().write().await?;
    let order = draft_for_change(&mut tx, actor, id).await?;
    if order.step == Step::Verify {
        store::orders::set_step(&mut tx, id, Step::Terms, None, None).await?;
    }
    tx.commit().await?;
    order_after(app, actor, id).await
}

/// Next on the terms step: records who accepted which version, when and from where.
pub async fn accept_terms(
    app: &App,
    actor: &PartnerUser,
    id: &OrderId,
    version: &str,
    origin: &Origin,
) -> Result<OrderRecord, AppError> {
    let mut tx = app.store().write().await?;
    let order = draft_for_change(&mut tx, actor, id).await?;
    let terms = current_terms(app, &order)?;
    if terms.version() != version {
        return Err(conflict(
            "terms_changed",
            crate::text::Text::new(i18n::key("error-terms-changed")).arg("version", terms.version()),
        ));
    }
    let acceptance_id = app.new_id(AcceptanceId::from_random);
    let now = app.now();
    let acceptance = store::orders::TermsAcceptance {
        id: &acceptance_id,
        org_id: &actor.org_id,
        order_id: id,
        user_id: &actor.id,
        user_name: &actor.name,
        terms_code: &order.terms_code,
        terms_version: version,
        accepted_at: now,
        address: origin.address.as_deref(),
    };
    store::orders::record_acceptance(&mut tx, &acceptance).await?;
    let next = if order.step > Step::Payment { order.step } else { Step::Payment };
    store::orders::set_step(&mut tx, id, next, Some(version), None).await?;
    let detail = format!("agreed to {} version {}", terms.title(), version);
    let change = Change { org: Some(&actor.org_id), action: "terms.accepted", subject: id.as_str(), detail };
    audit::record(app, &mut tx, Who::actor(&crate::actor::Actor::Partner(actor.clone())), origin, change).await?;
    tx.commit().await?;
    order_after(app, actor, id).await
}

/// Next on the payment step: the order will be paid with `payment_method_id`.
pub async fn choose_payment_method(
    app: &App,
    actor: &PartnerUser,
    id: &OrderId,
    payment_method_id: &str,
) -> Result<OrderRecord, AppError> {
    let mut tx = app.store().write().await?;
    let order = draft_for_change(&mut tx, actor, id).await?;
    if order.step < Step::Payment {
        return Err(conflict("terms_not_accepted", i18n::key("error-terms-not-accepted")));
    }
    // The choice comes from a form: an id of the wrong shape is no saved card either.
    let pm = match payment_method_id.parse::<PaymentMethodId>() {
        Ok(pm_id) => store::payment_methods::get_in_org(&mut tx, &actor.org_id, &pm_id).await?,
        Err(_) => None,
    };
    let pm = pm
        .filter(|pm| pm.gateway == app.gateway().name())
        .ok_or_else(|| domain::account::InvalidInput::new("payment_method_id", "choose one of your saved cards"))?;
    store::orders::set_step(&mut tx, id, Step::Review, None, Some(&pm.id)).await?;
    tx.commit().await?;
    order_after(app, actor, id).await
}

/// Back to an earlier step of the wizard.
pub async fn go_to_step(app: &App, actor: &PartnerUser, id: &OrderId, step: Step) -> Result<OrderRecord, AppError> {
    let mut tx = app.store().write().await?;
    let order = draft_for_change(&mut tx, actor, id).await?;
    if !order.step.may_go_to(step) {
        return Err(conflict("step_not_reached", i18n::key("error-step-not-reached")));
    }
    store::orders::set_step(&mut tx, id, step, None, None).await?;
    tx.commit().await?;
    order_after(app, actor, id).await
}

/// Pay the fee of an approved application: the org's order for the level's fee offer, through
/// the same wizard as any purchase (Billing admin, Global admin).
pub async fn start_fee_order(
    app: &App,
    actor: &PartnerUser,
    id: &domain::ids::CompetencyApplicationId,
    origin: &Origin,
) -> Result<OrderRecord, AppError> {
    let a = crate::competencies::get_mine(app, actor, id).await?;
    if a.status != ApplicationStatus::Approved || a.subscription_id.is_some() {
        return Err(conflict("not_approved", i18n::key("error-fee-not-payable")));
    }
    let catalog = app.catalog();
    let offer = catalog.fee_offer(&a.competency_code, a.tier).ok_or(AppError::NotFound("competency"))?;
    subscribe(app, actor, offer.code().as_str(), origin).await
}
