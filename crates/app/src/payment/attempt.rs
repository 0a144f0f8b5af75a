//! A payment attempt: its idempotency key for the gateway, the charge of nothing, and the lock
//! taken before settling one.

use crate::billing::NOTHING_CHARGED;
use crate::error::AppError;
use crate::state::App;
use domain::ids::{PaymentAttemptId, PaymentMethodId};
use payments::{ChargeOutcome, GatewayError};
use store::orders::{AttemptRecord, OrderRecord};

/// Attempt `n` at charging `order` to a card: its idempotency key names the order and the try,
/// so a repeat of the same try never charges twice.
pub(crate) fn new_attempt(
    app: &App,
    order: &OrderRecord,
    payment_method_id: &PaymentMethodId,
    n: i64,
) -> AttemptRecord {
    AttemptRecord {
        id: app.new_id(PaymentAttemptId::from_random),
        order_id: order.id.clone(),
        idempotency_key: format!("{}-attempt-{n}", order.id),
        payment_method_id: payment_method_id.clone(),
        gateway: app.gateway().name().to_owned(),
        amount: order.total,
        status: domain::order::AttemptStatus::Pending,
        // The wall clock's time: reconciliation on any process judges the attempt's age by it.
        created_at: app.wall_now(),
    }
}

pub(crate) fn nothing_to_charge() -> Result<ChargeOutcome, GatewayError> {
    Ok(ChargeOutcome::Succeeded { charge_ref: NOTHING_CHARGED.to_owned() })
}

/// Takes the lock of the org whose order `attempt` pays, before any row of the order or the
/// attempt: one lock order everywhere, so that two settlers (or a settler and a renewal run)
/// never wait for each other in a ring.
pub(crate) async fn lock_org_of(tx: &mut store::Conn, attempt: &AttemptRecord) -> Result<(), AppError> {
    let order = store::orders::get(tx, &attempt.order_id).await?.ok_or(AppError::NotFound("order"))?;
    store::orgs::lock(tx, &order.org_id).await?;
    Ok(())
}
