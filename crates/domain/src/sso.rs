//! Single sign-on through the program's OpenID provider: which door may use it, who a signed-in
//! identity is here, the staff role its claim names, and who may require it of an org.
//!
//! The provider proves who someone is; these rules decide what that means in partnerhub. The
//! protocol itself (state, nonce, PKCE, the ID token's signature) is `app::sso`'s.

use crate::account::EmailAddress;
use crate::roles::{PartnerRole, Realm, StaffRole};

/// How the operator set single sign-on up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SsoPolicy {
    /// Staff may still sign in with a password (default yes).
    pub staff_password: bool,
    /// Partner users may sign in through the provider (default no: a vendor's provider
    /// usually knows its own staff, not its partners' people).
    pub partners: bool,
    /// A staff account is made at the first sign-in of someone whose role claim names a staff
    /// role (default no: accounts are made by a program admin, and linked at first use).
    pub create_staff: bool,
}

impl Default for SsoPolicy {
    fn default() -> Self {
        SsoPolicy { staff_password: true, partners: false, create_staff: false }
    }
}

impl SsoPolicy {
    /// Whether the door `realm` offers **Sign in with …**. Staff always may, once a provider
    /// is configured.
    pub fn offers(&self, realm: Realm) -> bool {
        match realm {
            Realm::Staff => true,
            Realm::Partner => self.partners,
        }
    }
}

/// A way to sign in other than through the provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OtherWay {
    Password,
    /// A passkey alone, without a password.
    Passkey,
}

/// Whether `way` may open a session at `realm`, for a partner user whose org does or does not
/// require single sign-on. Without a provider (`policy` is `None`) every way may.
///
/// Decided: the operator's switch for staff is about passwords (a passkey still opens the
/// console); an org that requires single sign-on refuses its users' passwords and passkeys
/// alike, so that taking someone's access away at the provider takes it away here; and the
/// requirement counts only while partners may use the provider, so that an operator turning
/// partner sign-on off never locks an org out.
pub fn allowed_without_provider(
    policy: Option<&SsoPolicy>,
    realm: Realm,
    way: OtherWay,
    org_requires_sso: bool,
) -> bool {
    let Some(policy) = policy else { return true };
    match realm {
        Realm::Staff => way == OtherWay::Passkey || policy.staff_password,
        Realm::Partner => !(policy.partners && org_requires_sso),
    }
}

/// An issuer URL as OpenID Connect Discovery wants it: `https://` (or `http://`, for a
/// provider on a private network or in tests), a host, no credentials, no query or fragment.
/// Returns it trimmed, as the provider must name itself (a trailing `/` is kept: issuers are
/// compared exactly).
pub fn check_issuer(url: &str) -> Result<String, String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("`{url}` is not an https:// (or http://) URL"))?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() || host.contains('@') || url.chars().any(char::is_whitespace) {
        return Err(format!("`{url}` is not a URL with a host, like https://login.example.com/realms/partners"));
    }
    if url.contains(['?', '#']) {
        return Err(format!("`{url}` has a query or fragment; an issuer URL has neither"));
    }
    Ok(url.to_owned())
}

/// What the sign-in pages call a provider nobody named: its issuer's host.
pub fn default_name(issuer: &str) -> String {
    let rest = issuer.split_once("://").map_or(issuer, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest).to_owned()
}

/// What the provider told us about the person, once its ID token was verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// The `email` claim, when it is a valid address.
    pub email: Option<EmailAddress>,
    /// The `email_verified` claim is `true`; anything else (absent, false, a string) is not.
    pub email_verified: bool,
    /// The staff role the role claim names, if any (see [`staff_role_named`]).
    pub staff_role: Option<StaffRole>,
}

/// An account looked up for a sign-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found<A> {
    /// An account that may sign in.
    Active(A),
    /// A staff account whose access a program admin removed.
    AccessRemoved,
    /// An account already linked to another identity at the same provider.
    LinkedElsewhere,
    None,
}

/// Who the identity signs in as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignInAs<A> {
    /// The account linked to this identity at an earlier sign-in.
    Linked(A),
    /// The account with the identity's verified address: linked now, for good.
    LinkNow(A),
    /// A new staff account with this role (when the policy allows it).
    CreateStaff(StaffRole),
}

