//! A passkey as the second factor: after the password, as the factor someone must set up, again
//! at step-up; what adding and removing one do to other sessions; and refused answers throttled.

use super::*;
use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::Value;

/// A test server at `localhost` whose policy asks Global and Billing admins and staff for a
/// second factor (the shipped default).
async fn spawn_with_policy() -> TestApp {
    spawn_app_with(|s| {
        s.public_url = s.public_url.replace("127.0.0.1", "localhost");
        s.mfa_staff = true;
        s.mfa_partner = domain::session::PartnerPolicy::default();
    })
    .await
}

/// Signs in with the password in a new browser; the browser and where it was sent.
async fn password_sign_in(t: &TestApp, email: &str) -> (Browser, String) {
    let browser = t.browser();
    let r = browser.submit("/signin", "/signin", &[("email", email), ("password", PASSWORD)]).await;
    let to = location(&r);
    (browser, to)
}

/// Gives the device's `n`th passkey at `/signin/verify` (after the password, or at step-up),
/// asking to go back to `next`; the answer.
async fn verify_with(browser: &Browser, device: &mut Device, n: usize, next: &str) -> (StatusCode, Value) {
    let page = format!("/signin/verify?next={next}");
    let (status, challenge) = post_json(browser, &page, "/signin/verify/passkey/start", &[]).await;
    assert_eq!(status, StatusCode::OK, "{challenge}");
    let allowed = challenge["options"]["publicKey"]["allowCredentials"].as_array().unwrap().len();
    assert!(allowed > 0, "the challenge names the account's passkeys");
    let credential = device.assert(&challenge["options"], n);
    let ceremony = challenge["ceremony"].as_str().unwrap();
    post_json(
        browser,
        &page,
        "/signin/verify/passkey/finish",
        &[("ceremony", ceremony), ("credential", &credential), ("next", next)],
    )
    .await
}

#[tokio::test]
async fn a_passkey_is_the_second_factor_after_the_password() {
    let t = spawn_with_host().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let mut device = Device::new(&t);
    add_passkey(&ada.browser, &mut device, "/account", "Laptop").await;

    let (browser, to) = password_sign_in(&t, "ada@contoso.example").await;
    assert_eq!(to, "/signin/verify", "a right password is not enough any more");
    assert_eq!(location(&browser.get("/dashboard").await), "/signin/verify");
    let (_, html) = browser.get_text("/signin/verify").await;
    assert!(html.contains("Use a passkey"), "the page offers the passkey");

    let (status, body) = verify_with(&browser, &mut device, 0, "").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["next"], "/dashboard");
    assert_eq!(browser.get("/dashboard").await.status(), StatusCode::OK);
    let (_, security) = browser.get_text("/account/security").await;
    assert!(security.contains("signed in with the passkey"), "a security event says how");
}

#[tokio::test]
async fn someone_who_must_have_a_second_factor_may_make_a_passkey_theirs() {
    let t = spawn_with_policy().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    assert_eq!(location(&ada.browser.get("/dashboard").await), "/account/security/totp");
    let (_, totp) = ada.browser.get_text("/account/security/totp").await;
    assert!(totp.contains("/account/security/passkeys"), "the set-up page offers a passkey instead");
    let (status, html) = ada.browser.get_text("/account/security/passkeys").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Add a passkey to continue"));

    let mut device = Device::new(&t);
    add_passkey(&ada.browser, &mut device, "/account", "Phone").await;
    assert_eq!(ada.browser.get("/dashboard").await.status(), StatusCode::OK, "set up, and in");

    // A passkey alone is both factors: the policy is met at once.
    let (browser, status, body) = sign_in_with(&t, &mut device, "", 0).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(browser.get("/dashboard").await.status(), StatusCode::OK);

    // …and it is her only second factor, so it stays.
    let page = "/account/security/passkeys";
    let (_, html) = ada.browser.get_text(page).await;
    let id = passkey_ids(&html, page).pop().unwrap();
    let r = ada.browser.submit(page, &format!("{page}/{id}/remove"), &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("must keep a second factor"));
    assert_eq!(passkey_ids(&ada.browser.get_text(page).await.1, page), vec![id]);
}

