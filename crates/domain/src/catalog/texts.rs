//! A catalog entry's own words in other languages: `[offers.texts.pt-BR] name = "…"`. A text
//! not given in a reader's language falls back to the one written in the entry itself, which
//! is in the program's default language. Which languages exist is the app's to know; here a
//! language is a tag.

use std::collections::BTreeMap;

use super::error::Problems;

/// The translated fields of one entry, by language tag, then by field name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Texts(BTreeMap<String, BTreeMap<String, String>>);

impl Texts {
    /// `field` in the language `tag` ("pt-BR"), or in its language alone ("pt"), if given.
    pub fn get(&self, tag: &str, field: &str) -> Option<&str> {
        let exact = self.0.iter().find(|(t, _)| t.eq_ignore_ascii_case(tag)).and_then(|(_, f)| f.get(field));
        let language = tag.split('-').next().unwrap_or(tag);
        let broad = || self.0.iter().find(|(t, _)| t.eq_ignore_ascii_case(language)).and_then(|(_, f)| f.get(field));
        exact.or_else(broad).map(String::as_str)
    }

    /// Only `field`, in every language.
    pub(super) fn only(&self, field: &str) -> Texts {
        let kept = self.0.iter().map(|(tag, fields)| {
            (tag.clone(), fields.iter().filter(|(f, _)| *f == field).map(|(f, t)| (f.clone(), t.clone())).collect())
        });
        Texts(kept.collect())
    }

    /// The language tags the entry has words in.
    pub fn tags(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

/// Checks the `texts` of the entry at `path`: language tags as tags, only the fields the entry
/// has in `fields`, and no blank text.
pub(super) fn texts(
    p: &mut Problems,
    path: &str,
    fields: &[&str],
    raw: &BTreeMap<String, BTreeMap<String, String>>,
) -> Texts {
    let mut out = BTreeMap::new();
    for (tag, given) in raw {
        let at = format!("{path}.texts.{tag}");
        if tag.is_empty() || !tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            p.push(at.clone(), format!("{tag:?} is not a language tag; write one like \"pt-BR\""));
            continue;
        }
        let mut kept = BTreeMap::new();
        for (field, text) in given {
            if !fields.contains(&field.as_str()) {
                p.push(
                    format!("{at}.{field}"),
                    format!("is not a text of this entry; write one of {}", fields.join(", ")),
                );
            } else if text.trim().is_empty() {
                p.push(format!("{at}.{field}"), "must not be blank; write the text or leave the field out");
            } else {
                kept.insert(field.clone(), text.trim().to_owned());
            }
        }
        out.insert(tag.clone(), kept);
    }
    Texts(out)
}
