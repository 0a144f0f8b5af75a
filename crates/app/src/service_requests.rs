//! Service requests: a partner's **New request** (type of problem, the subscription it is
//! about, title, description, contact), the conversation with program staff, the partner's
//! reply and reopening, and the staff queue with replies and status changes. The rules
//! (statuses, who writes when, the 14-day reopening) live in `domain::service_request`.

use crate::actor::{Actor, Origin, PartnerUser, StaffMember};
use crate::audit::{self, Change, Who};
use crate::error::AppError;
use crate::state::App;
use crate::text::Text;
use domain::account::InvalidInput;
use domain::ids::{ApplicationFileId, BenefitId, RequestMessageId, ServiceRequestId, SubscriptionId};
use domain::roles::{PartnerPermission, StaffPermission};
use domain::service_request::{self as rules, Author, NewRequest, RequestStatus};
use store::files::Owner;
use store::refunds::{CreditNoteRecord, RefundRecord};
use store::service_requests::{MessageRecord, RequestRecord};

pub(crate) fn conflict(code: &'static str, message: impl Into<crate::text::Text>) -> AppError {
    AppError::Conflict { code, message: message.into() }
}

/// What a new request carries, as typed.
pub struct RequestForm<'a> {
    pub problem: &'a str,
    pub subscription_id: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub contact_email: &'a str,
    pub contact_phone: &'a str,
}

/// **New request** → **Submit** (Global, Account and Billing admins): the request with the
/// next number and its first message.
pub async fn create(
    app: &App,
    actor: &PartnerUser,
    form: &RequestForm<'_>,
    files: &[(String, Vec<u8>)],
    origin: &Origin,
) -> Result<RequestRecord, AppError> {
    actor.require(PartnerPermission::UseSupport, i18n::key("error-act-open-service-requests-ask"))?;
    let new = NewRequest::parse(form.problem, form.title, form.description, form.contact_email, form.contact_phone)?;
    if files.len() > rules::MAX_FILES {
        let most = rules::MAX_FILES;
        let refusal = InvalidInput::new("file", format!("attach at most {most} files"));
        return Err(refusal.said("error-too-many-files", &[("most", &most)]).into());
    }
    let checked =
        files.iter().map(|(name, bytes)| domain::attachment::check_file(name, bytes)).collect::<Result<Vec<_>, _>>()?;
    let mut tx = app.store().write().await?;
    let subscription_id = match form.subscription_id.trim() {
        "" => None,
        id if new.problem.refers_to_subscription() => {
            let sub = match id.parse::<SubscriptionId>() {
                Ok(id) => store::subscriptions::get_in_org(&mut tx, &actor.org_id, &id).await?,
                // A choice from the form: an id of the wrong shape names none of them either.
                Err(_) => None,
            };
            let sub =
                sub.ok_or_else(|| InvalidInput::new("subscription_id", "choose one of your org's subscriptions"))?;
            Some(sub.id)
        }
        _ => None,
    };
    let seq = store::invoices::next_number(&mut tx, "SR").await?;
    let now = app.now();
    let request = RequestRecord {
        id: app.new_id(ServiceRequestId::from_random),
        number: format!("SR-{seq:06}"),
        org_id: actor.org_id.clone(),
        problem_type: new.problem,
        subscription_id,
        title: new.title.clone(),
        contact_email: new.contact_email.to_string(),
        contact_phone: new.contact_phone.clone(),
        status: RequestStatus::New,
        assignee: None,
        created_by: actor.id.to_string(),
        created_at: now,
        updated_at: now,
        resolved_at: None,
    };
    store::service_requests::insert(&mut tx, &request).await?;
    let message =
        message(app, &request.id, Author::Partner, &format!("{} <{}>", actor.name, actor.email), &new.description);
    store::service_requests::insert_message(&mut tx, &message).await?;
    for (file, (_, bytes)) in checked.iter().zip(files) {
        crate::attachments::keep(app, &mut tx, Owner::Request(&request.id), actor, file, bytes).await?;
    }
    let detail = format!("opened service request {}: {}", request.number, request.title);
    let change =
        Change { org: Some(&actor.org_id), action: "service_request.opened", subject: request.id.as_str(), detail };
    audit::record(app, &mut tx, Who::actor(&Actor::Partner(actor.clone())), origin, change).await?;
    let data = crate::webhooks::request_data(&request, request.status);
    crate::webhooks::emit_one(app, &mut tx, "service_request.created", &request.org_id, request.id.as_str(), data)
        .await?;
    tx.commit().await?;
    Ok(request)
}

