//! Service requests: what a partner reports under **Support > Report problems > New request**,
//! the statuses a request moves through, and who may write in it when.
//!
//! Decisions the product left open:
//! - A partner may reply while the request is not closed; a reply to a request waiting for the
//!   partner puts it back in progress.
//! - A resolved request can be reopened by the partner for 14 days; after that it is closed
//!   for good (a new request refers to it instead).

use crate::account::{EmailAddress, InvalidInput};
use chrono::{DateTime, Duration, Utc};
use std::fmt;
use std::str::FromStr;

/// The **Type of problem** list, in the order the form shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemType {
    Billing,
    Membership,
    Competencies,
    Account,
    Portal,
}

impl ProblemType {
    pub const ALL: [ProblemType; 5] = [
        ProblemType::Billing,
        ProblemType::Membership,
        ProblemType::Competencies,
        ProblemType::Account,
        ProblemType::Portal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProblemType::Billing => "billing",
            ProblemType::Membership => "membership",
            ProblemType::Competencies => "competencies",
            ProblemType::Account => "account",
            ProblemType::Portal => "portal",
        }
    }

    /// The words of the seed's list.
    pub fn label(self) -> &'static str {
        match self {
            ProblemType::Billing => "Help with partner invoice, payment, or reconciliation file",
            ProblemType::Membership => "Membership and benefits",
            ProblemType::Competencies => "Competencies",
            ProblemType::Account => "Account and users",
            ProblemType::Portal => "Technical problem with the portal",
        }
    }

    /// Billing requests name the subscription they are about (cancellations come this way).
    pub fn refers_to_subscription(self) -> bool {
        self == ProblemType::Billing
    }

    pub fn parse(input: &str) -> Option<ProblemType> {
        ProblemType::ALL.into_iter().find(|t| t.as_str() == input)
    }
}

impl FromStr for ProblemType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ProblemType::parse(s).ok_or_else(|| format!("{s:?} is not a type of problem"))
    }
}

crate::words::word_enum! {
    /// Who wrote a message in a request; internal notes are staff's and never shown to the
    /// partner.
    pub enum Author("message author") {
        Partner = "partner",
        Staff = "staff",
        Internal = "internal",
    }
}

/// Where a request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestStatus {
    New,
    InProgress,
    WaitingForPartner,
    Resolved,
    Closed,
}

impl RequestStatus {
    pub const ALL: [RequestStatus; 5] = [
        RequestStatus::New,
        RequestStatus::InProgress,
        RequestStatus::WaitingForPartner,
        RequestStatus::Resolved,
        RequestStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::New => "new",
            RequestStatus::InProgress => "in_progress",
            RequestStatus::WaitingForPartner => "waiting_for_partner",
            RequestStatus::Resolved => "resolved",
            RequestStatus::Closed => "closed",
        }
    }

    /// Listed under **Open** (the rest under **Closed**).
    pub fn is_open(self) -> bool {
        !matches!(self, RequestStatus::Resolved | RequestStatus::Closed)
    }
}

impl fmt::Display for RequestStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RequestStatus::New => "New",
            RequestStatus::InProgress => "In progress",
            RequestStatus::WaitingForPartner => "Waiting for partner",
            RequestStatus::Resolved => "Resolved",
            RequestStatus::Closed => "Closed",
        })
    }
}

impl FromStr for RequestStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        RequestStatus::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| format!("{s:?} is not a request status"))
    }
}

/// How many files a new request may carry (each checked by `attachment::check_file`).
pub const MAX_FILES: usize = 3;

/// How long a resolved request can be reopened.
pub const REOPEN_DAYS: i64 = 14;

/// Why the partner cannot do that now.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RequestRefusal {
    #[error("this request is closed; open a new request and mention its number")]
    Closed,
    #[error("only a resolved request can be reopened")]
    NotResolved,
    #[error("a resolved request can be reopened for {REOPEN_DAYS} days; open a new request and mention its number")]
    TooLate,
}

/// The status after the partner writes in the request, or why they cannot.
pub fn after_partner_reply(status: RequestStatus) -> Result<RequestStatus, RequestRefusal> {
    match status {
        RequestStatus::Closed | RequestStatus::Resolved => Err(RequestRefusal::Closed),
        RequestStatus::WaitingForPartner => Ok(RequestStatus::InProgress),
        other => Ok(other),
    }
}

/// Whether a request resolved at `resolved_at` may be reopened at `now`.
pub fn check_reopen(
    status: RequestStatus,
    resolved_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), RequestRefusal> {
    if status != RequestStatus::Resolved {
        return Err(RequestRefusal::NotResolved);
    }
    match resolved_at {
        Some(at) if now - at <= Duration::days(REOPEN_DAYS) => Ok(()),
        _ => Err(RequestRefusal::TooLate),
    }
}

