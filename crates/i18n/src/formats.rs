//! Money, numbers, dates and times as a locale writes them, from the CLDR data that ICU4X
//! bakes in. Formatters are built on first use for a (locale, currency) and kept.

use chrono::{DateTime, Datelike, NaiveDate, Offset, Timelike, Utc};
use domain::money::{Currency, Money};
use fixed_decimal::Decimal;
use icu_calendar::{Date, Gregorian, Iso};
use icu_datetime::FixedCalendarDateTimeFormatter;
use icu_datetime::fieldsets::{self, zone};
use icu_datetime::options::TimePrecision;
use icu_decimal::DecimalFormatter;
use icu_experimental::dimension::currency::CurrencyType;
use icu_experimental::dimension::currency::formatter::CurrencyFormatter;
use icu_experimental::displaynames::multi::RegionDisplayNames;
use icu_locale_core::Locale;
use icu_time::zone::{UtcOffset, ZoneNameTimestamp};
use icu_time::{Time, TimeZone, ZonedDateTime};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

type DayFormatter = FixedCalendarDateTimeFormatter<Gregorian, fieldsets::YMD>;
type ZonedFormatter = FixedCalendarDateTimeFormatter<Gregorian, fieldsets::Combo<fieldsets::YMDT, zone::SpecificShort>>;

/// The formatters of one locale, each made when first needed.
pub(crate) struct Formats {
    locale: Locale,
    decimal: DecimalFormatter,
    day: DayFormatter,
    zoned: ZonedFormatter,
    regions: RegionDisplayNames,
    money: Mutex<HashMap<Currency, Arc<CurrencyFormatter<DecimalFormatter>>>>,
}

impl Formats {
    /// The formatters for `locale`; CLDR falls back to the nearest locale it has (in the end
    /// the root locale), so this only fails on broken baked data.
    pub(crate) fn new(locale: Locale) -> Formats {
        let decimal = DecimalFormatter::try_new((&locale).into(), Default::default()).expect("baked decimal data");
        let day = DayFormatter::try_new((&locale).into(), fieldsets::YMD::long()).expect("baked date data");
        let zoned = ZonedFormatter::try_new(
            (&locale).into(),
            fieldsets::YMDT::long().with_time_precision(TimePrecision::Minute).with_zone(zone::SpecificShort),
        )
        .expect("baked date and zone data");
        let regions = RegionDisplayNames::try_new((&locale).into(), Default::default()).expect("baked region names");
        Formats { locale, decimal, day, zoned, regions, money: Mutex::new(HashMap::new()) }
    }

    /// "R$ 2.400,00", "$2,400.00", "¥70,000", "1.234,56 €".
    pub(crate) fn money(&self, amount: Money) -> String {
        let formatter = self.money_formatter(amount.currency());
        formatter.format_fixed_decimal(&decimal_of(amount)).to_string()
    }

    fn money_formatter(&self, currency: Currency) -> Arc<CurrencyFormatter<DecimalFormatter>> {
        let mut cache = self.money.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .entry(currency)
            .or_insert_with(|| {
                let code = CurrencyType::try_from_str(currency.code()).expect("an ISO 4217 code");
                Arc::new(
                    CurrencyFormatter::try_new_symbol((&self.locale).into(), code, Default::default())
                        .expect("baked currency data"),
                )
            })
            .clone()
    }

    /// An amount without its currency, with the currency's decimals: "2.400,00".
    pub(crate) fn amount(&self, amount: Money) -> String {
        self.decimal.format(&decimal_of(amount)).to_string()
    }

    /// A count or other integer with the locale's grouping: "12.345".
    pub(crate) fn number(&self, n: i64) -> String {
        self.decimal.format(&Decimal::from(n)).to_string()
    }

    /// A country's name from its ISO 3166 code: "Brasil" in pt-BR, "Brazil" in en.
    pub(crate) fn country(&self, code: &str) -> Option<String> {
        let region = icu_locale_core::subtags::Region::try_from_str(code).ok()?;
        self.regions.of(region).map(str::to_owned)
    }

    /// A rate given in basis points, as a plain number in the locale's way: 2050 → "20,5".
    pub(crate) fn basis_points(&self, basis_points: u32) -> String {
        let mut value = Decimal::from(basis_points);
        value.multiply_pow10(-2);
        value.absolute.trim_end();
        self.decimal.format(&value).to_string()
    }

    /// "6 de dezembro de 2026", "December 6, 2026".
    pub(crate) fn day(&self, day: NaiveDate) -> String {
        match gregorian(day) {
            Some(date) => self.day.format(&date).to_string(),
            None => day.to_string(),
        }
    }

    /// A moment in `tz`, with the zone named: "6 de dezembro de 2026 14:30 BRT".
    pub(crate) fn moment(&self, at: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
        let local = at.with_timezone(&tz);
        let offset = local.offset().fix().local_minus_utc();
        let Some(date) = gregorian(local.date_naive()) else { return at.to_rfc3339() };
        let Ok(time) = Time::try_new(local.hour() as u8, local.minute() as u8, 0, 0) else { return at.to_rfc3339() };
        let zone = TimeZone::from_iana_id(tz.name())
            .with_offset(UtcOffset::try_from_seconds(offset).ok())
            .with_zone_name_timestamp(ZoneNameTimestamp::from_epoch_seconds(at.timestamp()));
        self.zoned.format(&ZonedDateTime { date, time, zone }).to_string()
    }
}

fn decimal_of(amount: Money) -> Decimal {
    let mut value = Decimal::from(amount.minor());
    value.multiply_pow10(-i16::from(amount.currency().exponent()));
    // Keep the currency's decimals even when they are zeros: 2400.00, not 2400.
    value.absolute.pad_end(-i16::from(amount.currency().exponent()));
    value
}

fn gregorian(day: NaiveDate) -> Option<Date<Gregorian>> {
    let month = u8::try_from(day.month()).ok()?;
    let of_month = u8::try_from(day.day()).ok()?;
    Date::<Iso>::try_new_iso(day.year(), month, of_month).ok().map(|d| d.to_calendar(Gregorian))
}

/// The locale's decimal separator, as its number format writes it (',' in pt-BR, '.' in en).
pub(crate) fn decimal_separator(formats: &Formats) -> char {
    // 1.5 written by the locale: the only character that is not a digit is the separator.
    let mut half = Decimal::from(15);
    half.multiply_pow10(-1);
    formats.decimal.format(&half).to_string().chars().find(|c| !c.is_ascii_digit()).unwrap_or('.')
}
