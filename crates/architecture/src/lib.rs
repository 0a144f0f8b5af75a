//! Reads the workspace's Rust sources as text and finds what ARCHITECTURE.md forbids: a module
//! that reaches itself again through the modules it refers to (a ring), and a read of the clock
//! or of randomness outside the one place allowed. `tests/invariants.rs` runs it on the real
//! crates; the tests here run it on small sources.
//!
//! A module is a file (`src/lib.rs` is the crate, `src/a.rs` and `src/a/mod.rs` are `a`,
//! `src/a/b.rs` is `a::b`). A module refers to another when its code names it through
//! `crate::`, `super::`, `self::` or, for its own children, their bare names (a `use`, a
//! re-export, a call, a type). Declaring a child (`mod a;`) is not a reference. Comments,
//! string literals and `#[cfg(test)]` items are left out: tests may look anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module's path inside its crate; empty for the crate root.
pub type ModPath = Vec<String>;

/// A module of a crate with its code, comments, literals and test items blanked out.
pub struct Module {
    pub path: ModPath,
    pub file: PathBuf,
    pub code: String,
}

/// `crate` for the root, else `a::b`.
pub fn display(path: &[String]) -> String {
    if path.is_empty() { "crate".to_owned() } else { path.join("::") }
}

/// Every module file under a crate's `src/`.
pub fn modules(src: &Path) -> std::io::Result<Vec<Module>> {
    let mut files = Vec::new();
    collect_rs_files(src, &mut files)?;
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let relative = file.strip_prefix(src).expect("a file found under src");
        let mut path: ModPath = relative.iter().map(|part| part.to_string_lossy().into_owned()).collect();
        let last = path.pop().expect("a file name");
        let stem = last.trim_end_matches(".rs");
        // `main.rs` and `bin/…` are binaries of their own, not modules of the library.
        if path.first().is_some_and(|p| p == "bin") || (path.is_empty() && stem == "main") {
            continue;
        }
        if !(stem == "mod" || (path.is_empty() && stem == "lib")) {
            path.push(stem.to_owned());
        }
        let text = std::fs::read_to_string(&file)?;
        out.push(Module { path, file, code: code_only(&text) });
    }
    Ok(out)
}

fn collect_rs_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_rs_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// The text with comments and the insides of string and character literals replaced by spaces
/// (newlines kept, so line numbers stay true), and `#[cfg(test)]` items removed.
pub fn code_only(text: &str) -> String {
    remove_test_items(&blank_comments_and_literals(text))
}

fn blank_comments_and_literals(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if let Some(hashes) = raw_string_start(&chars, i) {
            // r"…", r#"…"#, br#"…"#: no escapes inside, ends at a quote and as many hashes.
            let open = chars[i..].iter().position(|&c| c == '"').expect("a raw string's quote") + i;
            out.extend(chars[i..=open].iter());
            i = open + 1;
            while i < chars.len() {
                if chars[i] == '"' && chars[i + 1..].iter().take(hashes).filter(|&&c| c == '#').count() == hashes {
                    out.push('"');
                    out.extend(std::iter::repeat_n('#', hashes));
                    i += 1 + hashes;
                    break;
                }
                out.push(blank(chars[i]));
                i += 1;
            }
        } else if c == '"' {
            out.push('"');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
            out.push('"');
            i += 1;
        } else if c == '\'' && is_char_literal(&chars, i) {
            out.push('\'');
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                out.push(' ');
                i += 1;
            }
            out.push('\'');
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// At `i`, the start of a raw string (`r"`, `r#"`, `br#"` …) not preceded by an identifier
/// character: how many hashes it has.
fn raw_string_start(chars: &[char], i: usize) -> Option<usize> {
    if i > 0 && is_ident_char(chars[i - 1]) {
        return None;
    }
    let mut j = i;
    if chars.get(j) == Some(&'b') {
        j += 1;
    }
    if chars.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let hashes = chars[j..].iter().take_while(|&&c| c == '#').count();
    (chars.get(j + hashes) == Some(&'"')).then_some(hashes)
}

/// A quote opens a character literal (`'a'`, `'\n'`, `'\u{1F600}'`), not a lifetime (`'a`).
fn is_char_literal(chars: &[char], i: usize) -> bool {
    match chars.get(i + 1) {
        Some('\\') => true,
        Some(_) => chars.get(i + 2) == Some(&'\''),
        None => false,
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Removes each item marked `#[cfg(test)]`: up to its first `;`, or through its braces when a
/// `{` comes first.
fn remove_test_items(code: &str) -> String {
    const MARK: &str = "#[cfg(test)]";
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find(MARK) {
        out.push_str(&rest[..at]);
        let item = &rest[at..];
        let brace = item.find('{');
        let semicolon = item.find(';');
        let end = match (brace, semicolon) {
            (Some(b), Some(s)) if s < b => s + 1,
            (Some(b), _) => matching_brace(item, b).map_or(item.len(), |e| e + 1),
            (None, Some(s)) => s + 1,
            (None, None) => item.len(),
        };
        // Keep the line count.
        out.extend(item[..end].chars().filter(|&c| c == '\n'));
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

fn matching_brace(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + i);
                }
            }
            _ => {}
        }
    }
    None
}

