//! E-mailed single-use links: the address verified at sign-up (and what an unverified user may
//! not do), a change of address, a forgotten password, and the set-up link of a staff account.

use crate::helpers::*;
use chrono::Duration;
use reqwest::StatusCode;
use serde_json::json;

/// The audit actions recorded so far, newest first.
async fn actions(t: &TestApp) -> Vec<String> {
    let mut conn = t.app.store().read().await.unwrap();
    let events = store::audit::list(&mut conn, &store::audit::AuditFilter::default(), 500).await.unwrap();
    events.into_iter().map(|e| e.action).collect()
}

/// How many rows `table` holds.
async fn rows(t: &TestApp, table: &str) -> i64 {
    let mut conn = t.app.store().read().await.unwrap();
    let sql = format!("SELECT COUNT(*) FROM {table}");
    store::sql::query_scalar(store::sql::AssertSqlSafe(sql)).fetch_one(&mut conn).await.unwrap()
}

fn path_of<'a>(t: &TestApp, link: &'a str) -> &'a str {
    link.strip_prefix(&t.url).expect("the link points to the server")
}

#[tokio::test]
async fn an_unverified_admin_looks_around_but_cannot_buy_invite_or_make_tokens() {
    let t = spawn_app().await;
    let ada = t.sign_up_unverified("Contoso", "ada@contoso.example").await;
    let mail = t.last_email_to("ada@contoso.example").await;
    assert!(mail.contains("Confirm") && mail.contains("/verify-email/"), "{mail}");

    let (status, dashboard) = ada.browser.get_text("/dashboard").await;
    assert_eq!(status, StatusCode::OK, "they may look around");
    assert!(dashboard.contains("id=\"unverified-banner\"") && dashboard.contains("Resend"));
    for page in ["/partnership/offers", "/users", "/account", "/invoices"] {
        assert_eq!(ada.browser.get(page).await.status(), StatusCode::OK, "{page}");
    }

    let r = ada.browser.submit("/partnership/offers", "/partnership/offers/action-pack/subscribe", &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let html = r.text().await.unwrap();
    assert!(html.contains("Confirm your e-mail address before you buy"), "{html}");
    assert!(html.contains("action=\"/account/verification-email\""), "the page offers Resend");

    let r =
        ada.browser.submit("/users", "/users/invite", &[("email", "bea@contoso.example"), ("role", "member")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("before you invite users"));

    let r = ada.browser.submit("/account/api-tokens", "/account/api-tokens", &[("name", "ci")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("before you create API tokens"));
    assert!(t.emails_to("bea@contoso.example").await.is_empty(), "nobody was invited");
}

#[tokio::test]
async fn the_api_refuses_an_unverified_user_with_a_stable_code() {
    let t = spawn_app().await;
    let (status, _) = t
        .api(None)
        .post(
            "/api/v1/signup",
            json!({"company_name": "Fabrikam", "country": "DE", "name": "Bo", "email": "bo@fabrikam.example", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    // No flow gives an unverified user a token (making one is refused, see above); the use
    // cases refuse such a caller anyway, so one is put in place here.
    let secret = "phk_unverified-test-token-0123456789abcdefghijklmn";
    let user = t.user_id("bo@fabrikam.example").await;
    let mut tx = t.app.store().write().await.unwrap();
    store::api_tokens::insert(
        &mut tx,
        &store::api_tokens::ApiTokenRecord {
            id: domain::ids::ApiTokenId::from_random([3; 16]),
            principal: store::Principal::User(domain::ids::UserId::parse(&user).unwrap()),
            name: domain::account::TokenName::parse("test").unwrap(),
            token_hash: app::secrets::hash_secret(secret),
            hint: "klmn".into(),
            created_at: start_time(),
            last_used_at: None,
            revoked_at: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let api = t.api(Some(secret));
    let (_, me) = api.get("/api/v1/me").await;
    assert_eq!(me["email_verified"], false);
    for (path, body) in [
        ("/api/v1/orders", json!({"offer": "action-pack"})),
        ("/api/v1/invitations", json!({"email": "cy@fabrikam.example", "role": "member"})),
    ] {
        let (status, problem) = api.post(path, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {problem}");
        assert_eq!(problem["code"], "email_unverified", "{path}");
        assert!(problem["detail"].as_str().unwrap().contains("Resend"), "{problem}");
    }
}

#[tokio::test]
async fn the_verification_link_opens_a_page_and_works_once() {
    let t = spawn_app().await;
    let ada = t.sign_up_unverified("Contoso", "ada@contoso.example").await;
    let link = link_in(&t.last_email_to("ada@contoso.example").await, "/verify-email/");
    let path = path_of(&t, &link);

    // Opening it (as a mail scanner would) uses nothing.
    for _ in 0..2 {
        let (status, page) = t.browser().get_text(path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("ada@contoso.example") && page.contains(">Confirm</button>"));
    }
    assert!(!t.user_verified("ada@contoso.example").await, "opening the page confirmed nothing");

    let r = t.follow_link(&ada.browser, &link, &[]).await;
    assert_eq!(location(&r), "/dashboard?notice=email_verified");
    let (_, dashboard) = ada.browser.get_text("/dashboard?notice=email_verified").await;
    assert!(dashboard.contains("your e-mail address is confirmed") && !dashboard.contains("unverified-banner"));
    assert!(actions(&t).await.contains(&"user.email_verified".to_owned()));

    let again = t.follow_link(&ada.browser, &link, &[]).await;
    assert_eq!(again.status(), StatusCode::GONE);
    assert!(again.text().await.unwrap().contains("has been used already"));

    let r = ada.browser.submit("/partnership/offers", "/partnership/offers/action-pack/subscribe", &[]).await;
    assert!(location(&r).starts_with("/orders/"), "now they may buy");
}

#[tokio::test]
async fn a_link_used_from_a_browser_that_is_not_signed_in_leads_to_sign_in() {
    let t = spawn_app().await;
    t.sign_up_unverified("Contoso", "ada@contoso.example").await;
    let link = link_in(&t.last_email_to("ada@contoso.example").await, "/verify-email/");
    let r = t.follow_link(&t.browser(), &link, &[]).await;
    assert_eq!(location(&r), "/signin?notice=email_verified");
    assert!(t.user_verified("ada@contoso.example").await);
}

#[tokio::test]
async fn an_expired_or_unknown_link_is_refused_clearly_and_resend_sends_a_new_one() {
    let t = spawn_app().await;
    let ada = t.sign_up_unverified("Contoso", "ada@contoso.example").await;
    let link = link_in(&t.last_email_to("ada@contoso.example").await, "/verify-email/");
    t.clock.advance(Duration::hours(24) + Duration::minutes(1));

    let (status, page) = ada.browser.get_text(path_of(&t, &link)).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("This link has expired"), "{page}");
    assert!(page.contains("Resend the link"), "signed in and unverified: Resend is offered");
    let r = t.follow_link(&ada.browser, &link, &[]).await;
    assert_eq!(r.status(), StatusCode::GONE, "nor can it be used");

    let (status, page) = t.browser().get_text("/verify-email/not-a-real-secret").await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("This link is not known"), "{page}");
    assert!(!page.contains("Resend the link"), "nobody is signed in to resend for");

    let r = ada.browser.submit("/dashboard", "/account/verification-email", &[]).await;
    assert_eq!(location(&r), "/dashboard?notice=verification_sent");
    let fresh = link_in(&t.last_email_to("ada@contoso.example").await, "/verify-email/");
    assert_ne!(fresh, link);
    let r = t.follow_link(&ada.browser, &fresh, &[]).await;
    assert_eq!(location(&r), "/dashboard?notice=email_verified");
}

#[tokio::test]
async fn resend_is_limited_to_one_a_minute_and_five_an_hour() {
    let t = spawn_app().await;
    let ada = t.sign_up_unverified("Contoso", "ada@contoso.example").await;
    let resend = || ada.browser.submit("/dashboard", "/account/verification-email", &[]);
    assert_eq!(resend().await.status(), StatusCode::TOO_MANY_REQUESTS, "the sign-up's link went a moment ago");
    for _ in 0..4 {
        t.clock.advance(Duration::seconds(61));
        assert_eq!(location(&resend().await), "/dashboard?notice=verification_sent");
    }
    t.clock.advance(Duration::seconds(61));
    assert_eq!(resend().await.status(), StatusCode::TOO_MANY_REQUESTS, "five in the hour");
    assert_eq!(t.emails_to("ada@contoso.example").await.len(), 5);
    t.clock.advance(Duration::hours(1));
    assert_eq!(location(&resend().await), "/dashboard?notice=verification_sent");
}

#[tokio::test]
async fn a_link_opens_only_the_page_of_its_own_kind() {
    let t = spawn_app().await;
    let ada = t.sign_up_unverified("Contoso", "ada@contoso.example").await;
    let link = link_in(&t.last_email_to("ada@contoso.example").await, "/verify-email/");
    let secret = link.rsplit('/').next().unwrap();
    let r = ada
        .browser
        .submit("/dashboard", &format!("/reset-password/{secret}"), &[("password", "a new one entirely")])
        .await;
    assert_eq!(r.status(), StatusCode::GONE);
    assert!(r.text().await.unwrap().contains("not known"));
    assert!(!t.user_verified("ada@contoso.example").await);
}

#[tokio::test]
async fn accepting_an_invitation_verifies_the_invited_address() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let bea = t.invite_and_join(&ada, "bea@contoso.example", "global_admin").await;
    assert!(t.user_verified("bea@contoso.example").await);
    let token = t.token_for(&bea.browser, "/account").await;
    let (_, me) = t.api(Some(&token)).get("/api/v1/me").await;
    assert_eq!(me["email_verified"], true);
}

#[tokio::test]
async fn forgot_password_gives_one_answer_for_any_address_and_mails_only_accounts() {
    let t = spawn_app().await;
    t.sign_up("Contoso", "ada@contoso.example").await;
    let before = t.emails_to("ada@contoso.example").await.len();
    let mut answers = Vec::new();
    // One browser, so that the pages carry the same form token.
    let b = t.browser();
    for email in ["ada@contoso.example", "nobody@contoso.example"] {
        let r = b.submit("/forgot-password", "/forgot-password", &[("email", email)]).await;
        let to = location(&r);
        answers.push((r.status(), to.clone(), b.get_text(&to).await.1));
    }
    assert_eq!(answers[0].0, StatusCode::SEE_OTHER);
    assert_eq!(answers[0], answers[1], "the same answer, word for word");
    assert!(answers[0].2.contains("If an account has that address"));

    // The structure behind the same timing: the request only wrote itself down; nobody looked
    // the address up, and nothing was made or sent.
    assert_eq!(rows(&t, "password_reset_requests").await, 2);
    assert_eq!(rows(&t, "email_links WHERE purpose = 'reset_password'").await, 0);
    assert_eq!(t.emails_to("ada@contoso.example").await.len(), before);

    assert_eq!(t.answer_reset_requests().await, 1, "the worker sends one link");
    assert!(t.last_email_to("ada@contoso.example").await.contains("/reset-password/"));
    assert!(t.emails_to("nobody@contoso.example").await.is_empty(), "nothing goes to an address without an account");
    assert_eq!(t.answer_reset_requests().await, 0, "each request is answered once");
}

#[tokio::test]
async fn forgot_password_takes_as_long_for_an_unknown_address_as_for_a_known_one() {
    let t = spawn_app().await;
    t.sign_up("Contoso", "ada@contoso.example").await;
    let b = t.browser();
    let page = b.get_text("/forgot-password").await.1;
    let csrf = csrf_in(&page).unwrap();
    let mut timings: [Vec<std::time::Duration>; 2] = [Vec::new(), Vec::new()];
    for _ in 0..20 {
        // An hour on each round, so that the limits per address typed stay out of the way.
        t.clock.advance(Duration::minutes(61));
        for (which, email) in ["ada@contoso.example", "nobody@contoso.example"].into_iter().enumerate() {
            let started = std::time::Instant::now();
            let r = b
                .client
                .post(format!("{}/forgot-password", t.url))
                .form(&[("csrf", csrf.as_str()), ("email", email)])
                .send()
                .await
                .unwrap();
            timings[which].push(started.elapsed());
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
        }
    }
    let median = |v: &mut Vec<std::time::Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (known, unknown) = (median(&mut timings[0]), median(&mut timings[1]));
    let gap = known.abs_diff(unknown);
    assert!(
        gap < std::time::Duration::from_millis(25).max(known.max(unknown) / 2),
        "medians of 20: {known:?} for an account, {unknown:?} for none"
    );
}

#[tokio::test]
async fn forgot_password_is_limited_per_address_typed_and_per_client_address() {
    let t = spawn_app().await;
    t.sign_up("Contoso", "ada@contoso.example").await;
    let b = t.browser();
    let b = &b;
    let ask = |email: String| async move {
        let r = b.submit("/forgot-password", "/forgot-password", &[("email", &email)]).await;
        r.status()
    };
    for _ in 0..3 {
        assert_eq!(ask("ada@contoso.example".into()).await, StatusCode::SEE_OTHER);
    }
    assert_eq!(ask("ada@contoso.example".into()).await, StatusCode::TOO_MANY_REQUESTS, "3 an hour for one address");
    t.answer_reset_requests().await;
    let links = t.emails_to("ada@contoso.example").await.iter().filter(|m| m.contains("/reset-password/")).count();
    assert_eq!(links, 1, "one link a minute to an account, however often it is asked for");
    assert_eq!(ask("nobody@contoso.example".into()).await, StatusCode::SEE_OTHER, "the same for an unknown one");
    for n in 0..6 {
        assert_eq!(ask(format!("x{n}@contoso.example")).await, StatusCode::SEE_OTHER);
    }
    let r = b.submit("/forgot-password", "/forgot-password", &[("email", "y@contoso.example")]).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "ten an hour from one client address");
    assert!(r.text().await.unwrap().contains("Too many attempts"));
    t.clock.advance(Duration::minutes(61));
    assert_eq!(ask("ada@contoso.example".into()).await, StatusCode::SEE_OTHER, "the limits end by themselves");
}

#[tokio::test]
async fn guessing_at_link_secrets_is_throttled_per_client_address() {
    let t = spawn_app().await;
    let b = t.browser();
    for n in 0..30 {
        let (status, _) = b.get_text(&format!("/reset-password/guess-{n}")).await;
        assert_eq!(status, StatusCode::GONE, "guess {n} is an unknown link");
    }
    let (status, page) = b.get_text("/reset-password/guess-30").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.contains("try again in"), "{page}");
    t.clock.advance(Duration::minutes(16));
    assert_eq!(b.get_text("/reset-password/guess-31").await.0, StatusCode::GONE, "it ends by itself");
}

/// Asks for a reset link for `email` in `realm`'s page and returns it from the e-mail.
async fn reset_link(t: &TestApp, forgot_page: &str, email: &str) -> String {
    let r = t.browser().submit(forgot_page, forgot_page, &[("email", email)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(t.answer_reset_requests().await, 1);
    link_in(&t.last_email_to(email).await, "/reset-password/")
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_ends_every_session_and_tells_the_owner() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let token = t.token_for(&ada.browser, "/account").await;
    let elsewhere = t.browser();
    elsewhere.submit("/signin", "/signin", &[("email", "ada@contoso.example"), ("password", PASSWORD)]).await;

    let link = reset_link(&t, "/forgot-password", "ada@contoso.example").await;
    let (status, page) = t.browser().get_text(path_of(&t, &link)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Choose a password for <strong>ada@contoso.example</strong>"));

    let b = t.browser();
    let weak = t.follow_link(&b, &link, &[("password", "short")]).await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.text().await.unwrap().contains("12 to 128 characters"), "the password rules apply");
    let r = t.follow_link(&b, &link, &[("password", "a brand new passphrase")]).await;
    assert_eq!(location(&r), "/signin?notice=password_set");

    for browser in [&ada.browser, &elsewhere] {
        assert_eq!(location(&browser.get("/dashboard").await), "/signin", "every session ended");
    }
    let old = b.submit("/signin", "/signin", &[("email", "ada@contoso.example"), ("password", PASSWORD)]).await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let new = b
        .submit("/signin", "/signin", &[("email", "ada@contoso.example"), ("password", "a brand new passphrase")])
        .await;
    assert_eq!(location(&new), "/dashboard");
    assert!(t.last_email_to("ada@contoso.example").await.contains("was just changed"));
    assert!(actions(&t).await.contains(&"password.reset".to_owned()));
    assert_eq!(t.api(Some(&token)).get("/api/v1/me").await.0, StatusCode::OK, "API tokens are kept (decided)");

    let again = t.follow_link(&t.browser(), &link, &[("password", "yet another passphrase")]).await;
    assert_eq!(again.status(), StatusCode::GONE);
    let page = again.text().await.unwrap();
    assert!(page.contains("has been used already") && page.contains("Ask for a new link"));
}

#[tokio::test]
async fn a_reset_link_expires_after_an_hour() {
    let t = spawn_app().await;
    t.sign_up("Contoso", "ada@contoso.example").await;
    let link = reset_link(&t, "/forgot-password", "ada@contoso.example").await;
    t.clock.advance(Duration::minutes(61));
    let r = t.follow_link(&t.browser(), &link, &[("password", "a brand new passphrase")]).await;
    assert_eq!(r.status(), StatusCode::GONE);
    assert!(r.text().await.unwrap().contains("This link has expired"));
}

#[tokio::test]
async fn staff_reset_a_forgotten_password_from_the_staff_sign_in_page() {
    let t = spawn_app().await;
    let (_, signin) = t.browser().get_text("/staff/signin").await;
    assert!(signin.contains("href=\"/staff/forgot-password\""));
    let link = reset_link(&t, "/staff/forgot-password", &t.admin_email).await;
    let r = t.follow_link(&t.browser(), &link, &[("password", "the admin's new passphrase")]).await;
    assert_eq!(location(&r), "/staff/signin?notice=password_set");
    let b = t.browser();
    let r = b
        .submit(
            "/staff/signin",
            "/staff/signin",
            &[("email", &t.admin_email), ("password", "the admin's new passphrase")],
        )
        .await;
    assert_eq!(location(&r), "/staff");
    // A partner's page does not reset a staff account, nor the reverse.
    t.browser().submit("/forgot-password", "/forgot-password", &[("email", &t.admin_email)]).await;
    assert_eq!(t.answer_reset_requests().await, 0);
}

#[tokio::test]
async fn changing_the_password_tells_the_owner_by_e_mail() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let r = ada
        .browser
        .submit(
            "/account",
            "/account/password",
            &[("current_password", PASSWORD), ("new_password", "another long passphrase")],
        )
        .await;
    assert_eq!(location(&r), "/account?notice=password_changed");
    assert!(t.last_email_to("ada@contoso.example").await.contains("was just changed"));
}

/// Asks on the account page to move `who`'s account to `email`.
async fn ask_for_address(who: &Partner, email: &str, password: &str) -> reqwest::Response {
    who.browser.submit("/account", "/account/email", &[("new_email", email), ("current_password", password)]).await
}

#[tokio::test]
async fn a_new_address_takes_effect_once_confirmed_and_the_old_one_is_told() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    t.sign_up("Fabrikam", "bo@fabrikam.example").await;
    let wrong = ask_for_address(&ada, "ada@new.example", "not the password").await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text().await.unwrap().contains("current password is not right"));
    let taken = ask_for_address(&ada, "bo@fabrikam.example", PASSWORD).await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);

    let r = ask_for_address(&ada, "ada@new.example", PASSWORD).await;
    assert_eq!(location(&r), "/account?notice=email_change_sent");
    assert!(t.last_email_to("ada@contoso.example").await.contains("asked to change its e-mail address"));
    let link = link_in(&t.last_email_to("ada@new.example").await, "/confirm-email/");
    let old =
        t.browser().submit("/signin", "/signin", &[("email", "ada@contoso.example"), ("password", PASSWORD)]).await;
    assert_eq!(location(&old), "/dashboard", "nothing changes before the new address is confirmed");

    let (status, page) = t.browser().get_text(path_of(&t, &link)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("ada@new.example"));
    let r = t.follow_link(&ada.browser, &link, &[]).await;
    assert_eq!(location(&r), "/account?notice=email_changed");
    let (_, account) = ada.browser.get_text("/account").await;
    assert!(account.contains("ada@new.example"));
    assert!(t.last_email_to("ada@contoso.example").await.contains("is now ada@new.example"));
    let new = t.browser().submit("/signin", "/signin", &[("email", "ada@new.example"), ("password", PASSWORD)]).await;
    assert_eq!(location(&new), "/dashboard");
    assert!(t.user_verified("ada@new.example").await, "the link proved the new address");
    let audit = actions(&t).await;
    assert!(
        audit.contains(&"user.email_change_requested".to_owned()) && audit.contains(&"user.email_changed".to_owned())
    );
    assert_eq!(t.follow_link(&ada.browser, &link, &[]).await.status(), StatusCode::GONE, "once");
}

#[tokio::test]
async fn staff_change_their_address_through_a_link_too() {
    let t = spawn_app().await;
    let admin = t.staff_admin().await;
    let r = admin
        .submit(
            "/staff/account",
            "/staff/account/email",
            &[("new_email", "admin@vendor.example"), ("current_password", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(location(&r), "/staff/account?notice=email_change_sent");
    let (_, outbox) = admin.get_text("/staff/outbox").await;
    let link = link_in(&t.last_email_to("admin@vendor.example").await, "/confirm-email/");
    assert!(!outbox.contains(&link), "not even program admins see a link that moves an account");
    let r = t.follow_link(&admin, &link, &[]).await;
    assert_eq!(location(&r), "/staff/account?notice=email_changed");
    let b = t.browser();
    let r = b
        .submit("/staff/signin", "/staff/signin", &[("email", "admin@vendor.example"), ("password", ADMIN_PASSWORD)])
        .await;
    assert_eq!(location(&r), "/staff");
    assert!(actions(&t).await.contains(&"staff.email_changed".to_owned()));
}

#[tokio::test]
async fn a_staff_set_up_link_sets_the_first_password_once() {
    let t = spawn_app().await;
    // The first admin's link (printed at first start) was used by the test bed (see helpers).
    assert!(actions(&t).await.contains(&"staff.set_up".to_owned()));
    let new = app::staff::NewStaff { email: "sam@vendor.example", name: "Sam", role: "support_agent", password: None };
    let (_, link) = app::staff::create_to_set_up(&t.app, new, &app::Origin::cli()).await.unwrap();
    assert!(link.starts_with(&format!("{}/staff/set-up/", t.url)));
    let (status, page) = t.browser().get_text(path_of(&t, &link)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Set up your staff account") && page.contains("sam@vendor.example"));
    let r = t.follow_link(&t.browser(), &link, &[("password", "sam chose this one")]).await;
    assert_eq!(location(&r), "/staff/signin?notice=password_set");
    let again = t.follow_link(&t.browser(), &link, &[("password", "someone else's try")]).await;
    assert_eq!(again.status(), StatusCode::GONE);
    let b = t.browser();
    let r = b
        .submit(
            "/staff/signin",
            "/staff/signin",
            &[("email", "sam@vendor.example"), ("password", "sam chose this one")],
        )
        .await;
    assert_eq!(location(&r), "/staff");
    assert!(t.emails_to("sam@vendor.example").await.is_empty(), "a first password is no change to tell of");
}

#[tokio::test]
async fn an_operator_s_reset_link_lets_a_locked_out_admin_back_in() {
    let t = spawn_app().await;
    t.sign_up("Contoso", "ada@contoso.example").await;
    let refused = app::email_links::reset::operator_link(
        &t.app,
        app::accounts::Realm::Partner,
        "nobody@contoso.example",
        &app::Origin::cli(),
    )
    .await
    .unwrap_err();
    assert!(refused.to_string().contains("no partner user has the address nobody@contoso.example"));
    let link = app::email_links::reset::operator_link(
        &t.app,
        app::accounts::Realm::Partner,
        "ada@contoso.example",
        &app::Origin::cli(),
    )
    .await
    .unwrap();
    assert!(link.starts_with(&format!("{}/reset-password/", t.url)));
    let r = t.follow_link(&t.browser(), &link, &[("password", "back in at last, phew")]).await;
    assert_eq!(location(&r), "/signin?notice=password_set");
    assert!(actions(&t).await.contains(&"password.reset_link_made".to_owned()));
}

#[tokio::test]
async fn program_admins_see_verification_links_in_the_outbox_but_never_reset_links() {
    let t = spawn_app().await;
    t.sign_up_unverified("Contoso", "ada@contoso.example").await;
    let verify = link_in(&t.last_email_to("ada@contoso.example").await, "/verify-email/");
    let reset = reset_link(&t, "/forgot-password", "ada@contoso.example").await;
    let admin = t.staff_admin().await;
    let (_, outbox) = admin.get_text("/staff/outbox").await;
    assert!(outbox.contains(&verify), "to help someone whose e-mail never came");
    assert!(!outbox.contains(&reset) && outbox.contains("/reset-password/…"), "a reset link would open the account");
}
