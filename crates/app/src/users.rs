//! Users and permissions of a partner org: invite, accept, change roles, remove.
//!
//! Architecture invariant: every lookup is scoped by the actor's org, so a user of another org
//! is "not found", never "forbidden".

use crate::accounts::email_taken;
use crate::actor::{Actor, Origin, PartnerUser};
use crate::audit::{self, Change, Who};
use crate::error::AppError;
use crate::sessions::Opening;
use crate::state::App;
use crate::text::Text;
use crate::{passwords, secrets};
use domain::account::{EmailAddress, InvalidInput, NewPassword, PersonName};
use domain::ids::{InvitationId, UserId};
use domain::roles::{self, PartnerPermission, PartnerRole, UserChange, Whose};
use domain::session::Stage;
use store::invitations::InvitationRecord;
use store::users::UserRecord;
use store::{Principal, StoreError};

/// The users of the actor's org, and the invitations not yet accepted.
pub async fn list(app: &App, actor: &PartnerUser) -> Result<(Vec<UserRecord>, Vec<InvitationRecord>), AppError> {
    actor.require(PartnerPermission::ManageUsers, i18n::key("error-act-see-and-manage-the-users-of-your"))?;
    let mut conn = app.store().read().await?;
    let users = store::users::list_in_org(&mut conn, &actor.org_id).await?;
    let invitations = store::invitations::list_in_org(&mut conn, &actor.org_id).await?;
    Ok((users, invitations))
}

/// One user of the actor's org.
pub async fn get(app: &App, actor: &PartnerUser, id: &UserId) -> Result<UserRecord, AppError> {
    if &actor.id != id {
        actor.require(PartnerPermission::ManageUsers, i18n::key("error-act-see-the-users-of-your-org"))?;
    }
    let mut conn = app.store().read().await?;
    store::users::get_in_org(&mut conn, &actor.org_id, id).await?.ok_or(AppError::NotFound("user"))
}

/// Invites `email` to the actor's org with `role`; the link goes to the e-mail outbox.
pub async fn invite(
    app: &App,
    actor: &PartnerUser,
    email: &str,
    role: &str,
    origin: &Origin,
) -> Result<InvitationRecord, AppError> {
    let email = EmailAddress::parse(email)?;
    let role: PartnerRole = role.parse().map_err(|_| InvalidInput::new("role", "choose one of the listed roles"))?;
    roles::check_invite(actor.role, role).map_err(|e| AppError::Forbidden(role_refusal(&e)))?;
    actor.require_verified_email(i18n::key("error-act-invite-users"))?;
    let now = app.now();
    let token = secrets::new_secret(app.entropy(), "");
    let invitation = InvitationRecord {
        id: app.new_id(InvitationId::from_random),
        org_id: actor.org_id.clone(),
        email: email.clone(),
        role,
        token_hash: secrets::hash_secret(&token),
        invited_by: actor.id.clone(),
        created_at: now,
        expires_at: now + app.settings().invitation_ttl,
    };
    let mut tx = app.store().write().await?;
    if store::users::find_by_email(&mut tx, &email).await?.is_some() {
        return Err(AppError::Conflict {
            code: "email_taken",
            message: Text::new(i18n::key("error-address-has-account")).arg("email", &email),
        });
    }
    store::invitations::delete_expired_for(&mut tx, &actor.org_id, &email, now).await?;
    store::invitations::insert(&mut tx, &invitation).await.map_err(|e| match e {
        StoreError::Conflict(_) => AppError::Conflict {
            code: "already_invited",
            message: Text::new(i18n::key("error-address-invited-already")).arg("email", &email),
        },
        other => other.into(),
    })?;
    let org = store::orgs::get(&mut tx, &actor.org_id).await?.ok_or(AppError::NotFound("org"))?;
    // The link's token is kept sealed apart from the stored body (see `outbox`).
    let link = format!("{}/invitations/{}", app.settings().public_url, crate::outbox::SECRET_MARK);
    let program = app.catalog().program().name().to_owned();
    // The invitee has no account yet: the best guess is the language of who invites them.
    let lang = crate::outbox::language_of(app, actor.language.as_deref());
    let args = [
        ("inviter", actor.name.as_str().into()),
        ("org", org.name.as_str().into()),
        ("program", program.as_str().into()),
        ("role", role.label().into()),
        ("days", app.settings().invitation_ttl.num_days().into()),
        ("link", link.as_str().into()),
    ];
    let body = lang.t_with("email-invitation-body", &args) + "\n";
    let subject = lang.t2("email-invitation-subject", "org", org.name.as_str(), "program", &program);
    let secret = crate::outbox::Secret {
        value: &token,
        used_for: invitation.id.as_str(),
        expires_at: invitation.expires_at,
        shown_to_staff: true,
    };
    crate::outbox::queue_with_secret(app, &mut tx, email.as_str(), &subject, body, secret).await?;
    let detail = format!("invited {email} as {}", role.label());
    let change = Change { org: Some(&actor.org_id), action: "user.invited", subject: invitation.id.as_str(), detail };
    audit::record(app, &mut tx, Who::actor(&Actor::Partner(actor.clone())), origin, change).await?;
    tx.commit().await?;
    Ok(invitation)
}

