//! Verifying a partner user's address: the link sent at sign-up (and again on **Resend**), and
//! what using it does. Until it is used the user may look around but not buy, invite users or
//! make API tokens ([`crate::actor::PartnerUser::require_verified_email`]).

use super::links::{Account, Used, account, account_of, may_send, program, send};
use crate::actor::{Actor, Origin, PartnerUser};
use crate::audit::{self, Change};
use crate::error::AppError;
use crate::state::App;
use domain::email_link::LinkPurpose;
use store::Principal;
use store::email_links::EmailLinkRecord;

/// Queues the verification e-mail of `account` inside the caller's transaction (sign-up's).
pub(crate) async fn send_link(app: &App, conn: &mut store::Conn, account: &Account) -> Result<(), AppError> {
    let program = program(app);
    let hours = LinkPurpose::VerifyEmail.lifetime().num_hours();
    let lang = crate::outbox::language_of(app, account.language.as_deref());
    let body = |link: &str| {
        let args = [
            ("name", account.name.as_str().into()),
            ("email", account.email.as_str().into()),
            ("program", program.as_str().into()),
            ("hours", hours.into()),
            ("link", link.into()),
        ];
        lang.t_with("email-verify-body", &args) + "\n"
    };
    let subject = lang.t1("email-verify-subject", "program", &program);
    send(app, conn, LinkPurpose::VerifyEmail, &account.principal, &account.email, &subject, body).await?;
    Ok(())
}

/// **Resend**: another verification link, at most one a minute and five an hour.
pub async fn resend(app: &App, actor: &PartnerUser, origin: &Origin) -> Result<(), AppError> {
    let principal = Principal::User(actor.id.clone());
    let mut tx = app.store().write().await?;
    // One request at a time per org, so that two quick clicks count as two.
    store::orgs::lock(&mut tx, &actor.org_id).await?;
    let user = account(&mut tx, &principal).await?.ok_or(AppError::Unauthenticated)?;
    if user.verified {
        return Err(AppError::Conflict {
            code: "email_verified_already",
            message: crate::text::Text::new(i18n::key("error-email-confirmed-already")).arg("email", &user.email),
        });
    }
    if let Err(wait) = may_send(app, &mut tx, &principal, LinkPurpose::VerifyEmail).await? {
        return Err(AppError::RateLimited { retry_after_secs: wait });
    }
    send_link(app, &mut tx, &user).await?;
    let change = Change {
        org: Some(&actor.org_id),
        action: "user.verification_sent",
        subject: actor.id.as_str(),
        detail: format!("asked for a new link to confirm {}", user.email),
    };
    audit::record(app, &mut tx, audit::Who::actor(&Actor::Partner(actor.clone())), origin, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Using a verification link: the address is proved, if it is still the account's.
pub(super) async fn apply(
    app: &App,
    tx: &mut store::Conn,
    link: &EmailLinkRecord,
    origin: &Origin,
) -> Result<Used, AppError> {
    let user = account_of(tx, link).await?;
    if user.email != link.email {
        // The address changed since the link was sent (which retires it; this is a safeguard).
        return Err(domain::email_link::LinkRefusal::Unknown.into());
    }
    let Principal::User(id) = &link.principal else {
        return Err(AppError::internal("a verification link of a staff account"));
    };
    store::users::mark_email_verified(tx, id, app.now()).await?;
    super::links::retire(app, tx, &link.principal, Some(LinkPurpose::VerifyEmail), Some(&link.id)).await?;
    let change = Change {
        org: user.org.as_ref(),
        action: "user.email_verified",
        subject: id.as_str(),
        detail: format!("confirmed the address {}", user.email),
    };
    audit::record(app, tx, user.who(), origin, change).await?;
    Ok(Used::EmailVerified)
}
