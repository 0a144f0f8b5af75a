//! The values people type when they sign up, are invited or sign in, parsed into types that can
//! only hold a valid value.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a typed value was refused; the message says what to type instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InvalidInput {
    /// The form or API field the value came from.
    pub field: &'static str,
    /// The message in English, for logs and for readers of a language without `said`.
    pub message: String,
    /// The same message as a message id of the message files with its arguments, when its
    /// words carry values (a limit, a file's name) that a fixed text cannot.
    pub said: Option<Said>,
}

/// A message id and its arguments, written in the reader's language above the domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    pub id: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl InvalidInput {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        InvalidInput { field, message: message.into(), said: None }
    }

    /// The message as `id` with `args`, for every language.
    pub fn said(mut self, id: &'static str, args: &[(&'static str, &dyn std::fmt::Display)]) -> Self {
        let args = args.iter().map(|(name, value)| (*name, value.to_string())).collect();
        self.said = Some(Said { id, args });
        self
    }
}

fn has_control_chars(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// The invisible marks that change the direction text is shown in (embeddings, overrides,
/// isolates and direction marks). In a name they can make `cod.exe` read as `exe.doc`, or
/// one company's name pass for another's, so names and file names never keep them.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// `text` without its direction controls (see [`is_bidi_control`]).
pub fn without_bidi_controls(text: &str) -> String {
    text.chars().filter(|c| !is_bidi_control(*c)).collect()
}

/// An e-mail address, trimmed and lower-cased so that one person has one address.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let value = raw.trim().to_lowercase();
        let bad = || InvalidInput::new("email", "enter an e-mail address like name@example.com");
        if value.is_empty() || value.len() > 254 || has_control_chars(&value) {
            return Err(bad());
        }
        let (local, domain) = value.split_once('@').ok_or_else(bad)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains(char::is_whitespace)
            && !local.contains(['@', '<', '>', '(', ')', ',', ';', ':', '"', '[', ']', '\\']);
        if domain_ok && local_ok { Ok(EmailAddress(value)) } else { Err(bad()) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = InvalidInput;
    fn try_from(value: String) -> Result<Self, InvalidInput> {
        Self::parse(&value)
    }
}

impl From<EmailAddress> for String {
    fn from(e: EmailAddress) -> String {
        e.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A trimmed, single-line piece of text of bounded length: a person's or a company's name.
/// Direction controls are dropped, not refused: they are invisible, so the person could not
/// see what to take out.
fn parse_line(field: &'static str, what: &str, raw: &str, min: usize, max: usize) -> Result<String, InvalidInput> {
    let shown = without_bidi_controls(raw);
    let value = shown.trim();
    let len = value.chars().count();
    if has_control_chars(value) {
        return Err(InvalidInput::new(field, format!("the {what} must be a single line of text")));
    }
    if !(min..=max).contains(&len) {
        return Err(InvalidInput::new(field, format!("enter a {what} of {min} to {max} characters")));
    }
    Ok(value.to_owned())
}

macro_rules! line_type {
    ($(#[$doc:meta])* $name:ident, $field:literal, $what:literal, $min:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
                parse_line($field, $what, raw, $min, $max).map(Self)
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidInput;
            fn try_from(value: String) -> Result<Self, InvalidInput> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

line_type!(
    /// A person's full name.
    PersonName, "name", "name", 1, 100
);
line_type!(
    /// A partner company's name.
    CompanyName, "company_name", "company name", 2, 200
);
line_type!(
    /// The label a user gives a personal API token.
    TokenName, "name", "token name", 1, 60
);
line_type!(
    /// The label a person gives one of their passkeys ("Work laptop", "Phone").
    PasskeyName, "name", "passkey name", 1, 60
);

/// A password someone chose; it never prints and is only kept long enough to hash it.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 128;

    /// Decided: length is the rule (NIST SP 800-63B), no composition rules; a password that is
    /// the e-mail address, one repeated character, or too common (`common_password`) is refused.
    pub fn parse(raw: &str, email: Option<&EmailAddress>) -> Result<Self, InvalidInput> {
        let len = raw.chars().count();
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&len) {
            return Err(InvalidInput::new(
                "password",
                format!("choose a password of {} to {} characters", Self::MIN_CHARS, Self::MAX_CHARS),
            ));
        }
        let mut chars = raw.chars();
        let first = chars.next();
        if chars.all(|c| Some(c) == first) {
            return Err(InvalidInput::new("password", "choose a password that is not one repeated character"));
        }
        if email.is_some_and(|e| raw.trim().eq_ignore_ascii_case(e.as_str())) {
            return Err(InvalidInput::new("password", "choose a password that is not your e-mail address"));
        }
        if crate::common_password::is_too_common(raw) {
            return Err(InvalidInput::new("password", "this password is too common; choose another"));
        }
        Ok(NewPassword(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised() {
        let e = EmailAddress::parse("  Ada.Lovelace@Example.COM ").unwrap();
        assert_eq!(e.as_str(), "ada.lovelace@example.com");
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada@.com",
            "a da@example.com",
            "ada@exa mple.com",
            "ada@example..com",
            "a\n@example.com",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(PersonName::parse("  Ada  ").unwrap().as_str(), "Ada");
        assert!(PersonName::parse("   ").is_err());
        assert!(PersonName::parse(&"x".repeat(101)).is_err());
        assert!(CompanyName::parse("A").is_err());
        assert!(CompanyName::parse("Contoso\nLtd").is_err());
    }

    #[test]
    fn passwords_follow_the_length_rule() {
        let email = EmailAddress::parse("ada@example.com").unwrap();
        assert!(NewPassword::parse("short", None).is_err());
        assert!(NewPassword::parse(&"a".repeat(20), None).is_err());
        assert!(NewPassword::parse("ADA@example.com", Some(&email)).is_err());
        assert!(NewPassword::parse(&"x".repeat(129), None).is_err());
        assert!(NewPassword::parse("correct horse battery", Some(&email)).is_ok());
    }

    #[test]
    fn common_passwords_are_refused_with_a_clear_message() {
        let e = NewPassword::parse("Password2027!", None).unwrap_err();
        assert_eq!((e.field, e.message.as_str()), ("password", "this password is too common; choose another"));
        assert!(NewPassword::parse("qwertyuiop123", None).is_err());
    }

    #[test]
    fn names_lose_their_direction_controls() {
        let spoof = "Contoso \u{202E}cod.exe\u{202C} Ltd";
        assert_eq!(CompanyName::parse(spoof).unwrap().as_str(), "Contoso cod.exe Ltd");
        let marks = "\u{200F}Ada\u{2066} Lovelace\u{2069}\u{061C}\u{200E}\u{202A}\u{202B}\u{202D}\u{2067}\u{2068}";
        assert_eq!(PersonName::parse(marks).unwrap().as_str(), "Ada Lovelace");
        assert!(PersonName::parse("\u{202E}\u{202E}").is_err(), "nothing left to show");
        assert_eq!(PersonName::parse("João Ñandú").unwrap().as_str(), "João Ñandú");
    }

    #[test]
    fn a_password_never_prints() {
        let p = NewPassword::parse("correct horse battery", None).unwrap();
        assert!(!format!("{p:?}").contains("horse"));
    }
}
