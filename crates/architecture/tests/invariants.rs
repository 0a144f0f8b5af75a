//! ARCHITECTURE.md's invariants, checked on the workspace's own sources. A failure names the
//! file and line that broke one.

use architecture::{ModPath, Module, display, functions, graph, lines_with, modules, rings};
use std::path::{Path, PathBuf};

/// The workspace's `crates/`, or another checkout's (`ARCHITECTURE_CRATES_DIR`) to look at
/// work in progress with this test's build.
fn crates_dir() -> PathBuf {
    match std::env::var_os("ARCHITECTURE_CRATES_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("crates/").to_path_buf(),
    }
}

fn modules_of(krate: &str) -> Vec<Module> {
    let src = crates_dir().join(krate).join("src");
    modules(&src).unwrap_or_else(|e| panic!("reading {}: {e}", src.display()))
}

/// Every crate of ours that the server is built from (the benchmark drives the binary from
/// outside and this crate only reads the others).
const SERVER_CRATES: [&str; 7] = ["domain", "store", "payments", "documents", "app", "web", "partnerhub"];

#[test]
fn no_module_reaches_itself_again_through_the_modules_it_refers_to() {
    let mut report = String::new();
    for krate in SERVER_CRATES {
        let modules = modules_of(krate);
        let edges = graph(&modules);
        for ring in rings(&edges) {
            report.push_str(&format!("\n{krate}: a ring of {} modules\n", ring.len()));
            for from in &ring {
                let file = &modules.iter().find(|m| &m.path == from).expect("a module of the ring").file;
                for (to, line) in edges[from].iter().filter(|(to, _)| ring.contains(to)) {
                    let file = file.strip_prefix(crates_dir()).unwrap_or(file);
                    report.push_str(&format!(
                        "    {} -> {}   ({}:{line})\n",
                        display(from),
                        display(to),
                        file.display()
                    ));
                }
            }
        }
    }
    assert!(
        report.is_empty(),
        "Modules must refer downhill only (ARCHITECTURE.md, \"Rings\"): move what both sides use \
         to a module of its own that neither side's callers reach back from.{report}"
    );
}

/// Names that stand for input and output, time, randomness or concurrency. (Addresses such as
/// `std::net::IpAddr` are plain values; sockets are not.)
const NOT_IN_DOMAIN: [&str; 20] = [
    "std::fs",
    "File::",
    "TcpStream",
    "TcpListener",
    "UdpSocket",
    "ToSocketAddrs",
    "stdin",
    "std::env",
    "std::process",
    "std::thread",
    "std::time",
    "Instant",
    "SystemTime",
    "Utc::now(",
    "Local::now(",
    "rand::",
    "getrandom",
    "tokio",
    "async ",
    ".await",
];

/// Crates that would bring input and output, a clock or randomness into the domain.
const NOT_A_DOMAIN_DEPENDENCY: [&str; 12] =
    ["tokio", "sqlx", "rusqlite", "reqwest", "hyper", "axum", "rand", "getrandom", "lettre", "tracing", "store", "app"];

#[test]
fn the_domain_has_no_input_or_output_no_clock_and_no_randomness() {
    let mut report = String::new();
    for module in modules_of("domain") {
        for needle in NOT_IN_DOMAIN {
            for line in lines_with(&module.code, needle) {
                report.push_str(&format!("\n    {}:{line} uses `{needle}`", module.file.display()));
            }
        }
    }
    let manifest = std::fs::read_to_string(crates_dir().join("domain/Cargo.toml")).expect("domain's Cargo.toml");
    for dependency in dependencies(&manifest) {
        if NOT_A_DOMAIN_DEPENDENCY.contains(&dependency.as_str()) {
            report.push_str(&format!("\n    domain/Cargo.toml depends on `{dependency}`"));
        }
    }
    assert!(report.is_empty(), "The domain is rules in plain Rust (ARCHITECTURE.md):{report}");
}

/// The names under `[dependencies]` (not dev-dependencies: tests may do what they need).
fn dependencies(manifest: &str) -> Vec<String> {
    let mut in_dependencies = false;
    let mut out = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_dependencies = line == "[dependencies]";
        } else if in_dependencies && let Some((name, _)) = line.split_once('=') {
            let name = name.trim();
            if !name.is_empty() && !name.starts_with('#') {
                out.push(name.split('.').next().unwrap_or(name).to_owned());
            }
        }
    }
    out
}

/// Where each kind of read is allowed, and why.
struct Allowed {
    needles: &'static [&'static str],
    what: &'static str,
    modules: &'static [(&'static str, &'static str)],
}

