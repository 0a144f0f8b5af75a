//! Staff cancel a subscription at once from a billing service request: the subscription and its
//! benefits end now, and each paid term not yet over is refunded as the offer's policy says
//! (`domain::refund`), or less if the agent lowers it and says why.
//!
//! Money moves once:
//! - The cancellation, the refund rows (pending, each with its idempotency key) and the note in
//!   the request commit together, under the org's lock and a compare-and-set on the
//!   subscription's status: two agents clicking at once make one cancellation, and an invoice
//!   has at most one refund (a unique index).
//! - Only then is the gateway asked, with the refund's key. An answer that is lost or a refusal
//!   leaves the refund pending; the worker tries again with the same key (Stripe's client looks
//!   for a refund made with it before making another), with growing pauses.
//! - The credit note is issued when the gateway has made the refund, in the transaction that
//!   records it, so every credit note stands for money that went back.

use crate::actor::{Actor, Origin, StaffMember};
use crate::audit::{self, Change, Who};
use crate::error::AppError;
use crate::service_requests::{conflict, message};
use crate::state::App;
use crate::text::Text;
use chrono::{DateTime, Datelike, Duration, Utc};
use domain::account::InvalidInput;
use domain::catalog::RefundPolicy;
use domain::ids::{CreditNoteId, InvoiceId, RefundId, ServiceRequestId};
use domain::money::Money;
use domain::refund::{self, Basis, PaidTerm, RefundStatus};
use domain::roles::{PartnerRole, StaffPermission};
use domain::service_request::RequestStatus;
use domain::subscription::Status;
use domain::term::{Term, program_day};
use store::invoices::InvoiceRecord;
use store::refunds::{CreditNoteRecord, RefundRecord};
use store::service_requests::RequestRecord;
use store::subscriptions::SubscriptionRecord;

/// What cancelling now would refund for one paid term.
#[derive(Clone, Debug)]
pub struct QuoteLine {
    pub invoice_id: InvoiceId,
    pub invoice_number: String,
    pub term: Term,
    pub paid: Money,
    pub due: Money,
    pub basis: Basis,
    /// "Visa •••• 4242".
    pub paid_with: String,
    gateway: Option<String>,
    charge_ref: String,
}

/// What cancelling a subscription now would refund, shown before the agent confirms.
#[derive(Clone, Debug)]
pub struct CancellationQuote {
    pub subscription: SubscriptionRecord,
    pub live: bool,
    pub lines: Vec<QuoteLine>,
    pub total: Money,
}

async fn quote_in(app: &App, conn: &mut store::Conn, sub: SubscriptionRecord) -> Result<CancellationQuote, AppError> {
    let currency = sub.price.currency();
    let policy = app.catalog().offer(&sub.offer_code).map_or(RefundPolicy::None, |o| o.refund_policy());
    let tz = app.catalog().program().time_zone();
    let today = crate::subscription::today(app);
    let mut lines = Vec::new();
    for paid in store::refunds::paid_invoices(conn, &sub.id).await? {
        let i = &paid.invoice;
        if paid.refunded || i.period_end <= today || i.total.minor() <= 0 {
            continue;
        }
        let term = Term { start: i.period_start, end: i.period_end };
        let amount = i.total;
        let due = refund::due(policy, &PaidTerm { term, paid_on: program_day(paid.paid_at, tz), paid: amount }, today);
        lines.push(QuoteLine {
            invoice_id: i.id.clone(),
            invoice_number: i.number.clone(),
            term,
            paid: amount,
            due: due.amount,
            basis: due.basis,
            paid_with: i.paid_with.clone(),
            gateway: paid.gateway,
            charge_ref: i.charge_ref.clone(),
        });
    }
    let total = Money::new(lines.iter().map(|l| l.due.minor()).sum(), currency);
    let live = sub.status.is_live();
    Ok(CancellationQuote { subscription: sub, live, lines, total })
}

