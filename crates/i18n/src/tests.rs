use super::*;
use domain::money::Currency;

fn lang(tag: &str) -> Lang {
    Languages::embedded().expect("message files parse").choose([tag], chrono_tz::America::Sao_Paulo)
}

#[test]
fn money_reads_as_each_locale_writes_it() {
    let brl = Money::new(240_000, Currency::parse("BRL").unwrap());
    let usd = Money::new(240_000, Currency::parse("USD").unwrap());
    let jpy = Money::new(70_000, Currency::parse("JPY").unwrap());
    let eur = Money::new(123_456, Currency::parse("EUR").unwrap());
    println!(
        "{} | {} | {} | {}",
        lang("pt-BR").money(brl),
        lang("en").money(usd),
        lang("en").money(jpy),
        lang("de-DE").money(eur)
    );
    assert_eq!(lang("pt-BR").money(brl), "R$\u{a0}2.400,00");
    assert_eq!(lang("en").money(usd), "$2,400.00");
    assert_eq!(lang("en").money(jpy), "¥70,000");
    assert_eq!(lang("de-DE").money(eur), "1.234,56\u{a0}€");
}

#[test]
fn dates_and_moments_read_as_each_locale_writes_them() {
    let day = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
    assert_eq!(lang("pt-BR").day(day), "6 de dezembro de 2026");
    assert_eq!(lang("en").day(day), "December 6, 2026");
    let at = DateTime::parse_from_rfc3339("2026-12-06T17:30:00Z").unwrap().with_timezone(&Utc);
    println!("{} | {}", lang("pt-BR").moment(at), lang("en").moment(at));
}

#[test]
fn a_moment_is_written_to_the_minute_in_the_readers_zone_and_names_it() {
    let at = DateTime::parse_from_rfc3339("2026-12-06T17:30:45Z").unwrap().with_timezone(&Utc);
    assert_eq!(lang("pt-BR").moment(at), "6 de dezembro de 2026 às 14:30 BRT");
    assert_eq!(lang("en").moment(at), "December 6, 2026 at 2:30\u{202f}PM GMT-3");
    assert_eq!(lang("en").in_time_zone(chrono_tz::Asia::Tokyo).moment(at), "December 7, 2026 at 2:30\u{202f}AM GMT+9");
}

#[test]
fn countries_are_named_in_the_readers_language() {
    assert_eq!(lang("pt-BR").country("BR").as_deref(), Some("Brasil"));
    assert_eq!(lang("pt-BR").country("JP").as_deref(), Some("Japão"));
    assert_eq!(lang("en").country("DE").as_deref(), Some("Germany"));
    assert_eq!(lang("en").country("not a code"), None);
}

#[test]
fn a_rate_in_basis_points_keeps_only_the_decimals_it_has() {
    assert_eq!(lang("en").percent_of_basis_points(2000), "20");
    assert_eq!(lang("en").percent_of_basis_points(2050), "20.5");
    assert_eq!(lang("pt-BR").percent_of_basis_points(725), "7,25");
    assert_eq!(lang("pt-BR").percent_of_basis_points(0), "0");
}

#[test]
fn amounts_are_read_with_the_locales_decimal_mark_or_a_plain_point() {
    let brl = Currency::parse("BRL").unwrap();
    let pt = lang("pt-BR");
    assert_eq!(pt.parse_amount("5,00", brl).unwrap().minor(), 500);
    assert_eq!(pt.parse_amount("1.234,56", brl).unwrap().minor(), 123_456);
    assert_eq!(pt.parse_amount("5.5", brl).unwrap().minor(), 550);
    assert_eq!(pt.parse_amount("1.234", brl).unwrap().minor(), 123_400);
    let en = lang("en");
    assert_eq!(en.parse_amount("1,234.56", brl).unwrap().minor(), 123_456);
    assert_eq!(en.parse_amount("5.00", brl).unwrap().minor(), 500);
    assert!(en.parse_amount("5,0,0.1.2", brl).is_err());
    assert!(pt.parse_amount("abc", brl).is_err());
}

#[test]
fn the_nearest_shipped_language_serves_a_wish_and_english_is_the_last_resort() {
    assert_eq!(lang("pt-BR").tag(), "pt-BR");
    assert_eq!(lang("pt").tag(), "pt-BR");
    assert_eq!(lang("pt-PT").tag(), "pt-BR");
    assert_eq!(lang("en-GB").tag(), "en");
    assert_eq!(lang("ja").tag(), "en");
    let languages = Languages::embedded().unwrap();
    let chosen = languages.choose(["de-DE", "pt-BR", "en"], chrono_tz::UTC);
    assert_eq!(chosen.tag(), "pt-BR", "German is not shipped, the reader's second wish is");
    assert_eq!(chosen.money(Money::new(123_456, Currency::parse("EUR").unwrap())), "1.234,56\u{a0}€");
}

#[test]
fn accept_language_ranges_come_in_order_of_preference() {
    assert_eq!(parse_accept_language("en;q=0.5, pt-BR, *;q=0.1, fr;q=0"), vec!["pt-BR", "en"]);
    assert_eq!(parse_accept_language(""), Vec::<String>::new());
    assert_eq!(parse_accept_language("de-DE,de;q=0.9,en;q=0.8"), vec!["de-DE", "de", "en"]);
}

#[test]
fn a_missing_message_falls_back_to_english_then_to_its_id() {
    assert_eq!(lang("pt-BR").t("product-name"), "partnerhub");
    assert_eq!(lang("pt-BR").t("no-such-message"), "no-such-message");
}
