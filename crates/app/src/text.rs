//! A message for a person, picked where the use case decides it and written later in the
//! reader's language: a key of the message files with its arguments. Logs and `Display` read it
//! in English, as the API's and the console's messages always read.

use chrono::NaiveDate;
use domain::money::Money;
use i18n::{Arg, Key, Lang};
use std::fmt;
use std::sync::OnceLock;

/// One argument of a [`Text`].
#[derive(Clone, Debug)]
enum Value {
    Text(String),
    /// A count: the message may pick its plural form by it.
    Count(i64),
    /// Money, written as the reader's locale writes it.
    Money(Money),
    /// Another message, written in the same language (a phrase such as "see invoices").
    Phrase(Key),
    /// A calendar day, in the one date style of the reader's language.
    Day(NaiveDate),
}

/// What a person reads: a message and its arguments, or (for words that come from below the
/// app, a gateway or a domain rule not yet given a key) text as it was written.
#[derive(Clone, Debug)]
pub struct Text(Inner);

#[derive(Clone, Debug)]
enum Inner {
    Said { key: Key, args: Vec<(&'static str, Value)> },
    Plain(String),
}

impl Text {
    pub fn new(key: Key) -> Text {
        Text(Inner::Said { key, args: Vec::new() })
    }

    fn with(mut self, name: &'static str, value: Value) -> Text {
        if let Inner::Said { args, .. } = &mut self.0 {
            args.push((name, value));
        }
        self
    }

    /// A text argument: a name, an address, an offer.
    pub fn arg(self, name: &'static str, value: impl fmt::Display) -> Text {
        self.with(name, Value::Text(value.to_string()))
    }

    /// A number the message may choose its plural form by.
    pub fn count(self, name: &'static str, value: impl TryInto<i64>) -> Text {
        self.with(name, Value::Count(value.try_into().unwrap_or(i64::MAX)))
    }

    /// An amount, as the reader's locale writes money.
    pub fn money(self, name: &'static str, value: Money) -> Text {
        self.with(name, Value::Money(value))
    }

    /// A calendar day, as the reader's language writes dates.
    pub fn day(self, name: &'static str, value: NaiveDate) -> Text {
        self.with(name, Value::Day(value))
    }

    /// Another message, in the reader's language too.
    pub fn phrase(self, name: &'static str, value: Key) -> Text {
        self.with(name, Value::Phrase(value))
    }

    /// The text in `lang`.
    pub fn in_lang(&self, lang: &Lang) -> String {
        match &self.0 {
            Inner::Plain(text) => text.clone(),
            Inner::Said { key, args } => {
                let args: Vec<(&str, Arg<'_>)> = args
                    .iter()
                    .map(|(name, value)| {
                        let arg = match value {
                            Value::Text(text) => Arg::from(text.as_str()),
                            Value::Count(n) => Arg::from(*n),
                            Value::Money(m) => Arg::from(lang.money(*m)),
                            Value::Phrase(k) => Arg::from(lang.text(*k)),
                            Value::Day(d) => Arg::from(lang.day(*d)),
                        };
                        (*name, arg)
                    })
                    .collect();
                lang.t_with(key.0, &args)
            }
        }
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        Text(Inner::Plain(text))
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Text(Inner::Plain(text.to_owned()))
    }
}

impl From<Key> for Text {
    fn from(key: Key) -> Text {
        Text::new(key)
    }
}

/// English, the language of logs and of `Display`; None only if the embedded message files
/// are broken, which the tests catch first.
pub fn english() -> Option<&'static Lang> {
    static ENGLISH: OnceLock<Option<Lang>> = OnceLock::new();
    ENGLISH.get_or_init(|| i18n::Languages::embedded().ok().map(|l| l.get("en", chrono_tz::UTC))).as_ref()
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.0, english()) {
            (Inner::Plain(text), _) => f.write_str(text),
            (Inner::Said { .. }, Some(en)) => f.write_str(&self.in_lang(en)),
            (Inner::Said { key, .. }, None) => f.write_str(key.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_body_keeps_its_paragraphs_and_a_text_its_english_words() {
        let en = english().expect("the message files load");
        let args = [
            ("inviter", "Ada".into()),
            ("org", "Contoso".into()),
            ("program", "Demo".into()),
            ("role", "Member".into()),
            ("days", 7.into()),
            ("link", "https://x.example/i/1".into()),
        ];
        assert_eq!(
            en.t_with("email-invitation-body", &args),
            "Ada invited you to join Contoso in the Demo portal as Member.\n\nAccept the invitation here (the link \
             works for 7 days):\nhttps://x.example/i/1"
        );
        let text =
            Text::new(i18n::key("error-role-does-not-allow")).phrase("what", i18n::key("error-act-see-invoices"));
        assert_eq!(text.to_string(), "your role does not allow you to see invoices");
    }
}
