//! Passkeys through HTTP, with a software authenticator (webauthn-authenticator-rs's
//! `SoftPasskey`) in place of the browser and its device: adding, naming and removing them
//! (`registration`), signing in with one alone at each door (`sign_in`), and giving one as the
//! second factor (`second_factor`), with the refusals of each. This file has what they share.

mod registration;
mod second_factor;
mod sign_in;

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::prelude::{CreationChallengeResponse, RequestChallengeResponse, Url};
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

/// A test server whose public URL names a host: a relying party cannot be an IP address.
pub async fn spawn_with_host() -> TestApp {
    spawn_app_with(|s| s.public_url = s.public_url.replace("127.0.0.1", "localhost")).await
}

/// A device holding passkeys. `SoftPasskey` keeps no user handle and cannot find its own
/// credentials, so this plays the discoverable part of a real authenticator around it: it
/// remembers each credential with the account's handle (from the registration's options), names
/// the credential to use, and returns the handle with the assertion. Every signature is the
/// soft token's, and every check the server's.
pub struct Device {
    token: SoftPasskey,
    origin: Url,
    /// The credentials registered, as (credential id, user handle), base64url.
    held: Vec<(String, String)>,
}

impl Device {
    pub fn new(t: &TestApp) -> Device {
        let origin = Url::parse(&t.app.settings().public_url).unwrap();
        // `true`: it reports user verification, as a device with a PIN or a fingerprint does.
        Device { token: SoftPasskey::new(true), origin, held: Vec::new() }
    }

    /// Answers a registration challenge; returns the credential as JSON text.
    pub fn register(&mut self, options: &Value) -> String {
        let mut options = options.clone();
        // The soft token cannot store a discoverable credential and refuses a request for one;
        // the server asks for one, and does not (cannot) check what the device did.
        options["publicKey"]["authenticatorSelection"]["residentKey"] = json!("discouraged");
        options["publicKey"]["authenticatorSelection"]["requireResidentKey"] = json!(false);
        let handle = options["publicKey"]["user"]["id"].as_str().unwrap().to_owned();
        let options: CreationChallengeResponse = serde_json::from_value(options).unwrap();
        let credential = self.token.do_registration(self.origin.clone(), options).expect("the soft token registers");
        let credential = serde_json::to_value(&credential).unwrap();
        self.held.push((credential["rawId"].as_str().unwrap().to_owned(), handle));
        credential.to_string()
    }

    /// Answers a sign-in challenge with the `n`th credential held; returns it as JSON text.
    pub fn assert(&mut self, options: &Value, n: usize) -> String {
        let (id, handle) = self.held[n].clone();
        let mut options = options.clone();
        if options["publicKey"]["allowCredentials"].as_array().is_none_or(Vec::is_empty) {
            options["publicKey"]["allowCredentials"] = json!([{ "type": "public-key", "id": id }]);
        }
        let options: RequestChallengeResponse = serde_json::from_value(options).unwrap();
        let answer = self.token.do_authentication(self.origin.clone(), options).expect("the soft token signs");
        let mut answer = serde_json::to_value(&answer).unwrap();
        answer["response"]["userHandle"] = json!(handle);
        answer.to_string()
    }
}

/// Invites `email` as a Member of `by`'s org and accepts in a new browser. (The shared helper
/// reads the link against the server's address; here the links name `localhost`.)
pub async fn join(t: &TestApp, by: &Partner, email: &str) -> Partner {
    let r = by.browser.submit("/users", "/users/invite", &[("email", email), ("role", "member")]).await;
    assert_eq!(location(&r), "/users?notice=invited");
    let link = invitation_link(&t.last_email_to(email).await);
    let path = link.strip_prefix(&t.app.settings().public_url).expect("a link to the server").to_owned();
    let browser = t.browser();
    let r = browser.submit(&path, &path, &[("name", "Bea Member"), ("password", PASSWORD)]).await;
    assert_eq!(location(&r), "/dashboard?notice=joined");
    Partner { browser, email: email.to_owned() }
}

/// Posts a form to a passkey route with the CSRF field of `page`; the JSON answer.
pub async fn post_json(browser: &Browser, page: &str, action: &str, fields: &[(&str, &str)]) -> (StatusCode, Value) {
    let r = browser.submit(page, action, fields).await;
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Adds a passkey named `name` through the account's Passkeys page at `base`.
pub async fn add_passkey(browser: &Browser, device: &mut Device, base: &str, name: &str) {
    let page = format!("{base}/security/passkeys");
    let (status, challenge) = post_json(browser, &page, &format!("{page}/start"), &[("name", name)]).await;
    assert_eq!(status, StatusCode::OK, "{challenge}");
    let credential = device.register(&challenge["options"]);
    let ceremony = challenge["ceremony"].as_str().unwrap();
    let (status, done) =
        post_json(browser, &page, &format!("{page}/finish"), &[("ceremony", ceremony), ("credential", &credential)])
            .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["next"], format!("{page}?notice=passkey_added"));
}

/// Starts a passkey sign-in at `door` (`""` or `"/staff"`) in `browser`.
pub async fn start_sign_in(browser: &Browser, door: &str) -> Value {
    let (status, challenge) =
        post_json(browser, &format!("{door}/signin"), &format!("{door}/signin/passkey/start"), &[]).await;
    assert_eq!(status, StatusCode::OK, "{challenge}");
    challenge
}

pub async fn finish_sign_in(browser: &Browser, door: &str, ceremony: &str, credential: &str) -> (StatusCode, Value) {
    post_json(
        browser,
        &format!("{door}/signin"),
        &format!("{door}/signin/passkey/finish"),
        &[("ceremony", ceremony), ("credential", credential)],
    )
    .await
}

/// Signs in a new browser at `door` with the device's `n`th passkey; the browser and the answer.
pub async fn sign_in_with(t: &TestApp, device: &mut Device, door: &str, n: usize) -> (Browser, StatusCode, Value) {
    let browser = t.browser();
    let challenge = start_sign_in(&browser, door).await;
    let credential = device.assert(&challenge["options"], n);
    let (status, body) = finish_sign_in(&browser, door, challenge["ceremony"].as_str().unwrap(), &credential).await;
    (browser, status, body)
}

/// The ids of the passkeys listed on a Passkeys page.
pub fn passkey_ids(html: &str, page: &str) -> Vec<String> {
    let marker = format!("{page}/pk_");
    html.match_indices(&marker)
        .map(|(at, _)| html[at + page.len() + 1..].split('/').next().unwrap().to_owned())
        .filter(|id| id.len() == 29)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}
