//! Building the `kind`-tagged entries of the catalog: benefits and competency requirements.
//! Each kind names the fields it uses; a missing one and a misplaced one are both reported.

use std::collections::BTreeMap;

use super::error::Problems;
use super::fields::{amount, currency, label, positive, required, unused};
use super::kinds::{Benefit, Requirement};
use super::raw::{RawBenefit, RawRequirement};

#[derive(Clone, Copy)]
enum BenefitKind {
    SoftwareLicense,
    Seats,
    ServiceAccount,
    MonthlyCredit,
    SupportIncidents,
    AdvisoryHours,
}

const BENEFIT_KINDS: &[(&str, BenefitKind)] = &[
    ("software_license", BenefitKind::SoftwareLicense),
    ("seats", BenefitKind::Seats),
    ("service_account", BenefitKind::ServiceAccount),
    ("monthly_credit", BenefitKind::MonthlyCredit),
    ("support_incidents", BenefitKind::SupportIncidents),
    ("advisory_hours", BenefitKind::AdvisoryHours),
];

/// Looks `kind` up in a kind table, reporting an unknown one with the list of known ones.
fn kind_of<K: Copy>(p: &mut Problems, path: &str, kind: &str, table: &[(&str, K)]) -> Option<K> {
    let found = table.iter().find(|(name, _)| *name == kind).map(|(_, k)| *k);
    if found.is_none() {
        let names: Vec<&str> = table.iter().map(|(name, _)| *name).collect();
        let message = format!("{kind:?} is not a kind here; use one of {}", names.join(", "));
        p.push(format!("{path}.kind"), message);
    }
    found
}

pub(super) fn benefits(p: &mut Problems, path: &str, raw: &[RawBenefit]) -> Option<Vec<Benefit>> {
    let built: Vec<Option<Benefit>> =
        raw.iter().enumerate().map(|(i, b)| benefit(p, &format!("{path}[{i}]"), b)).collect();
    built.into_iter().collect()
}

fn benefit(p: &mut Problems, path: &str, raw: &RawBenefit) -> Option<Benefit> {
    use BenefitKind as K;
    let kind = kind_of(p, path, &raw.kind, BENEFIT_KINDS)?;
    let name = raw.kind.as_str();
    let at = |field: &str| format!("{path}.{field}");
    let uses_quantity = matches!(kind, K::SoftwareLicense | K::Seats | K::SupportIncidents | K::AdvisoryHours);
    let uses_product = !matches!(kind, K::SupportIncidents | K::AdvisoryHours);
    let uses_amount = matches!(kind, K::MonthlyCredit);

    let product = if uses_product {
        required(p, &at("product"), name, &raw.product).and_then(|s| label(p, &at("product"), s))
    } else {
        unused(p, &at("product"), name, &raw.product);
        None
    };
    let quantity = if uses_quantity {
        required(p, &at("quantity"), name, &raw.quantity).and_then(|q| positive(p, &at("quantity"), *q))
    } else {
        unused(p, &at("quantity"), name, &raw.quantity);
        None
    };
    let money = if uses_amount {
        let c = required(p, &at("currency"), name, &raw.currency);
        let c = c.and_then(|c| currency(p, &at("currency"), c));
        let value = required(p, &at("amount"), name, &raw.amount);
        c.zip(value).and_then(|(c, v)| amount(p, &at("amount"), v, c))
    } else {
        unused(p, &at("amount"), name, &raw.amount);
        unused(p, &at("currency"), name, &raw.currency);
        None
    };

    Some(match kind {
        K::SoftwareLicense => Benefit::SoftwareLicense { product: product?, quantity: quantity? },
        K::Seats => Benefit::Seats { product: product?, quantity: quantity? },
        K::ServiceAccount => Benefit::ServiceAccount { product: product? },
        K::MonthlyCredit => Benefit::MonthlyCredit { product: product?, amount: money? },
        K::SupportIncidents => Benefit::SupportIncidents { quantity: quantity? },
        K::AdvisoryHours => Benefit::AdvisoryHours { quantity: quantity? },
    })
}

