use crate::helpers::*;
use reqwest::StatusCode;

#[tokio::test]
async fn a_personal_api_token_acts_as_its_owner_until_revoked() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let token = t.token_for(&ada.browser, "/account").await;
    assert!(token.starts_with("phk_"));

    let (status, me) = t.api(Some(&token)).get("/api/v1/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["email"], "ada@contoso.example");
    assert_eq!(me["role"], "global_admin");

    // Only a hash is stored.
    let mut conn = t.app.store().read().await.unwrap();
    let stored: Vec<String> =
        store::sql::query_scalar("SELECT token_hash FROM api_tokens").fetch_all(&mut conn).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert!(!stored[0].contains(&token[4..]), "the secret is not in the database");
    drop(conn);

    let (_, html) = ada.browser.get_text("/account/api-tokens").await;
    assert!(!html.contains(&token), "the secret is shown once only");
    let id_start = html.find("/account/api-tokens/tok_").unwrap() + "/account/api-tokens/".len();
    let id = &html[id_start..id_start + 30];
    let r = ada.browser.submit("/account/api-tokens", &format!("/account/api-tokens/{id}/revoke"), &[]).await;
    assert_eq!(location(&r), "/account/api-tokens?notice=token_revoked");

    let (status, body) = t.api(Some(&token)).get("/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "unauthenticated");
}

#[tokio::test]
async fn a_token_of_a_removed_user_stops_working() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let bea = t.invite_and_join(&ada, "bea@contoso.example", "member").await;
    let token = t.token_for(&bea.browser, "/account").await;
    assert_eq!(t.api(Some(&token)).get("/api/v1/me").await.0, StatusCode::OK);
    let bea_id = t.user_id("bea@contoso.example").await;
    let (status, _) = t
        .api(Some(&t.token_for(&ada.browser, "/account").await))
        .call(reqwest::Method::DELETE, &format!("/api/v1/users/{bea_id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(t.api(Some(&token)).get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bad_or_missing_tokens_are_refused() {
    let t = spawn_app().await;
    for token in [None, Some("phk_not-a-real-token"), Some("garbage")] {
        let (status, body) = t.api(token).get("/api/v1/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["code"], "unauthenticated");
    }
}

#[tokio::test]
async fn the_api_manages_its_own_tokens_and_password() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let api = t.api(Some(&t.token_for(&ada.browser, "/account").await));
    let second_secret = t.token_for(&ada.browser, "/account").await;
    let second = t.api(Some(&second_secret));
    assert_eq!(second.get("/api/v1/me").await.0, StatusCode::OK);
    let (_, list) = api.get("/api/v1/api-tokens").await;
    let tokens = list["data"].as_array().unwrap();
    assert_eq!(tokens.len(), 2);
    assert!(tokens.iter().all(|t| t.get("token").is_none()), "secrets shown once");
    let hint = &second_secret[second_secret.len() - 4..];
    let id = tokens.iter().find(|t| t["hint"] == hint).unwrap()["id"].as_str().unwrap();
    assert_eq!(
        api.call(reqwest::Method::DELETE, &format!("/api/v1/api-tokens/{id}"), None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(second.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED, "revoked");

    let (status, wrong) = api
        .post(
            "/api/v1/me/password",
            serde_json::json!({"current_password": "nope", "new_password": "a new long passphrase"}),
        )
        .await;
    assert_eq!((status, wrong["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("current_password")));
    let (status, _) = api
        .post(
            "/api/v1/me/password",
            serde_json::json!({"current_password": PASSWORD, "new_password": "a new long passphrase", "revoke_api_tokens": false}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(api.get("/api/v1/me").await.0, StatusCode::OK, "kept when the caller says so");
    let b = t.browser();
    let r = b
        .submit("/signin", "/signin", &[("email", "ada@contoso.example"), ("password", "a new long passphrase")])
        .await;
    assert_eq!(location(&r), "/dashboard");

    let (status, _) = api
        .post(
            "/api/v1/me/password",
            serde_json::json!({"current_password": "a new long passphrase", "new_password": "yet another long passphrase"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        api.get("/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED,
        "by default a new password revokes every token"
    );
}

#[tokio::test]
async fn a_token_cannot_make_another_token() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let api = t.api(Some(&t.token_for(&ada.browser, "/account").await));
    let (status, problem) = api.post("/api/v1/api-tokens", serde_json::json!({"name": "CRM sync"})).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::FORBIDDEN, Some("session_required")), "{problem}");
    let (_, list) = api.get("/api/v1/api-tokens").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1, "no token was made");

    let staff = t.staff_admin().await;
    let staff_api = t.api(Some(&t.token_for(&staff, "/staff/account").await));
    let (status, problem) = staff_api.post("/api/v1/api-tokens", serde_json::json!({"name": "ops"})).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::FORBIDDEN, Some("session_required")));
}

#[tokio::test]
async fn changing_the_password_in_the_portal_revokes_the_api_tokens_unless_unticked() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let (_, page) = ada.browser.get_text("/account").await;
    assert!(page.contains("Also revoke my API tokens"));
    assert!(page.contains(r#"name="revoke_api_tokens" value="on" checked"#), "ticked by default");

    let kept = t.api(Some(&t.token_for(&ada.browser, "/account").await));
    let fields = [("current_password", PASSWORD), ("new_password", "a brand new passphrase")];
    let r = ada.browser.submit("/account", "/account/password", &fields).await;
    assert_eq!(location(&r), "/account?notice=password_changed");
    assert_eq!(kept.get("/api/v1/me").await.0, StatusCode::OK, "the box was left unticked");

    let fields = [
        ("current_password", "a brand new passphrase"),
        ("new_password", "another new passphrase"),
        ("revoke_api_tokens", "on"),
    ];
    let r = ada.browser.submit("/account", "/account/password", &fields).await;
    assert_eq!(location(&r), "/account?notice=password_changed");
    assert_eq!(kept.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED, "revoked with the password change");
    let (_, page) = ada.browser.get_text("/account/api-tokens").await;
    assert!(page.contains("revoked") && !page.contains(">active<"), "{page}");
}

#[tokio::test]
async fn a_removed_user_s_tokens_stop_working() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let bo = t.invite_and_join(&ada, "bo@contoso.example", "billing_admin").await;
    let bo_api = t.api(Some(&t.token_for(&bo.browser, "/account").await));
    assert_eq!(bo_api.get("/api/v1/me").await.0, StatusCode::OK);
    let ada_api = t.api(Some(&t.token_for(&ada.browser, "/account").await));
    let bo_id = t.user_id("bo@contoso.example").await;
    let (status, _) = ada_api.call(reqwest::Method::DELETE, &format!("/api/v1/users/{bo_id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(bo_api.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED, "their token ended with them");
}

#[tokio::test]
async fn an_invitation_is_accepted_through_the_api() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let api = t.api(Some(&t.token_for(&ada.browser, "/account").await));
    let (status, _) = api
        .post("/api/v1/invitations", serde_json::json!({"email": "bo@contoso.example", "role": "billing_admin"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let link = invitation_link(&t.last_email_to("bo@contoso.example").await);
    let token = link.rsplit('/').next().unwrap().to_owned();
    let anyone = t.api(None);
    let (status, bad) = anyone
        .post("/api/v1/invitations/accept", serde_json::json!({"token": "nope", "name": "Bo", "password": PASSWORD}))
        .await;
    assert_eq!((status, bad["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let (status, user) = anyone
        .post("/api/v1/invitations/accept", serde_json::json!({"token": token, "name": "Bo", "password": PASSWORD}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    assert_eq!((user["email"].as_str(), user["role"].as_str()), (Some("bo@contoso.example"), Some("billing_admin")));
    let (status, _) = anyone
        .post("/api/v1/invitations/accept", serde_json::json!({"token": token, "name": "Bo", "password": PASSWORD}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "an invitation is used once");
}
