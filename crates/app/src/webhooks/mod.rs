//! Webhooks: program admins register endpoints; every change worth telling is written as an
//! event, with a delivery per endpoint that asked for its type, in the transaction of the change
//! itself (so no event is lost and none is told of a change that rolled back); the worker then
//! posts each delivery, signed, and tries again on failure (`domain::webhook`).
//!
//! The body is the event as JSON: `{"id", "type", "created_at", "org_id", "data"}`; `id` is
//! stable across retries and resends, for receivers to drop duplicates (delivery is at least
//! once). The `Partnerhub-Signature` header is `t=<unix seconds>,v1=<hex HMAC-SHA256 of
//! "<t>.<body>" keyed with the endpoint's secret>`.
//!
//! Deliveries go to public addresses only, checked on the address connected to (`send`).
//!
//! An endpoint's signing secret is never stored: it is the HMAC of the endpoint's salt under the
//! server's key (`Settings::server_key`), shown once when the endpoint is made.

use crate::actor::{Actor, Origin, StaffMember};
use crate::audit::{self, Change, Who};
use crate::error::AppError;
use crate::state::App;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use domain::account::InvalidInput;
use domain::ids::{DeliveryAttemptId, DeliveryId, EventId, OrgId, SubscriptionId, WebhookEndpointId};
use domain::order::OrderKind;
use domain::roles::{StaffPermission, StaffRole};
use domain::webhook::{self, DeliveryStatus, EndpointStatus};
use std::sync::atomic::{AtomicI64, Ordering};
use store::webhooks::{DeliveryRecord, EndpointRecord, EventRecord};

pub mod send;

/// One change to report.
pub struct Event<'a> {
    pub event_type: &'static str,
    pub org: Option<&'a OrgId>,
    /// What receivers get the events of in order: a subscription, request or org id.
    pub ordering_key: &'a str,
    pub data: serde_json::Value,
}

/// Strictly increasing within this process; wall-clock microseconds across nodes.
fn next_sequence() -> i64 {
    static LAST: AtomicI64 = AtomicI64::new(0);
    let now = crate::clock::machine_now().timestamp_micros();
    let mut last = LAST.load(Ordering::Relaxed);
    loop {
        let next = now.max(last + 1);
        match LAST.compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(seen) => last = seen,
        }
    }
}

/// Writes `events` with a delivery to each enabled endpoint that asked for their type, in the
/// caller's transaction. Nothing is written for a type no endpoint wants.
pub(crate) async fn emit(app: &App, tx: &mut store::Conn, events: Vec<Event<'_>>) -> Result<(), AppError> {
    if events.is_empty() {
        return Ok(());
    }
    // One read of the endpoints for the whole change (a renewal batch reports thousands).
    let enabled = store::webhooks::enabled(tx).await?;
    let mut records = Vec::new();
    let mut deliveries = Vec::new();
    for e in events {
        let endpoints: Vec<&EndpointRecord> =
            enabled.iter().filter(|w| w.event_types.iter().any(|t| t == e.event_type)).collect();
        if endpoints.is_empty() {
            continue;
        }
        let id = app.new_id(EventId::from_random).to_string();
        let sequence = next_sequence();
        let body = serde_json::json!({
            "id": id,
            "type": e.event_type,
            "created_at": app.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "org_id": e.org.map(|o| o.to_string()),
            "data": e.data,
        });
        for endpoint in endpoints {
            deliveries.push(DeliveryRecord {
                id: app.new_id(DeliveryId::from_random).to_string(),
                event_id: id.clone(),
                endpoint_id: endpoint.id.clone(),
                ordering_key: e.ordering_key.to_owned(),
                sequence,
                status: DeliveryStatus::Pending,
                attempts: 0,
                next_attempt_at: app.now(),
                last_status: None,
                last_error: None,
                created_at: app.now(),
                delivered_at: None,
            });
        }
        records.push(EventRecord {
            id,
            event_type: e.event_type.to_owned(),
            org_id: e.org.map(|o| o.to_string()),
            ordering_key: e.ordering_key.to_owned(),
            payload: body.to_string(),
            created_at: app.now(),
        });
    }
    if !records.is_empty() {
        store::webhooks::insert(tx, &records, &deliveries).await?;
    }
    Ok(())
}

