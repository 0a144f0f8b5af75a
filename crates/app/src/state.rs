//! [`App`]: everything a use case needs (the store, the clock, the entropy, the catalog in
//! force, the gateway, the mailer, the webhook client, the OpenID provider), built once at start
//! and shared; and running a transaction again when PostgreSQL broke a deadlock.

use crate::catalog;
use crate::clock::Clock;
use crate::error::AppError;
use crate::secrets::{self, Entropy};
use crate::settings::{GatewayConfig, Settings};
use crate::smtp::Mailer;
use crate::sso::provider::{CALLBACK_PATH, Provider};
use crate::webhooks::send::Sender;
use domain::catalog::Catalog;
use std::sync::{Arc, RwLock};
use store::Store;

/// Everything a use case needs, built once at start and shared.
pub struct App {
    store: Store,
    clock: Arc<dyn Clock>,
    entropy: Arc<dyn Entropy>,
    catalog: RwLock<Arc<Catalog>>,
    settings: Settings,
    gateway: payments::Gateway,
    charge_limiter: Option<payments::RateLimiter>,
    mailer: Option<Mailer>,
    webhook_sender: Sender,
    sso: Option<Provider>,
    languages: i18n::Languages,
    fonts: Arc<documents::Fonts>,
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
            return Err(AppError::internal("the server's key is not set (PARTNERHUB_SECRET_KEY or partnerhub.key)"));
        }
        let languages =
            i18n::Languages::embedded().map_err(|e| AppError::internal_from("a message file is broken", e))?;
        let parsed = catalog::install(&store, clock.as_ref(), entropy.as_ref(), &catalog).await?;
        if !languages.ships(parsed.program().default_language()) {
            let tags = languages.tags().join(", ");
            let problem = format!(
                "program.default_language: partnerhub speaks {tags}, not {:?}",
                parsed.program().default_language()
            );
            return Err(domain::account::InvalidInput::new("catalog", problem).into());
        }
        // A text in a language nobody can choose would never be read: a typo in its tag, likely.
        if let Some(tag) = parsed.text_languages().into_iter().find(|t| !languages.ships(t)) {
            let tags = languages.tags().join(", ");
            let problem = format!("texts.{tag}: partnerhub speaks {tags}; write the texts of one of them");
            return Err(domain::account::InvalidInput::new("catalog", problem).into());
        }
        let gateway = match &settings.gateway {
            GatewayConfig::Sandbox => payments::Gateway::Sandbox(payments::sandbox::Sandbox::new(store.clone())),
            GatewayConfig::Stripe { secret_key, api_base, .. } => payments::Gateway::Stripe(
                payments::stripe::Stripe::new(secret_key.clone(), api_base.clone())
                    .map_err(|e| AppError::internal_from("cannot set up the Stripe gateway", e))?,
            ),
        };
        let mailer = settings.smtp.as_ref().map(Mailer::new).transpose()?;
        let charge_limiter = settings.gateway_rate.map(payments::RateLimiter::new);
        let catalog = RwLock::new(Arc::new(parsed));
        let webhook_sender = Sender::new(settings.webhook_allow.clone())
            .map_err(|e| AppError::internal_from("cannot set up the webhook client", e))?;
        let sso = match &settings.sso {
            // A provider that cannot be found is refused at start, not at someone's sign-in.
            Some(sso_settings) => {
                let redirect_uri = format!("{}{}", settings.public_url, CALLBACK_PATH);
                let provider = Provider::discover(sso_settings, &redirect_uri)
                    .await
                    .map_err(|e| domain::account::InvalidInput::new("sso_issuer", e.0))?;
                Some(provider)
            }
            None => None,
        };
        let fonts = Arc::new(load_fonts(&settings.font_dirs));
        Ok(Arc::new(App {
            fonts,
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
            languages,
        }))
    }

    /// The languages partnerhub speaks.
    pub fn languages(&self) -> &i18n::Languages {
        &self.languages
    }

    /// The language of a reader who asks for `wanted` (most preferred first), falling back to
    /// the program's default language; times in the program's time zone.
    pub fn language_for<'a>(&self, wanted: impl IntoIterator<Item = &'a str>) -> i18n::Lang {
        let catalog = self.catalog();
        let program = catalog.program();
        let mut all: Vec<String> = wanted.into_iter().map(str::to_owned).collect();
        all.push(program.default_language().to_owned());
        self.languages.choose(all.iter().map(String::as_str), program.time_zone())
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

    pub fn mailer(&self) -> Option<&Mailer> {
        self.mailer.as_ref()
    }

    pub(crate) fn webhook_sender(&self) -> &Sender {
        &self.webhook_sender
    }

    pub fn gateway(&self) -> &payments::Gateway {
        &self.gateway
    }

    /// The program's OpenID provider, found at start (when one is configured).
    pub fn sso(&self) -> Option<&Provider> {
        self.sso.as_ref()
    }

    /// The fonts documents are set in, found at start.
    pub(crate) fn fonts(&self) -> &Arc<documents::Fonts> {
        &self.fonts
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

    pub(crate) fn entropy(&self) -> &dyn Entropy {
        self.entropy.as_ref()
    }

    /// A new id: 48 bits of the wall clock's milliseconds, a 16-bit count of the ids this
    /// process made, then 64 random bits. Ids made one after another sort in that order, so a
    /// batch's rows land on the last pages of each index instead of on a thousand random ones
    /// (the disk writes of a big renewal day drop several times). The real clock, not the
    /// app's: `jobs run` holds the app's clock still for a whole day of work.
    pub(crate) fn new_id<T>(&self, make: fn([u8; 16]) -> T) -> T {
        make(time_ordered(crate::clock::machine_now(), secrets::random_bytes16(self.entropy())))
    }
}

impl App {
    /// A random URL-safe secret (for web-layer tokens such as CSRF), from the app's entropy.
    pub fn new_secret(&self, prefix: &str) -> String {
        secrets::new_secret(self.entropy(), prefix)
    }
}

/// Finds the fonts of the documents. Missing fonts do not stop the server: everything but the
/// PDFs works without them, so the log says which are missing and what that costs.
fn load_fonts(dirs: &[std::path::PathBuf]) -> documents::Fonts {
    let fonts = documents::Fonts::load(dirs);
    let problems = fonts.problems();
    if fonts.is_empty() {
        let looked_in = dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ");
        tracing::error!(
            %looked_in,
            files = documents::FONT_FILES.join(", "),
            "no fonts found: invoice and credit-note PDFs cannot be downloaded (503 document_unavailable) until \
             the fonts are installed (Debian: fonts-noto-core, fonts-noto-cjk) or --font-dir (PARTNERHUB_FONT_DIR) \
             names the folder that holds them"
        );
    } else {
        for problem in problems {
            tracing::warn!(
                file = problem.file,
                reason = %problem.reason,
                "a font of the documents is missing: PDFs show an empty box for the characters only it has"
            );
        }
    }
    fonts
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
    use super::*;

    #[test]
    fn ids_made_later_sort_later() {
        use domain::ids::OrderId;
        let at = |ms: i64| chrono::DateTime::from_timestamp_millis(ms).unwrap();
        let first = OrderId::from_random(time_ordered(at(1_800_000_000_000), [0xff; 16]));
        let second = OrderId::from_random(time_ordered(at(1_800_000_000_001), [0; 16]));
        assert!(first.as_str() < second.as_str(), "{first:?} {second:?}");
        let same_ms = at(1_800_000_000_002);
        let a = OrderId::from_random(time_ordered(same_ms, [0xff; 16]));
        let b = OrderId::from_random(time_ordered(same_ms, [0; 16]));
        // Within one millisecond the count orders them (it wraps only after 65,536 ids).
        assert!(a.as_str() < b.as_str(), "{a:?} {b:?}");
    }
}
