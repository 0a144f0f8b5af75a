//! Embeds every message file under `locales/<language tag>/*.ftl`, so adding a language is
//! adding a folder (and rebuilding); nothing is read from disk at run time.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut languages: Vec<_> = std::fs::read_dir(&root).expect("locales/").map(|e| e.expect("entry").path()).collect();
    languages.sort();
    let mut out = String::from(
        "/// Every language folder and its message files, embedded at build time.\npub static EMBEDDED: &[(&str, &[(&str, &str)])] = &[\n",
    );
    for dir in languages.iter().filter(|p| p.is_dir()) {
        println!("cargo:rerun-if-changed={}", dir.display());
        let tag = dir.file_name().and_then(|n| n.to_str()).expect("a UTF-8 folder name");
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .expect("a language folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "ftl"))
            .collect();
        files.sort();
        writeln!(out, "    ({tag:?}, &[").unwrap();
        for file in files {
            println!("cargo:rerun-if-changed={}", file.display());
            let name = file.file_name().and_then(|n| n.to_str()).expect("a UTF-8 file name");
            writeln!(out, "        ({name:?}, include_str!({:?})),", file.display().to_string()).unwrap();
        }
        out.push_str("    ]),\n");
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("embedded.rs");
    std::fs::write(dest, out).expect("write embedded.rs");
}
