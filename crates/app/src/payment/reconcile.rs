//! Reconciliation: asks the gateway what became of attempts left pending (a crash, a lost
//! answer) and settles them, or gives up on one that never reached it.

use super::attempt::nothing_to_charge;
use super::settle::{record_decline, settle};
use crate::actor::Origin;
use crate::audit::Who;
use crate::error::AppError;
use crate::state::App;
use store::orders::AttemptRecord;

/// Asks the gateway what became of a pending attempt and records it.
#[tracing::instrument(name = "reconcile", skip_all, fields(order = %attempt.order_id, attempt = %attempt.id))]
pub(crate) async fn reconcile_attempt(app: &App, attempt: &AttemptRecord) -> Result<(), AppError> {
    let customer = {
        let mut conn = app.store().read().await?;
        let order = store::orders::get(&mut conn, &attempt.order_id).await?.ok_or(AppError::NotFound("order"))?;
        store::payment_methods::customer(&mut conn, &order.org_id, &attempt.gateway).await?.unwrap_or_default()
    };
    let who = || Who::system("payment reconciliation");
    let origin = Origin::system("reconciliation");
    if attempt.amount.minor() == 0 {
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
            record_decline(app, attempt, domain::order::AttemptStatus::Abandoned, "not_sent", message, who(), &origin)
                .await
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
