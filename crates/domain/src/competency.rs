//! Earning a competency: the application and its evidence against the level's requirements,
//! the review by staff, and the credit for unused Silver time when an org moves up to Gold.
//!
//! Decisions the product left open:
//! - An org has at most one open application (submitted, under review, or approved and not
//!   yet paid) per competency; a rejected or expired one can be followed by a new one.
//! - Gold may be applied for while holding Silver in the same area, or directly.
//! - The credit for unused Silver time is the Silver term's net price times its unused days
//!   over its length, rounded down to the minor unit (never more than was paid); it is fixed
//!   when the Gold order is started, like every price of an order, and the Silver subscription
//!   ends when the Gold fee is paid.

use crate::catalog::{CompetencyLevel, Requirement};
use crate::money::Money;
use crate::term::Term;
use chrono::NaiveDate;
use std::fmt;
use std::str::FromStr;

/// Where an application stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApplicationStatus {
    Submitted,
    UnderReview,
    /// Staff approved it: the org may pay the annual fee.
    Approved,
    Rejected,
    /// The competency it earned ended (its subscription expired or was cancelled).
    Expired,
}

impl ApplicationStatus {
    /// Every status; the first two wait for a decision.
    pub const ALL: [ApplicationStatus; 5] = [
        ApplicationStatus::Submitted,
        ApplicationStatus::UnderReview,
        ApplicationStatus::Approved,
        ApplicationStatus::Rejected,
        ApplicationStatus::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationStatus::Submitted => "submitted",
            ApplicationStatus::UnderReview => "under_review",
            ApplicationStatus::Approved => "approved",
            ApplicationStatus::Rejected => "rejected",
            ApplicationStatus::Expired => "expired",
        }
    }

    /// Still in the program's hands or waiting for payment: a second one for the same
    /// competency is refused meanwhile.
    pub fn is_open(self) -> bool {
        matches!(self, ApplicationStatus::Submitted | ApplicationStatus::UnderReview | ApplicationStatus::Approved)
    }

    /// Staff may decide (approve or reject) from here.
    pub fn can_decide(self) -> bool {
        matches!(self, ApplicationStatus::Submitted | ApplicationStatus::UnderReview)
    }
}

impl fmt::Display for ApplicationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ApplicationStatus::Submitted => "Submitted",
            ApplicationStatus::UnderReview => "Under review",
            ApplicationStatus::Approved => "Approved",
            ApplicationStatus::Rejected => "Rejected",
            ApplicationStatus::Expired => "Expired",
        })
    }
}

impl FromStr for ApplicationStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ApplicationStatus::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not an application status"))
    }
}

/// A certified person named as evidence.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CertifiedPerson {
    pub name: String,
    pub certification_id: String,
}

/// What an org shows for a level: certified people, customer references and the attestation.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Evidence {
    #[serde(default)]
    pub people: Vec<CertifiedPerson>,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub attested: bool,
}

/// One way the evidence falls short, with the field it concerns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shortfall {
    pub field: &'static str,
    pub message: String,
}

const MAX_TEXT: usize = 200;
const MAX_ENTRIES: usize = 50;

fn filled(s: &str) -> bool {
    !s.trim().is_empty() && s.chars().count() <= MAX_TEXT && !s.chars().any(char::is_control)
}

/// The evidence with blank lines dropped and every entry trimmed.
pub fn tidy(evidence: Evidence) -> Evidence {
    Evidence {
        people: evidence
            .people
            .into_iter()
            .map(|p| CertifiedPerson {
                name: p.name.trim().to_owned(),
                certification_id: p.certification_id.trim().to_owned(),
            })
            .filter(|p| !(p.name.is_empty() && p.certification_id.is_empty()))
            .collect(),
        references: evidence.references.into_iter().map(|r| r.trim().to_owned()).filter(|r| !r.is_empty()).collect(),
        attested: evidence.attested,
    }
}

