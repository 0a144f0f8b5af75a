//! Who may do what: the partner roles of an org, the program staff roles, and the rules for
//! changing a user's role.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

crate::words::word_enum! {
    /// Who made a change, as the audit log records it: a partner user (in the portal or with
    /// their API token), a staff member, or the program itself (a job, the operator's command).
    pub enum ActorKind("actor kind") {
        User = "user",
        Staff = "staff",
        System = "system",
    }
}

/// The role of a user inside a partner org.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum PartnerRole {
    GlobalAdmin,
    AccountAdmin,
    BillingAdmin,
    UserManagementAdmin,
    Member,
}

/// The role of a program staff member (the vendor's side).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    SupportAgent,
    ProgramAdmin,
}

/// Which door someone signs in through: the partner portal or the staff console.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Realm {
    Partner,
    Staff,
}

impl Realm {
    pub fn as_str(self) -> &'static str {
        match self {
            Realm::Partner => "partner",
            Realm::Staff => "staff",
        }
    }
}

impl FromStr for Realm {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Realm::Partner, Realm::Staff].into_iter().find(|r| r.as_str() == s).ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// What a partner user may do inside their own org.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartnerPermission {
    /// See the org, its membership and the offers (every role).
    ViewMembership,
    /// Invite and remove users, change roles.
    ManageUsers,
    /// Subscribe to offers, activate and assign benefits.
    ManageOffers,
    /// Payment methods, purchases, renewals, invoices.
    ManageBilling,
    /// Open and follow service requests.
    UseSupport,
}

/// What a program staff member may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaffPermission {
    /// See every org, its users and membership.
    ViewOrgs,
    /// Read the e-mail outbox.
    ReadOutbox,
    /// Read the audit log.
    ReadAuditLog,
    /// Create staff users and change their roles.
    ManageStaff,
    /// Approve or reject competency applications.
    ReviewCompetencies,
    /// Cancel subscriptions and refund them (from a service request).
    CancelAndRefund,
    /// Register webhook endpoints, read their deliveries, resend.
    ManageWebhooks,
}

impl PartnerRole {
    pub const ALL: [PartnerRole; 5] = [
        PartnerRole::GlobalAdmin,
        PartnerRole::AccountAdmin,
        PartnerRole::BillingAdmin,
        PartnerRole::UserManagementAdmin,
        PartnerRole::Member,
    ];

    pub fn allows(self, permission: PartnerPermission) -> bool {
        use PartnerPermission as P;
        use PartnerRole as R;
        match permission {
            P::ViewMembership => true,
            P::ManageUsers => matches!(self, R::GlobalAdmin | R::UserManagementAdmin),
            P::ManageOffers => matches!(self, R::GlobalAdmin | R::AccountAdmin),
            P::ManageBilling => matches!(self, R::GlobalAdmin | R::BillingAdmin),
            P::UseSupport => matches!(self, R::GlobalAdmin | R::AccountAdmin | R::BillingAdmin),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PartnerRole::GlobalAdmin => "global_admin",
            PartnerRole::AccountAdmin => "account_admin",
            PartnerRole::BillingAdmin => "billing_admin",
            PartnerRole::UserManagementAdmin => "user_management_admin",
            PartnerRole::Member => "member",
        }
    }

    /// The name the portal shows.
    pub fn label(self) -> &'static str {
        match self {
            PartnerRole::GlobalAdmin => "Global admin",
            PartnerRole::AccountAdmin => "Account admin",
            PartnerRole::BillingAdmin => "Billing admin",
            PartnerRole::UserManagementAdmin => "User management admin",
            PartnerRole::Member => "Member",
        }
    }
}

impl StaffRole {
    pub const ALL: [StaffRole; 2] = [StaffRole::SupportAgent, StaffRole::ProgramAdmin];

    pub fn allows(self, permission: StaffPermission) -> bool {
        use StaffPermission as P;
        match self {
            StaffRole::ProgramAdmin => true,
            StaffRole::SupportAgent => matches!(permission, P::ViewOrgs | P::ReadOutbox | P::CancelAndRefund),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::SupportAgent => "support_agent",
            StaffRole::ProgramAdmin => "program_admin",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StaffRole::SupportAgent => "Support agent",
            StaffRole::ProgramAdmin => "Program admin",
        }
    }
}

