//! A message for a person, picked where the use case decides it and written later in the
//! reader's language: a key of the message files with its arguments. Logs and `Display` read it
//! in English, as the API's and the console's messages always read.

use chrono::NaiveDate;
use domain::money::{Currency, Money};
use i18n::{Arg, Key, Lang};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
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
    Phrase(Cow<'static, str>),
    /// A calendar day, in the one date style of the reader's language.
    Day(NaiveDate),
}

/// What a person reads: a message and its arguments, or (for words that come from below the
/// app, a gateway or a domain rule not yet given a key) text as it was written. A text read
/// back from the database ([`Text::from_stored`]) holds its key as stored.
#[derive(Clone, Debug)]
pub struct Text(Inner);

#[derive(Clone, Debug)]
enum Inner {
    Said {
        key: Cow<'static, str>,
        args: Vec<(Cow<'static, str>, Value)>,
    },
    Plain(String),
    /// Several texts, one a line.
    Lines(Vec<Text>),
}

impl Text {
    pub fn new(key: Key) -> Text {
        Text(Inner::Said { key: Cow::Borrowed(key.0), args: Vec::new() })
    }

    /// Texts one under the other, each on its own line.
    pub fn lines(lines: Vec<Text>) -> Text {
        Text(Inner::Lines(lines))
    }

    fn with(mut self, name: &'static str, value: Value) -> Text {
        if let Inner::Said { args, .. } = &mut self.0 {
            args.push((Cow::Borrowed(name), value));
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
        self.with(name, Value::Phrase(Cow::Borrowed(value.0)))
    }

    /// The text in `lang`.
    pub fn in_lang(&self, lang: &Lang) -> String {
        match &self.0 {
            Inner::Plain(text) => text.clone(),
            Inner::Lines(lines) => lines.iter().map(|l| l.in_lang(lang)).collect::<Vec<_>>().join("\n"),
            Inner::Said { key, args } => {
                let args: Vec<(&str, Arg<'_>)> = args
                    .iter()
                    .map(|(name, value)| {
                        let arg = match value {
                            Value::Text(text) => Arg::from(text.as_str()),
                            Value::Count(n) => Arg::from(*n),
                            Value::Money(m) => Arg::from(lang.money(*m)),
                            Value::Phrase(k) => Arg::from(lang.t(k)),
                            Value::Day(d) => Arg::from(lang.day(*d)),
                        };
                        (name.as_ref(), arg)
                    })
                    .collect();
                lang.t_with(key, &args)
            }
        }
    }

    /// The text as it is kept in the database, to be written later in each reader's language.
    pub fn to_stored(&self) -> String {
        serde_json::to_string(&self.stored()).unwrap_or_default()
    }

    /// A text kept with [`Text::to_stored`]; `None` when `stored` is not one.
    pub fn from_stored(stored: &str) -> Option<Text> {
        serde_json::from_str::<Stored>(stored).ok().and_then(Stored::text)
    }

    fn stored(&self) -> Stored {
        match &self.0 {
            Inner::Plain(text) => Stored::Plain(text.clone()),
            Inner::Lines(lines) => Stored::Lines(lines.iter().map(Text::stored).collect()),
            Inner::Said { key, args } => Stored::Said {
                key: key.to_string(),
                args: args
                    .iter()
                    .map(|(name, value)| {
                        let value = match value {
                            Value::Text(text) => StoredValue::Text(text.clone()),
                            Value::Count(n) => StoredValue::Count(*n),
                            Value::Money(m) => {
                                StoredValue::Money { minor: m.minor(), currency: m.currency().code().to_owned() }
                            }
                            Value::Phrase(k) => StoredValue::Phrase(k.to_string()),
                            Value::Day(d) => StoredValue::Day(*d),
                        };
                        (name.to_string(), value)
                    })
                    .collect(),
            },
        }
    }
}

/// The stored form of a [`Text`]: tagged JSON that a later version can still read.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Stored {
    Said { key: String, args: Vec<(String, StoredValue)> },
    Plain(String),
    Lines(Vec<Stored>),
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum StoredValue {
    Text(String),
    Count(i64),
    Money { minor: i64, currency: String },
    Phrase(String),
    Day(NaiveDate),
}

impl Stored {
    fn text(self) -> Option<Text> {
        Some(Text(match self {
            Stored::Plain(text) => Inner::Plain(text),
            Stored::Lines(lines) => Inner::Lines(lines.into_iter().map(Stored::text).collect::<Option<_>>()?),
            Stored::Said { key, args } => Inner::Said {
                key: Cow::Owned(key),
                args: args
                    .into_iter()
                    .map(|(name, value)| {
                        let value = match value {
                            StoredValue::Text(text) => Value::Text(text),
                            StoredValue::Count(n) => Value::Count(n),
                            StoredValue::Money { minor, currency } => {
                                Value::Money(Money::new(minor, Currency::parse(&currency).ok()?))
                            }
                            StoredValue::Phrase(k) => Value::Phrase(Cow::Owned(k)),
                            StoredValue::Day(d) => Value::Day(d),
                        };
                        Some((Cow::Owned(name), value))
                    })
                    .collect::<Option<_>>()?,
            },
        }))
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
            (Inner::Said { .. } | Inner::Lines(_), Some(en)) => f.write_str(&self.in_lang(en)),
            (Inner::Said { key, .. }, None) => f.write_str(key),
            (Inner::Lines(_), None) => f.write_str("…"),
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

    #[test]
    fn a_stored_text_reads_back_the_same_in_every_language() {
        let languages = i18n::Languages::embedded().expect("the message files load");
        let text = Text::lines(vec![
            Text::new(i18n::key("notification-renews-in-body"))
                .arg("offer", "Gold")
                .day("day", NaiveDate::from_ymd_opt(2028, 3, 15).unwrap())
                .money("price", Money::new(240000, Currency::parse("BRL").unwrap())),
            Text::new(i18n::key("notification-expired-body"))
                .arg("offer", "Gold")
                .day("day", NaiveDate::from_ymd_opt(2028, 3, 15).unwrap())
                .phrase("why", i18n::key("notification-why-renewal-off")),
            Text::from("as written"),
        ]);
        let back = Text::from_stored(&text.to_stored()).expect("it reads back");
        for tag in ["en", "pt-BR"] {
            let lang = languages.get(tag, chrono_tz::UTC);
            assert_eq!(back.in_lang(&lang), text.in_lang(&lang));
        }
        let pt = back.in_lang(&languages.get("pt-BR", chrono_tz::UTC));
        assert!(pt.contains("15 de março de 2028") && pt.contains("R$") && pt.ends_with("\nas written"), "{pt}");
        assert!(Text::from_stored("not a stored text").is_none());
    }
}
