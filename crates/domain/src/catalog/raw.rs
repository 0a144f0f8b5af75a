//! The catalog file as written, before validation: the TOML shape and nothing more.
//!
//! Unknown keys are refused (`deny_unknown_fields`) so a typo is reported instead of silently
//! ignored. Fields whose content needs a friendly message (amounts, rates, dates, quantities,
//! refund policies, benefit and requirement fields) are read loosely here and checked in
//! `build`, which can report every problem at once with its field path.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Value;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCatalog {
    pub program: RawProgram,
    pub countries: Vec<RawCountry>,
    pub terms: Vec<RawTerms>,
    pub membership_levels: Vec<RawMembershipLevel>,
    #[serde(default)]
    pub offers: Vec<RawOffer>,
    #[serde(default)]
    pub competencies: Vec<RawCompetency>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProgram {
    pub name: String,
    pub vendor_name: String,
    pub vendor_address: String,
    pub support_email: String,
    pub time_zone: String,
    pub default_currency: String,
    /// The language of readers who name none partnerhub speaks; English when left out.
    #[serde(default)]
    pub default_language: Option<String>,
    /// Words in other languages: language tag → field → text.
    #[serde(default)]
    pub texts: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCountry {
    pub code: String,
    pub name: String,
    pub currency: String,
    /// A percentage as a string ("19", "8.25"); integers are accepted too.
    pub tax_rate: Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTerms {
    pub code: String,
    pub version: String,
    pub title: String,
    /// A TOML local date (`2024-01-01`) or the same as a string.
    pub effective_from: Value,
    pub text: String,
    /// Words in other languages: language tag → field → text.
    #[serde(default)]
    pub texts: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMembershipLevel {
    pub code: String,
    pub name: String,
    pub description: String,
    #[serde(default)]
    pub benefits: Vec<RawBenefit>,
    /// Words in other languages: language tag → field → text.
    #[serde(default)]
    pub texts: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOffer {
    pub code: String,
    pub name: String,
    pub description: String,
    pub term_months: i64,
    #[serde(default)]
    pub requires: Vec<String>,
    pub one_per_org: bool,
    pub terms: String,
    pub refund: Value,
    /// Currency code → amount string.
    pub prices: BTreeMap<String, Value>,
    #[serde(default)]
    pub benefits: Vec<RawBenefit>,
    /// Words in other languages: language tag → field → text.
    #[serde(default)]
    pub texts: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCompetency {
    pub code: String,
    pub name: String,
    pub description: String,
    pub silver: RawCompetencyLevel,
    pub gold: RawCompetencyLevel,
    /// Words in other languages: language tag → field → text.
    #[serde(default)]
    pub texts: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCompetencyLevel {
    #[serde(default)]
    pub requirements: Vec<RawRequirement>,
    /// Currency code → annual fee string.
    pub fees: BTreeMap<String, Value>,
    pub terms: String,
    pub refund: Value,
    #[serde(default)]
    pub benefits: Vec<RawBenefit>,
}

/// One benefit; which of the optional fields apply depends on `kind`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBenefit {
    pub kind: String,
    pub product: Option<String>,
    pub quantity: Option<i64>,
    pub amount: Option<Value>,
    pub currency: Option<String>,
}

/// One competency requirement; which of the optional fields apply depends on `kind`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRequirement {
    pub kind: String,
    pub count: Option<i64>,
    pub certification: Option<String>,
    pub text: Option<String>,
}
