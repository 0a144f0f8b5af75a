//! The sandbox gateway: built in, no network, for trying the program and for tests. It takes
//! the test card numbers Stripe uses, so a card behaves alike on both gateways, and refuses every
//! other number (a sandbox is no place for a real card). Its cards and charges live in its own
//! tables, as an external gateway keeps its own books: that is what lets a crashed checkout be
//! reconciled against it.

use crate::{CardSource, ChargeOutcome, ChargeRequest, Decline, GatewayError, SavedCard};
use domain::money::Money;
use std::collections::HashMap;
use store::Store;
use store::sandbox::{SandboxCard, SandboxCharge};

/// What a test card does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Behaviour {
    Succeeds,
    /// Refused when saved, with this decline code.
    DeclinedOnSave(&'static str),
    /// Saves fine; every charge is refused with this decline code.
    DeclinedOnCharge(&'static str),
}

/// The test cards, by number.
const TEST_CARDS: &[(&str, Behaviour)] = &[
    ("4242424242424242", Behaviour::Succeeds),
    ("4000056655665556", Behaviour::Succeeds),
    ("5555555555554444", Behaviour::Succeeds),
    ("2223003122003222", Behaviour::Succeeds),
    ("378282246310005", Behaviour::Succeeds),
    ("6011111111111117", Behaviour::Succeeds),
    ("4000000000000002", Behaviour::DeclinedOnSave("card_declined")),
    ("4000000000009995", Behaviour::DeclinedOnSave("insufficient_funds")),
    ("4000000000000069", Behaviour::DeclinedOnSave("expired_card")),
    ("4000000000000341", Behaviour::DeclinedOnCharge("card_declined")),
];

/// The words a person sees for a decline code.
pub fn decline_message(code: &str) -> &'static str {
    match code {
        "insufficient_funds" => "Your card has insufficient funds.",
        "expired_card" => "Your card has expired.",
        "incorrect_cvc" => "Your card's security code is incorrect.",
        _ => "Your card was declined.",
    }
}

fn decline(code: &str) -> Decline {
    Decline { code: code.to_owned(), message: decline_message(code).to_owned() }
}

#[derive(Clone)]
pub struct Sandbox {
    store: Store,
}

impl Sandbox {
    pub fn new(store: Store) -> Sandbox {
        Sandbox { store }
    }

    pub async fn create_customer(&self, org_id: &str) -> Result<String, GatewayError> {
        Ok(format!("cus_sbx_{org_id}"))
    }

    pub async fn save_card(
        &self,
        customer: &str,
        source: CardSource,
        reference: &str,
    ) -> Result<SavedCard, GatewayError> {
        let CardSource::Details(card) = source else {
            return Err(GatewayError::Invalid(
                "the sandbox gateway takes card details, not Stripe payment methods".into(),
            ));
        };
        let behaviour =
            TEST_CARDS.iter().find(|(n, _)| *n == card.number.expose()).map(|(_, b)| *b).ok_or_else(|| {
                GatewayError::Invalid(
                    "the sandbox gateway accepts test card numbers only, such as 4242 4242 4242 4242".into(),
                )
            })?;
        if let Behaviour::DeclinedOnSave(code) = behaviour {
            return Err(GatewayError::Declined(decline(code)));
        }
        let saved = SavedCard {
            gateway_ref: format!("card_sbx_{reference}"),
            brand: card.number.brand().as_str().to_owned(),
            last4: card.number.last4().to_owned(),
            exp_month: card.expiry.month,
            exp_year: card.expiry.year,
        };
        let declines_with = match behaviour {
            Behaviour::DeclinedOnCharge(code) => Some(code.to_owned()),
            _ => None,
        };
        let row = SandboxCard { token: saved.gateway_ref.clone(), customer: customer.to_owned(), declines_with };
        store::sandbox::insert_card(&self.store, &row).await.map_err(unavailable)?;
        Ok(saved)
    }

    pub async fn charge(
        &self,
        customer: &str,
        card_ref: &str,
        amount: Money,
        key: &str,
    ) -> Result<ChargeOutcome, GatewayError> {
        let request = ChargeRequest {
            customer: customer.to_owned(),
            card_ref: card_ref.to_owned(),
            amount,
            idempotency_key: key.to_owned(),
            description: String::new(),
        };
        // The first charge with a key is the one that stands; a repeat gets its answer back.
        let mut answers = self.charge_many(std::slice::from_ref(&request)).await;
        answers.pop().unwrap_or_else(|| Err(GatewayError::Unavailable("the sandbox gave no answer".into())))
    }