/// Reports one change (see [`emit`]).
pub(crate) async fn emit_one(
    app: &App,
    tx: &mut store::Conn,
    event_type: &'static str,
    org: &OrgId,
    ordering_key: &str,
    data: serde_json::Value,
) -> Result<(), AppError> {
    emit(app, tx, vec![Event { event_type, org: Some(org), ordering_key, data }]).await
}

fn amount_data(amount: domain::money::Money) -> serde_json::Value {
    serde_json::json!({"amount_minor": amount.minor(), "currency": amount.currency().code()})
}

/// What receivers learn of a subscription.
pub(crate) fn subscription_data(sub: &store::subscriptions::SubscriptionRecord) -> serde_json::Value {
    serde_json::json!({
        "subscription_id": sub.id,
        "offer": sub.offer_code,
        "status": sub.status.as_str(),
        "term_start": sub.term_start,
        "term_end": sub.term_end,
        "auto_renew": sub.auto_renew,
    })
}

/// The events of a paid order: `order.paid`, and `subscription.created` (a purchase) or
/// `subscription.renewed`, about its subscription.
pub(crate) fn paid_events<'a>(
    order: &'a store::orders::OrderRecord,
    invoice: &store::invoices::InvoiceRecord,
    subscription_id: &'a SubscriptionId,
) -> Vec<Event<'a>> {
    let paid = serde_json::json!({
        "order_id": order.id,
        "kind": order.kind.as_str(),
        "offer": order.offer_code,
        "total": amount_data(order.total),
        "invoice_id": invoice.id,
        "invoice_number": invoice.number,
        "subscription_id": subscription_id,
    });
    let term = serde_json::json!({
        "subscription_id": subscription_id,
        "offer": order.offer_code,
        "term_start": invoice.period_start,
        "term_end": invoice.period_end,
        "invoice_id": invoice.id,
    });
    let second = match order.kind {
        OrderKind::Purchase => "subscription.created",
        OrderKind::Renewal | OrderKind::AutoRenewal => "subscription.renewed",
    };
    vec![
        Event {
            event_type: "order.paid",
            org: Some(&order.org_id),
            ordering_key: subscription_id.as_str(),
            data: paid,
        },
        Event { event_type: second, org: Some(&order.org_id), ordering_key: subscription_id.as_str(), data: term },
    ]
}

/// A service request as receivers see it.
pub(crate) fn request_data(
    r: &store::service_requests::RequestRecord,
    status: domain::service_request::RequestStatus,
) -> serde_json::Value {
    serde_json::json!({
        "service_request_id": r.id,
        "number": r.number,
        "problem_type": r.problem_type.as_str(),
        "subscription_id": r.subscription_id,
        "title": r.title,
        "status": status.as_str(),
    })
}

/// HMAC-SHA256 (RFC 2104).
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The value of the `Partnerhub-Signature` header for `body` sent at `at`.
pub fn signature(secret: &str, at: DateTime<Utc>, body: &str) -> String {
    let t = at.timestamp();
    format!("t={t},v1={}", hex(&hmac_sha256(secret.as_bytes(), format!("{t}.{body}").as_bytes())))
}

/// Whether `header` signs `body` with `secret`, made at most `tolerance` before `now`: what a
/// receiver checks (the README shows the same in a few lines of Python).
pub fn verify(secret: &str, header: &str, body: &str, now: DateTime<Utc>, tolerance: chrono::Duration) -> bool {
    let mut t = None;
    let mut v1 = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => t = value.parse::<i64>().ok(),
            Some(("v1", value)) => v1.push(value.to_owned()),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    if (now.timestamp() - t).abs() > tolerance.num_seconds() {
        return false;
    }
    let expected = hex(&hmac_sha256(secret.as_bytes(), format!("{t}.{body}").as_bytes()));
    v1.iter().any(|sig| {
        sig.len() == expected.len() && sig.bytes().zip(expected.bytes()).fold(0u8, |a, (x, y)| a | (x ^ y)) == 0
    })
}

/// The signing secret of an endpoint: derived from its salt and the server's key.
fn secret_of(app: &App, salt: &str) -> String {
    let key = app.server_key();
    format!("whsec_{}", URL_SAFE_NO_PAD.encode(hmac_sha256(&key, salt.as_bytes())))
}

/// What a program admin types to register an endpoint.
pub struct NewEndpoint<'a> {
    pub url: &'a str,
    pub event_types: &'a [String],
}

