use crate::helpers::*;
use app::clock::SystemClock;
use partnerhub::startup::{CatalogChoice, open_app};
use reqwest::StatusCode;
use std::sync::Arc;

#[tokio::test]
async fn health_and_readiness_answer() {
    let t = spawn_app().await;
    let b = t.browser();
    assert_eq!(b.get_text("/healthz").await, (StatusCode::OK, "ok".into()));
    assert_eq!(b.get_text("/readyz").await, (StatusCode::OK, "ready".into()));
    let css = b.get("/static/app.css").await;
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
}

#[tokio::test]
async fn a_broken_catalog_is_refused_with_file_and_field_and_nothing_is_loaded() {
    let t = spawn_app().await;
    let dir = std::env::temp_dir().join(format!("ph-catalog-{}", t.url.rsplit(':').next().unwrap()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("broken.toml");
    let text = app::catalog::DEMO.text.replacen("USD = \"475.00\"", "USD = \"4x5.00\"", 1);
    assert_ne!(text, app::catalog::DEMO.text, "the test edits the Action Pack price");
    std::fs::write(&path, text).unwrap();

    let revisions_before = revisions(&t).await;
    let err = open_app(&t.database_url, CatalogChoice::File(&path), Arc::new(SystemClock), app::Settings::default())
        .await
        .err()
        .expect("the broken catalog is refused");
    let message = format!("{err:#}");
    assert!(message.contains("broken.toml"), "names the file: {message}");
    assert!(message.contains("prices.USD"), "names the field: {message}");
    assert!(message.contains("4x5.00"), "says what is wrong: {message}");
    assert_eq!(revisions(&t).await, revisions_before, "nothing was stored");
    std::fs::remove_dir_all(dir).ok();
}

async fn revisions(t: &TestApp) -> i64 {
    let mut conn = t.app.store().read().await.unwrap();
    store::sql::query_scalar("SELECT COUNT(*) FROM catalog_revisions").fetch_one(&mut conn).await.unwrap()
}

#[tokio::test]
async fn starting_again_keeps_the_data_and_makes_no_second_admin() {
    let t = spawn_app().await;
    t.sign_up("Contoso", "ada@contoso.example").await;
    let again =
        open_app(&t.database_url, CatalogChoice::Demo, Arc::new(SystemClock), app::Settings::default()).await.unwrap();
    assert_eq!(app::staff::ensure_first_admin(&again).await.unwrap(), None, "the admin exists already");
    let mut conn = again.store().read().await.unwrap();
    assert_eq!(store::orgs::list(&mut conn, None, 10).await.unwrap().len(), 1);
    assert_eq!(revisions(&t).await, 1, "the same catalog is one revision");
}

#[tokio::test]
async fn two_server_nodes_share_one_database() {
    let first = spawn_app().await;
    let second = spawn_second_node(&first).await;
    let ada = first.sign_up("Contoso", "ada@contoso.example").await;
    ada.browser.submit("/users", "/users/invite", &[("email", "bea@contoso.example"), ("role", "member")]).await;

    // A session opened on one node is good on the other: the browser moves to node two.
    let b = second.browser();
    let r = b.submit("/signin", "/signin", &[("email", "ada@contoso.example"), ("password", PASSWORD)]).await;
    assert_eq!(location(&r), "/dashboard");
    let (_, html) = b.get_text("/users").await;
    assert!(html.contains("bea@contoso.example"), "node two sees node one's invitation");
}

#[tokio::test]
async fn unknown_api_paths_get_a_problem_document() {
    let t = spawn_app().await;
    let (status, body) = t.api(None).get("/api/v1/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "not_found");
    assert_eq!(t.browser().get("/nothing-here").await.status(), StatusCode::NOT_FOUND);
}