/// The request and the subscription it names, for a staff member who may cancel.
async fn request_and_subscription(
    conn: &mut store::Conn,
    id: &ServiceRequestId,
) -> Result<(RequestRecord, SubscriptionRecord), AppError> {
    let r = store::service_requests::get(conn, id).await?.ok_or(AppError::NotFound("service request"))?;
    let sub_id = r
        .subscription_id
        .clone()
        .ok_or_else(|| conflict("no_subscription", "this request does not name a subscription to cancel"))?;
    let sub =
        store::subscriptions::get_in_org(conn, &r.org_id, &sub_id).await?.ok_or(AppError::NotFound("subscription"))?;
    Ok((r, sub))
}

/// What cancelling the request's subscription now would refund.
pub async fn quote(
    app: &App,
    staff: &StaffMember,
    request_id: &ServiceRequestId,
) -> Result<CancellationQuote, AppError> {
    staff.require(StaffPermission::CancelAndRefund, i18n::key("error-act-cancel-subscriptions"))?;
    let mut conn = app.store().read().await?;
    let (_, sub) = request_and_subscription(&mut conn, request_id).await?;
    quote_in(app, &mut conn, sub).await
}

/// The agent's choices: the refund as typed (empty: what the policy gives) and, when it is
/// lower, why.
pub struct CancelNow<'a> {
    pub refund: &'a str,
    pub reason: &'a str,
    /// The language a person typed the refund in ("1.234,56" in pt-BR); None for the API,
    /// whose amounts are plain decimals ("1234.56").
    pub typed_in: Option<&'a i18n::Lang>,
}

/// **Cancel subscription** → **Immediately**: ends the subscription and its benefits now,
/// records the refunds and resolves the request, then asks the gateway for each refund (a
/// refusal leaves it pending for the worker; the cancellation stands). Returns the refunds.
#[tracing::instrument(name = "cancel_now", skip_all, fields(request = %request_id, subscription = tracing::field::Empty))]
pub async fn cancel_now(
    app: &App,
    staff: &StaffMember,
    request_id: &ServiceRequestId,
    form: &CancelNow<'_>,
    origin: &Origin,
) -> Result<Vec<RefundRecord>, AppError> {
    staff.require(StaffPermission::CancelAndRefund, i18n::key("error-act-cancel-subscriptions"))?;
    let mut tx = app.store().write().await?;
    let (r, sub) = request_and_subscription(&mut tx, request_id).await?;
    store::orgs::lock(&mut tx, &r.org_id).await?;
    // Read again under the lock: a cancellation that committed meanwhile is seen here.
    let sub = store::subscriptions::get(&mut tx, &sub.id).await?.ok_or(AppError::NotFound("subscription"))?;
    let quote = quote_in(app, &mut tx, sub).await?;
    let sub = &quote.subscription;
    tracing::Span::current().record("subscription", sub.id.as_str());
    if !quote.live {
        return Err(conflict(
            "subscription_not_live",
            format!(
                "the {} subscription has ended already ({}); nothing more is refunded",
                sub.offer_name,
                sub.status.as_str()
            ),
        ));
    }
    if store::orders::pending_attempt_for_subscription(&mut tx, &sub.id).await? {
        return Err(conflict(
            "payment_in_progress",
            "a payment for this subscription is being processed; try again in a minute",
        ));
    }
    let amounts = amounts(&quote, form)?;
    if !store::subscriptions::cancel_now(&mut tx, &sub.id, app.now(), app.wall_now()).await? {
        return Err(conflict(
            "subscription_busy",
            "the subscription is being renewed right now; try again in a minute",
        ));
    }
    crate::benefits::end(app, &mut tx, &sub.id).await?;
    store::competencies::expire_for_subscription(&mut tx, &sub.id, app.now()).await?;

    let agent = crate::service_requests::handler_name(staff);
    let refunds = refund_rows(app, &r, &quote, &amounts, form, &agent);
    store::refunds::insert_many(&mut tx, &refunds).await.map_err(|e| match e {
        store::StoreError::Conflict(what) => conflict("already_refunded", what),
        other => other.into(),
    })?;

    let note = cancellation_note(&quote, &amounts, form.reason)?;
    let m =
        message(app, &r.id, domain::service_request::Author::Staff, &format!("{} (program staff)", staff.name), &note);
    store::service_requests::insert_message(&mut tx, &m).await?;
    store::service_requests::set_status(&mut tx, &r.id, RequestStatus::Resolved, Some(&agent), app.now()).await?;
    let refunded = Money::new(amounts.iter().map(|a| a.minor()).sum(), quote.total.currency());
    let detail = format!(
        "cancelled the {} subscription now, refund of {refunded} (the policy gave {}), request {}",
        sub.offer_name, quote.total, r.number
    );
    let change = Change { org: Some(&r.org_id), action: "subscription.cancelled", subject: sub.id.as_str(), detail };
    audit::record(app, &mut tx, Who::actor(&Actor::Staff(staff.clone())), origin, change).await?;
    let title = Text::new(i18n::key("notification-cancelled-title")).arg("offer", &sub.offer_name);
    let notice = cancellation_notice(&quote, &amounts, form.reason);
    tell_org(app, &mut tx, &r, format!("{}:cancelled", sub.id), title, notice).await?;
    let mut data = crate::webhooks::subscription_data(sub);
    data["status"] = Status::Cancelled.as_str().into();
    data["auto_renew"] = false.into();
    data["refund"] = serde_json::json!({"amount_minor": refunded.minor(), "currency": refunded.currency().code()});
    crate::webhooks::emit_one(app, &mut tx, "subscription.cancelled", &sub.org_id, sub.id.as_str(), data).await?;
    crate::webhooks::request_updated(app, &mut tx, &r, RequestStatus::Resolved).await?;
    tx.commit().await?;

    let mut sent = Vec::with_capacity(refunds.len());
    for refund in refunds {
        send(app, &refund.id).await?;
        let mut conn = app.store().read().await?;
        sent.push(store::refunds::get(&mut conn, &refund.id).await?.unwrap_or(refund));
    }
    Ok(sent)
}

