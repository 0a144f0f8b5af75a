//! What the operator chose: the settings the use cases run with, read by the binary from flags,
//! the environment or a file.

use crate::smtp::SmtpConfig;
use crate::sso::provider::SsoSettings;

/// Settings the use cases need; the binary reads them from flags, the environment or a file.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The address people reach partnerhub at, for links in e-mails (no trailing slash).
    pub public_url: String,
    /// How long sessions last idle and at most.
    pub session_lifetime: domain::session::Lifetime,
    /// Staff must have a second factor (`--mfa-staff`, on by default).
    pub mfa_staff: bool,
    /// Which partner users must have a second factor (`--mfa-partner-roles`).
    pub mfa_partner: domain::session::PartnerPolicy,
    pub invitation_ttl: chrono::Duration,
    pub gateway: GatewayConfig,
    /// A failure to inject, for the crash tests; `None` in real use.
    pub fault: Option<Fault>,
    /// Where e-mail goes; without it, it stays in the outbox for staff to read.
    pub smtp: Option<SmtpConfig>,
    /// At most this many charges a second go to the gateway (`None`: no limit).
    pub gateway_rate: Option<u32>,
    /// Automatic renewals charged per batch (`None`: 1,000 on the sandbox, 50 when charges are
    /// paced or go to Stripe one by one).
    pub renewal_batch: Option<u32>,
    /// The server's key, from which each webhook endpoint's signing secret is derived and the
    /// key that seals secrets kept in the outbox; every node must have the same (the binary
    /// reads it from `PARTNERHUB_SECRET_KEY` or a key file).
    pub server_key: Option<[u8; 32]>,
    /// API calls allowed per token and minute (each node counts its own).
    pub api_rate_per_minute: u32,
    /// How long a worker holds the renewals (and webhook deliveries) it claimed; a dead
    /// worker's claims return to the others after this long, on the wall clock.
    pub lease: chrono::Duration,
    /// How long after a payment attempt was written, with no charge at the gateway under its
    /// key, it is given up on and the order may be paid again (on the wall clock).
    pub abandon_after: chrono::Duration,
    /// Sign-ups allowed per client address and hour (each node counts its own).
    pub signup_rate_per_hour: u32,
    /// Other forms posted without signing in (sign-in, accepting an invitation) allowed per
    /// client address and minute (each node counts its own).
    pub form_rate_per_minute: u32,
    /// Proxies whose `X-Forwarded-For` is believed: the client is the rightmost address in it
    /// that is not one of them. None: the client is the TCP peer.
    pub trusted_proxies: Vec<domain::net::Cidr>,
    /// Internal ranges webhooks may be delivered to (none: public addresses only).
    pub webhook_allow: Vec<domain::net::Cidr>,
    /// The program's OpenID provider for single sign-on (none: passwords only).
    pub sso: Option<SsoSettings>,
    /// Folders searched, in order, for the fonts invoices and credit notes are set in
    /// (`documents::FONT_FILES`); by default where Debian's Noto packages put them.
    pub font_dirs: Vec<std::path::PathBuf>,
}

/// Which payment gateway charges cards.
#[derive(Clone, Debug, Default)]
pub enum GatewayConfig {
    /// Built in, no network, test cards only.
    #[default]
    Sandbox,
    /// Stripe's API: the secret key, the API base URL, and for the browser the publishable key
    /// and the URL of Stripe.js.
    Stripe { secret_key: String, api_base: String, publishable_key: String, js_url: String },
}

/// Failures the tests inject into a real process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Abort the process after the gateway charged and before the order is recorded.
    CrashAfterCharge,
    /// Abort the process after the gateway made a refund and before it is recorded.
    CrashAfterRefund,
    /// Abort the process after a Buy's payment attempt is written, before the charge is sent.
    CrashBeforeCharge,
    /// Abort the process after a renewal batch's first step (orders, pending attempts and
    /// leases written), before its charges are sent.
    CrashAfterRenewalClaim,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            public_url: "http://127.0.0.1:8080".into(),
            session_lifetime: domain::session::Lifetime::default(),
            mfa_staff: true,
            mfa_partner: domain::session::PartnerPolicy::default(),
            invitation_ttl: chrono::Duration::days(7),
            gateway: GatewayConfig::Sandbox,
            fault: None,
            smtp: None,
            gateway_rate: None,
            renewal_batch: None,
            server_key: None,
            api_rate_per_minute: 600,
            lease: chrono::Duration::minutes(5),
            abandon_after: chrono::Duration::minutes(2),
            signup_rate_per_hour: 10,
            form_rate_per_minute: 60,
            trusted_proxies: Vec::new(),
            webhook_allow: Vec::new(),
            sso: None,
            font_dirs: documents::DEFAULT_FONT_DIRS.iter().map(std::path::PathBuf::from).collect(),
        }
    }
}