/// Every way `evidence` falls short of `level`'s requirements (empty when it meets them).
pub fn shortfalls(level: &CompetencyLevel, evidence: &Evidence) -> Vec<Shortfall> {
    let mut out = Vec::new();
    if evidence.people.len() > MAX_ENTRIES || evidence.references.len() > MAX_ENTRIES {
        out.push(Shortfall { field: "evidence", message: format!("list at most {MAX_ENTRIES} people and references") });
    }
    if evidence.people.iter().any(|p| !filled(&p.name) || !filled(&p.certification_id)) {
        out.push(Shortfall {
            field: "people",
            message: format!("give each person's name and certification ID (at most {MAX_TEXT} characters each)"),
        });
    }
    let key = |s: &str| s.split_whitespace().collect::<String>().to_lowercase();
    let ids: std::collections::HashSet<String> = evidence.people.iter().map(|p| key(&p.certification_id)).collect();
    let refs: std::collections::HashSet<String> = evidence.references.iter().map(|r| key(r)).collect();
    if ids.len() < evidence.people.len() || refs.len() < evidence.references.len() {
        out.push(Shortfall {
            field: "evidence",
            message: "name each person and each reference once (a certification ID or a reference appears twice)"
                .into(),
        });
    }
    if evidence.references.iter().any(|r| !filled(r)) {
        out.push(Shortfall {
            field: "references",
            message: format!("write each reference in at most {MAX_TEXT} characters"),
        });
    }
    for requirement in level.requirements() {
        match requirement {
            Requirement::CertifiedPeople { count, certification } if evidence.people.len() < count.get() as usize => {
                out.push(Shortfall {
                    field: "people",
                    message: format!("name at least {count} people certified as {certification}"),
                });
            }
            Requirement::CustomerReferences { count } if evidence.references.len() < count.get() as usize => {
                out.push(Shortfall {
                    field: "references",
                    message: format!("give at least {count} customer references"),
                });
            }
            Requirement::Attestation { text } if !evidence.attested => {
                out.push(Shortfall { field: "attested", message: format!("confirm the statement: \"{text}\"") });
            }
            _ => {}
        }
    }
    out
}

/// How many evidence files one application may carry (each checked by
/// [`crate::attachment::check_file`]).
pub const MAX_FILES: usize = 5;