/// A new request as the partner typed it, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRequest {
    pub problem: ProblemType,
    pub title: String,
    pub description: String,
    pub contact_email: EmailAddress,
    pub contact_phone: Option<String>,
}

fn one_line(field: &'static str, raw: &str, max: usize, what: &str) -> Result<String, InvalidInput> {
    let v = raw.trim();
    if v.is_empty() || v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(InvalidInput::new(field, format!("write {what} on one line, at most {max} characters")));
    }
    Ok(v.to_owned())
}

impl NewRequest {
    pub fn parse(
        problem: &str,
        title: &str,
        description: &str,
        contact_email: &str,
        contact_phone: &str,
    ) -> Result<NewRequest, InvalidInput> {
        let problem = ProblemType::parse(problem)
            .ok_or_else(|| InvalidInput::new("problem", "choose the type of problem from the list"))?;
        let title = one_line("title", title, 200, "a title")?;
        let description = description.trim();
        let odd = description.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'));
        if description.is_empty() || description.chars().count() > 10_000 || odd {
            return Err(InvalidInput::new("description", "describe the problem in at most 10,000 characters"));
        }
        let contact_email =
            EmailAddress::parse(contact_email).map_err(|e| InvalidInput::new("contact_email", e.message))?;
        let phone = contact_phone.trim();
        let contact_phone = if phone.is_empty() {
            None
        } else if phone.len() <= 40 && phone.chars().all(|c| c.is_ascii_digit() || " +-()./".contains(c)) {
            Some(phone.to_owned())
        } else {
            return Err(InvalidInput::new(
                "contact_phone",
                "write a phone number with digits, spaces and + - ( ) only",
            ));
        };
        Ok(NewRequest { problem, title, description: description.to_owned(), contact_email, contact_phone })
    }
}

/// A message written in a request (by the partner or by staff).
pub fn check_message(body: &str) -> Result<String, InvalidInput> {
    let body = body.trim();
    let odd = body.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'));
    if body.is_empty() || body.chars().count() > 10_000 || odd {
        return Err(InvalidInput::new("body", "write a message of at most 10,000 characters"));
    }
    Ok(body.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_words_read_back() {
        crate::words::assert_round_trip(Author::ALL, |a| a.as_str());
        crate::words::assert_round_trip(&ProblemType::ALL, |t| t.as_str());
        crate::words::assert_round_trip(&RequestStatus::ALL, |s| s.as_str());
    }
    use chrono::TimeZone;

    #[test]
    fn the_type_list_has_the_seeds_billing_entry_first() {
        assert_eq!(ProblemType::ALL[0].label(), "Help with partner invoice, payment, or reconciliation file");
        assert!(ProblemType::Billing.refers_to_subscription());
        assert_eq!(ProblemType::parse("portal"), Some(ProblemType::Portal));
        assert_eq!(ProblemType::parse("other"), None);
    }

    #[test]
    fn a_new_request_needs_a_type_a_title_a_description_and_a_way_to_reach_the_partner() {
        let ok = NewRequest::parse(
            "billing",
            " Cancel Action Pack ",
            "Please cancel.",
            "ada@contoso.example",
            "+1 (555) 010-0199",
        );
        assert_eq!(ok.as_ref().map(|r| r.title.as_str()), Ok("Cancel Action Pack"));
        let field = |r: Result<NewRequest, InvalidInput>| r.unwrap_err().field;
        assert_eq!(field(NewRequest::parse("x", "t", "d", "a@b.example", "")), "problem");
        assert_eq!(field(NewRequest::parse("billing", " ", "d", "a@b.example", "")), "title");
        assert_eq!(field(NewRequest::parse("billing", "t", "", "a@b.example", "")), "description");
        assert_eq!(field(NewRequest::parse("billing", "t", "d", "a@b.example", "call me maybe")), "contact_phone");
    }

    #[test]
    fn a_reply_while_waiting_puts_the_request_back_in_progress_and_closed_ones_take_none() {
        assert_eq!(after_partner_reply(RequestStatus::WaitingForPartner), Ok(RequestStatus::InProgress));
        assert_eq!(after_partner_reply(RequestStatus::New), Ok(RequestStatus::New));
        assert_eq!(after_partner_reply(RequestStatus::Closed), Err(RequestRefusal::Closed));
    }

    #[test]
    fn a_resolved_request_reopens_for_fourteen_days() {
        let resolved = Utc.with_ymd_and_hms(2027, 3, 1, 12, 0, 0).unwrap();
        let check = |days| check_reopen(RequestStatus::Resolved, Some(resolved), resolved + Duration::days(days));
        assert_eq!(check(14), Ok(()));
        assert_eq!(check(15), Err(RequestRefusal::TooLate));
        assert_eq!(check_reopen(RequestStatus::InProgress, None, resolved), Err(RequestRefusal::NotResolved));
        assert!(RequestStatus::WaitingForPartner.is_open() && !RequestStatus::Resolved.is_open());
    }
}
