//! E-mail: every message is queued in the outbox inside the transaction of the change that
//! causes it, so a message exists exactly when its change does. Staff can read the outbox.

use crate::{App, AppError, StaffMember};
use domain::ids::EmailId;
use domain::roles::StaffPermission;
use store::outbox::OutboxEmail;

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
/// may do everything, see them whole (to help someone whose e-mail never came).
pub async fn list(
    app: &App,
    staff: &StaffMember,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<OutboxEmail>, AppError> {
    staff.require(StaffPermission::ReadOutbox, "read the e-mail outbox")?;
    let mut conn = app.store().read().await?;
    if let Some(after) = after
        && !store::outbox::exists(&mut conn, after).await?
    {
        return Err(unknown_cursor());
    }
    let mut emails = store::outbox::list_after(&mut conn, after, limit.clamp(1, 501)).await?;
    if !staff.role.allows(StaffPermission::ManageStaff) {
        for email in &mut emails {
            email.body = mask_links(&email.body);
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

#[cfg(test)]
mod tests {
    #[test]
    fn invitation_links_are_cut_short() {
        let body = "Accept here:\nhttp://x/invitations/abcdefghijkl\nthanks";
        assert_eq!(super::mask_links(body), "Accept here:\nhttp://x/invitations/abcd…\nthanks");
    }
}

/// How e-mail leaves: an SMTP server. Without one, messages stay in the outbox.
#[derive(Clone, Debug)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    /// User name and password, when the server wants them.
    pub credentials: Option<(String, String)>,
    /// The sender, e.g. `Demo Partner Network <partners@example.com>`.
    pub from: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain SMTP (a relay on the same host, or a test server).
    None,
    /// STARTTLS on a plain connection (usually port 587).
    StartTls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

/// Sends the outbox's messages over SMTP.
pub struct Mailer {
    transport: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl Mailer {
    pub fn new(config: &SmtpConfig) -> Result<Mailer, AppError> {
        use lettre::AsyncSmtpTransport;
        use lettre::transport::smtp::authentication::Credentials;
        let bad = |e: String| AppError::Internal(format!("SMTP settings: {e}"));
        let from =
            config.from.parse().map_err(|e| bad(format!("the sender `{}` is not an address: {e}", config.from)))?;
        let builder = match config.tls {
            SmtpTls::None => AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous(&config.host),
            SmtpTls::StartTls => AsyncSmtpTransport::<lettre::Tokio1Executor>::starttls_relay(&config.host)
                .map_err(|e| bad(e.to_string()))?,
            SmtpTls::Tls => {
                AsyncSmtpTransport::<lettre::Tokio1Executor>::relay(&config.host).map_err(|e| bad(e.to_string()))?
            }
        };
        let builder = builder.port(config.port).timeout(Some(std::time::Duration::from_secs(20)));
        let builder = match &config.credentials {
            Some((user, password)) => builder.credentials(Credentials::new(user.clone(), password.clone())),
            None => builder,
        };
        Ok(Mailer { transport: builder.build(), from })
    }

    async fn send(&self, email: &OutboxEmail) -> Result<(), String> {
        use lettre::AsyncTransport;
        let to: lettre::message::Mailbox = email.to_address.parse().map_err(|e| format!("bad recipient: {e}"))?;
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            // A stable id: a receiver can drop the copy of a message sent again after a crash.
            .message_id(Some(format!("<{}@partnerhub>", email.id)))
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(email.body.clone())
            .map_err(|e| format!("cannot build the message: {e}"))?;
        self.transport.send(message).await.map(|_| ()).map_err(|e| e.to_string())
    }
}

/// How long a worker holds the messages it is sending.
const SEND_LEASE: chrono::Duration = chrono::Duration::minutes(2);

/// Sends every due message of the outbox over SMTP, batch by batch; a failure is retried later
/// with a growing delay (2, 4, 8 … minutes, at most 6 hours). Several workers may run it at once:
/// each message is leased by one. Returns how many were sent.
pub async fn deliver_due(app: &App) -> Result<usize, AppError> {
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
            let result = mailer.send(&email).await;
            let mut tx = app.store().write().await?;
            match result {
                Ok(()) => {
                    store::outbox::mark_sent(&mut tx, &email.id, app.now()).await?;
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