/// Registers an endpoint (program admins); returns it with its signing secret, shown this once.
pub async fn create_endpoint(
    app: &App,
    staff: &StaffMember,
    new: &NewEndpoint<'_>,
    origin: &Origin,
) -> Result<(EndpointRecord, String), AppError> {
    staff.require(StaffPermission::ManageWebhooks, i18n::key("error-act-manage-webhooks"))?;
    let url = webhook::check_url(new.url).map_err(|why| InvalidInput::new("url", why))?;
    webhook::check_destination(&url, &app.settings().webhook_allow).map_err(|why| InvalidInput::new("url", why))?;
    let types = webhook::parse_event_types(new.event_types).map_err(|why| InvalidInput::new("event_types", why))?;
    let endpoint = EndpointRecord {
        id: app.new_id(WebhookEndpointId::from_random).to_string(),
        url,
        event_types: types.iter().map(|t| (*t).to_owned()).collect(),
        secret_salt: app.new_secret(""),
        status: EndpointStatus::Enabled,
        disabled_reason: None,
        created_by: format!("{} <{}>", staff.name, staff.email),
        created_at: app.now(),
    };
    let mut tx = app.store().write().await?;
    store::webhooks::insert_endpoint(&mut tx, &endpoint).await?;
    let detail = format!("registered the webhook endpoint {} for {}", endpoint.url, endpoint.event_types.join(", "));
    let change = Change { org: None, action: "webhook_endpoint.created", subject: &endpoint.id, detail };
    audit::record(app, &mut tx, Who::actor(&Actor::Staff(staff.clone())), origin, change).await?;
    tx.commit().await?;
    let secret = secret_of(app, &endpoint.secret_salt);
    Ok((endpoint, secret))
}

pub async fn endpoints(app: &App, staff: &StaffMember) -> Result<Vec<EndpointRecord>, AppError> {
    staff.require(StaffPermission::ManageWebhooks, i18n::key("error-act-manage-webhooks"))?;
    let mut conn = app.store().read().await?;
    Ok(store::webhooks::endpoints(&mut conn).await?)
}

/// An endpoint with its latest deliveries (newest first) and each one's event type.
pub async fn endpoint(
    app: &App,
    staff: &StaffMember,
    id: &str,
) -> Result<(EndpointRecord, Vec<(DeliveryRecord, String)>), AppError> {
    staff.require(StaffPermission::ManageWebhooks, i18n::key("error-act-manage-webhooks"))?;
    let mut conn = app.store().read().await?;
    let e = store::webhooks::endpoint(&mut conn, id).await?.ok_or(AppError::NotFound("webhook endpoint"))?;
    let deliveries = store::webhooks::deliveries(&mut conn, &e.id, 100).await?;
    Ok((e, deliveries))
}

/// One attempt as logged: when, the receiver's status code, the error, how long it took (ms).
pub type AttemptLog = (DateTime<Utc>, Option<i64>, Option<String>, i64);

/// One delivery with the log of its attempts, oldest first.
pub async fn delivery(
    app: &App,
    staff: &StaffMember,
    delivery_id: &str,
) -> Result<(DeliveryRecord, Vec<AttemptLog>), AppError> {
    staff.require(StaffPermission::ManageWebhooks, i18n::key("error-act-manage-webhooks"))?;
    let mut conn = app.store().read().await?;
    let d = store::webhooks::delivery(&mut conn, delivery_id).await?.ok_or(AppError::NotFound("webhook delivery"))?;
    let log = store::webhooks::attempts(&mut conn, delivery_id).await?;
    Ok((d, log))
}

