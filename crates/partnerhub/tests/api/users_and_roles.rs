use crate::helpers::*;
use reqwest::StatusCode;

#[tokio::test]
async fn invite_accept_change_role_and_remove() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let bea = t.invite_and_join(&ada, "bea@contoso.example", "billing_admin").await;
    let (_, html) = bea.browser.get_text("/dashboard").await;
    assert!(html.contains("Billing admin"), "Bea joined with the invited role");
    assert!(html.contains("Contoso"), "in Ada's org");

    let bea_id = t.user_id("bea@contoso.example").await;
    let r = ada
        .browser
        .submit(&format!("/users/{bea_id}"), &format!("/users/{bea_id}/role"), &[("role", "account_admin")])
        .await;
    assert_eq!(location(&r), "/users?notice=role_changed");
    let (_, html) = ada.browser.get_text(&format!("/users/{bea_id}")).await;
    assert!(html.contains("id=\"current-role\">Account admin"));

    let r = ada.browser.submit(&format!("/users/{bea_id}"), &format!("/users/{bea_id}/remove"), &[]).await;
    assert_eq!(location(&r), "/users?notice=user_removed");
    assert_eq!(location(&bea.browser.get("/dashboard").await), "/signin", "Bea's session ended");
    let (_, html) = ada.browser.get_text("/users").await;
    assert!(!html.contains("bea@contoso.example"));
}

#[tokio::test]
async fn an_invitation_link_works_once_and_expires() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    ada.browser.submit("/users", "/users/invite", &[("email", "cy@contoso.example"), ("role", "member")]).await;
    let link = invitation_link(&t.last_email_to("cy@contoso.example").await);
    let path = link.strip_prefix(&t.url).unwrap().to_owned();
    assert_eq!(t.browser().get(&path).await.status(), StatusCode::OK);

    let r = t.browser().submit(&path, &path, &[("name", "Cy"), ("password", "short")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "bad input re-shows the form");

    t.clock.advance(chrono::Duration::days(8));
    assert_eq!(t.browser().get(&path).await.status(), StatusCode::NOT_FOUND, "expired after 7 days");
}

