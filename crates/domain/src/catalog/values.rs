//! The catalog's small values, checked when parsed: codes, country codes, labels and price
//! lists. Both the model and the kinds of benefit and requirement are built from them.

use std::collections::BTreeMap;
use std::fmt;

use crate::money::{Currency, Money};

/// A catalog code (offer, level, competency, terms): lowercase letters and digits in groups
/// joined by single dashes, e.g. `action-pack`. Codes appear in URLs and API ids, hence the
/// narrow alphabet.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Code(String);

impl Code {
    const MAX_LEN: usize = 64;

    pub fn parse(input: &str) -> Result<Code, String> {
        let groups_ok = input
            .split('-')
            .all(|group| !group.is_empty() && group.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        if groups_ok && input.len() <= Self::MAX_LEN {
            Ok(Code(input.to_owned()))
        } else {
            Err(format!(
                "{input:?} is not a code; use lowercase letters, digits and single dashes, \
                 at most {} characters, like \"action-pack\"",
                Self::MAX_LEN
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An ISO 3166-1 alpha-2 country code: two uppercase ASCII letters, e.g. `DE`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode(String);

impl CountryCode {
    pub fn parse(input: &str) -> Result<CountryCode, String> {
        if input.len() == 2 && input.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(CountryCode(input.to_owned()))
        } else {
            Err(format!(
                "{input:?} is not a country code; use the two uppercase letters of ISO 3166-1, \
                 like \"DE\""
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A piece of catalog text that must not be blank (a product or certification name, an
/// attestation). Stored trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Label(String);

impl Label {
    pub fn parse(input: &str) -> Result<Label, String> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            Err("must not be blank; write the text".to_owned())
        } else {
            Ok(Label(trimmed.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Prices (or fees) of one thing, at most one per currency and at least one in all; each
/// `Money` is in the currency it is filed under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceList(pub(super) BTreeMap<Currency, Money>);

impl PriceList {
    pub fn get(&self, currency: Currency) -> Option<Money> {
        self.0.get(&currency).copied()
    }

    /// All prices in currency-code order.
    pub fn iter(&self) -> impl Iterator<Item = Money> + '_ {
        self.0.values().copied()
    }
}
