use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_company_signs_up_and_gets_a_partner_id_and_network_membership() {
    let t = spawn_app().await;
    let partner = t.sign_up("Contoso Ltd", "ada@contoso.example").await;
    let (status, html) = partner.browser.get_text("/dashboard?notice=welcome").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Contoso Ltd"));
    assert!(html.contains("Network membership"));
    assert!(html.contains("Global admin"), "the first user is Global admin");
    let start = html.find("id=\"partner-id\">").unwrap() + "id=\"partner-id\">".len();
    let partner_id = &html[start..start + 7];
    assert!(partner_id.chars().all(|c| c.is_ascii_digit()), "seven-digit partner ID, got {partner_id}");

    let (_, membership) = partner.browser.get_text("/partnership/membership").await;
    assert!(membership.contains("Network membership"));
    assert!(membership.contains("Action Pack"), "the upgrade to Action Pack is offered");
}

#[tokio::test]
async fn bad_sign_up_input_reshows_the_form_and_creates_nothing() {
    let t = spawn_app().await;
    let b = t.browser();
    let cases: [(&[(&str, &str)], &str); 5] = [
        (
            &[
                ("company_name", "Contoso"),
                ("country", "US"),
                ("name", "Ada"),
                ("email", "not-an-email"),
                ("password", PASSWORD),
            ],
            "e-mail address",
        ),
        (
            &[
                ("company_name", "Contoso"),
                ("country", "US"),
                ("name", "Ada"),
                ("email", "ada@contoso.example"),
                ("password", "short"),
            ],
            "password of 12",
        ),
        (
            &[
                ("company_name", "Contoso"),
                ("country", "XX"),
                ("name", "Ada"),
                ("email", "ada@contoso.example"),
                ("password", PASSWORD),
            ],
            "country",
        ),
        (
            &[
                ("company_name", ""),
                ("country", "US"),
                ("name", "Ada"),
                ("email", "ada@contoso.example"),
                ("password", PASSWORD),
            ],
            "company name",
        ),
        (
            &[
                ("company_name", "Contoso"),
                ("country", "US"),
                ("name", " "),
                ("email", "ada@contoso.example"),
                ("password", PASSWORD),
            ],
            "name of 1",
        ),
    ];
    for (fields, message) in cases {
        let r = b.submit("/signup", "/signup", fields).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        let html = r.text().await.unwrap();
        assert!(html.contains(message), "form shows `{message}`: {html}");
        assert!(html.contains("name=\"company_name\""), "the form is shown again");
    }
    let mut conn = t.app.store().read().await.unwrap();
    assert!(store::orgs::list(&mut conn, None, 10).await.unwrap().is_empty(), "no org was created");
}

