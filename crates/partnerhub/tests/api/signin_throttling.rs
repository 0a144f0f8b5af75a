//! Sign-in throttling under pressure: attempts made at once are counted as they come, the
//! lock-out falls on the address that guesses and not on the account's owner, and the slower
//! ceilings per account and per address hold.

use crate::helpers::*;
use app::accounts::{Realm, sign_in};
use app::{AppError, Origin};
use reqwest::StatusCode;

fn from(address: &str) -> Origin {
    Origin { address: Some(address.to_owned()), channel: "web", user_agent: None }
}

async fn attempt(t: &TestApp, email: &str, password: &str, address: &str) -> Result<String, AppError> {
    sign_in(&t.app, Realm::Partner, email, password, &from(address)).await.map(|s| s.token)
}

#[tokio::test]
async fn fifty_parallel_wrong_passwords_get_five_checks_and_then_429() {
    let t = spawn_app().await;
    let p = t.sign_up("Contoso", "ada@contoso.example").await;
    let b = t.browser();
    let csrf = csrf_in(&b.get("/signin").await.text().await.unwrap()).unwrap();

    let mut attempts = tokio::task::JoinSet::new();
    for i in 0..50 {
        let (client, url, csrf, email) = (b.client.clone(), t.url.clone(), csrf.clone(), p.email.clone());
        attempts.spawn(async move {
            let password = format!("wrong password number {i}");
            let form = [("csrf", csrf.as_str()), ("email", email.as_str()), ("password", password.as_str())];
            client.post(format!("{url}/signin")).form(&form).send().await.expect("POST").status()
        });
    }
    let statuses = attempts.join_all().await;
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((checked, refused), (5, 45), "five passwords were checked, the rest refused unchecked: {statuses:?}");

    let r = b.submit("/signin", "/signin", &[("email", &p.email), ("password", PASSWORD)]).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "the right password after the limit waits too");
}

#[tokio::test]
async fn a_guesser_locks_out_their_own_address_and_not_the_owner() {
    let t = spawn_app().await;
    let p = t.sign_up("Contoso", "ada@contoso.example").await;
    let attacker = "203.0.113.7";
    for _ in 0..5 {
        let r = attempt(&t, &p.email, "not the password at all", attacker).await;
        assert!(matches!(r, Err(AppError::BadCredentials)), "{r:?}");
    }
    let r = attempt(&t, &p.email, "not the password either", attacker).await;
    assert!(matches!(r, Err(AppError::RateLimited { .. })), "{r:?}");
    let warnings: Vec<String> =
        t.emails_to(&p.email).await.into_iter().filter(|b| b.contains("repeated failed attempts")).collect();
    assert_eq!(warnings.len(), 1, "the owner is told once");
    assert!(warnings[0].contains(attacker), "{}", warnings[0]);
    let r = attempt(&t, &p.email, PASSWORD, attacker).await;
    assert!(matches!(r, Err(AppError::RateLimited { .. })), "the guesser's address waits even with the password");

    let r = attempt(&t, &p.email, PASSWORD, "198.51.100.20").await;
    assert!(r.is_ok(), "the owner signs in from their own address: {r:?}");
    let r = attempt(&t, &p.email, "not the password at all", attacker).await;
    assert!(matches!(r, Err(AppError::RateLimited { .. })), "the owner's sign-in does not forgive the guesser");

    t.clock.advance(chrono::Duration::minutes(16));
    assert!(attempt(&t, &p.email, PASSWORD, attacker).await.is_ok(), "the window has passed");
}

#[tokio::test]
async fn guesses_spread_over_addresses_meet_the_account_ceiling() {
    let t = spawn_app().await;
    let p = t.sign_up("Contoso", "ada@contoso.example").await;
    for n in 0..10 {
        for _ in 0..5 {
            let r = attempt(&t, &p.email, "not the password at all", &format!("203.0.113.{n}")).await;
            assert!(matches!(r, Err(AppError::BadCredentials)), "{r:?}");
        }
    }
    let r = attempt(&t, &p.email, PASSWORD, "198.51.100.20").await;
    assert!(
        matches!(r, Err(AppError::RateLimited { retry_after_secs: 3600 })),
        "50 failures in an hour hold the account back: {r:?}"
    );
    t.clock.advance(chrono::Duration::minutes(61));
    assert!(attempt(&t, &p.email, PASSWORD, "198.51.100.20").await.is_ok(), "the hour has passed");
}

#[tokio::test]
async fn one_address_meets_its_ceiling_across_accounts() {
    let t = spawn_app().await;
    let p = t.sign_up("Contoso", "ada@contoso.example").await;
    let guesser = "203.0.113.9";
    for n in 0..30 {
        let r = attempt(&t, &format!("user{n}@contoso.example"), "not the password at all", guesser).await;
        assert!(matches!(r, Err(AppError::BadCredentials)), "{n}: {r:?}");
    }
    let r = attempt(&t, &p.email, PASSWORD, guesser).await;
    assert!(matches!(r, Err(AppError::RateLimited { .. })), "30 failures from one address in 15 minutes: {r:?}");
    assert!(attempt(&t, &p.email, PASSWORD, "198.51.100.20").await.is_ok(), "other addresses go on");
}
