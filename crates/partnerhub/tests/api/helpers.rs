//! The test bed: the real server on a random port over a fresh database, and an HTTP client
//! that behaves like a browser (cookies, CSRF field) or an API client (Bearer token).
//!
//! `PARTNERHUB_TEST_DB=postgres` runs the suite on PostgreSQL (`PARTNERHUB_TEST_POSTGRES_URL`,
//! default postgres://postgres@127.0.0.1:5432/postgres), one new database per test; otherwise
//! each test gets its own SQLite file.

use app::App;
use app::clock::ManualClock;
use chrono::{TimeZone, Utc};
use domain::email_link::LinkPurpose::StaffSetup;
use partnerhub::startup::{self, CatalogChoice};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::{Value, json};
use std::sync::Arc;

pub struct TestApp {
    pub url: String,
    pub app: Arc<App>,
    pub clock: Arc<ManualClock>,
    pub admin_email: String,
    pub admin_password: String,
    pub database_url: String,
    _dir: tempdir::TempDir,
}

/// A scratch folder removed at the end of the test.
pub mod tempdir {
    pub struct TempDir(pub std::path::PathBuf);
    impl TempDir {
        pub fn new() -> TempDir {
            let mut bytes = [0u8; 8];
            getrandom(&mut bytes);
            let name: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            let path = std::env::temp_dir().join(format!("partnerhub-test-{name}"));
            std::fs::create_dir_all(&path).expect("temp dir");
            TempDir(path)
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    fn getrandom(buf: &mut [u8]) {
        use app::secrets::Entropy;
        app::secrets::OsEntropy.fill(buf);
    }
}

pub fn on_postgres() -> bool {
    std::env::var("PARTNERHUB_TEST_DB").is_ok_and(|v| v == "postgres")
}

/// A fresh, empty database for one test.
async fn fresh_database(dir: &tempdir::TempDir) -> String {
    if !on_postgres() {
        return format!("sqlite://{}?mode=rwc", dir.0.join("partnerhub.db").display());
    }
    let admin_url = std::env::var("PARTNERHUB_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let name =
        format!("ph_test_{}", dir.0.file_name().unwrap().to_string_lossy().trim_start_matches("partnerhub-test-"));
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin_url).await.expect("connect to PostgreSQL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create database");
    let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(b, _)| b).to_owned();
    format!("{base}/{name}")
}

/// The first instant every test starts at, so dates in assertions are known.
pub fn start_time() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, 15, 9, 0, 0).unwrap()
}

/// reqwest is built without a default TLS crypto provider (the workspace uses ring, not aws-lc);
/// the test clients need one installed once per process.
pub fn http_client() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The test server with some settings changed (SMTP, say).
pub async fn spawn_app_with(change: impl FnOnce(&mut app::Settings)) -> TestApp {
    let (dir, database_url) = fresh_database_url().await;
    spawn_on(dir, database_url, change).await
}

/// The test server with its own connection limits.
pub async fn spawn_app_with_limits(limits: web::ConnectionLimits) -> TestApp {
    let (dir, database_url) = fresh_database_url().await;
    spawn_with_catalog(bind().await, dir, database_url, CatalogChoice::Demo, limits, |_| {}).await
}

/// The test server on the program `catalog` (a TOML text) instead of the demo's.
pub async fn spawn_app_with_catalog(catalog: &str) -> TestApp {
    let (dir, database_url) = fresh_database_url().await;
    let path = dir.0.join("program.toml");
    std::fs::write(&path, catalog).expect("write the catalog");
    let limits = web::ConnectionLimits::default();
    spawn_with_catalog(bind().await, dir, database_url, CatalogChoice::File(&path), limits, |_| {}).await
}

/// A scratch folder and a fresh database in it (or on PostgreSQL); the folder goes when the
/// first value is dropped.
pub async fn fresh_database_url() -> (tempdir::TempDir, String) {
    let dir = tempdir::TempDir::new();
    let url = fresh_database(&dir).await;
    (dir, url)
}

/// A second server node on the same database as `first` (its own pool, clock and port).
pub async fn spawn_second_node(first: &TestApp) -> TestApp {
    spawn_on(tempdir::TempDir::new(), first.database_url.clone(), |_| {}).await
}

async fn spawn_on(dir: tempdir::TempDir, database_url: String, change: impl FnOnce(&mut app::Settings)) -> TestApp {
    let limits = web::ConnectionLimits::default();
    spawn_with_catalog(bind().await, dir, database_url, CatalogChoice::Demo, limits, change).await
}

/// A port for a test server, bound on 127.0.0.1.
pub async fn bind() -> tokio::net::TcpListener {
    tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind")
}

