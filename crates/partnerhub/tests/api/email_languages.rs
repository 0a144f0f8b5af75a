//! Each e-mail in the language of the person it is for: their saved choice, else the best
//! known (the page they signed up on, who invited them), else the program's default; receipts
//! in the org's billing language when it chose one; portal notifications in each reader's.

use crate::checkout::GOOD_CARD;
use crate::helpers::*;
use crate::languages::browser_asking_for;
use crate::lifecycle::{day, run_until, subscribed};
use reqwest::StatusCode;
use serde_json::json;

/// `email`'s session in a new browser.
async fn signed_in(t: &TestApp, email: &str) -> Partner {
    let browser = t.browser();
    let r = browser.submit("/signin", "/signin", &[("email", email), ("password", PASSWORD)]).await;
    assert_eq!(location(&r), "/dashboard");
    Partner { browser, email: email.to_owned() }
}

async fn save_language(partner: &Partner, tag: &str) {
    let r = partner.browser.submit("/account", "/account/language", &[("language", tag)]).await;
    assert_eq!(location(&r), "/account?notice=language_saved");
}

#[tokio::test]
async fn a_forgotten_password_link_comes_in_the_language_the_user_saved() {
    let t = spawn_app().await;
    let ana = t.sign_up("Ação", "ana@acao.example").await;
    save_language(&ana, "pt-BR").await;
    t.sign_up("Contoso", "ada@contoso.example").await;
    for email in ["ana@acao.example", "ada@contoso.example"] {
        t.browser().submit("/forgot-password", "/forgot-password", &[("email", email)]).await;
    }
    assert_eq!(t.answer_reset_requests().await, 2);
    let pt = t.last_email_to("ana@acao.example").await;
    assert!(pt.contains("Alguém pediu para redefinir a senha") && pt.contains("/reset-password/"), "{pt}");
    let en = t.last_email_to("ada@contoso.example").await;
    assert!(en.contains("Someone asked to reset the password"), "{en}");
}