/// The events recorded for webhooks (of the types some endpoint asked for), newest first.
pub async fn events(
    app: &App,
    staff: &StaffMember,
    event_type: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<EventRecord>, AppError> {
    staff.require(StaffPermission::ManageWebhooks, i18n::key("error-act-read-webhook-events"))?;
    if let Some(t) = event_type
        && !webhook::EVENT_TYPES.contains(&t)
    {
        return Err(InvalidInput::new("type", format!("{t:?} is not an event type")).into());
    }
    let mut conn = app.store().read().await?;
    Ok(store::webhooks::events(&mut conn, event_type, after, limit.clamp(1, 200)).await?)
}

/// Turns an endpoint on again (what it missed while off stays failed until resent) or off.
pub async fn set_enabled(
    app: &App,
    staff: &StaffMember,
    id: &str,
    enabled: bool,
    origin: &Origin,
) -> Result<(), AppError> {
    staff.require(StaffPermission::ManageWebhooks, i18n::key("error-act-manage-webhooks"))?;
    let mut tx = app.store().write().await?;
    let e = store::webhooks::endpoint(&mut tx, id).await?.ok_or(AppError::NotFound("webhook endpoint"))?;
    let (status, reason) = if enabled {
        (EndpointStatus::Enabled, None)
    } else {
        (EndpointStatus::Disabled, Some("turned off by an admin"))
    };
    if store::webhooks::set_endpoint_status(&mut tx, &e.id, status, reason).await? {
        let detail = format!("{} the webhook endpoint {}", status.as_str(), e.url);
        let change = Change { org: None, action: "webhook_endpoint.changed", subject: &e.id, detail };
        audit::record(app, &mut tx, Who::actor(&Actor::Staff(staff.clone())), origin, change).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// **Resend**: the delivery goes out again, from the start of its schedule.
pub async fn resend(app: &App, staff: &StaffMember, delivery_id: &str, origin: &Origin) -> Result<(), AppError> {
    staff.require(StaffPermission::ManageWebhooks, i18n::key("error-act-manage-webhooks"))?;
    let mut tx = app.store().write().await?;
    let d = store::webhooks::delivery(&mut tx, delivery_id).await?.ok_or(AppError::NotFound("webhook delivery"))?;
    store::webhooks::resend(&mut tx, &d.id, app.now()).await?;
    let detail = format!("resent event {} to endpoint {}", d.event_id, d.endpoint_id);
    let change = Change { org: None, action: "webhook_delivery.resent", subject: &d.id, detail };
    audit::record(app, &mut tx, Who::actor(&Actor::Staff(staff.clone())), origin, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Posts every delivery that is due, in order per endpoint and ordering key; returns how many
/// were delivered. Safe on several workers at once (leases).
pub async fn deliver_due(app: &App) -> Result<usize, AppError> {
    let mut delivered = 0;
    loop {
        let mut conn = app.store().read().await?;
        let any_due = store::webhooks::any_pending_due(&mut conn, app.now(), app.wall_now()).await?;
        drop(conn);
        if !any_due {
            return Ok(delivered);
        }
        let due = {
            let mut tx = app.store().write().await?;
            let wall = app.wall_now();
            let due =
                store::webhooks::claim_due(&mut tx, app.now(), wall, wall + chrono::Duration::minutes(1), 50).await?;
            tx.commit().await?;
            due
        };
        if due.is_empty() {
            return Ok(delivered);
        }
        for d in due {
            if attempt(app, &d).await? {
                delivered += 1;
            }
        }
    }
}

/// The error of an attempt to an address that is not public: nothing was sent.
pub const REFUSED: &str = "refused: not a public address";

/// One attempt at one delivery; `true` if the receiver took it. (The ordering key of an event
/// about a subscription is the subscription's id.)
#[tracing::instrument(name = "webhook_delivery", skip_all, fields(
    delivery = %d.delivery.id,
    event = %d.delivery.event_id,
    event_type = %d.event_type,
    endpoint = %d.delivery.endpoint_id,
    ordering_key = %d.delivery.ordering_key,
))]
async fn attempt(app: &App, d: &store::webhooks::Due) -> Result<bool, AppError> {
    let at = app.now();
    let secret = secret_of(app, &d.secret_salt);
    let started = crate::clock::Stopwatch::start();
    let post = send::Post {
        url: &d.url,
        headers: [
            ("partnerhub-event-id", d.delivery.event_id.clone()),
            ("partnerhub-event-type", d.event_type.clone()),
            ("partnerhub-signature", signature(&secret, at, &d.payload)),
        ],
        body: d.payload.clone(),
    };
    let sent = app.webhook_sender().post(post).await;
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    // The error names no address, port or cause beyond these few words: never the secret or
    // the body, and nothing that would tell an admin how an internal address answers.
    let (status_code, error) = match sent {
        send::Sent::Answered(status) if status.is_success() => (Some(i64::from(status.as_u16())), None),
        send::Sent::Answered(status) => {
            (Some(i64::from(status.as_u16())), Some(format!("the receiver answered {status}")))
        }
        send::Sent::Refused => (None, Some(REFUSED.to_owned())),
        send::Sent::TimedOut => (None, Some("no answer within 10 seconds".to_owned())),
        send::Sent::Unreachable => (None, Some("could not connect to the receiver".to_owned())),
        send::Sent::Failed => (None, Some("the request to the receiver failed".to_owned())),
    };
    let ok = error.is_none();
    let attempts = d.delivery.attempts + 1;
    if let Some(reason) = &error {
        tracing::warn!(attempt = attempts, reason = %reason, "a webhook delivery failed");
    }
    let retry_at = if ok { None } else { webhook::retry_after(attempts).map(|wait| at + wait) };
    let mut tx = app.store().write().await?;
    let id = app.new_id(DeliveryAttemptId::from_random).to_string();
    let logged = store::webhooks::Attempt {
        id: &id,
        delivery_id: &d.delivery.id,
        at,
        status_code,
        error: error.as_deref(),
        duration_ms,
    };
    store::webhooks::record_attempt(&mut tx, &logged, ok, retry_at).await?;
    if !ok && retry_at.is_none() {
        disable_after_failures(app, &mut tx, d).await?;
    }
    tx.commit().await?;
    Ok(ok)
}

/// Retries spent: the endpoint is disabled and the program admins are told.
async fn disable_after_failures(app: &App, tx: &mut store::Conn, d: &store::webhooks::Due) -> Result<(), AppError> {
    let reason = format!(
        "event {} could not be delivered after {} attempts over 3 days",
        d.delivery.event_id,
        webhook::MAX_ATTEMPTS
    );
    if !store::webhooks::set_endpoint_status(tx, &d.delivery.endpoint_id, EndpointStatus::Disabled, Some(&reason))
        .await?
    {
        return Ok(());
    }
    let detail = format!("disabled the webhook endpoint {}: {reason}", d.url);
    let change = Change { org: None, action: "webhook_endpoint.disabled", subject: &d.delivery.endpoint_id, detail };
    audit::record(app, tx, Who::system("webhooks"), &Origin::system("webhooks"), change).await?;
    let link = format!("{}/staff/webhooks/{}", app.settings().public_url, d.delivery.endpoint_id);
    for admin in store::staff::list(tx)
        .await?
        .into_iter()
        .filter(|s| s.role == StaffRole::ProgramAdmin && s.disabled_at.is_none())
    {
        let lang = crate::outbox::language_of(app, admin.language.as_deref());
        let why = lang.t2(
            "email-webhook-why-failed",
            "event",
            d.delivery.event_id.as_str(),
            "attempts",
            webhook::MAX_ATTEMPTS,
        );
        let args = [("url", d.url.as_str().into()), ("reason", why.into()), ("link", link.as_str().into())];
        let body = lang.t_with("email-webhook-disabled-body", &args) + "\n";
        let subject = lang.t("email-webhook-disabled-subject");
        crate::outbox::queue(app, tx, admin.email.as_str(), &subject, body).await?;
    }
    Ok(())
}

/// Tells webhook receivers that a request moved (a reply, an answer, a status); internal notes
/// and assignments are staff's own and are not told.
pub(crate) async fn request_updated(
    app: &App,
    tx: &mut store::Conn,
    r: &store::service_requests::RequestRecord,
    status: domain::service_request::RequestStatus,
) -> Result<(), AppError> {
    let data = request_data(r, status);
    emit_one(app, tx, "service_request.updated", &r.org_id, r.id.as_str(), data).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_the_rfc_4231_vectors() {
        // RFC 4231, test cases 1 and 2.
        assert_eq!(
            hex(&hmac_sha256(&[0x0b; 20], b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_signature_verifies_only_for_its_body_secret_and_time() {
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let header = signature("whsec_abc", at, "{\"id\":\"evt_1\"}");
        let five = chrono::Duration::minutes(5);
        assert!(verify("whsec_abc", &header, "{\"id\":\"evt_1\"}", at, five));
        assert!(!verify("whsec_abc", &header, "{\"id\":\"evt_2\"}", at, five));
        assert!(!verify("whsec_abd", &header, "{\"id\":\"evt_1\"}", at, five));
        assert!(!verify("whsec_abc", &header, "{\"id\":\"evt_1\"}", at + chrono::Duration::minutes(6), five));
    }
}
