//! The use cases of partnerhub. Each public function is one thing a person or a job does; it
//! checks who is asking, applies the domain's rules, and writes in one transaction together
//! with its audit row.
//!
//! Architecture invariant: `app` owns the clock, the randomness and the transaction
//! boundaries; it re-decides no rule that lives in `domain` and speaks no HTTP.

pub mod accounts;
pub mod actor;
mod attachments;
mod audit;
pub mod benefits;
pub mod cancellation;
pub mod catalog;
pub mod checkout;
pub mod clock;
pub mod competencies;
pub mod email_links;
mod error;
pub mod generate;
pub mod idempotency;
pub mod invoices;
pub mod lifecycle;
pub mod membership;
pub mod outbox;
pub mod passkeys;
pub mod passwords;
pub mod payment_methods;
pub mod second_factor;
pub mod secrets;
pub mod service_requests;
pub mod sessions;
pub mod sso;
pub mod staff;
pub mod throttle;
pub mod tokens;
pub mod users;
pub mod webhooks;

pub use actor::{Actor, Origin, PartnerUser, StaffMember};
pub use error::AppError;

use clock::Clock;
use domain::catalog::Catalog;
use secrets::Entropy;
use std::sync::{Arc, RwLock};
use store::Store;

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
    pub smtp: Option<outbox::SmtpConfig>,
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
    pub sso: Option<sso::SsoSettings>,
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
        }
    }
}

/// Everything a use case needs, built once at start and shared.
pub struct App {
    store: Store,
    clock: Arc<dyn Clock>,
    entropy: Arc<dyn Entropy>,
    catalog: RwLock<Arc<Catalog>>,
    settings: Settings,
    gateway: payments::Gateway,
    charge_limiter: Option<payments::RateLimiter>,
    mailer: Option<outbox::Mailer>,
    webhook_sender: webhooks::send::Sender,
    sso: Option<sso::Provider>,
}

impl App {
    /// Builds the app over a migrated store, loading `catalog` (a name for messages and the
    /// TOML text) as the program in force.
    pub async fn start(
        store: Store,
        clock: Arc<dyn Clock>,
        entropy: Arc<dyn Entropy>,
        settings: Settings,
        catalog: catalog::CatalogSource<'_>,
    ) -> Result<Arc<App>, AppError> {
        if settings.server_key.is_none() {
            // Webhook secrets and sealed outbox secrets would rest on a key everyone knows.
            return Err(AppError::Internal(
                "the server's key is not set (PARTNERHUB_SECRET_KEY or partnerhub.key)".into(),
            ));
        }
        let parsed = catalog::install(&store, clock.as_ref(), entropy.as_ref(), &catalog).await?;
        let gateway = match &settings.gateway {
            GatewayConfig::Sandbox => payments::Gateway::Sandbox(payments::sandbox::Sandbox::new(store.clone())),
            GatewayConfig::Stripe { secret_key, api_base, .. } => payments::Gateway::Stripe(
                payments::stripe::Stripe::new(secret_key.clone(), api_base.clone())
                    .map_err(|e| AppError::Internal(format!("cannot set up the Stripe gateway: {e}")))?,
            ),
        };
        let mailer = settings.smtp.as_ref().map(outbox::Mailer::new).transpose()?;
        let charge_limiter = settings.gateway_rate.map(payments::RateLimiter::new);
        let catalog = RwLock::new(Arc::new(parsed));
        let webhook_sender = webhooks::send::Sender::new(settings.webhook_allow.clone())
            .map_err(|e| AppError::Internal(format!("cannot set up the webhook client: {e}")))?;
        let sso = match &settings.sso {
            // A provider that cannot be found is refused at start, not at someone's sign-in.
            Some(sso_settings) => {
                let redirect_uri = format!("{}{}", settings.public_url, sso::CALLBACK_PATH);
                let provider = sso::Provider::discover(sso_settings, &redirect_uri)
                    .await
                    .map_err(|e| domain::account::InvalidInput::new("sso_issuer", e.0))?;
                Some(provider)
            }
            None => None,
        };
        Ok(Arc::new(App {
            store,
            clock,
            entropy,
            catalog,
            settings,
            gateway,
            charge_limiter,
            mailer,
            webhook_sender,
            sso,
        }))
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// The time shared by every process of the database, for leases and give-up times (see
    /// [`Clock::wall`]).
    pub fn wall_now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.wall()
    }

