//! Turns the raw catalog into the validated model: checks every field, the uniqueness of
//! codes and every cross-reference, collecting all problems before deciding.

use std::collections::{BTreeMap, BTreeSet};

use super::entries::{benefits, gold_covers_silver, requirements};
use super::error::{CatalogError, Problems};
use super::fields::{all, code, country_code, currency, date, price_list, refund, tax_rate, text};
use super::model::{
    Competency, CompetencyLevel, CompetencyTier, Country, MembershipLevel, Offer, Program, TermsDocument,
};
use super::raw::{
    RawCatalog, RawCompetency, RawCompetencyLevel, RawCountry, RawMembershipLevel, RawOffer, RawProgram, RawTerms,
};
use super::texts::texts;
use super::values::{Code, PriceList};
use super::whole::{Catalog, NETWORK_LEVEL};
use crate::money::Currency;

/// What offers and competencies are checked against: the codes they may refer to and the
/// currencies they must be priced in (with the reason, a clause for the message).
struct Context<'a> {
    terms_codes: BTreeSet<&'a str>,
    level_codes: BTreeSet<&'a str>,
    needed_currencies: BTreeMap<Currency, String>,
}

pub(super) fn build(source: &str, raw: RawCatalog) -> Result<Catalog, CatalogError> {
    let mut p = Problems::new(source);
    let program = program(&mut p, &raw.program);
    let countries = countries(&mut p, &raw.countries);
    let terms_versions = terms_versions(&mut p, &raw.terms);
    let membership_levels = membership_levels(&mut p, &raw.membership_levels);
    let context = context(&raw);
    let offers: Vec<_> =
        (raw.offers.iter().enumerate()).map(|(i, o)| offer(&mut p, &context, &format!("offers[{i}]"), o)).collect();
    unique_codes(&mut p, "offers", raw.offers.iter().map(|o| o.code.as_str()));
    let competencies: Vec<_> = (raw.competencies.iter().enumerate())
        .map(|(i, c)| competency(&mut p, &context, &format!("competencies[{i}]"), c))
        .collect();
    let competency_codes = raw.competencies.iter().map(|c| c.code.as_str());
    unique_codes(&mut p, "competencies", competency_codes);

    let catalog = (|| {
        let offers = all(offers)?;
        let competencies = all(competencies)?;
        let fee_offers = fee_offers(&mut p, &offers, &competencies);
        Some(Catalog {
            program: program?,
            countries: countries?,
            terms_versions: terms_versions?,
            membership_levels: membership_levels?,
            offers,
            competencies,
            fee_offers,
        })
    })();
    p.finish(catalog)
}

fn context(raw: &RawCatalog) -> Context<'_> {
    // Currencies are parsed again here without reporting: their problems are reported once,
    // where the country or program is built.
    let mut needed_currencies: BTreeMap<Currency, Vec<&str>> = BTreeMap::new();
    for country in &raw.countries {
        if let Ok(c) = Currency::parse(&country.currency) {
            needed_currencies.entry(c).or_default().push(&country.code);
        }
    }
    let mut reasons: BTreeMap<Currency, String> = needed_currencies
        .into_iter()
        .map(|(c, countries)| (c, format!("partners in {} pay in {c}", countries.join(", "))))
        .collect();
    if let Ok(c) = Currency::parse(&raw.program.default_currency) {
        reasons.entry(c).or_insert_with(|| format!("{c} is the program's default currency"));
    }
    Context {
        terms_codes: raw.terms.iter().map(|t| t.code.as_str()).collect(),
        level_codes: raw.membership_levels.iter().map(|l| l.code.as_str()).collect(),
        needed_currencies: reasons,
    }
}

/// Reports every code that an earlier entry of the same section already uses.
fn unique_codes<'a>(p: &mut Problems, section: &str, codes: impl Iterator<Item = &'a str>) {
    let mut seen = BTreeMap::new();
    for (i, code) in codes.enumerate() {
        if let Some(first) = seen.insert(code, i) {
            p.push(
                format!("{section}[{i}].code"),
                format!("{code:?} is already the code of {section}[{first}]; codes must be unique"),
            );
        }
    }
}

