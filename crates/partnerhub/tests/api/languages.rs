//! The reader's language: a saved choice under Account, else the signed-out switch's cookie,
//! else the browser's Accept-Language, else the program's default (English in the demo).

use crate::helpers::*;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT_LANGUAGE, HeaderMap, HeaderValue, SET_COOKIE};

/// A browser that asks for `accept_language` on every request.
pub fn browser_asking_for(t: &TestApp, accept_language: &'static str) -> Browser {
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT_LANGUAGE, HeaderValue::from_static(accept_language));
    let client = http_client()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap();
    Browser { url: t.url.clone(), client }
}

/// Whether the answer sets the language cookie.
fn sets_language(r: &reqwest::Response) -> bool {
    r.headers().get_all(SET_COOKIE).iter().any(|v| v.to_str().unwrap_or_default().starts_with("ph_lang="))
}

#[tokio::test]
async fn a_browser_asking_for_brazilian_portuguese_gets_the_portal_and_the_console_in_it() {
    let t = spawn_app().await;
    let browser = browser_asking_for(&t, "pt-BR,pt;q=0.9,en;q=0.5");
    let (status, html) = browser.get_text("/signin").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<html lang=\"pt-BR\">"), "{html}");
    assert!(html.contains("Esqueceu sua senha?"));

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
    let (_, html) = browser.get_text("/dashboard?notice=welcome").await;
    assert!(html.contains("<html lang=\"pt-BR\">"));
    for words in
        ["Painel", "<summary>Parceria</summary>", ">Ofertas</a>", ">Suporte</a>", "Sair", "Administrador global"]
    {
        assert!(html.contains(words), "the menu says {words}");
    }
    assert!(html.contains("Boas-vindas!"), "the notice is in Portuguese");
    assert!(!html.contains(">Dashboard</a>"));

    let (status, html) = browser.get_text("/no-such-page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("<html lang=\"pt-BR\">") && html.contains("Não encontrado"), "{html}");

    let staff = browser_asking_for(&t, "pt-BR");
    let r = staff
        .submit("/staff/signin", "/staff/signin", &[("email", &t.admin_email), ("password", &t.admin_password)])
        .await;
    assert_eq!(location(&r), "/staff");
    let (_, html) = staff.get_text("/staff").await;
    assert!(html.contains("Organizações parceiras") && html.contains("Ação Ltda"), "{html}");
    let (_, html) = staff.get_text("/staff/team").await;
    assert!(html.contains("Adicionar um membro da equipe") && html.contains("Administrador do programa"));
}

#[tokio::test]
async fn english_readers_see_the_menu_as_before() {
    let t = spawn_app().await;
    let partner = t.sign_up("Contoso", "ada@contoso.example").await;
    let (_, html) = partner.browser.get_text("/dashboard").await;
    assert!(html.contains("<html lang=\"en\">"));
    for words in [">Dashboard</a>", "<summary>Partnership</summary>", ">Offers</a>", ">Support</a>", "Sign out"] {
        assert!(html.contains(words), "the menu says {words}");
    }
}

#[tokio::test]
async fn a_language_saved_under_account_beats_the_browsers_and_can_be_given_back_to_it() {
    let t = spawn_app().await;
    let partner = t.sign_up("Contoso", "ada@contoso.example").await;
    let (_, html) = partner.browser.get_text("/account").await;
    assert!(html.contains("Português (Brasil)") && html.contains("English"), "each language named in itself");

    let r = partner.browser.submit("/account", "/account/language", &[("language", "pt-BR")]).await;
    assert_eq!(location(&r), "/account?notice=language_saved");
    let r = partner
        .browser
        .client
        .get(format!("{}/account?notice=language_saved", t.url))
        .header(ACCEPT_LANGUAGE, "en")
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("<html lang=\"pt-BR\">"), "the saved choice wins over Accept-Language: en");
    assert!(html.contains("Seu idioma foi salvo."));
    assert!(html.contains("<option value=\"pt-BR\" lang=\"pt-BR\" selected>"), "the choice is shown");

    let r = partner.browser.submit("/account", "/account/language", &[("language", "")]).await;
    assert_eq!(location(&r), "/account?notice=language_saved");
    let r =
        partner.browser.client.get(format!("{}/account", t.url)).header(ACCEPT_LANGUAGE, "en").send().await.unwrap();
    assert!(r.text().await.unwrap().contains("<html lang=\"en\">"), "back to the browser's language");

    let staff = t.staff_admin().await;
    let r = staff.submit("/staff/account", "/staff/account/language", &[("language", "pt-br")]).await;
    assert_eq!(location(&r), "/staff/account?notice=language_saved");
    let (_, html) = staff.get_text("/staff").await;
    assert!(html.contains("<html lang=\"pt-BR\">") && html.contains("Organizações parceiras"));
}

