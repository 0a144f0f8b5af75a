//! Support: Report problems → New request → Submit, the conversation with staff, the Open and
//! Closed lists, reopening within 14 days, and who may see and write what.

use crate::competencies::{apply, decide, evidence, pay_fee, staff_api};
use crate::helpers::*;
use chrono::Duration;
use reqwest::StatusCode;

const NEW: &str = "/support/requests/new";

fn request_fields<'a>(title: &'a str, email: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("problem", "billing"),
        ("subscription_id", ""),
        ("title", title),
        ("description", "Please cancel our Action Pack subscription at the end of the term."),
        ("contact_email", email),
        ("contact_phone", "+1 555 0100"),
    ]
}

#[tokio::test]
async fn a_partner_opens_a_request_and_follows_the_conversation_with_staff() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let (_, support) = ada.browser.get_text("/support").await;
    assert!(support.contains("Report problems") && support.contains("Service requests &gt; Partner requests"));
    let (_, report) = ada.browser.get_text("/support/report").await;
    assert!(report.contains("New request"));
    let (_, form) = ada.browser.get_text(NEW).await;
    assert!(
        form.contains("Help with partner invoice, payment, or reconciliation file") && form.contains("Type of problem")
    );

    let r = ada.browser.submit(NEW, "/support/requests", &request_fields(" ", "ada@contoso.example")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Please cancel our Action Pack"), "the form keeps what was typed");

    let r = ada
        .browser
        .submit(NEW, "/support/requests", &request_fields("Cancel Action Pack", "ada@contoso.example"))
        .await;
    let to = location(&r);
    assert!(to.starts_with("/support/requests/sr_") && to.ends_with("?notice=request_opened"), "{to}");
    let page = to.trim_end_matches("?notice=request_opened").to_owned();
    let id = page.trim_start_matches("/support/requests/").to_owned();
    let (_, open) = ada.browser.get_text("/support/requests").await;
    assert!(open.contains("SR-000001") && open.contains("Cancel Action Pack"));

    // Staff answer and ask for something: the request waits for the partner, who is told.
    let staff = t.staff_admin().await;
    let (_, queue) = staff.get_text("/staff/requests").await;
    assert!(queue.contains("SR-000001"));
    assert!(
        staff.get_text(&format!("/staff/requests/{id}")).await.1.contains("Contoso (partner ID"),
        "staff see whose it is"
    );
    let staff_page = format!("/staff/requests/{id}");
    let answer = |body: &'static str, status: &'static str| {
        let staff = &staff;
        let staff_page = staff_page.clone();
        async move {
            staff.submit(&staff_page, &format!("{staff_page}/answer"), &[("body", body), ("status", status)]).await
        }
    };
    assert_eq!(location(&answer("Which term should end: now or at its end?", "waiting_for_partner").await), staff_page);
    let (_, html) = ada.browser.get_text(&page).await;
    assert!(html.contains("Which term should end") && html.contains("Waiting for partner"), "{html}");
    assert!(t.last_email_to("ada@contoso.example").await.contains("Which term should end"));

    let r = ada.browser.submit(&page, &format!("{page}/reply"), &[("body", "At the end of the term, please.")]).await;
    assert_eq!(location(&r), format!("{page}?notice=reply_sent"));
    assert!(ada.browser.get_text(&page).await.1.contains("In progress"), "a reply puts it back in progress");

    // Resolved: under Closed, and it can be reopened for 14 days.
    answer("Done: automatic renewal is off; it ends on its term's end.", "resolved").await;
    assert!(ada.browser.get_text("/support/requests?show=closed").await.1.contains("SR-000001"));
    assert!(!ada.browser.get_text("/support/requests").await.1.contains("SR-000001"));
    let r = ada.browser.submit(&page, &format!("{page}/reopen"), &[]).await;
    assert_eq!(location(&r), format!("{page}?notice=request_reopened"));
    answer("", "resolved").await;
    t.clock.advance(Duration::days(15));
    let again = t.browser();
    again.submit("/signin", "/signin", &[("email", "ada@contoso.example"), ("password", PASSWORD)]).await;
    let r = again.submit(&page, &format!("{page}/reopen"), &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("reopened for 14 days"));
}