fn program(p: &mut Problems, raw: &RawProgram) -> Option<Program> {
    let name = text(p, "program.name", &raw.name);
    let vendor_name = text(p, "program.vendor_name", &raw.vendor_name);
    let vendor_address = text(p, "program.vendor_address", &raw.vendor_address);
    let support_email = is_email(&raw.support_email).then(|| raw.support_email.clone());
    if support_email.is_none() {
        let m = format!("{:?} is not an e-mail address; write one like partners@example.com", raw.support_email);
        p.push("program.support_email", m);
    }
    let time_zone = raw.time_zone.parse::<chrono_tz::Tz>().ok();
    if time_zone.is_none() {
        let m = format!("{:?} is not a time zone; write \"UTC\" or an IANA name like \"Europe/Dublin\"", raw.time_zone);
        p.push("program.time_zone", m);
    }
    let default_currency = currency(p, "program.default_currency", &raw.default_currency);
    let default_language = raw.default_language.clone().unwrap_or_else(|| "en".to_owned());
    if default_language.is_empty() || !default_language.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        p.push(
            "program.default_language",
            format!("{default_language:?} is not a language tag; write one like \"en\" or \"pt-BR\""),
        );
    }
    Some(Program {
        name: name?,
        vendor_name: vendor_name?,
        vendor_address: vendor_address?.trim().to_owned(),
        support_email: support_email?,
        time_zone: time_zone?,
        default_currency: default_currency?,
        default_language,
        texts: texts(p, "program", &["name"], &raw.texts),
    })
}

/// Shape only: one `@`, a non-empty local part, a dotted domain, no spaces.
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && domain.split('.').count() >= 2
        && domain.split('.').all(|label| !label.is_empty() && !label.contains('@'))
}

fn countries(p: &mut Problems, raw: &[RawCountry]) -> Option<Vec<Country>> {
    if raw.is_empty() {
        p.push("countries", "is empty; list at least one country partners buy from");
    }
    let built: Vec<_> = (raw.iter().enumerate()).map(|(i, c)| country(p, &format!("countries[{i}]"), c)).collect();
    unique_codes(p, "countries", raw.iter().map(|c| c.code.as_str()));
    all(built)
}

fn country(p: &mut Problems, path: &str, raw: &RawCountry) -> Option<Country> {
    let code = country_code(p, &format!("{path}.code"), &raw.code);
    let name = text(p, &format!("{path}.name"), &raw.name);
    let currency = currency(p, &format!("{path}.currency"), &raw.currency);
    let tax_rate = tax_rate(p, &format!("{path}.tax_rate"), &raw.tax_rate);
    Some(Country { code: code?, name: name?, currency: currency?, tax_rate: tax_rate? })
}

/// Versions of one document must differ in version and in `effective_from`, so that
/// "the version in force on a day" is always a single document.
fn terms_versions(p: &mut Problems, raw: &[RawTerms]) -> Option<Vec<TermsDocument>> {
    let built: Vec<_> = (raw.iter().enumerate()).map(|(i, t)| terms(p, &format!("terms[{i}]"), t)).collect();
    let mut versions = BTreeMap::new();
    let mut dates = BTreeMap::new();
    for (i, (t, doc)) in raw.iter().zip(&built).enumerate() {
        if let Some(first) = versions.insert((t.code.as_str(), t.version.as_str()), i) {
            let m =
                format!("{:?} of {:?} is already terms[{first}]; give each version its own name", t.version, t.code);
            p.push(format!("terms[{i}].version"), m);
        }
        let Some(doc) = doc else { continue };
        if let Some(first) = dates.insert((t.code.as_str(), doc.effective_from), i) {
            let m = format!(
                "terms[{first}] of {:?} takes effect on the same day; \
                 give each version its own date",
                t.code
            );
            p.push(format!("terms[{i}].effective_from"), m);
        }
    }
    all(built)
}