#[tokio::test]
async fn adding_or_removing_a_passkey_signs_out_every_other_session_and_tells_the_owner() {
    let t = spawn_with_host().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let (elsewhere, to) = password_sign_in(&t, "ada@contoso.example").await;
    assert_eq!(to, "/dashboard");
    let mut device = Device::new(&t);
    add_passkey(&ada.browser, &mut device, "/account", "Laptop").await;
    assert_eq!(location(&elsewhere.get("/dashboard").await), "/signin", "the other session ended");
    assert_eq!(ada.browser.get("/dashboard").await.status(), StatusCode::OK, "this one goes on");
    let mails = t.emails_to("ada@contoso.example").await;
    assert!(mails.iter().any(|m| m.contains("A passkey, \"Laptop\", was added")), "{mails:?}");

    let (elsewhere, _, _) = sign_in_with(&t, &mut device, "", 0).await;
    let page = "/account/security/passkeys";
    let id = passkey_ids(&ada.browser.get_text(page).await.1, page).pop().unwrap();
    let r = ada.browser.submit(page, &format!("{page}/{id}/remove"), &[]).await;
    assert_eq!(location(&r), format!("{page}?notice=passkey_removed"));
    assert_eq!(location(&elsewhere.get("/dashboard").await), "/signin");
    assert_eq!(ada.browser.get("/dashboard").await.status(), StatusCode::OK);
    let mails = t.emails_to("ada@contoso.example").await;
    assert!(mails.iter().any(|m| m.contains("The passkey \"Laptop\" was removed")), "{mails:?}");
}

#[tokio::test]
async fn removing_a_passkey_asks_for_the_second_factor_again_after_fifteen_minutes() {
    let t = spawn_with_host().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let mut device = Device::new(&t);
    add_passkey(&ada.browser, &mut device, "/account", "Old").await;
    add_passkey(&ada.browser, &mut device, "/account", "New").await;
    t.clock.advance(chrono::Duration::minutes(16));

    let page = "/account/security/passkeys";
    let (_, html) = ada.browser.get_text(page).await;
    assert!(html.contains("confirm it is you"), "adding waits for step-up too");
    let (status, body) = post_json(&ada.browser, page, &format!("{page}/start"), &[("name", "Third")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["code"], "step_up_required");

    let ids = passkey_ids(&html, page);
    let r = ada.browser.submit(page, &format!("{page}/{}/remove", ids[0]), &[]).await;
    assert!(location(&r).starts_with("/signin/verify?next="), "{}", location(&r));
    let (status, body) = verify_with(&ada.browser, &mut device, 1, page).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["next"], page, "back where step-up was asked");
    let r = ada.browser.submit(page, &format!("{page}/{}/remove", ids[0]), &[]).await;
    assert_eq!(location(&r), format!("{page}?notice=passkey_removed"));
}

#[tokio::test]
async fn refused_answers_are_throttled_and_the_owner_is_told() {
    let t = spawn_with_host().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let mut device = Device::new(&t);
    add_passkey(&ada.browser, &mut device, "/account", "Laptop").await;
    let browser = t.browser();
    let challenge = start_sign_in(&browser, "").await;
    let answer = device.assert(&challenge["options"], 0);
    let (status, _) = finish_sign_in(&browser, "", challenge["ceremony"].as_str().unwrap(), &answer).await;
    assert_eq!(status, StatusCode::OK);

    // The same signed answer, sent again to new challenges: each is a wrong guess at Ada's
    // account from this address.
    for n in 1..=6 {
        let other = t.browser();
        let fresh = start_sign_in(&other, "").await;
        let (status, body) = finish_sign_in(&other, "", fresh["ceremony"].as_str().unwrap(), &answer).await;
        if n <= 5 {
            assert_eq!(status, StatusCode::FORBIDDEN, "attempt {n}: {body}");
            assert_eq!(body["code"], "passkey_not_verified");
        } else {
            assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "attempt {n}: {body}");
            assert_eq!(body["code"], "rate_limited");
        }
    }
    let mails = t.emails_to("ada@contoso.example").await;
    assert!(mails.iter().any(|m| m.contains("repeated failed attempts")), "Ada is told: {mails:?}");
    let (_, security) = ada.browser.get_text("/account/security").await;
    assert!(security.contains("a passkey whose answer was refused"), "her security events list the failures");
}
