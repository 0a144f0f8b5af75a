//! The program catalog: what a vendor sells and on which terms, read from one TOML file.
//!
//! `Catalog::parse` reads the file into private serde structs (`raw`), then `build` turns them
//! into the validated model, collecting every problem it finds. Nothing partial is returned: a
//! `Catalog` in hand is complete and consistent (codes unique, cross-references resolved, every
//! country's currency priced), so the rest of the system never re-checks it.

mod build;
mod entries;
mod error;
mod fields;
mod kinds;
mod model;
mod raw;
#[cfg(test)]
mod tests;
mod texts;
mod values;
mod whole;

pub use error::{CatalogError, Position, Problem};
pub use kinds::{Benefit, BenefitKind, LateRefund, RefundPolicy, Requirement};
pub use model::{Competency, CompetencyLevel, CompetencyTier, Country, MembershipLevel, Offer, Program, TermsDocument};
pub use texts::Texts;
pub use values::{Code, CountryCode, Label, PriceList};
pub use whole::{Catalog, NETWORK_LEVEL};

impl Catalog {
    /// Parses and validates a catalog. `source_name` (usually the file path) only labels the
    /// problems in the error.
    pub fn parse(source_name: &str, text: &str) -> Result<Catalog, CatalogError> {
        let raw: raw::RawCatalog =
            toml::from_str(text).map_err(|error| CatalogError::from_toml(source_name, text, &error))?;
        build::build(source_name, raw)
    }
}
