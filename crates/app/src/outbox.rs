//! E-mail: every message is queued in the outbox inside the transaction of the change that
//! causes it, so a message exists exactly when its change does. Staff can read the outbox.
//!
//! A single-use secret in a message (an invitation link's token) is not stored in its body:
//! the body holds [`SECRET_MARK`] and the secret is kept sealed with the server's key
//! ([`crate::secrets::seal`]) until the message is sent or the secret is no use any more, so
//! that a copy of the database opens nothing.

use crate::actor::StaffMember;
use crate::error::AppError;
use crate::secrets;
use crate::state::App;
use chrono::{DateTime, Utc};
use domain::ids::EmailId;
use domain::roles::StaffPermission;
use store::outbox::OutboxEmail;

pub use crate::smtp::{Mailer, SmtpConfig, SmtpTls};

/// Where a message's secret goes in its stored body. The text around it cannot hold this mark:
/// names and the other values put in bodies refuse control characters.
pub const SECRET_MARK: &str = "\u{1}secret\u{1}";

/// What a secret that is gone (sent, used, cancelled, expired) shows as.
const GONE: &str = "…";

/// A message's single-use secret: its value, what it opens (erased with [`erase_secrets_of`]
/// when that is used or cancelled) and until when it works.
pub(crate) struct Secret<'a> {
    pub value: &'a str,
    pub used_for: &'a str,
    pub expires_at: DateTime<Utc>,
    /// Whether program admins reading the outbox see it whole (see [`list`]).
    pub shown_to_staff: bool,
}

/// Queues a message whose body holds [`SECRET_MARK`] where the secret goes; the secret is kept
/// sealed apart.
pub(crate) async fn queue_with_secret(
    app: &App,
    conn: &mut store::Conn,
    to: &str,
    subject: &str,
    body: String,
    secret: Secret<'_>,
) -> Result<(), AppError> {
    let email = email(app, to, subject, body);
    store::outbox::insert(conn, &email).await?;
    let sealed = secrets::seal(&app.server_key(), app.entropy(), email.id.as_str(), secret.value);
    store::outbox::insert_secret(conn, &email.id, secret.used_for, &sealed, secret.expires_at, secret.shown_to_staff)
        .await?;
    Ok(())
}

/// Forgets the secrets kept for `used_for` (an invitation accepted or cancelled).
pub(crate) async fn erase_secrets_of(conn: &mut store::Conn, used_for: &str) -> Result<(), AppError> {
    Ok(store::outbox::erase_secrets_of(conn, used_for).await?)
}

/// The body as its addressee gets it: the secret in place of its mark, or `…` when the secret
/// is gone.
pub async fn body_to_send(app: &App, email: &OutboxEmail) -> Result<String, AppError> {
    if !email.body.contains(SECRET_MARK) {
        return Ok(email.body.clone());
    }
    let sealed = store::outbox::secret(&mut app.store().read().await?, &email.id, app.now()).await?;
    Ok(with_secret(app, email, sealed))
}

/// The body as a program admin reading the outbox sees it: the secret in place only if it is
/// one staff may see (an invitation or a verification link, not a link that sets a password or
/// moves an account to another address).
async fn body_for_staff(app: &App, email: &OutboxEmail) -> Result<String, AppError> {
    if !email.body.contains(SECRET_MARK) {
        return Ok(email.body.clone());
    }
    let sealed = store::outbox::secret_for_staff(&mut app.store().read().await?, &email.id, app.now()).await?;
    Ok(with_secret(app, email, sealed))
}

fn with_secret(app: &App, email: &OutboxEmail, sealed: Option<String>) -> String {
    let secret = sealed.and_then(|sealed| secrets::open(&app.server_key(), email.id.as_str(), &sealed));
    email.body.replace(SECRET_MARK, secret.as_deref().unwrap_or(GONE))
}

/// The language of an e-mail or a notice for someone whose saved choice is `saved`: that one
/// when partnerhub speaks it, else the program's default language.
pub(crate) fn language_of(app: &App, saved: Option<&str>) -> i18n::Lang {
    app.language_for(saved)
}

pub(crate) async fn queue(
    app: &App,
    conn: &mut store::Conn,
    to: &str,
    subject: &str,
    body: String,
) -> Result<(), AppError> {
    store::outbox::insert(conn, &email(app, to, subject, body)).await?;
    Ok(())
}

/// A message for the outbox, not yet written.
pub(crate) fn email(app: &App, to: &str, subject: &str, body: String) -> OutboxEmail {
    OutboxEmail {
        id: app.new_id(EmailId::from_random),
        to_address: to.to_owned(),
        subject: subject.to_owned(),
        body,
        created_at: app.now(),
        sent_at: None,
    }
}

