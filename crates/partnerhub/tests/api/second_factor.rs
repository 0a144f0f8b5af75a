//! Second factors and sessions: the policy makes a Global admin (and staff) set up an
//! authenticator app before anything else; a password then leads to the code; codes and
//! recovery codes work once and wrong ones are throttled; sessions rotate, are listed and can
//! be ended, go idle and end at their limit; step-up asks again after 15 minutes.

use crate::checkout::futures_join_all;
use crate::helpers::*;
use chrono::Duration;
use domain::session::{Lifetime, PartnerPolicy};
use domain::totp;
use reqwest::StatusCode;

/// The test server with the default second-factor policy and session lifetimes.
async fn spawn_with_policy() -> TestApp {
    spawn_app_with(|s| {
        s.mfa_staff = true;
        s.mfa_partner = PartnerPolicy::default();
        s.session_lifetime = Lifetime::default();
    })
    .await
}

/// The text of the element with `id`, up to its first tag.
fn text_of(html: &str, id: &str) -> String {
    let start = html.find(&format!("id=\"{id}\">")).unwrap_or_else(|| panic!("#{id} in {html}")) + id.len() + 6;
    html[start..].split('<').next().unwrap().trim().to_owned()
}

fn code_now(t: &TestApp, secret: &[u8]) -> String {
    let now = app::clock::Clock::now(t.clock.as_ref());
    totp::format_code(totp::code_at(secret, totp::step_at(now.timestamp())))
}

