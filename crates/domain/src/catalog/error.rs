//! Why a catalog was refused: a list of problems, each naming the file, the field path
//! (`offers[0].prices.EUR`) and what to write instead. TOML syntax and shape errors also carry
//! a line and column, recovered from the span the TOML parser reports.

use std::fmt;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// A 1-based line and column (in characters) in the catalog text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// One thing wrong with a catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    source: String,
    path: String,
    message: String,
    position: Option<Position>,
}

impl Problem {
    /// The name the catalog was parsed under, usually its file path.
    pub fn source(&self) -> &str {
        &self.source
    }
    /// The field path, like `competencies[1].gold.requirements[0].count`; empty for problems
    /// of the whole file (most syntax errors).
    pub fn path(&self) -> &str {
        &self.path
    }
    pub fn message(&self) -> &str {
        &self.message
    }
    /// Known for TOML syntax and shape errors (unknown key, wrong type, missing field).
    pub fn position(&self) -> Option<Position> {
        self.position
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)?;
        if let Some(Position { line, column }) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        if !self.path.is_empty() {
            write!(f, ": {}", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A refused catalog: never empty, one line per problem when displayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogError {
    problems: Vec<Problem>,
}

impl CatalogError {
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Turns a TOML parse or deserialization error into a problem with a position and, when
    /// the document itself parsed, the path of the offending field.
    pub(super) fn from_toml(source: &str, text: &str, error: &toml::de::Error) -> CatalogError {
        let span = error.span();
        let path = match (&span, DeTable::parse(text)) {
            (Some(span), Ok(root)) => path_at(&root, span.start),
            _ => String::new(),
        };
        CatalogError {
            problems: vec![Problem {
                source: source.to_owned(),
                path,
                message: with_hint(error.message()),
                position: span.map(|s| position_of(text, s)),
            }],
        }
    }
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CatalogError {}

/// Collects the semantic problems of one catalog while `build` walks it.
pub(super) struct Problems {
    source: String,
    list: Vec<Problem>,
}

impl Problems {
    pub(super) fn new(source: &str) -> Problems {
        Problems { source: source.to_owned(), list: Vec::new() }
    }

    pub(super) fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.list.push(Problem {
            source: self.source.clone(),
            path: path.into(),
            message: message.into(),
            position: None,
        });
    }

    /// `Ok(value)` only when no problem was found and the value was built.
    pub(super) fn finish<T>(self, value: Option<T>) -> Result<T, CatalogError> {
        match value {
            Some(value) if self.list.is_empty() => Ok(value),
            _ if self.list.is_empty() => unreachable!("a part failed to build without a problem"),
            _ => Err(CatalogError { problems: self.list }),
        }
    }
}

/// serde's messages say what is wrong; add what to do for the common ones.
fn with_hint(message: &str) -> String {
    let message = message.trim_end();
    if message.starts_with("unknown field") {
        format!("{message}; fix the spelling or remove the key")
    } else if message.starts_with("missing field") {
        format!("{message}; add it")
    } else {
        // serde names Rust types; catalog authors think in TOML's.
        message
            .replace("expected i64", "expected a whole number")
            .replace("expected a boolean", "expected true or false")
    }
}

fn position_of(text: &str, span: Range<usize>) -> Position {
    let offset = span.start.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Position { line: before.matches('\n').count() + 1, column: before[line_start..].chars().count() + 1 }
}

/// The path of the deepest key or value whose span holds `offset`. Parent spans are not
/// trusted to cover their children (a `[[table]]` value spans only its header), so every
/// branch is searched.
fn path_at(root: &Spanned<DeTable<'_>>, offset: usize) -> String {
    let mut segments = Vec::new();
    if find_in_table(root.get_ref(), offset, &mut segments) { render(&segments) } else { String::new() }
}

enum Segment {
    Key(String),
    Index(usize),
}

fn find_in_table(table: &DeTable<'_>, offset: usize, path: &mut Vec<Segment>) -> bool {
    for (key, value) in table.iter() {
        path.push(Segment::Key(key.get_ref().to_string()));
        if find_in_value(value, offset, path) || key.span().contains(&offset) {
            return true;
        }
        path.pop();
    }
    false
}

fn find_in_value(value: &Spanned<DeValue<'_>>, offset: usize, path: &mut Vec<Segment>) -> bool {
    let in_child = match value.get_ref() {
        DeValue::Table(table) => find_in_table(table, offset, path),
        DeValue::Array(items) => items.iter().enumerate().any(|(i, item)| {
            path.push(Segment::Index(i));
            let found = find_in_value(item, offset, path);
            if !found {
                path.pop();
            }
            found
        }),
        _ => false,
    };
    in_child || value.span().contains(&offset)
}

fn render(segments: &[Segment]) -> String {
    let mut out = String::new();
    for segment in segments {
        match segment {
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
            Segment::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                let bare = !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
                if bare {
                    out.push_str(key);
                } else {
                    out.push_str(&format!("{key:?}"));
                }
            }
        }
    }
    out
}