/// The test server on a port bound already (so that its URL can be told to others, such as an
/// OpenID provider, before it starts), with some settings changed.
pub async fn spawn_app_on(listener: tokio::net::TcpListener, change: impl FnOnce(&mut app::Settings)) -> TestApp {
    let (dir, database_url) = fresh_database_url().await;
    spawn_with_catalog(listener, dir, database_url, CatalogChoice::Demo, web::ConnectionLimits::default(), change).await
}

async fn spawn_with_catalog(
    listener: tokio::net::TcpListener,
    dir: tempdir::TempDir,
    database_url: String,
    catalog: CatalogChoice<'_>,
    limits: web::ConnectionLimits,
    change: impl FnOnce(&mut app::Settings),
) -> TestApp {
    let clock = Arc::new(ManualClock::new(start_time()));
    let url = format!("http://{}", listener.local_addr().unwrap());
    let mut settings = app::Settings {
        public_url: url.clone(),
        server_key: Some([7; 32]),
        // The tests' webhook receivers listen on this machine.
        webhook_allow: vec![domain::net::Cidr::parse("127.0.0.0/8").unwrap()],
        // Every org of a test signs up and signs in from 127.0.0.1 (some tests make hundreds);
        // the tests of these limits set them back.
        signup_rate_per_hour: 1_000_000,
        form_rate_per_minute: 1_000_000,
        // Most tests are about something else than second factors; the tests of the policy
        // (second_factor.rs) turn it back on.
        mfa_staff: false,
        mfa_partner: domain::session::PartnerPolicy::Roles(Vec::new()),
        // Tests move the clock by days and keep their browsers; the tests of sessions set the
        // idle time back.
        session_lifetime: domain::session::Lifetime {
            idle: chrono::Duration::days(7),
            ..domain::session::Lifetime::default()
        },
        ..app::Settings::default()
    };
    change(&mut settings);
    let app = startup::open_app(&database_url, catalog, clock.clone(), settings).await.expect("app starts");
    let first_admin = app::staff::ensure_first_admin(&app).await.unwrap();
    let router = web::router(app.clone());
    tokio::spawn(async move { web::serve(listener, router, limits, std::future::pending()).await });
    // The first program admin chooses a password through the set-up link, as an operator
    // would; through the use case behind its page, so that no test's form limit counts it.
    let (admin_email, admin_password) = match first_admin {
        Some((email, link)) => {
            let token = link.rsplit('/').next().unwrap();
            let origin = app::Origin::system("test bed");
            app::email_links::use_link(&app, StaffSetup, token, ADMIN_PASSWORD, &origin).await.unwrap();
            (email, ADMIN_PASSWORD.to_owned())
        }
        None => Default::default(),
    };
    TestApp { url, app, clock, admin_email, admin_password, database_url, _dir: dir }
}

/// A partner org made through the sign-up page, with its Global admin signed in.
pub struct Partner {
    pub browser: Browser,
    pub email: String,
}

pub const PASSWORD: &str = "correct horse battery staple";

/// The password the test bed chooses for the first program admin through its set-up link.
pub const ADMIN_PASSWORD: &str = "program admin's own passphrase";

impl TestApp {
    pub fn browser(&self) -> Browser {
        Browser::new(&self.url)
    }

    pub fn api(&self, token: Option<&str>) -> Api {
        Api { url: self.url.clone(), token: token.map(str::to_owned), client: http_client().build().unwrap() }
    }

    /// Signs up `company` with a Global admin `email` through the portal, and confirms the
    /// address through the link e-mailed for it.
    pub async fn sign_up(&self, company: &str, email: &str) -> Partner {
        let partner = self.sign_up_unverified(company, email).await;
        self.verify_email(&partner).await;
        partner
    }

    /// Confirms `partner`'s address: opens the newest verification link sent to it and presses
    /// Confirm, in their own browser.
    pub async fn verify_email(&self, partner: &Partner) {
        self.verify_email_in(&partner.browser, &partner.email).await;
    }

    /// Confirms `email` through the newest verification link sent to it, in `browser` (signed
    /// in as its owner).
    pub async fn verify_email_in(&self, browser: &Browser, email: &str) {
        let link = link_in(&self.last_email_to(email).await, "/verify-email/");
        let r = self.follow_link(browser, &link, &[]).await;
        assert_eq!(location(&r), "/dashboard?notice=email_verified", "the verification link works");
    }