pub(crate) fn message(app: &App, request_id: &ServiceRequestId, kind: Author, name: &str, body: &str) -> MessageRecord {
    MessageRecord {
        id: app.new_id(RequestMessageId::from_random),
        request_id: request_id.to_owned(),
        author_kind: kind,
        author_name: name.to_owned(),
        body: body.to_owned(),
        created_at: app.now(),
    }
}

/// **Service requests > Partner requests**: the org's requests, **Open** or closed, newest
/// first.
pub async fn list_mine(app: &App, actor: &PartnerUser, open: bool) -> Result<Vec<RequestRecord>, AppError> {
    actor.require(PartnerPermission::UseSupport, i18n::key("error-act-see-service-requests-ask"))?;
    let mut conn = app.store().read().await?;
    let all = store::service_requests::list_in_org(&mut conn, &actor.org_id).await?;
    Ok(all.into_iter().filter(|r| r.status.is_open() == open).collect())
}

/// One request of the org with its conversation.
pub async fn get_mine(app: &App, actor: &PartnerUser, id: &ServiceRequestId) -> Result<RequestView, AppError> {
    actor.require(PartnerPermission::UseSupport, i18n::key("error-act-see-service-requests-ask"))?;
    let mut conn = app.store().read().await?;
    let r = store::service_requests::get_in_org(&mut conn, &actor.org_id, id)
        .await?
        .ok_or(AppError::NotFound("service request"))?;
    let mut view = view(&mut conn, r).await?;
    // Staff's internal notes never reach the partner.
    view.messages.retain(|m| m.author_kind != Author::Internal);
    Ok(view)
}

/// A request as its page shows it: the conversation and the refunds made on it.
pub struct RequestView {
    pub request: RequestRecord,
    pub messages: Vec<MessageRecord>,
    pub files: Vec<store::files::FileRecord>,
    pub refunds: Vec<RefundView>,
}

/// A refund made on a request: the invoice it refunds and, once made, its credit note.
pub struct RefundView {
    pub refund: RefundRecord,
    pub invoice_number: String,
    pub credit_note: Option<CreditNoteRecord>,
}

async fn view(conn: &mut store::Conn, request: RequestRecord) -> Result<RequestView, AppError> {
    let messages = store::service_requests::messages(conn, &request.id).await?;
    let mut refunds = Vec::new();
    for refund in store::refunds::for_request(conn, &request.id).await? {
        let credit_note = store::refunds::note_for_refund(conn, &refund.id).await?;
        let invoice = store::invoices::get_in_org(conn, &refund.org_id, &refund.invoice_id).await?;
        let invoice_number = invoice.map(|i| i.number).unwrap_or_default();
        refunds.push(RefundView { refund, invoice_number, credit_note });
    }
    let files = store::files::list(conn, Owner::Request(&request.id)).await?;
    Ok(RequestView { request, messages, files, refunds })
}

/// The partner writes in an open request; one waiting for them goes back in progress.
pub async fn reply(
    app: &App,
    actor: &PartnerUser,
    id: &ServiceRequestId,
    body: &str,
    origin: &Origin,
) -> Result<(), AppError> {
    actor.require(PartnerPermission::UseSupport, i18n::key("error-act-write-in-service-requests-ask"))?;
    let body = rules::check_message(body)?;
    let mut tx = app.store().write().await?;
    let r = store::service_requests::get_in_org(&mut tx, &actor.org_id, id)
        .await?
        .ok_or(AppError::NotFound("service request"))?;
    let next = rules::after_partner_reply(r.status).map_err(|e| conflict("request_closed", e.to_string()))?;
    let m = message(app, &r.id, Author::Partner, &format!("{} <{}>", actor.name, actor.email), &body);
    store::service_requests::insert_message(&mut tx, &m).await?;
    store::service_requests::set_status(&mut tx, &r.id, next, None, app.now()).await?;
    let change = Change {
        org: Some(&actor.org_id),
        action: "service_request.replied",
        subject: r.id.as_str(),
        detail: format!("wrote in service request {}", r.number),
    };
    audit::record(app, &mut tx, Who::actor(&Actor::Partner(actor.clone())), origin, change).await?;
    crate::webhooks::request_updated(app, &mut tx, &r, next).await?;
    tx.commit().await?;
    Ok(())
}

