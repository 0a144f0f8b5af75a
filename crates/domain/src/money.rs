//! Money, currencies and tax rates.
//!
//! Amounts are whole numbers of a currency's minor unit (cents, pence, yen) held in an `i64`;
//! decimal strings are converted exactly and no floating point is used anywhere, so an amount
//! read from the catalog, charged, invoiced and refunded is always the same number.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What went wrong with an amount, a currency or a tax rate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("{code:?} is not a supported currency; use one of {}", Currency::supported_codes())]
    UnknownCurrency { code: String },
    #[error("{input:?} is not an amount; write it like {example:?}")]
    NotAnAmount { input: String, example: String },
    #[error("{input:?} has more decimals than {currency} has; {}", decimals_hint(*exponent))]
    TooManyDecimals { input: String, currency: Currency, exponent: u8 },
    #[error("{input:?} is too large for an amount; check for extra digits")]
    AmountTooLarge { input: String },
    #[error("cannot combine {left} with {right}; amounts must be in the same currency")]
    CurrencyMismatch { left: Currency, right: Currency },
    #[error("the result of the calculation is too large to hold; check the amounts")]
    Overflow,
    #[error(
        "{input:?} is not a tax rate; write a percentage from 0 to 100 with at most \
         2 decimals, like \"8.25\""
    )]
    NotATaxRate { input: String },
}

macro_rules! currencies {
    ($($variant:ident = $code:literal, $exponent:literal;)+) => {
        /// An ISO 4217 currency from the fixed table we support, with its minor-unit exponent.
        ///
        /// Variants are declared in code order so that `Ord` sorts currencies alphabetically.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Currency {
            $(#[doc = $code] $variant,)+
        }

        impl Currency {
            /// Every supported currency, in code order.
            pub const ALL: &'static [Currency] = &[$(Currency::$variant,)+];

            /// The three-letter ISO 4217 code, e.g. "USD".
            pub fn code(self) -> &'static str {
                match self { $(Currency::$variant => $code,)+ }
            }

            /// How many decimals the minor unit has: 2 for USD (cents), 0 for JPY.
            pub fn exponent(self) -> u8 {
                match self { $(Currency::$variant => $exponent,)+ }
            }
        }
    };
}

currencies! {
    Aud = "AUD", 2; Brl = "BRL", 2; Cad = "CAD", 2; Chf = "CHF", 2; Dkk = "DKK", 2;
    Eur = "EUR", 2; Gbp = "GBP", 2; Inr = "INR", 2; Jpy = "JPY", 0; Krw = "KRW", 0;
    Mxn = "MXN", 2; Nok = "NOK", 2; Nzd = "NZD", 2; Pln = "PLN", 2; Sek = "SEK", 2;
    Sgd = "SGD", 2; Usd = "USD", 2; Zar = "ZAR", 2;
}

impl Currency {
    /// Parses an exact, uppercase ISO 4217 code; lowercase is refused so that stored codes
    /// always compare equal to what the catalog and the payment gateway use.
    pub fn parse(code: &str) -> Result<Currency, MoneyError> {
        Currency::ALL
            .iter()
            .copied()
            .find(|c| c.code() == code)
            .ok_or_else(|| MoneyError::UnknownCurrency { code: code.to_owned() })
    }

    fn supported_codes() -> String {
        let codes: Vec<&str> = Currency::ALL.iter().map(|c| c.code()).collect();
        codes.join(", ")
    }

    /// 10^exponent: how many minor units make one major unit.
    fn minor_per_major(self) -> i64 {
        10_i64.pow(u32::from(self.exponent()))
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::parse(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Currency::parse(&code).map_err(serde::de::Error::custom)
    }
}

/// An amount in minor units of one currency. Negative amounts exist (refunds, credit notes);
/// only `parse_decimal` refuses them because the catalog never states one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    pub fn zero(currency: Currency) -> Money {
        Money::new(0, currency)
    }

    pub fn minor(self) -> i64 {
        self.minor
    }

    pub fn currency(self) -> Currency {
        self.currency
    }

    /// Converts an exact decimal string such as "475.00" or "475" to minor units. Fewer decimals
    /// than the currency has are fine ("475.5" USD is 47550); more are refused rather than
    /// rounded, because a catalog price that silently changes is worse than an error.
    pub fn parse_decimal(input: &str, currency: Currency) -> Result<Money, MoneyError> {
        let not_an_amount = || MoneyError::NotAnAmount { input: input.to_owned(), example: example_amount(currency) };
        let (whole, fraction) = match input.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (input, None),
        };
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(whole) || fraction.is_some_and(|f| !all_digits(f)) {
            return Err(not_an_amount());
        }
        let fraction = fraction.unwrap_or("");
        let exponent = currency.exponent();
        if fraction.len() > usize::from(exponent) {
            return Err(MoneyError::TooManyDecimals { input: input.to_owned(), currency, exponent });
        }
        let too_large = || MoneyError::AmountTooLarge { input: input.to_owned() };
        let padded = format!("{fraction:0<width$}", width = usize::from(exponent));
        let fraction_minor: i64 = if padded.is_empty() { 0 } else { padded.parse().map_err(|_| too_large())? };
        let whole: i64 = whole.parse().map_err(|_| too_large())?;
        whole
            .checked_mul(currency.minor_per_major())
            .and_then(|m| m.checked_add(fraction_minor))
            .map(|minor| Money::new(minor, currency))
            .ok_or_else(too_large)
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.combine(other, i64::checked_add)
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.combine(other, i64::checked_sub)
    }

    fn combine(self, other: Money, op: fn(i64, i64) -> Option<i64>) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch { left: self.currency, right: other.currency });
        }
        op(self.minor, other.minor).map(|minor| Money::new(minor, self.currency)).ok_or(MoneyError::Overflow)
    }

    /// The amount without the currency code: "475.00" for USD, "475" for JPY, "-0.05".
    pub fn format_amount(self) -> String {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        let exponent = u32::from(self.currency.exponent());
        if exponent == 0 {
            return format!("{sign}{abs}");
        }
        let per_major = 10_u64.pow(exponent);
        let width = exponent as usize;
        format!("{sign}{}.{:0width$}", abs / per_major, abs % per_major)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.format_amount(), self.currency)
    }
}

