//! The languages partnerhub speaks.
//!
//! Messages live in Fluent files under `locales/<language tag>/`, embedded at build time: a
//! language is a folder, and adding one is adding a folder. A reader gets a [`Lang`]: the shipped
//! language nearest to what they asked for (their saved choice, else their browser's
//! `Accept-Language`, else the program's default) for the words, and the locale they asked for
//! itself for money, numbers and dates, so a German reader of the English portal still sees
//! "1.234,56 €". Formats come from CLDR through ICU4X; no rule is written by hand here.
//!
//! The code looks messages up with literal keys only (`t("offers-title")`, `t_with(…)`,
//! `key("…")`), so a test can find every key in use and check both ways against the files.

mod formats;
mod messages;
mod negotiate;

pub use messages::{Arg, BadMessages};
pub use negotiate::parse_accept_language;

use chrono::{DateTime, NaiveDate, Utc};
use domain::money::{Currency, Money, MoneyError};
use formats::Formats;
use icu_locale_core::Locale;
use messages::Language;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A message key, for code that picks a message now and formats it later (an enum's label).
/// Written `key("…")` with a literal so the key test finds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key(pub &'static str);

pub const fn key(id: &'static str) -> Key {
    Key(id)
}

/// Every shipped language, loaded once at start.
#[derive(Clone)]
pub struct Languages(Arc<Inner>);

struct Inner {
    languages: Vec<Language>,
    /// Index into `languages` of English, the last resort for a missing message.
    english: usize,
    formats: Mutex<HashMap<String, Arc<Formats>>>,
}

impl Languages {
    /// The languages built into the binary. Fails only on a broken message file, which the
    /// tests catch first.
    pub fn embedded() -> Result<Languages, BadMessages> {
        let languages = messages::load_embedded()?;
        let english = languages.iter().position(|l| l.tag.language.as_str() == "en").ok_or_else(|| BadMessages {
            language: "en".into(),
            file: String::new(),
            problem: "English is the fallback of every message and must be shipped".into(),
        })?;
        Ok(Languages(Arc::new(Inner { languages, english, formats: Mutex::new(HashMap::new()) })))
    }

    /// The tags of the shipped languages, e.g. ["en", "pt-BR"].
    pub fn tags(&self) -> Vec<String> {
        self.0.languages.iter().map(|l| l.tag.to_string()).collect()
    }

    /// Whether `tag` names a shipped language exactly (a saved choice must).
    pub fn ships(&self, tag: &str) -> bool {
        self.0.languages.iter().any(|l| l.tag.to_string().eq_ignore_ascii_case(tag))
    }

    /// The reader's language: the first of `wanted` (most preferred first: a saved choice, the
    /// `Accept-Language` entries, the program's default) that a shipped language serves, and
    /// the formats of that first wish itself. `time_zone` is where their times are written.
    pub fn choose<'a>(&self, wanted: impl IntoIterator<Item = &'a str>, time_zone: chrono_tz::Tz) -> Lang {
        let wanted: Vec<Locale> = wanted.into_iter().filter_map(|w| Locale::try_from_str(w.trim()).ok()).collect();
        let shipped: Vec<Locale> =
            self.0.languages.iter().map(|l| Locale::try_from_str(&l.tag.to_string()).expect("a valid tag")).collect();
        let index = negotiate::best(&wanted, &shipped).unwrap_or(self.0.english);
        let format_locale = wanted.first().cloned().unwrap_or_else(|| shipped[index].clone());
        Lang { languages: self.clone(), index, formats: self.formats(format_locale), time_zone }
    }

    /// A language by its exact shipped tag (for e-mails and invoices, whose language is stored).
    pub fn get(&self, tag: &str, time_zone: chrono_tz::Tz) -> Lang {
        self.choose([tag], time_zone)
    }

    fn formats(&self, locale: Locale) -> Arc<Formats> {
        let mut cache = self.0.formats.lock().unwrap_or_else(|p| p.into_inner());
        // The cache holds at most the locales readers asked for; requests name few.
        cache.entry(locale.to_string()).or_insert_with(|| Arc::new(Formats::new(locale))).clone()
    }

    /// The message ids each language defines, for the key test.
    pub fn message_ids() -> Vec<(String, Vec<String>)> {
        messages::EMBEDDED.iter().map(|(tag, files)| ((*tag).to_owned(), messages::message_ids(files))).collect()
    }
}

/// One reader's language: the words, the formats and the time zone.
#[derive(Clone)]
pub struct Lang {
    languages: Languages,
    index: usize,
    formats: Arc<Formats>,
    time_zone: chrono_tz::Tz,
}

