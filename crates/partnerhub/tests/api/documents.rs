//! Invoice PDFs as the buyer downloads them: any org's name prints as written (read back with
//! poppler's `pdftotext`, which scripts/test installs), and a server without fonts still runs
//! and says why a PDF cannot be made.

use crate::checkout::{GOOD_CARD, buyer, order_at_review, pay};
use crate::helpers::*;
use reqwest::StatusCode;
use std::io::Write;
use std::process::{Command, Stdio};

/// Buys Action Pack for a new org and downloads its invoice: (status, content type, body).
async fn invoice_pdf_of(t: &TestApp, company: &str, email: &str, country: &str) -> (StatusCode, String, Vec<u8>) {
    let api = buyer(t, company, email, country).await;
    let (id, _) = order_at_review(&api, GOOD_CARD).await;
    let (status, paid, _) = pay(&api, &id, "buy-1").await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    let r = api.get_raw(&format!("/api/v1/invoices/{}/pdf", paid["invoice_id"].as_str().unwrap())).await;
    let status = r.status();
    let content_type = r.headers()["content-type"].to_str().unwrap().to_owned();
    (status, content_type, r.bytes().await.unwrap().to_vec())
}

fn pdftotext(pdf: &[u8]) -> String {
    let mut child = Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("pdftotext runs: install poppler-utils (scripts/test does)");
    child.stdin.take().unwrap().write_all(pdf).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn invoices_print_japanese_and_portuguese_org_names_as_written() {
    let t = spawn_app().await;
    for (company, email, country) in
        [("株式会社テスト", "ada@test.example.jp", "JP"), ("Ação Ltda", "ana@acao.example.br", "BR")]
    {
        let (status, content_type, pdf) = invoice_pdf_of(&t, company, email, country).await;
        assert_eq!((status, content_type.as_str()), (StatusCode::OK, "application/pdf"));
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.len() < 150_000, "{company}: {} bytes", pdf.len());
        let text = pdftotext(&pdf);
        assert!(text.contains(company) && text.contains("INV-2027-"), "{company} missing from:\n{text}");
    }
}

#[tokio::test]
async fn without_fonts_the_server_runs_and_a_pdf_is_refused_with_a_reason() {
    let t = spawn_app_with(|settings| settings.font_dirs = vec!["/nonexistent-font-dir".into()]).await;
    let (status, content_type, body) = invoice_pdf_of(&t, "Contoso", "ada@contoso.example", "US").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(content_type, "application/problem+json");
    let problem: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(problem["code"], "document_unavailable");
    assert!(problem["detail"].as_str().unwrap().contains("fonts"), "{problem}");
}

/// The PDF at `path` as read with `Accept-Language: accept`.
async fn pdf_text_for(api: &Api, path: &str, accept: &str) -> String {
    let r = api
        .client
        .get(format!("{}{path}", api.url))
        .bearer_auth(api.token.as_deref().unwrap())
        .header("accept-language", accept)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    pdftotext(&r.bytes().await.unwrap())
}

#[tokio::test]
async fn an_invoice_reads_in_the_orgs_billing_language_or_else_the_readers() {
    let t = spawn_app().await;
    let ana = t.sign_up("Ação Ltda", "ana@acao.example.br").await;
    let api = t.api(Some(&t.token_for(&ana.browser, "/account").await));
    let (id, _) = order_at_review(&api, GOOD_CARD).await;
    let (status, paid, _) = pay(&api, &id, "buy-1").await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    let pdf = format!("/api/v1/invoices/{}/pdf", paid["invoice_id"].as_str().unwrap());

    // No billing language chosen: each reader gets the document in their own words.
    let english = pdf_text_for(&api, &pdf, "en").await;
    for words in ["Invoice", "Issue date", "Unit price", "Page 1 of 1", "Paid by Visa"] {
        assert!(english.contains(words), "{words} missing from:\n{english}");
    }
    let portuguese = pdf_text_for(&api, &pdf, "pt-BR").await;
    for words in ["Fatura", "Data de emissão", "Preço unitário", "Página 1 de 1", "Pago com Visa"] {
        assert!(portuguese.contains(words), "{words} missing from:\n{portuguese}");
    }
    assert!(!portuguese.contains("Invoice"), "{portuguese}");

    // A member may not choose the org's billing language; the refusal changes nothing.
    let member = t.invite_and_join(&ana, "mo@acao.example.br", "member").await;
    let member_api = t.api(Some(&t.token_for(&member.browser, "/account").await));
    let (status, body) = member_api
        .call(reqwest::Method::PUT, "/api/v1/org/billing-language", Some(serde_json::json!({"language": "pt-BR"})))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(pdf_text_for(&api, &pdf, "en").await.contains("Invoice"));

    // Chosen by the Global admin: every reader gets the org's language.
    let (status, body) = api
        .call(reqwest::Method::PUT, "/api/v1/org/billing-language", Some(serde_json::json!({"language": "pt-BR"})))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let chosen = pdf_text_for(&api, &pdf, "en").await;
    assert!(chosen.contains("Fatura") && chosen.contains("Página 1 de 1"), "{chosen}");
}
