//! Automatic renewals a batch at a time: on a big anniversary day there are many thousands,
//! and one transaction per step of each would leave the run waiting on the disk.
//!
//! The same three steps as a single checkout (see `payment`), each for the whole batch:
//! 1. One transaction claims the due subscriptions (leased, and row-locked on PostgreSQL),
//!    locks their orgs, and writes each first renewal's order and `pending` attempt.
//! 2. The gateway charges every attempt with its own idempotency key (the sandbox in one
//!    transaction of its books; a paced or remote gateway one request at a time).
//! 3. One transaction settles the successful attempts, moves their subscriptions to the next
//!    term (compare and set on the term's end), numbers their invoices as one gapless range, and
//!    writes the receipts and the audit rows.
//!
//! A crash between 1 and 3 leaves pending attempts that reconciliation finishes one by one, as
//! for a checkout. Whatever is not a plain first try (a retry, an expiry, an order left by an
//! earlier try, an org without a card) goes back to the caller to be handled one by one.

use crate::actor::Origin;
use crate::audit::{self, Who};
use crate::billing::{self, Billed};
use crate::error::AppError;
use crate::payment;
use crate::state::App;
use crate::subscription::{renewal_order, rules, today};
use domain::ids::{OrderId, PaymentAttemptId, SubscriptionId};
use domain::order::{self, OrderKind, OrderStatus, Step};
use domain::subscription::Status;
use payments::{ChargeOutcome, ChargeRequest, GatewayError};
use std::collections::{HashMap, HashSet};
use store::invoices::InvoiceRecord;
use store::orders::{AttemptRecord, OrderRecord, Paid};
use store::subscriptions::{RenewalInputs, Renewed, SubscriptionRecord};

/// What one batch did.
pub(super) struct Done {
    /// Automatic renewal charges sent (whatever their answer).
    pub charged: usize,
    /// Claimed subscriptions left for the one-by-one path.
    pub one_by_one: Vec<SubscriptionRecord>,
}

/// A first renewal try on its way through the batch.
struct Renewal {
    sub: SubscriptionRecord,
    inputs: RenewalInputs,
    order: OrderRecord,
    attempt: AttemptRecord,
}

fn origin() -> Origin {
    Origin::system("renewal run")
}

/// Claims up to `size` due subscriptions and renews the first tries among them together;
/// `None` when nothing is due.
#[tracing::instrument(name = "renewal_batch", skip_all, fields(size = size, claimed = tracing::field::Empty))]
pub(super) async fn renew(app: &App, size: i64) -> Result<Option<Done>, AppError> {
    let started = crate::clock::Stopwatch::start();
    let claimed = claim(app, size).await?;
    tracing::Span::current().record("claimed", claimed.len());
    if claimed.is_empty() {
        return Ok(None);
    }
    let (renewals, one_by_one) = crate::state::retrying_deadlocks(|| prepare(app, claimed.clone())).await?;
    let prepared = started.elapsed();
    if app.settings().fault == Some(crate::settings::Fault::CrashAfterRenewalClaim) && !renewals.is_empty() {
        tracing::error!("fault injection: crashing after a renewal batch's first step, before its charges");
        std::process::abort();
    }
    let charged = renewals.len();
    if !renewals.is_empty() {
        let answers = charge(app, &renewals).await?;
        let sent = started.elapsed();
        settle(app, renewals, answers).await?;
        tracing::debug!(charged, ?prepared, ?sent, total = ?started.elapsed(), "renewal batch");
    }
    Ok(Some(Done { charged, one_by_one }))
}

/// The claim: up to `size` due subscriptions leased to this worker, in a transaction of its own
/// that locks nothing else, so that the org locks of step 1 come first in their own
/// transaction (one lock order: org, then its rows). Leases are judged on the wall clock,
/// which every process shares, whatever day its program clock is on.
async fn claim(app: &App, size: i64) -> Result<Vec<SubscriptionRecord>, AppError> {
    let today = today(app);
    let now = app.wall_now();
    crate::state::retrying_deadlocks(|| async {
        let mut tx = app.store().write().await?;
        let claimed = store::subscriptions::claim_due(&mut tx, today, now, now + app.settings().lease, size).await?;
        tx.commit().await?;
        Ok(claimed)
    })
    .await
}

