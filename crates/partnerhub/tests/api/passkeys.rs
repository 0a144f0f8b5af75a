//! Passkeys through HTTP, with a software authenticator (webauthn-authenticator-rs's
//! `SoftPasskey`) in place of the browser and its device: registering, signing in with a passkey
//! alone at each door, and the refusals (another person's passkey, a ceremony answered twice or
//! late, the wrong door, a removed passkey or account).

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::prelude::{CreationChallengeResponse, RequestChallengeResponse, Url};
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

/// A test server whose public URL names a host: a relying party cannot be an IP address.
async fn spawn_with_host() -> TestApp {
    spawn_app_with(|s| s.public_url = s.public_url.replace("127.0.0.1", "localhost")).await
}

/// A device holding passkeys. `SoftPasskey` keeps no user handle and cannot find its own
/// credentials, so this plays the discoverable part of a real authenticator around it: it
/// remembers each credential with the account's handle (from the registration's options), names
/// the credential to use, and returns the handle with the assertion. Every signature is the
/// soft token's, and every check the server's.
struct Device {
    token: SoftPasskey,
    origin: Url,
    /// The credentials registered, as (credential id, user handle), base64url.
    held: Vec<(String, String)>,
}

impl Device {
    fn new(t: &TestApp) -> Device {
        let origin = Url::parse(&t.app.settings().public_url).unwrap();
        // `true`: it reports user verification, as a device with a PIN or a fingerprint does.
        Device { token: SoftPasskey::new(true), origin, held: Vec::new() }
    }