/// The newest messages, for staff. Invitation links are secrets of their addressee, so support
/// agents see them cut short and cannot join an org in someone's place; program admins, who
/// may do everything, see invitation and verification links whole while they can be used (to
/// help someone whose e-mail never came), but never a link that sets a password or confirms a
/// new address: with one, staff could take the account.
pub async fn list(
    app: &App,
    staff: &StaffMember,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<OutboxEmail>, AppError> {
    staff.require(StaffPermission::ReadOutbox, i18n::key("error-act-read-the-email-outbox"))?;
    let mut conn = app.store().read().await?;
    if let Some(after) = after
        && !store::outbox::exists(&mut conn, after).await?
    {
        return Err(unknown_cursor());
    }
    let mut emails = store::outbox::list_after(&mut conn, after, limit.clamp(1, 501)).await?;
    drop(conn);
    for email in &mut emails {
        if staff.role.allows(StaffPermission::ManageStaff) {
            email.body = body_for_staff(app, email).await?;
        } else {
            // Messages from before secrets were kept apart may hold a link in clear.
            email.body = mask_links(&email.body.replace(SECRET_MARK, GONE));
        }
    }
    Ok(emails)
}

/// `…/invitations/SECRET` becomes `…/invitations/SECR…`.
fn mask_links(body: &str) -> String {
    const MARK: &str = "/invitations/";
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find(MARK) {
        let (before, after) = rest.split_at(at + MARK.len());
        out.push_str(before);
        let end = after.find(char::is_whitespace).unwrap_or(after.len());
        out.push_str(&after[..end.min(4)]);
        out.push('…');
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// How long a worker holds the messages it is sending.
const SEND_LEASE: chrono::Duration = chrono::Duration::minutes(2);

/// Sends every due message of the outbox over SMTP, batch by batch; a failure is retried later
/// with a growing delay (2, 4, 8 … minutes, at most 6 hours). Several workers may run it at once:
/// each message is leased by one. Returns how many were sent. A sent message's secret is
/// erased with it; secrets past their expiry are erased first, with SMTP or without.
pub async fn deliver_due(app: &App) -> Result<usize, AppError> {
    let mut tx = app.store().write().await?;
    store::outbox::erase_expired_secrets(&mut tx, app.now()).await?;
    tx.commit().await?;
    let Some(mailer) = app.mailer() else { return Ok(0) };
    let mut sent = 0;
    loop {
        let now = app.now();
        let batch = {
            let mut tx = app.store().write().await?;
            let batch = store::outbox::claim_unsent(&mut tx, now, now + SEND_LEASE, 20).await?;
            tx.commit().await?;
            batch
        };
        if batch.is_empty() {
            return Ok(sent);
        }
        for email in batch {
            let body = body_to_send(app, &email).await?;
            let result = mailer.send(&email, body).await;
            let mut tx = app.store().write().await?;
            match result {
                Ok(()) => {
                    store::outbox::mark_sent(&mut tx, &email.id, app.now()).await?;
                    store::outbox::erase_secret(&mut tx, &email.id).await?;
                    sent += 1;
                }
                Err(error) => {
                    let (attempts, _) = store::outbox::delivery_state(&mut tx, &email.id).await?;
                    let delay = chrono::Duration::minutes(
                        2_i64.saturating_pow(u32::try_from(attempts + 1).unwrap_or(30)).min(360),
                    );
                    store::outbox::mark_failed(&mut tx, &email.id, app.now() + delay, &error).await?;
                    tracing::warn!(email = %email.id, %error, "e-mail not sent; will retry");
                }
            }
            tx.commit().await?;
        }
    }
}

/// A page's cursor that names no row: refused, rather than answered with an empty page that
/// would read as the end of the list.
pub(crate) fn unknown_cursor() -> AppError {
    domain::account::InvalidInput::new("starting_after", "no item of this list has that id").into()
}

/// The language of e-mails to a request's contact address: the saved one of the org's user
/// with that address, else (an address without a user) the program's default.
pub(crate) async fn contact_language(
    tx: &mut store::Conn,
    r: &store::service_requests::RequestRecord,
) -> Result<Option<String>, AppError> {
    let Ok(email) = domain::account::EmailAddress::parse(&r.contact_email) else { return Ok(None) };
    let user = store::users::find_by_email(tx, &email).await?;
    Ok(user.filter(|u| u.org_id == r.org_id).and_then(|u| u.language))
}

#[cfg(test)]
mod tests {
    #[test]
    fn invitation_links_are_cut_short() {
        let body = "Accept here:\nhttp://x/invitations/abcdefghijkl\nthanks";
        assert_eq!(super::mask_links(body), "Accept here:\nhttp://x/invitations/abcd…\nthanks");
    }
}