/// What a module re-exports (`pub use a::B;`): each name and where it really lives.
pub type Exports = BTreeMap<ModPath, BTreeMap<String, (ModPath, Vec<String>)>>;

/// The names each module re-exports with `pub use` (or `pub(crate) use` …) from modules of the
/// same crate.
pub fn exports(modules: &[Module]) -> Exports {
    let known: BTreeSet<ModPath> = modules.iter().map(|m| m.path.clone()).collect();
    let mut out = Exports::new();
    for module in modules {
        let children = children_of(&module.path, &known);
        let chars: Vec<char> = module.code.chars().collect();
        let mut names = BTreeMap::new();
        let mut search = 0;
        while let Some(at) = module.code[search..].find("pub") {
            let at = search + at;
            search = at + 3;
            let Some(after_use) = after_pub_use(&module.code[at..]) else { continue };
            let mut j = module.code[..at + after_use].chars().count();
            for path in parse_use_tree(&chars, &mut j) {
                let first = path.first().map(String::as_str).unwrap_or_default();
                if !(matches!(first, "crate" | "super" | "self") || children.contains(first)) {
                    continue;
                }
                if let (Some(name), Some(found)) = (path.last(), locate(&module.path, &path, &known)) {
                    names.insert(name.clone(), found);
                }
            }
        }
        out.insert(module.path.clone(), names);
    }
    out
}

/// At a `pub` keyword: the byte offset just after `pub use` / `pub(crate) use` / `pub(…) use`.
fn after_pub_use(text: &str) -> Option<usize> {
    let mut i = 3;
    if text[i..].starts_with('(') {
        i += text[i..].find(')')? + 1;
    }
    let rest = &text[i..];
    let trimmed = rest.trim_start();
    let i = i + (rest.len() - trimmed.len());
    (trimmed.starts_with("use") && trimmed[3..].starts_with(char::is_whitespace)).then_some(i + 3)
}

fn children_of<'a>(module: &[String], known: &'a BTreeSet<ModPath>) -> BTreeSet<&'a str> {
    known
        .iter()
        .filter(|k| k.len() == module.len() + 1 && k.starts_with(module))
        .map(|k| k[module.len()].as_str())
        .collect()
}

/// The modules `module`'s code refers to (never itself), each with the first line that does. A
/// name reached through a re-export counts as a reference to the module it really lives in: a
/// crate root that only re-exports is a doorway, not a dependency.
pub fn references(
    module: &[String],
    code: &str,
    known: &BTreeSet<ModPath>,
    exports: &Exports,
) -> BTreeMap<ModPath, usize> {
    let children = children_of(module, known);
    let chars: Vec<char> = code.chars().collect();
    let mut found = BTreeMap::new();
    let mut line = 1;
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\n' {
            line += 1;
        }
        let starts_word = is_ident_char(chars[i]) && (i == 0 || !is_ident_char(chars[i - 1]));
        let after_path = i > 0 && preceding_non_space(&chars, i) == Some(':');
        if !starts_word || after_path {
            i += 1;
            continue;
        }
        let word: String = chars[i..].iter().take_while(|&&c| is_ident_char(c)).collect();
        let is_start = matches!(word.as_str(), "crate" | "super" | "self") || children.contains(word.as_str());
        if is_start && starts_path_separator(&chars, i + word.chars().count()) {
            let mut j = i;
            for path in parse_use_tree(&chars, &mut j) {
                if let Some(target) = locate(module, &path, known).map(|found| follow(found, exports))
                    && target != module
                {
                    found.entry(target).or_insert(line);
                }
            }
            line += chars[i..j].iter().filter(|&&c| c == '\n').count();
            i = j;
            continue;
        }
        i += word.chars().count();
    }
    found
}

