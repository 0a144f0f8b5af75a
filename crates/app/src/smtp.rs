//! How e-mail leaves the outbox: the SMTP server the operator configured and the transport to it.

use crate::error::AppError;
use store::outbox::OutboxEmail;

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
        let bad = |e: String| AppError::internal_from("SMTP settings", e);
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

    /// Sends `email` with `body` (its secret in place, see [`crate::outbox::body_to_send`]).
    pub(crate) async fn send(&self, email: &OutboxEmail, body: String) -> Result<(), String> {
        use lettre::AsyncTransport;
        let to: lettre::message::Mailbox = email.to_address.parse().map_err(|e| format!("bad recipient: {e}"))?;
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            // A stable id: a receiver can drop the copy of a message sent again after a crash.
            .message_id(Some(format!("<{}@partnerhub>", email.id)))
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| format!("cannot build the message: {e}"))?;
        self.transport.send(message).await.map(|_| ()).map_err(|e| e.to_string())
    }
}
