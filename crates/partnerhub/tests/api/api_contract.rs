//! The API's contract: the OpenAPI document is served and lists the routes; bad bodies are
//! answered with problem documents and change nothing.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn the_openapi_document_is_served_and_lists_the_routes() {
    let t = spawn_app().await;
    let (status, doc) = t.api(None).get("/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/signup",
        "/api/v1/me",
        "/api/v1/membership",
        "/api/v1/offers",
        "/api/v1/users",
        "/api/v1/users/{id}",
        "/api/v1/invitations",
        "/api/v1/invitations/{id}",
        "/api/v1/orgs",
        "/api/v1/orgs/{id}",
        "/api/v1/audit-events",
        "/api/v1/staff",
    ] {
        assert!(paths.contains_key(path), "{path} is documented");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert!(doc["components"]["schemas"]["Problem"].is_object());
}

#[tokio::test]
async fn bad_bodies_get_problem_documents_and_change_nothing() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let token = t.token_for(&ada.browser, "/account").await;
    let client = http_client().build().unwrap();
    let url = format!("{}/api/v1/invitations", t.url);

    let unknown_field = client
        .post(&url)
        .bearer_auth(&token)
        .json(&json!({"email": "x@contoso.example", "role": "member", "admin": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown_field.status(), StatusCode::BAD_REQUEST);
    assert_eq!(unknown_field.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = unknown_field.json().await.unwrap();
    assert_eq!(body["code"], "invalid_body");
    assert!(body["detail"].as_str().unwrap().contains("unknown field"));

    let wrong_type =
        client.post(&url).bearer_auth(&token).json(&json!({"email": 7, "role": "member"})).send().await.unwrap();
    assert_eq!(wrong_type.status(), StatusCode::BAD_REQUEST);

    let bad_role = client
        .post(&url)
        .bearer_auth(&token)
        .json(&json!({"email": "x@contoso.example", "role": "owner"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_role.status(), StatusCode::BAD_REQUEST);

    let not_json = client
        .post(&url)
        .bearer_auth(&token)
        .body("email=x")
        .header("content-type", "text/plain")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let broken = client
        .post(&url)
        .bearer_auth(&token)
        .body("{\"email\": ")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
    assert_eq!(broken.json::<serde_json::Value>().await.unwrap()["code"], "invalid_json");

    let huge = format!("{{\"email\": \"{}\", \"role\": \"member\"}}", "x".repeat(300 * 1024));
    let too_big = client
        .post(&url)
        .bearer_auth(&token)
        .body(huge)
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(too_big.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let (_, invitations) = t.api(Some(&token)).get("/api/v1/invitations").await;
    assert_eq!(invitations["data"].as_array().unwrap().len(), 0, "nothing was invited");
}

#[tokio::test]
async fn users_and_roles_through_the_api() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let api = t.api(Some(&t.token_for(&ada.browser, "/account").await));
    let (status, inv) =
        api.post("/api/v1/invitations", json!({"email": "bea@contoso.example", "role": "billing_admin"})).await;
    assert_eq!(status, StatusCode::CREATED, "{inv}");
    assert_eq!(inv["role"], "billing_admin");
    let (status, again) =
        api.post("/api/v1/invitations", json!({"email": "bea@contoso.example", "role": "member"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(again["code"], "already_invited");

    let link = invitation_link(&t.last_email_to("bea@contoso.example").await);
    let path = link.strip_prefix(&t.url).unwrap().to_owned();
    t.browser().submit(&path, &path, &[("name", "Bea"), ("password", PASSWORD)]).await;
    let bea_id = t.user_id("bea@contoso.example").await;
    let (status, user) = api
        .call(reqwest::Method::PATCH, &format!("/api/v1/users/{bea_id}"), Some(json!({"role": "account_admin"})))
        .await;
    assert_eq!(status, StatusCode::OK, "{user}");
    assert_eq!(user["role"], "account_admin");

    let (_, membership) = api.get("/api/v1/membership").await;
    assert_eq!(membership["levels"][0]["level"], "network");
    let action_pack = membership["upgrades"].as_array().unwrap().iter().find(|u| u["code"] == "action-pack").unwrap();
    assert_eq!(action_pack["available"], true);
    assert_eq!(action_pack["price"]["currency"], "USD");
    assert_eq!(action_pack["price"]["amount_minor"], 47500);

    let (_, offers) = api.get("/api/v1/offers").await;
    let benefits = offers["data"][0]["benefits"].as_array().unwrap();
    assert_eq!(benefits.len(), 7, "Action Pack lists its seven benefits");
}

#[tokio::test]
async fn every_list_pages_with_a_cursor() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    for n in 0..5 {
        t.invite_and_join(&ada, &format!("user{n}@contoso.example"), "member").await;
    }
    let api = t.api(Some(&t.token_for(&ada.browser, "/account").await));
    let mut seen = Vec::new();
    let mut path = "/api/v1/users?limit=2".to_owned();
    loop {
        let (status, page) = api.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let data = page["data"].as_array().unwrap();
        assert!(data.len() <= 2);
        seen.extend(data.iter().map(|u| u["email"].as_str().unwrap().to_owned()));
        if !page["has_more"].as_bool().unwrap() {
            assert!(page["next_cursor"].is_null());
            break;
        }
        path = format!("/api/v1/users?limit=2&starting_after={}", page["next_cursor"].as_str().unwrap());
    }
    assert_eq!(seen.len(), 6, "every user once: {seen:?}");
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 6);

    for bad in ["limit=0", "limit=101", "limit=-3", "starting_after=usr_nobody"] {
        let (status, problem) = api.get(&format!("/api/v1/users?{bad}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {problem}");
        assert_eq!(problem["code"], "invalid_input");
    }
    let (status, problem) = api.get("/api/v1/users?limit=many").await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_query")));

    // The staff lists page in the database: the audit log walked two events at a time.
    let staff = crate::competencies::staff_api(&t).await;
    let (_, all) = staff.get("/api/v1/audit-events?limit=100").await;
    let total = all["data"].as_array().unwrap().len();
    assert!(total > 6, "{total}");
    let (mut walked, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/audit-events?limit=2&starting_after={c}"),
            None => "/api/v1/audit-events?limit=2".to_owned(),
        };
        let (_, page) = staff.get(&path).await;
        walked.extend(page["data"].as_array().unwrap().iter().map(|e| e["id"].clone()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let expected: Vec<serde_json::Value> = all["data"].as_array().unwrap().iter().map(|e| e["id"].clone()).collect();
    assert_eq!(walked, expected, "the same events in the same order, page by page");
}

#[tokio::test]
async fn each_token_has_a_rate_limit_with_retry_after() {
    let t = spawn_app_with(|s| s.api_rate_per_minute = 5).await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let api = t.api(Some(&t.token_for(&ada.browser, "/account").await));
    for _ in 0..5 {
        assert_eq!(api.get("/api/v1/me").await.0, StatusCode::OK);
    }
    let r = http_client()
        .build()
        .unwrap()
        .get(format!("{}/api/v1/me", t.url))
        .bearer_auth(api.token.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "12", "a call comes back every 12 seconds at 5 a minute");
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["code"], "rate_limited");

    let eve = t.sign_up("Fabrikam", "eve@fabrikam.example").await;
    let other = t.api(Some(&t.token_for(&eve.browser, "/account").await));
    assert_eq!(other.get("/api/v1/me").await.0, StatusCode::OK, "another token has its own allowance");
    t.clock.advance(chrono::Duration::seconds(12));
    assert_eq!(api.get("/api/v1/me").await.0, StatusCode::OK);
    assert_eq!(api.get("/api/v1/me").await.0, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn lists_filter_on_status_and_dates() {
    let t = spawn_app().await;
    let api = crate::checkout::buyer(&t, "Contoso", "ada@contoso.example", "US").await;
    let (order, _) = crate::checkout::order_at_review(&api, crate::checkout::GOOD_CARD).await;
    crate::checkout::pay(&api, &order, "buy").await;
    let count = |path: &'static str| {
        let api = &api;
        async move {
            let (status, list) = api.get(path).await;
            assert_eq!(status, StatusCode::OK, "{path}: {list}");
            list["data"].as_array().unwrap().len()
        }
    };
    // The test clock stands on 15 March 2027.
    assert_eq!(count("/api/v1/subscriptions?status=active").await, 1);
    assert_eq!(count("/api/v1/subscriptions?status=expired").await, 0);
    assert_eq!(count("/api/v1/orders?status=paid").await, 1);
    assert_eq!(count("/api/v1/orders?status=draft").await, 0);
    assert_eq!(count("/api/v1/invoices?from=2027-03-15&to=2027-03-15").await, 1);
    assert_eq!(count("/api/v1/invoices?from=2027-03-16").await, 0);
    assert_eq!(count("/api/v1/invoices?to=2027-03-14").await, 0);
    let (status, problem) = api.get("/api/v1/subscriptions?status=sleeping").await;
    assert_eq!((status, problem["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("status")));
    let (status, problem) = api.get("/api/v1/invoices?from=2027-03-16&to=2027-03-15").await;
    assert_eq!((status, problem["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("to")));
    let (status, problem) = api.get("/api/v1/invoices?from=yesterday").await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_query")));

    let staff = crate::competencies::staff_api(&t).await;
    let (_, today) = staff.get("/api/v1/audit-events?from=2027-03-15").await;
    assert!(!today["data"].as_array().unwrap().is_empty());
    let (_, later) = staff.get("/api/v1/audit-events?from=2027-03-16").await;
    assert!(later["data"].as_array().unwrap().is_empty(), "{later}");
}
