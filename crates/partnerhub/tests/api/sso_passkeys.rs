//! An org that requires single sign-on refuses its users' passkeys as it refuses their
//! passwords: access taken away at the provider is taken away here (the stand-in provider of
//! `oidc` links the Global admin; the software authenticator of `passkeys` holds the passkey).

use super::helpers::{location, spawn_app_with};
use super::oidc::{self, FakeProvider, SigningKey};
use super::passkeys::{Device, add_passkey, sign_in_with};
use domain::sso::SsoPolicy;
use reqwest::StatusCode;

#[tokio::test]
async fn an_org_that_requires_single_sign_on_refuses_a_passkey_alone() {
    let key = SigningKey::new("k1");
    let provider = FakeProvider::start(&[&key]).await;
    let issuer = provider.issuer.clone();
    let t = spawn_app_with(|s| {
        // A relying party needs a host name, not an address.
        s.public_url = s.public_url.replace("127.0.0.1", "localhost");
        s.sso = Some(oidc::settings(&issuer, SsoPolicy { partners: true, ..SsoPolicy::default() }));
    })
    .await;
    t.clock.set(chrono::Utc::now());
    let pat = t.sign_up("Pat Corp", "pat@partner.example").await;
    let mut device = Device::new(&t);
    add_passkey(&pat.browser, &mut device, "/account", "Laptop").await;
    let (_, status, _) = sign_in_with(&t, &mut device, "", 0).await;
    assert_eq!(status, StatusCode::OK, "the passkey signs in while the org does not require the provider");

    // Pat signs in through the provider once (her account is linked), then requires it.
    let authorize = oidc::start(&pat.browser, "/signin").await;
    provider.answer_with(key.sign("k1", &provider.claims_for(&authorize, "pat@partner.example")));
    let state = oidc::query_param(&authorize, "state");
    let r = pat.browser.get(&format!("/sso/callback?code=any&state={state}")).await;
    assert_eq!(location(&r), "/dashboard");
    let r = pat.browser.submit("/users", "/users/sso", &[("required", "on")]).await;
    assert_eq!(location(&r), "/users?notice=sso_required");

    let (browser, status, body) = sign_in_with(&t, &mut device, "", 0).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.to_string().contains("requires signing in with Test ID"), "{body}");
    let (_, page) = browser.get_text("/dashboard").await;
    assert!(!page.contains("Pat Corp"), "not signed in");
    assert!(oidc::audited(&t, "session.refused").await[0].contains("passkey sign-in refused"));
}
