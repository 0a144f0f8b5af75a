//! Checks for single catalog fields. Each reads one raw value, reports what is wrong under the
//! given path, and returns the validated value or `None`, so callers check every field before
//! giving up and the author sees all problems in one run.

use std::collections::BTreeMap;
use std::num::{NonZeroU16, NonZeroU32};

use chrono::NaiveDate;
use toml::Value;

use super::error::Problems;
use super::kinds::{LateRefund, RefundPolicy};
use super::values::{Code, CountryCode, Label, PriceList};
use crate::money::{Currency, Money, TaxRate};

pub(super) fn text(p: &mut Problems, path: &str, value: &str) -> Option<String> {
    if value.trim().is_empty() {
        p.push(path, "must not be blank; write the text");
        return None;
    }
    Some(value.to_owned())
}

pub(super) fn label(p: &mut Problems, path: &str, value: &str) -> Option<Label> {
    Label::parse(value).map_err(|m| p.push(path, m)).ok()
}

pub(super) fn code(p: &mut Problems, path: &str, value: &str) -> Option<Code> {
    Code::parse(value).map_err(|m| p.push(path, m)).ok()
}

pub(super) fn country_code(p: &mut Problems, path: &str, value: &str) -> Option<CountryCode> {
    CountryCode::parse(value).map_err(|m| p.push(path, m)).ok()
}

pub(super) fn currency(p: &mut Problems, path: &str, value: &str) -> Option<Currency> {
    Currency::parse(value).map_err(|e| p.push(path, e.to_string())).ok()
}

/// An amount must be a TOML string: TOML numbers with decimals are floats, which cannot hold
/// every price exactly. Whole numbers are refused too, so prices read alike across currencies.
pub(super) fn amount(p: &mut Problems, path: &str, value: &Value, c: Currency) -> Option<Money> {
    let Value::String(s) = value else {
        let example = Money::parse_decimal("440", c).map(|m| m.format_amount());
        let example = example.unwrap_or_default();
        p.push(path, format!("{value} is not an amount; write it as a string like \"{example}\""));
        return None;
    };
    Money::parse_decimal(s, c).map_err(|e| p.push(path, e.to_string())).ok()
}

/// A rate is a percentage string ("8.25"); a TOML integer (19) is exact, so it is accepted
/// too, but a float (8.25 without quotes) is refused like every float.
pub(super) fn tax_rate(p: &mut Problems, path: &str, value: &Value) -> Option<TaxRate> {
    let result = match value {
        Value::String(s) => TaxRate::parse_percent(s),
        Value::Integer(i) => TaxRate::parse_percent(&i.to_string()),
        other => {
            let m = format!("{other} is not a tax rate; write the percentage as a string, like \"8.25\"");
            p.push(path, m);
            return None;
        }
    };
    result.map_err(|e| p.push(path, e.to_string())).ok()
}

/// A date is a TOML local date (`2024-01-01`) or a string of the same form.
pub(super) fn date(p: &mut Problems, path: &str, value: &Value) -> Option<NaiveDate> {
    let parsed = match value {
        Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
            dt.date.and_then(|d| NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day)))
        }
        Value::String(s) if s.len() == 10 => NaiveDate::parse_from_str(s, "%Y-%m-%d").ok(),
        _ => None,
    };
    if parsed.is_none() {
        p.push(path, format!("{value} is not a date; write a date like 2024-01-01"));
    }
    parsed
}

pub(super) fn positive(p: &mut Problems, path: &str, value: i64) -> Option<NonZeroU32> {
    let n = u32::try_from(value).ok().and_then(NonZeroU32::new);
    if n.is_none() {
        p.push(path, format!("{value} is not allowed; write a whole number of at least 1"));
    }
    n
}

/// A field a kind needs; reports it missing otherwise.
pub(super) fn required<'a, T>(p: &mut Problems, path: &str, kind: &str, v: &'a Option<T>) -> Option<&'a T> {
    if v.is_none() {
        p.push(path, format!("is missing; kind = {kind:?} needs it"));
    }
    v.as_ref()
}

/// A field a kind does not use; reporting it beats silently ignoring a misplaced value.
pub(super) fn unused<T>(p: &mut Problems, path: &str, kind: &str, v: &Option<T>) {
    if v.is_some() {
        p.push(path, format!("does not apply to kind = {kind:?}; remove it"));
    }
}

const REFUND_HELP: &str = "write \"none\", \"prorated\" or \
    { full_within_days = 30, then = \"prorated\" } (then is \"prorated\" or \"none\")";

pub(super) fn refund(p: &mut Problems, path: &str, value: &Value) -> Option<RefundPolicy> {
    match value {
        Value::String(s) if s == "none" => Some(RefundPolicy::None),
        Value::String(s) if s == "prorated" => Some(RefundPolicy::Prorated),
        Value::Table(table) => refund_window(p, path, table),
        other => {
            p.push(path, format!("{other} is not a refund policy; {REFUND_HELP}"));
            None
        }
    }
}

fn refund_window(p: &mut Problems, path: &str, table: &toml::Table) -> Option<RefundPolicy> {
    let mut ok = true;
    for key in table.keys().filter(|k| *k != "full_within_days" && *k != "then") {
        p.push(format!("{path}.{key}"), format!("is not a refund policy field; {REFUND_HELP}"));
        ok = false;
    }
    let days = match table.get("full_within_days") {
        Some(Value::Integer(d)) => u16::try_from(*d).ok().and_then(NonZeroU16::new),
        _ => None,
    };
    if days.is_none() {
        let at = format!("{path}.full_within_days");
        p.push(at, "write the number of days, at least 1, like full_within_days = 30");
    }
    let then = match table.get("then") {
        Some(Value::String(s)) if s == "prorated" => Some(LateRefund::Prorated),
        Some(Value::String(s)) if s == "none" => Some(LateRefund::None),
        _ => None,
    };
    if then.is_none() {
        let at = format!("{path}.then");
        p.push(at, "say what follows the full-refund window: then = \"prorated\" or \"none\"");
    }
    match (ok, days, then) {
        (true, Some(days), Some(then)) => Some(RefundPolicy::FullWithinDays { days, then }),
        _ => None,
    }
}

/// A price list: every key a supported currency, every value an exact amount above zero, at
/// least one. What is bought goes through a gateway, and gateways refuse to charge nothing;
/// what partners get for free is a membership level.
pub(super) fn price_list(p: &mut Problems, path: &str, raw: &BTreeMap<String, Value>) -> Option<PriceList> {
    if raw.is_empty() {
        p.push(path, "is empty; give at least one price, like { USD = \"475.00\" }");
        return None;
    }
    let mut prices = BTreeMap::new();
    let mut ok = true;
    for (code, value) in raw {
        let at = format!("{path}.{code}");
        let price = currency(p, &at, code).and_then(|c| amount(p, &at, value, c));
        match price {
            Some(money) if money.minor() <= 0 => {
                p.push(&at, "is zero; a price must be above zero (what partners get for free is a membership level)");
                ok = false;
            }
            Some(money) => {
                prices.insert(money.currency(), money);
            }
            None => ok = false,
        }
    }
    ok.then_some(PriceList(prices))
}

/// `Some(all)` only if every item was built.
pub(super) fn all<T>(items: Vec<Option<T>>) -> Option<Vec<T>> {
    items.into_iter().collect()
}