    /// Waits for a turn to charge under the gateway's rate limit.
    pub(crate) async fn charge_turn(&self) {
        if let Some(limiter) = &self.charge_limiter {
            limiter.wait().await;
        }
    }

    /// Whether charges are paced by a rate limit.
    pub(crate) fn paces_charges(&self) -> bool {
        self.charge_limiter.is_some()
    }

    pub fn mailer(&self) -> Option<&outbox::Mailer> {
        self.mailer.as_ref()
    }

    pub(crate) fn webhook_sender(&self) -> &webhooks::send::Sender {
        &self.webhook_sender
    }

    pub fn gateway(&self) -> &payments::Gateway {
        &self.gateway
    }

    /// The program's OpenID provider, found at start (when one is configured).
    pub fn sso(&self) -> Option<&sso::Provider> {
        self.sso.as_ref()
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The server's key ([`Settings::server_key`]; [`App::start`] refuses to start without one).
    pub(crate) fn server_key(&self) -> [u8; 32] {
        self.settings.server_key.unwrap_or_default()
    }

    /// The catalog in force.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    fn entropy(&self) -> &dyn Entropy {
        self.entropy.as_ref()
    }

    /// A new id: 48 bits of the wall clock's milliseconds, a 16-bit count of the ids this
    /// process made, then 64 random bits. Ids made one after another sort in that order, so a
    /// batch's rows land on the last pages of each index instead of on a thousand random ones
    /// (the disk writes of a big renewal day drop several times). The real clock, not the
    /// app's: `jobs run` holds the app's clock still for a whole day of work.
    fn new_id<T>(&self, make: fn([u8; 16]) -> T) -> T {
        make(time_ordered(clock::machine_now(), secrets::random_bytes16(self.entropy())))
    }
}

impl App {
    /// A random URL-safe secret (for web-layer tokens such as CSRF), from the app's entropy.
    pub fn new_secret(&self, prefix: &str) -> String {
        secrets::new_secret(self.entropy(), prefix)
    }
}

/// Runs `step` again when PostgreSQL broke a deadlock (or a serialization conflict) by failing
/// its transaction, which it rolled back whole: at most five tries, a little apart. One lock
/// order everywhere (ARCHITECTURE.md) makes this rare; it must still never fail a run.
pub(crate) async fn retrying_deadlocks<T, F, Fut>(mut step: F) -> Result<T, AppError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    let mut tries = 1u32;
    loop {
        match step().await {
            Err(AppError::Store(e)) if e.is_deadlock() && tries < 5 => {
                tracing::info!(error = %e, tries, "a transaction was chosen to break a deadlock; running it again");
                tokio::time::sleep(std::time::Duration::from_millis(20 * u64::from(tries))).await;
                tries += 1;
            }
            other => return other,
        }
    }
}

fn time_ordered(at: chrono::DateTime<chrono::Utc>, mut bytes: [u8; 16]) -> [u8; 16] {
    static MADE: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(0);
    let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
    bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
    let count = MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    bytes[6..8].copy_from_slice(&count.to_be_bytes());
    bytes
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_made_later_sort_later() {
        use domain::ids::OrderId;
        let at = |ms: i64| chrono::DateTime::from_timestamp_millis(ms).unwrap();
        let first = OrderId::from_random(super::time_ordered(at(1_800_000_000_000), [0xff; 16]));
        let second = OrderId::from_random(super::time_ordered(at(1_800_000_000_001), [0; 16]));
        assert!(first.as_str() < second.as_str(), "{first:?} {second:?}");
        let same_ms = at(1_800_000_000_002);
        let a = OrderId::from_random(super::time_ordered(same_ms, [0xff; 16]));
        let b = OrderId::from_random(super::time_ordered(same_ms, [0; 16]));
        // Within one millisecond the count orders them (it wraps only after 65,536 ids).
        assert!(a.as_str() < b.as_str(), "{a:?} {b:?}");
    }
}
