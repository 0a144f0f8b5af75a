//! Rate limits that a client cannot step around: one bucket per API token however the header
//! is spelled, the client's address for anything without a valid token, sign-ups limited per
//! address, and `X-Forwarded-For` believed only from a trusted proxy.

use crate::helpers::*;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, RETRY_AFTER};
use serde_json::{Value, json};

fn new_org(n: usize) -> Value {
    json!({
        "company_name": format!("Org {n}"), "country": "US", "name": "Ada Admin",
        "email": format!("ada{n}@org{n}.example"), "password": PASSWORD,
    })
}

#[tokio::test]
async fn a_token_has_one_bucket_however_the_header_is_spaced() {
    let t = spawn_app_with(|s| s.api_rate_per_minute = 5).await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let token = t.token_for(&ada.browser, "/account").await;
    let client = http_client().build().unwrap();
    let me = |auth: String| client.get(format!("{}/api/v1/me", t.url)).header(AUTHORIZATION, auth).send();
    for _ in 0..5 {
        assert_eq!(me(format!("Bearer {token}")).await.unwrap().status(), StatusCode::OK);
    }
    assert_eq!(me(format!("Bearer {token}")).await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
    for spelled in [format!("Bearer  {token}"), format!("Bearer {token} "), format!("Bearer \t{token}")] {
        let r = me(spelled.clone()).await.unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "{spelled:?} is the same token");
        assert!(r.headers().contains_key(RETRY_AFTER));
    }
}

#[tokio::test]
async fn calls_without_a_valid_token_count_against_the_address_whatever_the_header() {
    let t = spawn_app_with(|s| s.api_rate_per_minute = 3).await;
    let client = http_client().build().unwrap();
    let signup = |auth: Option<String>| {
        let mut rb = client.post(format!("{}/api/v1/signup", t.url)).json(&json!({"company_name": ""}));
        if let Some(auth) = auth {
            rb = rb.header(AUTHORIZATION, auth);
        }
        rb.send()
    };
    for n in 0..3 {
        let r = signup(Some(format!("junk-{n}"))).await.unwrap();
        assert_ne!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    for auth in [Some("junk-4".to_owned()), Some("Bearer phk_not_a_token".to_owned()), None] {
        assert_eq!(signup(auth.clone()).await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS, "{auth:?}");
    }
}

#[tokio::test]
async fn one_address_signs_up_ten_orgs_an_hour_through_the_api_and_the_portal_together() {
    // The shipped default, which the test bed raises for its other tests.
    let t = spawn_app_with(|s| s.signup_rate_per_hour = app::Settings::default().signup_rate_per_hour).await;
    let client = http_client().build().unwrap();
    for n in 0..10 {
        let r = client.post(format!("{}/api/v1/signup", t.url)).json(&new_org(n)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "sign-up {n}");
    }
    let r = client
        .post(format!("{}/api/v1/signup", t.url))
        .header(AUTHORIZATION, "anything")
        .json(&new_org(10))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = r.headers()[RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((60..=3600).contains(&wait), "one sign-up comes back in about six minutes: {wait}");
    let browser = t.browser();
    let r = browser
        .submit(
            "/signup",
            "/signup",
            &[
                ("company_name", "Org 11"),
                ("country", "US"),
                ("name", "Ada"),
                ("email", "a@o11.example"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "the portal's form counts too");
    // After an hour the address may sign up again.
    t.clock.advance(chrono::Duration::hours(1));
    let r = client.post(format!("{}/api/v1/signup", t.url)).json(&new_org(12)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn forwarded_addresses_are_believed_only_from_a_trusted_proxy() {
    let post = |t: &TestApp, n: usize, forwarded: &str| {
        let client = http_client().build().unwrap();
        let url = format!("{}/api/v1/signup", t.url);
        let forwarded = forwarded.to_owned();
        async move { client.post(url).header("x-forwarded-for", forwarded).json(&new_org(n)).send().await.unwrap() }
    };
    // Nobody trusted: every header is the same peer, 127.0.0.1.
    let direct = spawn_app_with(|s| s.signup_rate_per_hour = 2).await;
    assert_eq!(post(&direct, 0, "203.0.113.1").await.status(), StatusCode::CREATED);
    assert_eq!(post(&direct, 1, "203.0.113.2").await.status(), StatusCode::CREATED);
    assert_eq!(post(&direct, 2, "203.0.113.3").await.status(), StatusCode::TOO_MANY_REQUESTS);

    // Behind a trusted proxy on 127.0.0.1: the client it names, for the limit and the audit log.
    let proxied = spawn_app_with(|s| {
        s.signup_rate_per_hour = 2;
        s.trusted_proxies = domain::net::Cidr::parse_list("127.0.0.1").unwrap();
    })
    .await;
    for n in 0..2 {
        assert_eq!(post(&proxied, n, "198.51.100.9, 203.0.113.1").await.status(), StatusCode::CREATED);
    }
    assert_eq!(post(&proxied, 2, "203.0.113.1").await.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(post(&proxied, 3, "203.0.113.2").await.status(), StatusCode::CREATED, "another client");
    let staff = crate::competencies::staff_api(&proxied).await;
    let (_, events) = staff.get("/api/v1/audit-events?limit=100").await;
    let addresses: Vec<&str> = events["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"].as_str().is_some_and(|a| a.starts_with("org.")))
        .filter_map(|e| e["address"].as_str())
        .collect();
    assert!(addresses.contains(&"203.0.113.2"), "{events}");
    assert!(!addresses.contains(&"198.51.100.9"), "written by the client, not the proxy");
}

#[tokio::test]
async fn sign_in_forms_and_invitations_are_limited_per_address() {
    let t = spawn_app_with(|s| s.form_rate_per_minute = 3).await;
    let browser = t.browser();
    for n in 0..3 {
        let email = format!("nobody{n}@example.com");
        let r = browser.submit("/signin", "/signin", &[("email", &email), ("password", PASSWORD)]).await;
        assert_ne!(r.status(), StatusCode::TOO_MANY_REQUESTS, "attempt {n}");
    }
    let r = browser.submit("/signin", "/signin", &[("email", "nobody@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key(RETRY_AFTER));
    let r =
        browser.submit("/staff/signin", "/staff/signin", &[("email", "x@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "the staff sign-in shares the address's bucket");
    let (status, _) = t
        .api(None)
        .post("/api/v1/invitations/accept", json!({"token": "nope", "name": "N", "password": PASSWORD}))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    t.clock.advance(chrono::Duration::seconds(20));
    let r = browser.submit("/signin", "/signin", &[("email", "nobody@example.com"), ("password", PASSWORD)]).await;
    assert_ne!(r.status(), StatusCode::TOO_MANY_REQUESTS, "one attempt back every 20 seconds");
}
