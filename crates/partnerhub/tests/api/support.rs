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
    assert!(support.contains("Report problems") && support.contains("Service requests &#62; Partner requests"));
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
    // Staff find the balance to draw on in the org's record (the API's too).
    let (_, me) = api.get("/api/v1/me").await;
    let (_, org) = staff_token.get(&format!("/api/v1/orgs/{}", me["org_id"].as_str().unwrap())).await;
    let balance = org["support_balances"].as_array().unwrap().iter().find(|b| b["kind"] == "support_incidents");
    assert_eq!(balance.map(|b| b["left"].as_i64()), Some(Some(10)), "{org}");
    let incidents = balance.unwrap()["benefit_id"].as_str().unwrap().to_owned();
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

    // The same through the API, once per Idempotency-Key.
    let path = format!("{}/api/v1/service-requests/{request}/support-draws", staff_token.url);
    for _ in 0..2 {
        let r = staff_token
            .client
            .post(&path)
            .bearer_auth(staff_token.token.as_deref().unwrap())
            .header("Idempotency-Key", "draw-api-1")
            .json(&serde_json::json!({"benefit_id": incidents, "amount": 2}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    let (_, ledger) = api.get(&format!("/api/v1/benefits/{incidents}/ledger")).await;
    let used: i64 = ledger["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entry"] == "use")
        .map(|e| e["amount"].as_i64().unwrap().abs())
        .sum();
    assert_eq!(used, 3, "1 on the page, 2 through the API, once");
}

#[tokio::test]
async fn the_api_attaches_files_to_an_open_request_and_staff_read_the_outbox() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let api = t.api(Some(&t.token_for(&ada.browser, "/account").await));
    let (_, r) = api
        .post(
            "/api/v1/service-requests",
            serde_json::json!({"problem_type": "portal", "title": "Blank page", "description": "See attached.", "contact_email": "ada@contoso.example"}),
        )
        .await;
    let id = r["id"].as_str().unwrap().to_owned();
    let upload = |name: &'static str, bytes: &'static [u8]| {
        let api = &api;
        let id = id.clone();
        async move {
            let (content_type, body) = crate::competencies::multipart(&[("file", Some(name), bytes)]);
            api.client
                .post(format!("{}/api/v1/service-requests/{id}/files", api.url))
                .bearer_auth(api.token.as_deref().unwrap())
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(upload("shot.png", b"\x89PNG\r\n\x1a\nimage").await, StatusCode::CREATED);
    assert_eq!(upload("run.exe", &[0x4D, 0x5A, 0x90, 0x00]).await, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, seen) = api.get(&format!("/api/v1/service-requests/{id}")).await;
    assert_eq!(seen["files"][0]["name"], "shot.png");
    assert_eq!(seen["files"][0]["content_type"], "image/png");

    let staff = staff_api(&t).await;
    staff
        .post(
            &format!("/api/v1/service-requests/{id}/messages"),
            serde_json::json!({"body": "Fixed now.", "status": "resolved"}),
        )
        .await;
    let (status, outbox) = staff.get("/api/v1/outbox?limit=5").await;
    assert_eq!(status, StatusCode::OK, "{outbox}");
    assert!(outbox["data"].as_array().unwrap().iter().any(|m| m["body"].as_str().unwrap().contains("Fixed now.")));
    assert_eq!(api.get("/api/v1/outbox").await.0, StatusCode::FORBIDDEN, "partners never read the outbox");
    assert_eq!(upload("late.txt", b"too late").await, StatusCode::CONFLICT, "a resolved request takes no files");
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
    let (_, html) = ada.browser.get_text(&format!("/subscriptions/{sub}")).await;
    assert!(html.contains("Cancelled at the end of its term") && !html.contains("remind you to renew"), "{html}");
    crate::lifecycle::run_until(&t, crate::lifecycle::day(2028, 3, 16)).await;
    assert_eq!(api.get(&format!("/api/v1/subscriptions/{sub}")).await.1["status"], "cancelled", "it ends as cancelled");
    assert_eq!(crate::checkout::sandbox_charges(&t).await, 1, "no renewal was charged");
    let mail = t.emails_to("ada@contoso.example").await;
    assert!(!mail.iter().any(|m| m.contains("will not renew automatically. Renew it")), "no reminders to renew");
    assert!(
        mail.iter().any(|m| m.contains("it was cancelled at the end of its term")),
        "the end is told as a cancellation"
    );
}

#[tokio::test]
async fn attachments_are_checked_and_internal_notes_never_reach_the_partner() {
    let t = spawn_app().await;
    let ada = t.sign_up("Contoso", "ada@contoso.example").await;
    let (_, form) = ada.browser.get_text(NEW).await;
    assert!(form.contains("multipart/form-data"));
    let token = csrf_in(&form).unwrap();
    let send = |files: Vec<(&'static str, &'static [u8])>| {
        let mut parts: Vec<(&str, Option<&str>, &[u8])> = vec![
            ("csrf", None, token.as_bytes()),
            ("problem", None, b"portal"),
            ("subscription_id", None, b""),
            ("title", None, b"Invoices page is blank"),
            ("description", None, b"See the screenshot."),
            ("contact_email", None, b"ada@contoso.example"),
            ("contact_phone", None, b""),
        ];
        parts.extend(files.into_iter().map(|(name, bytes)| ("file", Some(name), bytes)));
        let (content_type, body) = crate::competencies::multipart(&parts);
        ada.browser
            .client
            .post(format!("{}/support/requests", ada.browser.url))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let r = send(vec![("setup.pdf", &[0x4D, 0x5A, 0x90, 0x00])]).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("etup.pdf: send a PDF, PNG, JPEG or plain-text file") && html.contains("See the screenshot.")
    );
    let many: Vec<(&str, &[u8])> = vec![("a.txt", b"a"), ("b.txt", b"b"), ("c.txt", b"c"), ("d.txt", b"d")];
    assert_eq!(send(many).await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut conn = t.app.store().read().await.unwrap();
    let none: i64 =
        store::sql::query_scalar("SELECT COUNT(*) FROM service_requests").fetch_one(&mut conn).await.unwrap();
    assert_eq!(none, 0, "a refused form changes nothing");
    drop(conn);

    let shot: &[u8] = b"\x89PNG\r\n\x1a\nscreenshot";
    let r = send(vec![("../blank page.png", shot), ("steps.txt", b"1. open Invoices")]).await.unwrap();
    let page = location(&r).trim_end_matches("?notice=request_opened").to_owned();
    let (_, html) = ada.browser.get_text(&page).await;
    assert!(html.contains("blank page.png") && html.contains("steps.txt"), "{html}");
    let link = html.split("href=\"").find(|s| s.contains("/files/")).unwrap().split('"').next().unwrap().to_owned();
    let file = ada.browser.get(&link).await;
    assert_eq!(file.headers()["content-type"], "image/png");
    assert!(file.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(file.bytes().await.unwrap().as_ref(), shot);
    let eve = t.sign_up("Fabrikam", "eve@fabrikam.example").await;
    assert_eq!(eve.browser.get(&link).await.status(), StatusCode::NOT_FOUND, "another org never gets it");

    // Staff see the files, write an internal note, and hand the request on; the partner sees
    // neither the note nor is told of it.
    let staff = t.staff_admin().await;
    let staff_page = page.replace("/support/requests/", "/staff/requests/");
    let staff_link = link.replace("/support/requests/", "/staff/requests/");
    assert_eq!(staff.get(&staff_link).await.status(), StatusCode::OK);
    let emails_before = t.emails_to("ada@contoso.example").await.len();
    let r = staff
        .submit(&staff_page, &format!("{staff_page}/note"), &[("body", "Looks like the CSS bug from last week.")])
        .await;
    assert_eq!(location(&r), staff_page);
    assert!(staff.get_text(&staff_page).await.1.contains("Looks like the CSS bug"));
    assert!(!ada.browser.get_text(&page).await.1.contains("CSS bug"), "internal notes never reach the partner");
    assert_eq!(t.emails_to("ada@contoso.example").await.len(), emails_before, "nor is the partner told");
    let r = staff.submit(&staff_page, &format!("{staff_page}/assign"), &[("assignee", t.admin_email.as_str())]).await;
    assert_eq!(location(&r), staff_page);
    let r = staff.submit(&staff_page, &format!("{staff_page}/assign"), &[("assignee", "nobody@example.com")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The queue's filters: by type, org, age and handler.
    let shows = |query: &'static str| {
        let staff = &staff;
        async move { staff.get_text(&format!("/staff/requests?{query}")).await.1.contains("SR-000001") }
    };
    assert!(shows("problem=portal&org=contoso&assignee=mine").await);
    assert!(!shows("problem=billing").await);
    assert!(!shows("org=fabrikam").await);
    assert!(!shows("assignee=nobody").await);
    assert!(!shows("older_than_days=2").await);
    t.clock.advance(Duration::days(3));
    assert!(shows("older_than_days=2").await);
    let (status, html) = staff.get_text("/staff/requests?older_than_days=soon").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("whole number of days"), "{html}");
}

#[tokio::test]
async fn a_request_or_file_id_of_the_wrong_shape_is_answered_as_an_unknown_one_is() {
    let t = spawn_app().await;
    let api = crate::checkout::buyer(&t, "Contoso", "ada@contoso.example", "US").await;
    let file = format!("/files/{}", unknown_id("fil"));
    for (method, path) in [
        (reqwest::Method::GET, "/api/v1/service-requests/{}".to_owned()),
        (reqwest::Method::POST, "/api/v1/service-requests/{}/reopen".to_owned()),
        (reqwest::Method::GET, format!("/api/v1/service-requests/{{}}{file}")),
    ] {
        wrong_shape_answers_as_unknown(&api, method, &path, &unknown_id("sr")).await;
    }
    let ada = t.browser();
    ada.submit("/signin", "/signin", &[("email", "ada@contoso.example"), ("password", PASSWORD)]).await;
    let staff = t.staff_admin().await;
    for id in ["nope", "sr_short", &unknown_id("sr"), &unknown_id("cap")] {
        for (who, page) in [(&ada, format!("/support/requests/{id}")), (&staff, format!("/staff/requests/{id}"))] {
            for path in [page.clone(), format!("{page}{file}")] {
                let (status, _) = who.get_text(&path).await;
                assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            }
        }
    }
}
