//! Settling a payment attempt with the gateway's answer: a success completes the order (the
//! subscription, the invoice, the receipts, in one transaction), a decline gives it back.

use super::attempt::lock_org_of;
use crate::actor::Origin;
use crate::audit::{self, Change, Who};
use crate::billing::{Billed, invoice_for, invoice_series, money, paid_change, receipts};
use crate::error::AppError;
use crate::idempotency::{BuyKey, KeptAnswer};
use crate::state::App;
use domain::ids::SubscriptionId;
use domain::order::{OrderStatus, Step};
use domain::term::{Term, program_day};
use payments::{ChargeOutcome, GatewayError};
use store::orders::{AttemptRecord, OrderRecord, Paid};
use store::subscriptions::SubscriptionRecord;

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
pub(super) async fn settle_keyed(
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

pub(super) async fn record_decline(
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
            crate::subscription::renewal_failed(app, &mut tx, &order, message).await?;
        }
    }
    tx.commit().await?;
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
                crate::subscription::fee_paid(&mut tx, &order, offer, &subscription.id).await?;
            }
            if let Some(old) = &order.replaces_subscription_id {
                crate::subscription::replace_subscription(app, &mut tx, &order, old).await?;
            }
            (term, subscription.id)
        }
        _ => (
            crate::subscription::apply_renewal(app, &mut tx, &order, &pm.id).await?,
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
