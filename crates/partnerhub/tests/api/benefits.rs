//! Benefits after a purchase: activation, seats and keys assigned within their quantity, keys
//! revealed to the right people, monthly credits granted once a month and never overdrawn, and
//! everything ending with the subscription.

use crate::checkout::{GOOD_CARD, order_at_review, pay};
use crate::helpers::*;
use crate::lifecycle::{day, renew_by_hand, run_until, subscribed};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// An org signed up through the portal that bought Action Pack: its admin's browser, an API
/// client for the admin, and the subscription.
async fn org_with_action_pack(t: &TestApp, company: &str, email: &str) -> (Partner, Api, String) {
    let admin = t.sign_up(company, email).await;
    let api = t.api(Some(&t.token_for(&admin.browser, "/account").await));
    let (order, _) = order_at_review(&api, GOOD_CARD).await;
    let (status, paid, _) = pay(&api, &order, "buy").await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    (admin, api, paid["subscription_id"].as_str().unwrap().to_owned())
}

async fn activate(api: &Api, sub: &str) -> (StatusCode, Value) {
    api.post(&format!("/api/v1/subscriptions/{sub}/activate"), json!({})).await
}

async fn benefits(api: &Api) -> Vec<Value> {
    let (status, body) = api.get("/api/v1/benefits").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["data"].as_array().unwrap().clone()
}

fn by_product<'a>(list: &'a [Value], product: &str) -> &'a Value {
    list.iter().find(|b| b["product"] == product).unwrap_or_else(|| panic!("no {product} in {list:?}"))
}