    /// Opens an e-mailed `link` in `browser` and posts its form with `fields` (the button of
    /// the link's page). The page of a link that cannot be used has no form; the post is made
    /// anyway, with the browser's form token from the sign-in page.
    pub async fn follow_link(&self, browser: &Browser, link: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        // The link's path: its host is the public URL, which may not be where the test server
        // listens.
        let after_scheme = link.split_once("://").map_or(link, |(_, rest)| rest);
        let path = &after_scheme[after_scheme.find('/').expect("a path in the link")..];
        let page = browser.get(path).await.text().await.unwrap();
        let token = match csrf_in(&page) {
            Some(token) => token,
            None => csrf_in(&browser.get("/signin").await.text().await.unwrap()).unwrap_or_default(),
        };
        let mut form: Vec<(&str, &str)> = vec![("csrf", &token)];
        form.extend_from_slice(fields);
        browser.client.post(format!("{}{path}", self.url)).form(&form).send().await.expect("POST")
    }

    /// Answers the "Forgot your password?" requests written so far, as the server's worker
    /// does every two seconds.
    pub async fn answer_reset_requests(&self) -> usize {
        app::email_links::reset::answer_reset_requests(&self.app).await.unwrap()
    }

    /// Signs up `company` with a Global admin `email` through the portal; the address stays
    /// unconfirmed.
    pub async fn sign_up_unverified(&self, company: &str, email: &str) -> Partner {
        let browser = self.browser();
        let response = browser
            .submit(
                "/signup",
                "/signup",
                &[
                    ("company_name", company),
                    ("country", "US"),
                    ("name", "Ada Admin"),
                    ("email", email),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "sign-up redirects");
        Partner { browser, email: email.to_owned() }
    }

    /// A staff browser signed in as the first program admin.
    pub async fn staff_admin(&self) -> Browser {
        let browser = self.browser();
        let r = browser
            .submit(
                "/staff/signin",
                "/staff/signin",
                &[("email", &self.admin_email), ("password", &self.admin_password)],
            )
            .await;
        assert_eq!(location(&r), "/staff");
        browser
    }

    /// The newest outbox e-mail to `to`, as it would be sent (its link's secret in place).
    pub async fn last_email_to(&self, to: &str) -> String {
        self.emails_to(to).await.into_iter().next().expect("an e-mail to the address")
    }

    /// Every outbox e-mail to `to`, newest first, as they would be sent.
    pub async fn emails_to(&self, to: &str) -> Vec<String> {
        let emails = {
            let mut conn = self.app.store().read().await.unwrap();
            store::outbox::list(&mut conn, 500).await.unwrap()
        };
        let mut bodies = Vec::new();
        for email in emails.iter().filter(|e| e.to_address == to) {
            bodies.push(app::outbox::body_to_send(&self.app, email).await.unwrap());
        }
        bodies
    }

    /// Invites `email` with `role` from `by`, and accepts the invitation in a new browser.
    pub async fn invite_and_join(&self, by: &Partner, email: &str, role: &str) -> Partner {
        let r = by.browser.submit("/users", "/users/invite", &[("email", email), ("role", role)]).await;
        assert_eq!(location(&r), "/users?notice=invited");
        let link = invitation_link(&self.last_email_to(email).await);
        let path = link.strip_prefix(&self.url).expect("link points to the server").to_owned();
        let browser = self.browser();
        let r = browser.submit(&path, &path, &[("name", "Invited Person"), ("password", PASSWORD)]).await;
        assert_eq!(location(&r), "/dashboard?notice=joined");
        Partner { browser, email: email.to_owned() }
    }

    /// Creates an API token for a signed-in browser user through the portal; returns the secret.
    pub async fn token_for(&self, who: &Browser, account_base: &str) -> String {
        let path = format!("{account_base}/api-tokens");
        let r = who.submit(&path, &path, &[("name", "tests")]).await;
        assert_eq!(r.status(), StatusCode::OK);
        let html = r.text().await.unwrap();
        let start = html.find("id=\"new-token\">").expect("token shown") + "id=\"new-token\">".len();
        html[start..].split('<').next().unwrap().to_owned()
    }

    /// Whether the partner user with `email` has confirmed it.
    pub async fn user_verified(&self, email: &str) -> bool {
        let mut conn = self.app.store().read().await.unwrap();
        let email = domain::account::EmailAddress::parse(email).unwrap();
        store::users::find_by_email(&mut conn, &email).await.unwrap().expect("user exists").email_verified_at.is_some()
    }

    /// The user id of `email` (for building URLs).
    pub async fn user_id(&self, email: &str) -> String {
        let mut conn = self.app.store().read().await.unwrap();
        let email = domain::account::EmailAddress::parse(email).unwrap();
        store::users::find_by_email(&mut conn, &email).await.unwrap().expect("user exists").id.to_string()
    }
}

pub fn invitation_link(body: &str) -> String {
    link_in(body, "/invitations/")
}

/// The newest link holding `part` e-mailed to `to`, read from the outbox of a server running
/// in another process: the secret is unsealed with that server's key file, `partnerhub.key` in
/// `dir` (where a test starts it).
pub async fn link_from_outbox(database_url: &str, dir: &std::path::Path, to: &str, part: &str) -> String {
    let key = app::secrets::key_from_text(&std::fs::read_to_string(dir.join("partnerhub.key")).expect("the key file"));
    let store = store::Store::open(database_url).await.unwrap();
    let mut conn = store.read().await.unwrap();
    let emails = store::outbox::list(&mut conn, 500).await.unwrap();
    let email = emails.iter().find(|e| e.to_address == to && e.body.contains(part)).expect("an e-mail with the link");
    let sealed = store::outbox::secret(&mut conn, &email.id, chrono::Utc::now()).await.unwrap().expect("its secret");
    let secret = app::secrets::open(&key, email.id.as_str(), &sealed).expect("sealed with the server's key");
    drop(conn);
    store.close().await;
    link_in(&email.body.replace(app::outbox::SECRET_MARK, &secret), part)
}

/// The first link in an e-mail's `body` whose path holds `part` (e.g. `/reset-password/`).
pub fn link_in(body: &str, part: &str) -> String {
    body.split_whitespace()
        .find(|w| w.contains(part))
        .unwrap_or_else(|| panic!("no {part} link in:\n{body}"))
        .to_owned()
}

pub fn location(r: &reqwest::Response) -> String {
    r.headers().get(LOCATION).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

/// A browser: keeps cookies, does not follow redirects (tests assert them), fills in the CSRF
/// field from the form page.
pub struct Browser {
    pub url: String,
    pub client: reqwest::Client,
}

impl Browser {
    pub fn new(url: &str) -> Browser {
        let client = http_client().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Browser { url: url.to_owned(), client }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.url)).send().await.expect("GET")
    }