/// A role name that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`")]
pub struct UnknownRole(pub String);

impl FromStr for PartnerRole {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PartnerRole::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

impl FromStr for StaffRole {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StaffRole::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

impl fmt::Display for PartnerRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl fmt::Display for StaffRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Why a change to a user's role or membership in an org is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleChangeError {
    #[error("your role does not allow managing users")]
    NotAllowed,
    #[error("only a Global admin can grant, change or remove the Global admin role")]
    GlobalAdminOnly,
    #[error("an org must keep at least one Global admin; make someone else Global admin first")]
    LastGlobalAdmin,
    #[error("nobody changes their own role; ask another admin of your org")]
    OwnRole,
}

/// A proposed change to one user of an org: a new role, or removal from the org.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserChange {
    SetRole(PartnerRole),
    Remove,
}

/// Whose role a change is about: the actor's own, or someone else's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Whose {
    Own,
    Other,
}

/// Decides whether `actor` may apply `change` to a user who now holds `target`.
///
/// PRODUCT.md: nobody changes their own role, not even to the role they hold, so that no
/// one raises their own powers. Decided (PRODUCT.md is silent): a User management admin
/// manages every role but Global admin, as in the seed's portal: they neither grant it, nor
/// change or remove a Global admin, nor cancel an invitation to it; the last Global admin of an
/// org can be neither demoted nor removed, so no org is ever left without someone who can do
/// everything.
pub fn check_user_change(
    actor: PartnerRole,
    target: PartnerRole,
    whose: Whose,
    change: UserChange,
    global_admins_in_org: usize,
) -> Result<(), RoleChangeError> {
    if !actor.allows(PartnerPermission::ManageUsers) {
        return Err(RoleChangeError::NotAllowed);
    }
    if whose == Whose::Own && matches!(change, UserChange::SetRole(_)) {
        return Err(RoleChangeError::OwnRole);
    }
    let new_role = match change {
        UserChange::SetRole(role) => role,
        UserChange::Remove => target,
    };
    if !manages(actor, target) || !manages(actor, new_role) {
        return Err(RoleChangeError::GlobalAdminOnly);
    }
    let loses_global = target == PartnerRole::GlobalAdmin && change != UserChange::SetRole(PartnerRole::GlobalAdmin);
    if loses_global && global_admins_in_org <= 1 {
        return Err(RoleChangeError::LastGlobalAdmin);
    }
    Ok(())
}

/// Decides whether `actor` may invite someone with `role`.
pub fn check_invite(actor: PartnerRole, role: PartnerRole) -> Result<(), RoleChangeError> {
    if !actor.allows(PartnerPermission::ManageUsers) {
        return Err(RoleChangeError::NotAllowed);
    }
    if !manages(actor, role) {
        return Err(RoleChangeError::GlobalAdminOnly);
    }
    Ok(())
}

/// Decides whether `actor` may cancel a pending invitation to `role`: the same as sending it.
pub fn check_cancel_invitation(actor: PartnerRole, role: PartnerRole) -> Result<(), RoleChangeError> {
    check_invite(actor, role)
}

/// Whether `actor` manages users who hold (or are offered) `role`.
pub fn manages(actor: PartnerRole, role: PartnerRole) -> bool {
    actor.allows(PartnerPermission::ManageUsers)
        && (role != PartnerRole::GlobalAdmin || actor == PartnerRole::GlobalAdmin)
}

