//! What the partner's and the staff's pages of a service request both show of it (its row in a
//! list, the conversation, refunds, attachments), and the message form both post.

use crate::present::{day, money, when};
use app::AppError;
use app::service_requests::RefundView;
use domain::refund::RefundStatus;
use domain::service_request::Author;
use serde::Deserialize;
use store::service_requests::{MessageRecord, RequestRecord};

pub struct RequestRow {
    pub id: String,
    pub number: String,
    pub title: String,
    pub problem: &'static str,
    pub status: String,
    pub opened: String,
    pub updated: String,
}

pub fn row(r: &RequestRecord) -> RequestRow {
    RequestRow {
        id: r.id.clone(),
        number: r.number.clone(),
        title: r.title.clone(),
        problem: r.problem_type.label(),
        status: r.status.to_string(),
        opened: when(r.created_at),
        updated: when(r.updated_at),
    }
}

pub struct MessageRow {
    pub staff: bool,
    pub internal: bool,
    pub author: String,
    pub at: String,
    pub body: String,
}

pub fn messages(list: Vec<MessageRecord>) -> Vec<MessageRow> {
    list.into_iter()
        .map(|m| MessageRow {
            staff: m.author_kind != Author::Partner,
            internal: m.author_kind == Author::Internal,
            author: m.author_name,
            at: when(m.created_at),
            body: m.body,
        })
        .collect()
}

/// A refund made on a request, as both sides see it.
pub struct RefundRow {
    pub amount: String,
    pub invoice: String,
    /// "Made on 2027-05-02" or "Pending: …".
    pub state: String,
    pub pending: bool,
    /// The credit note's id and number, once issued.
    pub credit_note: Option<(String, String)>,
}

/// Refunds as the request page shows them: staff read the gateway's own words for a refund that
/// is late; the partner is told in plain words that it will be tried again.
pub fn refund_rows(refunds: &[RefundView], staff: bool) -> Result<Vec<RefundRow>, AppError> {
    refunds
        .iter()
        .map(|v| {
            let r = &v.refund;
            Ok(RefundRow {
                amount: money(r.amount),
                invoice: v.invoice_number.clone(),
                state: match (&r.refunded_at, &r.last_error) {
                    (Some(at), _) => format!("Made on {}", day(*at)),
                    (None, Some(e)) if staff => {
                        format!("Pending: the payment gateway did not make it yet ({e}); tried again automatically")
                    }
                    (None, Some(_)) => {
                        "Pending: the payment gateway has not made it yet; we try again automatically".into()
                    }
                    (None, None) => "Pending: being sent to the payment gateway".into(),
                },
                pending: r.status == RefundStatus::Pending,
                credit_note: v.credit_note.as_ref().map(|n| (n.id.clone(), n.number.clone())),
            })
        })
        .collect()
}

/// An attachment as a request's page lists it: id, name, size.
pub fn file_rows(files: &[store::files::FileRecord]) -> Vec<(String, String, String)> {
    files.iter().map(|f| (f.id.clone(), f.name.clone(), format!("{} KB", (f.size_bytes + 1023) / 1024))).collect()
}

#[derive(Deserialize)]
pub struct MessageForm {
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub status: String,
}