fn terms(p: &mut Problems, path: &str, raw: &RawTerms) -> Option<TermsDocument> {
    let code = code(p, &format!("{path}.code"), &raw.code);
    let version = text(p, &format!("{path}.version"), &raw.version);
    let title = text(p, &format!("{path}.title"), &raw.title);
    let effective_from = date(p, &format!("{path}.effective_from"), &raw.effective_from);
    let body = text(p, &format!("{path}.text"), &raw.text);
    Some(TermsDocument {
        code: code?,
        version: version?.trim().to_owned(),
        title: title?,
        effective_from: effective_from?,
        text: body?.trim().to_owned(),
        texts: texts(p, path, &["title", "text"], &raw.texts),
    })
}

fn membership_levels(p: &mut Problems, raw: &[RawMembershipLevel]) -> Option<Vec<MembershipLevel>> {
    if !raw.iter().any(|l| l.code == NETWORK_LEVEL) {
        let m = format!("has no {NETWORK_LEVEL:?} level; add it: every org gets it when it signs up");
        p.push("membership_levels", m);
    }
    let built: Vec<_> =
        (raw.iter().enumerate()).map(|(i, l)| membership_level(p, &format!("membership_levels[{i}]"), l)).collect();
    unique_codes(p, "membership_levels", raw.iter().map(|l| l.code.as_str()));
    all(built)
}

fn membership_level(p: &mut Problems, path: &str, raw: &RawMembershipLevel) -> Option<MembershipLevel> {
    let code = code(p, &format!("{path}.code"), &raw.code);
    let name = text(p, &format!("{path}.name"), &raw.name);
    let description = text(p, &format!("{path}.description"), &raw.description);
    let benefits = benefits(p, &format!("{path}.benefits"), &raw.benefits);
    let texts = texts(p, path, &["name", "description"], &raw.texts);
    Some(MembershipLevel { code: code?, name: name?, description: description?, benefits: benefits?, texts })
}

fn offer(p: &mut Problems, cx: &Context<'_>, path: &str, raw: &RawOffer) -> Option<Offer> {
    let code = code(p, &format!("{path}.code"), &raw.code);
    let name = text(p, &format!("{path}.name"), &raw.name);
    let description = text(p, &format!("{path}.description"), &raw.description);
    if raw.term_months != i64::from(Offer::TERM_MONTHS) {
        let m = format!("{} months is not supported; terms last one year, write term_months = 12", raw.term_months);
        p.push(format!("{path}.term_months"), m);
    }
    let requires: Vec<_> = (raw.requires.iter().enumerate())
        .map(|(i, level)| level_ref(p, cx, &format!("{path}.requires[{i}]"), level))
        .collect();
    let terms_code = terms_ref(p, cx, &format!("{path}.terms"), &raw.terms);
    let refund_policy = refund(p, &format!("{path}.refund"), &raw.refund);
    let prices = priced(p, cx, &format!("{path}.prices"), &raw.prices);
    let benefits = benefits(p, &format!("{path}.benefits"), &raw.benefits);
    let texts = texts(p, path, &["name", "description"], &raw.texts);
    Some(Offer {
        code: code?,
        name: name?,
        description: description?,
        requires: all(requires)?,
        one_per_org: raw.one_per_org,
        terms_code: terms_code?,
        refund_policy: refund_policy?,
        prices: prices?,
        benefits: benefits?,
        earned: None,
        texts,
    })
}

