//! Adding, naming and removing passkeys, and the refusals: a ceremony finished late or by
//! another account, another person's passkey, too many, bad answers, an IP address.

use super::*;
use crate::helpers::*;
use reqwest::StatusCode;

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