fn decimals_hint(exponent: u8) -> String {
    match exponent {
        0 => "write a whole number".to_owned(),
        n => format!("write at most {n} decimals"),
    }
}

fn example_amount(currency: Currency) -> String {
    Money::new(44_000 * currency.minor_per_major() / 100, currency).format_amount()
}

/// A tax rate in basis points: 0 (0%) to 10000 (100%); 825 is 8.25%.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaxRate(u32);

impl TaxRate {
    pub const ZERO: TaxRate = TaxRate(0);
    const MAX_BASIS_POINTS: u32 = 10_000;

    pub fn from_basis_points(basis_points: u32) -> Result<TaxRate, MoneyError> {
        if basis_points > Self::MAX_BASIS_POINTS {
            return Err(MoneyError::NotATaxRate { input: TaxRate(basis_points).percent_string() });
        }
        Ok(TaxRate(basis_points))
    }

    pub fn basis_points(self) -> u32 {
        self.0
    }

    /// Parses a percentage written exactly, "8.25" or "20", with at most 2 decimals.
    pub fn parse_percent(input: &str) -> Result<TaxRate, MoneyError> {
        let refused = || MoneyError::NotATaxRate { input: input.to_owned() };
        // Percent with two decimals is basis points with no decimals, so reuse the exact
        // decimal parser with a two-decimal currency.
        let hundredths = Money::parse_decimal(input, Currency::Usd).map_err(|_| refused())?;
        let basis_points = u32::try_from(hundredths.minor()).map_err(|_| refused())?;
        TaxRate::from_basis_points(basis_points).map_err(|_| refused())
    }

    /// The tax on a net amount, in the net amount's currency.
    ///
    /// Rounding rule: the exact tax is rounded to the nearest minor unit, halves rounded away
    /// from zero (half up for charges). A refund of a charge therefore carries exactly the
    /// negated tax of the charge. With a rate of at most 100% the tax never exceeds the net.
    pub fn tax_on(self, net: Money) -> Money {
        let exact = i128::from(net.minor()) * i128::from(self.0);
        let denominator = i128::from(Self::MAX_BASIS_POINTS);
        let half = denominator / 2;
        let rounded = if exact >= 0 { (exact + half) / denominator } else { (exact - half) / denominator };
        // |rounded| <= |net.minor()| because the rate is at most 100%, so it fits in an i64.
        let minor = i64::try_from(rounded).expect("tax never exceeds the net amount");
        Money::new(minor, net.currency())
    }

    fn percent_string(self) -> String {
        let whole = self.0 / 100;
        match self.0 % 100 {
            0 => format!("{whole}"),
            f if f % 10 == 0 => format!("{whole}.{}", f / 10),
            f => format!("{whole}.{f:02}"),
        }
    }
}

