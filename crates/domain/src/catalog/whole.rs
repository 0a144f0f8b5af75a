//! The whole validated catalog, as `build` makes it and everyone else reads it.

use chrono::NaiveDate;

use super::model::{Competency, CompetencyTier, Country, MembershipLevel, Offer, Program, TermsDocument};

/// The code of the free level every organisation gets when it signs up; the catalog must
/// define it because sign-up creates it and every upgrade requires it.
pub const NETWORK_LEVEL: &str = "network";

/// A complete, validated partner program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    pub(super) program: Program,
    pub(super) countries: Vec<Country>,
    pub(super) terms_versions: Vec<TermsDocument>,
    pub(super) membership_levels: Vec<MembershipLevel>,
    pub(super) offers: Vec<Offer>,
    pub(super) competencies: Vec<Competency>,
    /// The annual fee of each competency level as an offer (see `Offer::earned`); not listed
    /// among the offers partners can subscribe to directly.
    pub(super) fee_offers: Vec<Offer>,
}

impl Catalog {
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// Countries in the order the catalog lists them.
    pub fn countries(&self) -> &[Country] {
        &self.countries
    }

    pub fn country(&self, code: &str) -> Option<&Country> {
        self.countries.iter().find(|c| c.code().as_str() == code)
    }

    /// Every version of every terms document, in catalog order.
    pub fn terms_versions(&self) -> &[TermsDocument] {
        &self.terms_versions
    }

    pub fn terms_version(&self, code: &str, version: &str) -> Option<&TermsDocument> {
        self.terms_versions.iter().find(|t| t.code().as_str() == code && t.version() == version)
    }

    /// The version of a terms document in force on `today` (in the program's time zone): the
    /// one with the latest `effective_from` not after `today`. `None` before the first version.
    pub fn current_terms(&self, code: &str, today: NaiveDate) -> Option<&TermsDocument> {
        self.terms_versions
            .iter()
            .filter(|t| t.code().as_str() == code && t.effective_from() <= today)
            .max_by_key(|t| t.effective_from())
    }

    pub fn membership_levels(&self) -> &[MembershipLevel] {
        &self.membership_levels
    }

    pub fn membership_level(&self, code: &str) -> Option<&MembershipLevel> {
        self.membership_levels.iter().find(|l| l.code().as_str() == code)
    }

    /// The level created at sign-up; validation guarantees it exists.
    pub fn network_level(&self) -> &MembershipLevel {
        self.membership_level(NETWORK_LEVEL).expect("validation guarantees the network level")
    }

    pub fn offers(&self) -> &[Offer] {
        &self.offers
    }

    /// An offer by its code: one partners subscribe to, or a competency level's fee.
    pub fn offer(&self, code: &str) -> Option<&Offer> {
        self.offers.iter().chain(&self.fee_offers).find(|o| o.code().as_str() == code)
    }

    /// The offer that sells a competency level's annual fee.
    pub fn fee_offer(&self, competency: &str, tier: CompetencyTier) -> Option<&Offer> {
        self.fee_offers.iter().find(|o| o.earned().is_some_and(|(c, t)| c.as_str() == competency && t == tier))
    }

    pub fn competencies(&self) -> &[Competency] {
        &self.competencies
    }

    /// Every language tag some entry of the catalog has words in, for the app to check that it
    /// speaks each one.
    pub fn text_languages(&self) -> std::collections::BTreeSet<String> {
        let program = std::iter::once(self.program.texts());
        let terms = self.terms_versions().iter().map(|t| t.texts());
        let levels = self.membership_levels().iter().map(|l| l.texts());
        let offers = self.offers().iter().map(|o| o.texts());
        let competencies = self.competencies().iter().map(|c| c.texts());
        let all = program.chain(terms).chain(levels).chain(offers).chain(competencies);
        all.flat_map(|t| t.tags().map(str::to_owned)).collect()
    }

    pub fn competency(&self, code: &str) -> Option<&Competency> {
        self.competencies.iter().find(|c| c.code().as_str() == code)
    }
}
