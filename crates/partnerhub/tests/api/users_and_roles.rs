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
async fn the_last_global_admin_cannot_be_demoted_or_removed() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let ada_id = t.user_id("ada@contoso.example").await;
    let r =
        ada.browser.submit(&format!("/users/{ada_id}"), &format!("/users/{ada_id}/role"), &[("role", "member")]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("at least one Global admin"));
    let r = ada.browser.submit(&format!("/users/{ada_id}"), &format!("/users/{ada_id}/remove"), &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);

    // With a second Global admin, Ada may step down.
    t.invite_and_join(&ada, "gus@contoso.example", "global_admin").await;
    let r =
        ada.browser.submit(&format!("/users/{ada_id}"), &format!("/users/{ada_id}/role"), &[("role", "member")]).await;
    assert_eq!(location(&r), "/users?notice=role_changed");
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