#[tokio::test]
async fn an_invitation_link_cannot_be_used_twice() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    t.invite_and_join(&ada, "dee@contoso.example", "member").await;
    let link = invitation_link(&t.last_email_to("dee@contoso.example").await);
    let path = link.strip_prefix(&t.url).unwrap().to_owned();
    assert_eq!(t.browser().get(&path).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn inviting_an_address_that_has_an_account_is_refused() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    t.sign_up("Fabrikam", "bo@fabrikam.example").await;
    let r =
        ada.browser.submit("/users", "/users/invite", &[("email", "bo@fabrikam.example"), ("role", "member")]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("already has an account"));
    let r = ada.browser.submit("/users", "/users/invite", &[("email", "nobody"), ("role", "member")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = ada.browser.submit("/users", "/users/invite", &[("email", "x@contoso.example"), ("role", "owner")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_user_management_admin_cannot_touch_global_admins() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let uma = t.invite_and_join(&ada, "uma@contoso.example", "user_management_admin").await;
    let r = uma
        .browser
        .submit("/users", "/users/invite", &[("email", "g@contoso.example"), ("role", "global_admin")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let ada_id = t.user_id("ada@contoso.example").await;
    let r = uma.browser.submit("/users", &format!("/users/{ada_id}/role"), &[("role", "member")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = uma.browser.submit("/users", &format!("/users/{ada_id}/remove"), &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // It may manage everyone else.
    let r = uma
        .browser
        .submit("/users", "/users/invite", &[("email", "m@contoso.example"), ("role", "billing_admin")])
        .await;
    assert_eq!(location(&r), "/users?notice=invited");
}

#[tokio::test]
async fn the_last_global_admin_cannot_be_removed_and_nobody_demotes_themselves() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let ada_id = t.user_id("ada@contoso.example").await;
    let r =
        ada.browser.submit(&format!("/users/{ada_id}"), &format!("/users/{ada_id}/role"), &[("role", "member")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("Nobody changes their own role"));
    let r = ada.browser.submit(&format!("/users/{ada_id}"), &format!("/users/{ada_id}/remove"), &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("at least one Global admin"));

    // With a second Global admin, that one may make Ada a Member.
    let gus = t.invite_and_join(&ada, "gus@contoso.example", "global_admin").await;
    let r =
        gus.browser.submit(&format!("/users/{ada_id}"), &format!("/users/{ada_id}/role"), &[("role", "member")]).await;
    assert_eq!(location(&r), "/users?notice=role_changed");
}

#[tokio::test]
async fn nobody_raises_their_own_role_through_the_api() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let uma = t.invite_and_join(&ada, "uma@contoso.example", "user_management_admin").await;
    let uma_id = t.user_id("uma@contoso.example").await;
    let api = t.api(Some(&t.token_for(&uma.browser, "/account").await));
    for role in ["billing_admin", "global_admin", "user_management_admin"] {
        let (status, problem) = api
            .call(reqwest::Method::PATCH, &format!("/api/v1/users/{uma_id}"), Some(serde_json::json!({"role": role})))
            .await;
        assert_eq!((status, problem["code"].as_str()), (StatusCode::FORBIDDEN, Some("own_role")), "{role}: {problem}");
    }
    assert_eq!(api.get("/api/v1/me").await.1["role"], "user_management_admin");

    let ada_api = t.api(Some(&t.token_for(&ada.browser, "/account").await));
    let ada_id = t.user_id("ada@contoso.example").await;
    t.invite_and_join(&ada, "gus@contoso.example", "global_admin").await;
    let (status, problem) = ada_api
        .call(reqwest::Method::PATCH, &format!("/api/v1/users/{ada_id}"), Some(serde_json::json!({"role": "member"})))
        .await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::FORBIDDEN, Some("own_role")), "Global admins too");
}

#[tokio::test]
async fn a_user_management_admin_neither_grants_global_admin_nor_cancels_its_invitations() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let uma = t.invite_and_join(&ada, "uma@contoso.example", "user_management_admin").await;
    let bea = t.invite_and_join(&ada, "bea@contoso.example", "member").await;
    drop(bea);
    let bea_id = t.user_id("bea@contoso.example").await;
    let ada_api = t.api(Some(&t.token_for(&ada.browser, "/account").await));
    let (status, _) = ada_api
        .post("/api/v1/invitations", serde_json::json!({"email": "gus@contoso.example", "role": "global_admin"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) =
        ada_api.post("/api/v1/invitations", serde_json::json!({"email": "mo@contoso.example", "role": "member"})).await;
    assert_eq!(status, StatusCode::CREATED);

    let api = t.api(Some(&t.token_for(&uma.browser, "/account").await));
    let (status, _) = api
        .call(
            reqwest::Method::PATCH,
            &format!("/api/v1/users/{bea_id}"),
            Some(serde_json::json!({"role": "global_admin"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no one is made Global admin by a User management admin");
    let (_, invitations) = api.get("/api/v1/invitations").await;
    let id_of = |email: &str| {
        invitations["data"].as_array().unwrap().iter().find(|i| i["email"] == email).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (global, member) = (id_of("gus@contoso.example"), id_of("mo@contoso.example"));
    let (status, _) = api.call(reqwest::Method::DELETE, &format!("/api/v1/invitations/{global}"), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, after) = api.get("/api/v1/invitations").await;
    assert_eq!(after["data"].as_array().unwrap().len(), 2, "the Global admin invitation stands");

    // The portal offers neither, and refuses them when posted anyway.
    let (_, page) = uma.browser.get_text("/users").await;
    assert!(!page.contains(r#"<option value="global_admin""#), "no Global admin in the invite form");
    assert!(!page.contains(&format!("/users/invitations/{global}/cancel")));
    assert!(page.contains(&format!("/users/invitations/{member}/cancel")));
    let r = uma.browser.submit("/users", &format!("/users/invitations/{global}/cancel"), &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = uma.browser.submit("/users", &format!("/users/{bea_id}/role"), &[("role", "global_admin")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = uma.browser.submit("/users", &format!("/users/invitations/{member}/cancel"), &[]).await;
    assert_eq!(location(&r), "/users?notice=invitation_cancelled", "lower roles' invitations are theirs to cancel");
}

#[tokio::test]
async fn the_portal_offers_no_change_of_one_s_own_role() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let uma = t.invite_and_join(&ada, "uma@contoso.example", "user_management_admin").await;
    let uma_id = t.user_id("uma@contoso.example").await;
    let (status, page) = uma.browser.get_text(&format!("/users/{uma_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Nobody changes their own role") && !page.contains("Save role"), "{page}");
    let r = uma
        .browser
        .submit(&format!("/users/{uma_id}"), &format!("/users/{uma_id}/role"), &[("role", "billing_admin")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (_, page) = ada.browser.get_text(&format!("/users/{uma_id}")).await;
    assert!(page.contains("User management admin"), "the role did not change");
    assert!(page.contains("Save role"), "another admin may change it");
}

#[tokio::test]
async fn every_change_is_in_the_audit_log_with_who_and_from_where() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    t.invite_and_join(&ada, "bea@contoso.example", "member").await;
    let bea_id = t.user_id("bea@contoso.example").await;
    ada.browser
        .submit(&format!("/users/{bea_id}"), &format!("/users/{bea_id}/role"), &[("role", "billing_admin")])
        .await;

    let staff = t.staff_admin().await;
    let (status, html) = staff.get_text("/staff/audit").await;
    assert_eq!(status, StatusCode::OK);
    for action in
        ["catalog.loaded", "org.signed_up", "session.signed_in", "user.invited", "user.joined", "user.role_changed"]
    {
        assert!(html.contains(action), "audit log has {action}");
    }
    assert!(html.contains("Ada Admin &#60;ada@contoso.example&#62;"), "who");
    assert!(html.contains("127.0.0.1"), "from where");
    assert!(html.contains("changed the role of bea@contoso.example from Member to Billing admin"));
}

#[tokio::test]
async fn each_role_sees_the_menu_items_and_actions_it_may_use() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let api = t.api(Some(&t.token_for(&ada.browser, "/account").await));
    let (order, _) = crate::checkout::order_at_review(&api, crate::checkout::GOOD_CARD).await;
    let (status, paid, _) = crate::checkout::pay(&api, &order, "buy").await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    let sub = format!("/subscriptions/{}", paid["subscription_id"].as_str().unwrap());
    let menu =
        |html: &str| ["/invoices", "/users", "/support"].map(|path| html.contains(&format!("<a href=\"{path}\">")));

    let (_, html) = ada.browser.get_text("/dashboard").await;
    assert_eq!(menu(&html), [true, true, true], "a Global admin has every item");
    let (_, html) = ada.browser.get_text(&sub).await;
    assert!(html.contains("Renew subscriptions") && html.contains("Turn off automatic renewal"));

    let bea = t.invite_and_join(&ada, "bea@contoso.example", "billing_admin").await;
    let (_, html) = bea.browser.get_text("/dashboard").await;
    assert_eq!(menu(&html), [true, false, true], "a Billing admin: invoices and support");

    // An Account admin may turn renewal off but not pay: no Renew button that would be refused.
    let cy = t.invite_and_join(&ada, "cy@contoso.example", "account_admin").await;
    let (_, html) = cy.browser.get_text("/dashboard").await;
    assert_eq!(menu(&html), [false, false, true]);
    let (_, html) = cy.browser.get_text(&sub).await;
    assert!(!html.contains("Renew subscriptions</button>") && html.contains("Turn off automatic renewal"), "{html}");

    // A Member has none of them, and is told at once that it may not open a request.
    let dee = t.invite_and_join(&ada, "dee@contoso.example", "member").await;
    let (_, html) = dee.browser.get_text("/dashboard").await;
    assert_eq!(menu(&html), [false, false, false]);
    assert_eq!(dee.browser.get("/support/requests/new").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(dee.browser.get("/support/report").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(dee.browser.get("/invoices").await.status(), StatusCode::FORBIDDEN);
}
