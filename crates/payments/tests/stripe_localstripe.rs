//! `payments::stripe::Stripe` against localstripe, a stateful Stripe emulator.
//!
//! Each test starts its own localstripe (`scripts/localstripe PORT`, on a free port of
//! 127.0.0.1) and stops it when done, so tests share no state and may run in parallel. With
//! `LOCALSTRIPE_URL` set, every test uses that server instead; each works with its own customer
//! and keys, so a shared server is fine too. A missing Python or localstripe fails the tests.

use domain::card::{CardBrand, CardExpiry, CardNumber, Cvc};
use domain::money::{Currency, Money};
use payments::localstripe::Localstripe;
use payments::stripe::Stripe;
use payments::{CardSource, ChargeOutcome, GatewayError, NewCard};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A value no other test (or earlier run against a shared server) uses.
fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970").as_nanos();
    format!("{prefix}_{}_{nanos}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

fn card(number: &str) -> CardSource {
    let number = CardNumber::parse(number).expect("a test card number");
    let cvc = Cvc::parse(if number.brand() == CardBrand::Amex { "1234" } else { "123" }, number.brand()).expect("cvc");
    CardSource::Details(NewCard { number, expiry: CardExpiry { month: 12, year: 2034 }, cvc })
}

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::Usd)
}

async fn customer(stripe: &Stripe) -> String {
    let org = unique("org");
    let id = stripe.create_customer(&org, "Acme Partners").await.expect("customer created");
    assert!(id.starts_with("cus_"), "{id}");
    id
}

#[tokio::test]
async fn card_charge_reconcile_and_refund() {
    let server = Localstripe::start();
    let stripe = client(&server);
    let customer = customer(&stripe).await;

    let saved = stripe.save_card(&customer, card("4242 4242 4242 4242")).await.expect("card saved");
    assert!(saved.gateway_ref.starts_with("pm_"), "{saved:?}");
    assert_eq!((saved.brand.as_str(), saved.last4.as_str()), ("visa", "4242"));
    assert_eq!((saved.exp_month, saved.exp_year), (12, 2034));

    let key = unique("charge");
    let outcome = stripe
        .charge(&customer, &saved.gateway_ref, usd(12345), &key, "Gold partnership, 2027")
        .await
        .expect("charged");
    let ChargeOutcome::Succeeded { charge_ref } = outcome else { panic!("expected a success, got {outcome:?}") };
    assert!(charge_ref.starts_with("pi_"), "{charge_ref}");

    let found = stripe.find_charge(&customer, &key).await.expect("listed");
    assert_eq!(found, Some(ChargeOutcome::Succeeded { charge_ref: charge_ref.clone() }));
    assert_eq!(stripe.find_charge(&customer, &unique("never-used")).await.expect("listed"), None);

    let key = unique("refund");
    let refund = stripe.refund(&charge_ref, usd(1000), &key).await.expect("refunded");
    assert!(refund.starts_with("re_"), "{refund}");
    // The same key again (a retry after a lost answer) finds that refund: localstripe ignores
    // idempotency keys, so this is our own look-up at work.
    assert_eq!(stripe.refund(&charge_ref, usd(1000), &key).await.expect("answered"), refund);
    let other = stripe.refund(&charge_ref, usd(1345), &unique("refund")).await.expect("a second refund");
    assert_ne!(other, refund);
}

#[tokio::test]
async fn a_card_declined_at_charge_time_saves_but_its_charge_is_declined() {
    let server = Localstripe::start();
    let stripe = client(&server);
    let customer = customer(&stripe).await;
    let saved = stripe.save_card(&customer, card("4000000000000341")).await.expect("this card saves");
    assert_eq!(saved.last4, "0341");

    let key = unique("charge");
    let outcome = stripe.charge(&customer, &saved.gateway_ref, usd(5000), &key, "Silver").await.expect("answered");
    let ChargeOutcome::Declined(decline) = outcome else { panic!("expected a decline, got {outcome:?}") };
    assert_eq!(decline.code, "card_declined");
    assert_eq!(decline.message, "Your card was declined.");

    // The failed PaymentIntent is found, with the same decline.
    let found = stripe.find_charge(&customer, &key).await.expect("listed");
    assert_eq!(found, Some(ChargeOutcome::Declined(decline)));
}