#[derive(Clone, Copy)]
enum RequirementKind {
    CertifiedPeople,
    CustomerReferences,
    Attestation,
}

const REQUIREMENT_KINDS: &[(&str, RequirementKind)] = &[
    ("certified_people", RequirementKind::CertifiedPeople),
    ("customer_references", RequirementKind::CustomerReferences),
    ("attestation", RequirementKind::Attestation),
];

/// A level's requirements; the same count-based requirement twice is refused so that Gold can
/// be compared with Silver one requirement at a time.
pub(super) fn requirements(p: &mut Problems, path: &str, raw: &[RawRequirement]) -> Option<Vec<Requirement>> {
    let built: Vec<Option<Requirement>> =
        raw.iter().enumerate().map(|(i, r)| requirement(p, &format!("{path}[{i}]"), r)).collect();
    let mut seen = BTreeMap::new();
    for (i, r) in built.iter().enumerate() {
        if let Some((key, _)) = r.as_ref().and_then(counted)
            && let Some(first) = seen.insert(key, i)
        {
            let message = format!("repeats {path}[{first}]; state each requirement once");
            p.push(format!("{path}[{i}]"), message);
        }
    }
    built.into_iter().collect()
}

fn requirement(p: &mut Problems, path: &str, raw: &RawRequirement) -> Option<Requirement> {
    use RequirementKind as K;
    let kind = kind_of(p, path, &raw.kind, REQUIREMENT_KINDS)?;
    let name = raw.kind.as_str();
    let at = |field: &str| format!("{path}.{field}");
    let count = if matches!(kind, K::Attestation) {
        unused(p, &at("count"), name, &raw.count);
        None
    } else {
        required(p, &at("count"), name, &raw.count).and_then(|c| positive(p, &at("count"), *c))
    };
    let certification = if matches!(kind, K::CertifiedPeople) {
        required(p, &at("certification"), name, &raw.certification).and_then(|s| label(p, &at("certification"), s))
    } else {
        unused(p, &at("certification"), name, &raw.certification);
        None
    };
    let text = if matches!(kind, K::Attestation) {
        required(p, &at("text"), name, &raw.text).and_then(|s| label(p, &at("text"), s))
    } else {
        unused(p, &at("text"), name, &raw.text);
        None
    };
    Some(match kind {
        K::CertifiedPeople => Requirement::CertifiedPeople { count: count?, certification: certification? },
        K::CustomerReferences => Requirement::CustomerReferences { count: count? },
        K::Attestation => Requirement::Attestation { text: text? },
    })
}

/// What identifies a count-based requirement across levels, and its count.
fn counted(r: &Requirement) -> Option<(String, u32)> {
    match r {
        Requirement::CertifiedPeople { count, certification } => {
            Some((format!("certified_people {certification}"), count.get()))
        }
        Requirement::CustomerReferences { count } => Some(("customer_references".to_owned(), count.get())),
        Requirement::Attestation { .. } => None,
    }
}

/// Gold must ask at least as much as Silver for every count-based requirement.
pub(super) fn gold_covers_silver(p: &mut Problems, path: &str, silver: &[Requirement], gold: &[Requirement]) {
    let gold_counts: BTreeMap<String, (usize, u32)> =
        gold.iter().enumerate().filter_map(|(i, r)| counted(r).map(|(key, n)| (key, (i, n)))).collect();
    for (key, silver_count) in silver.iter().filter_map(counted) {
        match gold_counts.get(&key) {
            Some(&(i, gold_count)) if gold_count < silver_count => p.push(
                format!("{path}.gold.requirements[{i}].count"),
                format!(
                    "{gold_count} is less than silver's {silver_count}; gold must require at \
                     least what silver requires"
                ),
            ),
            Some(_) => {}
            None => p.push(
                format!("{path}.gold.requirements"),
                format!(
                    "has no {key} requirement but silver asks for {silver_count}; add it with \
                     a count of at least {silver_count}"
                ),
            ),
        }
    }
}
