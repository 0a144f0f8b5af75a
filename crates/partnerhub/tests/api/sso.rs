//! Single sign-on through a real, certified OpenID provider (`oidc-provider`, started from
//! e2e/oidc/provider.mjs): staff and partner users sign in through its own login and consent
//! pages, and a wrong state, a replayed callback or code, another browser and an unverified
//! address are refused. The refusals a real provider never produces (another key, another
//! nonce) are in `sso_tokens`.

use super::helpers::{Browser, PASSWORD, location};
use super::oidc::{self, RealProvider, audited};
use domain::sso::SsoPolicy;
use reqwest::StatusCode;

/// Signs in through the provider as `login` from `page`; returns the callback's answer.
async fn through_provider(browser: &Browser, provider: &RealProvider, page: &str, login: &str) -> reqwest::Response {
    let authorize = oidc::start(browser, page).await;
    let callback = provider.sign_in(&authorize, login).await;
    browser.get(&callback).await
}

async fn refused_with(r: reqwest::Response, status: StatusCode, words: &str) {
    assert_eq!(r.status(), status);
    // As the page shows it: HTML-escaped, the first letter a capital.
    let page = r.text().await.unwrap().replace("&#39;", "'").to_lowercase();
    assert!(page.contains(&words.to_lowercase()), "expected {words:?} in {page}");
}

#[tokio::test]
async fn staff_sign_in_through_the_provider_and_the_first_admin_is_linked_by_verified_address() {
    let (t, provider) = oidc::spawn_with_provider(SsoPolicy::default()).await;
    let browser = t.browser();
    let r = browser.get("/staff/signin").await;
    // The browser follows the form's redirect to the provider only if `form-action` allows it.
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains(&format!("form-action 'self' {}", provider.issuer)), "{csp}");
    let page = r.text().await.unwrap();
    assert!(page.contains("Sign in with Test ID") && page.contains("name=\"password\""), "{page}");

    let authorize = oidc::start(&browser, "/staff/signin").await;
    assert!(authorize.starts_with(&provider.issuer), "{authorize}");
    assert_eq!(oidc::query_param(&authorize, "code_challenge_method"), "S256");
    assert!(!oidc::query_param(&authorize, "state").is_empty() && !oidc::query_param(&authorize, "nonce").is_empty());
    let callback = provider.sign_in(&authorize, "admin").await;
    let r = browser.get(&callback).await;
    assert_eq!(location(&r), "/staff", "{}", r.text().await.unwrap());
    let (status, console) = browser.get_text("/staff").await;
    assert_eq!(status, StatusCode::OK);
    assert!(console.contains("Program admin"), "{console}");
    let signed_in = audited(&t, "session.signed_in").await;
    assert!(signed_in[0].contains("signed in with Test ID"), "{signed_in:?}");

    // The link made then is what the next sign-in finds.
    let again = t.browser();
    let r = through_provider(&again, &provider, "/staff/signin", "admin").await;
    assert_eq!(location(&r), "/staff");
    let mut conn = t.app.store().read().await.unwrap();
    let linked = store::sso::linked(&mut conn, &provider.issuer, "admin", domain::roles::Realm::Staff).await.unwrap();
    assert!(matches!(linked, Some(store::Principal::Staff(_))), "{linked:?}");
    drop(conn);

    // Accounts are not made unless the operator allows it, even for a claimed role.
    let r = through_provider(&t.browser(), &provider, "/staff/signin", "ada").await;
    refused_with(r, StatusCode::FORBIDDEN, "there is no staff account for your Test ID address").await;
    assert!(audited(&t, "sso.refused").await[0].contains("sso_no_staff_account"));

    // Partners may not use it unless the operator allows it.
    let (_, page) = browser.get_text("/signin").await;
    assert!(!page.contains("Sign in with"), "{page}");
    let r = t.browser().submit("/signin", "/signin/sso", &[]).await;
    refused_with(r, StatusCode::FORBIDDEN, "partner users do not sign in with Test ID").await;
}

