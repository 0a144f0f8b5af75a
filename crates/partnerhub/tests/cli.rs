//! The `partnerhub` command: bad input exits non-zero with the reason; good input does the job.

use std::process::{Command, Output};

fn partnerhub(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_partnerhub"))
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "error")
        .output()
        .expect("partnerhub runs")
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("partnerhub-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn check_catalog_accepts_the_demo_and_names_what_is_wrong_in_a_broken_file() {
    let dir = scratch("catalog");
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/../../catalog/demo-program.toml");
    let ok = partnerhub(&dir, &["check-catalog", demo]);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    assert!(text(&ok.stdout).contains("valid"));

    let broken = dir.join("broken.toml");
    let source = std::fs::read_to_string(demo).unwrap().replace("term_months = 12", "term_months = 13");
    std::fs::write(&broken, source).unwrap();
    let bad = partnerhub(&dir, &["check-catalog", broken.to_str().unwrap()]);
    assert!(!bad.status.success());
    let err = text(&bad.stderr);
    assert!(err.contains("broken.toml") && err.contains("term_months"), "{err}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn staff_create_makes_an_account_and_refuses_bad_input() {
    let dir = scratch("staff");
    let db = format!("sqlite://{}/ph.db?mode=rwc", dir.display());
    let ok = partnerhub(
        &dir,
        &[
            "--database-url",
            &db,
            "staff",
            "create",
            "--email",
            "sam@vendor.example",
            "--name",
            "Sam",
            "--role",
            "support_agent",
        ],
    );
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    let out = text(&ok.stdout);
    assert!(
        out.contains("created sam@vendor.example (Support agent)")
            && out.contains("set-up link (works once, for 24 hours): http://127.0.0.1:8080/staff/set-up/"),
        "{out}"
    );
    assert!(!out.contains("password"), "no password is printed: {out}");

    let again =
        partnerhub(&dir, &["--database-url", &db, "staff", "create", "--email", "sam@vendor.example", "--name", "Sam"]);
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("exists already"));

    let bad = partnerhub(&dir, &["--database-url", &db, "staff", "create", "--email", "sam", "--name", "Sam"]);
    assert!(!bad.status.success());
    assert!(text(&bad.stderr).contains("e-mail address"));

    let role = partnerhub(
        &dir,
        &["--database-url", &db, "staff", "create", "--email", "x@vendor.example", "--name", "X", "--role", "root"],
    );
    assert!(!role.status.success());
    assert!(text(&role.stderr).contains("support_agent or program_admin"));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_bad_database_url_or_config_file_is_refused_with_the_reason() {
    let dir = scratch("config");
    let bad_url = partnerhub(&dir, &["--database-url", "mysql://localhost/x", "migrate"]);
    assert!(!bad_url.status.success());
    assert!(text(&bad_url.stderr).contains("unsupported database URL"));

    std::fs::write(dir.join("partnerhub.toml"), "databse_url = \"sqlite://x.db\"\n").unwrap();
    let bad_file = partnerhub(&dir, &["migrate"]);
    assert!(!bad_file.status.success());
    let err = text(&bad_file.stderr);
    assert!(err.contains("partnerhub.toml") && err.contains("databse_url"), "{err}");

    let missing = partnerhub(&dir, &["--config", "nope.toml", "migrate"]);
    assert!(!missing.status.success());
    assert!(text(&missing.stderr).contains("nope.toml does not exist"));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn serve_refuses_a_limit_of_zero_or_a_bad_range_with_the_flags_name() {
    let dir = scratch("limits");
    let db = format!("sqlite://{}/ph.db?mode=rwc", dir.display());
    for (flag, value) in [
        ("--max-connections", "0"),
        ("--signup-rate", "0"),
        ("--form-rate", "0"),
        ("--header-timeout", "0"),
        ("--trusted-proxies", "10.0.0.0/33"),
        ("--webhook-allow-cidr", "not-a-range"),
    ] {
        let out = partnerhub(&dir, &["--database-url", &db, "serve", "--listen", "127.0.0.1:0", flag, value]);
        assert!(!out.status.success(), "{flag} {value} is refused");
        assert!(text(&out.stderr).contains(flag), "{flag}: {}", text(&out.stderr));
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn migrate_creates_the_sqlite_file_and_is_repeatable() {
    let dir = scratch("migrate");
    let db = format!("sqlite://{}/ph.db?mode=rwc", dir.display());
    for _ in 0..2 {
        let out = partnerhub(&dir, &["--database-url", &db, "migrate"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    assert!(dir.join("ph.db").exists());

    let backup = partnerhub(&dir, &["--database-url", &db, "backup", "copy.db"]);
    assert!(backup.status.success(), "{}", text(&backup.stderr));
    let copy = format!("sqlite://{}/copy.db?mode=rwc", dir.display());
    let again = partnerhub(&dir, &["--database-url", &copy, "migrate"]);
    assert!(again.status.success(), "the copy is a partnerhub database: {}", text(&again.stderr));
    let twice = partnerhub(&dir, &["--database-url", &db, "backup", "copy.db"]);
    assert!(!twice.status.success() && text(&twice.stderr).contains("exists already"));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn jobs_run_until_catches_up_and_refuses_a_bad_date() {
    let dir = scratch("jobs");
    let db = format!("sqlite://{}/ph.db?mode=rwc", dir.display());
    let bad = partnerhub(&dir, &["--database-url", &db, "jobs", "run", "--until", "2031-02-30"]);
    assert!(!bad.status.success());
    assert!(text(&bad.stderr).contains("--until"), "{}", text(&bad.stderr));
    let until = (chrono::Utc::now() + chrono::Duration::days(40)).format("%Y-%m-%d").to_string();
    let ok = partnerhub(&dir, &["--database-url", &db, "jobs", "run", "--until", &until]);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    assert!(text(&ok.stdout).contains(&format!("ran every job due up to {until}")));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn jobs_run_takes_the_servers_gateway_settings() {
    let dir = scratch("jobs-settings");
    let db = format!("sqlite://{}/ph.db?mode=rwc", dir.display());
    let until = chrono::Utc::now().format("%Y-%m-%d").to_string();
    // The same flags and config keys as serve: a Stripe gateway without its key is refused
    // before anything runs, rather than charging renewals at the sandbox.
    let bad = partnerhub(&dir, &["--database-url", &db, "jobs", "run", "--until", &until, "--gateway", "stripe"]);
    assert!(!bad.status.success());
    assert!(text(&bad.stderr).to_lowercase().contains("stripe"), "{}", text(&bad.stderr));
    std::fs::write(dir.join("partnerhub.toml"), "gateway = \"paypal\"\n").unwrap();
    let bad = partnerhub(&dir, &["--database-url", &db, "jobs", "run", "--until", &until]);
    assert!(!bad.status.success());
    assert!(text(&bad.stderr).contains("paypal"), "{}", text(&bad.stderr));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_backup_of_a_database_that_is_not_there_is_refused() {
    let dir = scratch("backup");
    let missing = format!("sqlite://{}/nothing-here.db?mode=rwc", dir.display());
    let out = partnerhub(&dir, &["--database-url", &missing, "backup", dir.join("copy.db").to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("there is no database at"), "{}", text(&out.stderr));
    assert!(!dir.join("nothing-here.db").exists() && !dir.join("copy.db").exists(), "nothing was made");
    std::fs::remove_dir_all(dir).ok();
}

/// The program a server started without `--catalog` runs, from its start-up lines.
fn program_served(dir: &std::path::Path, db: &str) -> String {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_partnerhub"))
        .args(["--database-url", db, "serve", "--listen", "127.0.0.1:0"])
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("partnerhub serve starts");
    let lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let program = lines
        .map_while(Result::ok)
        .find_map(|l| l.trim().strip_prefix("program:").map(|p| p.trim().to_owned()))
        .unwrap_or_default();
    let _ = child.kill();
    let _ = child.wait();
    program
}

#[test]
fn commands_without_a_catalog_keep_the_program_in_force() {
    let dir = scratch("in-force");
    let db = format!("sqlite://{}/ph.db?mode=rwc", dir.display());
    assert_eq!(program_served(&dir, &db), "Demo Partner Network", "a new database starts with the demo");
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/../../catalog/demo-program.toml");
    let ours = dir.join("ours.toml");
    let text_of =
        std::fs::read_to_string(demo).unwrap().replacen("Demo Partner Network", "Fabrikam Partner Network", 1);
    std::fs::write(&ours, text_of).unwrap();
    let loaded = partnerhub(&dir, &["--database-url", &db, "--catalog", ours.to_str().unwrap(), "demo"]);
    assert!(text(&loaded.stdout).contains("Fabrikam Partner Network"), "{}", text(&loaded.stderr));

    // A job run and a restart without --catalog keep it; only `demo` brings the demo back.
    let until = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert!(partnerhub(&dir, &["--database-url", &db, "jobs", "run", "--until", &until]).status.success());
    assert_eq!(program_served(&dir, &db), "Fabrikam Partner Network");
    let back = partnerhub(&dir, &["--database-url", &db, "demo"]);
    assert!(text(&back.stdout).contains("Demo Partner Network"));
    assert_eq!(program_served(&dir, &db), "Demo Partner Network");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn the_database_its_log_the_key_and_backups_are_readable_by_their_owner_only() {
    use std::io::BufRead;
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("modes");
    let db = format!("sqlite://{}/ph.db?mode=rwc", dir.display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_partnerhub"))
        .args(["--database-url", &db, "serve", "--listen", "127.0.0.1:0"])
        .current_dir(&dir)
        .env_remove("DATABASE_URL")
        .env_remove("PARTNERHUB_SECRET_KEY")
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("partnerhub serve starts");
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(lines.any(|l| l.is_ok_and(|l| l.starts_with("partnerhub is running at"))));
    let backup = dir.join("copy.db");
    let copied = partnerhub(&dir, &["--database-url", &db, "backup", backup.to_str().unwrap()]);
    assert!(copied.status.success(), "{}", text(&copied.stderr));
    for name in ["ph.db", "ph.db-wal", "ph.db-shm", "partnerhub.key", "copy.db"] {
        let mode = std::fs::metadata(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}")).permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{name} is {:o}", mode & 0o777);
    }
    let _ = child.kill();
    let _ = child.wait();
    std::fs::remove_dir_all(dir).ok();
}

/// A server on 127.0.0.1 that answers every request with `body` as JSON; returns its URL.
fn json_server(body: String) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
        }
    });
    url
}

#[test]
fn serve_refuses_a_misconfigured_provider_with_the_settings_name() {
    let dir = scratch("sso");
    let db = format!("sqlite://{}/ph.db?mode=rwc", dir.display());
    let serve = |extra: &[&str]| {
        let mut args = vec!["--database-url", db.as_str(), "serve", "--listen", "127.0.0.1:0"];
        args.extend_from_slice(extra);
        let out = partnerhub(&dir, &args);
        assert!(!out.status.success(), "{extra:?} is refused");
        text(&out.stderr)
    };

    let err = serve(&["--sso-client-id", "partnerhub"]);
    assert!(err.contains("--sso-client-id") && err.contains("--sso-issuer"), "{err}");
    let err = serve(&["--sso-issuer", "https://login.example.com"]);
    assert!(err.contains("--sso-client-id (PARTNERHUB_SSO_CLIENT_ID)"), "{err}");
    let err = serve(&["--sso-issuer", "login.example.com", "--sso-client-id", "partnerhub"]);
    assert!(err.contains("--sso-issuer (PARTNERHUB_SSO_ISSUER)") && err.contains("not an https://"), "{err}");

    // Nobody listens there: discovery fails, and the server does not start.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let issuer = format!("http://{closed}");
    let err = serve(&["--sso-issuer", &issuer, "--sso-client-id", "partnerhub"]);
    assert!(err.contains("--sso-issuer (PARTNERHUB_SSO_ISSUER)") && err.contains("discovery"), "{err}");

    // A discovery document that names another issuer is not the provider asked for.
    let other = json_server(
        serde_json::json!({
            "issuer": "https://someone-else.example",
            "authorization_endpoint": "https://someone-else.example/auth",
            "token_endpoint": "https://someone-else.example/token",
            "jwks_uri": "https://someone-else.example/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        })
        .to_string(),
    );
    let err = serve(&["--sso-issuer", &other, "--sso-client-id", "partnerhub"]);
    assert!(err.contains("--sso-issuer (PARTNERHUB_SSO_ISSUER)") && err.contains("someone-else.example"), "{err}");
    std::fs::remove_dir_all(dir).ok();
}

/// Runs `partnerhub ARGS` with `input` on standard input.
fn partnerhub_with_input(dir: &std::path::Path, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_partnerhub"))
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("PARTNERHUB_PUBLIC_URL")
        .env("RUST_LOG", "error")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("partnerhub runs");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn reset_password_prints_a_link_for_an_account_and_refuses_an_unknown_address() {
    let dir = scratch("reset");
    let db = format!("sqlite://{}/ph.db?mode=rwc", dir.display());
    let args = ["--database-url", &db, "staff", "create", "--email", "pat@vendor.example", "--name", "Pat"];
    let made = partnerhub_with_input(
        &dir,
        &[&args[..], &["--role", "program_admin", "--password-stdin"]].concat(),
        "pat's long passphrase\n",
    );
    assert!(made.status.success(), "{}", text(&made.stderr));
    assert!(!text(&made.stdout).contains("set-up link"), "a password was given: {}", text(&made.stdout));

    let url = "https://partners.example.com";
    let out = partnerhub(
        &dir,
        &["--database-url", &db, "staff", "reset-password", "--email", "pat@vendor.example", "--public-url", url],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    assert!(
        printed.contains("password reset link for pat@vendor.example (works once, for 1 hour): https://partners.example.com/reset-password/"),
        "{printed}"
    );

    let unknown =
        partnerhub(&dir, &["--database-url", &db, "staff", "reset-password", "--email", "nobody@vendor.example"]);
    assert!(!unknown.status.success());
    assert!(text(&unknown.stderr).contains("no staff account that may sign in has the address nobody@vendor.example"));
    let partner =
        partnerhub(&dir, &["--database-url", &db, "users", "reset-password", "--email", "pat@vendor.example"]);
    assert!(!partner.status.success(), "a staff address is no partner user");
    assert!(
        text(&partner.stderr).contains("no partner user has the address pat@vendor.example"),
        "{}",
        text(&partner.stderr)
    );
    let bad = partnerhub(&dir, &["--database-url", &db, "users", "reset-password", "--email", "not-an-address"]);
    assert!(!bad.status.success());
    assert!(text(&bad.stderr).contains("e-mail address"));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn the_first_start_prints_a_set_up_link_to_standard_output_and_nothing_secret_to_the_log() {
    use std::io::BufRead;
    let dir = scratch("first-start");
    let db = format!("sqlite://{}/ph.db?mode=rwc", dir.display());
    let log = std::fs::File::create(dir.join("server.log")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_partnerhub"))
        .args(["--database-url", &db, "serve", "--listen", "127.0.0.1:0"])
        .current_dir(&dir)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "debug")
        .stdout(std::process::Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("partnerhub serve starts");
    let lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let line =
        lines.map_while(Result::ok).find(|l| l.contains("first program admin:")).expect("the first admin's line");
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.contains("admin@partnerhub.localhost") && line.contains("set-up link: http://127.0.0.1:"), "{line}");
    assert!(!line.contains("password:"), "no password is printed: {line}");
    let secret = line.rsplit("/staff/set-up/").next().unwrap().trim();
    assert!(secret.len() >= 40, "{line}");
    let logged = std::fs::read_to_string(dir.join("server.log")).unwrap();
    assert!(!logged.contains(secret), "the link's secret is not in the log");
    std::fs::remove_dir_all(dir).ok();
}