    pub async fn get_text(&self, path: &str) -> (StatusCode, String) {
        let r = self.get(path).await;
        (r.status(), r.text().await.unwrap())
    }

    /// Opens `page`, takes the CSRF token from its form, and posts `fields` to `action`.
    pub async fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let html = self.get(page).await.text().await.unwrap();
        let token = csrf_in(&html).unwrap_or_default();
        let mut form: Vec<(&str, &str)> = vec![("csrf", &token)];
        form.extend_from_slice(fields);
        self.client.post(format!("{}{action}", self.url)).form(&form).send().await.expect("POST")
    }

    /// Posts without any CSRF token, as a forged cross-site form would.
    pub async fn post_without_csrf(&self, action: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client.post(format!("{}{action}", self.url)).form(fields).send().await.expect("POST")
    }
}

pub fn csrf_in(html: &str) -> Option<String> {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker)? + marker.len();
    Some(html[start..].split('"').next()?.to_owned())
}

/// An API client with an optional Bearer token.
pub struct Api {
    pub url: String,
    pub token: Option<String>,
    pub client: reqwest::Client,
}

impl Api {
    fn with_auth(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut rb = self.with_auth(self.client.request(method, format!("{}{path}", self.url)));
        if let Some(body) = body {
            rb = rb.json(&body);
        }
        let r = rb.send().await.expect("API call");
        let status = r.status();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(json!({ "raw": text })))
    }

    /// A GET whose answer is not JSON (a file), as it came.
    pub async fn get_raw(&self, path: &str) -> reqwest::Response {
        self.with_auth(self.client.get(format!("{}{path}", self.url))).send().await.expect("API call")
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }
}

/// An id of the shape of `prefix`'s ids that names nothing.
pub fn unknown_id(prefix: &str) -> String {
    format!("{prefix}_{}", "0".repeat(26))
}

/// `path` (the id's place written `{}`) answers ids of the wrong shape as it answers `unknown`,
/// a well-formed id that names nothing: 404 with the same problem, so a caller cannot tell a
/// malformed id from one that does not exist. A POST sends an empty JSON object.
pub async fn wrong_shape_answers_as_unknown(api: &Api, method: reqwest::Method, path: &str, unknown: &str) {
    let body = (method == reqwest::Method::POST).then(|| json!({}));
    let (status, known) = api.call(method.clone(), &path.replace("{}", unknown), body.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {known}");
    for bad in ["nope", "ord_short", "sub_0000000000000000000000000U"] {
        let (status, answer) = api.call(method.clone(), &path.replace("{}", bad), body.clone()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path} with {bad}: {answer}");
        for field in ["type", "title", "code", "detail"] {
            assert_eq!(answer[field], known[field], "{path} with {bad}: {field}");
        }
    }
}
