//! OpenID providers for the single sign-on tests: the real, certified `oidc-provider` (started
//! from `e2e/oidc/provider.mjs`, signed into through its own development pages), and a small
//! stand-in that signs whatever ID token a test asks for, for the refusals a real provider never
//! produces (a token signed by a key it does not publish, another sign-in's nonce, keys rotated).

use super::helpers::{Browser, TestApp, http_client, location};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::{Value, json};
use std::io::BufRead;
use std::sync::{Arc, Mutex};

/// The static client of `provider.mjs`.
pub const CLIENT_ID: &str = "partnerhub";
pub const CLIENT_SECRET: &str = "partnerhub-test-secret";
/// What the sign-in pages call the provider in these tests.
pub const NAME: &str = "Test ID";

/// The single sign-on settings for a provider at `issuer`, with `policy`.
pub fn settings(issuer: &str, policy: domain::sso::SsoPolicy) -> app::sso::SsoSettings {
    app::sso::SsoSettings {
        issuer: issuer.to_owned(),
        client_id: CLIENT_ID.to_owned(),
        client_secret: Some(CLIENT_SECRET.to_owned()),
        name: NAME.to_owned(),
        role_claim: "partnerhub_staff_role".to_owned(),
        scopes: ["openid", "email", "profile", "partnerhub"].map(str::to_owned).to_vec(),
        policy,
    }
}

/// The real provider, stopped when dropped.
pub struct RealProvider {
    pub issuer: String,
    child: std::process::Child,
}

impl Drop for RealProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A test server with the real provider in front of it: the provider is told the server's
/// callback before either starts. The server's clock is the real time, which the provider's
/// tokens are dated by.
pub async fn spawn_with_provider(policy: domain::sso::SsoPolicy) -> (TestApp, RealProvider) {
    let listener = super::helpers::bind().await;
    let url = format!("http://{}", listener.local_addr().unwrap());
    let provider = RealProvider::start(&format!("{url}{}", app::sso::CALLBACK_PATH)).await;
    let issuer = provider.issuer.clone();
    let t = super::helpers::spawn_app_on(listener, |s| s.sso = Some(settings(&issuer, policy))).await;
    t.clock.set(chrono::Utc::now());
    (t, provider)
}

impl RealProvider {
    /// Starts `e2e/oidc/provider.mjs` with `redirect_uri` as its client's callback and waits for
    /// its issuer. The test command installs its npm packages (`npm ci` in e2e/).
    pub async fn start(redirect_uri: &str) -> RealProvider {
        let e2e = concat!(env!("CARGO_MANIFEST_DIR"), "/../../e2e");
        assert!(
            std::path::Path::new(e2e).join("node_modules/oidc-provider").exists(),
            "the OpenID provider's npm package is missing: run `npm ci` in e2e/ (scripts/test does)"
        );
        let mut child = std::process::Command::new("node")
            .arg(format!("{e2e}/oidc/provider.mjs"))
            .args(["--redirect-uri", redirect_uri])
            .current_dir(e2e)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("node starts (Node.js 20 or later is needed for the OpenID provider)");
        let stdout = child.stdout.take().expect("the provider's output");
        // The first line is the issuer; the rest is read too (and shown with a failing test's
        // output), so the provider never writes into a closed pipe.
        let (first, line) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let mut lines = std::io::BufReader::new(stdout).lines();
            let _ = first.send(lines.next().and_then(Result::ok).unwrap_or_default());
            for line in lines.map_while(Result::ok) {
                eprintln!("provider: {line}");
            }
        });
        let line = tokio::time::timeout(std::time::Duration::from_secs(30), line)
            .await
            .expect("the provider prints its issuer within 30 s")
            .expect("the provider's first line");
        let issuer = line.trim().strip_prefix("issuer=").unwrap_or_else(|| panic!("not an issuer line: {line:?}"));
        RealProvider { issuer: issuer.to_owned(), child }
    }

    /// Goes through the provider's development login (as `login`, any password) and consent
    /// pages from `authorize_url`, as a browser would, and returns the path and query of the
    /// callback the provider sends the browser back to.
    pub async fn sign_in(&self, authorize_url: &str, login: &str) -> String {
        let client = http_client().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let mut response = client.get(authorize_url).send().await.unwrap();
        for _ in 0..20 {
            if response.status().is_redirection() {
                let next = response.url().join(&location(&response)).unwrap();
                if !next.as_str().starts_with(&self.issuer) {
                    return format!("{}?{}", next.path(), next.query().unwrap_or(""));
                }
                response = client.get(next).send().await.unwrap();
                continue;
            }
            assert_eq!(response.status(), StatusCode::OK, "the provider's page answers");
            let page = response.url().clone();
            let html = response.text().await.unwrap();
            let action = page.join(&attribute_after(&html, "<form", "action")).unwrap();
            let form: Vec<(&str, &str)> = if html.contains("name=\"login\"") {
                vec![("prompt", "login"), ("login", login), ("password", "any password")]
            } else {
                vec![("prompt", "consent")]
            };
            response = client.post(action).form(&form).send().await.unwrap();
        }
        panic!("the provider never sent the browser back");
    }
}

