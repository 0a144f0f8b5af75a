//! Typed, prefixed identifiers (`org_…`, `usr_…`), in the way Stripe names its resources, so
//! an id says what it points at and one kind can never be passed where another is expected.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The alphabet of the random part: lowercase Crockford base32 (no i, l, o, u).
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
/// 16 random bytes give 26 base32 characters (128 bits; the last character carries 3 bits).
const RANDOM_LEN: usize = 26;

fn encode(bytes: [u8; 16]) -> String {
    let mut value = u128::from_be_bytes(bytes);
    let mut out = [0u8; RANDOM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(value & 31) as usize];
        value >>= 5;
    }
    out.iter().map(|&b| b as char).collect()
}

/// An id string that does not have the expected shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a valid {kind} id")]
pub struct BadId {
    pub kind: &'static str,
    pub value: String,
}

macro_rules! prefixed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            /// A new id from 16 random bytes supplied by the caller.
            pub fn from_random(bytes: [u8; 16]) -> Self {
                Self(format!("{}_{}", $prefix, encode(bytes)))
            }

            pub fn parse(value: &str) -> Result<Self, BadId> {
                let ok = value
                    .strip_prefix(concat!($prefix, "_"))
                    .is_some_and(|rest| {
                        rest.len() == RANDOM_LEN && rest.bytes().all(|b| ALPHABET.contains(&b))
                    });
                if ok {
                    Ok(Self(value.to_owned()))
                } else {
                    Err(BadId { kind: $kind, value: value.to_owned() })
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = BadId;
            fn from_str(value: &str) -> Result<Self, BadId> {
                Self::parse(value)
            }
        }

        impl TryFrom<String> for $name {
            type Error = BadId;
            fn try_from(value: String) -> Result<Self, BadId> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

prefixed_id!(
    /// A partner org (company).
    OrgId, "org", "org"
);
prefixed_id!(
    /// A user of a partner org.
    UserId, "usr", "user"
);
prefixed_id!(
    /// A program staff member.
    StaffId, "stf", "staff"
);
prefixed_id!(
    /// A pending invitation to join an org.
    InvitationId, "inv", "invitation"
);
prefixed_id!(
    /// A personal API token (the id, not the secret).
    ApiTokenId, "tok", "API token"
);
prefixed_id!(
    /// One row of the audit log.
    AuditEventId, "aud", "audit event"
);
prefixed_id!(
    /// One e-mail in the outbox.
    EmailId, "eml", "e-mail"
);
prefixed_id!(
    /// One guess at a secret (a password, a second-factor code, an e-mailed link), kept for
    /// throttling.
    GuessId, "gss", "guess"
);
prefixed_id!(
    /// A browser session (the id shown on Account > Security, not its secret token).
    SessionId, "ses", "session"
);
prefixed_id!(
    /// One single-use recovery code (the id, not the code).
    RecoveryCodeId, "rco", "recovery code"
);
prefixed_id!(
    /// A passkey (a WebAuthn credential) registered by a partner user or a staff member.
    PasskeyId, "pk", "passkey"
);
prefixed_id!(
    /// A passkey ceremony in flight: the server's half of a registration or a sign-in, waiting
    /// for the browser's answer.
    CeremonyId, "wac", "passkey ceremony"
);
prefixed_id!(
    /// An order: a draft in the checkout wizard, then a paid order.
    OrderId, "ord", "order"
);
prefixed_id!(
    /// A card saved at the payment gateway.
    PaymentMethodId, "pm", "payment method"
);
prefixed_id!(
    /// One try at charging an order.
    PaymentAttemptId, "pay", "payment attempt"
);
prefixed_id!(
    /// An org's subscription to an offer.
    SubscriptionId, "sub", "subscription"
);
prefixed_id!(
    /// An invoice.
    InvoiceId, "in", "invoice"
);
prefixed_id!(
    /// A recorded acceptance of the Terms and Conditions.
    AcceptanceId, "acc", "terms acceptance"
);
prefixed_id!(
    /// A notification in the portal.
    NotificationId, "ntf", "notification"
);
prefixed_id!(
    /// A benefit made live by activating a subscription.
    BenefitId, "ben", "benefit"
);
prefixed_id!(
    /// One unit of a benefit: a license key, a seat or a service account.
    BenefitUnitId, "bnu", "benefit unit"
);
prefixed_id!(
    /// One entry of a benefit's ledger: a grant or a use.
    LedgerEntryId, "led", "ledger entry"
);
prefixed_id!(
    /// An org's application for a competency level.
    CompetencyApplicationId, "cap", "competency application"
);
prefixed_id!(
    /// A file attached to a competency application or a service request.
    ApplicationFileId, "fil", "file"
);
prefixed_id!(
    /// A service request (the id; people quote its number, `SR-000001`).
    ServiceRequestId, "sr", "service request"
);
prefixed_id!(
    /// A message written in a service request.
    RequestMessageId, "msg", "message"
);
prefixed_id!(
    /// A refund given when staff cancel a subscription.
    RefundId, "rf", "refund"
);
prefixed_id!(
    /// A credit note: the document of a refund (people quote its number, `CN-2027-000001`).
    CreditNoteId, "cn", "credit note"
);
prefixed_id!(
    /// A receiver of webhooks registered by program admins.
    WebhookEndpointId, "we", "webhook endpoint"
);
prefixed_id!(
    /// An event reported to webhook receivers (its id is stable, for de-duplication).
    EventId, "evt", "event"
);
prefixed_id!(
    /// One event on its way to one endpoint.
    DeliveryId, "whd", "webhook delivery"
);
prefixed_id!(
    /// One try at a delivery.
    DeliveryAttemptId, "wha", "delivery attempt"
);
prefixed_id!(
    /// A membership held by an org (Network membership and later the paid levels).
    MembershipId, "mem", "membership"
);
prefixed_id!(
    /// An e-mailed single-use link (the id, not its secret).
    EmailLinkId, "lnk", "e-mail link"
);
prefixed_id!(
    /// A "Forgot your password?" request, answered by the background worker.
    ResetRequestId, "prr", "password reset request"
);

/// The number a partner org is known by in the program (like an MPN ID): seven digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PartnerId(u32);

impl PartnerId {
    const FIRST: u32 = 1_000_000;
    const SPAN: u32 = 9_000_000;

    /// A partner ID from a random number supplied by the caller; the store retries on a clash.
    pub fn from_random(n: u32) -> Self {
        PartnerId(Self::FIRST + n % Self::SPAN)
    }

    pub fn parse(value: &str) -> Result<Self, BadId> {
        match value.parse::<u32>() {
            Ok(n) if (Self::FIRST..Self::FIRST + Self::SPAN).contains(&n) && value.len() == 7 => Ok(PartnerId(n)),
            _ => Err(BadId { kind: "partner", value: value.to_owned() }),
        }
    }

    pub fn value(self) -> u32 {
        self.0
    }
}

impl std::str::FromStr for PartnerId {
    type Err = BadId;
    fn from_str(value: &str) -> Result<Self, BadId> {
        Self::parse(value)
    }
}

impl fmt::Display for PartnerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ids_carry_their_prefix() {
        let id = OrgId::from_random([7; 16]);
        assert!(id.as_str().starts_with("org_"));
        assert_eq!(OrgId::parse(id.as_str()), Ok(id.clone()));
        assert!(UserId::parse(id.as_str()).is_err(), "an org id is not a user id");
    }

    #[test]
    fn malformed_ids_are_refused() {
        for bad in ["", "org_", "org_short", "ORG_0123456789abcdefghjkmnpqrs", "org_0123456789abcdefghjkmnpqrU"] {
            assert!(OrgId::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn every_random_id_parses(bytes in any::<[u8; 16]>()) {
            let id = UserId::from_random(bytes);
            prop_assert_eq!(UserId::parse(id.as_str()), Ok(id.clone()));
        }

        #[test]
        fn distinct_bytes_give_distinct_ids(a in any::<[u8; 16]>(), b in any::<[u8; 16]>()) {
            prop_assume!(a != b);
            prop_assert_ne!(UserId::from_random(a), UserId::from_random(b));
        }

        #[test]
        fn partner_ids_have_seven_digits(n in any::<u32>()) {
            let id = PartnerId::from_random(n);
            prop_assert_eq!(id.to_string().len(), 7);
            prop_assert_eq!(PartnerId::parse(&id.to_string()), Ok(id));
        }
    }
}
