//! Security headers: nothing signed-in or from the API is cached, and HSTS is sent when the
//! public URL is https.

use crate::helpers::*;
use reqwest::header::{CACHE_CONTROL, STRICT_TRANSPORT_SECURITY};

fn header(r: &reqwest::Response, name: reqwest::header::HeaderName) -> Option<String> {
    r.headers().get(name).map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn signed_in_pages_and_api_answers_are_not_stored_and_plain_http_has_no_hsts() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let dashboard = ada.browser.get("/dashboard").await;
    assert_eq!(dashboard.status(), reqwest::StatusCode::OK);
    assert_eq!(header(&dashboard, CACHE_CONTROL).as_deref(), Some("no-store"));
    assert_eq!(header(&dashboard, STRICT_TRANSPORT_SECURITY), None, "the public URL is http");

    let token = t.token_for(&ada.browser, "/account").await;
    let api = t.api(Some(&token));
    for path in ["/api/v1/me", "/api/v1/orgs", "/api/v1/nowhere"] {
        let r = api.get_raw(path).await;
        assert_eq!(header(&r, CACHE_CONTROL).as_deref(), Some("no-store"), "{path}: {}", r.status());
    }
    let css = ada.browser.get("/static/app.css").await;
    assert_eq!(header(&css, CACHE_CONTROL).as_deref(), Some("public, max-age=3600"), "static files keep theirs");
}

#[tokio::test]
async fn an_https_public_url_sends_hsts_on_every_answer() {
    let t = spawn_app_with(|s| s.public_url = "https://partners.example.com".into()).await;
    let browser = t.browser();
    for path in ["/signin", "/healthz", "/api/v1/me"] {
        let r = browser.get(path).await;
        assert_eq!(
            header(&r, STRICT_TRANSPORT_SECURITY).as_deref(),
            Some("max-age=31536000; includeSubDomains"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn every_page_forbids_inline_script_framing_and_sniffing() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    for path in ["/signin", "/dashboard", "/account/security"] {
        let r = ada.browser.get(path).await;
        let csp = header(&r, reqwest::header::CONTENT_SECURITY_POLICY).expect("a CSP");
        assert!(csp.contains("default-src 'self'") && !csp.contains("unsafe-inline"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(header(&r, reqwest::header::X_CONTENT_TYPE_OPTIONS).as_deref(), Some("nosniff"), "{path}");
        assert_eq!(header(&r, reqwest::header::REFERRER_POLICY).as_deref(), Some("same-origin"), "{path}");
    }
}