    /// Answers a registration challenge; returns the credential as JSON text.
    fn register(&mut self, options: &Value) -> String {
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
    fn assert(&mut self, options: &Value, n: usize) -> String {
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
async fn join(t: &TestApp, by: &Partner, email: &str) -> Partner {
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
async fn post_json(browser: &Browser, page: &str, action: &str, fields: &[(&str, &str)]) -> (StatusCode, Value) {
    let r = browser.submit(page, action, fields).await;
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Adds a passkey named `name` through the account's Passkeys page at `base`.
async fn add_passkey(browser: &Browser, device: &mut Device, base: &str, name: &str) {
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
async fn start_sign_in(browser: &Browser, door: &str) -> Value {
    let (status, challenge) =
        post_json(browser, &format!("{door}/signin"), &format!("{door}/signin/passkey/start"), &[]).await;
    assert_eq!(status, StatusCode::OK, "{challenge}");
    challenge
}

async fn finish_sign_in(browser: &Browser, door: &str, ceremony: &str, credential: &str) -> (StatusCode, Value) {
    post_json(
        browser,
        &format!("{door}/signin"),
        &format!("{door}/signin/passkey/finish"),
        &[("ceremony", ceremony), ("credential", credential)],
    )
    .await
}

/// Signs in a new browser at `door` with the device's `n`th passkey; the browser and the answer.
async fn sign_in_with(t: &TestApp, device: &mut Device, door: &str, n: usize) -> (Browser, StatusCode, Value) {
    let browser = t.browser();
    let challenge = start_sign_in(&browser, door).await;
    let credential = device.assert(&challenge["options"], n);
    let (status, body) = finish_sign_in(&browser, door, challenge["ceremony"].as_str().unwrap(), &credential).await;
    (browser, status, body)
}

/// The ids of the passkeys listed on a Passkeys page.
fn passkey_ids(html: &str, page: &str) -> Vec<String> {
    let marker = format!("{page}/pk_");
    html.match_indices(&marker)
        .map(|(at, _)| html[at + page.len() + 1..].split('/').next().unwrap().to_owned())
        .filter(|id| id.len() == 29)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

#[tokio::test]
async fn a_partner_user_adds_a_passkey_and_signs_in_with_it_alone() {
    let t = spawn_with_host().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let mut device = Device::new(&t);
    add_passkey(&ada.browser, &mut device, "/account", "Work laptop").await;

    let (status, html) = ada.browser.get_text("/account/security/passkeys").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Work laptop"), "the passkey is listed by its name");
    assert!(html.contains("never"), "not used yet");

    // A browser with no session: no e-mail address, no password.
    let (browser, status, body) = sign_in_with(&t, &mut device, "", 0).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["next"], "/dashboard");
    let (status, html) = browser.get_text("/dashboard").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Contoso"), "signed in to Ada's org");

    let (_, html) = ada.browser.get_text("/account/security/passkeys").await;
    assert!(html.contains("2027-03-15 09:00 UTC"), "the sign-in shows as its last use");
}

#[tokio::test]
async fn each_sign_in_saves_the_authenticators_counter() {
    let t = spawn_with_host().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let mut device = Device::new(&t);
    add_passkey(&ada.browser, &mut device, "/account", "Key").await;
    let counter = || async {
        let mut conn = t.app.store().read().await.unwrap();
        let text: String =
            store::sql::query_scalar("SELECT credential FROM passkeys").fetch_one(&mut conn).await.unwrap();
        serde_json::from_str::<Value>(&text).unwrap()["cred"]["counter"].as_u64().unwrap()
    };
    assert_eq!(counter().await, 0);
    for expected in 1..=2 {
        let (_, status, _) = sign_in_with(&t, &mut device, "", 0).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(counter().await, expected, "the counter the authenticator signed is kept");
    }
}

#[tokio::test]
async fn a_staff_passkey_opens_only_the_console_and_a_partner_passkey_only_the_portal() {
    let t = spawn_with_host().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let staff = t.staff_admin().await;
    let mut device = Device::new(&t);
    add_passkey(&ada.browser, &mut device, "/account", "Partner key").await;
    add_passkey(&staff, &mut device, "/staff/account", "Staff key").await;

    let (_, status, body) = sign_in_with(&t, &mut device, "/staff", 0).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a partner's passkey at the staff door");
    assert_eq!(body["code"], "passkey_unknown");
    let (_, status, body) = sign_in_with(&t, &mut device, "", 1).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a staff passkey at the partner door");
    assert_eq!(body["code"], "passkey_unknown");

    let (browser, status, body) = sign_in_with(&t, &mut device, "/staff", 1).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["next"], "/staff");
    assert_eq!(browser.get("/staff").await.status(), StatusCode::OK);

    // A sign-in ceremony started at one door cannot be finished at the other.
    let browser = t.browser();
    let challenge = start_sign_in(&browser, "").await;
    let credential = device.assert(&challenge["options"], 1);
    let (status, body) = finish_sign_in(&browser, "/staff", challenge["ceremony"].as_str().unwrap(), &credential).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["code"], "ceremony_expired");
}

#[tokio::test]
async fn a_ceremony_is_answered_once_and_an_answer_counts_once() {
    let t = spawn_with_host().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let mut device = Device::new(&t);
    add_passkey(&ada.browser, &mut device, "/account", "Key").await;

    let browser = t.browser();
    let challenge = start_sign_in(&browser, "").await;
    let ceremony = challenge["ceremony"].as_str().unwrap();
    let credential = device.assert(&challenge["options"], 0);
    assert_eq!(finish_sign_in(&browser, "", ceremony, &credential).await.0, StatusCode::OK);

    // The same answer again, to its own ceremony: that ceremony is gone.
    let (status, body) = finish_sign_in(&t.browser(), "", ceremony, &credential).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["code"], "ceremony_expired");

    // The same answer to a new ceremony: it signed another challenge.
    let other = t.browser();
    let fresh = start_sign_in(&other, "").await;
    let (status, body) = finish_sign_in(&other, "", fresh["ceremony"].as_str().unwrap(), &credential).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["code"], "passkey_not_verified");
    // …and that failure used the new ceremony up too.
    let good = device.assert(&fresh["options"], 0);
    let (status, body) = finish_sign_in(&other, "", fresh["ceremony"].as_str().unwrap(), &good).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["code"], "ceremony_expired");
}

#[tokio::test]
async fn a_ceremony_left_five_minutes_is_refused() {
    let t = spawn_with_host().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let mut device = Device::new(&t);

    let page = "/account/security/passkeys";
    let (_, challenge) = post_json(&ada.browser, page, &format!("{page}/start"), &[("name", "Late")]).await;
    let credential = device.register(&challenge["options"]);
    t.clock.advance(chrono::Duration::minutes(5));
    let (status, body) = post_json(
        &ada.browser,
        page,
        &format!("{page}/finish"),
        &[("ceremony", challenge["ceremony"].as_str().unwrap()), ("credential", &credential)],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["code"], "ceremony_expired");
    assert!(body["detail"].as_str().unwrap().contains("start again"), "{body}");
    let (_, html) = ada.browser.get_text(page).await;
    assert!(!html.contains("Late"), "nothing was registered");

    let mut conn = t.app.store().read().await.unwrap();
    let left: i64 =
        store::sql::query_scalar("SELECT COUNT(*) FROM webauthn_ceremonies").fetch_one(&mut conn).await.unwrap();
    assert_eq!(left, 0, "a ceremony taken is deleted, expired or not");
}

#[tokio::test]
async fn a_registration_is_finished_only_by_the_account_that_started_it() {
    let t = spawn_with_host().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let bea = join(&t, &ada, "bea@contoso.example").await;
    let mut device = Device::new(&t);

    let page = "/account/security/passkeys";
    let (_, challenge) = post_json(&ada.browser, page, &format!("{page}/start"), &[("name", "Ada's")]).await;
    let credential = device.register(&challenge["options"]);
    let (status, body) = post_json(
        &bea.browser,
        page,
        &format!("{page}/finish"),
        &[("ceremony", challenge["ceremony"].as_str().unwrap()), ("credential", &credential)],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["code"], "ceremony_expired");
    let (_, html) = bea.browser.get_text(page).await;
    assert!(passkey_ids(&html, page).is_empty(), "Bea got no passkey");
}

#[tokio::test]
async fn another_persons_passkey_is_not_found() {
    let t = spawn_with_host().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let bea = join(&t, &ada, "bea@contoso.example").await;
    let zed = t.sign_up("Fabrikam", "zed@fabrikam.example").await;
    let staff = t.staff_admin().await;
    let mut device = Device::new(&t);
    add_passkey(&ada.browser, &mut device, "/account", "Ada laptop").await;
    let page = "/account/security/passkeys";
    let (_, html) = ada.browser.get_text(page).await;
    let id = passkey_ids(&html, page).pop().expect("Ada's passkey is listed");

    for (who, base) in [(&bea.browser, "/account"), (&zed.browser, "/account"), (&staff, "/staff/account")] {
        let own = format!("{base}/security/passkeys");
        let r = who.submit(&own, &format!("{own}/{id}/remove"), &[]).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{base}: removing");
        let r = who.submit(&own, &format!("{own}/{id}/rename"), &[("name", "Mine now")]).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{base}: renaming");
    }
    let (_, html) = ada.browser.get_text(page).await;
    assert!(html.contains("Ada laptop"), "still there, still named so");
    let (_, status, _) = sign_in_with(&t, &mut device, "", 0).await;
    assert_eq!(status, StatusCode::OK, "and still signs Ada in");
}

#[tokio::test]
async fn a_passkey_is_renamed_and_removed_by_its_owner_and_both_are_audited() {
    let t = spawn_with_host().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let mut device = Device::new(&t);
    add_passkey(&ada.browser, &mut device, "/account", "Phone").await;
    let page = "/account/security/passkeys";
    let (_, html) = ada.browser.get_text(page).await;
    let id = passkey_ids(&html, page).pop().unwrap();

    let r = ada.browser.submit(page, &format!("{page}/{id}/rename"), &[("name", "   ")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("passkey name"), "the page says what was wrong");
    let r = ada.browser.submit(page, &format!("{page}/{id}/rename"), &[("name", "Old phone")]).await;
    assert_eq!(location(&r), format!("{page}?notice=passkey_renamed"));
    let (_, html) = ada.browser.get_text(page).await;
    assert!(html.contains("Old phone"));

    let r = ada.browser.submit(page, &format!("{page}/{id}/remove"), &[]).await;
    assert_eq!(location(&r), format!("{page}?notice=passkey_removed"));
    let (_, html) = ada.browser.get_text(page).await;
    assert!(passkey_ids(&html, page).is_empty());
    let (_, status, body) = sign_in_with(&t, &mut device, "", 0).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a removed passkey signs nobody in");
    assert_eq!(body["code"], "passkey_unknown");

    let staff = t.staff_admin().await;
    let (_, audit) = staff.get_text("/staff/audit").await;
    for action in ["passkey.added", "passkey.renamed", "passkey.removed"] {
        assert!(audit.contains(action), "the audit log has {action}");
    }
}

#[tokio::test]
async fn a_removed_user_cannot_sign_in_with_their_passkey() {
    let t = spawn_with_host().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let bea = join(&t, &ada, "bea@contoso.example").await;
    let mut device = Device::new(&t);
    add_passkey(&bea.browser, &mut device, "/account", "Bea's key").await;
    let bea_id = t.user_id("bea@contoso.example").await;
    let r = ada.browser.submit(&format!("/users/{bea_id}"), &format!("/users/{bea_id}/remove"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let (_, status, body) = sign_in_with(&t, &mut device, "", 0).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["code"], "passkey_unknown");
}

#[tokio::test]
async fn a_device_holds_one_passkey_per_account_and_an_account_at_most_ten() {
    let t = spawn_with_host().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let mut devices: Vec<Device> = Vec::new();
    for n in 0..10 {
        let mut device = Device::new(&t);
        add_passkey(&ada.browser, &mut device, "/account", &format!("Key {n}")).await;
        devices.push(device);
    }
    let page = "/account/security/passkeys";
    let (status, body) = post_json(&ada.browser, page, &format!("{page}/start"), &[("name", "Key 11")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["detail"].as_str().unwrap().contains("remove one"), "{body}");

    // The options name the account's credentials, so a device does not register twice.
    let r = ada
        .browser
        .submit(page, &format!("{page}/{}/remove", passkey_ids(&ada.browser.get_text(page).await.1, page)[0]), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, challenge) = post_json(&ada.browser, page, &format!("{page}/start"), &[("name", "Again")]).await;
    let excluded = challenge["options"]["publicKey"]["excludeCredentials"].as_array().unwrap();
    assert_eq!(excluded.len(), 9);
}

#[tokio::test]
async fn bad_answers_get_clear_refusals() {
    let t = spawn_with_host().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let page = "/account/security/passkeys";
    let (_, challenge) = post_json(&ada.browser, page, &format!("{page}/start"), &[("name", "Key")]).await;
    let ceremony = challenge["ceremony"].as_str().unwrap();
    let (status, body) =
        post_json(&ada.browser, page, &format!("{page}/finish"), &[("ceremony", ceremony), ("credential", "{}")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["field"], "credential");

    for ceremony in ["", "wac_nope", "wac_0000000000000000000000000a"] {
        let (status, body) = finish_sign_in(&t.browser(), "", ceremony, "{}").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{ceremony}");
        assert_eq!(body["code"], "ceremony_expired");
    }

    let (status, body) = post_json(&ada.browser, page, &format!("{page}/start"), &[("name", "")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["field"], "name");

    // Without the form's token, as a forged cross-site post would be.
    let r = t.browser().post_without_csrf("/signin/passkey/start", &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn passkeys_are_not_offered_at_an_ip_address() {
    let t = spawn_app().await;
    let (_, html) = t.browser().get_text("/signin").await;
    assert!(!html.contains("Sign in with a passkey"), "the sign-in page does not offer them");
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let page = "/account/security/passkeys";
    let (status, html) = ada.browser.get_text(page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("not an IP address"), "the page says why");
    let (status, body) = post_json(&ada.browser, page, &format!("{page}/start"), &[("name", "Key")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["code"], "passkeys_unavailable");
}