/// Follows re-exports from where a path landed to the module that defines the item.
fn follow((mut module, mut rest): (ModPath, Vec<String>), exports: &Exports) -> ModPath {
    // A bound, in case two modules re-export a name from each other (which would not compile).
    for _ in 0..16 {
        let Some((target, more)) = rest.first().and_then(|name| exports.get(&module)?.get(name)) else { break };
        let mut next_rest = more.clone();
        next_rest.extend(rest.iter().skip(1).cloned());
        module = target.clone();
        rest = next_rest;
    }
    module
}

fn preceding_non_space(chars: &[char], i: usize) -> Option<char> {
    chars[..i].iter().rev().find(|c| !c.is_whitespace()).copied()
}

fn starts_path_separator(chars: &[char], mut i: usize) -> bool {
    while chars.get(i).is_some_and(|c| c.is_whitespace()) {
        i += 1;
    }
    chars.get(i) == Some(&':') && chars.get(i + 1) == Some(&':')
}

fn skip_space(chars: &[char], i: &mut usize) {
    while chars.get(*i).is_some_and(|c| c.is_whitespace()) {
        *i += 1;
    }
}

/// Parses a path or a `use` tree at `i` (`a::b`, `a::{b, c::{d, e}}`, `a::*`), returning every
/// path it names; leaves `i` after it.
fn parse_use_tree(chars: &[char], i: &mut usize) -> Vec<Vec<String>> {
    let mut prefix = Vec::new();
    loop {
        skip_space(chars, i);
        if chars.get(*i) == Some(&'{') {
            *i += 1;
            let mut out = Vec::new();
            loop {
                skip_space(chars, i);
                match chars.get(*i) {
                    Some('}') => {
                        *i += 1;
                        break;
                    }
                    Some(',') => *i += 1,
                    None => break,
                    Some(_) => {
                        let before = *i;
                        for tail in parse_use_tree(chars, i) {
                            out.push(prefix.iter().cloned().chain(tail).collect());
                        }
                        if *i == before {
                            // Not a path (e.g. `*` or `as x`): step over it.
                            *i += 1;
                        }
                    }
                }
            }
            return out;
        }
        let word: String = chars[*i..].iter().take_while(|&&c| is_ident_char(c)).collect();
        if word.is_empty() {
            return if prefix.is_empty() { Vec::new() } else { vec![prefix] };
        }
        *i += word.chars().count();
        prefix.push(word);
        let mut j = *i;
        skip_space(chars, &mut j);
        if chars.get(j) == Some(&':') && chars.get(j + 1) == Some(&':') {
            *i = j + 2;
        } else {
            return vec![prefix];
        }
    }
}

/// Where a path written in `module` lands: the longest known module it starts with, and the
/// segments after it (an item's name, or a path inside the item).
fn locate(module: &[String], path: &[String], known: &BTreeSet<ModPath>) -> Option<(ModPath, Vec<String>)> {
    let mut base: ModPath = module.to_vec();
    let mut rest = path;
    match path.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &path[1..];
        }
        Some("self") => rest = &path[1..],
        Some("super") => {
            while rest.first().is_some_and(|s| s == "super") {
                base.pop()?;
                rest = &rest[1..];
            }
        }
        _ => {}
    }
    let mut full = base;
    full.extend(rest.iter().filter(|s| s.as_str() != "self").cloned());
    (0..=full.len()).rev().find(|&n| known.contains(&full[..n])).map(|n| (full[..n].to_vec(), full[n..].to_vec()))
}