/// Why a verified identity does not sign in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The door does not offer single sign-on (partners, when the operator has not allowed it).
    NotOffered,
    /// The provider gave no e-mail address, or no valid one.
    NoEmail,
    /// The provider does not vouch for the address (`email_verified` is not `true`).
    EmailNotVerified,
    /// The staff account's access was removed.
    AccessRemoved,
    /// The account with this address signs in through another identity at the provider.
    LinkedElsewhere,
    /// No staff account has the address, and none may be made for it.
    NoStaffAccount,
    /// No partner user has the address (partners are never made by signing in).
    NoPartnerUser,
}

impl Refusal {
    /// A stable code, for the audit log and the API.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::NotOffered => "sso_not_offered",
            Refusal::NoEmail => "sso_no_email",
            Refusal::EmailNotVerified => "sso_email_not_verified",
            Refusal::AccessRemoved => "sso_access_removed",
            Refusal::LinkedElsewhere => "sso_linked_elsewhere",
            Refusal::NoStaffAccount => "sso_no_staff_account",
            Refusal::NoPartnerUser => "sso_no_partner_user",
        }
    }

    /// What to tell the person, naming the provider as the sign-in page does.
    pub fn message(self, provider: &str) -> String {
        match self {
            Refusal::NotOffered => format!("partner users do not sign in with {provider} in this program"),
            Refusal::NoEmail => {
                format!("{provider} did not tell us your e-mail address, so we cannot find your account")
            }
            Refusal::EmailNotVerified => {
                format!("{provider} has not verified your e-mail address; verify it there, then sign in again")
            }
            Refusal::AccessRemoved => "your staff access has been removed; ask a program admin".to_owned(),
            Refusal::LinkedElsewhere => {
                format!("your account here is linked to another {provider} account; sign in with that one")
            }
            Refusal::NoStaffAccount => {
                format!("there is no staff account for your {provider} address; ask a program admin to create one")
            }
            Refusal::NoPartnerUser => {
                format!("no partner user has your {provider} address; ask your org's admin to invite you, or sign up")
            }
        }
    }
}

/// Decides who a verified identity signs in as at `realm`: the account linked to it, else
/// (with a verified address) the account with that address, else, for staff when the policy
/// allows and the claim names a role, a new staff account.
///
/// Decided: a linked identity needs no verified address (it was verified when linked, and the
/// provider's subject does not change); an unlinked one always does, since the address is what
/// would tie it to an account.
pub fn sign_in_as<A>(
    realm: Realm,
    policy: &SsoPolicy,
    linked: Found<A>,
    by_email: Found<A>,
    identity: &Identity,
) -> Result<SignInAs<A>, Refusal> {
    if !policy.offers(realm) {
        return Err(Refusal::NotOffered);
    }
    match linked {
        Found::Active(account) => return Ok(SignInAs::Linked(account)),
        Found::AccessRemoved => return Err(Refusal::AccessRemoved),
        Found::LinkedElsewhere | Found::None => {}
    }
    if identity.email.is_none() {
        return Err(Refusal::NoEmail);
    }
    if !identity.email_verified {
        return Err(Refusal::EmailNotVerified);
    }
    match (by_email, realm) {
        (Found::Active(account), _) => Ok(SignInAs::LinkNow(account)),
        (Found::AccessRemoved, _) => Err(Refusal::AccessRemoved),
        (Found::LinkedElsewhere, _) => Err(Refusal::LinkedElsewhere),
        (Found::None, Realm::Staff) => match identity.staff_role {
            Some(role) if policy.create_staff => Ok(SignInAs::CreateStaff(role)),
            _ => Err(Refusal::NoStaffAccount),
        },
        (Found::None, Realm::Partner) => Err(Refusal::NoPartnerUser),
    }
}

/// The staff role a role claim names: the claim's values (one string, or each string of a
/// list) that are staff role names (`support_agent`, `program_admin`); with several, the one
/// that may do most. Other values are ignored.
pub fn staff_role_named<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<StaffRole> {
    values.into_iter().filter_map(|v| v.trim().parse::<StaffRole>().ok()).max_by_key(|role| power(*role))
}

fn power(role: StaffRole) -> u8 {
    match role {
        StaffRole::SupportAgent => 1,
        StaffRole::ProgramAdmin => 2,
    }
}

