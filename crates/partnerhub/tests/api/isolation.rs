//! Nobody sees what is not theirs: for every route, a user of another org gets 404 and a user
//! without the role gets 403, on pages and in the API.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

struct World {
    t: TestApp,
    ada: Partner,
    mel: Partner,
    ada_token: String,
    mel_token: String,
    bo_user_id: String,
    bo_invitation_id: String,
    ada_id: String,
}

/// Org Contoso: Ada (Global admin) and Mel (Member). Org Fabrikam: Bo (Global admin) and a
/// pending invitation.
async fn world() -> World {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let mel = t.invite_and_join(&ada, "mel@contoso.example", "member").await;
    let bo = t.sign_up("Fabrikam", "bo@fabrikam.example").await;
    bo.browser.submit("/users", "/users/invite", &[("email", "zed@fabrikam.example"), ("role", "member")]).await;
    let bo_token = t.token_for(&bo.browser, "/account").await;
    let (_, invitations) = t.api(Some(&bo_token)).get("/api/v1/invitations").await;
    let bo_invitation_id = invitations["data"][0]["id"].as_str().unwrap().to_owned();
    let ada_token = t.token_for(&ada.browser, "/account").await;
    let mel_token = t.token_for(&mel.browser, "/account").await;
    let bo_user_id = t.user_id("bo@fabrikam.example").await;
    let ada_id = t.user_id("ada@contoso.example").await;
    World { t, ada, mel, ada_token, mel_token, bo_user_id, bo_invitation_id, ada_id }
}

#[tokio::test]
async fn another_orgs_users_and_invitations_are_not_found_on_pages() {
    let w = world().await;
    let bo = &w.bo_user_id;
    assert_eq!(w.ada.browser.get(&format!("/users/{bo}")).await.status(), StatusCode::NOT_FOUND);
    let posts = [
        (format!("/users/{bo}/role"), vec![("role", "member")]),
        (format!("/users/{bo}/remove"), vec![]),
        (format!("/users/invitations/{}/cancel", w.bo_invitation_id), vec![]),
    ];
    for (action, fields) in posts {
        let r = w.ada.browser.submit("/users", &action, &fields).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{action}");
    }
    let (_, html) = w.ada.browser.get_text("/users").await;
    assert!(!html.contains("fabrikam"), "Contoso's user list shows nothing of Fabrikam");
    // Bo is untouched.
    let mut conn = w.t.app.store().read().await.unwrap();
    let bo_email = domain::account::EmailAddress::parse("bo@fabrikam.example").unwrap();
    let bo_record = store::users::find_by_email(&mut conn, &bo_email).await.unwrap().unwrap();
    assert_eq!(bo_record.role, domain::roles::PartnerRole::GlobalAdmin);
}

#[tokio::test]
async fn another_orgs_users_and_invitations_are_not_found_in_the_api() {
    let w = world().await;
    let api = w.t.api(Some(&w.ada_token));
    let bo = &w.bo_user_id;
    let calls: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/api/v1/users/{bo}"), None),
        (Method::PATCH, format!("/api/v1/users/{bo}"), Some(json!({"role": "member"}))),
        (Method::DELETE, format!("/api/v1/users/{bo}"), None),
        (Method::DELETE, format!("/api/v1/invitations/{}", w.bo_invitation_id), None),
    ];
    for (method, path, body) in calls {
        let (status, problem) = api.call(method.clone(), &path, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(problem["code"], "not_found");
    }
    let (_, users) = api.get("/api/v1/users").await;
    assert!(
        users["data"].as_array().unwrap().iter().all(|u| u["email"].as_str().unwrap().ends_with("@contoso.example"))
    );
}

