//! Buying an offer: who may buy what, the price with tax, and the steps of the order wizard.

use crate::catalog::{Catalog, Country, NETWORK_LEVEL, Offer};
use crate::membership::NOT_A_NETWORK_MEMBER;
use crate::money::{Money, MoneyError, TaxRate};
use std::fmt;

/// Net, tax and total of an order, in the buyer's currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quote {
    pub net: Money,
    pub tax_rate: TaxRate,
    pub tax: Money,
    pub total: Money,
}

/// Why an org cannot buy an offer, in words for the partner.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PurchaseRefusal {
    #[error("{NOT_A_NETWORK_MEMBER}")]
    NotANetworkMember,
    #[error("You need {0} first.")]
    MissingLevel(String),
    #[error("Your org already has a live {0} subscription; there can be one at a time.")]
    AlreadyHeld(String),
    #[error("{offer} is not sold in {currency}, the currency of your country.")]
    NotPriced { offer: String, currency: String },
    #[error("The credit for the replaced subscription is in {0}, not in the currency of this order.")]
    CreditInAnotherCurrency(String),
}

/// The price of `offer` for a buyer in `country`: the catalog price in the country's currency,
/// plus the country's tax.
pub fn quote(offer: &Offer, country: &Country) -> Result<Quote, PurchaseRefusal> {
    let currency = country.currency();
    let net = offer.price(currency).ok_or_else(|| PurchaseRefusal::NotPriced {
        offer: offer.name().to_owned(),
        currency: currency.code().to_owned(),
    })?;
    let tax_rate = country.tax_rate();
    let tax = tax_rate.tax_on(net);
    let total = net.checked_add(tax).map_err(|_: MoneyError| PurchaseRefusal::NotPriced {
        offer: offer.name().to_owned(),
        currency: currency.code().to_owned(),
    })?;
    Ok(Quote { net, tax_rate, tax, total })
}

/// The price of `offer` less `credit` (the unused time of a subscription the order replaces),
/// with tax on what is left; the credit never takes the net below zero.
pub fn quote_with_credit(offer: &Offer, country: &Country, credit: Money) -> Result<Quote, PurchaseRefusal> {
    let full = quote(offer, country)?;
    if credit.currency() != full.net.currency() {
        return Err(PurchaseRefusal::CreditInAnotherCurrency(credit.currency().code().to_owned()));
    }
    let net = Money::new(full.net.minor() - credit.minor().clamp(0, full.net.minor()), full.net.currency());
    let tax = full.tax_rate.tax_on(net);
    let total = Money::new(net.minor() + tax.minor(), net.currency());
    Ok(Quote { net, tax_rate: full.tax_rate, tax, total })
}

/// Whether an org holding the membership levels `held` and live subscriptions to the offers
/// `live_offers` may buy `offer`.
pub fn check_can_buy(
    catalog: &Catalog,
    offer: &Offer,
    held: &[&str],
    live_offers: &[&str],
) -> Result<(), PurchaseRefusal> {
    if !held.contains(&NETWORK_LEVEL) {
        return Err(PurchaseRefusal::NotANetworkMember);
    }
    if let Some(code) = offer.requires().iter().find(|c| !held.contains(&c.as_str())) {
        let name = catalog.membership_level(code.as_str()).map_or(code.as_str(), |l| l.name());
        return Err(PurchaseRefusal::MissingLevel(name.to_owned()));
    }
    if offer.one_per_org() && live_offers.contains(&offer.code().as_str()) {
        return Err(PurchaseRefusal::AlreadyHeld(offer.name().to_owned()));
    }
    Ok(())
}

crate::words::word_enum! {
    /// Where an order stands.
    pub enum OrderStatus("order status") {
        /// In the wizard.
        Draft = "draft",
        /// A payment attempt is out at the gateway.
        Paying = "paying",
        Paid = "paid",
        /// Set aside unpaid for a draft of another kind (a renewal when **Subscribe now** is
        /// pressed, or the other way round).
        Abandoned = "abandoned",
    }
}

crate::words::word_enum! {
    /// The step of the wizard a draft is at: (verify, for a renewal) → terms → payment → review.
    #[derive(PartialOrd, Ord)]
    pub enum Step("wizard step") {
        /// A renewal first shows the order to verify.
        Verify = "verify",
        Terms = "terms",
        Payment = "payment",
        Review = "review",
    }
}

crate::words::word_enum! {
    /// What an order buys.
    pub enum OrderKind("order kind") {
        /// A new subscription, through the wizard.
        Purchase = "purchase",
        /// The next term of a subscription, renewed by hand through the wizard.
        Renewal = "renewal",
        /// The next term, charged by the renewal run on the anniversary.
        AutoRenewal = "auto_renewal",
    }
}