#[tokio::test]
async fn a_language_partnerhub_does_not_speak_is_refused_and_changes_nothing() {
    let t = spawn_app().await;
    let partner = t.sign_up("Contoso", "ada@contoso.example").await;
    partner.browser.submit("/account", "/account/language", &[("language", "pt-BR")]).await;
    let r = partner.browser.submit("/account", "/account/language", &[("language", "xx-NOPE")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("xx-NOPE") && html.contains("role=\"alert\""), "the page says why: {html}");
    let (_, html) = partner.browser.get_text("/account").await;
    assert!(html.contains("<html lang=\"pt-BR\">"), "the saved language is kept");
}

#[tokio::test]
async fn the_signed_out_switch_keeps_the_pick_in_a_cookie_and_goes_back_to_the_same_page() {
    let t = spawn_app().await;
    let browser = t.browser();
    let (_, html) = browser.get_text("/forgot-password").await;
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("href=\"/language?to=pt-BR&#38;back=%2Fforgot-password\""), "{html}");
    assert!(html.contains("Português (Brasil)"));

    let r = browser.get("/language?to=pt-BR&back=%2Fforgot-password").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/forgot-password");
    let (_, html) = browser.get_text("/forgot-password").await;
    assert!(html.contains("<html lang=\"pt-BR\">") && html.contains("Esqueceu sua senha?"));
    let (_, html) = browser.get_text("/signup").await;
    assert!(html.contains("<html lang=\"pt-BR\">") && html.contains("Nome da empresa"), "the pick holds on every page");

    let r = browser.get("/language?to=en&back=%2Fsignin").await;
    assert_eq!(location(&r), "/signin");
    let (_, html) = browser.get_text("/signin").await;
    assert!(html.contains("<html lang=\"en\">") && html.contains("Forgot your password?"));
}

#[tokio::test]
async fn the_switch_goes_back_only_to_our_own_pages_and_only_to_languages_we_ship() {
    let t = spawn_app().await;
    let browser = t.browser();
    for back in [
        "https%3A%2F%2Fevil.example%2F",
        "%2F%2Fevil.example",
        "%2F%5Cevil.example",
        "signin",
        "%2Fsignin%0d%0aX%3A%201",
    ] {
        let r = browser.get(&format!("/language?to=pt-BR&back={back}")).await;
        assert!(r.status().is_client_error(), "{back} is refused");
        assert!(location(&r).is_empty());
        assert!(!sets_language(&r), "{back}: nothing is kept");
    }
    let r = browser.get("/language?to=xx&back=%2Fsignin").await;
    assert!(r.status().is_client_error());
    assert!(!sets_language(&r));
    let (_, html) = browser.get_text("/signin").await;
    assert!(html.contains("<html lang=\"en\">"), "still the browser's language");
}

#[tokio::test]
async fn times_follow_the_time_zone_saved_under_account_and_an_unknown_one_changes_nothing() {
    let t = spawn_app().await;
    let partner = t.sign_up("Contoso", "ada@contoso.example").await;
    let (_, html) = partner.browser.get_text("/account/security").await;
    assert!(!html.contains("GMT+9"), "times start in the program's zone: {html}");

    let r = partner.browser.submit("/account", "/account/time-zone", &[("time_zone", "Asia/Tokyo")]).await;
    assert_eq!(location(&r), "/account?notice=time_zone_saved");
    let (_, html) = partner.browser.get_text("/account/security").await;
    assert!(html.contains("GMT+9"), "the session's times are Tokyo's, the zone named: {html}");
    let (_, html) = partner.browser.get_text("/account").await;
    assert!(html.contains("<option value=\"Asia/Tokyo\" selected>"), "the choice is shown");

    let r = partner.browser.submit("/account", "/account/time-zone", &[("time_zone", "Mars/Olympus_Mons")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Mars/Olympus_Mons") && html.contains("role=\"alert\""), "the page says why: {html}");
    let (_, html) = partner.browser.get_text("/account/security").await;
    assert!(html.contains("GMT+9"), "the saved zone is kept");

    let r = partner.browser.submit("/account", "/account/time-zone", &[("time_zone", "")]).await;
    assert_eq!(location(&r), "/account?notice=time_zone_saved");
    let (_, html) = partner.browser.get_text("/account/security").await;
    assert!(!html.contains("GMT+9"), "back to the program's zone");
}