/// Why an org's requirement of single sign-on cannot be changed by this person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RequireSsoError {
    #[error("only a Global admin can decide how the org's users sign in")]
    NotGlobalAdmin,
    #[error("partner users do not sign in through a provider in this program")]
    NotOffered,
    #[error("sign in with the provider yourself once before you require it, so you cannot lock yourself out")]
    NotSignedInWithIt,
}

/// Whether `actor` may turn an org's requirement of single sign-on on (`on`) or off. Only a
/// Global admin decides it; it can be turned on only while partners may use the provider and
/// only by someone who has signed in through it (their account is linked), so an admin never
/// locks the org out of its own portal. Turning it off is always possible for them.
pub fn check_require_sso(
    actor: PartnerRole,
    policy: Option<&SsoPolicy>,
    actor_linked: bool,
    on: bool,
) -> Result<(), RequireSsoError> {
    if actor != PartnerRole::GlobalAdmin {
        return Err(RequireSsoError::NotGlobalAdmin);
    }
    if !on {
        return Ok(());
    }
    if !policy.is_some_and(|p| p.partners) {
        return Err(RequireSsoError::NotOffered);
    }
    if !actor_linked {
        return Err(RequireSsoError::NotSignedInWithIt);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(email: Option<&str>, verified: bool, role: Option<StaffRole>) -> Identity {
        Identity { email: email.map(|e| EmailAddress::parse(e).unwrap()), email_verified: verified, staff_role: role }
    }

    fn staff_policy(create_staff: bool) -> SsoPolicy {
        SsoPolicy { create_staff, ..SsoPolicy::default() }
    }

    #[test]
    fn a_linked_identity_signs_in_as_its_account_whatever_its_address() {
        let who = identity(None, false, None);
        let r = sign_in_as(Realm::Staff, &staff_policy(false), Found::Active(1), Found::None, &who);
        assert_eq!(r, Ok(SignInAs::Linked(1)));
        let r = sign_in_as::<i32>(Realm::Staff, &staff_policy(false), Found::AccessRemoved, Found::None, &who);
        assert_eq!(r, Err(Refusal::AccessRemoved));
    }

    #[test]
    fn an_unlinked_identity_needs_a_verified_address() {
        let p = staff_policy(true);
        let unverified = identity(Some("a@example.com"), false, Some(StaffRole::ProgramAdmin));
        assert_eq!(
            sign_in_as(Realm::Staff, &p, Found::None, Found::Active(1), &unverified),
            Err(Refusal::EmailNotVerified)
        );
        let none = identity(None, true, Some(StaffRole::ProgramAdmin));
        assert_eq!(sign_in_as::<i32>(Realm::Staff, &p, Found::None, Found::None, &none), Err(Refusal::NoEmail));
        let verified = identity(Some("a@example.com"), true, None);
        assert_eq!(sign_in_as(Realm::Staff, &p, Found::None, Found::Active(1), &verified), Ok(SignInAs::LinkNow(1)));
    }

    #[test]
    fn staff_accounts_are_made_only_when_allowed_and_the_claim_names_a_role() {
        let with_role = identity(Some("a@example.com"), true, Some(StaffRole::SupportAgent));
        let without = identity(Some("a@example.com"), true, None);
        let r = sign_in_as::<i32>(Realm::Staff, &staff_policy(true), Found::None, Found::None, &with_role);
        assert_eq!(r, Ok(SignInAs::CreateStaff(StaffRole::SupportAgent)));
        let r = sign_in_as::<i32>(Realm::Staff, &staff_policy(false), Found::None, Found::None, &with_role);
        assert_eq!(r, Err(Refusal::NoStaffAccount));
        let r = sign_in_as::<i32>(Realm::Staff, &staff_policy(true), Found::None, Found::None, &without);
        assert_eq!(r, Err(Refusal::NoStaffAccount));
    }

    #[test]
    fn removed_and_already_linked_accounts_are_refused() {
        let who = identity(Some("a@example.com"), true, Some(StaffRole::ProgramAdmin));
        let p = staff_policy(true);
        assert_eq!(
            sign_in_as::<i32>(Realm::Staff, &p, Found::None, Found::AccessRemoved, &who),
            Err(Refusal::AccessRemoved)
        );
        assert_eq!(
            sign_in_as::<i32>(Realm::Staff, &p, Found::None, Found::LinkedElsewhere, &who),
            Err(Refusal::LinkedElsewhere)
        );
    }

    #[test]
    fn partners_sign_in_only_when_offered_and_are_never_made() {
        let who = identity(Some("a@example.com"), true, Some(StaffRole::ProgramAdmin));
        let off = SsoPolicy::default();
        assert_eq!(sign_in_as(Realm::Partner, &off, Found::Active(1), Found::None, &who), Err(Refusal::NotOffered));
        let on = SsoPolicy { partners: true, create_staff: true, ..SsoPolicy::default() };
        assert_eq!(sign_in_as(Realm::Partner, &on, Found::None, Found::Active(1), &who), Ok(SignInAs::LinkNow(1)));
        assert_eq!(sign_in_as::<i32>(Realm::Partner, &on, Found::None, Found::None, &who), Err(Refusal::NoPartnerUser));
    }

    #[test]
    fn other_ways_give_way_only_where_the_policy_says() {
        use OtherWay::{Passkey, Password};
        let allowed = allowed_without_provider;
        assert!(allowed(None, Realm::Staff, Password, false));
        assert!(allowed(None, Realm::Partner, Password, true));
        let no_staff_passwords = SsoPolicy { staff_password: false, ..SsoPolicy::default() };
        assert!(!allowed(Some(&no_staff_passwords), Realm::Staff, Password, false));
        assert!(allowed(Some(&no_staff_passwords), Realm::Staff, Passkey, false));
        // Partners may not use the provider: an org's old requirement does not lock it out.
        assert!(allowed(Some(&no_staff_passwords), Realm::Partner, Password, true));
        let partners = SsoPolicy { partners: true, ..SsoPolicy::default() };
        for way in [Password, Passkey] {
            assert!(!allowed(Some(&partners), Realm::Partner, way, true), "{way:?}");
            assert!(allowed(Some(&partners), Realm::Partner, way, false), "{way:?}");
        }
    }

    #[test]
    fn the_role_claim_names_the_strongest_known_role() {
        assert_eq!(staff_role_named(["support_agent"]), Some(StaffRole::SupportAgent));
        assert_eq!(staff_role_named(["program_admin", "support_agent"]), Some(StaffRole::ProgramAdmin));
        assert_eq!(staff_role_named(["support_agent", "root", " program_admin "]), Some(StaffRole::ProgramAdmin));
        assert_eq!(staff_role_named(["global_admin", "Program Admin"]), None);
        assert_eq!(staff_role_named([]), None);
    }

    #[test]
    fn issuers_are_http_urls_without_query_or_fragment() {
        assert_eq!(
            check_issuer(" https://login.example.com/realms/p/ "),
            Ok("https://login.example.com/realms/p/".into())
        );
        assert_eq!(check_issuer("http://127.0.0.1:4000"), Ok("http://127.0.0.1:4000".into()));
        for bad in [
            "login.example.com",
            "ftp://x.example",
            "https://",
            "https://u:p@x.example",
            "https://x.example/?a=1",
            "https://x.example/#f",
        ] {
            assert!(check_issuer(bad).is_err(), "{bad}");
        }
        assert_eq!(default_name("https://login.example.com/realms/p"), "login.example.com");
        assert_eq!(default_name("http://127.0.0.1:4000"), "127.0.0.1:4000");
    }

    #[test]
    fn only_a_global_admin_who_signed_in_with_it_requires_it() {
        let partners = SsoPolicy { partners: true, ..SsoPolicy::default() };
        assert_eq!(check_require_sso(PartnerRole::GlobalAdmin, Some(&partners), true, true), Ok(()));
        assert_eq!(
            check_require_sso(PartnerRole::UserManagementAdmin, Some(&partners), true, true),
            Err(RequireSsoError::NotGlobalAdmin)
        );
        assert_eq!(
            check_require_sso(PartnerRole::GlobalAdmin, Some(&partners), false, true),
            Err(RequireSsoError::NotSignedInWithIt)
        );
        assert_eq!(
            check_require_sso(PartnerRole::GlobalAdmin, Some(&SsoPolicy::default()), true, true),
            Err(RequireSsoError::NotOffered)
        );
        assert_eq!(check_require_sso(PartnerRole::GlobalAdmin, None, false, false), Ok(()));
    }
}