#[tokio::test]
async fn a_member_cannot_manage_users_on_pages() {
    let w = world().await;
    let mel = &w.mel.browser;
    assert_eq!(mel.get("/users").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(mel.get(&format!("/users/{}", w.ada_id)).await.status(), StatusCode::FORBIDDEN);
    let ada = &w.ada_id;
    let posts = [
        ("/users/invite".to_owned(), vec![("email", "x@contoso.example"), ("role", "member")]),
        (format!("/users/{ada}/role"), vec![("role", "member")]),
        (format!("/users/{ada}/remove"), vec![]),
    ];
    for (action, fields) in posts {
        let r = mel.submit("/dashboard", &action, &fields).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{action}");
    }
    // What a Member may see.
    for page in
        ["/dashboard", "/partnership/offers", "/partnership/membership", "/support", "/account", "/account/api-tokens"]
    {
        assert_eq!(mel.get(page).await.status(), StatusCode::OK, "{page}");
    }
}

#[tokio::test]
async fn a_member_cannot_manage_users_in_the_api() {
    let w = world().await;
    let api = w.t.api(Some(&w.mel_token));
    let ada = &w.ada_id;
    let calls: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, "/api/v1/users".into(), None),
        (Method::GET, format!("/api/v1/users/{ada}"), None),
        (Method::PATCH, format!("/api/v1/users/{ada}"), Some(json!({"role": "member"}))),
        (Method::DELETE, format!("/api/v1/users/{ada}"), None),
        (Method::GET, "/api/v1/invitations".into(), None),
        (Method::POST, "/api/v1/invitations".into(), Some(json!({"email": "x@contoso.example", "role": "member"}))),
    ];
    for (method, path, body) in calls {
        let (status, problem) = api.call(method.clone(), &path, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}");
        assert_eq!(problem["code"], "forbidden");
    }
    assert_eq!(api.get("/api/v1/membership").await.0, StatusCode::OK);
}