/// Reopens a resolved request within 14 days of its resolution.
pub async fn reopen(app: &App, actor: &PartnerUser, id: &ServiceRequestId, origin: &Origin) -> Result<(), AppError> {
    actor.require(PartnerPermission::UseSupport, i18n::key("error-act-reopen-service-requests-ask"))?;
    let mut tx = app.store().write().await?;
    let r = store::service_requests::get_in_org(&mut tx, &actor.org_id, id)
        .await?
        .ok_or(AppError::NotFound("service request"))?;
    rules::check_reopen(r.status, r.resolved_at, app.now()).map_err(|e| conflict("cannot_reopen", e.to_string()))?;
    store::service_requests::set_status(&mut tx, &r.id, RequestStatus::InProgress, None, app.now()).await?;
    let change = Change {
        org: Some(&actor.org_id),
        action: "service_request.reopened",
        subject: r.id.as_str(),
        detail: format!("reopened service request {}", r.number),
    };
    audit::record(app, &mut tx, Who::actor(&Actor::Partner(actor.clone())), origin, change).await?;
    crate::webhooks::request_updated(app, &mut tx, &r, RequestStatus::InProgress).await?;
    tx.commit().await?;
    Ok(())
}

/// How staff narrow the queue, as typed in its filter form (empty means any).
#[derive(Clone, Debug, Default)]
pub struct QueueQuery<'a> {
    /// `open` (new, in progress, waiting for partner; the default), `all`, or one status.
    pub status: Option<&'a str>,
    /// A type of problem (`billing`, `membership`, …).
    pub problem: Option<&'a str>,
    /// A partner ID or part of an org's name.
    pub org: Option<&'a str>,
    /// Opened at least this many days ago.
    pub older_than_days: Option<&'a str>,
    /// `mine`, `nobody`, or any handler.
    pub assignee: Option<&'a str>,
}

/// The staff queue, oldest first, each request with its org's name.
pub async fn queue<'a>(
    app: &App,
    staff: &StaffMember,
    q: &QueueQuery<'a>,
) -> Result<Vec<(RequestRecord, String)>, AppError> {
    staff.require(StaffPermission::ViewOrgs, i18n::key("error-act-see-service-requests"))?;
    let all = RequestStatus::ALL;
    let statuses = crate::staff::queue_filter(q.status, &all[..3], &all, RequestStatus::as_str)?;
    let some = |v: Option<&'a str>| v.map(str::trim).filter(|v| !v.is_empty());
    let problem = match some(q.problem) {
        Some(p) => Some(
            rules::ProblemType::parse(p)
                .ok_or_else(|| InvalidInput::new("problem", "choose a type of problem from the list"))?,
        ),
        None => None,
    };
    let opened_before = match some(q.older_than_days) {
        Some(days) => {
            let days: u16 = days
                .parse()
                .map_err(|_| InvalidInput::new("older_than_days", "write a whole number of days, like 7"))?;
            Some(app.now() - chrono::Duration::days(i64::from(days)))
        }
        None => None,
    };
    let me = handler_name(staff);
    let assignee = match some(q.assignee) {
        None | Some("any") => None,
        Some("mine") => Some(Some(me.as_str())),
        Some("nobody") => Some(None),
        Some(_) => return Err(InvalidInput::new("assignee", "choose mine, nobody or any").into()),
    };
    let filter = store::service_requests::QueueFilter {
        statuses,
        problem_type: problem,
        org: some(q.org),
        opened_before,
        assignee,
    };
    let mut conn = app.store().read().await?;
    Ok(store::service_requests::queue(&mut conn, &filter, 500).await?)
}