#[tokio::test]
async fn the_first_e_mail_of_someone_who_signed_up_in_portuguese_is_in_portuguese() {
    let t = spawn_app().await;
    let browser = browser_asking_for(&t, "pt-BR");
    let r = browser
        .submit(
            "/signup",
            "/signup",
            &[
                ("company_name", "Ação Ltda"),
                ("country", "BR"),
                ("name", "Ana Souza"),
                ("email", "ana@acao.example"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let mail = t.last_email_to("ana@acao.example").await;
    assert!(mail.contains("Olá, Ana Souza") && mail.contains("/verify-email/"), "{mail}");

    // Through the API, the language the client asks for.
    let r = http_client()
        .build()
        .unwrap()
        .post(format!("{}/api/v1/signup", t.url))
        .header("accept-language", "pt-BR")
        .json(&serde_json::json!({"company_name": "Beta Ltda", "country": "BR", "name": "Bia Lima",
            "email": "bia@beta.example", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let mail = t.last_email_to("bia@beta.example").await;
    assert!(mail.contains("Olá, Bia Lima"), "{mail}");

    // The invitee has no account yet: the invitation is in the inviter's language.
    let ana = Partner { browser, email: "ana@acao.example".into() };
    t.verify_email_in(&ana.browser, &ana.email).await;
    save_language(&ana, "pt-BR").await;
    let r = ana.browser.submit("/users", "/users/invite", &[("email", "bia@acao.example"), ("role", "member")]).await;
    assert_eq!(location(&r), "/users?notice=invited");
    let mail = t.last_email_to("bia@acao.example").await;
    assert!(mail.contains("convidou você para participar de Ação Ltda"), "{mail}");
}

#[tokio::test]
async fn each_admin_reads_reminders_and_receipts_in_their_language_and_receipts_follow_the_billing_language() {
    let t = spawn_app().await;
    let (api, _) = subscribed(&t, day(2027, 3, 15), GOOD_CARD).await;
    let ada = signed_in(&t, "ada@contoso.example").await;
    let bea = t.invite_and_join(&ada, "bea@contoso.example", "billing_admin").await;
    save_language(&bea, "pt-BR").await;

    run_until(&t, day(2028, 3, 16)).await;
    let pt = t.emails_to("bea@contoso.example").await.join("\n---\n");
    assert!(pt.contains("Sua assinatura Action Pack será renovada automaticamente em"), "{pt}");
    assert!(pt.contains("Seu pedido de Action Pack foi confirmado."), "the receipt: {pt}");
    let en = t.emails_to("ada@contoso.example").await.join("\n---\n");
    assert!(en.contains("Your Action Pack subscription renews automatically on"), "{en}");
    assert!(en.contains("Your order for Action Pack is confirmed."), "{en}");
    assert!(!en.contains("Sua assinatura"));

    let (status, body) =
        api.call(reqwest::Method::PUT, "/api/v1/org/billing-language", Some(json!({"language": "en"}))).await;
    assert!(status.is_success(), "{body}");
    run_until(&t, day(2029, 3, 16)).await;
    let newest = t.emails_to("bea@contoso.example").await;
    let receipt = newest.iter().find(|m| m.contains("is confirmed") || m.contains("foi confirmado")).unwrap();
    assert!(receipt.contains("Your order for Action Pack is confirmed."), "the org's billing language: {receipt}");
    assert!(newest.iter().any(|m| m.contains("será renovada")), "reminders stay in her own language");
}

#[tokio::test]
async fn a_security_notice_comes_in_the_language_the_user_saved() {
    let t = spawn_app().await;
    let ana = t.sign_up("Ação", "ana@acao.example").await;
    save_language(&ana, "pt-BR").await;
    crate::second_factor::enrol(&t, &ana.browser, "/account").await;
    let mail = t.last_email_to(&ana.email).await;
    assert!(
        mail.contains("Olá, ") && mail.contains("Um aplicativo autenticador foi configurado na sua conta."),
        "{mail}"
    );
    assert!(mail.contains("Se não foi você, redefina sua senha imediatamente"), "{mail}");

    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    crate::second_factor::enrol(&t, &ada.browser, "/account").await;
    let mail = t.last_email_to(&ada.email).await;
    assert!(mail.contains("An authenticator app was set up for your account."), "{mail}");
}

#[tokio::test]
async fn the_end_of_a_subscription_is_told_to_each_admin_in_their_language_with_the_day_as_it_writes_dates() {
    let t = spawn_app().await;
    let (api, sub) = subscribed(&t, day(2027, 3, 15), GOOD_CARD).await;
    let ada = signed_in(&t, "ada@contoso.example").await;
    let bea = t.invite_and_join(&ada, "bea@contoso.example", "billing_admin").await;
    save_language(&bea, "pt-BR").await;
    let (status, body) = api.post(&format!("/api/v1/subscriptions/{sub}/turn-off-auto-renew"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    run_until(&t, day(2028, 3, 20)).await;
    let pt = t.last_email_to("bea@contoso.example").await;
    assert!(
        pt.contains(
            "Sua assinatura Action Pack terminou em 15 de março de 2028: a renovação automática estava desativada."
        ),
        "{pt}"
    );
    let en = t.last_email_to("ada@contoso.example").await;
    assert!(en.contains("ended on March 15, 2028: automatic renewal was off. Its benefits have ended."), "{en}");
}

/// The org's notification titles through the API, asking for `language`.
async fn notification_titles(api: &Api, language: &str) -> Vec<String> {
    let r = api
        .client
        .get(format!("{}/api/v1/notifications", api.url))
        .bearer_auth(api.token.as_deref().unwrap())
        .header(reqwest::header::ACCEPT_LANGUAGE, language)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let list: serde_json::Value = r.json().await.unwrap();
    list["data"].as_array().unwrap().iter().map(|n| n["title"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_notification_reads_in_each_readers_language_and_one_from_before_as_it_was_written() {
    let t = spawn_app().await;
    let (api, sub) = subscribed(&t, day(2027, 3, 15), GOOD_CARD).await;
    api.post(&format!("/api/v1/subscriptions/{sub}/turn-off-auto-renew"), json!({})).await;
    run_until(&t, day(2028, 1, 20)).await;
    {
        // A notification written before keys were kept: its words only.
        let mut tx = t.app.store().write().await.unwrap();
        let org =
            store::users::find_by_email(&mut tx, &domain::account::EmailAddress::parse("ada@contoso.example").unwrap())
                .await
                .unwrap()
                .unwrap()
                .org_id;
        let old = store::notifications::Notification {
            id: domain::ids::NotificationId::from_random([7; 16]),
            org_id: org,
            subscription_id: None,
            dedupe_key: "written-before".into(),
            title: "Written before".into(),
            body: "Old words\n".into(),
            message: None,
            created_at: chrono::Utc::now() - chrono::Duration::days(3650),
        };
        assert!(store::notifications::insert_once(&mut tx, &old).await.unwrap());
        tx.commit().await.unwrap();
    }

    let pt = notification_titles(&api, "pt-BR").await;
    assert_eq!(pt, ["Sua assinatura Action Pack expira em 60 dias", "Written before"]);
    let en = notification_titles(&api, "en").await;
    assert_eq!(en, ["Your Action Pack subscription expires in 60 days", "Written before"]);

    let ada = signed_in(&t, "ada@contoso.example").await;
    save_language(&ada, "pt-BR").await;
    let (_, html) = ada.browser.get_text("/notifications").await;
    assert!(html.contains("Sua assinatura Action Pack termina em 15 de março de 2028"), "{html}");
    assert!(html.contains("Old words"));
}

#[tokio::test]
async fn staff_answers_reach_the_contact_in_their_saved_language() {
    let t = spawn_app().await;
    let ana = t.sign_up("Ação", "ana@acao.example").await;
    save_language(&ana, "pt-BR").await;
    let fields = [
        ("problem", "billing"),
        ("subscription_id", ""),
        ("title", "Fatura errada"),
        ("description", "O endereço na fatura está errado."),
        ("contact_email", "ana@acao.example"),
        ("contact_phone", ""),
    ];
    let r = ana.browser.submit("/support/requests/new", "/support/requests", &fields).await;
    let page = location(&r).trim_end_matches("?notice=request_opened").to_owned();
    let staff_page = page.replace("/support/", "/staff/");
    let staff = t.staff_admin().await;
    let r = staff
        .submit(&staff_page, &format!("{staff_page}/answer"), &[("body", "Corrigido."), ("status", "resolved")])
        .await;
    assert_eq!(location(&r), staff_page);
    let mail = t.last_email_to("ana@acao.example").await;
    assert!(
        mail.contains("A equipe do programa escreveu na sua solicitação de serviço SR-000001 (Fatura errada):")
            && mail.contains("Corrigido."),
        "{mail}"
    );
    let (_, html) = ana.browser.get_text("/notifications").await;
    assert!(html.contains("Solicitação de serviço SR-000001: resolvida"), "{html}");
}
