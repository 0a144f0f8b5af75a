//! Orgs, their users and invitations, membership and offers, staff and the audit log, as the
//! API speaks them.

use super::amount::Amount;
use super::billing::{Invoice, Subscription};
use chrono::{DateTime, Utc};
use domain::roles::PartnerRole;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A partner role.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    GlobalAdmin,
    AccountAdmin,
    BillingAdmin,
    UserManagementAdmin,
    Member,
}

impl From<PartnerRole> for Role {
    fn from(r: PartnerRole) -> Role {
        match r {
            PartnerRole::GlobalAdmin => Role::GlobalAdmin,
            PartnerRole::AccountAdmin => Role::AccountAdmin,
            PartnerRole::BillingAdmin => Role::BillingAdmin,
            PartnerRole::UserManagementAdmin => Role::UserManagementAdmin,
            PartnerRole::Member => Role::Member,
        }
    }
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::GlobalAdmin => PartnerRole::GlobalAdmin.as_str(),
            Role::AccountAdmin => PartnerRole::AccountAdmin.as_str(),
            Role::BillingAdmin => PartnerRole::BillingAdmin.as_str(),
            Role::UserManagementAdmin => PartnerRole::UserManagementAdmin.as_str(),
            Role::Member => PartnerRole::Member.as_str(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignUpRequest {
    pub company_name: String,
    /// ISO 3166-1 alpha-2 code of a country of the program's catalog.
    pub country: String,
    /// The first user's name; they become the org's Global admin.
    pub name: String,
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Org {
    pub id: String,
    /// The seven-digit partner ID.
    pub partner_id: String,
    pub name: String,
    pub country: String,
    pub created_at: DateTime<Utc>,
}

impl From<store::orgs::OrgRecord> for Org {
    fn from(o: store::orgs::OrgRecord) -> Org {
        Org {
            id: o.id.to_string(),
            partner_id: o.partner_id.to_string(),
            name: o.name.to_string(),
            country: o.country,
            created_at: o.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub id: String,
    pub org_id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    /// When the user confirmed their address through the e-mailed link; `null` until then
    /// (such a user cannot buy, invite users or create API tokens: `email_unverified`).
    pub email_verified_at: Option<DateTime<Utc>>,
}

impl From<store::users::UserRecord> for User {
    fn from(u: store::users::UserRecord) -> User {
        User {
            id: u.id.to_string(),
            org_id: u.org_id.to_string(),
            email: u.email.to_string(),
            name: u.name.to_string(),
            role: u.role.into(),
            created_at: u.created_at,
            email_verified_at: u.email_verified_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignUpResponse {
    pub org: Org,
    pub user: User,
}

/// The caller: a partner user or a staff member.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// `user` or `staff`.
    pub kind: String,
    pub id: String,
    pub name: String,
    pub email: String,
    /// The partner role (`global_admin`, …) or staff role (`support_agent`, `program_admin`).
    pub role: String,
    /// The org of a partner user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    /// Whether the address is confirmed (staff addresses always are); until it is, a partner
    /// user cannot buy, invite users or create API tokens (`email_unverified`).
    pub email_verified: bool,
}

crate::api::page::list_of!(UserList, User);

#[derive(Debug, Serialize, ToSchema)]
pub struct Invitation {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl From<store::invitations::InvitationRecord> for Invitation {
    fn from(i: store::invitations::InvitationRecord) -> Invitation {
        Invitation {
            id: i.id.to_string(),
            email: i.email.to_string(),
            role: i.role.into(),
            created_at: i.created_at,
            expires_at: i.expires_at,
        }
    }
}

crate::api::page::list_of!(InvitationList, Invitation);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    pub email: String,
    pub role: Role,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    pub role: Role,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HeldLevel {
    /// The catalog code, e.g. `network`.
    pub level: String,
    pub name: String,
    pub started_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UpgradeOption {
    /// `offer` or `competency`.
    pub kind: String,
    pub code: String,
    pub name: String,
    /// The yearly price of an offer, in the org's currency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<Amount>,
    /// The yearly fees of a competency's Silver and Gold levels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub silver_fee: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gold_fee: Option<Amount>,
    pub available: bool,
    /// Why it is not available, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Membership {
    pub org: Org,
    pub levels: Vec<HeldLevel>,
    pub upgrades: Vec<UpgradeOption>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Offer {
    pub code: String,
    pub name: String,
    pub description: String,
    pub term_months: u8,
    pub prices: Vec<Amount>,
    pub benefits: Vec<String>,
}

crate::api::page::list_of!(OfferList, Offer);

crate::api::page::list_of!(OrgList, Org);

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgDetail {
    pub org: Org,
    pub users: Vec<User>,
    pub levels: Vec<HeldLevel>,
    /// Its subscriptions and invoices, as its billing admins see them.
    pub subscriptions: Vec<Subscription>,
    pub invoices: Vec<Invoice>,
    /// Its live support balances, which staff draw down on service requests (`support-draws`).
    pub support_balances: Vec<SupportBalance>,
}

/// A support balance of an org: support incidents or advisory hours.
#[derive(Debug, Serialize, ToSchema)]
pub struct SupportBalance {
    /// The benefit to name in a draw-down.
    pub benefit_id: String,
    /// `support_incidents` or `advisory_hours`.
    pub kind: String,
    pub product: String,
    pub left: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEvent {
    pub id: String,
    pub at: DateTime<Utc>,
    pub actor_kind: String,
    pub actor: String,
    pub org_id: Option<String>,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub address: Option<String>,
}

impl From<store::audit::AuditEvent> for AuditEvent {
    fn from(e: store::audit::AuditEvent) -> AuditEvent {
        AuditEvent {
            id: e.id.to_string(),
            at: e.at,
            actor_kind: e.actor_kind.as_str().to_owned(),
            actor: e.actor_name,
            org_id: e.org_id.map(|o| o.to_string()),
            action: e.action,
            subject: e.subject,
            detail: e.detail,
            address: e.address,
        }
    }
}

crate::api::page::list_of!(AuditEventList, AuditEvent);

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffMember {
    pub id: String,
    pub email: String,
    pub name: String,
    /// `support_agent` or `program_admin`.
    pub role: String,
    pub created_at: DateTime<Utc>,
}

impl From<store::staff::StaffRecord> for StaffMember {
    fn from(s: store::staff::StaffRecord) -> StaffMember {
        StaffMember {
            id: s.id.to_string(),
            email: s.email.to_string(),
            name: s.name.to_string(),
            role: s.role.as_str().to_owned(),
            created_at: s.created_at,
        }
    }
}

crate::api::page::list_of!(StaffList, StaffMember);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStaffRequest {
    pub email: String,
    pub name: String,
    /// `support_agent` or `program_admin`.
    pub role: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedStaff {
    pub staff: StaffMember,
    /// The generated password, shown this once.
    pub password: String,
}
