//! Competencies: apply with evidence → staff review → approval → the fee through checkout →
//! an active competency that renews like any subscription; a rejection with its reason; the
//! move from Silver to Gold with the unused Silver time credited.

use crate::checkout::{GOOD_CARD, buyer, pay, sandbox_charges};
use crate::helpers::*;
use crate::lifecycle::{day, run_until};
use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub fn evidence(people: usize, references: usize) -> Value {
    let people: Vec<Value> = (1..=people)
        .map(|n| json!({"name": format!("Person {n}"), "certification_id": format!("AZ-305-{n:04}")}))
        .collect();
    let references: Vec<String> = (1..=references).map(|n| format!("Customer {n}, cto@customer{n}.example")).collect();
    json!({"people": people, "references": references, "attested": true})
}

pub async fn apply(api: &Api, tier: &str, evidence: Value) -> (StatusCode, Value) {
    api.post(
        "/api/v1/competency-applications",
        json!({"competency": "cloud-platform", "tier": tier, "evidence": evidence}),
    )
    .await
}

pub async fn staff_api(t: &TestApp) -> Api {
    let staff = t.staff_admin().await;
    t.api(Some(&t.token_for(&staff, "/staff/account").await))
}

pub async fn decide(staff: &Api, id: &str, decision: &str, reason: &str) -> (StatusCode, Value) {
    staff
        .post(
            &format!("/api/v1/competency-applications/{id}/decision"),
            json!({"decision": decision, "reason": reason}),
        )
        .await
}