impl fmt::Display for TaxRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.percent_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn usd(minor: i64) -> Money {
        Money::new(minor, Currency::Usd)
    }

    #[test]
    fn currency_parses_known_codes_and_refuses_others() {
        assert_eq!(Currency::parse("JPY"), Ok(Currency::Jpy));
        assert_eq!(Currency::Jpy.exponent(), 0);
        assert_eq!(Currency::Krw.exponent(), 0);
        assert_eq!(Currency::Eur.exponent(), 2);
        assert!(Currency::parse("usd").is_err());
        let err = Currency::parse("XYZ").unwrap_err().to_string();
        assert!(err.contains("\"XYZ\" is not a supported currency; use one of AUD, BRL"));
    }

    #[test]
    fn currency_serializes_as_its_code() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct Row {
            currency: Currency,
        }
        let text = toml::to_string(&Row { currency: Currency::Gbp }).unwrap();
        assert_eq!(text.trim(), "currency = \"GBP\"");
        let back: Row = toml::from_str(&text).unwrap();
        assert_eq!(back.currency, Currency::Gbp);
        assert!(toml::from_str::<Row>("currency = \"XXX\"").is_err());
    }

    #[test]
    fn parse_decimal_converts_exactly() {
        assert_eq!(Money::parse_decimal("475.00", Currency::Usd), Ok(usd(47_500)));
        assert_eq!(Money::parse_decimal("475.5", Currency::Usd), Ok(usd(47_550)));
        assert_eq!(Money::parse_decimal("475", Currency::Usd), Ok(usd(47_500)));
        assert_eq!(Money::parse_decimal("52000", Currency::Jpy), Ok(Money::new(52_000, Currency::Jpy)));
    }

    #[test]
    fn parse_decimal_refuses_what_is_not_an_exact_amount() {
        for input in ["", "4x0.00", "-5.00", "+5.00", ".50", "5.", "1 000", "1,00", "1e3"] {
            assert!(
                matches!(Money::parse_decimal(input, Currency::Usd), Err(MoneyError::NotAnAmount { .. })),
                "{input:?} should be refused"
            );
        }
        assert!(matches!(Money::parse_decimal("1.005", Currency::Usd), Err(MoneyError::TooManyDecimals { .. })));
        assert!(matches!(Money::parse_decimal("475.0", Currency::Jpy), Err(MoneyError::TooManyDecimals { .. })));
        assert!(matches!(
            Money::parse_decimal("92233720368547758.08", Currency::Usd),
            Err(MoneyError::AmountTooLarge { .. })
        ));
        let message = Money::parse_decimal("4x0.00", Currency::Eur).unwrap_err().to_string();
        assert_eq!(message, "\"4x0.00\" is not an amount; write it like \"440.00\"");
    }

    #[test]
    fn display_shows_amount_and_code() {
        assert_eq!(usd(47_500).to_string(), "475.00 USD");
        assert_eq!(usd(-5).to_string(), "-0.05 USD");
        assert_eq!(Money::new(475, Currency::Jpy).format_amount(), "475");
    }

    #[test]
    fn arithmetic_refuses_mixed_currencies_and_overflow() {
        assert_eq!(usd(100).checked_add(usd(23)), Ok(usd(123)));
        assert_eq!(usd(100).checked_sub(usd(123)), Ok(usd(-23)));
        assert!(matches!(usd(1).checked_add(Money::new(1, Currency::Eur)), Err(MoneyError::CurrencyMismatch { .. })));
        assert_eq!(usd(i64::MAX).checked_add(usd(1)), Err(MoneyError::Overflow));
    }

    #[test]
    fn tax_rate_parses_percent_and_rounds_half_up() {
        let rate = TaxRate::parse_percent("8.25").unwrap();
        assert_eq!(rate.basis_points(), 825);
        assert_eq!(rate.to_string(), "8.25%");
        assert_eq!(TaxRate::parse_percent("20").unwrap().to_string(), "20%");
        assert_eq!(TaxRate::parse_percent("7.5").unwrap().to_string(), "7.5%");
        for bad in ["100.01", "8.255", "-1", "", "abc"] {
            assert!(TaxRate::parse_percent(bad).is_err(), "{bad:?}");
        }
        // 19% of 0.50 is 0.095, which rounds half up to 0.10.
        let de = TaxRate::parse_percent("19").unwrap();
        assert_eq!(de.tax_on(usd(50)), usd(10));
        assert_eq!(de.tax_on(usd(-50)), usd(-10));
        assert_eq!(rate.tax_on(usd(47_500)), usd(3_919));
    }

    proptest! {
        #[test]
        fn parse_and_format_round_trip(minor in 0_i64..=i64::MAX, jpy in any::<bool>()) {
            let currency = if jpy { Currency::Jpy } else { Currency::Usd };
            let money = Money::new(minor, currency);
            prop_assert_eq!(Money::parse_decimal(&money.format_amount(), currency), Ok(money));
        }

        #[test]
        fn tax_is_between_zero_and_net(net in 0_i64..=i64::MAX, bp in 0_u32..=10_000) {
            let tax = TaxRate::from_basis_points(bp).unwrap().tax_on(usd(net));
            prop_assert!(tax.minor() >= 0);
            prop_assert!(tax.minor() <= net);
        }

        #[test]
        fn tax_on_a_refund_mirrors_the_charge(net in 0_i64..=i64::MAX, bp in 0_u32..=10_000) {
            let rate = TaxRate::from_basis_points(bp).unwrap();
            prop_assert_eq!(rate.tax_on(usd(-net)).minor(), -rate.tax_on(usd(net)).minor());
        }

        #[test]
        fn addition_is_associative(a in -1_i64 << 60..1 << 60, b in -1_i64 << 60..1 << 60,
                                   c in -1_i64 << 60..1 << 60) {
            let left = usd(a).checked_add(usd(b)).and_then(|ab| ab.checked_add(usd(c)));
            let right = usd(b).checked_add(usd(c)).and_then(|bc| usd(a).checked_add(bc));
            prop_assert_eq!(left, right);
        }

        #[test]
        fn percent_round_trips(bp in 0_u32..=10_000) {
            let rate = TaxRate::from_basis_points(bp).unwrap();
            let text = rate.to_string();
            prop_assert_eq!(TaxRate::parse_percent(text.trim_end_matches('%')), Ok(rate));
        }
    }
}