impl Lang {
    /// The language's tag, for `<html lang>` and for saving: "pt-BR".
    pub fn tag(&self) -> String {
        self.languages.0.languages[self.index].tag.to_string()
    }

    pub fn time_zone(&self) -> chrono_tz::Tz {
        self.time_zone
    }

    /// The same reader in another time zone (a user's own setting).
    pub fn in_time_zone(&self, time_zone: chrono_tz::Tz) -> Lang {
        Lang { time_zone, ..self.clone() }
    }

    /// The message `id`; English when this language lacks it, the id itself when both do (the
    /// key test keeps that from shipping).
    pub fn t(&self, id: &str) -> String {
        self.t_with(id, &[])
    }

    /// The message `id` with its arguments: `t_with("paid-on", &[("date", day.into())])`.
    pub fn t_with(&self, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        let languages = &self.languages.0.languages;
        messages::format(&languages[self.index].bundle, id, args)
            .or_else(|| messages::format(&languages[self.languages.0.english].bundle, id, args))
            .unwrap_or_else(|| id.to_owned())
    }

    /// A message picked earlier as a [`Key`].
    pub fn text(&self, key: Key) -> String {
        self.t(key.0)
    }

    /// The message with one argument, for templates: `lang.t1("signed-in-as", "name", who)`.
    pub fn t1<'a>(&self, id: &str, name: &str, value: impl Into<Arg<'a>>) -> String {
        self.t_with(id, &[(name, value.into())])
    }

    /// The message with two arguments, for templates.
    pub fn t2<'a, 'b>(
        &self,
        id: &str,
        first: &str,
        first_value: impl Into<Arg<'a>>,
        second: &str,
        second_value: impl Into<Arg<'b>>,
    ) -> String {
        self.t_with(id, &[(first, first_value.into()), (second, second_value.into())])
    }

    /// Money with its currency as the locale writes it: "R$ 2.400,00".
    pub fn money(&self, amount: Money) -> String {
        self.formats.money(amount)
    }

    /// An amount without the currency, for a form field's value: "2.400,00".
    pub fn amount(&self, amount: Money) -> String {
        self.formats.amount(amount)
    }

    /// An integer with the locale's grouping.
    pub fn number(&self, n: i64) -> String {
        self.formats.number(n)
    }

    /// A country's name in the reader's language from its two-letter code, when CLDR has it.
    pub fn country(&self, code: &str) -> Option<String> {
        self.formats.country(code)
    }

    /// A percentage given in basis points, without the sign (the message places it):
    /// 2050 → "20.5" in en, "20,5" in pt-BR.
    pub fn percent_of_basis_points(&self, basis_points: u32) -> String {
        self.formats.basis_points(basis_points)
    }

    /// A calendar day, the one date style of the product: "6 de dezembro de 2026".
    pub fn day(&self, day: NaiveDate) -> String {
        self.formats.day(day)
    }

    /// The day of a moment, in the reader's time zone.
    pub fn day_of(&self, at: DateTime<Utc>) -> String {
        self.day(at.with_timezone(&self.time_zone).date_naive())
    }

    /// A moment, in the reader's time zone and naming it.
    pub fn moment(&self, at: DateTime<Utc>) -> String {
        self.formats.moment(at, self.time_zone)
    }

    /// An amount typed by the reader, in their locale's way ("5,00" in pt-BR, "5.00" in en)
    /// or with a plain '.' as anyone may type it.
    pub fn parse_amount(&self, input: &str, currency: Currency) -> Result<Money, MoneyError> {
        let separator = formats::decimal_separator(&self.formats);
        Money::parse_decimal(&normalize_amount(input, separator), currency)
    }
}

/// Rewrites an amount typed with `separator` as the decimal mark into the plain form
/// `Money::parse_decimal` reads: group marks removed, the decimal mark a '.'.
fn normalize_amount(input: &str, separator: char) -> String {
    let trimmed: String =
        input.trim().chars().filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{202f}').collect();
    if separator == '.' {
        return trimmed.replace(',', "");
    }
    // A locale with ',' as its decimal mark groups with '.': "1.234,56". A lone '.' followed by
    // exactly one or two digits ("5.5", "5.00") is read as a decimal point typed the plain way.
    if !trimmed.contains(separator) {
        let dots = trimmed.matches('.').count();
        let digits_after = trimmed.rsplit('.').next().map_or(0, str::len);
        if dots == 1 && digits_after != 3 {
            return trimmed;
        }
        return trimmed.replace('.', "");
    }
    trimmed.replace('.', "").replace(separator, ".")
}

#[cfg(test)]
mod tests;
