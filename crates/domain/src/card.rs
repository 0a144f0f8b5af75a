//! Card details as a person types them: the number (Luhn-checked, never printed), the expiry and
//! the CVC. Only the payment gateway ever keeps a number; we keep brand, last four and expiry.

use crate::account::InvalidInput;
use chrono::{Datelike, NaiveDate};
use std::fmt;

/// The card networks we recognise by their number prefixes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardBrand {
    Visa,
    Mastercard,
    Amex,
    Discover,
    Other,
}

impl CardBrand {
    fn of(digits: &str) -> CardBrand {
        let prefix = |n: usize| digits.get(..n).and_then(|p| p.parse::<u32>().ok()).unwrap_or(0);
        match () {
            _ if digits.starts_with('4') => CardBrand::Visa,
            _ if (51..=55).contains(&prefix(2)) || (2221..=2720).contains(&prefix(4)) => CardBrand::Mastercard,
            _ if matches!(prefix(2), 34 | 37) => CardBrand::Amex,
            _ if prefix(4) == 6011 || prefix(2) == 65 => CardBrand::Discover,
            _ => CardBrand::Other,
        }
    }

    /// The lower-case name gateways use (`visa`, `mastercard`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            CardBrand::Visa => "visa",
            CardBrand::Mastercard => "mastercard",
            CardBrand::Amex => "amex",
            CardBrand::Discover => "discover",
            CardBrand::Other => "card",
        }
    }
}

/// A card number that passed the Luhn check. Its `Debug` shows only the last four digits.
#[derive(Clone, PartialEq, Eq)]
pub struct CardNumber(String);

fn luhn_ok(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

impl CardNumber {
    /// Accepts digits with spaces or dashes between them.
    pub fn parse(raw: &str) -> Result<CardNumber, InvalidInput> {
        let digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let bad = || InvalidInput::new("card_number", "enter the card number as printed on the card");
        if !(12..=19).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        if !luhn_ok(&digits) {
            return Err(InvalidInput::new("card_number", "this card number is not valid; check it for a typo"));
        }
        Ok(CardNumber(digits))
    }

    pub fn brand(&self) -> CardBrand {
        CardBrand::of(&self.0)
    }

    pub fn last4(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }

    /// The digits, for handing to the gateway and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CardNumber(…{})", self.last4())
    }
}

/// The month and year a card expires; it works until the end of that month.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CardExpiry {
    pub month: u8,
    pub year: u16,
}

impl CardExpiry {
    /// `year` may have two or four digits. A card that expired before `today` is refused.
    pub fn parse(month: &str, year: &str, today: NaiveDate) -> Result<CardExpiry, InvalidInput> {
        let month: u8 = month
            .trim()
            .parse()
            .ok()
            .filter(|m| (1..=12).contains(m))
            .ok_or_else(|| InvalidInput::new("exp_month", "enter the expiry month as 1 to 12"))?;
        let year = year.trim();
        let year: u16 = match (year.len(), year.parse::<u16>()) {
            (2, Ok(y)) => 2000 + y,
            (4, Ok(y)) => y,
            _ => return Err(InvalidInput::new("exp_year", "enter the expiry year like 2029")),
        };
        let expiry = CardExpiry { month, year };
        if (i32::from(year), u32::from(month)) < (today.year(), today.month()) {
            return Err(InvalidInput::new("exp_year", "this card has expired; use another card"));
        }
        if i32::from(year) > today.year() + 20 {
            return Err(InvalidInput::new("exp_year", "enter the expiry year printed on the card"));
        }
        Ok(expiry)
    }
}

/// The security code: three digits, four for American Express. Never stored anywhere.
#[derive(Clone, PartialEq, Eq)]
pub struct Cvc(String);

impl Cvc {
    pub fn parse(raw: &str, brand: CardBrand) -> Result<Cvc, InvalidInput> {
        let raw = raw.trim();
        let want = if brand == CardBrand::Amex { 4 } else { 3 };
        if raw.len() == want && raw.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Cvc(raw.to_owned()))
        } else {
            Err(InvalidInput::new("cvc", format!("enter the {want}-digit security code")))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Cvc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Cvc(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 3, 15).unwrap()
    }

    #[test]
    fn test_cards_pass_luhn_and_know_their_brand() {
        let visa = CardNumber::parse("4242 4242 4242 4242").unwrap();
        assert_eq!((visa.brand(), visa.last4()), (CardBrand::Visa, "4242"));
        assert_eq!(CardNumber::parse("5555555555554444").unwrap().brand(), CardBrand::Mastercard);
        assert_eq!(CardNumber::parse("378282246310005").unwrap().brand(), CardBrand::Amex);
        assert!(CardNumber::parse("4242424242424241").is_err(), "Luhn");
        assert!(CardNumber::parse("4242").is_err());
        assert!(CardNumber::parse("4242x42424242424").is_err());
    }

    #[test]
    fn a_card_number_never_prints() {
        let n = CardNumber::parse("4242424242424242").unwrap();
        assert_eq!(format!("{n:?}"), "CardNumber(…4242)");
        let c = Cvc::parse("123", CardBrand::Visa).unwrap();
        assert!(!format!("{c:?}").contains("123"));
    }

    #[test]
    fn expiry_works_to_the_end_of_its_month() {
        assert!(CardExpiry::parse("3", "2027", today()).is_ok(), "this month still works");
        assert!(CardExpiry::parse("2", "27", today()).is_err(), "last month has expired");
        assert_eq!(CardExpiry::parse("12", "30", today()).unwrap(), CardExpiry { month: 12, year: 2030 });
        assert!(CardExpiry::parse("13", "2030", today()).is_err());
        assert!(CardExpiry::parse("1", "2099", today()).is_err());
    }

    #[test]
    fn cvc_length_follows_the_brand() {
        assert!(Cvc::parse("1234", CardBrand::Amex).is_ok());
        assert!(Cvc::parse("123", CardBrand::Amex).is_err());
        assert!(Cvc::parse("12a", CardBrand::Visa).is_err());
    }

    proptest! {
        #[test]
        fn changing_one_digit_breaks_luhn(pos in 0usize..16, delta in 1u8..10) {
            let mut digits: Vec<u8> = b"4242424242424242".to_vec();
            digits[pos] = b'0' + (digits[pos] - b'0' + delta) % 10;
            let s = String::from_utf8(digits).unwrap();
            prop_assert!(CardNumber::parse(&s).is_err());
        }
    }
}