/// How a handler is named on a request: "Name <address>".
pub(crate) fn handler_name(staff: &StaffMember) -> String {
    format!("{} <{}>", staff.name, staff.email)
}

/// Hands the request to a staff member (the agent themself or another, by e-mail address).
pub async fn assign(
    app: &App,
    staff: &StaffMember,
    id: &ServiceRequestId,
    to: &str,
    origin: &Origin,
) -> Result<(), AppError> {
    staff.require(StaffPermission::ViewOrgs, i18n::key("error-act-assign-service-requests"))?;
    let address = domain::account::EmailAddress::parse(to.trim())
        .map_err(|_| InvalidInput::new("assignee", "choose a staff member"))?;
    let mut tx = app.store().write().await?;
    let r = store::service_requests::get(&mut tx, id).await?.ok_or(AppError::NotFound("service request"))?;
    let to = store::staff::find_by_email(&mut tx, &address)
        .await?
        .ok_or_else(|| InvalidInput::new("assignee", "there is no staff member with that address"))?;
    let name = format!("{} <{}>", to.name, to.email);
    store::service_requests::assign(&mut tx, &r.id, &name, app.now()).await?;
    let detail = format!("assigned service request {} to {name}", r.number);
    let change = Change { org: Some(&r.org_id), action: "service_request.assigned", subject: r.id.as_str(), detail };
    audit::record(app, &mut tx, Who::actor(&Actor::Staff(staff.clone())), origin, change).await?;
    tx.commit().await?;
    Ok(())
}