/// Takes an approved application's fee order through terms and the org's saved card (saving
/// 4242 first when it has none), and pays it.
pub async fn pay_fee(api: &Api, application: &str, key: &str) -> Value {
    let (status, order) =
        api.post(&format!("/api/v1/competency-applications/{application}/fee-order"), json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    let id = order["id"].as_str().unwrap().to_owned();
    let version = order["terms"]["version"].as_str().unwrap();
    api.post(&format!("/api/v1/orders/{id}/accept-terms"), json!({"terms_version": version})).await;
    let (_, cards) = api.get("/api/v1/payment-methods").await;
    let card = match cards["data"].as_array().and_then(|c| c.first()) {
        Some(c) => c["id"].clone(),
        None => {
            let card = json!({"card": {"number": GOOD_CARD, "exp_month": "12", "exp_year": "2035", "cvc": "123"}});
            api.post("/api/v1/payment-methods", card).await.1["id"].clone()
        }
    };
    let (status, chosen) =
        api.post(&format!("/api/v1/orders/{id}/payment-method"), json!({"payment_method_id": card})).await;
    assert_eq!(status, StatusCode::OK, "{chosen}");
    let (status, paid, _) = pay(api, &id, key).await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    paid
}

#[tokio::test]
async fn an_approved_application_pays_its_fee_and_renews_like_any_subscription() {
    let t = spawn_app().await;
    let api = buyer(&t, "Contoso", "ada@contoso.example", "US").await;
    let staff = staff_api(&t).await;

    let (status, short) = apply(&api, "silver", evidence(1, 3)).await;
    assert_eq!((status, short["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_input")), "{short}");
    assert!(
        short["detail"].as_str().unwrap().contains("at least 2 people certified as Azure Solutions Architect Expert")
    );
    let (status, direct) = api.post("/api/v1/orders", json!({"offer": "cloud-platform-silver"})).await;
    assert_eq!(
        (status, direct["code"].as_str()),
        (StatusCode::CONFLICT, Some("not_approved")),
        "no fee before approval"
    );

    let (status, application) = apply(&api, "silver", evidence(2, 3)).await;
    assert_eq!((status, application["status"].as_str()), (StatusCode::CREATED, Some("submitted")), "{application}");
    let id = application["id"].as_str().unwrap().to_owned();
    let (status, twice) = apply(&api, "silver", evidence(2, 3)).await;
    assert_eq!((status, twice["code"].as_str()), (StatusCode::CONFLICT, Some("application_open")));
    let (status, early) = api.post(&format!("/api/v1/competency-applications/{id}/fee-order"), json!({})).await;
    assert_eq!((status, early["code"].as_str()), (StatusCode::CONFLICT, Some("not_approved")));

    let (_, queue) = staff.get("/api/v1/competency-applications").await;
    assert_eq!(queue["data"].as_array().unwrap().len(), 1, "waiting in the staff queue");
    assert_eq!(decide(&staff, &id, "review", "").await.1["status"], "under_review");
    let (status, _) = decide(&api, &id, "approve", "").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a partner cannot approve");
    let (status, approved) = decide(&staff, &id, "approve", "").await;
    assert_eq!((status, approved["status"].as_str()), (StatusCode::OK, Some("approved")), "{approved}");
    let (_, notes) = api.get("/api/v1/notifications").await;
    assert!(notes.to_string().contains("Cloud Platform Silver competency application is approved"), "{notes}");

    let paid = pay_fee(&api, &id, "silver-fee").await;
    assert_eq!(paid["total"]["amount_minor"], 167_000);
    let sub = paid["subscription_id"].as_str().unwrap().to_owned();
    let (_, application) = api.get(&format!("/api/v1/competency-applications/{id}")).await;
    assert_eq!(application["subscription_id"].as_str(), Some(sub.as_str()));
    let (_, s) = api.get(&format!("/api/v1/subscriptions/{sub}")).await;
    assert_eq!((s["status"].as_str(), s["term_end"].as_str()), (Some("active"), Some("2028-03-15")));

    // Its benefits, as for any subscription: credits, licenses and the support balances.
    let (status, made) = api.post(&format!("/api/v1/subscriptions/{sub}/activate"), json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let incidents = |list: &Value| {
        list["data"].as_array().unwrap().iter().find(|b| b["kind"] == "support_incidents").unwrap()["granted"].as_i64()
    };
    assert_eq!(incidents(&made), Some(10));

    // A year on it renews by itself, and the support balance is granted for the new term.
    run_until(&t, day(2028, 3, 20)).await;
    assert_eq!(sandbox_charges(&t).await, 2);
    let (_, s) = api.get(&format!("/api/v1/subscriptions/{sub}")).await;
    assert_eq!((s["status"].as_str(), s["term_end"].as_str()), (Some("active"), Some("2029-03-15")));
    assert_eq!(incidents(&api.get("/api/v1/benefits").await.1), Some(20));
}

#[tokio::test]
async fn a_rejection_says_why_and_a_new_application_may_follow() {
    let t = spawn_app().await;
    let api = buyer(&t, "Contoso", "ada@contoso.example", "US").await;
    let staff = staff_api(&t).await;
    let id = apply(&api, "silver", evidence(2, 3)).await.1["id"].as_str().unwrap().to_owned();
    let (status, body) = decide(&staff, &id, "reject", " ").await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_input")));
    let (status, rejected) = decide(&staff, &id, "reject", "The certification IDs could not be verified.").await;
    assert_eq!((status, rejected["status"].as_str()), (StatusCode::OK, Some("rejected")));
    let (status, again) = decide(&staff, &id, "approve", "").await;
    assert_eq!((status, again["code"].as_str()), (StatusCode::CONFLICT, Some("already_decided")));
    let (_, mine) = api.get(&format!("/api/v1/competency-applications/{id}")).await;
    assert_eq!(mine["reason"], "The certification IDs could not be verified.");
    let (status, bad) = staff.get("/api/v1/competency-applications?status=pending").await;
    assert_eq!((status, bad["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("status")), "{bad}");
    let (_, rejected) = staff.get("/api/v1/competency-applications?status=rejected").await;
    assert_eq!(rejected["data"].as_array().unwrap().len(), 1);
    assert!(t.last_email_to("ada@contoso.example").await.contains("could not be verified"));
    assert_eq!(apply(&api, "silver", evidence(2, 3)).await.0, StatusCode::CREATED, "a new try after a rejection");

    // Another org sees none of it; a support agent cannot decide.
    let other = buyer(&t, "Fabrikam", "eve@fabrikam.example", "US").await;
    assert_eq!(other.get(&format!("/api/v1/competency-applications/{id}")).await.0, StatusCode::NOT_FOUND);
    let (status, _) = other.post(&format!("/api/v1/competency-applications/{id}/fee-order"), json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(other.get("/api/v1/competency-applications").await.1["data"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn moving_up_to_gold_credits_the_unused_silver_time_and_ends_silver() {
    let t = spawn_app().await;
    let admin = t.sign_up("Contoso", "ada@contoso.example").await;
    let api = t.api(Some(&t.token_for(&admin.browser, "/account").await));
    let staff = staff_api(&t).await;
    let silver = apply(&api, "silver", evidence(2, 3)).await.1["id"].as_str().unwrap().to_owned();
    decide(&staff, &silver, "approve", "").await;
    let silver_sub = pay_fee(&api, &silver, "silver").await["subscription_id"].as_str().unwrap().to_owned();
    let (status, held) = apply(&api, "silver", evidence(2, 3)).await;
    assert_eq!((status, held["code"].as_str()), (StatusCode::CONFLICT, Some("already_held")));

    t.clock.set(Utc.with_ymd_and_hms(2027, 9, 13, 9, 0, 0).unwrap());
    let (status, gold) = apply(&api, "gold", evidence(4, 5)).await;
    assert_eq!(status, StatusCode::CREATED, "holding Silver, the org may apply for Gold: {gold}");
    let gold = gold["id"].as_str().unwrap().to_owned();
    decide(&staff, &gold, "approve", "").await;
    let paid = pay_fee(&api, &gold, "gold").await;
    // 184 of the Silver term's 366 days were unused: 1,670.00 × 184 / 366 = 839.56 (rounded down).
    assert_eq!(paid["credit"]["amount_minor"], 83_956);
    assert_eq!(paid["total"]["amount_minor"], 473_000 - 83_956);
    let (_, s) = api.get(&format!("/api/v1/subscriptions/{silver_sub}")).await;
    assert_eq!(s["status"], "cancelled", "Gold replaces the Silver term");
    let gold_sub = paid["subscription_id"].as_str().unwrap();
    let (_, g) = api.get(&format!("/api/v1/subscriptions/{gold_sub}")).await;
    assert_eq!((g["status"].as_str(), g["term_start"].as_str()), (Some("active"), Some("2027-09-13")));
    assert_eq!(g["price"]["amount_minor"], 473_000, "renewals cost the list price, not the credited one");
    let invoice = paid["invoice_id"].as_str().unwrap();
    let (_, inv) = api.get(&format!("/api/v1/invoices/{invoice}")).await;
    assert!(inv.to_string().contains("less 839.56 USD credited"), "{inv}");
    let (status, _) = apply(&api, "silver", evidence(2, 3)).await;
    assert_eq!(status, StatusCode::CONFLICT, "Gold includes Silver");

    // Months later the first session has ended; sign in again.
    let again = t.browser();
    again.submit("/signin", "/signin", &[("email", admin.email.as_str()), ("password", PASSWORD)]).await;
    let (_, membership) = again.get_text("/partnership/membership").await;
    assert!(membership.contains("Network membership"));
    assert!(
        membership.contains("Cloud Platform Gold competency")
            && !membership.contains("Cloud Platform Silver competency")
    );
}

#[tokio::test]
async fn the_portal_applies_the_console_approves_and_the_fee_order_opens() {
    let t = spawn_app().await;
    let admin = t.sign_up("Contoso", "ada@contoso.example").await;
    let (status, page) = admin.browser.get_text("/partnership/competencies").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Cloud Platform") && page.contains("2 people certified as Azure Solutions Architect Expert"));

    let form = "/partnership/competencies/cloud-platform/silver/apply";
    let mut fields =
        vec![("person_name", "Ann Lee"), ("person_cert", "AZ-1"), ("reference", "Northwind, ops@northwind.example")];
    let r = admin.browser.submit(form, form, &fields).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "not enough evidence");
    let html = r.text().await.unwrap();
    assert!(html.contains("Name at least 2 people") && html.contains("value=\"Ann Lee\""), "re-shown with the message");

    fields.extend([
        ("person_name", "Bo Chen"),
        ("person_cert", "AZ-2"),
        ("reference", "Contoso Bank, it@bank.example"),
        ("reference", "Fabrikam, cio@fabrikam.example"),
        ("attested", "yes"),
    ]);
    let r = admin.browser.submit(form, form, &fields).await;
    let to = location(&r);
    assert!(to.starts_with("/partnership/competencies/applications/") && to.ends_with("?notice=applied"), "{to}");
    let id =
        to.trim_start_matches("/partnership/competencies/applications/").trim_end_matches("?notice=applied").to_owned();

    let staff = t.staff_admin().await;
    let (_, queue) = staff.get_text("/staff/competencies").await;
    assert!(queue.contains("Cloud Platform Silver"), "{queue}");
    assert!(queue.contains(r#"status=open" aria-current="page""#), "the open tab is the current one: {queue}");
    let (_, approved) = staff.get_text("/staff/competencies?status=approved").await;
    assert!(
        approved.contains(r#"status=approved" aria-current="page""#) && !approved.contains("Cloud Platform Silver")
    );
    let page = format!("/staff/competencies/{id}");
    let r = staff.submit(&page, &format!("{page}/decide"), &[("decision", "approve")]).await;
    assert_eq!(location(&r), page);
    assert!(staff.get_text(&page).await.1.contains("Approved"));

    let mine = format!("/partnership/competencies/applications/{id}");
    let (_, html) = admin.browser.get_text(&mine).await;
    assert!(html.contains("Pay the fee") && html.contains("$1,670.00"), "{html}");
    let r = admin.browser.submit(&mine, &format!("{mine}/pay"), &[]).await;
    assert!(location(&r).starts_with("/orders/"), "on to the wizard");
    let (_, order) = admin.browser.get_text(&location(&r)).await;
    assert!(order.contains("Cloud Platform Silver competency"));

    // Another org cannot open it.
    let other = t.sign_up("Fabrikam", "eve@fabrikam.example").await;
    assert_eq!(other.browser.get(&mine).await.status(), StatusCode::NOT_FOUND);
}

/// A multipart/form-data body by hand: `(name, file name, bytes)` parts.
pub fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----partnerhub-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, file, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(api: &Api, application: &str, name: &str, bytes: &[u8]) -> (StatusCode, Value) {
    let (content_type, body) = multipart(&[("file", Some(name), bytes)]);
    let r = api
        .client
        .post(format!("{}/api/v1/competency-applications/{application}/files", api.url))
        .bearer_auth(api.token.as_deref().unwrap())
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn evidence_files_are_checked_by_their_bytes_and_kept_for_the_org_and_staff() {
    let t = spawn_app().await;
    let admin = t.sign_up("Contoso", "ada@contoso.example").await;
    let api = t.api(Some(&t.token_for(&admin.browser, "/account").await));
    let id = apply(&api, "silver", evidence(2, 3)).await.1["id"].as_str().unwrap().to_owned();

    let pdf = b"%PDF-1.4\n% certificate of Ann Lee, AZ-305\n%%EOF\n";
    let (status, file) = upload(&api, &id, "../certificates/ann.pdf", pdf).await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    assert_eq!((file["name"].as_str(), file["content_type"].as_str()), (Some("ann.pdf"), Some("application/pdf")));
    let (status, exe) = upload(&api, &id, "setup.pdf", &[0x4D, 0x5A, 0x90, 0x00, 0x03]).await;
    assert_eq!(
        (status, exe["code"].as_str(), exe["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_input"), Some("file"))
    );
    let big = vec![b'a'; 2 * 1024 * 1024 + 1];
    assert_eq!(upload(&api, &id, "big.txt", &big).await.0, StatusCode::UNPROCESSABLE_ENTITY, "over 2 MB");
    let huge = vec![b'a'; 4 * 1024 * 1024];
    assert_eq!(upload(&api, &id, "huge.txt", &huge).await.0, StatusCode::PAYLOAD_TOO_LARGE, "over the body limit");

    let (status, not_multipart) =
        api.post(&format!("/api/v1/competency-applications/{id}/files"), json!({"file": "x"})).await;
    assert_eq!(
        (status, not_multipart["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("file")),
        "{not_multipart}"
    );
    let (_, application) = api.get(&format!("/api/v1/competency-applications/{id}")).await;
    assert_eq!(application["files"].as_array().unwrap().len(), 1, "only the good file was kept");
    let file_id = file["id"].as_str().unwrap();
    let r = api
        .client
        .get(format!("{}/api/v1/competency-applications/{id}/files/{file_id}", api.url))
        .bearer_auth(api.token.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers().get("content-disposition").unwrap().to_str().unwrap().split(';').next(), Some("attachment"));
    assert_eq!(r.bytes().await.unwrap().as_ref(), pdf);

    // The portal form takes a file too (multipart, with its csrf field).
    let page = format!("/partnership/competencies/applications/{id}");
    let html = admin.browser.get(&page).await.text().await.unwrap();
    let token = csrf_in(&html).unwrap();
    let (content_type, body) = multipart(&[
        ("csrf", None, token.as_bytes()),
        ("file", Some("references.txt"), b"Northwind: ops@northwind.example"),
    ]);
    let r = admin
        .browser
        .client
        .post(format!("{}{page}/files", t.url))
        .header("content-type", content_type.clone())
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), format!("{page}?notice=file_attached"));
    let (_, forged) = multipart(&[("file", Some("x.txt"), b"no csrf")]);
    let r = admin
        .browser
        .client
        .post(format!("{}{page}/files", t.url))
        .header("content-type", content_type)
        .body(forged)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "a multipart form without the csrf field is refused");

    // Staff read the files; another org cannot.
    let staff = t.staff_admin().await;
    let (_, html) = staff.get_text(&format!("/staff/competencies/{id}")).await;
    assert!(html.contains("ann.pdf") && html.contains("references.txt"));
    assert_eq!(staff.get(&format!("/staff/competencies/{id}/files/{file_id}")).await.status(), StatusCode::OK);
    let other = t.sign_up("Fabrikam", "eve@fabrikam.example").await;
    assert_eq!(other.browser.get(&format!("{page}/files/{file_id}")).await.status(), StatusCode::NOT_FOUND);

    // Once decided, no more files.
    let staff_api = t.api(Some(&t.token_for(&staff, "/staff/account").await));
    decide(&staff_api, &id, "approve", "").await;
    let (status, late) = upload(&api, &id, "late.txt", b"too late").await;
    assert_eq!((status, late["code"].as_str()), (StatusCode::CONFLICT, Some("application_decided")));
}

#[tokio::test]
async fn the_silver_credit_is_taken_again_at_buy_when_days_have_passed() {
    let t = spawn_app().await;
    let (api, order, silver_sub) = gold_fee_order_over_silver(&t).await;
    // The Gold order starts on the day of the Silver purchase: the whole Silver fee is credited.
    assert_eq!(order["credit"]["amount_minor"], 167_000);
    let id = order["id"].as_str().unwrap().to_owned();

    // Paid a month later, the credit is what is left then, and the partner sees it first.
    t.clock.set(Utc.with_ymd_and_hms(2027, 10, 13, 9, 0, 0).unwrap());
    let charges = sandbox_charges(&t).await;
    let (status, changed, _) = pay(&api, &id, "gold-1").await;
    assert_eq!((status, changed["code"].as_str()), (StatusCode::CONFLICT, Some("order_changed")), "{changed}");
    assert_eq!(sandbox_charges(&t).await, charges, "nothing charged at the old price");
    let (_, order) = api.get(&format!("/api/v1/orders/{id}")).await;
    // 154 of 366 days are left: 1,670.00 × 154 / 366 = 702.67 (rounded down).
    assert_eq!(order["credit"]["amount_minor"], 70_267);
    let (status, paid, _) = pay(&api, &id, "gold-2").await;
    assert_eq!((status, paid["total"]["amount_minor"].as_i64()), (StatusCode::OK, Some(473_000 - 70_267)), "{paid}");
    assert_eq!(api.get(&format!("/api/v1/subscriptions/{silver_sub}")).await.1["status"], "cancelled");
}

/// An org that holds Cloud Platform Silver (bought now) and its approved Gold fee order, taken
/// to review with its card. Returns the org's API, the order as started, and the Silver
/// subscription's id.
async fn gold_fee_order_over_silver(t: &TestApp) -> (Api, Value, String) {
    let api = buyer(t, "Contoso", "ada@contoso.example", "US").await;
    let staff = staff_api(t).await;
    let silver = apply(&api, "silver", evidence(2, 3)).await.1["id"].as_str().unwrap().to_owned();
    decide(&staff, &silver, "approve", "").await;
    let silver_sub = pay_fee(&api, &silver, "silver").await["subscription_id"].as_str().unwrap().to_owned();
    let gold = apply(&api, "gold", evidence(4, 5)).await.1["id"].as_str().unwrap().to_owned();
    decide(&staff, &gold, "approve", "").await;
    let (_, order) = api.post(&format!("/api/v1/competency-applications/{gold}/fee-order"), json!({})).await;
    let id = order["id"].as_str().unwrap().to_owned();
    let version = order["terms"]["version"].as_str().unwrap();
    api.post(&format!("/api/v1/orders/{id}/accept-terms"), json!({"terms_version": version})).await;
    let (_, cards) = api.get("/api/v1/payment-methods").await;
    let (status, chosen) = api
        .post(&format!("/api/v1/orders/{id}/payment-method"), json!({"payment_method_id": cards["data"][0]["id"]}))
        .await;
    assert_eq!(status, StatusCode::OK, "{chosen}");
    (api, order, silver_sub)
}

/// A program whose Cloud Platform Gold costs no more than Silver (in US dollars), and its Gold
/// fee order at review over Silver bought the same day: the whole Silver fee is credited and
/// nothing is due. Returns the server, the org's API, the Gold order's id and the Silver
/// subscription's.
async fn gold_order_the_credit_covers() -> (TestApp, Api, String, String) {
    let catalog = app::catalog::DEMO.text.replacen("USD = \"4730.00\"", "USD = \"1670.00\"", 1);
    assert_ne!(catalog, app::catalog::DEMO.text, "the test lowers the Gold fee");
    let t = spawn_app_with_catalog(&catalog).await;
    let (api, order, silver_sub) = gold_fee_order_over_silver(&t).await;
    assert_eq!(
        (order["credit"]["amount_minor"].as_i64(), order["total"]["amount_minor"].as_i64()),
        (Some(167_000), Some(0))
    );
    let id = order["id"].as_str().unwrap().to_owned();
    (t, api, id, silver_sub)
}

/// The paid Gold order is complete: Silver ended, Gold active at its full fee for renewal, an
/// invoice of 0.00 that says the credit paid it, and no charge sent.
async fn gold_paid_by_the_credit(t: &TestApp, api: &Api, id: &str, silver_sub: &str, charges: i64) {
    let (_, paid) = api.get(&format!("/api/v1/orders/{id}")).await;
    assert_eq!(paid["status"], "paid", "{paid}");
    assert_eq!(sandbox_charges(t).await, charges, "no charge of zero went to the gateway");
    assert_eq!(api.get(&format!("/api/v1/subscriptions/{silver_sub}")).await.1["status"], "cancelled");
    let (_, gold_sub) = api.get(&format!("/api/v1/subscriptions/{}", paid["subscription_id"].as_str().unwrap())).await;
    assert_eq!(gold_sub["status"], "active", "{gold_sub}");
    // The renewal charges the card the whole Gold fee, as for any subscription.
    assert_eq!(
        (gold_sub["auto_renew"].as_bool(), gold_sub["price"]["amount_minor"].as_i64()),
        (Some(true), Some(167_000))
    );
    let (_, invoice) = api.get(&format!("/api/v1/invoices/{}", paid["invoice_id"].as_str().unwrap())).await;
    assert_eq!(invoice["total"]["amount_minor"], 0, "{invoice}");
    assert_eq!(invoice["paid_with"], "the credit for the replaced subscription (nothing charged)");
}

#[tokio::test]
async fn a_credit_that_covers_the_whole_order_pays_it_without_a_charge() {
    let (t, api, id, silver_sub) = gold_order_the_credit_covers().await;
    let charges = sandbox_charges(&t).await;
    let (status, paid, _) = pay(&api, &id, "gold").await;
    assert_eq!((status, paid["total"]["amount_minor"].as_i64()), (StatusCode::OK, Some(0)), "{paid}");
    gold_paid_by_the_credit(&t, &api, &id, &silver_sub, charges).await;
}

#[tokio::test]
async fn reconciliation_finishes_an_attempt_for_nothing_left_by_a_crash() {
    let (t, api, id, silver_sub) = gold_order_the_credit_covers().await;
    let charges = sandbox_charges(&t).await;
    // What Buy commits before it would ask a gateway; the server died there.
    {
        let mut tx = t.app.store().write().await.unwrap();
        let order = store::orders::get(&mut tx, &id.parse().unwrap()).await.unwrap().unwrap();
        let attempt = store::orders::AttemptRecord {
            id: domain::ids::PaymentAttemptId::from_random([0; 16]),
            order_id: order.id.clone(),
            idempotency_key: format!("{id}-attempt-1"),
            payment_method_id: order.payment_method_id.clone().unwrap(),
            gateway: "sandbox".into(),
            amount: domain::money::Money::new(0, domain::money::Currency::Usd),
            status: domain::order::AttemptStatus::Pending,
            created_at: t.app.now(),
        };
        store::orders::insert_attempt(&mut tx, &attempt).await.unwrap();
        store::orders::update(&mut tx, &order.id, store::orders::OrderUpdate::Paying).await.unwrap();
        tx.commit().await.unwrap();
    }
    assert_eq!(app::payment::reconcile_pending(&t.app).await.unwrap(), 1);
    gold_paid_by_the_credit(&t, &api, &id, &silver_sub, charges).await;
}

#[tokio::test]
async fn the_competency_expires_with_its_subscription_and_comes_back_with_a_late_renewal() {
    let t = spawn_app().await;
    let api = buyer(&t, "Contoso", "ada@contoso.example", "US").await;
    let staff = staff_api(&t).await;
    let id = apply(&api, "silver", evidence(2, 3)).await.1["id"].as_str().unwrap().to_owned();
    decide(&staff, &id, "approve", "").await;
    let sub = pay_fee(&api, &id, "silver").await["subscription_id"].as_str().unwrap().to_owned();
    api.post(&format!("/api/v1/subscriptions/{sub}/turn-off-auto-renew"), json!({})).await;
    run_until(&t, day(2028, 3, 20)).await;
    assert_eq!(api.get(&format!("/api/v1/competency-applications/{id}")).await.1["status"], "expired");
    let (status, paid) = crate::lifecycle::renew_by_hand(&api, &sub, "late").await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    assert_eq!(api.get(&format!("/api/v1/competency-applications/{id}")).await.1["status"], "approved");
}