/// The offers that sell each competency level's annual fee, so that checkout, renewal and
/// benefits treat a competency like any subscription. Their codes must not clash with an offer.
fn fee_offers(p: &mut Problems, offers: &[Offer], competencies: &[Competency]) -> Vec<Offer> {
    let mut out = Vec::new();
    for (i, c) in competencies.iter().enumerate() {
        for tier in CompetencyTier::ALL {
            let level = c.level(tier);
            let code = c.fee_offer_code(tier);
            if offers.iter().any(|o| o.code.as_str() == code) {
                let m = format!(
                    "the {} fee is sold as offer {code:?}, which an offer uses already; rename one",
                    tier.label()
                );
                p.push(format!("competencies[{i}].code"), m);
                continue;
            }
            let Ok(code) = Code::parse(&code) else { continue };
            out.push(Offer {
                code,
                name: format!("{} {} competency", c.name, tier.label()),
                description: c.description.clone(),
                requires: vec![],
                one_per_org: true,
                terms_code: level.terms_code.clone(),
                refund_policy: level.refund_policy,
                prices: level.fees.clone(),
                benefits: c.benefits_at(tier).into_iter().cloned().collect(),
                earned: Some((c.code.clone(), tier)),
                // The fee's name is made from the competency's; its description is the
                // competency's, in every language it has.
                texts: c.texts.only("description"),
            });
        }
    }
    out
}

fn level_ref(p: &mut Problems, cx: &Context<'_>, path: &str, raw: &str) -> Option<Code> {
    if !cx.level_codes.contains(raw) {
        let known: Vec<&str> = cx.level_codes.iter().copied().collect();
        let m = format!("{raw:?} is not a membership level; use one of {}", known.join(", "));
        p.push(path, m);
        return None;
    }
    code(p, path, raw)
}

fn terms_ref(p: &mut Problems, cx: &Context<'_>, path: &str, raw: &str) -> Option<Code> {
    if !cx.terms_codes.contains(raw) {
        let known: Vec<&str> = cx.terms_codes.iter().copied().collect();
        let m = format!("{raw:?} is not the code of any [[terms]] document; use one of {} or add it", known.join(", "));
        p.push(path, m);
        return None;
    }
    code(p, path, raw)
}

/// A price list that also covers every currency partners pay in.
fn priced(p: &mut Problems, cx: &Context<'_>, path: &str, raw: &BTreeMap<String, toml::Value>) -> Option<PriceList> {
    for (c, why) in &cx.needed_currencies {
        if !raw.contains_key(c.code()) {
            let m = format!("is missing; {why}, so add {c} = \"…\"");
            p.push(format!("{path}.{c}"), m);
        }
    }
    price_list(p, path, raw)
}

fn competency(p: &mut Problems, cx: &Context<'_>, path: &str, raw: &RawCompetency) -> Option<Competency> {
    let code = code(p, &format!("{path}.code"), &raw.code);
    let name = text(p, &format!("{path}.name"), &raw.name);
    let description = text(p, &format!("{path}.description"), &raw.description);
    let silver = competency_level(p, cx, path, CompetencyTier::Silver, &raw.silver);
    let gold = competency_level(p, cx, path, CompetencyTier::Gold, &raw.gold);
    if let (Some(silver), Some(gold)) = (&silver, &gold) {
        gold_covers_silver(p, path, &silver.requirements, &gold.requirements);
    }
    let texts = texts(p, path, &["name", "description"], &raw.texts);
    Some(Competency { code: code?, name: name?, description: description?, silver: silver?, gold: gold?, texts })
}

fn competency_level(
    p: &mut Problems,
    cx: &Context<'_>,
    competency_path: &str,
    tier: CompetencyTier,
    raw: &RawCompetencyLevel,
) -> Option<CompetencyLevel> {
    let path = match tier {
        CompetencyTier::Silver => format!("{competency_path}.silver"),
        CompetencyTier::Gold => format!("{competency_path}.gold"),
    };
    let requirements = requirements(p, &format!("{path}.requirements"), &raw.requirements);
    let fees = priced(p, cx, &format!("{path}.fees"), &raw.fees);
    let terms_code = terms_ref(p, cx, &format!("{path}.terms"), &raw.terms);
    let refund_policy = refund(p, &format!("{path}.refund"), &raw.refund);
    let benefits = benefits(p, &format!("{path}.benefits"), &raw.benefits);
    Some(CompetencyLevel {
        tier,
        requirements: requirements?,
        fees: fees?,
        terms_code: terms_code?,
        refund_policy: refund_policy?,
        benefits: benefits?,
    })
}
