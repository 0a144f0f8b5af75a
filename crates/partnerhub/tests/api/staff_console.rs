use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn the_first_program_admin_signs_in_and_sees_partner_orgs() {
    let t = spawn_app().await;
    t.sign_up("Contoso", "ada@contoso.example").await;
    let staff = t.staff_admin().await;
    let (status, html) = staff.get_text("/staff").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Contoso"));
    let start = html.find("/staff/orgs/").unwrap() + "/staff/orgs/".len();
    let org_id = &html[start..start + 30];
    let (status, html) = staff.get_text(&format!("/staff/orgs/{org_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("ada@contoso.example") && html.contains("Network membership"));
}

#[tokio::test]
async fn a_partner_cannot_sign_in_to_the_console_nor_staff_to_the_portal() {
    let t = spawn_app().await;
    let p = t.sign_up("Contoso", "ada@contoso.example").await;
    let r = t.browser().submit("/staff/signin", "/staff/signin", &[("email", &p.email), ("password", PASSWORD)]).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r =
        t.browser().submit("/signin", "/signin", &[("email", &t.admin_email), ("password", &t.admin_password)]).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_outbox_holds_the_invitation_e_mail() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    ada.browser.submit("/users", "/users/invite", &[("email", "bea@contoso.example"), ("role", "billing_admin")]).await;
    let staff = t.staff_admin().await;
    let (_, html) = staff.get_text("/staff/outbox").await;
    assert!(html.contains("bea@contoso.example"));
    assert!(html.contains("Join Contoso on Demo Partner Network"));
    assert!(html.contains(&format!("{}/invitations/", t.url)));
}

#[tokio::test]
async fn program_admins_add_staff_in_the_console_and_the_api() {
    let t = spawn_app().await;
    let admin = t.staff_admin().await;
    let r = admin
        .submit("/staff/team", "/staff/team", &[("name", "Sam"), ("email", "not-an-email"), ("role", "support_agent")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let token = t.token_for(&admin, "/staff/account").await;
    let api = t.api(Some(&token));
    let (status, body) =
        api.post("/api/v1/staff", json!({"email": "pat@vendor.example", "name": "Pat", "role": "program_admin"})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["staff"]["role"], "program_admin");
    assert!(body["password"].as_str().unwrap().len() >= 12);
    let (status, body) =
        api.post("/api/v1/staff", json!({"email": "pat@vendor.example", "name": "Pat", "role": "program_admin"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], "email_taken");
    let (_, list) = api.get("/api/v1/staff").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 2);
    let (status, events) = api.get("/api/v1/audit-events").await;
    assert_eq!(status, StatusCode::OK);
    assert!(events["data"].as_array().unwrap().iter().any(|e| e["action"] == "staff.created"));
}