/// A live invitation by the secret in its link, with the name of the inviting org.
pub async fn invitation_by_token(app: &App, token: &str) -> Result<(InvitationRecord, String), AppError> {
    let mut conn = app.store().read().await?;
    let inv = store::invitations::find_by_token_hash(&mut conn, &secrets::hash_secret(token))
        .await?
        .filter(|inv| inv.expires_at > app.now())
        .ok_or(AppError::NotFound("invitation"))?;
    let org = store::orgs::get(&mut conn, &inv.org_id).await?.ok_or(AppError::NotFound("invitation"))?;
    Ok((inv, org.name.to_string()))
}

/// Accepts an invitation: creates the user with the invited role and signs them in.
pub async fn accept_invitation(
    app: &App,
    token: &str,
    name: &str,
    password: &str,
    origin: &Origin,
) -> Result<(UserRecord, String), AppError> {
    let (inv, _) = invitation_by_token(app, token).await?;
    let name = PersonName::parse(name)?;
    let password = NewPassword::parse(password, Some(&inv.email))?;
    let hash = passwords::hash(password.expose().to_owned(), app.entropy()).await?;
    let user = UserRecord {
        id: app.new_id(UserId::from_random),
        org_id: inv.org_id.clone(),
        email: inv.email.clone(),
        name,
        role: inv.role,
        password_hash: hash,
        created_at: app.now(),
        // The invitation went to this address, and its link was opened: that proves it.
        email_verified_at: Some(app.now()),
        language: None,
        time_zone: None,
    };
    let mut tx = app.store().write().await?;
    // Deleting first makes a second, racing acceptance of the same link find nothing.
    if !store::invitations::delete(&mut tx, &inv.org_id, &inv.id).await? {
        return Err(AppError::NotFound("invitation"));
    }
    crate::outbox::erase_secrets_of(&mut tx, inv.id.as_str()).await?;
    store::users::insert(&mut tx, &user).await.map_err(email_taken)?;
    let who = Who {
        kind: domain::roles::ActorKind::User,
        id: Some(user.id.to_string()),
        name: format!("{} <{}>", user.name, user.email),
    };
    let detail = format!("accepted the invitation as {}", user.role.label());
    audit::record(
        app,
        &mut tx,
        who,
        origin,
        Change { org: Some(&user.org_id), action: "user.joined", subject: user.id.as_str(), detail },
    )
    .await?;
    // An invited role the policy asks a second factor of sets one up before anything else.
    let stage = if app.settings().mfa_partner.requires(user.role) { Stage::Enrol } else { Stage::Full };
    let opening = Opening { stage, method: "invitation", with_second_factor: false, origin };
    let session = crate::sessions::open(app, &mut tx, &Principal::User(user.id.clone()), opening).await?;
    tx.commit().await?;
    Ok((user, session))
}