const READS: [Allowed; 3] = [
    Allowed {
        needles: &["Utc::now(", "Local::now(", "SystemTime::now("],
        what: "reads the wall clock",
        // Everything else takes the time from `app::clock`, so that tests and `jobs run` move it.
        modules: &[("app", "clock")],
    },
    Allowed {
        needles: &["rand::", "OsRng", "thread_rng", "getrandom"],
        what: "draws randomness",
        modules: &[("app", "secrets")],
    },
    Allowed {
        needles: &["Instant::now("],
        what: "reads the monotonic clock",
        modules: &[
            // Durations the app measures (a batch's pace, a delivery's time) go through the
            // clock module too.
            ("app", "clock"),
            // Below the app, time measures the machine, never the program's days: a
            // connection's deadlines, the seconds a storage fault is shown for, how long a
            // group commit waits for company, the gateway's pace, localstripe's start.
            ("web", "server"),
            ("web", "error"),
            ("store", "group_commit"),
            ("store", "write_batch"),
            ("payments", "crate"),
            ("payments", "localstripe"),
        ],
    },
];

#[test]
fn only_app_clock_reads_the_time_and_only_app_secrets_draws_randomness() {
    let mut report = String::new();
    for krate in SERVER_CRATES {
        let mut all = modules_of(krate);
        // The binary's `main.rs` is a module of nobody's, but it runs in the server all the same.
        let main = crates_dir().join(krate).join("src/main.rs");
        if let Ok(text) = std::fs::read_to_string(&main) {
            all.push(Module { path: vec!["main".into()], file: main, code: architecture::code_only(&text) });
        }
        for module in &all {
            for read in &READS {
                let allowed = read.modules.iter().any(|&(k, m)| k == krate && m == display(&module.path));
                if allowed {
                    continue;
                }
                for needle in read.needles {
                    for line in lines_with(&module.code, needle) {
                        report.push_str(&format!("\n    {}:{line} {} (`{needle}`)", module.file.display(), read.what));
                    }
                }
            }
        }
    }
    assert!(
        report.is_empty(),
        "Only app::clock reads the time and only app::secrets draws randomness (ARCHITECTURE.md):{report}"
    );
}

/// A file longer than this in the crates that change most (the use cases and the web) is more
/// than one thing: split it by what it does.
const MAX_FILE_LINES: usize = 600;

#[test]
fn no_file_of_app_or_web_is_over_600_lines() {
    let mut report = String::new();
    for krate in ["app", "web"] {
        for module in modules_of(krate) {
            let text = std::fs::read_to_string(&module.file).expect("a module's file");
            let lines = text.lines().count();
            if lines > MAX_FILE_LINES {
                report.push_str(&format!("\n    {} has {lines} lines", module.file.display()));
            }
        }
    }
    assert!(report.is_empty(), "At most {MAX_FILE_LINES} lines a file in app and web:{report}");
}

/// The modules money moves through: a function there reads as a few named steps.
const MONEY_PATH: [(&str, &str); 12] = [
    ("app", "payment"),
    ("app", "order"),
    ("app", "billing"),
    ("app", "checkout"),
    ("app", "lifecycle"),
    ("app", "cancellation"),
    ("app", "idempotency"),
    ("app", "payment_methods"),
    ("app", "subscription"),
    ("web", "api::checkout"),
    ("web", "pages::checkout"),
    ("payments", ""),
];
const MAX_MONEY_FUNCTION_LINES: usize = 80;

#[test]
fn no_function_on_a_money_path_is_over_80_lines() {
    let mut report = String::new();
    for (krate, prefix) in MONEY_PATH {
        for module in modules_of(krate) {
            let name = display(&module.path);
            let on_path = prefix.is_empty() || name == prefix || name.starts_with(&format!("{prefix}::"));
            if !on_path {
                continue;
            }
            for f in functions(&module.code).into_iter().filter(|f| f.lines > MAX_MONEY_FUNCTION_LINES) {
                report.push_str(&format!(
                    "\n    {}:{} fn {} has {} lines",
                    module.file.display(),
                    f.line,
                    f.name,
                    f.lines
                ));
            }
        }
    }
    assert!(report.is_empty(), "At most {MAX_MONEY_FUNCTION_LINES} lines a function on a money path:{report}");
}

/// Every template file under `dir`, in its folders.
fn templates(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display())) {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            out.extend(templates(&path));
        } else if path.extension().is_some_and(|e| e == "html") {
            out.push(path);
        }
    }
    out
}

#[test]
fn no_template_decides_by_comparing_words() {
    // A page asks a typed value (an enum's method, a flag) what to show: a template that matches
    // a stored word or a query's text would silently show something else once the word changes.
    let dir = crates_dir().join("web").join("templates");
    let files = templates(&dir);
    assert!(files.len() > 10, "the templates are found in {}", dir.display());
    let mut report = String::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a template");
        for needle in ["== \"", "!= \""] {
            for line in lines_with(&text, needle) {
                report.push_str(&format!("\n    {}:{line} compares with a word", file.display()));
            }
        }
    }
    assert!(report.is_empty(), "Templates compare typed values, not words:{report}");
}

#[test]
fn the_checks_see_the_crates() {
    // A path mistake would make every check above pass on nothing.
    let app: Vec<ModPath> = modules_of("app").into_iter().map(|m| m.path).collect();
    assert!(app.contains(&Vec::new()) && app.contains(&vec!["clock".to_owned()]), "{app:?}");
}