/// Step 1: the orders and pending attempts of the first tries among the claimed
/// subscriptions, committed before any charge is sent.
async fn prepare(
    app: &App,
    claimed: Vec<SubscriptionRecord>,
) -> Result<(Vec<Renewal>, Vec<SubscriptionRecord>), AppError> {
    let today = today(app);
    let mut tx = app.store().write().await?;
    let (plain, mut one_by_one): (Vec<_>, Vec<_>) =
        claimed.into_iter().partition(|s| s.status == Status::Active && s.auto_renew && s.term_end <= today);
    // The orgs' locks make a manual renewal of the same subscription wait for this batch, then
    // see its pending attempt and refuse (as two checkouts of one org do).
    store::orgs::lock_many(&mut tx, &plain.iter().map(|s| &s.org_id).collect::<Vec<_>>()).await?;
    let ids: Vec<&SubscriptionId> = plain.iter().map(|s| &s.id).collect();
    let mut inputs: HashMap<SubscriptionId, RenewalInputs> =
        store::subscriptions::renewal_inputs(&mut tx, &ids, app.gateway().name())
            .await?
            .into_iter()
            .map(|i| (i.subscription_id.clone(), i))
            .collect();
    let catalog = app.catalog();
    let mut renewals = Vec::with_capacity(plain.len());
    for sub in plain {
        // Read again under the orgs' locks: changed since the claim (renewal turned off, renewed
        // by hand), the one-by-one path decides on a fresh copy.
        let Some(inputs) =
            inputs.remove(&sub.id).filter(|i| i.status == Status::Active && i.auto_renew && i.term_end == sub.term_end)
        else {
            one_by_one.push(sub);
            continue;
        };
        let quote = catalog
            .offer(&sub.offer_code)
            .zip(catalog.country(&inputs.country))
            .and_then(|(offer, country)| order::quote(offer, country).ok().map(|q| (offer, q)));
        let (Some((offer, quote)), Some(card), Some(_), false, false) =
            (quote, inputs.card.clone(), inputs.customer_ref.as_ref(), inputs.has_order, inputs.has_pending_attempt)
        else {
            // The one-by-one path says what is wrong, or finishes what an earlier try began.
            one_by_one.push(sub);
            continue;
        };
        let mut order = renewal_order(
            app,
            &sub,
            &quote,
            OrderKind::AutoRenewal,
            Step::Review,
            "renewal run",
            offer.terms_code().as_str(),
        );
        order.country = inputs.country.clone();
        order.status = OrderStatus::Paying;
        order.payment_method_id = Some(card.0.clone());
        let attempt = payment::new_attempt(app, &order, &card.0, 1);
        renewals.push(Renewal { sub, inputs, order, attempt });
    }
    let orders: Vec<OrderRecord> = renewals.iter().map(|r| r.order.clone()).collect();
    store::orders::insert_many(&mut tx, &orders).await?;
    let attempts: Vec<AttemptRecord> = renewals.iter().map(|r| r.attempt.clone()).collect();
    store::orders::insert_attempts(&mut tx, &attempts).await?;
    tx.commit().await?;
    Ok((renewals, one_by_one))
}

/// Step 2: every charge, each under its attempt's key; answers in the batch's order.
async fn charge(app: &App, renewals: &[Renewal]) -> Result<Vec<Result<ChargeOutcome, GatewayError>>, AppError> {
    let mut requests = Vec::with_capacity(renewals.len());
    for r in renewals {
        requests.push(ChargeRequest {
            customer: r.inputs.customer_ref.clone().unwrap_or_default(),
            card_ref: r.inputs.card.as_ref().map(|c| c.1.clone()).unwrap_or_default(),
            amount: r.attempt.amount,
            idempotency_key: r.attempt.idempotency_key.clone(),
            description: format!("Automatic renewal of the {} subscription, order {}", r.order.offer_name, r.order.id),
        });
    }
    if !app.paces_charges() {
        return Ok(app.gateway().charge_many(&requests).await);
    }
    let mut answers = Vec::with_capacity(requests.len());
    for r in &requests {
        app.charge_turn().await;
        answers
            .push(app.gateway().charge(&r.customer, &r.card_ref, r.amount, &r.idempotency_key, &r.description).await);
    }
    Ok(answers)
}

/// Step 3: the successes together; a decline or an unknown outcome through the one-by-one
/// settlement, one by one (past due with its retries, or left for reconciliation).
async fn settle(
    app: &App,
    renewals: Vec<Renewal>,
    answers: Vec<Result<ChargeOutcome, GatewayError>>,
) -> Result<(), AppError> {
    let mut paid = Vec::with_capacity(renewals.len());
    for (renewal, answer) in renewals.into_iter().zip(answers) {
        match answer {
            Ok(ChargeOutcome::Succeeded { charge_ref }) => paid.push((renewal, charge_ref)),
            other => settle_one(app, &renewal.attempt, other).await,
        }
    }
    let late = crate::state::retrying_deadlocks(|| complete(app, &paid)).await?;
    for (renewal, charge_ref) in late {
        settle_one(app, &renewal.attempt, Ok(ChargeOutcome::Succeeded { charge_ref: charge_ref.clone() })).await;
    }
    Ok(())
}

async fn settle_one(app: &App, attempt: &AttemptRecord, answer: Result<ChargeOutcome, GatewayError>) {
    match payment::settle(app, attempt, answer, Who::system("renewal run"), &origin()).await {
        Ok(()) | Err(AppError::PaymentPending) => {}
        Err(e) => {
            tracing::warn!(attempt = %attempt.id, error = %e, "settling a renewal charge failed; reconciliation will")
        }
    }
}