/// The roles `actor` may give, for the portal's lists (the server checks again).
pub fn grantable_by(actor: PartnerRole) -> Vec<PartnerRole> {
    PartnerRole::ALL.into_iter().filter(|role| manages(actor, *role)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actor_kinds_read_back() {
        crate::words::assert_round_trip(ActorKind::ALL, |a| a.as_str());
    }
    use PartnerRole::*;
    use Whose::*;

    #[test]
    fn only_global_and_user_management_admins_manage_users() {
        for role in PartnerRole::ALL {
            let expected = matches!(role, GlobalAdmin | UserManagementAdmin);
            assert_eq!(role.allows(PartnerPermission::ManageUsers), expected, "{role}");
        }
    }

    #[test]
    fn billing_is_for_billing_and_global_admins() {
        assert!(BillingAdmin.allows(PartnerPermission::ManageBilling));
        assert!(GlobalAdmin.allows(PartnerPermission::ManageBilling));
        assert!(!AccountAdmin.allows(PartnerPermission::ManageBilling));
        assert!(!Member.allows(PartnerPermission::ManageBilling));
    }

    #[test]
    fn user_management_admin_cannot_touch_global_admins() {
        let r = check_user_change(UserManagementAdmin, GlobalAdmin, Other, UserChange::Remove, 3);
        assert_eq!(r, Err(RoleChangeError::GlobalAdminOnly));
        let r = check_user_change(UserManagementAdmin, Member, Other, UserChange::SetRole(GlobalAdmin), 3);
        assert_eq!(r, Err(RoleChangeError::GlobalAdminOnly));
        assert_eq!(check_invite(UserManagementAdmin, GlobalAdmin), Err(RoleChangeError::GlobalAdminOnly));
        assert_eq!(check_user_change(UserManagementAdmin, Member, Other, UserChange::SetRole(BillingAdmin), 1), Ok(()));
    }

    #[test]
    fn nobody_changes_their_own_role() {
        for actor in [GlobalAdmin, UserManagementAdmin] {
            for role in PartnerRole::ALL {
                assert_eq!(
                    check_user_change(actor, actor, Own, UserChange::SetRole(role), 3),
                    Err(RoleChangeError::OwnRole),
                    "{actor} to {role}"
                );
            }
        }
        assert_eq!(
            check_user_change(UserManagementAdmin, UserManagementAdmin, Other, UserChange::SetRole(Member), 1),
            Ok(())
        );
    }

    #[test]
    fn user_management_admins_manage_only_roles_below_global_admin() {
        assert_eq!(grantable_by(GlobalAdmin), PartnerRole::ALL.to_vec());
        assert_eq!(grantable_by(UserManagementAdmin), vec![AccountAdmin, BillingAdmin, UserManagementAdmin, Member]);
        assert!(grantable_by(BillingAdmin).is_empty());
        assert_eq!(check_cancel_invitation(UserManagementAdmin, GlobalAdmin), Err(RoleChangeError::GlobalAdminOnly));
        assert_eq!(check_cancel_invitation(UserManagementAdmin, BillingAdmin), Ok(()));
        assert_eq!(check_cancel_invitation(GlobalAdmin, GlobalAdmin), Ok(()));
        assert_eq!(check_cancel_invitation(Member, Member), Err(RoleChangeError::NotAllowed));
        let r = check_user_change(UserManagementAdmin, GlobalAdmin, Other, UserChange::SetRole(Member), 3);
        assert_eq!(r, Err(RoleChangeError::GlobalAdminOnly));
    }

    #[test]
    fn the_last_global_admin_stays() {
        let demote = UserChange::SetRole(Member);
        assert_eq!(
            check_user_change(GlobalAdmin, GlobalAdmin, Other, demote, 1),
            Err(RoleChangeError::LastGlobalAdmin)
        );
        assert_eq!(
            check_user_change(GlobalAdmin, GlobalAdmin, Other, UserChange::Remove, 1),
            Err(RoleChangeError::LastGlobalAdmin)
        );
        assert_eq!(check_user_change(GlobalAdmin, GlobalAdmin, Other, demote, 2), Ok(()));
    }

    #[test]
    fn lower_roles_cannot_manage_anyone() {
        for actor in [AccountAdmin, BillingAdmin, Member] {
            assert_eq!(
                check_user_change(actor, Member, Other, UserChange::Remove, 2),
                Err(RoleChangeError::NotAllowed)
            );
            assert_eq!(check_invite(actor, Member), Err(RoleChangeError::NotAllowed));
        }
    }

    #[test]
    fn role_names_round_trip() {
        for role in PartnerRole::ALL {
            assert_eq!(role.as_str().parse::<PartnerRole>(), Ok(role));
        }
        for role in StaffRole::ALL {
            assert_eq!(role.as_str().parse::<StaffRole>(), Ok(role));
        }
        assert!("root".parse::<PartnerRole>().is_err());
    }
}
