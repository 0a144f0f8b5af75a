//! Every message key the code or a template uses exists in every shipped language, and every
//! message a language file defines is used somewhere.
//!
//! Keys are found as the code writes them: a literal first argument of `t(`, `t_with(`, `t1(`,
//! `t2(` or `key(`. A message the code builds from parts would escape this test, so the code
//! never does that.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const CALLS: [&str; 6] = ["t", "t_with", "t1", "t2", "key", "said"];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs" || x == "html" || x == "txt") {
            out.push(path);
        }
    }
}

/// The literal keys of every lookup in `source`.
fn keys_in(source: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let bytes = source.as_bytes();
    for call in CALLS {
        let needle = format!("{call}(");
        let mut from = 0;
        while let Some(found) = source[from..].find(&needle) {
            let at = from + found;
            from = at + needle.len();
            let before = at.checked_sub(1).map(|i| bytes[i]);
            if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_') {
                continue;
            }
            let rest = source[from..].trim_start();
            let Some(rest) = rest.strip_prefix('"') else { continue };
            let Some(end) = rest.find('"') else { continue };
            let key = &rest[..end];
            if !key.is_empty() && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
                keys.push(key.to_owned());
            }
        }
    }
    keys
}

/// Every key used, with one place that uses it.
fn used_keys() -> BTreeMap<String, String> {
    let root = workspace();
    let mut files = Vec::new();
    // Where readers' text comes from; tests and tools are not read.
    for dir in [
        "crates/web/src",
        "crates/web/templates",
        "crates/app/src",
        "crates/domain/src",
        "crates/documents/src",
        "crates/partnerhub/src",
    ] {
        files_under(&root.join(dir), &mut files);
    }
    let mut used = BTreeMap::new();
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap_or_default();
        for key in keys_in(&source) {
            used.entry(key).or_insert_with(|| file.strip_prefix(&root).unwrap().display().to_string());
        }
    }
    used
}

#[test]
fn every_used_key_is_in_every_language_and_every_message_is_used() {
    i18n::Languages::embedded().expect("every message file parses and no message is defined twice");
    let used = used_keys();
    let mut problems = Vec::new();
    for (language, ids) in i18n::Languages::message_ids() {
        let defined: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
        for (key, place) in &used {
            if !defined.contains(key.as_str()) {
                problems.push(format!("{language}: `{key}` (used in {place}) is missing"));
            }
        }
        for id in &defined {
            if !used.contains_key(*id) {
                problems.push(format!("{language}: `{id}` is defined but nothing uses it"));
            }
        }
    }
    assert!(problems.is_empty(), "message keys out of step with the code:\n{}", problems.join("\n"));
}

#[test]
fn the_scanner_finds_literal_keys_and_nothing_else() {
    let source = r#"lang.t("a-b") x.t_with( "c", &[]) key("d-1") lang.t1("e", "n", 1) not_t("z") t(name)"#;
    assert_eq!(keys_in(source), vec!["a-b", "c", "e", "d-1"]);
}