/// The refund rows of a cancellation, pending, each with its idempotency key: one per paid
/// term with something to give back.
fn refund_rows(
    app: &App,
    r: &RequestRecord,
    quote: &CancellationQuote,
    amounts: &[Money],
    form: &CancelNow<'_>,
    agent: &str,
) -> Vec<RefundRecord> {
    let sub = &quote.subscription;
    let mut refunds = Vec::new();
    for (line, amount) in quote.lines.iter().zip(amounts).filter(|(_, a)| a.minor() > 0) {
        let id = app.new_id(RefundId::from_random);
        refunds.push(RefundRecord {
            idempotency_key: format!("refund-{id}"),
            id,
            org_id: r.org_id.clone(),
            subscription_id: sub.id.clone(),
            invoice_id: line.invoice_id.clone(),
            request_id: Some(r.id.clone()),
            gateway: line.gateway.clone().unwrap_or_else(|| app.gateway().name().to_owned()),
            charge_ref: line.charge_ref.clone(),
            amount: *amount,
            due: line.due,
            basis: line.basis.to_string(),
            lowered_because: (amount.minor() < line.due.minor()).then(|| form.reason.trim().to_owned()),
            status: RefundStatus::Pending,
            refund_ref: None,
            attempts: 0,
            next_attempt_at: app.now(),
            last_error: None,
            created_by: agent.to_owned(),
            created_at: app.now(),
            refunded_at: None,
        });
    }
    refunds
}

/// The refund per line: what the policy gives, or the agent's lower total.
fn amounts(quote: &CancellationQuote, form: &CancelNow<'_>) -> Result<Vec<Money>, AppError> {
    let dues: Vec<Money> = quote.lines.iter().map(|l| l.due).collect();
    if form.refund.trim().is_empty() {
        return Ok(dues);
    }
    let currency = quote.total.currency();
    let typed = form.refund.trim();
    let total = match form.typed_in {
        Some(lang) => lang.parse_amount(typed, currency),
        None => Money::parse_decimal(typed, currency),
    }
    .map_err(|e| {
        InvalidInput::new("refund", format!("write the refund in {currency}: {e}"))
            .said("error-refund-amount", &[("currency", &currency)])
    })?;
    refund::lower(&dues, total, form.reason).map_err(|e| {
        use refund::LowerError;
        let field = if matches!(e, LowerError::NoReason) { "reason" } else { "refund" };
        let refusal = InvalidInput::new(field, e.to_string());
        AppError::Invalid(match &e {
            LowerError::NoReason => refusal.said("error-refund-no-reason", &[]),
            LowerError::MoreThanDue(most) => {
                // The most the policy gives, as the agent's page writes money.
                let most = form.typed_in.map_or_else(|| most.to_string(), |lang| lang.money(*most));
                refusal.said("error-refund-more-than-due", &[("most", &most)])
            }
            LowerError::Negative => refusal.said("error-refund-negative", &[]),
            LowerError::Currency(currency) => refusal.said("error-refund-currency", &[("currency", currency)]),
        })
    })
}