/// The value of `attr` in the first `tag` of `html`.
fn attribute_after(html: &str, tag: &str, attr: &str) -> String {
    let from = html.find(tag).expect("the tag") + tag.len();
    let marker = format!("{attr}=\"");
    let start = html[from..].find(&marker).expect("the attribute") + from + marker.len();
    html[start..].split('"').next().unwrap().replace("&amp;", "&")
}

/// Starts a sign-in at `page` (`/signin` or `/staff/signin`) with **Sign in with …**; returns
/// where partnerhub sends the browser (the provider's authorization URL).
pub async fn start(browser: &Browser, page: &str) -> String {
    let r = browser.submit(page, &format!("{page}/sso"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap_or_default());
    location(&r)
}

/// The audit log's rows with `action`, newest first, as "subject | detail".
pub async fn audited(t: &TestApp, action: &str) -> Vec<String> {
    let mut conn = t.app.store().read().await.unwrap();
    let mut events = store::audit::list(&mut conn, &store::audit::AuditFilter::default(), 500).await.unwrap();
    // By id, which follows the real time they were written (the test's clock was moved back to
    // the real time after start-up wrote its rows).
    events.sort_by(|a, b| b.id.as_str().cmp(a.id.as_str()));
    events.into_iter().filter(|e| e.action == action).map(|e| format!("{} | {}", e.subject, e.detail)).collect()
}

/// A parameter of a URL's query.
pub fn query_param(url: &str, name: &str) -> String {
    let url = reqwest::Url::parse(url).unwrap();
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned()).unwrap_or_default()
}

/// An ES256 signing key with its key id.
pub struct SigningKey {
    pub kid: String,
    pair: EcdsaKeyPair,
}

impl SigningKey {
    pub fn new(kid: &str) -> SigningKey {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
        SigningKey { kid: kid.to_owned(), pair }
    }

    /// The public key as a JWK.
    fn jwk(&self) -> Value {
        // Uncompressed point: 0x04, then x and y.
        let point = self.pair.public_key().as_ref();
        json!({
            "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": self.kid,
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]), "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
        })
    }

    /// A JWT of `claims` signed with this key, its header naming `kid`.
    pub fn sign(&self, kid: &str, claims: &Value) -> String {
        let header = json!({ "alg": "ES256", "typ": "JWT", "kid": kid });
        let input =
            format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let rng = ring::rand::SystemRandom::new();
        let signature = self.pair.sign(&rng, input.as_bytes()).unwrap();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
    }
}

/// The stand-in provider: discovery, a key set the test controls, and a token endpoint that
/// answers with the ID token the test put there.
#[derive(Clone)]
pub struct FakeProvider {
    pub issuer: String,
    state: Arc<FakeState>,
}

struct FakeState {
    issuer: String,
    published: Mutex<Vec<Value>>,
    next_token: Mutex<Option<String>>,
    key_set_reads: Mutex<usize>,
}

impl FakeProvider {
    pub async fn start(published: &[&SigningKey]) -> FakeProvider {
        use axum::routing::{get, post};
        let listener = super::helpers::bind().await;
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(FakeState {
            issuer: issuer.clone(),
            published: Mutex::new(published.iter().map(|k| k.jwk()).collect()),
            next_token: Mutex::new(None),
            key_set_reads: Mutex::new(0),
        });
        let router = axum::Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(key_set))
            .route("/token", post(token))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        FakeProvider { issuer, state }
    }

    /// Publishes `key` besides the others (a rotation).
    pub fn publish(&self, key: &SigningKey) {
        self.state.published.lock().unwrap().push(key.jwk());
    }

    /// How many times the key set was read.
    pub fn key_set_reads(&self) -> usize {
        *self.state.key_set_reads.lock().unwrap()
    }

    /// The ID token the token endpoint gives next.
    pub fn answer_with(&self, id_token: String) {
        *self.state.next_token.lock().unwrap() = Some(id_token);
    }

    /// The claims of a good ID token for the sign-in whose authorization URL is `authorize`.
    pub fn claims_for(&self, authorize: &str, email: &str) -> Value {
        let now = chrono::Utc::now().timestamp();
        json!({
            "iss": self.issuer, "aud": CLIENT_ID, "sub": format!("sub-{email}"),
            "email": email, "email_verified": true,
            "nonce": query_param(authorize, "nonce"), "iat": now, "exp": now + 300,
        })
    }
}

async fn discovery(axum::extract::State(state): axum::extract::State<Arc<FakeState>>) -> axum::Json<Value> {
    let issuer = &state.issuer;
    axum::Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
    }))
}

async fn key_set(axum::extract::State(state): axum::extract::State<Arc<FakeState>>) -> axum::Json<Value> {
    *state.key_set_reads.lock().unwrap() += 1;
    axum::Json(json!({ "keys": state.published.lock().unwrap().clone() }))
}

async fn token(
    axum::extract::State(state): axum::extract::State<Arc<FakeState>>,
) -> (axum::http::StatusCode, axum::Json<Value>) {
    match state.next_token.lock().unwrap().take() {
        Some(id_token) => (
            axum::http::StatusCode::OK,
            axum::Json(
                json!({ "access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": id_token }),
            ),
        ),
        None => (axum::http::StatusCode::BAD_REQUEST, axum::Json(json!({ "error": "invalid_grant" }))),
    }
}