/// Sets up an authenticator through `{base}/security/totp`; returns its secret and the
/// recovery codes shown.
pub async fn enrol(t: &TestApp, browser: &Browser, base: &str) -> (Vec<u8>, Vec<String>) {
    let path = format!("{base}/security/totp");
    let (status, html) = browser.get_text(&path).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let secret = totp::base32_decode(&text_of(&html, "totp-secret").replace(' ', "")).expect("a Base32 key");
    assert!(html.contains("<svg"), "a QR code drawn on the server");
    let r = browser.submit(&path, &path, &[("code", &code_now(t, &secret))]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    let list = &html[html.find("id=\"recovery-codes\"").expect("recovery codes shown")..];
    let codes: Vec<String> =
        list.split("<code>").skip(1).take(10).map(|c| c.split('<').next().unwrap().to_owned()).collect();
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

/// Signs `email` in with the password; returns where the sign-in sent the browser.
async fn password(browser: &Browser, door: &str, email: &str, password: &str) -> String {
    let r = browser.submit(door, door, &[("email", email), ("password", password)]).await;
    location(&r)
}

fn session_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers().get_all(reqwest::header::SET_COOKIE).iter().find_map(|v| {
        let v = v.to_str().ok()?;
        v.strip_prefix("ph_session=").map(|rest| rest.split(';').next().unwrap().to_owned())
    })
}

async fn with_cookie(t: &TestApp, cookie: &str, path: &str) -> reqwest::Response {
    let client = http_client().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    client.get(format!("{}{path}", t.url)).header("cookie", format!("ph_session={cookie}")).send().await.unwrap()
}

#[tokio::test]
async fn a_global_admin_sets_up_an_authenticator_first_and_then_signs_in_with_a_code() {
    let t = spawn_with_policy().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    for page in ["/dashboard", "/users", "/account", "/partnership/offers"] {
        assert_eq!(location(&ada.browser.get(page).await), "/account/security/totp", "{page}");
    }
    let (secret, _) = enrol(&t, &ada.browser, "/account").await;
    assert_eq!(ada.browser.get("/dashboard").await.status(), StatusCode::OK);

    let browser = t.browser();
    assert_eq!(password(&browser, "/signin", &ada.email, PASSWORD).await, "/signin/verify");
    assert_eq!(location(&browser.get("/dashboard").await), "/signin/verify", "nothing before the code");
    let r = browser.submit("/signin/verify", "/signin/verify", &[("code", "000000")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("not right"));
    t.clock.advance(Duration::seconds(30));
    let code = code_now(&t, &secret);
    let r = browser.submit("/signin/verify", "/signin/verify", &[("code", &code)]).await;
    assert_eq!(location(&r), "/dashboard");
    assert_eq!(browser.get("/dashboard").await.status(), StatusCode::OK);

    // The same code, typed again in its window by someone who has the password, is refused.
    let thief = t.browser();
    assert_eq!(password(&thief, "/signin", &ada.email, PASSWORD).await, "/signin/verify");
    let r = thief.submit("/signin/verify", "/signin/verify", &[("code", &code)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(location(&thief.get("/dashboard").await), "/signin/verify");
}

#[tokio::test]
async fn a_recovery_code_signs_in_once_and_the_owner_is_told() {
    let t = spawn_with_policy().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let (_, codes) = enrol(&t, &ada.browser, "/account").await;
    let browser = t.browser();
    password(&browser, "/signin", &ada.email, PASSWORD).await;
    let typed = codes[3].to_uppercase().replace('-', " ");
    let r = browser.submit("/signin/verify", "/signin/verify", &[("code", &typed)]).await;
    assert_eq!(location(&r), "/dashboard");
    assert!(t.last_email_to(&ada.email).await.contains("recovery code was used"));
    let (_, html) = browser.get_text("/account/security").await;
    assert_eq!(text_of(&html, "recovery-left"), "9 left");

    let again = t.browser();
    password(&again, "/signin", &ada.email, PASSWORD).await;
    let r = again.submit("/signin/verify", "/signin/verify", &[("code", &codes[3])]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "used already");
}

#[tokio::test]
async fn wrong_codes_are_throttled_and_the_owner_is_emailed_once() {
    let t = spawn_with_policy().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let (secret, _) = enrol(&t, &ada.browser, "/account").await;
    let browser = t.browser();
    password(&browser, "/signin", &ada.email, PASSWORD).await;
    for _ in 0..5 {
        let r = browser.submit("/signin/verify", "/signin/verify", &[("code", "123456")]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    t.clock.advance(Duration::seconds(30));
    let r = browser.submit("/signin/verify", "/signin/verify", &[("code", &code_now(&t, &secret))]).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "even the right code waits");
    let warnings = t.emails_to(&ada.email).await.into_iter().filter(|b| b.contains("repeated failed")).count();
    assert_eq!(warnings, 1);
    t.clock.advance(Duration::minutes(16));
    let r = browser.submit("/signin/verify", "/signin/verify", &[("code", &code_now(&t, &secret))]).await;
    assert_eq!(location(&r), "/dashboard", "the lock-out ends by itself");
}

#[tokio::test]
async fn the_session_token_changes_with_the_second_factor_and_the_old_one_opens_nothing() {
    let t = spawn_with_policy().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let (secret, _) = enrol(&t, &ada.browser, "/account").await;
    let browser = t.browser();
    let r = browser.submit("/signin", "/signin", &[("email", &ada.email), ("password", PASSWORD)]).await;
    let before = session_cookie(&r).expect("a session at sign-in");
    t.clock.advance(Duration::seconds(30));
    let r = browser.submit("/signin/verify", "/signin/verify", &[("code", &code_now(&t, &secret))]).await;
    let after = session_cookie(&r).expect("a new session token");
    assert_ne!(before, after);
    assert_eq!(with_cookie(&t, &after, "/dashboard").await.status(), StatusCode::OK);
    assert_eq!(location(&with_cookie(&t, &before, "/dashboard").await), "/signin");
}

#[tokio::test]
async fn sessions_are_listed_and_end_one_by_one_or_all_but_this_one_and_not_someone_elses() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let laptop = t.browser();
    assert_eq!(password(&laptop, "/signin", &ada.email, PASSWORD).await, "/dashboard");
    let phone = t.browser();
    password(&phone, "/signin", &ada.email, PASSWORD).await;
    let (_, html) = ada.browser.get_text("/account/security").await;
    let ids: Vec<String> = html
        .split("/account/security/sessions/")
        .skip(1)
        .filter_map(|s| s.split_once("/signout").map(|(id, _)| id.to_owned()))
        .filter(|id| id.starts_with("ses_"))
        .collect();
    assert_eq!(ids.len(), 2, "the two other sessions have a Sign out button: {html}");
    assert!(html.contains("This session"));

    let bob = t.sign_up("Fabrikam", "bob@fabrikam.example").await;
    let path = format!("/account/security/sessions/{}/signout", ids[0]);
    let r = bob.browser.submit("/account/security", &path, &[]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "not bob's session");

    let r = ada.browser.submit("/account/security", &path, &[]).await;
    assert_eq!(location(&r), "/account/security?notice=session_ended");
    let live = [laptop.get("/dashboard").await.status(), phone.get("/dashboard").await.status()];
    assert_eq!(live.iter().filter(|s| **s == StatusCode::OK).count(), 1, "one of the two ended");

    ada.browser.submit("/account/security", "/account/security/sessions/signout-others", &[]).await;
    assert_eq!(location(&laptop.get("/dashboard").await), "/signin");
    assert_eq!(location(&phone.get("/dashboard").await), "/signin");
    assert_eq!(ada.browser.get("/dashboard").await.status(), StatusCode::OK, "this one stays");
    let (_, html) = ada.browser.get_text("/account/security").await;
    assert!(html.contains("signed out everywhere else"), "a security event");
}

#[tokio::test]
async fn a_session_ends_after_twelve_hours_unused_and_after_seven_days_however_used() {
    let t = spawn_with_policy().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    enrol(&t, &ada.browser, "/account").await;
    t.clock.advance(Duration::hours(11));
    assert_eq!(ada.browser.get("/dashboard").await.status(), StatusCode::OK);
    t.clock.advance(Duration::hours(11));
    assert_eq!(ada.browser.get("/dashboard").await.status(), StatusCode::OK, "seen 11 hours ago");
    t.clock.advance(Duration::hours(12) + Duration::minutes(1));
    assert_eq!(location(&ada.browser.get("/dashboard").await), "/signin", "idle for 12 hours");

    let browser = t.browser();
    password(&browser, "/signin", &ada.email, PASSWORD).await;
    for _ in 0..15 {
        t.clock.advance(Duration::hours(11));
        assert_eq!(browser.get("/signin/verify").await.status(), StatusCode::OK);
    }
    t.clock.advance(Duration::hours(4));
    assert_eq!(location(&browser.get("/signin/verify").await), "/signin", "seven days at most");
}

#[tokio::test]
async fn step_up_asks_for_the_second_factor_again_after_fifteen_minutes() {
    let t = spawn_app_with(|s| s.mfa_partner = PartnerPolicy::Roles(Vec::new())).await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let (secret, _) = enrol(&t, &ada.browser, "/account").await;
    let r = ada.browser.submit("/account/security", "/account/security/recovery-codes", &[]).await;
    assert_eq!(r.status(), StatusCode::OK, "the factor was given just now");
    t.clock.advance(Duration::minutes(16));
    let r = ada.browser.submit("/account/security", "/account/security/totp/remove", &[]).await;
    assert_eq!(location(&r), "/signin/verify?next=%2Faccount%2Fsecurity");
    let (_, html) = ada.browser.get_text("/account/security").await;
    assert_eq!(text_of(&html, "totp-status"), "On", "nothing removed");
    let r = ada
        .browser
        .submit(
            "/signin/verify?next=/account/security",
            "/signin/verify",
            &[("code", &code_now(&t, &secret)), ("next", "/account/security")],
        )
        .await;
    assert_eq!(location(&r), "/account/security");
    let r = ada.browser.submit("/account/security", "/account/security/totp/remove", &[]).await;
    assert_eq!(location(&r), "/account/security?notice=totp_removed");
    assert_eq!(location(&ada.browser.get("/signin/verify?next=//evil.example").await), "");
    let r = ada.browser.submit("/signin/verify", "/signin/verify", &[("code", "1"), ("next", "//evil.example")]).await;
    assert_ne!(location(&r), "//evil.example");
}

#[tokio::test]
async fn a_role_that_must_have_a_second_factor_cannot_remove_its_only_one() {
    let t = spawn_with_policy().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    enrol(&t, &ada.browser, "/account").await;
    let r = ada.browser.submit("/account/security", "/account/security/totp/remove", &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("must keep a second factor"));
}

#[tokio::test]
async fn staff_set_up_a_second_factor_before_the_console_opens() {
    let t = spawn_with_policy().await;
    let browser = t.browser();
    let to = password(&browser, "/staff/signin", &t.admin_email, &t.admin_password).await;
    assert_eq!(to, "/staff/account/security/totp");
    assert_eq!(location(&browser.get("/staff").await), "/staff/account/security/totp");
    assert_eq!(location(&browser.get("/account/security/totp").await), "/staff/account/security/totp");
    enrol(&t, &browser, "/staff/account").await;
    assert_eq!(browser.get("/staff").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_member_is_not_asked_for_a_second_factor_by_default() {
    let t = spawn_with_policy().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    enrol(&t, &ada.browser, "/account").await;
    // The invitation's second-factor set-up is asked only of the roles the policy names.
    let r = ada.browser.submit("/users", "/users/invite", &[("email", "mo@contoso.example"), ("role", "member")]).await;
    assert_eq!(location(&r), "/users?notice=invited");
    let link = invitation_link(&t.last_email_to("mo@contoso.example").await);
    let path = link.strip_prefix(&t.url).unwrap().to_owned();
    let mo = t.browser();
    let r = mo.submit(&path, &path, &[("name", "Mo Member"), ("password", PASSWORD)]).await;
    assert_eq!(location(&r), "/dashboard?notice=joined");
    assert_eq!(mo.get("/dashboard").await.status(), StatusCode::OK);
    assert_eq!(password(&t.browser(), "/signin", "mo@contoso.example", PASSWORD).await, "/dashboard");
}

#[tokio::test]
async fn sensitive_actions_ask_for_the_second_factor_again_and_do_nothing_before_it() {
    let t = spawn_with_policy().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let (secret, _) = enrol(&t, &ada.browser, "/account").await;
    t.clock.advance(Duration::minutes(16));
    let asked = [
        ("/account/api-tokens", "/account/api-tokens", vec![("name", "ci")], "%2Faccount%2Fapi-tokens"),
        ("/dashboard", "/payment-methods", vec![], "%2Fpayment-methods"),
    ];
    for (page, action, fields, back) in asked {
        let r = ada.browser.submit(page, action, &fields).await;
        assert_eq!(location(&r), format!("/signin/verify?next={back}"), "{action}");
    }
    assert_eq!(location(&ada.browser.get("/payment-methods").await), "/signin/verify?next=%2Fpayment-methods");
    let (_, html) = ada.browser.get_text("/account/api-tokens").await;
    assert!(!html.contains(">ci<"), "no token was made");
    let next = [("code", code_now(&t, &secret)), ("next", "/account/api-tokens".into())];
    let fields: Vec<(&str, &str)> = next.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(location(&ada.browser.submit("/signin/verify", "/signin/verify", &fields).await), "/account/api-tokens");
    let r = ada.browser.submit("/account/api-tokens", "/account/api-tokens", &[("name", "ci")]).await;
    assert_eq!(r.status(), StatusCode::OK);

    let staff = t.browser();
    password(&staff, "/staff/signin", &t.admin_email, &t.admin_password).await;
    enrol(&t, &staff, "/staff/account").await;
    t.clock.advance(Duration::minutes(16));
    let r = staff.submit("/staff/webhooks", "/staff/webhooks", &[("url", "https://hooks.example/x")]).await;
    assert_eq!(location(&r), "/staff/signin/verify?next=%2Fstaff%2Fwebhooks");
}

#[tokio::test]
async fn one_code_sent_from_eight_browsers_at_once_signs_in_one_of_them() {
    let t = spawn_with_policy().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let (secret, _) = enrol(&t, &ada.browser, "/account").await;
    let mut browsers = Vec::new();
    for _ in 0..8 {
        let b = t.browser();
        assert_eq!(password(&b, "/signin", &ada.email, PASSWORD).await, "/signin/verify");
        browsers.push(b);
    }
    t.clock.advance(Duration::seconds(30));
    let code = code_now(&t, &secret);
    let fields = [("code", code.as_str())];
    let tries = browsers.iter().map(|b| b.submit("/signin/verify", "/signin/verify", &fields));
    let answers = futures_join_all(tries).await;
    let signed_in = answers.iter().filter(|r| location(r) == "/dashboard").count();
    assert_eq!(signed_in, 1, "{:?}", answers.iter().map(|r| r.status()).collect::<Vec<_>>());
    for r in answers.iter().filter(|r| location(r) != "/dashboard") {
        assert!(
            [StatusCode::UNPROCESSABLE_ENTITY, StatusCode::TOO_MANY_REQUESTS].contains(&r.status()),
            "{}",
            r.status()
        );
    }
}