fn cancellation_note(quote: &CancellationQuote, amounts: &[Money], reason: &str) -> Result<String, AppError> {
    let sub = &quote.subscription;
    let mut note = format!(
        "Subscription cancelled: the {} subscription has ended today and its benefits with it.",
        sub.offer_name
    );
    let refunded: i64 = amounts.iter().map(|a| a.minor()).sum();
    if quote.lines.is_empty() {
        note.push_str(" Nothing is refunded: no paid term is left to refund.");
    }
    for (line, amount) in quote.lines.iter().zip(amounts) {
        if amount.minor() > 0 {
            note.push_str(&format!(
                "\nRefund of {amount} for invoice {} ({}) to {}; the credit note follows when the payment gateway has made it.",
                line.invoice_number, line.basis, line.paid_with
            ));
        } else {
            note.push_str(&format!("\nNothing refunded for invoice {} ({}).", line.invoice_number, line.basis));
        }
    }
    if refunded < quote.total.minor() {
        let given = Money::new(refunded, quote.total.currency());
        note.push_str(&format!("\nThe refund was lowered from {} to {given}: {}", quote.total, reason.trim()));
    }
    Ok(note)
}

/// The cancellation note as the org's notice and e-mails say it, in each reader's language.
fn cancellation_notice(quote: &CancellationQuote, amounts: &[Money], reason: &str) -> Text {
    let sub = &quote.subscription;
    let mut lines = vec![Text::new(i18n::key("notification-cancelled-body")).arg("offer", &sub.offer_name)];
    if quote.lines.is_empty() {
        lines.push(Text::new(i18n::key("notification-cancelled-nothing")));
    }
    for (line, amount) in quote.lines.iter().zip(amounts) {
        lines.push(if amount.minor() > 0 {
            Text::new(i18n::key("notification-cancelled-refund"))
                .money("amount", *amount)
                .arg("invoice", &line.invoice_number)
                .arg("basis", line.basis)
                .arg("paid_with", &line.paid_with)
        } else {
            Text::new(i18n::key("notification-cancelled-no-refund"))
                .arg("invoice", &line.invoice_number)
                .arg("basis", line.basis)
        });
    }
    let refunded: i64 = amounts.iter().map(|a| a.minor()).sum();
    if refunded < quote.total.minor() {
        lines.push(
            Text::new(i18n::key("notification-cancelled-lowered"))
                .money("policy", quote.total)
                .money("given", Money::new(refunded, quote.total.currency()))
                .arg("reason", reason.trim()),
        );
    }
    Text::lines(lines)
}

/// The org hears of it in the portal, and by e-mail at the request's contact address and to its
/// Billing and Global admins.
async fn tell_org(
    app: &App,
    tx: &mut store::Conn,
    r: &RequestRecord,
    key: String,
    title: Text,
    body: Text,
) -> Result<(), AppError> {
    if !crate::notices::record(app, tx, &r.org_id, r.subscription_id.as_ref(), key, &title, &body).await? {
        return Ok(());
    }
    let contact = crate::outbox::contact_language(tx, r).await?;
    let mut to = vec![(r.contact_email.to_lowercase(), contact)];
    for user in store::users::list_in_org(tx, &r.org_id).await? {
        if matches!(user.role, PartnerRole::BillingAdmin | PartnerRole::GlobalAdmin) {
            to.push((user.email.as_str().to_lowercase(), user.language));
        }
    }
    to.sort();
    to.dedup_by(|a, b| a.0 == b.0);
    let link = format!("{}/support/requests/{}", app.settings().public_url, r.id);
    for (address, language) in to {
        let lang = crate::outbox::language_of(app, language.as_deref());
        let footer = lang.t2("notification-request-link", "number", r.number.as_str(), "link", link.as_str());
        let text = format!("{}\n\n{footer}\n", body.in_lang(&lang));
        crate::outbox::queue(app, tx, &address, &title.in_lang(&lang), text).await?;
    }
    Ok(())
}

