//! The org's saved cards: added through the gateway (which keeps the number), listed by brand
//! and last four.

use crate::actor::{Origin, PartnerUser};
use crate::audit::{self, Change, Who};
use crate::error::AppError;
use crate::state::App;
use domain::account::InvalidInput;
use domain::card::{CardExpiry, CardNumber, Cvc};
use domain::ids::PaymentMethodId;
use domain::roles::PartnerPermission;
use domain::term::program_day;
use payments::{CardSource, GatewayError, NewCard};
use store::payment_methods::PaymentMethodRecord;

/// A card as typed into our own form (sandbox gateway) or a Stripe.js payment method.
pub enum CardInput<'a> {
    Typed { number: &'a str, exp_month: &'a str, exp_year: &'a str, cvc: &'a str },
    StripePaymentMethod(&'a str),
}

pub async fn list(app: &App, actor: &PartnerUser) -> Result<Vec<PaymentMethodRecord>, AppError> {
    actor.require(PartnerPermission::ManageBilling, i18n::key("error-act-see-payment-methods"))?;
    let mut conn = app.store().read().await?;
    Ok(store::payment_methods::list_in_org(&mut conn, &actor.org_id, app.gateway().name()).await?)
}

/// Saves a card for the actor's org. Bad details are refused here before the gateway sees
/// them; a decline by the gateway comes back as `AppError::Declined` with its words.
pub async fn add(
    app: &App,
    actor: &PartnerUser,
    input: CardInput<'_>,
    origin: &Origin,
) -> Result<PaymentMethodRecord, AppError> {
    actor.require(PartnerPermission::ManageBilling, i18n::key("error-act-add-payment-methods"))?;
    let source = match input {
        CardInput::Typed { number, exp_month, exp_year, cvc } => {
            let number = CardNumber::parse(number)?;
            let today = program_day(app.now(), app.catalog().program().time_zone());
            let expiry = CardExpiry::parse(exp_month, exp_year, today)?;
            let cvc = Cvc::parse(cvc, number.brand())?;
            CardSource::Details(NewCard { number, expiry, cvc })
        }
        CardInput::StripePaymentMethod(pm) => {
            if !pm.starts_with("pm_") || pm.len() > 255 {
                return Err(InvalidInput::new("stripe_payment_method", "this is not a Stripe payment method id").into());
            }
            CardSource::StripePaymentMethod(pm.to_owned())
        }
    };
    let gateway = app.gateway();
    let customer = customer_for(app, actor).await?;
    let id = app.new_id(PaymentMethodId::from_random);
    let saved = gateway.save_card(&customer, source, id.as_str()).await.map_err(|e| match e {
        GatewayError::Declined(d) => AppError::Declined(d.message),
        GatewayError::Invalid(m) => InvalidInput::new("card_number", m).into(),
        GatewayError::Unavailable(m) => AppError::GatewayUnavailable(m),
    })?;
    let record = PaymentMethodRecord {
        id,
        org_id: actor.org_id.clone(),
        gateway: gateway.name().to_owned(),
        gateway_ref: saved.gateway_ref,
        brand: saved.brand,
        last4: saved.last4,
        exp_month: i64::from(saved.exp_month),
        exp_year: i64::from(saved.exp_year),
        created_by: actor.id.to_string(),
        created_at: app.now(),
    };
    let mut tx = app.store().write().await?;
    store::payment_methods::insert(&mut tx, &record).await?;
    let detail = format!(
        "added {} expiring {:02}/{}",
        crate::billing::card_label(&record.brand, &record.last4),
        record.exp_month,
        record.exp_year
    );
    let change =
        Change { org: Some(&actor.org_id), action: "payment_method.added", subject: record.id.as_str(), detail };
    audit::record(app, &mut tx, Who::actor(&crate::actor::Actor::Partner(actor.clone())), origin, change).await?;
    tx.commit().await?;
    Ok(record)
}

/// For a card form that runs in the browser (Stripe.js): the secret it saves the card with.
/// `None` when the form posts card details to us (sandbox).
pub async fn card_setup_secret(app: &App, actor: &PartnerUser) -> Result<Option<String>, AppError> {
    actor.require(PartnerPermission::ManageBilling, i18n::key("error-act-add-payment-methods"))?;
    if matches!(app.gateway(), payments::Gateway::Sandbox(_)) {
        return Ok(None);
    }
    let customer = customer_for(app, actor).await?;
    app.gateway().card_setup_secret(&customer).await.map_err(|e| AppError::GatewayUnavailable(e.to_string()))
}

/// The org's customer at the gateway, made on first use.
async fn customer_for(app: &App, actor: &PartnerUser) -> Result<String, AppError> {
    let gateway = app.gateway();
    let existing = {
        let mut conn = app.store().read().await?;
        store::payment_methods::customer(&mut conn, &actor.org_id, gateway.name()).await?
    };
    if let Some(customer) = existing {
        return Ok(customer);
    }
    let org = {
        let mut conn = app.store().read().await?;
        store::orgs::get(&mut conn, &actor.org_id).await?.ok_or(AppError::NotFound("org"))?
    };
    let customer = gateway
        .create_customer(actor.org_id.as_str(), org.name.as_str())
        .await
        .map_err(|e| AppError::GatewayUnavailable(e.to_string()))?;
    let mut tx = app.store().write().await?;
    store::payment_methods::save_customer(&mut tx, &actor.org_id, gateway.name(), &customer).await?;
    // A racing first card may have saved another customer first; the stored one wins.
    let stored = store::payment_methods::customer(&mut tx, &actor.org_id, gateway.name()).await?.unwrap_or(customer);
    tx.commit().await?;
    Ok(stored)
}
