//! The validated catalog model. Values are built only by `build` after validation, so fields
//! are private (`pub(super)`) and read through accessors.

use chrono::NaiveDate;

use super::kinds::{Benefit, RefundPolicy, Requirement};
use super::texts::Texts;
use super::values::{Code, CountryCode, PriceList};
use crate::money::{Currency, Money};

/// Who runs the program and how it is run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    pub(super) name: String,
    pub(super) vendor_name: String,
    pub(super) vendor_address: String,
    pub(super) support_email: String,
    pub(super) time_zone: chrono_tz::Tz,
    pub(super) default_currency: Currency,
    pub(super) default_language: String,
    pub(super) texts: Texts,
}

impl Program {
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The name in the language `tag`, else as written.
    pub fn name_in(&self, tag: &str) -> &str {
        self.texts.get(tag, "name").unwrap_or(&self.name)
    }
    pub fn texts(&self) -> &Texts {
        &self.texts
    }
    pub fn vendor_name(&self) -> &str {
        &self.vendor_name
    }
    /// The postal address as printed on invoices, one line per address line.
    pub fn vendor_address(&self) -> &str {
        &self.vendor_address
    }
    pub fn support_email(&self) -> &str {
        &self.support_email
    }
    /// The program's time zone: days (terms, anniversaries) are counted in it.
    pub fn time_zone(&self) -> chrono_tz::Tz {
        self.time_zone
    }
    /// The language tag ("en", "pt-BR") of readers who ask for none partnerhub speaks; the
    /// catalog's texts fall back to it too. Which tags exist is the app's to check.
    pub fn default_language(&self) -> &str {
        &self.default_language
    }
    /// Every offer and competency level is priced in it.
    pub fn default_currency(&self) -> Currency {
        self.default_currency
    }
}

/// A country partners can buy from: the currency they pay in and the tax they pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Country {
    pub(super) code: CountryCode,
    pub(super) name: String,
    pub(super) currency: Currency,
    pub(super) tax_rate: crate::money::TaxRate,
}

impl Country {
    pub fn code(&self) -> &CountryCode {
        &self.code
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn currency(&self) -> Currency {
        self.currency
    }
    pub fn tax_rate(&self) -> crate::money::TaxRate {
        self.tax_rate
    }
}

/// One version of a Terms and Conditions document, the thing a partner agrees to at checkout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermsDocument {
    pub(super) code: Code,
    pub(super) version: String,
    pub(super) title: String,
    pub(super) effective_from: NaiveDate,
    pub(super) text: String,
    pub(super) texts: Texts,
}

impl TermsDocument {
    pub fn code(&self) -> &Code {
        &self.code
    }
    pub fn version(&self) -> &str {
        &self.version
    }
    pub fn title(&self) -> &str {
        &self.title
    }
    pub fn effective_from(&self) -> NaiveDate {
        self.effective_from
    }
    /// Plain text with Markdown-style paragraphs (blank lines) and `-` lists.
    pub fn text(&self) -> &str {
        &self.text
    }
    /// The title in the language `tag`, else as written.
    pub fn title_in(&self, tag: &str) -> &str {
        self.texts.get(tag, "title").unwrap_or(&self.title)
    }
    /// The text in the language `tag`, else as written.
    pub fn text_in(&self, tag: &str) -> &str {
        self.texts.get(tag, "text").unwrap_or(&self.text)
    }
    pub fn texts(&self) -> &Texts {
        &self.texts
    }
}

/// A free membership level such as Network membership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipLevel {
    pub(super) code: Code,
    pub(super) name: String,
    pub(super) description: String,
    pub(super) benefits: Vec<Benefit>,
    pub(super) texts: Texts,
}

impl MembershipLevel {
    pub fn code(&self) -> &Code {
        &self.code
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn description(&self) -> &str {
        &self.description
    }
    /// The name in the language `tag`, else as written.
    pub fn name_in(&self, tag: &str) -> &str {
        self.texts.get(tag, "name").unwrap_or(&self.name)
    }
    /// The description in the language `tag`, else as written.
    pub fn description_in(&self, tag: &str) -> &str {
        self.texts.get(tag, "description").unwrap_or(&self.description)
    }
    pub fn texts(&self) -> &Texts {
        &self.texts
    }
    /// What the level provisions (may be empty: its description then says what it offers).
    pub fn benefits(&self) -> &[Benefit] {
        &self.benefits
    }
}

/// A paid annual subscription partners can buy, such as the Action Pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub(super) code: Code,
    pub(super) name: String,
    pub(super) description: String,
    pub(super) requires: Vec<Code>,
    pub(super) one_per_org: bool,
    pub(super) terms_code: Code,
    pub(super) refund_policy: RefundPolicy,
    pub(super) prices: PriceList,
    pub(super) benefits: Vec<Benefit>,
    /// For the annual fee of a competency level: the competency and the level. Such an offer
    /// is sold only to an org whose application staff approved.
    pub(super) earned: Option<(Code, CompetencyTier)>,
    pub(super) texts: Texts,
}

impl Offer {
    /// The only term length the product supports (PRODUCT.md: terms last one year).
    pub const TERM_MONTHS: u8 = 12;