/// How long a refund waits after its `attempts`-th failed attempt: a minute, then longer, up to
/// a day; it is tried until the gateway takes it.
fn backoff(attempts: i64) -> Duration {
    match attempts {
        ..=1 => Duration::minutes(1),
        2 => Duration::minutes(10),
        3 => Duration::hours(1),
        4 => Duration::hours(6),
        _ => Duration::days(1),
    }
}

/// One attempt at a pending refund; `true` once the gateway has made it. Does nothing if the
/// refund is not pending or another worker holds it.
#[tracing::instrument(name = "refund", skip_all, fields(
    refund = %refund_id, subscription = tracing::field::Empty, org = tracing::field::Empty,
))]
pub async fn send(app: &App, refund_id: &RefundId) -> Result<bool, AppError> {
    let now = app.now();
    let refund = {
        let mut tx = app.store().write().await?;
        let claimed = store::refunds::claim(&mut tx, refund_id, now, now + Duration::minutes(2)).await?;
        tx.commit().await?;
        match claimed {
            Some(refund) => refund,
            None => return Ok(false),
        }
    };
    let span = tracing::Span::current();
    span.record("subscription", refund.subscription_id.as_str());
    span.record("org", refund.org_id.as_str());
    let outcome = if refund.gateway == app.gateway().name() {
        let amount = refund.amount;
        app.gateway().refund(&refund.charge_ref, amount, &refund.idempotency_key).await.map_err(|e| e.to_string())
    } else {
        Err(format!("the payment was taken by the {} gateway, which is not the one configured", refund.gateway))
    };
    if outcome.is_ok() && app.settings().fault == Some(crate::settings::Fault::CrashAfterRefund) {
        tracing::error!("fault injection: crashing after the gateway made a refund, before recording it");
        std::process::abort();
    }
    match outcome {
        Ok(refund_ref) => {
            made(app, &refund, &refund_ref).await?;
            Ok(true)
        }
        Err(error) => {
            postponed(app, &refund, &error).await?;
            Ok(false)
        }
    }
}

/// Sends every pending refund that is due (the worker, and `jobs run`); returns how many the
/// gateway made.
pub async fn send_due(app: &App) -> Result<usize, AppError> {
    let due = {
        let mut conn = app.store().read().await?;
        store::refunds::due(&mut conn, app.now(), 100).await?
    };
    let mut made = 0;
    for refund in due {
        match send(app, &refund.id).await {
            Ok(true) => made += 1,
            Ok(false) => {}
            Err(e) => tracing::warn!(refund = %refund.id, error = %e, "refund attempt failed; it stays pending"),
        }
    }
    Ok(made)
}

