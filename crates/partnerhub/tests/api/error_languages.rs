//! An API problem's `detail` follows `Accept-Language`; its `code` never changes.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn problem(
    t: &TestApp,
    token: Option<&str>,
    path: &str,
    body: Option<Value>,
    language: &str,
) -> (StatusCode, Value, String) {
    let client = reqwest::Client::new();
    let mut rb = match &body {
        Some(b) => client.post(format!("{}{path}", t.url)).json(b),
        None => client.get(format!("{}{path}", t.url)),
    };
    if let Some(token) = token {
        rb = rb.bearer_auth(token);
    }
    if !language.is_empty() {
        rb = rb.header("accept-language", language);
    }
    let r = rb.send().await.unwrap();
    let status = r.status();
    let content_language =
        r.headers().get("content-language").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, r.json().await.unwrap(), content_language)
}

#[tokio::test]
async fn a_problem_reads_in_the_language_the_client_asks_for_and_keeps_its_code() {
    let t = spawn_app().await;
    let (status, body, language) = problem(&t, None, "/api/v1/nothing-here", None, "pt-BR,pt;q=0.9").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        (body["code"].as_str(), body["detail"].as_str()),
        (Some("not_found"), Some("Rota da API não encontrada"))
    );
    assert_eq!(language, "pt-BR");

    let (_, body, language) = problem(&t, None, "/api/v1/nothing-here", None, "").await;
    assert_eq!(body["detail"], "API route not found", "the program's default language");
    assert_eq!(language, "en");

    // A message with values: the address is put into the Portuguese sentence.
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let token = t.token_for(&ada.browser, "/account").await;
    let invite = json!({"email": "ada@contoso.example", "role": "member"});
    let (status, body, _) = problem(&t, Some(&token), "/api/v1/invitations", Some(invite.clone()), "pt-BR").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], "email_taken");
    assert_eq!(body["detail"], "O endereço ada@contoso.example já tem uma conta");
    let (_, body, _) = problem(&t, Some(&token), "/api/v1/invitations", Some(invite), "en-GB").await;
    assert_eq!(body["detail"], "The address ada@contoso.example already has an account");

    // A value refused by a domain rule, with the field named as before.
    let bad = json!({"email": "not an address", "role": "member"});
    let (status, body, _) = problem(&t, Some(&token), "/api/v1/invitations", Some(bad), "pt-BR").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!((body["code"].as_str(), body["field"].as_str()), (Some("invalid_input"), Some("email")));
    assert_eq!(body["detail"], "Digite um endereço de e-mail como nome@exemplo.com");
}
