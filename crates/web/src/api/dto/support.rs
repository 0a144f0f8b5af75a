//! Service requests with their conversation, attachments and refunds, and the quote of a
//! cancellation, as the API speaks them.

use super::amount::Amount;
use super::files::{AttachedFile, file_dto};
use crate::error::ApiError;
use app::service_requests::{RefundView, RequestView};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use store::service_requests::RequestRecord;
use utoipa::ToSchema;

type ApiResult<T> = Result<T, ApiError>;

/// A service request. `messages`, `files` and `refunds` come with a single request, not in lists.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceRequest {
    pub id: String,
    /// Gapless, e.g. `SR-000014`.
    pub number: String,
    pub org_id: String,
    /// `billing`, `membership`, `competencies`, `account` or `portal`.
    pub problem_type: String,
    /// The subscription a billing request is about.
    pub subscription_id: Option<String>,
    pub title: String,
    pub contact_email: String,
    pub contact_phone: Option<String>,
    /// `new`, `in_progress`, `waiting_for_partner`, `resolved` or `closed`.
    pub status: String,
    /// The staff member handling it.
    pub assignee: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub messages: Vec<RequestMessage>,
    pub files: Vec<AttachedFile>,
    pub refunds: Vec<Refund>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RequestMessage {
    /// `partner`, `staff`, or `internal` (a staff note; only staff see these).
    pub author_kind: String,
    pub author_name: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// A refund given when staff cancelled the subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct Refund {
    pub id: String,
    pub invoice_id: String,
    pub invoice_number: String,
    pub amount: Amount,
    /// What the offer's policy gave; `amount` is lower when the agent lowered it.
    pub due: Amount,
    /// Why the policy gives what it gives, e.g. "prorated: 266 of 366 days unused".
    pub basis: String,
    pub lowered_because: Option<String>,
    /// `pending` (retried until the gateway makes it) or `succeeded`.
    pub status: String,
    pub refunded_at: Option<DateTime<Utc>>,
    /// Why the last attempt failed, while pending.
    pub last_error: Option<String>,
    /// The credit note issued when the refund was made.
    pub credit_note_id: Option<String>,
    pub credit_note_number: Option<String>,
}

crate::api::page::list_of!(ServiceRequestList, ServiceRequest);

pub fn request_dto(r: RequestRecord) -> ServiceRequest {
    ServiceRequest {
        id: r.id.into(),
        number: r.number,
        org_id: r.org_id.to_string(),
        problem_type: r.problem_type.as_str().to_owned(),
        subscription_id: r.subscription_id.map(Into::into),
        title: r.title,
        contact_email: r.contact_email,
        contact_phone: r.contact_phone,
        status: r.status.as_str().to_owned(),
        assignee: r.assignee,
        created_at: r.created_at,
        updated_at: r.updated_at,
        resolved_at: r.resolved_at,
        messages: Vec::new(),
        files: Vec::new(),
        refunds: Vec::new(),
    }
}

pub fn refund_dto(v: RefundView) -> ApiResult<Refund> {
    let r = v.refund;
    Ok(Refund {
        amount: r.amount.into(),
        due: r.due.into(),
        id: r.id.into(),
        invoice_id: r.invoice_id.into(),
        invoice_number: v.invoice_number,
        basis: r.basis,
        lowered_because: r.lowered_because,
        status: r.status.as_str().to_owned(),
        refunded_at: r.refunded_at,
        last_error: r.last_error,
        credit_note_id: v.credit_note.as_ref().map(|n| n.id.to_string()),
        credit_note_number: v.credit_note.map(|n| n.number),
    })
}

pub fn full_request_dto(view: RequestView) -> ApiResult<ServiceRequest> {
    let mut out = request_dto(view.request);
    out.messages = view
        .messages
        .into_iter()
        .map(|m| RequestMessage {
            author_kind: m.author_kind.as_str().to_owned(),
            author_name: m.author_name,
            body: m.body,
            created_at: m.created_at,
        })
        .collect();
    out.files = view.files.into_iter().map(file_dto).collect();
    out.refunds = view.refunds.into_iter().map(refund_dto).collect::<ApiResult<_>>()?;
    Ok(out)
}

/// What cancelling the request's subscription now would refund, per paid term.
#[derive(Debug, Serialize, ToSchema)]
pub struct CancellationQuote {
    pub subscription_id: String,
    /// Whether it can still be cancelled (it is live).
    pub live: bool,
    pub lines: Vec<QuoteLine>,
    pub total: Amount,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteLine {
    pub invoice_id: String,
    pub invoice_number: String,
    pub term_start: NaiveDate,
    pub term_end: NaiveDate,
    pub paid: Amount,
    pub refund: Amount,
    pub basis: String,
}

impl From<app::cancellation::CancellationQuote> for CancellationQuote {
    fn from(q: app::cancellation::CancellationQuote) -> CancellationQuote {
        CancellationQuote {
            subscription_id: q.subscription.id.to_string(),
            live: q.live,
            lines: q
                .lines
                .iter()
                .map(|l| QuoteLine {
                    invoice_id: l.invoice_id.to_string(),
                    invoice_number: l.invoice_number.clone(),
                    term_start: l.term.start,
                    term_end: l.term.end,
                    paid: l.paid.into(),
                    refund: l.due.into(),
                    basis: l.basis.to_string(),
                })
                .collect(),
            total: q.total.into(),
        }
    }
}