async fn use_credit(api: &Api, benefit: &str, amount: &str, key: &str) -> (StatusCode, Value, bool) {
    let r = api
        .client
        .post(format!("{}/api/v1/benefits/{benefit}/usage", api.url))
        .bearer_auth(api.token.as_deref().unwrap())
        .header("Idempotency-Key", key)
        .json(&json!({"amount": amount, "memo": "Test workloads"}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let replayed = r.headers().contains_key("idempotent-replayed");
    (status, r.json().await.unwrap(), replayed)
}

async fn audit_actions(t: &TestApp, action: &str) -> i64 {
    let mut conn = t.app.store().read().await.unwrap();
    store::sql::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action = $1")
        .bind(action)
        .fetch_one(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn activation_issues_keys_seats_the_account_and_the_first_month_of_credits_once() {
    let t = spawn_app().await;
    let (_, api, sub) = org_with_action_pack(&t, "Contoso", "ada@contoso.example").await;
    assert!(benefits(&api).await.is_empty(), "nothing is live before activation");

    let (status, made) = activate(&api, &sub).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["data"].as_array().unwrap().len(), 7);
    let list = benefits(&api).await;
    let windows = by_product(&list, "Windows 10 Enterprise (upgrade)");
    assert_eq!(windows["units"].as_array().unwrap().len(), 10);
    let masked = windows["units"][0]["masked_key"].as_str().unwrap();
    assert!(masked.starts_with("XXXXX-XXXXX-XXXXX-XXXXX-"), "{masked}");
    assert_eq!(by_product(&list, "Visual Studio Professional")["units"].as_array().unwrap().len(), 3);
    let account = &by_product(&list, "Visual Studio Team Services")["units"][0];
    assert!(account["account"].as_str().unwrap().starts_with("visual-studio-team-services-"));
    for (seats, n) in [("Office 365 E3", 10), ("Enterprise Mobility Suite", 5), ("Dynamics CRM Online Professional", 5)]
    {
        let b = by_product(&list, seats);
        assert_eq!((b["kind"].as_str(), b["quantity"].as_i64()), (Some("seats"), Some(n)));
        assert!(b["units"].as_array().unwrap().iter().all(|u| u["user_id"].is_null()));
    }
    let azure = by_product(&list, "Azure");
    assert_eq!((azure["granted"].as_i64(), azure["left"].as_i64()), (Some(10_000), Some(10_000)));
    assert_eq!((azure["currency"].as_str(), azure["next_grant_on"].as_str()), (Some("USD"), Some("2027-04-15")));

    let (status, again) = activate(&api, &sub).await;
    assert_eq!((status, again["code"].as_str()), (StatusCode::CONFLICT, Some("already_activated")));
    assert_eq!(benefits(&api).await.len(), 7, "a second activation adds nothing");

    let unit = windows["units"][0]["id"].as_str().unwrap();
    let (status, revealed) = api.post(&format!("/api/v1/benefit-units/{unit}/reveal"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{revealed}");
    let key = revealed["key"].as_str().unwrap();
    assert_eq!(key.len(), 29);
    assert_eq!(key.rsplit('-').next(), masked.rsplit('-').next());
    assert_eq!(audit_actions(&t, "license_key.revealed").await, 1, "each reveal is audited");
}

#[tokio::test]
async fn keys_are_never_assigned_beyond_their_quantity_and_a_removed_users_key_comes_back() {
    let t = spawn_app().await;
    let (admin, api, sub) = org_with_action_pack(&t, "Contoso", "ada@contoso.example").await;
    activate(&api, &sub).await;
    let vs = by_product(&benefits(&api).await, "Visual Studio Professional")["id"].as_str().unwrap().to_owned();
    let assign = |user: String| {
        let api = &api;
        let vs = vs.clone();
        async move { api.post(&format!("/api/v1/benefits/{vs}/assignments"), json!({"user_id": user})).await }
    };
    let ada = t.user_id("ada@contoso.example").await;
    assert_eq!(assign(ada.clone()).await.0, StatusCode::CREATED);
    let (status, twice) = assign(ada.clone()).await;
    assert_eq!((status, twice["code"].as_str()), (StatusCode::CONFLICT, Some("already_assigned")));

    let mut members = Vec::new();
    for name in ["bo", "cy", "di"] {
        let email = format!("{name}@contoso.example");
        members.push(t.invite_and_join(&admin, &email, "member").await);
    }
    let (bo, cy, di) = (
        t.user_id("bo@contoso.example").await,
        t.user_id("cy@contoso.example").await,
        t.user_id("di@contoso.example").await,
    );
    assert_eq!(assign(bo.clone()).await.0, StatusCode::CREATED);
    let (status, cy_key) = assign(cy.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{cy_key}");
    let (status, full) = assign(di.clone()).await;
    assert_eq!((status, full["code"].as_str()), (StatusCode::CONFLICT, Some("none_left")), "{full}");

    // A Member sees only what is theirs, and may reveal only their own key.
    let cy_api = t.api(Some(&t.token_for(&members[1].browser, "/account").await));
    let mine = benefits(&cy_api).await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    let units = mine[0]["units"].as_array().unwrap();
    assert_eq!((units.len(), units[0]["user_id"].as_str()), (1, Some(cy.as_str())));
    let own = cy_key["id"].as_str().unwrap();
    assert_eq!(cy_api.post(&format!("/api/v1/benefit-units/{own}/reveal"), json!({})).await.0, StatusCode::OK);
    let all = benefits(&api).await;
    let others = by_product(&all, "Visual Studio Professional")["units"].as_array().unwrap().clone();
    let not_hers = others.iter().find(|u| u["user_id"] != cy.as_str()).unwrap()["id"].as_str().unwrap().to_owned();
    let (status, _) = cy_api.post(&format!("/api/v1/benefit-units/{not_hers}/reveal"), json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = cy_api.post(&format!("/api/v1/benefits/{vs}/assignments"), json!({"user_id": cy})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(cy_api.get(&format!("/api/v1/benefits/{vs}/ledger")).await.0, StatusCode::FORBIDDEN);

    // Removing Bo gives his key back, and Di can have it.
    let (status, _) = api.call(reqwest::Method::DELETE, &format!("/api/v1/users/{bo}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(assign(di).await.0, StatusCode::CREATED);

    // Unassigning frees one too.
    let (status, _) = api.call(reqwest::Method::DELETE, &format!("/api/v1/benefit-units/{own}/assignment"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let held = by_product(&benefits(&api).await, "Visual Studio Professional")["units"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| !u["user_id"].is_null())
        .count();
    assert_eq!(held, 2);
}

#[tokio::test]
async fn credits_are_granted_once_a_month_and_never_overdrawn() {
    let t = spawn_app().await;
    let (api, sub) = subscribed(&t, day(2027, 3, 15), GOOD_CARD).await;
    activate(&api, &sub).await;
    run_until(&t, day(2028, 3, 14)).await;
    run_until(&t, day(2028, 3, 14)).await;
    let azure = by_product(&benefits(&api).await, "Azure").clone();
    let id = azure["id"].as_str().unwrap();
    let (_, ledger) = api.get(&format!("/api/v1/benefits/{id}/ledger")).await;
    let periods: Vec<&str> = ledger["data"].as_array().unwrap().iter().map(|e| e["period"].as_str().unwrap()).collect();
    assert_eq!(periods.len(), 12, "twelve grants in the first year, no more: {periods:?}");
    assert_eq!(periods[0], "2027-03-15");
    assert_eq!(periods[11], "2028-02-15");
    assert_eq!(by_product(&benefits(&api).await, "Azure")["left"].as_i64(), Some(120_000));

    let (status, used, replayed) = use_credit(&api, id, "1150.00", "k1").await;
    assert_eq!((status, used["left"].as_i64(), replayed), (StatusCode::CREATED, Some(5_000), false), "{used}");
    let (status, again, replayed) = use_credit(&api, id, "1150.00", "k1").await;
    assert_eq!((status, replayed), (StatusCode::CREATED, true));
    assert_eq!(again["entry"]["id"], used["entry"]["id"], "a repeat draws nothing more");
    let (status, over, _) = use_credit(&api, id, "50.01", "k2").await;
    assert_eq!((status, over["code"].as_str()), (StatusCode::CONFLICT, Some("insufficient_balance")), "{over}");
    let (status, bad, _) = use_credit(&api, id, "-5", "k3").await;
    assert_eq!((status, bad["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_input")), "{bad}");
    let (status, fine, _) = use_credit(&api, id, "50.00", "k4").await;
    assert_eq!((status, fine["left"].as_i64()), (StatusCode::CREATED, Some(0)), "down to zero, not below");
    let without_key = api.post(&format!("/api/v1/benefits/{id}/usage"), json!({"amount": "1.00"})).await;
    assert_eq!(without_key.0, StatusCode::BAD_REQUEST);

    // The renewal on 15 March continues the grants into the new term.
    run_until(&t, day(2028, 3, 20)).await;
    let (_, ledger) = api.get(&format!("/api/v1/benefits/{id}/ledger")).await;
    let grants = ledger["data"].as_array().unwrap().iter().filter(|e| e["entry"] == "grant").count();
    assert_eq!(grants, 13);
}

#[tokio::test]
async fn benefits_end_at_expiry_and_a_renewal_after_it_needs_a_new_activation() {
    let t = spawn_app().await;
    let (api, sub) = subscribed(&t, day(2027, 3, 15), GOOD_CARD).await;
    activate(&api, &sub).await;
    let list = benefits(&api).await;
    let seats = by_product(&list, "Office 365 E3")["id"].as_str().unwrap().to_owned();
    let me = api.get("/api/v1/me").await.1["id"].as_str().unwrap().to_owned();
    let (status, seat) = api.post(&format!("/api/v1/benefits/{seats}/assignments"), json!({"user_id": me})).await;
    assert_eq!(status, StatusCode::CREATED, "{seat}");
    let key = by_product(&list, "Visual Studio Professional")["units"][0]["id"].as_str().unwrap().to_owned();
    api.post(&format!("/api/v1/subscriptions/{sub}/turn-off-auto-renew"), json!({})).await;

    run_until(&t, day(2028, 4, 1)).await;
    let after = benefits(&api).await;
    assert!(after.iter().all(|b| b["status"] == "ended"), "{after:?}");
    assert!(after.iter().flat_map(|b| b["units"].as_array().unwrap()).all(|u| u["status"] == "revoked"));
    let azure = by_product(&after, "Azure");
    assert_eq!(azure["granted"].as_i64(), Some(120_000), "no grant after the end");
    let (status, revoked) = api.post(&format!("/api/v1/benefit-units/{key}/reveal"), json!({})).await;
    assert_eq!((status, revoked["code"].as_str()), (StatusCode::CONFLICT, Some("key_revoked")));
    let (status, ended) = api.post(&format!("/api/v1/benefits/{seats}/assignments"), json!({"user_id": me})).await;
    assert_eq!((status, ended["code"].as_str()), (StatusCode::CONFLICT, Some("benefit_ended")));

    let (status, paid) = renew_by_hand(&api, &sub, "late").await;
    assert_eq!(status, StatusCode::OK, "{paid}");
    let (status, made) = activate(&api, &sub).await;
    assert_eq!(status, StatusCode::CREATED, "a renewal after expiry activates anew: {made}");
    let now = benefits(&api).await;
    assert_eq!(now.iter().filter(|b| b["status"] == "active").count(), 7);
    assert_eq!(now.iter().filter(|b| b["status"] == "ended").count(), 7, "the history stays");
}

#[tokio::test]
async fn only_account_and_global_admins_activate_and_other_orgs_see_nothing() {
    let t = spawn_app().await;
    let (admin, api, sub) = org_with_action_pack(&t, "Contoso", "ada@contoso.example").await;
    let billing = t.invite_and_join(&admin, "bill@contoso.example", "billing_admin").await;
    let billing_api = t.api(Some(&t.token_for(&billing.browser, "/account").await));
    let (status, body) = activate(&billing_api, &sub).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let account = t.invite_and_join(&admin, "acc@contoso.example", "account_admin").await;
    let account_api = t.api(Some(&t.token_for(&account.browser, "/account").await));
    assert_eq!(activate(&account_api, &sub).await.0, StatusCode::CREATED);

    let (_, other_api, _) = org_with_action_pack(&t, "Fabrikam", "eve@fabrikam.example").await;
    assert_eq!(activate(&other_api, &sub).await.0, StatusCode::NOT_FOUND);
    let list = benefits(&api).await;
    let vs = by_product(&list, "Visual Studio Professional");
    let (benefit, unit) = (vs["id"].as_str().unwrap(), vs["units"][0]["id"].as_str().unwrap());
    let eve = t.user_id("eve@fabrikam.example").await;
    for (status, what) in [
        (other_api.post(&format!("/api/v1/benefit-units/{unit}/reveal"), json!({})).await.0, "reveal"),
        (other_api.post(&format!("/api/v1/benefits/{benefit}/assignments"), json!({"user_id": eve})).await.0, "assign"),
        (other_api.get(&format!("/api/v1/benefits/{benefit}/ledger")).await.0, "ledger"),
    ] {
        assert_eq!(status, StatusCode::NOT_FOUND, "{what}");
    }
    let ada = t.user_id("ada@contoso.example").await;
    let (status, _) = api.post(&format!("/api/v1/benefits/{benefit}/assignments"), json!({"user_id": eve})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a user of another org cannot be given a key");
    assert_eq!(
        api.post(&format!("/api/v1/benefits/{benefit}/assignments"), json!({"user_id": ada})).await.0,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn the_benefits_page_activates_assigns_a_seat_and_reveals_a_key() {
    let t = spawn_app().await;
    let (admin, api, sub) = org_with_action_pack(&t, "Contoso", "ada@contoso.example").await;
    let (status, html) = admin.browser.get_text("/benefits").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Activate your Action Pack subscription"), "{html}");

    let r = admin.browser.submit("/benefits", &format!("/benefits/activate/{sub}"), &[]).await;
    assert_eq!(location(&r), "/benefits?notice=benefits_activated");
    let (_, html) = admin.browser.get_text("/benefits").await;
    assert!(html.contains("Office 365 E3 seats") && html.contains("$100.00"), "{html}");
    assert!(!html.contains(">Activate</button>"));

    let list = benefits(&api).await;
    let seats = by_product(&list, "Office 365 E3")["id"].as_str().unwrap().to_owned();
    let ada = t.user_id("ada@contoso.example").await;
    let r = admin.browser.submit("/benefits", &format!("/benefits/{seats}/assign"), &[("user_id", &ada)]).await;
    assert_eq!(location(&r), "/benefits?notice=benefit_assigned");
    let r = admin.browser.submit("/benefits", &format!("/benefits/{seats}/assign"), &[("user_id", &ada)]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT, "the page shows why");
    assert!(r.text().await.unwrap().contains("already holds one of the Office 365 E3 seats"));

    let unit = by_product(&list, "Windows 10 Enterprise (upgrade)")["units"][0]["id"].as_str().unwrap().to_owned();
    let r = admin.browser.submit("/benefits", &format!("/benefits/units/{unit}/reveal"), &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers().get("cache-control").unwrap(), "no-store");
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"license-key\""));
}

#[tokio::test]
async fn a_benefit_or_unit_id_of_the_wrong_shape_is_answered_as_an_unknown_one_is() {
    let t = spawn_app().await;
    let api = crate::checkout::buyer(&t, "Contoso", "ada@contoso.example", "US").await;
    for (method, path, prefix) in [
        (reqwest::Method::GET, "/api/v1/benefits/{}/ledger", "ben"),
        (reqwest::Method::POST, "/api/v1/benefit-units/{}/reveal", "bnu"),
        (reqwest::Method::DELETE, "/api/v1/benefit-units/{}/assignment", "bnu"),
    ] {
        wrong_shape_answers_as_unknown(&api, method, path, &unknown_id(prefix)).await;
    }
}