#[tokio::test]
async fn a_card_declined_on_save_is_refused_in_plain_words() {
    let server = Localstripe::start();
    let stripe = client(&server);
    let customer = customer(&stripe).await;
    match stripe.save_card(&customer, card("4000000000000002")).await {
        Err(GatewayError::Declined(decline)) => {
            assert_eq!(decline.code, "card_declined");
            assert_eq!(decline.message, "Your card was declined.");
        }
        other => panic!("expected a decline, got {other:?}"),
    }
}

#[tokio::test]
async fn a_card_needing_authentication_is_declined_and_its_intent_canceled() {
    let server = Localstripe::start();
    let stripe = client(&server);
    let customer = customer(&stripe).await;
    let saved = stripe.save_card(&customer, card("4000002500003155")).await.expect("this card saves");
    let key = unique("charge");
    let outcome = stripe.charge(&customer, &saved.gateway_ref, usd(100), &key, "Bronze").await.expect("answered");
    let ChargeOutcome::Declined(decline) = outcome else { panic!("expected a decline, got {outcome:?}") };
    assert_eq!(decline.code, "authentication_required");
    assert!(decline.message.contains("authentication"), "{}", decline.message);
    let found = stripe.find_charge(&customer, &key).await.expect("listed");
    assert!(matches!(&found, Some(ChargeOutcome::Declined(d)) if d.code == "canceled"), "{found:?}");
}

#[tokio::test]
async fn a_payment_method_made_by_stripe_js_is_attached() {
    let server = Localstripe::start();
    let stripe = client(&server);
    let customer = customer(&stripe).await;
    // `pm_card_visa` is Stripe's (and localstripe's) ready-made test PaymentMethod: the same
    // path as an id that Stripe.js made in the browser.
    let saved = stripe
        .save_card(&customer, CardSource::StripePaymentMethod("pm_card_visa".into()))
        .await
        .expect("payment method attached");
    assert_eq!((saved.brand.as_str(), saved.last4.as_str()), ("visa", "4242"));
    let outcome =
        stripe.charge(&customer, &saved.gateway_ref, usd(999), &unique("charge"), "Gold").await.expect("answered");
    assert!(matches!(outcome, ChargeOutcome::Succeeded { .. }), "{outcome:?}");
}

#[tokio::test]
async fn refusals_are_invalid_and_never_repeat_the_card_number() {
    let server = Localstripe::start();
    let stripe = client(&server);
    let customer = customer(&stripe).await;
    // localstripe takes 16-digit numbers only: a 15-digit American Express is refused.
    let err = stripe.save_card(&customer, card("378282246310005")).await.expect_err("refused");
    assert!(matches!(err, GatewayError::Invalid(_)), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(!text.contains("378282246310005") && !text.contains("1234"), "{text}");

    let err = stripe.refund("pi_doesnotexist", usd(100), &unique("refund")).await.expect_err("no such payment");
    assert!(matches!(err, GatewayError::Invalid(_)), "{err:?}");
}

#[tokio::test]
async fn any_test_key_works() {
    let server = Localstripe::start();
    for key in ["sk_test_a1b2c3", "sk_test_4eC39HqLyjWDarjtT1zdp7dc"] {
        let stripe = Stripe::new(key.into(), server.url.clone()).expect("client");
        let id = stripe.create_customer(&unique("org"), "Acme").await.expect("customer created");
        assert!(id.starts_with("cus_"));
    }
}

#[tokio::test]
async fn a_gateway_that_does_not_answer_is_unavailable() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        listener.local_addr().expect("address").port()
    }; // closed again here
    let stripe = Stripe::new("sk_test_closed".into(), format!("http://127.0.0.1:{port}")).expect("client");
    let err = stripe.create_customer("org_1", "Acme").await.expect_err("nobody there");
    assert!(matches!(err, GatewayError::Unavailable(_)), "{err:?}");
    let err = stripe.charge("cus_x", "pm_x", usd(100), "key-1", "Gold").await.expect_err("nobody there");
    assert!(matches!(&err, GatewayError::Unavailable(why) if !why.contains("sk_test")), "{err:?}");
    let err = stripe.find_charge("cus_x", "key-1").await.expect_err("nobody there");
    assert!(matches!(err, GatewayError::Unavailable(_)), "{err:?}");
}

fn client(server: &Localstripe) -> Stripe {
    Stripe::new(format!("sk_test_{}", unique("key")), server.url.clone()).expect("a client for localstripe")
}
