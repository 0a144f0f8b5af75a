//! The ID token's checks, against a stand-in provider that signs whatever token a test asks
//! for: a token signed by a key the provider does not publish, one carrying another sign-in's
//! nonce, for another client or from another issuer, or out of date is refused; keys the
//! provider rotated in are fetched again, at most once a minute.

use super::helpers::{Browser, TestApp, location};
use super::oidc::{self, FakeProvider, SigningKey};
use domain::sso::SsoPolicy;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn spawn_with(provider: &FakeProvider) -> TestApp {
    let issuer = provider.issuer.clone();
    let t = super::helpers::spawn_app_with(|s| s.sso = Some(oidc::settings(&issuer, SsoPolicy::default()))).await;
    t.clock.set(chrono::Utc::now());
    t
}

/// Starts a staff sign-in, has the provider answer with `make(claims)`'s token, and returns the
/// callback's answer.
async fn finish_with(
    t: &TestApp,
    browser: &Browser,
    provider: &FakeProvider,
    make: impl FnOnce(Value) -> String,
) -> reqwest::Response {
    let authorize = oidc::start(browser, "/staff/signin").await;
    provider.answer_with(make(provider.claims_for(&authorize, &t.admin_email)));
    let state = oidc::query_param(&authorize, "state");
    browser.get(&format!("/sso/callback?code=any&state={state}")).await
}

async fn refused_with(r: reqwest::Response, words: &str) {
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // As the page shows it: HTML-escaped, the first letter a capital.
    let page = r.text().await.unwrap().replace("&#39;", "'").to_lowercase();
    assert!(page.contains(&words.to_lowercase()), "expected {words:?} in {page}");
}

#[tokio::test]
async fn a_token_the_provider_signed_is_taken_and_one_signed_by_another_key_is_refused() {
    let published = SigningKey::new("published");
    let provider = FakeProvider::start(&[&published]).await;
    let t = spawn_with(&provider).await;
    assert_eq!(provider.key_set_reads(), 1, "read once at start");

    let r = finish_with(&t, &t.browser(), &provider, |c| published.sign("published", &c)).await;
    assert_eq!(location(&r), "/staff", "the provider's own token signs in");

    // A key of someone else's, under its own name: not among the provider's keys even after
    // asking for them again.
    let stranger = SigningKey::new("stranger");
    let r = finish_with(&t, &t.browser(), &provider, |c| stranger.sign("stranger", &c)).await;
    refused_with(r, "signed with a key that is not among the provider's keys").await;
    assert_eq!(provider.key_set_reads(), 2, "an unknown key makes us ask again, once");

    // The same key passing itself off as the provider's.
    let r = finish_with(&t, &t.browser(), &provider, |c| stranger.sign("published", &c)).await;
    refused_with(r, "its signature does not verify").await;
}

#[tokio::test]
async fn a_token_with_another_sign_ins_nonce_or_none_is_refused() {
    let key = SigningKey::new("k1");
    let provider = FakeProvider::start(&[&key]).await;
    let t = spawn_with(&provider).await;
    let browser = t.browser();

    // The nonce of an earlier sign-in of the same browser.
    let earlier = oidc::start(&browser, "/staff/signin").await;
    let earlier_nonce = oidc::query_param(&earlier, "nonce");
    let r = finish_with(&t, &browser, &provider, |mut c| {
        c["nonce"] = json!(earlier_nonce);
        key.sign("k1", &c)
    })
    .await;
    refused_with(r, "its nonce does not match").await;

    let r = finish_with(&t, &browser, &provider, |mut c| {
        c.as_object_mut().unwrap().remove("nonce");
        key.sign("k1", &c)
    })
    .await;
    refused_with(r, "its nonce does not match").await;
    let refused = oidc::audited(&t, "sso.refused").await;
    assert!(refused.len() == 2 && refused[0].contains("sso_wrong_nonce"), "{refused:?}");
}

#[tokio::test]
async fn the_issuer_the_audience_and_the_times_are_checked() {
    let key = SigningKey::new("k1");
    let provider = FakeProvider::start(&[&key]).await;
    let t = spawn_with(&provider).await;
    let now = chrono::Utc::now().timestamp();

    let r = finish_with(&t, &t.browser(), &provider, |mut c| {
        c["iss"] = json!("https://someone-else.example");
        key.sign("k1", &c)
    })
    .await;
    refused_with(r, "issued by another provider").await;
    let r = finish_with(&t, &t.browser(), &provider, |mut c| {
        c["aud"] = json!("another-client");
        key.sign("k1", &c)
    })
    .await;
    refused_with(r, "issued for another application").await;
    let r = finish_with(&t, &t.browser(), &provider, |mut c| {
        c["aud"] = json!([oidc::CLIENT_ID, "another-client"]);
        key.sign("k1", &c)
    })
    .await;
    refused_with(r, "issued for another application").await;

    // Expired longer ago than the allowed skew (2 minutes): refused; a minute ago: taken.
    let r = finish_with(&t, &t.browser(), &provider, |mut c| {
        c["iat"] = json!(now - 600);
        c["exp"] = json!(now - 180);
        key.sign("k1", &c)
    })
    .await;
    refused_with(r, "its times are outside what our clock allows").await;
    let r = finish_with(&t, &t.browser(), &provider, |mut c| {
        c["iat"] = json!(now + 600);
        c["exp"] = json!(now + 900);
        key.sign("k1", &c)
    })
    .await;
    refused_with(r, "its times are outside what our clock allows").await;
    let r = finish_with(&t, &t.browser(), &provider, |mut c| {
        c["iat"] = json!(now - 300);
        c["exp"] = json!(now - 60);
        key.sign("k1", &c)
    })
    .await;
    assert_eq!(location(&r), "/staff", "{}", r.text().await.unwrap());
}

#[tokio::test]
async fn keys_the_provider_rotated_in_are_fetched_again_at_most_once_a_minute() {
    let old = SigningKey::new("2026-old");
    let provider = FakeProvider::start(&[&old]).await;
    let t = spawn_with(&provider).await;

    let new = SigningKey::new("2027-new");
    provider.publish(&new);
    let r = finish_with(&t, &t.browser(), &provider, |c| new.sign("2027-new", &c)).await;
    assert_eq!(location(&r), "/staff", "the new key was fetched: {}", r.text().await.unwrap());
    assert_eq!(provider.key_set_reads(), 2);

    // Another key right after: not fetched again within the minute, so refused.
    let newer = SigningKey::new("2028-newer");
    provider.publish(&newer);
    let r = finish_with(&t, &t.browser(), &provider, |c| newer.sign("2028-newer", &c)).await;
    refused_with(r, "not among the provider's keys").await;
    assert_eq!(provider.key_set_reads(), 2);

    // A minute on, it is.
    t.clock.advance(chrono::Duration::seconds(61));
    let r = finish_with(&t, &t.browser(), &provider, |c| newer.sign("2028-newer", &c)).await;
    assert_eq!(location(&r), "/staff");
    assert_eq!(provider.key_set_reads(), 3);
}