crate::words::word_enum! {
    /// What one try at charging an order came to.
    pub enum AttemptStatus("payment attempt status") {
        /// Out at the gateway, or not yet known (reconciliation finds out).
        Pending = "pending",
        Succeeded = "succeeded",
        /// The gateway refused the card.
        Declined = "declined",
        /// Never reached the gateway, or given up on; a retry of the same Buy pays.
        Abandoned = "abandoned",
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Step {
    /// A draft may go back to any earlier step, and forward one step at a time.
    pub fn may_go_to(self, to: Step) -> bool {
        to <= self
            || (self == Step::Verify && to == Step::Terms)
            || (self == Step::Terms && to == Step::Payment)
            || (self == Step::Payment && to == Step::Review)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn demo() -> Catalog {
        Catalog::parse("demo", include_str!("../../../catalog/demo-program.toml")).unwrap()
    }

    #[test]
    fn the_quote_adds_the_countrys_tax() {
        let catalog = demo();
        let offer = catalog.offer("action-pack").unwrap();
        let gb = quote(offer, catalog.country("GB").unwrap()).unwrap();
        assert_eq!(gb.net, Money::new(37500, Currency::parse("GBP").unwrap()));
        assert_eq!(gb.tax.minor(), 7500, "20% VAT");
        assert_eq!(gb.total.minor(), 45000);
        let us = quote(offer, catalog.country("US").unwrap()).unwrap();
        assert_eq!((us.net.minor(), us.tax.minor(), us.total.minor()), (47500, 0, 47500));
    }

    #[test]
    fn a_credit_comes_off_the_net_before_tax_and_never_below_zero() {
        let catalog = demo();
        let gold = catalog.fee_offer("cloud-platform", crate::catalog::CompetencyTier::Gold).unwrap();
        let de = catalog.country("DE").unwrap();
        let eur = Currency::parse("EUR").unwrap();
        let q = quote_with_credit(gold, de, Money::new(100_000, eur)).unwrap();
        assert_eq!((q.net.minor(), q.tax.minor(), q.total.minor()), (339_000, 64_410, 403_410), "19% on 3,390.00");
        let all = quote_with_credit(gold, de, Money::new(10_000_000, eur)).unwrap();
        assert_eq!(all.total.minor(), 0);
        let usd = Money::new(1, Currency::parse("USD").unwrap());
        assert!(matches!(quote_with_credit(gold, de, usd), Err(PurchaseRefusal::CreditInAnotherCurrency(_))));
    }

    #[test]
    fn competency_fees_are_offers_that_only_approval_opens() {
        let catalog = demo();
        let silver = catalog.offer("cloud-platform-silver").expect("the Silver fee is an offer");
        assert_eq!(silver.name(), "Cloud Platform Silver competency");
        assert!(silver.earned().is_some());
        assert!(catalog.offers().iter().all(|o| o.earned().is_none()), "not listed among the offers");
        let gold = catalog.fee_offer("cloud-platform", crate::catalog::CompetencyTier::Gold).unwrap();
        assert_eq!(gold.benefits().len(), silver.benefits().len() * 2, "Gold includes Silver's benefits");
    }

    #[test]
    fn one_live_action_pack_per_org() {
        let catalog = demo();
        let offer = catalog.offer("action-pack").unwrap();
        assert_eq!(check_can_buy(&catalog, offer, &["network"], &[]), Ok(()));
        assert!(matches!(
            check_can_buy(&catalog, offer, &["network"], &["action-pack"]),
            Err(PurchaseRefusal::AlreadyHeld(_))
        ));
        assert_eq!(check_can_buy(&catalog, offer, &[], &[]), Err(PurchaseRefusal::NotANetworkMember));
    }

    #[test]
    fn the_wizard_moves_one_step_forward_or_any_step_back() {
        assert!(Step::Terms.may_go_to(Step::Payment));
        assert!(!Step::Terms.may_go_to(Step::Review));
        assert!(Step::Review.may_go_to(Step::Terms));
        assert_eq!("review".parse::<Step>(), Ok(Step::Review));
    }

    #[test]
    fn stored_words_read_back() {
        crate::words::assert_round_trip(OrderStatus::ALL, |s| s.as_str());
        crate::words::assert_round_trip(Step::ALL, |s| s.as_str());
        crate::words::assert_round_trip(OrderKind::ALL, |k| k.as_str());
        crate::words::assert_round_trip(AttemptStatus::ALL, |s| s.as_str());
    }
}