/// Each ring: the modules that reach one another (a strongly connected component of more than
/// one module), sorted.
pub fn rings(edges: &BTreeMap<ModPath, BTreeMap<ModPath, usize>>) -> Vec<Vec<ModPath>> {
    // Tarjan's algorithm; the graphs are a few dozen modules, so recursion is fine.
    struct Walk<'a> {
        edges: &'a BTreeMap<ModPath, BTreeMap<ModPath, usize>>,
        index: BTreeMap<&'a ModPath, usize>,
        low: BTreeMap<&'a ModPath, usize>,
        stack: Vec<&'a ModPath>,
        on_stack: BTreeSet<&'a ModPath>,
        found: Vec<Vec<ModPath>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a ModPath) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.edges.get(v).into_iter().flat_map(|targets| targets.keys()) {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    component.push(w.clone());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !walk.index.contains_key(v) {
            walk.visit(v);
        }
    }
    walk.found.sort();
    walk.found
}

/// The module graph of a crate: each module and the modules it refers to.
pub fn graph(modules: &[Module]) -> BTreeMap<ModPath, BTreeMap<ModPath, usize>> {
    let known: BTreeSet<ModPath> = modules.iter().map(|m| m.path.clone()).collect();
    let exports = exports(modules);
    modules.iter().map(|m| (m.path.clone(), references(&m.path, &m.code, &known, &exports))).collect()
}

/// The lines (1-based) of `code` where `needle` stands as its own word(s): `rand::` is found in
/// `rand::fill`, not in `CardBrand::Visa`.
pub fn lines_with(code: &str, needle: &str) -> Vec<usize> {
    let starts_with_ident = needle.starts_with(is_ident_char);
    let mut out = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let found = line
            .match_indices(needle)
            .any(|(at, _)| !starts_with_ident || !line[..at].chars().next_back().is_some_and(is_ident_char));
        if found {
            out.push(n + 1);
        }
    }
    out
}

/// A function of a module: its name, the line it starts on and how many lines it spans.
#[derive(Debug, PartialEq, Eq)]
pub struct Function {
    pub name: String,
    pub line: usize,
    pub lines: usize,
}