/// The gateway made the refund: recorded once, its credit note issued and sent.
async fn made(app: &App, refund: &RefundRecord, refund_ref: &str) -> Result<(), AppError> {
    let mut tx = app.store().write().await?;
    if !store::refunds::succeed(&mut tx, &refund.id, refund_ref, app.now()).await? {
        return Ok(());
    }
    let invoice = store::invoices::get_in_org(&mut tx, &refund.org_id, &refund.invoice_id)
        .await?
        .ok_or(AppError::NotFound("invoice"))?;
    let series = credit_note_series(app, app.now());
    let seq = store::invoices::next_number(&mut tx, &series).await?;
    let note = credit_note_for(app, refund, &invoice, format!("{series}-{seq:06}"))?;
    let amount = refund.amount;
    store::refunds::insert_note(&mut tx, &note).await?;
    let text = format!(
        "Refund of {amount} made to {}; credit note {} for invoice {}.",
        note.refunded_to, note.number, invoice.number
    );
    let request = match &refund.request_id {
        Some(id) => store::service_requests::get(&mut tx, id).await?,
        None => None,
    };
    if let Some(r) = &request {
        let m = message(app, &r.id, domain::service_request::Author::Staff, "Program staff", &text);
        store::service_requests::insert_message(&mut tx, &m).await?;
    }
    let detail = format!("{text} Cancellation by {}.", refund.created_by);
    let change = Change { org: Some(&refund.org_id), action: "refund.succeeded", subject: refund.id.as_str(), detail };
    audit::record(app, &mut tx, Who::system("refunds"), &Origin::system("refunds"), change).await?;
    let data = serde_json::json!({
        "refund_id": refund.id,
        "subscription_id": refund.subscription_id,
        "invoice_id": refund.invoice_id,
        "amount": {"amount_minor": refund.amount.minor(), "currency": refund.amount.currency().code()},
        "credit_note_id": note.id,
        "credit_note_number": note.number,
        "service_request_id": refund.request_id,
    });
    crate::webhooks::emit_one(app, &mut tx, "refund.succeeded", &refund.org_id, refund.subscription_id.as_str(), data)
        .await?;
    if let Some(r) = &request {
        let link = format!("{}/credit-notes/{}", app.settings().public_url, note.id);
        let title =
            Text::new(i18n::key("notification-refund-made-title")).arg("number", &note.number).money("amount", amount);
        let body = Text::new(i18n::key("notification-refund-made-body"))
            .money("amount", amount)
            .arg("refunded_to", &note.refunded_to)
            .arg("number", &note.number)
            .arg("invoice", &invoice.number)
            .arg("link", &link);
        tell_org(app, &mut tx, r, format!("{}:made", refund.id), title, body).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The credit note of a refund made, numbered `number`: the refund split into net and tax as
/// the invoice it refers to was.
fn credit_note_for(
    app: &App,
    refund: &RefundRecord,
    invoice: &InvoiceRecord,
    number: String,
) -> Result<CreditNoteRecord, AppError> {
    let amount = refund.amount;
    let (net, tax) = refund::split_tax(amount, invoice.net, invoice.tax);
    Ok(CreditNoteRecord {
        id: app.new_id(CreditNoteId::from_random),
        number,
        org_id: refund.org_id.clone(),
        refund_id: refund.id.clone(),
        invoice_id: invoice.id.clone(),
        invoice_number: invoice.number.clone(),
        issued_at: app.now(),
        net,
        tax,
        total: amount,
        tax_rate_bp: invoice.tax_rate_bp,
        description: format!("Refund: {} ({})", invoice.description, refund.basis),
        period_start: invoice.period_start,
        period_end: invoice.period_end,
        seller_name: invoice.seller_name.clone(),
        seller_address: invoice.seller_address.clone(),
        buyer_name: invoice.buyer_name.clone(),
        buyer_partner_id: invoice.buyer_partner_id,
        buyer_country: invoice.buyer_country.clone(),
        refunded_to: invoice.paid_with.clone(),
    })
}

/// The attempt failed: the refund waits for the next one; the request says so the first time, in
/// plain words (the gateway's own error goes to the log and the audit trail, for staff).
async fn postponed(app: &App, refund: &RefundRecord, error: &str) -> Result<(), AppError> {
    tracing::warn!(refund = %refund.id, attempts = refund.attempts, error, "the gateway did not make a refund; it will be retried");
    let mut tx = app.store().write().await?;
    store::refunds::postpone(&mut tx, &refund.id, error, app.now() + backoff(refund.attempts)).await?;
    if refund.attempts == 1 {
        let amount = refund.amount;
        if let Some(id) = &refund.request_id {
            let text = format!(
                "The refund of {amount} is pending: the payment gateway has not made it yet. We try again automatically, and nothing is refunded twice."
            );
            let m = message(app, id, domain::service_request::Author::Staff, "Program staff", &text);
            store::service_requests::insert_message(&mut tx, &m).await?;
        }
        let detail = format!("the gateway did not make the refund of {amount}: {error}");
        let change =
            Change { org: Some(&refund.org_id), action: "refund.pending", subject: refund.id.as_str(), detail };
        audit::record(app, &mut tx, Who::system("refunds"), &Origin::system("refunds"), change).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Credit notes issued at `at` are numbered in the series of that year: `CN-2027`.
fn credit_note_series(app: &App, at: DateTime<Utc>) -> String {
    format!("CN-{}", program_day(at, app.catalog().program().time_zone()).year())
}
