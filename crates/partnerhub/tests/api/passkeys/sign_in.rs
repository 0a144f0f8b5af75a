//! Signing in with a passkey alone: at its own door only, once per answer, with its counter
//! kept.

use super::*;
use reqwest::StatusCode;
use serde_json::Value;

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
    // A moment as the reader's locale writes it, in the program's time zone (UTC in the demo).
    assert!(html.contains("March 15, 2027 at 9:00\u{202f}AM UTC"), "the sign-in shows as its last use");
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