/// Writes the paid renewals in one transaction. Returns those whose attempt had been settled
/// meanwhile (by reconciliation on another node), for the one-by-one path's late-success
/// handling.
async fn complete<'a>(app: &App, paid: &'a [(Renewal, String)]) -> Result<Vec<&'a (Renewal, String)>, AppError> {
    if paid.is_empty() {
        return Ok(Vec::new());
    }
    let now = app.now();
    let mut tx = app.store().write().await?;
    store::orgs::lock_many(&mut tx, &paid.iter().map(|(r, _)| &r.sub.org_id).collect::<Vec<_>>()).await?;
    let settled_now: Vec<(&PaymentAttemptId, &str)> = paid.iter().map(|(r, c)| (&r.attempt.id, c.as_str())).collect();
    let settled: HashSet<PaymentAttemptId> =
        store::orders::settle_succeeded_many(&mut tx, &settled_now, now).await?.into_iter().collect();
    let (done, late): (Vec<_>, Vec<_>) = paid.iter().partition(|(r, _)| settled.contains(&r.attempt.id));
    if done.is_empty() {
        tx.commit().await?;
        return Ok(late);
    }
    let series = billing::invoice_series(app);
    let count = i64::try_from(done.len()).map_err(|e| AppError::internal_from("too many renewals in a batch", e))?;
    let first = store::invoices::reserve_numbers(&mut tx, &series, count).await?;
    let orgs: Vec<_> = done.iter().map(|(r, _)| &r.sub.org_id).collect();
    let recipients = store::users::receipt_recipients(&mut tx, &orgs).await?;
    let Bills { renewed, invoices, emails, events } = bills(app, &done, &series, first, &recipients)?;
    let moved: HashSet<SubscriptionId> =
        store::subscriptions::renew_many(&mut tx, &renewed).await?.into_iter().collect();
    for r in renewed.iter().filter(|r| !moved.contains(r.id)) {
        // Cannot happen while the lease and the org locks hold; money taken is still invoiced.
        tracing::error!(subscription = %r.id, "a renewal was paid for a term already renewed; refund it");
    }
    store::invoices::insert_many(&mut tx, &invoices).await?;
    let marks: Vec<(&OrderId, Paid<'_>)> = done
        .iter()
        .zip(&invoices)
        .map(|((r, _), invoice)| {
            let paid = Paid {
                paid_at: now,
                term_start: invoice.period_start,
                term_end: invoice.period_end,
                subscription_id: &r.sub.id,
                invoice_id: &invoice.id,
            };
            (&r.order.id, paid)
        })
        .collect();
    store::orders::mark_paid_many(&mut tx, &marks).await?;
    store::outbox::insert_many(&mut tx, &emails).await?;
    store::audit::insert_many(&mut tx, &events).await?;
    let told = done
        .iter()
        .zip(&invoices)
        .flat_map(|((r, _), invoice)| crate::webhooks::paid_events(&r.order, invoice, &r.sub.id))
        .collect();
    crate::webhooks::emit(app, &mut tx, told).await?;
    tx.commit().await?;
    tracing::debug!(renewed = done.len(), first_invoice = first, "renewal batch paid");
    Ok(late)
}

/// What the paid renewals of a batch write: the subscriptions' new terms, the invoices, the
/// receipts and the audit rows.
struct Bills<'a> {
    renewed: Vec<Renewed<'a>>,
    invoices: Vec<InvoiceRecord>,
    emails: Vec<store::outbox::OutboxEmail>,
    events: Vec<store::audit::AuditEvent>,
}

/// The bills of the paid renewals `done`, their invoices numbered from `first` in `series`.
fn bills<'a>(
    app: &App,
    done: &[&'a (Renewal, String)],
    series: &str,
    first: i64,
    recipients: &[store::users::Recipient],
) -> Result<Bills<'a>, AppError> {
    let mut renewed = Vec::with_capacity(done.len());
    let mut invoices = Vec::with_capacity(done.len());
    let mut emails = Vec::with_capacity(done.len());
    let mut events = Vec::with_capacity(done.len());
    for (seq, (r, charge_ref)) in (first..).zip(done.iter().copied()) {
        let rules = rules(&r.sub);
        let term = rules.next_term();
        let card = r.inputs.card.as_ref().ok_or_else(|| AppError::internal("a batch renewal without a card"))?;
        renewed.push(Renewed {
            id: &r.sub.id,
            expected_end: r.sub.term_end,
            anchor: rules.anchor,
            start: term.start,
            end: term.end,
            payment_method_id: &card.0,
        });
        let billed = Billed {
            org_name: &r.inputs.org_name,
            partner_id: r.inputs.partner_id,
            country: &r.inputs.country,
            brand: &card.2,
            last4: &card.3,
        };
        let invoice = billing::invoice_for(app, &r.order, &billed, term, series, seq, charge_ref);
        emails.extend(billing::receipts(app, &r.order, &invoice, recipients)?);
        events.push(audit::event(
            app,
            Who::system("renewal run"),
            &origin(),
            billing::paid_change(&r.order, &invoice)?,
        ));
        invoices.push(invoice);
    }
    Ok(Bills { renewed, invoices, emails, events })
}
