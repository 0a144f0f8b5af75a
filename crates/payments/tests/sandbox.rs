//! The sandbox gateway answers as a real one would: a test card is charged once per key, and an
//! amount of nothing is refused as an invalid request (Stripe refuses it too).

use domain::card::{CardExpiry, CardNumber, Cvc};
use domain::money::{Currency, Money};
use payments::sandbox::Sandbox;
use payments::{CardSource, ChargeOutcome, GatewayError, NewCard};

async fn sandbox() -> (Sandbox, std::path::PathBuf) {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let path = std::env::temp_dir().join(format!("ph-sandbox-{}-{nanos}.db", std::process::id()));
    let store = store::Store::open(&format!("sqlite://{}?mode=rwc", path.display())).await.expect("open");
    store.migrate().await.expect("migrate");
    (Sandbox::new(store), path)
}

fn card() -> CardSource {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).expect("a date");
    let number = CardNumber::parse("4242424242424242").expect("a test card");
    let cvc = Cvc::parse("123", number.brand()).expect("a cvc");
    CardSource::Details(NewCard { number, expiry: CardExpiry::parse("12", "2030", today).expect("an expiry"), cvc })
}

#[tokio::test]
async fn charges_once_per_key_and_refuses_to_charge_nothing() {
    let (sandbox, path) = sandbox().await;
    let customer = sandbox.create_customer("org_1").await.expect("a customer");
    let saved = sandbox.save_card(&customer, card(), "pm_1").await.expect("a saved card");
    let usd = |minor| Money::new(minor, Currency::parse("USD").expect("USD"));

    let first = sandbox.charge(&customer, &saved.gateway_ref, usd(47_500), "key-1").await;
    let again = sandbox.charge(&customer, &saved.gateway_ref, usd(47_500), "key-1").await;
    let (Ok(ChargeOutcome::Succeeded { charge_ref: a }), Ok(ChargeOutcome::Succeeded { charge_ref: b })) =
        (first, again)
    else {
        panic!("a test card is charged");
    };
    assert_eq!(a, b, "a repeat with the key is the same charge");

    match sandbox.charge(&customer, &saved.gateway_ref, usd(0), "key-2").await {
        Err(GatewayError::Invalid(message)) => assert!(message.contains("must be positive"), "{message}"),
        other => panic!("nothing should not be charged: {other:?}"),
    }
    assert!(sandbox.find_charge("key-2").await.expect("the books").is_none(), "no charge recorded");

    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
