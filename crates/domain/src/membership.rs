//! What an org holds in the program and what it may upgrade to.

use crate::catalog::{Catalog, CompetencyTier, NETWORK_LEVEL};
use crate::money::{Currency, Money};

/// How one catalog item can be reached from where the org stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Upgrade {
    /// A paid subscription offer, e.g. Action Pack.
    Offer { code: String, name: String, price: Option<Money>, blocked: Option<Blocked> },
    /// An earned competency: apply with evidence, then pay the annual fee once approved.
    Competency {
        code: String,
        name: String,
        silver_fee: Option<Money>,
        gold_fee: Option<Money>,
        blocked: Option<Blocked>,
    },
}

/// Why an upgrade is closed to the org; each reader reads it in their own words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Blocked {
    /// The seed's rule: only a network member may upgrade.
    NotANetworkMember,
    /// The offer requires a membership level the org does not hold (the level's code).
    MissingLevel(String),
}

/// The seed's rule: "You must be a network member to upgrade your membership."
pub const NOT_A_NETWORK_MEMBER: &str = "You must be a network member to upgrade your membership.";

/// The upgrades open to an org holding the membership levels `held`, priced in `currency`.
pub fn upgrades(catalog: &Catalog, held: &[&str], currency: Currency) -> Vec<Upgrade> {
    let network = held.contains(&NETWORK_LEVEL);
    let missing = |requires: &[crate::catalog::Code]| -> Option<Blocked> {
        if !network {
            return Some(Blocked::NotANetworkMember);
        }
        requires.iter().find(|code| !held.contains(&code.as_str())).map(|code| Blocked::MissingLevel(code.to_string()))
    };
    let offers = catalog.offers().iter().map(|offer| Upgrade::Offer {
        code: offer.code().as_str().to_owned(),
        name: offer.name().to_owned(),
        price: offer.price(currency),
        blocked: missing(offer.requires()),
    });
    let competencies = catalog.competencies().iter().map(|c| Upgrade::Competency {
        code: c.code().as_str().to_owned(),
        name: c.name().to_owned(),
        silver_fee: c.level(CompetencyTier::Silver).fee(currency),
        gold_fee: c.level(CompetencyTier::Gold).fee(currency),
        blocked: missing(&[]),
    });
    offers.chain(competencies).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Catalog {
        Catalog::parse("demo", include_str!("../../../catalog/demo-program.toml")).expect("demo catalog")
    }

    #[test]
    fn a_network_member_can_buy_action_pack() {
        let usd = Currency::parse("USD").unwrap();
        let options = upgrades(&demo(), &[NETWORK_LEVEL], usd);
        let action_pack = options
            .iter()
            .find(|u| matches!(u, Upgrade::Offer { code, .. } if code == "action-pack"))
            .expect("Action Pack is offered");
        match action_pack {
            Upgrade::Offer { blocked, price, .. } => {
                assert_eq!(*blocked, None);
                assert_eq!(price.map(|p| p.currency()), Some(usd));
            }
            Upgrade::Competency { .. } => unreachable!(),
        }
    }

    #[test]
    fn without_network_membership_nothing_is_open() {
        let usd = Currency::parse("USD").unwrap();
        for option in upgrades(&demo(), &[], usd) {
            let blocked = match option {
                Upgrade::Offer { blocked, .. } | Upgrade::Competency { blocked, .. } => blocked,
            };
            assert_eq!(blocked, Some(Blocked::NotANetworkMember));
        }
    }
}