#[tokio::test]
async fn a_staff_account_is_made_at_first_sign_in_when_allowed_and_the_claim_names_a_role() {
    let policy = SsoPolicy { create_staff: true, ..SsoPolicy::default() };
    let (t, provider) = oidc::spawn_with_provider(policy).await;

    let ada = t.browser();
    let r = through_provider(&ada, &provider, "/staff/signin", "ada").await;
    assert_eq!(location(&r), "/staff");
    let (_, console) = ada.get_text("/staff/team").await;
    assert!(console.contains("ada@vendor.example") && console.contains("Ada Lovelace"), "{console}");
    assert!(audited(&t, "staff.created").await[0].contains("at its first sign-in with Test ID"));

    // A role given as a list works too; the account has the claimed role.
    let sam = t.browser();
    let r = through_provider(&sam, &provider, "/staff/signin", "sam").await;
    assert_eq!(location(&r), "/staff");
    let mut conn = t.app.store().read().await.unwrap();
    let email = domain::account::EmailAddress::parse("sam@vendor.example").unwrap();
    let record = store::staff::find_by_email(&mut conn, &email).await.unwrap().unwrap();
    assert_eq!(record.role, domain::roles::StaffRole::SupportAgent);
    drop(conn);

    // No role in the claim: no account.
    let r = through_provider(&t.browser(), &provider, "/staff/signin", "nora").await;
    refused_with(r, StatusCode::FORBIDDEN, "there is no staff account").await;

    // An account whose access a program admin removed stays out.
    let r = ada.submit("/staff/team", &format!("/staff/team/{}/remove", record.id), &[]).await;
    assert!(r.status().is_redirection(), "{}", r.text().await.unwrap());
    let r = through_provider(&t.browser(), &provider, "/staff/signin", "sam").await;
    refused_with(r, StatusCode::FORBIDDEN, "your staff access has been removed").await;
}

#[tokio::test]
async fn an_address_the_provider_has_not_verified_is_refused() {
    let policy = SsoPolicy { create_staff: true, partners: true, ..SsoPolicy::default() };
    let (t, provider) = oidc::spawn_with_provider(policy).await;
    let r = through_provider(&t.browser(), &provider, "/staff/signin", "una").await;
    refused_with(r, StatusCode::FORBIDDEN, "Test ID has not verified your e-mail address").await;
    assert!(audited(&t, "sso.refused").await[0].contains("sso_email_not_verified"));
    let email = domain::account::EmailAddress::parse("una@vendor.example").unwrap();
    let mut conn = t.app.store().read().await.unwrap();
    assert!(store::staff::find_any_by_email(&mut conn, &email).await.unwrap().is_none(), "no account was made");
    drop(conn);

    // A partner user with the same address as an unverified identity is not signed in.
    t.sign_up("Pia Corp", "pia@partner.example").await;
    let r = through_provider(&t.browser(), &provider, "/signin", "pia").await;
    refused_with(r, StatusCode::FORBIDDEN, "has not verified your e-mail address").await;
}

#[tokio::test]
async fn a_wrong_state_a_replayed_callback_and_a_replayed_code_are_refused() {
    let (t, provider) = oidc::spawn_with_provider(SsoPolicy::default()).await;
    let browser = t.browser();
    let authorize = oidc::start(&browser, "/staff/signin").await;
    let callback = provider.sign_in(&authorize, "admin").await;
    let state = oidc::query_param(&format!("{}{callback}", t.url), "state");

    let forged = callback.replace(&state, "not-the-state-we-sent");
    refused_with(browser.get(&forged).await, StatusCode::FORBIDDEN, "start again").await;

    // The real one still works, once.
    assert_eq!(location(&browser.get(&callback).await), "/staff");
    refused_with(browser.get(&callback).await, StatusCode::FORBIDDEN, "finished already").await;

    // The code again, under a fresh sign-in's state: the provider refuses the used code (and
    // this sign-in's verifier is not the one it was issued for).
    let fresh = oidc::start(&browser, "/staff/signin").await;
    let fresh_state = oidc::query_param(&fresh, "state");
    let replayed = callback.replace(&state, &fresh_state);
    refused_with(browser.get(&replayed).await, StatusCode::FORBIDDEN, "did not accept the sign-in's code").await;
    assert!(audited(&t, "sso.refused").await[0].contains("sso_code_refused"));
}

#[tokio::test]
async fn a_sign_in_started_in_one_browser_cannot_be_finished_in_another() {
    let (t, provider) = oidc::spawn_with_provider(SsoPolicy::default()).await;
    let victim = t.browser();
    let authorize = oidc::start(&victim, "/staff/signin").await;
    let callback = provider.sign_in(&authorize, "admin").await;

    let other = t.browser();
    refused_with(other.get(&callback).await, StatusCode::FORBIDDEN, "started in another browser").await;
    assert!(audited(&t, "sso.refused").await[0].contains("sso_other_browser"));
    let (_, page) = other.get_text("/staff").await;
    assert!(!page.contains("Program admin"), "not signed in");
}