/// Every function with a body in `code` (as `code_only` leaves it), nested ones included, from
/// its `fn` line to its closing brace.
pub fn functions(code: &str) -> Vec<Function> {
    let mut out = Vec::new();
    let mut search = 0;
    while let Some(at) = code[search..].find("fn ") {
        let at = search + at;
        search = at + 3;
        if at > 0 && code[..at].chars().next_back().is_some_and(is_ident_char) {
            continue;
        }
        let name: String = code[at + 3..].trim_start().chars().take_while(|&c| is_ident_char(c)).collect();
        if name.is_empty() {
            continue;
        }
        // The body opens at the first `{` before any `;` (a declaration in a trait has none).
        let rest = &code[at..];
        let Some(open) = rest.find(['{', ';']).filter(|&i| rest.as_bytes()[i] == b'{') else { continue };
        let Some(close) = matching_brace(rest, open) else { continue };
        let line = code[..at].matches('\n').count() + 1;
        let lines = rest[..close].matches('\n').count() + 1;
        out.push(Function { name, line, lines });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(text: &str) -> ModPath {
        if text == "crate" { Vec::new() } else { text.split("::").map(str::to_owned).collect() }
    }

    fn refs(module: &str, code: &str, known: &[&str]) -> Vec<String> {
        let known: BTreeSet<ModPath> = known.iter().map(|k| path(k)).collect();
        references(&path(module), &code_only(code), &known, &Exports::new()).keys().map(|p| display(p)).collect()
    }

    #[test]
    fn crate_super_self_and_children_are_references() {
        let known = ["crate", "a", "a::b", "a::c", "d"];
        assert_eq!(refs("a::b", "use crate::d::Thing;", &known), ["d"]);
        assert_eq!(refs("a::b", "use super::c::f;", &known), ["a::c"]);
        assert_eq!(refs("a::b", "fn f() { super::g() }", &known), ["a"]);
        assert_eq!(refs("a", "pub use b::X; fn f() { self::c::g(); }", &known), ["a::b", "a::c"]);
        assert_eq!(refs("crate", "fn f() { a::c::g() }", &known), ["a::c"]);
    }

    #[test]
    fn use_groups_are_followed_into_each_branch() {
        let known = ["crate", "a", "a::b", "a::c", "d"];
        let code = "use crate::{\n    a::{self, b::X, c::{Y, Z}},\n    d,\n};";
        assert_eq!(refs("crate", code, &known), ["a", "a::b", "a::c", "d"]);
    }

    #[test]
    fn declarations_paths_of_other_crates_comments_strings_and_tests_are_not_references() {
        let known = ["crate", "a", "a::b", "d"];
        assert_eq!(refs("a", "mod b;", &known), Vec::<String>::new());
        assert_eq!(refs("crate", "use other::a::X; fn f() { other::d::g() }", &known), Vec::<String>::new());
        assert_eq!(refs("a", "// crate::d::x\n/* b::y */ let s = \"crate::d::z\";", &known), Vec::<String>::new());
        assert_eq!(refs("a", "#[cfg(test)]\nmod tests {\n    use crate::d::X;\n}\n", &known), Vec::<String>::new());
        assert_eq!(
            refs("a", "let r = r#\"crate::d\"#; let c = '\"'; let l: &'static str = x;", &known),
            Vec::<String>::new()
        );
    }

    #[test]
    fn the_line_of_the_first_reference_is_kept() {
        let known: BTreeSet<ModPath> = ["crate", "d"].iter().map(|k| path(k)).collect();
        let code = code_only("// one\n\nfn f() {\n    crate::d::g();\n}\n");
        let found = references(&path("crate"), &code, &known, &Exports::new());
        assert_eq!(found.get(&path("d")), Some(&4));
    }

    #[test]
    fn a_name_reached_through_a_re_export_counts_where_it_lives() {
        let module = |p: &str, code: &str| Module { path: path(p), file: PathBuf::new(), code: code_only(code) };
        let modules = [
            module("crate", "pub use error::{Error, Result};\npub use store::Store;\nmod error; mod store;"),
            module("error", "pub enum Error {}"),
            module("store", "use crate::{Error, Result};\npub struct Store;"),
        ];
        let edges = graph(&modules);
        assert_eq!(edges[&path("store")].keys().map(|p| display(p)).collect::<Vec<_>>(), ["error"]);
        assert!(rings(&edges).is_empty());
        // Something the root defines itself is a dependency on the root.
        let modules = [
            module("crate", "pub use store::Store;\npub struct Config;"),
            module("store", "use crate::Config;\npub struct Store;"),
        ];
        assert_eq!(rings(&graph(&modules)), vec![vec![path("crate"), path("store")]]);
    }

    #[test]
    fn functions_are_measured_from_their_line_to_their_closing_brace() {
        let code = code_only(
            "trait T { fn declared(&self); }\n\npub async fn buy(\n    a: u8,\n) -> Result<(), E> where E: X {\n    let s = \"}\";\n    if a { b() }\n}\nfn one() {}\n",
        );
        let found = functions(&code);
        assert_eq!(
            found,
            [Function { name: "buy".into(), line: 3, lines: 6 }, Function { name: "one".into(), line: 9, lines: 1 }]
        );
    }

    #[test]
    fn a_word_is_found_whole() {
        assert_eq!(lines_with("CardBrand::Visa\nrand::fill(x)\nlet r = ::rand::x;", "rand::"), [2, 3]);
        assert_eq!(lines_with("x.await\n", ".await"), [1]);
    }

    #[test]
    fn a_ring_through_three_modules_is_found_and_a_chain_is_not() {
        let mut edges: BTreeMap<ModPath, BTreeMap<ModPath, usize>> = BTreeMap::new();
        let mut add = |from: &str, to: &str| {
            edges.entry(path(from)).or_default().insert(path(to), 1);
            edges.entry(path(to)).or_default();
        };
        add("a", "b");
        add("b", "c");
        add("c", "a");
        add("c", "d");
        add("e", "d");
        assert_eq!(rings(&edges), vec![vec![path("a"), path("b"), path("c")]]);
    }
}