pub async fn cancel_invitation(
    app: &App,
    actor: &PartnerUser,
    id: &InvitationId,
    origin: &Origin,
) -> Result<(), AppError> {
    actor.require(PartnerPermission::ManageUsers, i18n::key("error-act-manage-invitations"))?;
    let mut tx = app.store().write().await?;
    let invitation =
        store::invitations::get_in_org(&mut tx, &actor.org_id, id).await?.ok_or(AppError::NotFound("invitation"))?;
    roles::check_cancel_invitation(actor.role, invitation.role).map_err(|e| AppError::Forbidden(role_refusal(&e)))?;
    if !store::invitations::delete(&mut tx, &actor.org_id, id).await? {
        return Err(AppError::NotFound("invitation"));
    }
    crate::outbox::erase_secrets_of(&mut tx, id.as_str()).await?;
    let change = Change {
        org: Some(&actor.org_id),
        action: "user.invitation_cancelled",
        subject: id.as_str(),
        detail: "cancelled an invitation".into(),
    };
    audit::record(app, &mut tx, Who::actor(&Actor::Partner(actor.clone())), origin, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Gives a user of the actor's org another role.
pub async fn change_role(
    app: &App,
    actor: &PartnerUser,
    id: &UserId,
    role: &str,
    origin: &Origin,
) -> Result<UserRecord, AppError> {
    let role: PartnerRole = role.parse().map_err(|_| InvalidInput::new("role", "choose one of the listed roles"))?;
    let mut tx = app.store().write().await?;
    let mut target = checked_target(&mut tx, actor, id, UserChange::SetRole(role)).await?;
    if target.role != role {
        store::users::set_role(&mut tx, &actor.org_id, id, role).await?;
        let detail = format!("changed the role of {} from {} to {}", target.email, target.role.label(), role.label());
        let change = Change { org: Some(&actor.org_id), action: "user.role_changed", subject: id.as_str(), detail };
        audit::record(app, &mut tx, Who::actor(&Actor::Partner(actor.clone())), origin, change).await?;
        target.role = role;
    }
    tx.commit().await?;
    Ok(target)
}

/// Removes a user from the actor's org; their sessions, API tokens and passkeys end with them.
pub async fn remove(app: &App, actor: &PartnerUser, id: &UserId, origin: &Origin) -> Result<(), AppError> {
    let mut tx = app.store().write().await?;
    let target = checked_target(&mut tx, actor, id, UserChange::Remove).await?;
    let principal = Principal::User(id.clone());
    store::sessions::delete_all(&mut tx, &principal).await?;
    store::api_tokens::revoke_all(&mut tx, &principal, app.now()).await?;
    store::passkeys::delete_all_for(&mut tx, &principal).await?;
    // An address invited again later is a new user, who links their own identity.
    store::sso::unlink_all(&mut tx, &principal).await?;
    // Their seats and keys come back to the org, free for someone else.
    let released = store::benefits::release_user(&mut tx, &actor.org_id, id).await?;
    store::users::delete(&mut tx, &actor.org_id, id).await?;
    let detail = format!("removed {} ({}); {released} seats and keys came back", target.email, target.role.label());
    let change = Change { org: Some(&actor.org_id), action: "user.removed", subject: id.as_str(), detail };
    audit::record(app, &mut tx, Who::actor(&Actor::Partner(actor.clone())), origin, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Loads the target inside the write transaction and applies the role rules, so that two
/// admins demoting each other at once cannot leave the org without a Global admin.
async fn checked_target(
    tx: &mut store::Conn,
    actor: &PartnerUser,
    id: &UserId,
    change: UserChange,
) -> Result<UserRecord, AppError> {
    actor.require(PartnerPermission::ManageUsers, i18n::key("error-act-manage-the-users-of-your-org"))?;
    store::orgs::lock(tx, &actor.org_id).await?;
    let target = store::users::get_in_org(tx, &actor.org_id, id).await?.ok_or(AppError::NotFound("user"))?;
    let global_admins = store::users::count_with_role(tx, &actor.org_id, PartnerRole::GlobalAdmin).await?;
    let whose = if &actor.id == id { Whose::Own } else { Whose::Other };
    roles::check_user_change(actor.role, target.role, whose, change, global_admins).map_err(|e| match e {
        roles::RoleChangeError::LastGlobalAdmin => {
            AppError::Conflict { code: "last_global_admin", message: role_refusal(&e) }
        }
        roles::RoleChangeError::OwnRole => AppError::Refused { code: "own_role", message: role_refusal(&e) },
        other => AppError::Forbidden(role_refusal(&other)),
    })?;
    Ok(target)
}

/// The words of a refused change of roles, in the reader's language.
fn role_refusal(e: &roles::RoleChangeError) -> Text {
    Text::new(match e {
        roles::RoleChangeError::NotAllowed => i18n::key("error-role-not-allowed"),
        roles::RoleChangeError::GlobalAdminOnly => i18n::key("error-role-global-admin-only"),
        roles::RoleChangeError::LastGlobalAdmin => i18n::key("error-role-last-global-admin"),
        roles::RoleChangeError::OwnRole => i18n::key("error-role-own"),
    })
}