#[tokio::test]
async fn partners_are_kept_out_of_the_staff_console_and_staff_routes() {
    let w = world().await;
    for page in ["/staff", "/staff/audit", "/staff/outbox", "/staff/team", "/staff/account"] {
        assert_eq!(location(&w.ada.browser.get(page).await), "/staff/signin", "{page}");
    }
    let api = w.t.api(Some(&w.ada_token));
    for path in ["/api/v1/orgs", "/api/v1/audit-events", "/api/v1/staff"] {
        let (status, body) = api.get(path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(body["code"], "forbidden");
    }
}

#[tokio::test]
async fn a_support_agent_cannot_read_the_audit_log_or_manage_staff() {
    let t = spawn_app().await;
    let admin = t.staff_admin().await;
    let r = admin
        .submit(
            "/staff/team",
            "/staff/team",
            &[("name", "Sam Support"), ("email", "sam@vendor.example"), ("role", "support_agent")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    let start = html.find("id=\"new-password\">").unwrap() + "id=\"new-password\">".len();
    let password = html[start..].split('<').next().unwrap().to_owned();

    let sam = t.browser();
    let r =
        sam.submit("/staff/signin", "/staff/signin", &[("email", "sam@vendor.example"), ("password", &password)]).await;
    assert_eq!(location(&r), "/staff");
    assert_eq!(sam.get("/staff").await.status(), StatusCode::OK, "agents see orgs");
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    ada.browser.submit("/users", "/users/invite", &[("email", "gus@contoso.example"), ("role", "global_admin")]).await;
    let link = invitation_link(&t.last_email_to("gus@contoso.example").await);
    let (status, outbox) = sam.get_text("/staff/outbox").await;
    assert_eq!(status, StatusCode::OK, "agents read the outbox");
    assert!(outbox.contains("gus@contoso.example") && !outbox.contains(&link), "agents see invitation links cut short");
    assert!(admin.get_text("/staff/outbox").await.1.contains(&link), "program admins see them whole");
    assert_eq!(sam.get("/staff/audit").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(sam.get("/staff/team").await.status(), StatusCode::FORBIDDEN);
    let r = sam
        .submit("/staff", "/staff/team", &[("name", "Eve"), ("email", "eve@vendor.example"), ("role", "program_admin")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let token = t.token_for(&sam, "/staff/account").await;
    let api = t.api(Some(&token));
    assert_eq!(api.get("/api/v1/orgs").await.0, StatusCode::OK);
    assert_eq!(api.get("/api/v1/audit-events").await.0, StatusCode::FORBIDDEN);
    assert_eq!(api.get("/api/v1/staff").await.0, StatusCode::FORBIDDEN);
    assert_eq!(api.get("/api/v1/membership").await.0, StatusCode::FORBIDDEN, "staff tokens are not partner tokens");
}

#[tokio::test]
async fn every_api_route_but_sign_up_needs_a_token() {
    let t = spawn_app().await;
    let (_, doc) = t.api(None).get("/api/v1/openapi.json").await;
    let api = t.api(None);
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if path == "/api/v1/signup" || path == "/api/v1/invitations/accept" {
                continue;
            }
            let concrete = path.replace("{id}", "usr_00000000000000000000000000");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let (status, body) = api.call(method.clone(), &concrete, Some(json!({}))).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}: {body}");
            checked += 1;
        }
    }
    assert!(checked >= 14, "the document lists the routes ({checked})");
}

#[tokio::test]
async fn every_portal_page_needs_a_session() {
    let t = spawn_app().await;
    let b = t.browser();
    for page in [
        "/dashboard",
        "/partnership/offers",
        "/partnership/membership",
        "/partnership/competencies",
        "/benefits",
        "/users",
        "/users/usr_00000000000000000000000000",
        "/support",
        "/support/report",
        "/support/requests",
        "/support/requests/new",
        "/account",
        "/account/api-tokens",
    ] {
        assert_eq!(location(&b.get(page).await), "/signin", "{page}");
    }
    for page in [
        "/staff",
        "/staff/audit",
        "/staff/outbox",
        "/staff/team",
        "/staff/account",
        "/staff/competencies",
        "/staff/requests",
        "/staff/orgs/org_00000000000000000000000000",
    ] {
        assert_eq!(location(&b.get(page).await), "/staff/signin", "{page}");
    }
}

/// A staff account made by the program admin through the console; returns its id, its signed-in
/// browser, an API token of it and its password.
async fn new_staff(t: &TestApp, admin: &Browser, email: &str, role: &str) -> (String, Browser, Api, String) {
    let r =
        admin.submit("/staff/team", "/staff/team", &[("name", "New Staff"), ("email", email), ("role", role)]).await;
    let html = r.text().await.unwrap();
    let start = html.find("id=\"new-password\">").unwrap() + "id=\"new-password\">".len();
    let password = html[start..].split('<').next().unwrap().to_owned();
    let id = html.split(&format!("<td>{email}</td>")).next().unwrap().rsplit("id=\"staff-").next().unwrap();
    let id = id.split('"').next().unwrap().to_owned();
    let browser = t.browser();
    let r = browser.submit("/staff/signin", "/staff/signin", &[("email", email), ("password", &password)]).await;
    assert_eq!(location(&r), "/staff");
    let api = t.api(Some(&t.token_for(&browser, "/staff/account").await));
    (id, browser, api, password)
}

#[tokio::test]
async fn a_program_admin_changes_a_role_and_removes_a_departed_agents_access() {
    let t = spawn_app().await;
    let admin = t.staff_admin().await;
    let (sam_id, sam, sam_api, sam_password) = new_staff(&t, &admin, "sam@vendor.example", "support_agent").await;
    assert_eq!(sam.get("/staff/team").await.status(), StatusCode::FORBIDDEN);
    let (_, console) = sam.get_text("/staff").await;
    assert!(!console.contains("href=\"/staff/team\"") && !console.contains("href=\"/staff/audit\""), "an agent's menu");
    assert!(admin.get_text("/staff").await.1.contains("href=\"/staff/team\""));

    // Promoted, Sam manages staff; an agent cannot change anyone.
    let r = admin.submit("/staff/team", &format!("/staff/team/{sam_id}/role"), &[("role", "program_admin")]).await;
    assert_eq!(location(&r), "/staff/team");
    assert_eq!(sam.get("/staff/team").await.status(), StatusCode::OK, "the new role holds at once");
    let (kim_id, kim, _, _) = new_staff(&t, &sam, "kim@vendor.example", "support_agent").await;
    let r = kim.submit("/staff", &format!("/staff/team/{sam_id}/remove"), &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // A role that is not one is refused with why, once, and changes nothing.
    let r = admin.submit("/staff/team", &format!("/staff/team/{kim_id}/role"), &[("role", "superuser")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.text().await.unwrap().matches("support_agent or program_admin").count(), 1);
    assert_eq!(kim.get("/staff/team").await.status(), StatusCode::FORBIDDEN, "Kim is still an agent");

    // Nobody changes their own account here (another program admin does).
    let r = sam.submit("/staff/team", &format!("/staff/team/{sam_id}/role"), &[("role", "support_agent")]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = admin.submit("/staff/team", &format!("/staff/team/{sam_id}/role"), &[("role", "support_agent")]).await;
    assert_eq!(location(&r), "/staff/team");

    // Access removed: the session, the API token and the password stop working at once.
    let r = admin.submit("/staff/team", &format!("/staff/team/{kim_id}/remove"), &[]).await;
    assert_eq!(location(&r), "/staff/team");
    assert_eq!(location(&kim.get("/staff").await), "/staff/signin", "the session ended");
    let r = admin.submit("/staff/team", &format!("/staff/team/{sam_id}/remove"), &[]).await;
    assert_eq!(location(&r), "/staff/team");
    assert_eq!(sam_api.get("/api/v1/orgs").await.0, StatusCode::UNAUTHORIZED, "the API token ended");
    let again = t.browser();
    let r = again
        .submit(
            "/staff/signin",
            "/staff/signin",
            &[("email", "sam@vendor.example"), ("password", sam_password.as_str())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "the password no longer signs in");
    let (_, team) = admin.get_text("/staff/team").await;
    assert!(team.contains("Access removed on"), "the account stays for the record: {team}");
    let (_, audit) = admin.get_text("/staff/audit").await;
    assert!(audit.contains("staff.access_removed") && audit.contains("staff.role_changed"));
}

#[tokio::test]
async fn the_console_pages_through_every_org() {
    let t = spawn_app().await;
    let due = chrono::NaiveDate::from_ymd_opt(2027, 6, 1).unwrap();
    app::generate::due_subscriptions(&t.app, 205, due, |_| {}).await.unwrap();
    let admin = t.staff_admin().await;
    let (_, first) = admin.get_text("/staff").await;
    assert_eq!(first.matches("href=\"/staff/orgs/").count(), 200);
    let start = first.find("href=\"/staff?after=").expect("a link to the older orgs") + "href=\"".len();
    let next = first[start..].split('"').next().unwrap().to_owned();
    let (_, second) = admin.get_text(&next).await;
    assert_eq!(second.matches("href=\"/staff/orgs/").count(), 5, "the rest, none twice");
    assert!(!second.contains("Older orgs"));
    assert_eq!(admin.get("/staff?after=org_nothing").await.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_outbox_api_pages_by_cursor_past_any_fixed_window() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    for n in 0..5 {
        let email = format!("guest{n}@contoso.example");
        ada.browser.submit("/users", "/users/invite", &[("email", email.as_str()), ("role", "member")]).await;
    }
    let staff = crate::competencies::staff_api(&t).await;
    let (_, all) = staff.get("/api/v1/outbox?limit=100").await;
    let total = all["data"].as_array().unwrap().len();
    assert!(total >= 5, "{all}");
    let mut seen = Vec::new();
    let mut path = "/api/v1/outbox?limit=2".to_owned();
    loop {
        let (status, page) = staff.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        seen.extend(page["data"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_owned()));
        if page["has_more"] != true {
            break;
        }
        path = format!("/api/v1/outbox?limit=2&starting_after={}", page["next_cursor"].as_str().unwrap());
    }
    let unique: std::collections::HashSet<&String> = seen.iter().collect();
    assert_eq!((seen.len(), unique.len()), (total, total), "every message once");
    // A cursor that names no message is refused, not read as the end of the list.
    for path in ["/api/v1/outbox?starting_after=eml_nothing", "/api/v1/orgs?starting_after=org_nothing"] {
        let (status, problem) = staff.get(path).await;
        assert_eq!(
            (status, problem["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("starting_after")),
            "{path}"
        );
    }
}