/// An internal note: staff write it in the request for each other; the partner never sees it
/// and is not told.
pub async fn note(
    app: &App,
    staff: &StaffMember,
    id: &ServiceRequestId,
    body: &str,
    origin: &Origin,
) -> Result<(), AppError> {
    staff.require(StaffPermission::ViewOrgs, i18n::key("error-act-write-in-service-requests"))?;
    let body = rules::check_message(body)?;
    let mut tx = app.store().write().await?;
    let r = store::service_requests::get(&mut tx, id).await?.ok_or(AppError::NotFound("service request"))?;
    let m = message(app, &r.id, Author::Internal, &format!("{} (internal note)", staff.name), &body);
    store::service_requests::insert_message(&mut tx, &m).await?;
    let detail = format!("wrote an internal note in service request {}", r.number);
    let change = Change { org: Some(&r.org_id), action: "service_request.noted", subject: r.id.as_str(), detail };
    audit::record(app, &mut tx, Who::actor(&Actor::Staff(staff.clone())), origin, change).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn get_for_staff(app: &App, staff: &StaffMember, id: &ServiceRequestId) -> Result<RequestView, AppError> {
    staff.require(StaffPermission::ViewOrgs, i18n::key("error-act-see-service-requests"))?;
    let mut conn = app.store().read().await?;
    let r = store::service_requests::get(&mut conn, id).await?.ok_or(AppError::NotFound("service request"))?;
    view(&mut conn, r).await
}

/// A staff answer (support agents and program admins): an optional message and the request's
/// new status; the staff member takes the request. The org is told in the portal and by e-mail
/// at the request's contact address.
pub async fn answer(
    app: &App,
    staff: &StaffMember,
    id: &ServiceRequestId,
    body: &str,
    status: &str,
    origin: &Origin,
) -> Result<(), AppError> {
    staff.require(StaffPermission::ViewOrgs, i18n::key("error-act-answer-service-requests"))?;
    let status: RequestStatus =
        status.parse().map_err(|_| InvalidInput::new("status", "choose the request's new status"))?;
    let body = if body.trim().is_empty() { None } else { Some(rules::check_message(body)?) };
    let mut tx = app.store().write().await?;
    let r = store::service_requests::get(&mut tx, id).await?.ok_or(AppError::NotFound("service request"))?;
    if r.status == RequestStatus::Closed {
        return Err(conflict("request_closed", i18n::key("error-request-closed")));
    }
    let staff_name = handler_name(staff);
    if let Some(body) = &body {
        let m = message(app, &r.id, Author::Staff, &format!("{} (program staff)", staff.name), body);
        store::service_requests::insert_message(&mut tx, &m).await?;
    }
    store::service_requests::set_status(&mut tx, &r.id, status, Some(&staff_name), app.now()).await?;
    let detail = format!("answered service request {} ({})", r.number, status.to_string().to_lowercase());
    let change = Change { org: Some(&r.org_id), action: "service_request.answered", subject: r.id.as_str(), detail };
    audit::record(app, &mut tx, Who::actor(&Actor::Staff(staff.clone())), origin, change).await?;
    let title = Text::new(i18n::key("notification-request-answered-title"))
        .arg("number", &r.number)
        .phrase("status", status_key(status));
    let text = match &body {
        Some(b) => Text::new(i18n::key("notification-request-staff-wrote"))
            .arg("number", &r.number)
            .arg("title", &r.title)
            .arg("message", b),
        None => Text::new(i18n::key("notification-request-now"))
            .arg("number", &r.number)
            .arg("title", &r.title)
            .phrase("status", status_key(status)),
    };
    let dedupe_key = format!("{}:{}", r.id, app.new_id(RequestMessageId::from_random));
    crate::notices::record(app, &mut tx, &r.org_id, None, dedupe_key, &title, &text).await?;
    let lang = crate::outbox::language_of(app, crate::outbox::contact_language(&mut tx, &r).await?.as_deref());
    crate::outbox::queue(app, &mut tx, &r.contact_email, &title.in_lang(&lang), text.in_lang(&lang) + "\n").await?;
    crate::webhooks::request_updated(app, &mut tx, &r, status).await?;
    tx.commit().await?;
    Ok(())
}

/// Staff draw down one of the org's support balances (support incidents, advisory hours) on
/// this request; the conversation says what was used and what is left. Once per form `key`.
pub async fn draw_support(
    app: &App,
    staff: &StaffMember,
    id: &ServiceRequestId,
    benefit_id: &BenefitId,
    amount: &str,
    key: &str,
    origin: &Origin,
) -> Result<(), AppError> {
    staff.require(StaffPermission::ViewOrgs, i18n::key("error-act-draw-down-support-balances"))?;
    let amount: i64 = amount
        .trim()
        .parse()
        .map_err(|_| InvalidInput::new("amount", "write a whole number of incidents or hours, like 1"))?;
    let mut tx = app.store().write().await?;
    let r = store::service_requests::get(&mut tx, id).await?.ok_or(AppError::NotFound("service request"))?;
    let (product, left) = match crate::benefits::draw_support(
        app,
        &mut tx,
        staff,
        &r,
        crate::benefits::SupportDraw { benefit_id, amount, key },
        origin,
    )
    .await
    {
        // The same form sent again: the first draw stands, nothing more is written.
        Err(AppError::Conflict { code: "already_drawn", .. }) => return Ok(()),
        other => other?,
    };
    // The draw and its note in the conversation commit together.
    let note = format!("Used {amount} {product} on this request ({left} left).");
    let m = message(app, &r.id, Author::Staff, &format!("{} (program staff)", staff.name), &note);
    store::service_requests::insert_message(&mut tx, &m).await?;
    tx.commit().await?;
    Ok(())
}

/// Names the org's subscription `subscription_id` on a request that named none (a partner
/// asked to cancel without choosing one), so that the agent can act on it.
pub async fn name_subscription(
    app: &App,
    staff: &StaffMember,
    id: &ServiceRequestId,
    subscription_id: &str,
    origin: &Origin,
) -> Result<(), AppError> {
    staff.require(StaffPermission::ViewOrgs, i18n::key("error-act-change-service-requests"))?;
    let mut tx = app.store().write().await?;
    let r = store::service_requests::get(&mut tx, id).await?.ok_or(AppError::NotFound("service request"))?;
    if let Some(named) = &r.subscription_id {
        if named.as_str() == subscription_id {
            return Ok(());
        }
        return Err(conflict("subscription_named", i18n::key("error-request-names-subscription")));
    }
    let sub = match subscription_id.parse::<SubscriptionId>() {
        Ok(id) => store::subscriptions::get_in_org(&mut tx, &r.org_id, &id).await?,
        Err(_) => None,
    };
    let sub = sub.ok_or_else(|| InvalidInput::new("subscription_id", "choose one of this org's subscriptions"))?;
    store::service_requests::set_subscription(&mut tx, &r.id, &sub.id, app.now()).await?;
    let detail = format!("named the {} subscription on request {}", sub.offer_name, r.number);
    let change =
        Change { org: Some(&r.org_id), action: "service_request.subscription_named", subject: r.id.as_str(), detail };
    audit::record(app, &mut tx, Who::actor(&Actor::Staff(staff.clone())), origin, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Staff cancel the subscription a billing request is about at the end of its term: automatic
/// renewal goes off, the subscription and its benefits run to the term's end with no reminders
/// to renew and then end as cancelled, nothing is refunded (renewing it before then keeps it).
/// The conversation says so and the request is resolved.
pub async fn cancel_at_term_end(
    app: &App,
    staff: &StaffMember,
    id: &ServiceRequestId,
    origin: &Origin,
) -> Result<(), AppError> {
    staff.require(StaffPermission::ViewOrgs, i18n::key("error-act-cancel-subscriptions"))?;
    let mut tx = app.store().write().await?;
    let r = store::service_requests::get(&mut tx, id).await?.ok_or(AppError::NotFound("service request"))?;
    let sub_id = r
        .subscription_id
        .clone()
        .ok_or_else(|| conflict("no_subscription", i18n::key("error-request-no-subscription")))?;
    store::orgs::lock(&mut tx, &r.org_id).await?;
    let sub = store::subscriptions::get_in_org(&mut tx, &r.org_id, &sub_id)
        .await?
        .ok_or(AppError::NotFound("subscription"))?;
    let live = sub.status.is_live();
    if !live {
        return Err(conflict(
            "subscription_not_live",
            crate::text::Text::new(i18n::key("error-subscription-ended-already")).arg("offer", &sub.offer_name),
        ));
    }
    store::subscriptions::cancel_at_term_end(&mut tx, &r.org_id, &sub.id).await?;
    let note = format!(
        "Cancelled at the end of its term: the {} subscription ends on {} and will not renew; its benefits last until then. Nothing is refunded.",
        sub.offer_name, sub.term_end
    );
    let m = message(app, &r.id, Author::Staff, &format!("{} (program staff)", staff.name), &note);
    store::service_requests::insert_message(&mut tx, &m).await?;
    let staff_name = handler_name(staff);
    store::service_requests::set_status(&mut tx, &r.id, RequestStatus::Resolved, Some(&staff_name), app.now()).await?;
    let detail = format!(
        "cancelled the {} subscription at the end of its term ({}), request {}",
        sub.offer_name, sub.term_end, r.number
    );
    let change =
        Change { org: Some(&r.org_id), action: "subscription.cancelled_at_term_end", subject: sub.id.as_str(), detail };
    audit::record(app, &mut tx, Who::actor(&Actor::Staff(staff.clone())), origin, change).await?;
    let lang = crate::outbox::language_of(app, crate::outbox::contact_language(&mut tx, &r).await?.as_deref());
    let title = lang.t2(
        "notification-request-answered-title",
        "number",
        r.number.as_str(),
        "status",
        lang.t("notification-request-status-resolved"),
    );
    let args = [("offer", sub.offer_name.as_str().into()), ("day", lang.day(sub.term_end).into())];
    let text = lang.t_with("notification-request-cancelled-at-term-end", &args) + "\n";
    crate::outbox::queue(app, &mut tx, &r.contact_email, &title, text).await?;
    let mut data = crate::webhooks::subscription_data(&sub);
    data["auto_renew"] = false.into();
    crate::webhooks::emit_one(app, &mut tx, "subscription.auto_renew_disabled", &sub.org_id, sub.id.as_str(), data)
        .await?;
    crate::webhooks::request_updated(app, &mut tx, &r, RequestStatus::Resolved).await?;
    tx.commit().await?;
    Ok(())
}

/// A request's status as a notice says it: "is now resolved".
fn status_key(status: RequestStatus) -> i18n::Key {
    match status {
        RequestStatus::New => i18n::key("notification-request-status-new"),
        RequestStatus::InProgress => i18n::key("notification-request-status-in-progress"),
        RequestStatus::WaitingForPartner => i18n::key("notification-request-status-waiting-for-partner"),
        RequestStatus::Resolved => i18n::key("notification-request-status-resolved"),
        RequestStatus::Closed => i18n::key("notification-request-status-closed"),
    }
}

/// The staff members a request can be handed to: `(name, e-mail address)`.
pub async fn agents(app: &App, staff: &StaffMember) -> Result<Vec<(String, String)>, AppError> {
    staff.require(StaffPermission::ViewOrgs, i18n::key("error-act-assign-service-requests"))?;
    let mut conn = app.store().read().await?;
    let all = store::staff::list(&mut conn).await?;
    Ok(all.into_iter().filter(|s| s.disabled_at.is_none()).map(|s| (s.name.to_string(), s.email.to_string())).collect())
}

/// Attaches a file to an open request of the org (up to 3 per request; checked by its bytes).
pub async fn attach_file(
    app: &App,
    actor: &PartnerUser,
    id: &ServiceRequestId,
    name: &str,
    bytes: &[u8],
    origin: &Origin,
) -> Result<store::files::FileRecord, AppError> {
    actor.require(PartnerPermission::UseSupport, i18n::key("error-act-write-in-service-requests-ask"))?;
    let checked = domain::attachment::check_file(name, bytes)?;
    let mut tx = app.store().write().await?;
    let r = store::service_requests::get_in_org(&mut tx, &actor.org_id, id)
        .await?
        .ok_or(AppError::NotFound("service request"))?;
    if !r.status.is_open() {
        return Err(conflict("request_closed", i18n::key("error-request-files-closed")));
    }
    if store::files::list(&mut tx, Owner::Request(&r.id)).await?.len() >= rules::MAX_FILES {
        return Err(conflict(
            "too_many_files",
            crate::text::Text::new(i18n::key("error-request-too-many-files")).count("max", rules::MAX_FILES),
        ));
    }
    let file_id = crate::attachments::keep(app, &mut tx, Owner::Request(&r.id), actor, &checked, bytes).await?;
    let detail = format!("attached {} ({} bytes) to service request {}", checked.name, bytes.len(), r.number);
    let change =
        Change { org: Some(&actor.org_id), action: "service_request.file_attached", subject: r.id.as_str(), detail };
    audit::record(app, &mut tx, Who::actor(&Actor::Partner(actor.clone())), origin, change).await?;
    let files = store::files::list(&mut tx, Owner::Request(&r.id)).await?;
    tx.commit().await?;
    files.into_iter().find(|f| f.id == file_id).ok_or(AppError::NotFound("file"))
}

/// One attachment of a request with its bytes: for the org's users who see its requests, or
/// staff.
pub async fn file(
    app: &App,
    actor: &Actor,
    id: &ServiceRequestId,
    file_id: &ApplicationFileId,
) -> Result<(store::files::FileRecord, Vec<u8>), AppError> {
    let mut conn = app.store().read().await?;
    let request = match actor {
        Actor::Partner(u) => {
            u.require(PartnerPermission::UseSupport, i18n::key("error-act-see-service-requests-ask"))?;
            store::service_requests::get_in_org(&mut conn, &u.org_id, id).await?
        }
        Actor::Staff(s) => {
            s.require(StaffPermission::ViewOrgs, i18n::key("error-act-see-service-requests"))?;
            store::service_requests::get(&mut conn, id).await?
        }
    }
    .ok_or(AppError::NotFound("service request"))?;
    store::files::get(&mut conn, Owner::Request(&request.id), file_id).await?.ok_or(AppError::NotFound("file"))
}