#[tokio::test]
async fn staff_password_sign_in_can_be_turned_off() {
    let policy = SsoPolicy { staff_password: false, ..SsoPolicy::default() };
    let (t, provider) = oidc::spawn_with_provider(policy).await;
    let browser = t.browser();
    let (_, page) = browser.get_text("/staff/signin").await;
    assert!(page.contains("Sign in with Test ID") && !page.contains("name=\"password\""), "{page}");
    let r = browser
        .submit("/staff/signin", "/staff/signin", &[("email", &t.admin_email), ("password", &t.admin_password)])
        .await;
    refused_with(r, StatusCode::FORBIDDEN, "password sign-in is turned off").await;

    let r = through_provider(&browser, &provider, "/staff/signin", "admin").await;
    assert_eq!(location(&r), "/staff");
    // Partner passwords are not touched by it.
    let partner = t.sign_up("Acme", "ada@acme.example").await;
    let r =
        partner.browser.submit("/signin", "/signin", &[("email", "ada@acme.example"), ("password", PASSWORD)]).await;
    assert_eq!(location(&r), "/dashboard");
}

#[tokio::test]
async fn partner_users_sign_in_with_their_verified_address_and_are_never_made() {
    let policy = SsoPolicy { partners: true, create_staff: true, ..SsoPolicy::default() };
    let (t, provider) = oidc::spawn_with_provider(policy).await;
    t.sign_up("Pat Corp", "pat@partner.example").await;

    let browser = t.browser();
    let (_, page) = browser.get_text("/signin").await;
    assert!(page.contains("Sign in with Test ID"), "{page}");
    let r = through_provider(&browser, &provider, "/signin", "pat").await;
    assert_eq!(location(&r), "/dashboard");
    let (status, _) = browser.get_text("/dashboard").await;
    assert_eq!(status, StatusCode::OK);

    // Nobody has nora's address among the partners; she is not made a user.
    let r = through_provider(&t.browser(), &provider, "/signin", "nora").await;
    refused_with(r, StatusCode::FORBIDDEN, "no partner user has your Test ID address").await;
    let mut conn = t.app.store().read().await.unwrap();
    let nora = domain::account::EmailAddress::parse("nora@vendor.example").unwrap();
    assert!(store::users::find_by_email(&mut conn, &nora).await.unwrap().is_none());
}

#[tokio::test]
async fn a_global_admin_requires_single_sign_on_for_the_org_and_its_passwords_are_refused() {
    let policy = SsoPolicy { partners: true, ..SsoPolicy::default() };
    let (t, provider) = oidc::spawn_with_provider(policy).await;
    let pat = t.sign_up("Pat Corp", "pat@partner.example").await;
    let (_, users) = pat.browser.get_text("/users").await;
    assert!(users.contains("Require everyone in the org to sign in with Test ID"), "{users}");

    // Not before she has signed in through the provider herself.
    let r = pat.browser.submit("/users", "/users/sso", &[("required", "on")]).await;
    refused_with(r, StatusCode::UNPROCESSABLE_ENTITY, "sign in with the provider yourself once").await;
    let r = through_provider(&pat.browser, &provider, "/signin", "pat").await;
    assert_eq!(location(&r), "/dashboard");
    let r = pat.browser.submit("/users", "/users/sso", &[("required", "on")]).await;
    assert_eq!(location(&r), "/users?notice=sso_required");
    assert!(audited(&t, "org.sso_required").await[0].contains("required the org's users to sign in with Test ID"));

    // Her org's passwords no longer open a session, the right one included; the message says
    // what to use. Another org's do.
    let uma = t.invite_and_join(&pat, "uma@partner.example", "user_management_admin").await;
    let r = t.browser().submit("/signin", "/signin", &[("email", "uma@partner.example"), ("password", PASSWORD)]).await;
    refused_with(r, StatusCode::FORBIDDEN, "use Sign in with Test ID").await;
    assert!(audited(&t, "session.refused").await[0].contains("password sign-in refused"));
    let r = t.browser().submit("/signin", "/signin", &[("email", "pat@partner.example"), ("password", PASSWORD)]).await;
    refused_with(r, StatusCode::FORBIDDEN, "requires signing in with Test ID").await;
    let other = t.sign_up("Other Corp", "olga@other.example").await;
    let r =
        other.browser.submit("/signin", "/signin", &[("email", "olga@other.example"), ("password", PASSWORD)]).await;
    assert_eq!(location(&r), "/dashboard");

    // Only a Global admin decides it.
    let r = uma.browser.submit("/users", "/users/sso", &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = pat.browser.submit("/users", "/users/sso", &[]).await;
    assert_eq!(location(&r), "/users?notice=sso_not_required");
    let r = t.browser().submit("/signin", "/signin", &[("email", "uma@partner.example"), ("password", PASSWORD)]).await;
    assert_eq!(location(&r), "/dashboard");
}
