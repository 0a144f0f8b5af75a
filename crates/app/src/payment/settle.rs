//! Settling a payment attempt with the gateway's answer: a success completes the order (the
//! subscription, the invoice, the receipts, in one transaction), a decline gives it back.

use super::attempt::lock_org_of;
use crate::actor::Origin;
use crate::audit::{self, Change, Who};
use crate::billing::{Billed, invoice_for, invoice_series, paid_change, receipts};
use crate::error::AppError;
use crate::idempotency::{self, Kept, Key};
use crate::state::App;
use domain::order::{AttemptStatus, OrderKind, OrderStatus, Step};
use domain::term::Term;
use payments::{ChargeOutcome, GatewayError};
use store::invoices::InvoiceRecord;
use store::orders::{AttemptRecord, OrderRecord, OrderUpdate, Paid, Settlement};
use store::orgs::OrgRecord;
use store::payment_methods::PaymentMethodRecord;

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

/// [`settle`], keeping the paid order for a Buy's key in the paying transaction: the order when
/// this call paid it with a key.
#[tracing::instrument(name = "settle", skip_all, fields(
    order = %attempt.order_id, attempt = %attempt.id, org = tracing::field::Empty, subscription = tracing::field::Empty,
))]
pub(super) async fn settle_keyed(
    app: &App,
    attempt: &AttemptRecord,
    answer: Result<ChargeOutcome, GatewayError>,
    who: Who,
    origin: &Origin,
    key: Option<&Key<'_>>,
) -> Result<Option<OrderRecord>, AppError> {
    match answer {
        Ok(ChargeOutcome::Succeeded { charge_ref }) => complete_paid(app, attempt, &charge_ref, who, origin, key).await,
        Ok(ChargeOutcome::Declined(d)) | Err(GatewayError::Declined(d)) => {
            record_decline(app, attempt, AttemptStatus::Declined, &d.code, &d.message, who, origin).await.map(|()| None)
        }
        Err(GatewayError::Invalid(message)) => {
            record_decline(app, attempt, AttemptStatus::Declined, "invalid_request", &message, who, origin)
                .await
                .map(|()| None)
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
    status: AttemptStatus,
    code: &str,
    message: &str,
    who: Who,
    origin: &Origin,
) -> Result<(), AppError> {
    let mut tx = app.store().write().await?;
    lock_org_of(&mut tx, attempt).await?;
    // A card refused goes back to the payment step, to choose another; an attempt that never
    // reached the gateway back to the review, so that a retry of the same Buy pays.
    let (settlement, step) = if status == AttemptStatus::Abandoned {
        (Settlement::Abandoned { code, message }, Step::Review)
    } else {
        (Settlement::Declined { code, message }, Step::Payment)
    };
    if store::orders::settle_attempt(&mut tx, &attempt.id, settlement, app.now()).await? {
        store::orders::update(&mut tx, &attempt.order_id, OrderUpdate::Declined { step, reason: message }).await?;
        let order = store::orders::get(&mut tx, &attempt.order_id).await?.ok_or(AppError::NotFound("order"))?;
        let detail = format!(
            "payment of {} {} not taken: {message} ({code})",
            attempt.amount.format_amount(),
            attempt.amount.currency()
        );
        let change = Change {
            org: Some(&order.org_id),
            action: "order.payment_failed",
            subject: attempt.order_id.as_str(),
            detail,
        };
        audit::record(app, &mut tx, who, origin, change).await?;
        let data = serde_json::json!({
            "order_id": order.id,
            "kind": order.kind.as_str(),
            "offer": order.offer_code,
            "subscription_id": order.subscription_id,
            "code": code,
            "message": message,
        });
        let key = order.subscription_id.as_ref().map_or(order.id.as_str(), |s| s.as_str());
        crate::webhooks::emit_one(app, &mut tx, "order.failed", &order.org_id, key, data).await?;
        // Only a charge the gateway refused counts against an automatic renewal; an attempt
        // that never reached it (abandoned) leaves the subscription due, to be charged again.
        if order.kind == OrderKind::AutoRenewal && status == AttemptStatus::Declined {
            crate::subscription::renewal_failed(app, &mut tx, &order, message).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Finishes a paid order: the subscription, the invoice, the receipt, the audit row, in one
/// transaction. Settling the attempt first makes a racing second finisher a no-op. With a
/// `key`, the paid order is kept for it in the same transaction and comes back.
async fn complete_paid(
    app: &App,
    attempt: &AttemptRecord,
    charge_ref: &str,
    who: Who,
    origin: &Origin,
    key: Option<&Key<'_>>,
) -> Result<Option<OrderRecord>, AppError> {
    use chrono::SubsecRound;
    // As stored (microseconds), so that the order in the kept answer reads as a later read does.
    let now = app.now().trunc_subsecs(6);
    let mut tx = app.store().write().await?;
    lock_org_of(&mut tx, attempt).await?;
    let Some(order) = settled_order(&mut tx, attempt, charge_ref, now).await? else { return Ok(None) };
    if order.status == OrderStatus::Paid {
        needs_refund(app, &mut tx, attempt, &order, charge_ref, who, origin).await?;
        tx.commit().await?;
        return Ok(None);
    }
    tracing::Span::current().record("org", order.org_id.as_str());
    let org = store::orgs::get(&mut tx, &order.org_id).await?.ok_or(AppError::NotFound("org"))?;
    let pm = store::payment_methods::get_in_org(&mut tx, &order.org_id, &attempt.payment_method_id)
        .await?
        .ok_or(AppError::NotFound("payment method"))?;
    let (term, subscription_id) = match order.kind {
        OrderKind::Purchase => crate::subscription::start(app, &mut tx, &order, &pm.id, now).await?,
        OrderKind::Renewal | OrderKind::AutoRenewal => (
            crate::subscription::apply_renewal(app, &mut tx, &order, &pm.id).await?,
            order
                .subscription_id
                .clone()
                .ok_or_else(|| AppError::internal("a renewal order without its subscription"))?,
        ),
    };
    tracing::Span::current().record("subscription", subscription_id.as_str());
    let invoice = issue_invoice(app, &mut tx, &order, &org, &pm, term, charge_ref).await?;
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
        Some(k) => Some(keep_answer(&mut tx, k, &order, &paid).await?),
        None => None,
    };
    tx.commit().await?;
    tracing::info!(order = %order.id, invoice = %invoice.number, "order paid");
    Ok(kept)
}

/// Settles the attempt as a success and returns its order; `None` when it was settled before
/// as a success (nothing to do). Given up on while the charge was in fact taken, the late
/// success is recorded: money taken is never dropped (the order is finished, or flagged for a
/// refund when it was paid another way).
async fn settled_order(
    tx: &mut store::Conn,
    attempt: &AttemptRecord,
    charge_ref: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<OrderRecord>, AppError> {
    if !store::orders::settle_attempt(tx, &attempt.id, Settlement::Succeeded { charge_ref }, now).await? {
        if !store::orders::settle_late_success(tx, &attempt.id, charge_ref, now).await? {
            return Ok(None);
        }
        tracing::warn!(attempt = %attempt.id, "a payment given up on was taken after all; recording it");
    }
    Ok(Some(store::orders::get(tx, &attempt.order_id).await?.ok_or(AppError::NotFound("order"))?))
}

/// A second charge for an order already paid: the audit trail says it needs a refund.
async fn needs_refund(
    app: &App,
    tx: &mut store::Conn,
    attempt: &AttemptRecord,
    order: &OrderRecord,
    charge_ref: &str,
    who: Who,
    origin: &Origin,
) -> Result<(), AppError> {
    let detail = format!(
        "charge {charge_ref} of {} {} for an order already paid: refund it",
        attempt.amount.format_amount(),
        attempt.amount.currency()
    );
    tracing::error!(order = %order.id, %charge_ref, "a second charge for a paid order; it needs a refund");
    let change =
        Change { org: Some(&order.org_id), action: "payment.needs_refund", subject: order.id.as_str(), detail };
    audit::record(app, tx, who, origin, change).await
}

/// The paid order's invoice, with the next number of the year's series, written.
async fn issue_invoice(
    app: &App,
    tx: &mut store::Conn,
    order: &OrderRecord,
    org: &OrgRecord,
    pm: &PaymentMethodRecord,
    term: Term,
    charge_ref: &str,
) -> Result<InvoiceRecord, AppError> {
    let series = invoice_series(app);
    let seq = store::invoices::next_number(tx, &series).await?;
    let billed = Billed {
        org_name: org.name.as_str(),
        partner_id: org.partner_id,
        country: &org.country,
        brand: &pm.brand,
        last4: &pm.last4,
    };
    let invoice = invoice_for(app, order, &billed, term, &series, seq, charge_ref);
    store::invoices::insert(tx, &invoice).await?;
    Ok(invoice)
}

/// Keeps the paid order for the Buy's key, in the paying transaction; returns the order as a
/// later read shows it.
async fn keep_answer(
    tx: &mut store::Conn,
    key: &Key<'_>,
    order: &OrderRecord,
    paid: &Paid<'_>,
) -> Result<OrderRecord, AppError> {
    let order = OrderRecord {
        status: OrderStatus::Paid,
        last_decline: None,
        paid_at: Some(paid.paid_at),
        term_start: Some(paid.term_start),
        term_end: Some(paid.term_end),
        subscription_id: Some(paid.subscription_id.clone()),
        invoice_id: Some(paid.invoice_id.clone()),
        ..order.clone()
    };
    idempotency::keep_in(tx, key, &Kept::OrderPaid { order_id: order.id.clone() }).await?;
    Ok(order)
}