    /// Charges a batch in one transaction of the sandbox's books; answers in request order.
    pub async fn charge_many(&self, requests: &[ChargeRequest]) -> Vec<Result<ChargeOutcome, GatewayError>> {
        match self.try_charge_many(requests).await {
            Ok(answers) => answers,
            Err(e) => requests.iter().map(|_| Err(e.clone())).collect(),
        }
    }

    async fn try_charge_many(
        &self,
        requests: &[ChargeRequest],
    ) -> Result<Vec<Result<ChargeOutcome, GatewayError>>, GatewayError> {
        let tokens: Vec<&str> = requests.iter().map(|r| r.card_ref.as_str()).collect();
        // The cards are read on the writer too: its page cache stays warm, while a reader's
        // is emptied by every commit.
        let mut tx = self.store.write().await.map_err(unavailable)?;
        let cards: HashMap<String, SandboxCard> = store::sandbox::get_cards_in(&mut tx, &tokens)
            .await
            .map_err(unavailable)?
            .into_iter()
            .map(|c| (c.token.clone(), c))
            .collect();
        let mut charges = Vec::with_capacity(requests.len());
        for r in requests {
            // Like a real gateway, nothing is charged for nothing (answered below as invalid).
            if r.amount.minor() <= 0 {
                continue;
            }
            if let Some(card) = cards.get(&r.card_ref).filter(|c| c.customer == r.customer) {
                charges.push(SandboxCharge {
                    idempotency_key: r.idempotency_key.clone(),
                    card_token: r.card_ref.clone(),
                    amount_minor: r.amount.minor(),
                    currency: r.amount.currency().code().to_owned(),
                    charge_ref: format!("ch_sbx_{}", key_suffix(&r.idempotency_key)),
                    declined_with: card.declines_with.clone(),
                });
            }
        }
        let stored: HashMap<String, SandboxCharge> = store::sandbox::insert_charges_once_in(&mut tx, &charges)
            .await
            .map_err(unavailable)?
            .into_iter()
            .map(|c| (c.idempotency_key.clone(), c))
            .collect();
        // The caller records each answer in a transaction of its own that waits for the disk
        // before anyone is told, and comes after this one in the log: a crash that loses these
        // charges loses that too, and reconciliation then finds them missing, as not taken.
        tx.commit_before_flush().await.map_err(unavailable)?;
        Ok(requests
            .iter()
            .map(|r| match stored.get(&r.idempotency_key) {
                Some(charge) => Ok(outcome(charge)),
                None if r.amount.minor() <= 0 => {
                    Err(GatewayError::Invalid(format!("cannot charge {}: the amount must be positive", r.amount)))
                }
                None => Err(GatewayError::Invalid("no such card for this customer".into())),
            })
            .collect())
    }

    pub async fn find_charge(&self, key: &str) -> Result<Option<ChargeOutcome>, GatewayError> {
        let found = store::sandbox::find_charge(&self.store, key).await.map_err(unavailable)?;
        Ok(found.as_ref().map(outcome))
    }

    pub async fn refund(&self, charge_ref: &str, amount: Money, key: &str) -> Result<String, GatewayError> {
        let refund_ref = format!("re_sbx_{}", key_suffix(key));
        store::sandbox::insert_refund_once(&self.store, key, charge_ref, amount.minor(), &refund_ref).await.map_err(
            |e| match e {
                store::StoreError::Conflict(what) => GatewayError::Invalid(what),
                other => unavailable(other),
            },
        )
    }
}

fn outcome(charge: &SandboxCharge) -> ChargeOutcome {
    match &charge.declined_with {
        Some(code) => ChargeOutcome::Declined(decline(code)),
        None => ChargeOutcome::Succeeded { charge_ref: charge.charge_ref.clone() },
    }
}

/// A short, stable, id-safe form of an idempotency key.
fn key_suffix(key: &str) -> String {
    key.chars().filter(|c| c.is_ascii_alphanumeric()).rev().take(24).collect::<Vec<_>>().into_iter().rev().collect()
}

fn unavailable(e: store::StoreError) -> GatewayError {
    GatewayError::Unavailable(e.to_string())
}
