//! The message files: one Fluent bundle per shipped language, built once from the files that
//! `build.rs` embedded, and the lookups the pages, e-mails and documents make.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::borrow::Cow;
use unic_langid::LanguageIdentifier;

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// A message file that does not parse, or a message defined twice in one language.
#[derive(Debug, thiserror::Error)]
#[error("{language}/{file}: {problem}")]
pub struct BadMessages {
    pub language: String,
    pub file: String,
    pub problem: String,
}

/// One shipped language: its tag as written in the folder name and its messages.
pub(crate) struct Language {
    pub tag: LanguageIdentifier,
    pub bundle: FluentBundle<FluentResource>,
}

/// Every language in `locales/`, in folder order.
pub(crate) fn load_embedded() -> Result<Vec<Language>, BadMessages> {
    EMBEDDED.iter().map(|(tag, files)| load_language(tag, files)).collect()
}

fn load_language(tag: &str, files: &[(&str, &str)]) -> Result<Language, BadMessages> {
    let bad = |file: &str, problem: String| BadMessages { language: tag.to_owned(), file: file.to_owned(), problem };
    let id: LanguageIdentifier = tag.parse().map_err(|e| bad("", format!("not a language tag: {e}")))?;
    let mut bundle = FluentBundle::new_concurrent(vec![id.clone()]);
    // Unicode isolation marks around every argument would reach the HTML and the PDFs.
    bundle.set_use_isolating(false);
    for (file, source) in files {
        let resource =
            FluentResource::try_new((*source).to_owned()).map_err(|(_, errors)| bad(file, format!("{errors:?}")))?;
        bundle.add_resource(resource).map_err(|errors| bad(file, format!("{errors:?}")))?;
    }
    Ok(Language { tag: id, bundle })
}

/// An argument of a message: text as given, or a number Fluent can choose a plural form by.
#[derive(Clone, Debug)]
pub enum Arg<'a> {
    Text(Cow<'a, str>),
    Number(i64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(value: &'a str) -> Self {
        Arg::Text(Cow::Borrowed(value))
    }
}
impl<'a> From<&'a String> for Arg<'a> {
    fn from(value: &'a String) -> Self {
        Arg::Text(Cow::Borrowed(value.as_str()))
    }
}
impl From<String> for Arg<'_> {
    fn from(value: String) -> Self {
        Arg::Text(Cow::Owned(value))
    }
}
macro_rules! number_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg<'_> {
            fn from(value: $t) -> Self {
                Arg::Number(i64::try_from(value).unwrap_or(i64::MAX))
            }
        }
        impl From<&$t> for Arg<'_> {
            fn from(value: &$t) -> Self {
                Arg::Number(i64::try_from(*value).unwrap_or(i64::MAX))
            }
        }
    )*};
}
number_arg!(i64, i32, u16, u32, u64, usize);

/// Formats `key` from `bundle`, or None when the language has no such message.
pub(crate) fn format(bundle: &FluentBundle<FluentResource>, key: &str, args: &[(&str, Arg<'_>)]) -> Option<String> {
    let pattern = bundle.get_message(key)?.value()?;
    let fluent_args = (!args.is_empty()).then(|| {
        let mut out = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            let value = match value {
                Arg::Text(text) => FluentValue::from(text.clone().into_owned()),
                Arg::Number(n) => FluentValue::from(*n),
            };
            out.set(*name, value);
        }
        out
    });
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, fluent_args.as_ref(), &mut errors);
    Some(text.into_owned())
}

/// Every message id of a language (terms, whose ids start with `-`, are left out: only the
/// message files use them).
pub(crate) fn message_ids(files: &[(&str, &str)]) -> Vec<String> {
    let mut ids = Vec::new();
    for (_, source) in files {
        let Ok(resource) = fluent_syntax::parser::parse(*source) else { continue };
        for entry in resource.body {
            if let fluent_syntax::ast::Entry::Message(message) = entry {
                ids.push(message.id.name.to_owned());
            }
        }
    }
    ids
}