#[tokio::test]
async fn requests_are_the_orgs_own_and_members_do_not_open_them() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let r =
        ada.browser.submit(NEW, "/support/requests", &request_fields("Invoice question", "ada@contoso.example")).await;
    let page = location(&r).trim_end_matches("?notice=request_opened").to_owned();

    let eve = t.sign_up("Fabrikam", "eve@fabrikam.example").await;
    assert_eq!(eve.browser.get(&page).await.status(), StatusCode::NOT_FOUND);
    let r = eve.browser.submit("/support/requests", &format!("{page}/reply"), &[("body", "hi")]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(!eve.browser.get_text("/support/requests").await.1.contains("Invoice question"));

    let member = t.invite_and_join(&ada, "mo@contoso.example", "member").await;
    assert_eq!(member.browser.get("/support/requests").await.status(), StatusCode::FORBIDDEN);
    let r = member.browser.submit("/support", "/support/requests", &request_fields("Hi", "mo@contoso.example")).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn staff_draw_down_support_incidents_on_a_request_once_and_never_below_zero() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let api = t.api(Some(&t.token_for(&ada.browser, "/account").await));
    let staff_token = staff_api(&t).await;
    let id = apply(&api, "silver", evidence(2, 3)).await.1["id"].as_str().unwrap().to_owned();
    decide(&staff_token, &id, "approve", "").await;
    let sub = pay_fee(&api, &id, "silver").await["subscription_id"].as_str().unwrap().to_owned();
    api.post(&format!("/api/v1/subscriptions/{sub}/activate"), serde_json::json!({})).await;

    let r =
        ada.browser.submit(NEW, "/support/requests", &request_fields("Azure outage help", "ada@contoso.example")).await;
    let request =
        location(&r).trim_end_matches("?notice=request_opened").trim_start_matches("/support/requests/").to_owned();
    let staff = t.staff_admin().await;
    let page = format!("/staff/requests/{request}");
    let (_, html) = staff.get_text(&page).await;
    assert!(html.contains("Support incidents: 10 left"), "{html}");
    let (_, list) = api.get("/api/v1/benefits").await;
    let incidents = list["data"].as_array().unwrap().iter().find(|b| b["kind"] == "support_incidents").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let draw = |amount: &'static str, key: &'static str| {
        let (staff, page, incidents) = (&staff, page.clone(), incidents.clone());
        async move {
            staff
                .submit(
                    &page,
                    &format!("{page}/draw"),
                    &[("benefit_id", incidents.as_str()), ("amount", amount), ("key", key)],
                )
                .await
        }
    };
    assert_eq!(location(&draw("1", "k1").await), page);
    assert_eq!(location(&draw("1", "k1").await), page, "the same form twice draws once");
    let (_, html) = staff.get_text(&page).await;
    assert!(
        html.contains("Support incidents: 9 left")
            && html.contains("Used 1 support incidents on this request (9 left).")
    );
    let r = draw("10", "k2").await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("Only 9 support incidents are left"));
    let (_, ledger) = api.get(&format!("/api/v1/benefits/{incidents}/ledger")).await;
    let uses: Vec<&serde_json::Value> =
        ledger["data"].as_array().unwrap().iter().filter(|e| e["entry"] == "use").collect();
    assert_eq!(uses.len(), 1);
    assert!(uses[0]["memo"].as_str().unwrap().contains("SR-000001"));
    assert!(
        ada.browser.get_text(&format!("/support/requests/{request}")).await.1.contains("(9 left)"),
        "the partner sees it"
    );
}

#[tokio::test]
async fn staff_cancel_a_subscription_at_the_end_of_its_term_from_a_billing_request() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let api = t.api(Some(&t.token_for(&ada.browser, "/account").await));
    let (order, _) = crate::checkout::order_at_review(&api, crate::checkout::GOOD_CARD).await;
    let sub = crate::checkout::pay(&api, &order, "buy").await.1["subscription_id"].as_str().unwrap().to_owned();
    let mut fields = request_fields("Please cancel", "ada@contoso.example");
    fields[1] = ("subscription_id", sub.as_str());
    let r = ada.browser.submit(NEW, "/support/requests", &fields).await;
    let request =
        location(&r).trim_end_matches("?notice=request_opened").trim_start_matches("/support/requests/").to_owned();

    let staff = t.staff_admin().await;
    let page = format!("/staff/requests/{request}");
    assert!(staff.get_text(&page).await.1.contains("Cancel at the end of the term"));
    let r = staff.submit(&page, &format!("{page}/cancel-at-term-end"), &[]).await;
    assert_eq!(location(&r), page);
    let (_, s) = api.get(&format!("/api/v1/subscriptions/{sub}")).await;
    assert_eq!((s["status"].as_str(), s["auto_renew"].as_bool()), (Some("active"), Some(false)), "runs to its end");
    let (_, html) = ada.browser.get_text(&format!("/support/requests/{request}")).await;
    assert!(html.contains("ends on 2028-03-15 and will not renew") && html.contains("Resolved"), "{html}");
    crate::lifecycle::run_until(&t, crate::lifecycle::day(2028, 3, 16)).await;
    assert_eq!(api.get(&format!("/api/v1/subscriptions/{sub}")).await.1["status"], "expired");
    assert_eq!(crate::checkout::sandbox_charges(&t).await, 1, "no renewal was charged");
}
