//! The demo catalog parses with what PRODUCT.md names; broken catalogs are refused with the
//! field path and a message saying what to write.

use chrono::NaiveDate;

use super::*;
use crate::money::{Currency, Money};

const DEMO: &str = include_str!("../../../../catalog/demo-program.toml");
const SOURCE: &str = "catalog/demo-program.toml";

fn demo() -> Catalog {
    Catalog::parse(SOURCE, DEMO).unwrap_or_else(|e| panic!("demo catalog refused:\n{e}"))
}

/// The demo text with the first `from` replaced; fails if `from` is not there.
fn demo_with(from: &str, to: &str) -> String {
    assert!(DEMO.contains(from), "the demo no longer contains {from:?}");
    DEMO.replacen(from, to, 1)
}

fn refused(text: &str) -> CatalogError {
    match Catalog::parse(SOURCE, text) {
        Ok(_) => panic!("the catalog should have been refused"),
        Err(error) => error,
    }
}

fn paths(error: &CatalogError) -> Vec<&str> {
    error.problems().iter().map(Problem::path).collect()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn label(s: &str) -> Label {
    Label::parse(s).expect("valid label")
}

fn n(q: u32) -> std::num::NonZeroU32 {
    std::num::NonZeroU32::new(q).expect("non-zero")
}

#[test]
fn demo_program_is_run_by_the_demo_vendor_in_utc_and_usd() {
    let catalog = demo();
    let program = catalog.program();
    assert_eq!(program.name(), "Demo Partner Network");
    assert_eq!(program.vendor_name(), "Demo Software Vendor Ltd.");
    assert_eq!(program.vendor_address().lines().count(), 4);
    assert_eq!(program.time_zone(), chrono_tz::UTC);
    assert_eq!(program.default_currency(), Currency::Usd);
    assert_eq!(catalog.network_level().name(), "Network membership");
    let de = catalog.country("DE").expect("Germany");
    assert_eq!((de.currency(), de.tax_rate().to_string()), (Currency::Eur, "19%".into()));
}

#[test]
fn demo_action_pack_has_the_seven_benefits_of_the_seed() {
    let catalog = demo();
    let pack = catalog.offer("action-pack").expect("Action Pack");
    assert_eq!(pack.name(), "Action Pack");
    assert_eq!(pack.term_months(), 12);
    assert!(pack.one_per_org());
    assert_eq!(pack.requires(), [Code::parse("network").unwrap()]);
    assert_eq!(pack.price(Currency::Usd), Some(Money::new(47_500, Currency::Usd)));
    assert_eq!(pack.price(Currency::Jpy), Some(Money::new(70_000, Currency::Jpy)));
    assert!(matches!(
        pack.refund_policy(),
        RefundPolicy::FullWithinDays { days, then: LateRefund::Prorated } if days.get() == 30
    ));
    let expected = [
        Benefit::SoftwareLicense { product: label("Windows 10 Enterprise (upgrade)"), quantity: n(10) },
        Benefit::SoftwareLicense { product: label("Visual Studio Professional"), quantity: n(3) },
        Benefit::ServiceAccount { product: label("Visual Studio Team Services") },
        Benefit::Seats { product: label("Office 365 E3"), quantity: n(10) },
        Benefit::Seats { product: label("Enterprise Mobility Suite"), quantity: n(5) },
        Benefit::Seats { product: label("Dynamics CRM Online Professional"), quantity: n(5) },
        Benefit::MonthlyCredit { product: label("Azure"), amount: Money::new(10_000, Currency::Usd) },
    ];
    assert_eq!(pack.benefits(), expected);
}

#[test]
fn demo_prices_every_offer_and_competency_level_in_every_country_currency() {
    let catalog = demo();
    for country in catalog.countries() {
        let c = country.currency();
        for offer in catalog.offers() {
            assert!(offer.price(c).is_some(), "{} in {c}", offer.code());
        }
        for competency in catalog.competencies() {
            for tier in [CompetencyTier::Silver, CompetencyTier::Gold] {
                assert!(competency.level(tier).fee(c).is_some(), "{}", competency.code());
            }
        }
    }
    assert_eq!(catalog.competencies().len(), 3);
}

#[test]
fn current_terms_is_the_latest_version_already_in_force() {
    let catalog = demo();
    let code = "partner-network-agreement";
    assert_eq!(catalog.current_terms(code, day(2023, 12, 31)), None);
    let old = catalog.current_terms(code, day(2025, 6, 30)).expect("in force");
    assert_eq!(old.version(), "2024-01");
    let current = catalog.current_terms(code, day(2025, 7, 1)).expect("in force");
    assert_eq!(current.version(), "2025-07");
    assert!(current.title().starts_with("Partner Network Agreement"));
    assert!(current.text().contains("\n\nInternal use rights."));
    assert_eq!(catalog.terms_version(code, "2024-01"), Some(old));
}

#[test]
fn gold_competency_includes_silver_benefits() {
    let catalog = demo();
    let cloud = catalog.competency("cloud-platform").expect("Cloud Platform");
    let silver = cloud.benefits_at(CompetencyTier::Silver).len();
    let gold = cloud.benefits_at(CompetencyTier::Gold).len();
    assert_eq!(gold, silver + cloud.gold().benefits().len());
}

#[test]
fn unknown_key_is_refused_with_its_path_and_line() {
    let error = refused(&demo_with("one_per_org = true", "one_per_orgg = true"));
    let problem = &error.problems()[0];
    assert_eq!(problem.path(), "offers[0].one_per_orgg");
    assert!(problem.message().contains("unknown field `one_per_orgg`"));
    let line = DEMO.lines().position(|l| l == "one_per_org = true").unwrap() + 1;
    assert_eq!(problem.position(), Some(Position { line, column: 1 }));
}

#[test]
fn bad_amount_is_refused_with_an_example() {
    let error = refused(&demo_with(r#"EUR = "440.00""#, r#"EUR = "4x0.00""#));
    assert_eq!(
        error.to_string(),
        r#"catalog/demo-program.toml: offers[0].prices.EUR: "4x0.00" is not an amount; write it like "440.00""#
    );
}

#[test]
fn zero_price_is_refused() {
    let error = refused(&demo_with(r#"EUR = "440.00""#, r#"EUR = "0.00""#));
    assert_eq!(paths(&error), ["offers[0].prices.EUR"]);
    assert!(error.problems()[0].message().contains("above zero"), "{error}");
}

#[test]
fn amount_written_as_a_number_is_refused() {
    let error = refused(&demo_with(r#"GBP = "375.00""#, "GBP = 375.00"));
    assert_eq!(paths(&error), ["offers[0].prices.GBP"]);
    assert!(error.problems()[0].message().contains("as a string"));
}

#[test]
fn missing_price_for_a_country_currency_is_reported() {
    let error = refused(&demo_with(r#", BRL = "2400.00""#, ""));
    assert_eq!(paths(&error), ["offers[0].prices.BRL"]);
    assert!(error.problems()[0].message().contains("partners in BR pay in BRL, so add BRL"));
}

#[test]
fn unknown_terms_code_is_reported() {
    let error = refused(&demo_with(
        "terms = \"partner-network-agreement\"\nrefund = { full",
        "terms = \"partner-agreement\"\nrefund = { full",
    ));
    assert_eq!(paths(&error), ["offers[0].terms"]);
}

#[test]
fn duplicate_offer_code_is_reported() {
    let second = &DEMO[DEMO.find("[[offers]]").unwrap()..DEMO.find("# --- Competencies").unwrap()];
    let text = format!("{DEMO}\n{second}");
    let error = refused(&text);
    assert_eq!(paths(&error), ["offers[1].code"]);
    assert!(error.problems()[0].message().contains("already the code of offers[0]"));
}

#[test]
fn toml_syntax_error_gives_line_and_column() {
    let error = refused(&demo_with("term_months = 12", "term_months = = 12"));
    let problem = &error.problems()[0];
    let line = DEMO.lines().position(|l| l == "term_months = 12").unwrap() + 1;
    assert_eq!(problem.position().map(|p| p.line), Some(line));
    assert!(error.to_string().starts_with(&format!("{SOURCE}:{line}:")));
}

#[test]
fn missing_field_points_at_its_table() {
    let error = refused(&demo_with("one_per_org = true\n", ""));
    assert_eq!(paths(&error), ["offers[0]"]);
    assert!(error.problems()[0].message().contains("missing field `one_per_org`"));
}

#[test]
fn all_semantic_problems_are_reported_at_once() {
    let text = demo_with("term_months = 12", "term_months = 24")
        .replacen("quantity = 3", "quantity = 0", 1)
        .replacen("kind = \"service_account\"", "kind = \"service_acount\"", 1)
        .replacen("code = \"network\"", "code = \"free\"", 1)
        .replacen("time_zone = \"UTC\"", "time_zone = \"utc\"", 1)
        .replacen("count = 4", "count = 1", 1)
        .replacen("tax_rate = \"19\"", "tax_rate = \"19.555\"", 1);
    let error = refused(&text);
    assert_eq!(
        paths(&error),
        [
            "program.time_zone",
            "countries[2].tax_rate",
            "membership_levels",
            "offers[0].term_months",
            "offers[0].requires[0]",
            "offers[0].benefits[1].quantity",
            "offers[0].benefits[2].kind",
            "competencies[0].gold.requirements[0].count",
        ]
    );
    assert_eq!(error.to_string().lines().count(), 8);
}

#[test]
fn benefit_fields_must_match_their_kind() {
    let text = demo_with(
        "kind = \"service_account\"\nproduct = \"Visual Studio Team Services\"",
        "kind = \"service_account\"\nquantity = 2",
    );
    assert_eq!(paths(&refused(&text)), ["offers[0].benefits[2].product", "offers[0].benefits[2].quantity"]);
}

#[test]
fn refund_policy_must_say_what_follows_the_window() {
    let text = demo_with("{ full_within_days = 30, then = \"prorated\" }", "{ full_within_days = 30 }");
    assert_eq!(paths(&refused(&text)), ["offers[0].refund.then"]);
    let text = demo_with("refund = \"prorated\"", "refund = \"partial\"");
    assert_eq!(paths(&refused(&text)), ["competencies[2].silver.refund"]);
}

#[test]
fn terms_versions_must_differ_in_version_and_date() {
    let text = demo_with("version = \"2025-07\"", "version = \"2024-01\"").replacen(
        "effective_from = 2025-07-01",
        "effective_from = 2024-01-01",
        1,
    );
    assert_eq!(paths(&refused(&text)), ["terms[1].version", "terms[1].effective_from"]);
}

#[test]
fn support_email_and_country_code_are_checked_for_shape() {
    let text =
        demo_with("partners@demo-vendor.example", "partners at demo").replacen("code = \"GB\"", "code = \"UK1\"", 1);
    assert_eq!(paths(&refused(&text)), ["program.support_email", "countries[1].code"]);
}

#[test]
fn the_demo_speaks_portuguese_too_and_falls_back_to_its_own_words() {
    let catalog = demo();
    let pack = catalog.offer("action-pack").expect("the Action Pack");
    assert_eq!(pack.name_in("pt-BR"), "Action Pack", "no Portuguese name: the name as written");
    assert!(pack.description_in("pt-BR").starts_with("Uma assinatura anual acessível"));
    assert_eq!(pack.description_in("de"), pack.description());
    assert_eq!(catalog.program().name_in("pt-BR"), "Rede de Parceiros Demo");
    let cloud = catalog.competencies().iter().find(|c| c.code().as_str() == "cloud-platform").unwrap();
    assert_eq!(cloud.name_in("pt-BR"), "Plataforma de Nuvem");
    let terms = catalog.terms_versions().last().unwrap();
    assert!(terms.text_in("pt-BR").contains("Direitos de uso interno"));
    assert_eq!(catalog.text_languages().into_iter().collect::<Vec<_>>(), vec!["pt-BR".to_owned()]);
}

#[test]
fn a_text_of_a_field_the_entry_does_not_have_is_refused() {
    let error = refused(&demo_with("[offers.texts.pt-BR]\n", "[offers.texts.pt-BR]\ntitle = \"x\"\n"));
    assert_eq!(paths(&error), vec!["offers[0].texts.pt-BR.title"]);
}
