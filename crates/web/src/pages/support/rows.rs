//! What the partner's and the staff's pages of a service request both show of it (its row in a
//! list, the conversation, refunds, attachments), and the message form both post.

use crate::error::known_id;
use crate::present::{problem_type, request_status};
use app::AppError;
use app::service_requests::RefundView;
use domain::ids::{ApplicationFileId, CreditNoteId, ServiceRequestId};
use domain::refund::RefundStatus;
use domain::service_request::Author;
use i18n::Lang;
use serde::Deserialize;
use store::service_requests::{MessageRecord, RequestRecord};

/// A request's id from the path; one of the wrong shape is as unknown as a missing request.
pub fn request_id(raw: &str) -> Result<ServiceRequestId, AppError> {
    known_id(raw, "service request")
}

pub struct RequestRow {
    pub id: ServiceRequestId,
    pub number: String,
    pub title: String,
    pub problem: String,
    pub status: String,
    pub opened: String,
    pub updated: String,
}

pub fn row(lang: &Lang, r: &RequestRecord) -> RequestRow {
    RequestRow {
        id: r.id.clone(),
        number: r.number.clone(),
        title: r.title.clone(),
        problem: lang.text(problem_type(r.problem_type)),
        status: lang.text(request_status(r.status)),
        opened: lang.moment(r.created_at),
        updated: lang.moment(r.updated_at),
    }
}

pub struct MessageRow {
    pub staff: bool,
    pub internal: bool,
    pub author: String,
    pub at: String,
    pub body: String,
}

pub fn messages(lang: &Lang, list: Vec<MessageRecord>) -> Vec<MessageRow> {
    list.into_iter()
        .map(|m| MessageRow {
            staff: m.author_kind != Author::Partner,
            internal: m.author_kind == Author::Internal,
            author: m.author_name,
            at: lang.moment(m.created_at),
            body: m.body,
        })
        .collect()
}

/// A refund made on a request, as both sides see it.
pub struct RefundRow {
    pub amount: String,
    pub invoice: String,
    /// "Made on May 2, 2027" or "Pending: …".
    pub state: String,
    pub pending: bool,
    /// The credit note's id and number, once issued.
    pub credit_note: Option<(CreditNoteId, String)>,
}

/// Refunds as the request page shows them: staff read the gateway's own words for a refund that
/// is late; the partner is told in plain words that it will be tried again.
pub fn refund_rows(lang: &Lang, refunds: &[RefundView], staff: bool) -> Result<Vec<RefundRow>, AppError> {
    refunds
        .iter()
        .map(|v| {
            let r = &v.refund;
            Ok(RefundRow {
                amount: lang.money(r.amount),
                invoice: v.invoice_number.clone(),
                state: match (&r.refunded_at, &r.last_error) {
                    (Some(at), _) => lang.t1("portal-refund-made", "day", lang.day_of(*at)),
                    (None, Some(e)) if staff => lang.t1("portal-refund-pending-why", "error", e),
                    (None, Some(_)) => lang.t("portal-refund-pending-retry"),
                    (None, None) => lang.t("portal-refund-pending-sending"),
                },
                pending: r.status == RefundStatus::Pending,
                credit_note: v.credit_note.as_ref().map(|n| (n.id.clone(), n.number.clone())),
            })
        })
        .collect()
}

/// An attachment as a request's page lists it: id, name, size.
pub fn file_rows(lang: &Lang, files: &[store::files::FileRecord]) -> Vec<(ApplicationFileId, String, String)> {
    files
        .iter()
        .map(|f| {
            (f.id.clone(), f.name.clone(), lang.t1("portal-file-kilobytes", "count", (f.size_bytes + 1023) / 1024))
        })
        .collect()
}

#[derive(Deserialize)]
pub struct MessageForm {
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub status: String,
}