/// What the unused part of a term is worth: `paid` times the days from `today` (or the term's
/// start, if later) to its end, over the term's days, rounded down. Nothing once it ended.
pub fn unused_credit(paid: Money, term: Term, today: NaiveDate) -> Money {
    let days = term.days();
    let from = today.max(term.start);
    let unused = (term.end - from).num_days().clamp(0, days);
    if days <= 0 || paid.minor() <= 0 {
        return Money::zero(paid.currency());
    }
    let minor = i128::from(paid.minor()) * i128::from(unused) / i128::from(days);
    Money::new(i64::try_from(minor).unwrap_or(0), paid.currency())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Catalog, CompetencyTier};
    use crate::money::Currency;

    #[test]
    fn stored_words_read_back() {
        crate::words::assert_round_trip(&ApplicationStatus::ALL, |s| s.as_str());
        crate::words::assert_round_trip(&CompetencyTier::ALL, |t| t.as_str());
    }
    use proptest::prelude::*;

    fn demo() -> Catalog {
        Catalog::parse("demo", include_str!("../../../catalog/demo-program.toml")).expect("demo catalog")
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn person(n: usize) -> CertifiedPerson {
        CertifiedPerson { name: format!("Person {n}"), certification_id: format!("CERT-{n}") }
    }

    #[test]
    fn evidence_short_of_every_requirement_says_each_one() {
        let catalog = demo();
        let silver = catalog.competency("cloud-platform").unwrap().level(CompetencyTier::Silver);
        let found = shortfalls(silver, &Evidence { people: vec![person(1)], references: vec![], attested: false });
        let fields: Vec<&str> = found.iter().map(|s| s.field).collect();
        assert_eq!(fields, vec!["people", "references", "attested"]);
        assert!(found[0].message.contains("at least 2 people certified as Azure Solutions Architect Expert"));
    }

    #[test]
    fn enough_evidence_meets_silver_but_not_gold() {
        let catalog = demo();
        let cloud = catalog.competency("cloud-platform").unwrap();
        let evidence = Evidence {
            people: vec![person(1), person(2)],
            references: vec!["Contoso".into(), "Fabrikam".into(), "Northwind".into()],
            attested: true,
        };
        assert!(shortfalls(cloud.level(CompetencyTier::Silver), &evidence).is_empty());
        assert_eq!(shortfalls(cloud.level(CompetencyTier::Gold), &evidence).len(), 2);
    }

    #[test]
    fn blank_lines_are_dropped_and_half_filled_people_are_refused() {
        let tidied = tidy(Evidence {
            people: vec![person(1), CertifiedPerson { name: " ".into(), certification_id: "".into() }],
            references: vec!["  ".into(), " Contoso ".into()],
            attested: true,
        });
        assert_eq!((tidied.people.len(), tidied.references.clone()), (1, vec!["Contoso".to_owned()]));
        let half =
            Evidence { people: vec![CertifiedPerson { name: "Ann".into(), certification_id: "".into() }], ..tidied };
        let catalog = demo();
        let silver = catalog.competency("application-development").unwrap().level(CompetencyTier::Silver);
        assert!(shortfalls(silver, &half).iter().any(|s| s.message.contains("certification ID")));
    }

    #[test]
    fn the_same_person_or_reference_twice_does_not_count_twice() {
        let catalog = demo();
        let silver = catalog.competency("cloud-platform").unwrap().level(CompetencyTier::Silver);
        let twice = Evidence {
            people: vec![person(1), CertifiedPerson { name: "Person 1".into(), certification_id: " cert-1 ".into() }],
            references: vec!["Contoso".into(), "Fabrikam".into(), "contoso".into()],
            attested: true,
        };
        assert!(shortfalls(silver, &twice).iter().any(|s| s.field == "evidence"));
    }

    #[test]
    fn the_unused_silver_time_is_credited_by_days() {
        let usd = Currency::parse("USD").unwrap();
        let term = Term::first(d(2027, 3, 15));
        let paid = Money::new(167_000, usd);
        assert_eq!(unused_credit(paid, term, d(2027, 3, 15)), paid, "unused entirely");
        assert_eq!(unused_credit(paid, term, d(2028, 3, 15)), Money::zero(usd), "used up");
        // 2027-09-13 leaves 184 of 366 days (the term holds 29 Feb 2028).
        assert_eq!(unused_credit(paid, term, d(2027, 9, 13)), Money::new(167_000 * 184 / 366, usd));
    }

    #[test]
    fn statuses_read_back_and_only_open_ones_block_a_new_application() {
        for s in ["submitted", "under_review", "approved", "rejected", "expired"] {
            assert_eq!(s.parse::<ApplicationStatus>().unwrap().as_str(), s);
        }
        assert!(ApplicationStatus::Approved.is_open());
        assert!(!ApplicationStatus::Rejected.is_open());
        assert!(!ApplicationStatus::Approved.can_decide());
    }

    proptest! {
        #[test]
        fn the_credit_is_never_more_than_was_paid_and_shrinks_day_by_day(
            minor in 0i64..10_000_000, start_offset in 0i64..2000, day in 0i64..400
        ) {
            let usd = Currency::parse("USD").unwrap();
            let term = Term::first(d(2025, 1, 1) + chrono::Duration::days(start_offset));
            let today = term.start + chrono::Duration::days(day);
            let paid = Money::new(minor, usd);
            let credit = unused_credit(paid, term, today);
            let next = unused_credit(paid, term, today + chrono::Duration::days(1));
            prop_assert!(credit.minor() >= 0 && credit.minor() <= minor);
            prop_assert!(next.minor() <= credit.minor());
        }
    }
}