    pub fn code(&self) -> &Code {
        &self.code
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn description(&self) -> &str {
        &self.description
    }
    /// The name in the language `tag`, else as written.
    pub fn name_in(&self, tag: &str) -> &str {
        self.texts.get(tag, "name").unwrap_or(&self.name)
    }
    /// The description in the language `tag`, else as written.
    pub fn description_in(&self, tag: &str) -> &str {
        self.texts.get(tag, "description").unwrap_or(&self.description)
    }
    pub fn texts(&self) -> &Texts {
        &self.texts
    }
    pub fn term_months(&self) -> u8 {
        Self::TERM_MONTHS
    }
    /// Membership levels an org must hold to buy this offer.
    pub fn requires(&self) -> &[Code] {
        &self.requires
    }
    /// Whether an org may hold only one live subscription to it at a time.
    pub fn one_per_org(&self) -> bool {
        self.one_per_org
    }
    /// Code of the terms document agreed to at checkout; see `Catalog::current_terms`.
    pub fn terms_code(&self) -> &Code {
        &self.terms_code
    }
    pub fn refund_policy(&self) -> RefundPolicy {
        self.refund_policy
    }
    pub fn prices(&self) -> &PriceList {
        &self.prices
    }
    pub fn price(&self, currency: Currency) -> Option<Money> {
        self.prices.get(currency)
    }
    pub fn benefits(&self) -> &[Benefit] {
        &self.benefits
    }
    /// The competency and level whose fee this offer is, if it is one.
    pub fn earned(&self) -> Option<(&Code, CompetencyTier)> {
        self.earned.as_ref().map(|(c, t)| (c, *t))
    }
}

/// The two levels of a competency; Gold includes Silver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CompetencyTier {
    Silver,
    Gold,
}

impl CompetencyTier {
    pub const ALL: [CompetencyTier; 2] = [CompetencyTier::Silver, CompetencyTier::Gold];

    pub fn as_str(self) -> &'static str {
        match self {
            CompetencyTier::Silver => "silver",
            CompetencyTier::Gold => "gold",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CompetencyTier::Silver => "Silver",
            CompetencyTier::Gold => "Gold",
        }
    }

    pub fn parse(input: &str) -> Option<CompetencyTier> {
        CompetencyTier::ALL.into_iter().find(|t| t.as_str() == input)
    }
}

impl std::str::FromStr for CompetencyTier {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        CompetencyTier::parse(s).ok_or_else(|| format!("{s:?} is not a competency tier"))
    }
}

/// An earned designation in one solution area, e.g. Cloud Platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Competency {
    pub(super) code: Code,
    pub(super) name: String,
    pub(super) description: String,
    pub(super) silver: CompetencyLevel,
    pub(super) gold: CompetencyLevel,
    pub(super) texts: Texts,
}

impl Competency {
    pub fn code(&self) -> &Code {
        &self.code
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn description(&self) -> &str {
        &self.description
    }
    /// The name in the language `tag`, else as written.
    pub fn name_in(&self, tag: &str) -> &str {
        self.texts.get(tag, "name").unwrap_or(&self.name)
    }
    /// The description in the language `tag`, else as written.
    pub fn description_in(&self, tag: &str) -> &str {
        self.texts.get(tag, "description").unwrap_or(&self.description)
    }
    pub fn texts(&self) -> &Texts {
        &self.texts
    }
    pub fn level(&self, tier: CompetencyTier) -> &CompetencyLevel {
        match tier {
            CompetencyTier::Silver => &self.silver,
            CompetencyTier::Gold => &self.gold,
        }
    }
    pub fn silver(&self) -> &CompetencyLevel {
        &self.silver
    }
    pub fn gold(&self) -> &CompetencyLevel {
        &self.gold
    }
    /// The code of the offer that sells `tier`'s annual fee, e.g. `cloud-platform-gold`.
    pub fn fee_offer_code(&self, tier: CompetencyTier) -> String {
        format!("{}-{}", self.code, tier.as_str())
    }

    /// Everything an org holding `tier` receives. Gold includes Silver's benefits
    /// (PRODUCT.md), so the catalog lists only Gold's extras and this adds Silver's first.
    pub fn benefits_at(&self, tier: CompetencyTier) -> Vec<&Benefit> {
        let silver = self.silver.benefits.iter();
        match tier {
            CompetencyTier::Silver => silver.collect(),
            CompetencyTier::Gold => silver.chain(self.gold.benefits.iter()).collect(),
        }
    }
}

/// What it takes to hold one level of a competency and what it costs each year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompetencyLevel {
    pub(super) tier: CompetencyTier,
    pub(super) requirements: Vec<Requirement>,
    pub(super) fees: PriceList,
    pub(super) terms_code: Code,
    pub(super) refund_policy: RefundPolicy,
    pub(super) benefits: Vec<Benefit>,
}

impl CompetencyLevel {
    pub fn tier(&self) -> CompetencyTier {
        self.tier
    }
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }
    /// The annual fee per currency.
    pub fn fees(&self) -> &PriceList {
        &self.fees
    }
    pub fn fee(&self, currency: Currency) -> Option<Money> {
        self.fees.get(currency)
    }
    pub fn terms_code(&self) -> &Code {
        &self.terms_code
    }
    pub fn refund_policy(&self) -> RefundPolicy {
        self.refund_policy
    }
    /// This level's own benefits; for everything Gold receives see `Competency::benefits_at`.
    pub fn benefits(&self) -> &[Benefit] {
        &self.benefits
    }
}