#[tokio::test]
async fn an_email_already_signed_up_is_refused() {
    let t = spawn_app().await;
    t.sign_up("Contoso", "ada@contoso.example").await;
    let r = t
        .browser()
        .submit(
            "/signup",
            "/signup",
            &[
                ("company_name", "Other"),
                ("country", "DE"),
                ("name", "Ada"),
                ("email", "ADA@contoso.example"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("already has an account"));
    let mut conn = t.app.store().read().await.unwrap();
    assert_eq!(store::orgs::list(&mut conn, None, 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn sign_in_sign_out_and_the_same_error_for_unknown_email_and_wrong_password() {
    let t = spawn_app().await;
    let p = t.sign_up("Contoso", "ada@contoso.example").await;
    let r = p.browser.submit("/dashboard", "/signout", &[]).await;
    assert_eq!(location(&r), "/signin");
    assert_eq!(location(&p.browser.get("/dashboard").await), "/signin", "signed out");

    let wrong = p
        .browser
        .submit("/signin", "/signin", &[("email", "ada@contoso.example"), ("password", "wrong password!!")])
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let wrong = wrong.text().await.unwrap();
    let unknown = p
        .browser
        .submit("/signin", "/signin", &[("email", "nobody@contoso.example"), ("password", "wrong password!!")])
        .await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let unknown = unknown.text().await.unwrap();
    let message = "The e-mail address or the password is not right";
    assert!(wrong.contains(message) && unknown.contains(message));

    let ok = p.browser.submit("/signin", "/signin", &[("email", "Ada@Contoso.example"), ("password", PASSWORD)]).await;
    assert_eq!(location(&ok), "/dashboard");
    assert_eq!(p.browser.get("/dashboard").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_account() {
    let t = spawn_app().await;
    let p = t.sign_up("Contoso", "ada@contoso.example").await;
    let b = t.browser();
    for _ in 0..5 {
        let r = b.submit("/signin", "/signin", &[("email", &p.email), ("password", "wrong password!!")]).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = b.submit("/signin", "/signin", &[("email", &p.email), ("password", PASSWORD)]).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
    assert!(r.text().await.unwrap().contains("Too many attempts"));

    t.clock.advance(chrono::Duration::minutes(16));
    let r = b.submit("/signin", "/signin", &[("email", &p.email), ("password", PASSWORD)]).await;
    assert_eq!(location(&r), "/dashboard", "the window has passed");
}

#[tokio::test]
async fn changing_the_password_ends_other_sessions() {
    let t = spawn_app().await;
    let p = t.sign_up("Contoso", "ada@contoso.example").await;
    let other = t.browser();
    let r = other.submit("/signin", "/signin", &[("email", &p.email), ("password", PASSWORD)]).await;
    assert_eq!(location(&r), "/dashboard");

    let r = p
        .browser
        .submit(
            "/account",
            "/account/password",
            &[("current_password", "not it at all"), ("new_password", "a brand new passphrase")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("current password is not right"));

    let r = p
        .browser
        .submit(
            "/account",
            "/account/password",
            &[("current_password", PASSWORD), ("new_password", "a brand new passphrase")],
        )
        .await;
    assert_eq!(location(&r), "/account?notice=password_changed");
    assert_eq!(p.browser.get("/dashboard").await.status(), StatusCode::OK, "this session stays");
    assert_eq!(location(&other.get("/dashboard").await), "/signin", "the other session ended");

    let b = t.browser();
    let old = b.submit("/signin", "/signin", &[("email", &p.email), ("password", PASSWORD)]).await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let new = b.submit("/signin", "/signin", &[("email", &p.email), ("password", "a brand new passphrase")]).await;
    assert_eq!(location(&new), "/dashboard");
}

#[tokio::test]
async fn a_form_without_the_csrf_token_is_refused_and_changes_nothing() {
    let t = spawn_app().await;
    let p = t.sign_up("Contoso", "ada@contoso.example").await;
    let r =
        p.browser.post_without_csrf("/users/invite", &[("email", "eve@evil.example"), ("role", "global_admin")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = p
        .browser
        .post_without_csrf(
            "/users/invite",
            &[("csrf", "forged"), ("email", "eve@evil.example"), ("role", "global_admin")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (_, html) = p.browser.get_text("/users").await;
    assert!(!html.contains("eve@evil.example"));
}

/// The `name` cookie's value in the response's Set-Cookie headers.
fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")).map(|rest| rest.split(';').next().unwrap_or("").to_owned()))
}

#[tokio::test]
async fn a_signed_in_form_token_belongs_to_its_session() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let bo = t.sign_up("Fabrikam", "bo@fabrikam.example").await;

    // Bo's page's token, sent with Ada's session, is refused.
    let (_, bo_page) = bo.browser.get_text("/users").await;
    let bo_token = csrf_in(&bo_page).unwrap();
    let r = ada
        .browser
        .post_without_csrf("/users/invite", &[("csrf", &bo_token), ("email", "eve@evil.example"), ("role", "member")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // A token planted as a cookie (a neighbouring site can set one), repeated in the field, is
    // refused once there is a session; the session's own token passes.
    let raw = http_client().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let form = raw.get(format!("{}/signin", t.url)).send().await.unwrap();
    let anon = set_cookie(&form, "ph_csrf").expect("a form cookie before sign-in");
    let signin = raw
        .post(format!("{}/signin", t.url))
        .header("cookie", format!("ph_csrf={anon}"))
        .form(&[("csrf", anon.as_str()), ("email", "ada@contoso.example"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&signin), "/dashboard");
    let session = set_cookie(&signin, "ph_session").expect("a session cookie");
    let invite = |cookie: String, token: String| {
        raw.post(format!("{}/users/invite", t.url))
            .header("cookie", cookie)
            .form(&[("csrf", token), ("email", "eve@evil.example".into()), ("role", "member".into())])
            .send()
    };
    let planted = invite(format!("ph_session={session}; ph_csrf=planted"), "planted".into()).await.unwrap();
    assert_eq!(planted.status(), StatusCode::FORBIDDEN);
    let before_signin = invite(format!("ph_session={session}; ph_csrf={anon}"), anon.clone()).await.unwrap();
    assert_eq!(before_signin.status(), StatusCode::FORBIDDEN, "the token from before sign-in is worth nothing after");
    let (_, ada_page) = ada.browser.get_text("/users").await;
    assert!(!ada_page.contains("eve@evil.example"), "nothing was invited");

    let page =
        raw.get(format!("{}/users", t.url)).header("cookie", format!("ph_session={session}")).send().await.unwrap();
    let own = csrf_in(&page.text().await.unwrap()).unwrap();
    let r = invite(format!("ph_session={session}"), own).await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "the session's own token passes");
}

#[tokio::test]
async fn sign_up_through_the_api() {
    let t = spawn_app().await;
    let api = t.api(None);
    let (status, body) = api
        .post("/api/v1/signup", json!({"company_name": "Fabrikam", "country": "DE", "name": "Bo", "email": "bo@fabrikam.example", "password": PASSWORD}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["org"]["country"], "DE");
    assert_eq!(body["user"]["role"], "global_admin");
    assert_eq!(body["org"]["partner_id"].as_str().unwrap().len(), 7);

    let (status, body) = api
        .post("/api/v1/signup", json!({"company_name": "Fabrikam", "country": "DE", "name": "Bo", "email": "bo@fabrikam", "password": PASSWORD}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["code"], "invalid_input");
    assert_eq!(body["field"], "email");
}
