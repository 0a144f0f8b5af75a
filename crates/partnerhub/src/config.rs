//! Configuration: a flag wins over the environment, which wins over the config file
//! (`partnerhub.toml` in the current folder, or `--config FILE`), which wins over the defaults.

use anyhow::{Context, bail};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The keys of the config file; each is also a flag and an environment variable.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database_url: Option<String>,
    pub listen: Option<String>,
    pub public_url: Option<String>,
    pub catalog: Option<PathBuf>,
    pub gateway: Option<String>,
    pub stripe_secret_key: Option<String>,
    pub stripe_publishable_key: Option<String>,
    pub stripe_api_base: Option<String>,
    pub stripe_js_url: Option<String>,
    pub smtp_host: Option<String>,
    pub smtp_port: Option<u16>,
    pub smtp_tls: Option<String>,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    pub smtp_from: Option<String>,
    pub webhook_allow_cidr: Option<String>,
    pub font_dir: Option<String>,
    pub trusted_proxies: Option<String>,
    pub mfa_staff: Option<bool>,
    pub mfa_partner_roles: Option<String>,
    pub session_idle_minutes: Option<i64>,
    pub session_max_hours: Option<i64>,
    pub sso_issuer: Option<String>,
    pub sso_client_id: Option<String>,
    pub sso_client_secret: Option<String>,
    pub sso_name: Option<String>,
    pub sso_role_claim: Option<String>,
    pub sso_scopes: Option<String>,
    pub sso_create_staff: Option<bool>,
    pub sso_staff_password: Option<bool>,
    pub sso_partners: Option<bool>,
}

/// The SMTP settings as given; no host means no SMTP (e-mail stays in the outbox).
#[derive(Debug, Default)]
pub struct SmtpChoice {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub tls: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from: Option<String>,
}

pub fn smtp(choice: SmtpChoice) -> anyhow::Result<Option<app::outbox::SmtpConfig>> {
    use app::outbox::SmtpTls;
    let Some(host) = choice.host.filter(|h| !h.is_empty()) else { return Ok(None) };
    let tls = match choice.tls.as_deref().unwrap_or("starttls") {
        "none" => SmtpTls::None,
        "starttls" => SmtpTls::StartTls,
        "tls" => SmtpTls::Tls,
        other => bail!("unknown SMTP TLS mode `{other}`: use none, starttls or tls"),
    };
    let port = choice.port.unwrap_or(match tls {
        SmtpTls::None => 25,
        SmtpTls::StartTls => 587,
        SmtpTls::Tls => 465,
    });
    let credentials = match (choice.username, choice.password) {
        (Some(u), Some(p)) => Some((u, p)),
        (None, None) => None,
        _ => bail!("give both the SMTP user name and password, or neither"),
    };
    let from = choice.from.context("SMTP needs a sender address: PARTNERHUB_SMTP_FROM")?;
    Ok(Some(app::outbox::SmtpConfig { host, port, tls, credentials, from }))
}

/// The payment gateway settings as given (flags, environment or file).
#[derive(Debug, Default)]
pub struct GatewayChoice {
    pub gateway: Option<String>,
    pub stripe_secret_key: Option<String>,
    pub stripe_publishable_key: Option<String>,
    pub stripe_api_base: Option<String>,
    pub stripe_js_url: Option<String>,
}

/// `sandbox` (the default) or `stripe`, which needs both keys.
pub fn gateway(choice: GatewayChoice) -> anyhow::Result<app::GatewayConfig> {
    match choice.gateway.as_deref().unwrap_or("sandbox") {
        "sandbox" => Ok(app::GatewayConfig::Sandbox),
        "stripe" => {
            let secret_key = choice.stripe_secret_key.context("the stripe gateway needs STRIPE_SECRET_KEY (sk_…)")?;
            let publishable_key =
                choice.stripe_publishable_key.context("the stripe gateway needs STRIPE_PUBLISHABLE_KEY (pk_…)")?;
            if !secret_key.starts_with("sk_") || !publishable_key.starts_with("pk_") {
                bail!("Stripe keys look wrong: the secret key starts with sk_ and the publishable key with pk_");
            }
            let api_base = choice
                .stripe_api_base
                .unwrap_or_else(|| "https://api.stripe.com".into())
                .trim_end_matches('/')
                .to_owned();
            let js_url = choice.stripe_js_url.unwrap_or_else(|| "https://js.stripe.com/v3/".into());
            Ok(app::GatewayConfig::Stripe { secret_key, api_base, publishable_key, js_url })
        }
        other => bail!("unknown payment gateway `{other}`: use sandbox or stripe"),
    }
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://partnerhub.db?mode=rwc";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
const DEFAULT_FILE: &str = "partnerhub.toml";

impl FileConfig {
    /// Reads `path`, or `partnerhub.toml` if it exists; a named file that is missing or broken
    /// is an error that says which file and what is wrong.
    pub fn load(path: Option<&Path>) -> anyhow::Result<FileConfig> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from(DEFAULT_FILE), false),
        };
        if !path.exists() {
            if required {
                bail!("config file {} does not exist", path.display());
            }
            return Ok(FileConfig::default());
        }
        let text =
            std::fs::read_to_string(&path).with_context(|| format!("cannot read config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("config file {} is not valid", path.display()))
    }
}

/// The URL people reach the server at, from the listen address when none is configured.
pub fn public_url(configured: Option<String>, bound: &str) -> anyhow::Result<String> {
    let url = configured.unwrap_or_else(|| format!("http://{bound}"));
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        bail!("public URL `{url}` must start with http:// or https://");
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// How the server protects itself: connections, rate limits without a token, client addresses.
#[derive(clap::Args)]
pub struct Guard {
    /// Sign-ups allowed per client address and hour, on each node (default 10).
    #[arg(long, env = "PARTNERHUB_SIGNUP_RATE")]
    signup_rate: Option<u32>,
    /// Sign-ins and other forms posted without signing in, per client address and minute, on
    /// each node (default 60).
    #[arg(long, env = "PARTNERHUB_FORM_RATE")]
    form_rate: Option<u32>,
    /// Proxies whose X-Forwarded-For names the client, comma-separated addresses or ranges
    /// (default none: the client is the TCP peer).
    #[arg(long, env = "PARTNERHUB_TRUSTED_PROXIES")]
    trusted_proxies: Option<String>,
    /// Open connections at most (default 10000, lowered to fit the open-files limit).
    #[arg(long, env = "PARTNERHUB_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// Seconds a client has to send a request's head, also how long an idle keep-alive
    /// connection is kept (default 10).
    #[arg(long, env = "PARTNERHUB_HEADER_TIMEOUT")]
    header_timeout: Option<u64>,
    /// Seconds a connection may go without a byte read or written (default 60).
    #[arg(long, env = "PARTNERHUB_IDLE_TIMEOUT")]
    idle_timeout: Option<u64>,
    /// Seconds a request's body has to arrive whole once its head has (default 60).
    #[arg(long, env = "PARTNERHUB_BODY_TIMEOUT")]
    body_timeout: Option<u64>,
}

impl Guard {
    /// Applies the rate and proxy settings to `settings`.
    pub fn apply(&self, file: &FileConfig, settings: &mut app::Settings) -> anyhow::Result<()> {
        if let Some(rate) = self.signup_rate {
            settings.signup_rate_per_hour = at_least_one(rate, "--signup-rate")?;
        }
        if let Some(rate) = self.form_rate {
            settings.form_rate_per_minute = at_least_one(rate, "--form-rate")?;
        }
        if let Some(list) = self.trusted_proxies.clone().or_else(|| file.trusted_proxies.clone()) {
            settings.trusted_proxies =
                domain::net::Cidr::parse_list(&list).map_err(|e| anyhow::anyhow!("--trusted-proxies: {e}"))?;
        }
        Ok(())
    }

    /// The connection limits, the cap fitted under the open-files limit `soft`.
    pub fn limits(&self, soft: u64) -> anyhow::Result<web::ConnectionLimits> {
        let seconds = |value: Option<u64>, default: std::time::Duration, flag: &str| match value {
            Some(0) => bail!("{flag} must be at least 1 second"),
            Some(s) => Ok(std::time::Duration::from_secs(s)),
            None => Ok(default),
        };
        let defaults = web::ConnectionLimits::default();
        if let Some(n) = self.max_connections {
            at_least_one(n, "--max-connections")?;
        }
        Ok(web::ConnectionLimits {
            max_connections: max_connections(self.max_connections, soft),
            header_timeout: seconds(self.header_timeout, defaults.header_timeout, "--header-timeout")?,
            idle_timeout: seconds(self.idle_timeout, defaults.idle_timeout, "--idle-timeout")?,
            body_timeout: seconds(self.body_timeout, defaults.body_timeout, "--body-timeout")?,
        })
    }
}

/// Who must have a second factor, and how long sessions last.
#[derive(clap::Args)]
pub struct Identity {
    /// Whether staff must have a second factor: on or off (default on).
    #[arg(long, env = "PARTNERHUB_MFA_STAFF", value_parser = on_off)]
    mfa_staff: Option<bool>,
    /// Partner roles that must have a second factor: role names separated by commas, `all` or
    /// `none` (default global_admin,billing_admin).
    #[arg(long, env = "PARTNERHUB_MFA_PARTNER_ROLES")]
    mfa_partner_roles: Option<String>,
    /// Minutes a session lasts unused (default 720: 12 hours).
    #[arg(long, env = "PARTNERHUB_SESSION_IDLE_MINUTES")]
    session_idle_minutes: Option<i64>,
    /// Hours a session lasts at most, used or not (default 168: 7 days).
    #[arg(long, env = "PARTNERHUB_SESSION_MAX_HOURS")]
    session_max_hours: Option<i64>,
}

fn on_off(text: &str) -> Result<bool, String> {
    match text {
        "on" | "true" | "yes" => Ok(true),
        "off" | "false" | "no" => Ok(false),
        other => Err(format!("`{other}` is neither on nor off")),
    }
}

impl Identity {
    pub fn apply(&self, file: &FileConfig, settings: &mut app::Settings) -> anyhow::Result<()> {
        if let Some(on) = self.mfa_staff.or(file.mfa_staff) {
            settings.mfa_staff = on;
        }
        if let Some(roles) = self.mfa_partner_roles.clone().or_else(|| file.mfa_partner_roles.clone()) {
            settings.mfa_partner = domain::session::PartnerPolicy::parse(&roles)
                .map_err(|e| anyhow::anyhow!("--mfa-partner-roles: {e}; use role names, all or none"))?;
        }
        let lifetime = &mut settings.session_lifetime;
        if let Some(minutes) = self.session_idle_minutes.or(file.session_idle_minutes) {
            lifetime.idle = chrono::Duration::minutes(positive(minutes, "--session-idle-minutes")?);
        }
        if let Some(hours) = self.session_max_hours.or(file.session_max_hours) {
            lifetime.absolute = chrono::Duration::hours(positive(hours, "--session-max-hours")?);
        }
        if lifetime.idle > lifetime.absolute {
            bail!("--session-idle-minutes is longer than --session-max-hours");
        }
        Ok(())
    }
}

fn positive(value: i64, flag: &str) -> anyhow::Result<i64> {
    if value < 1 {
        bail!("{flag} must be at least 1");
    }
    Ok(value)
}

/// A limit of zero would refuse everything: it is a mistake, said with the flag's name.
fn at_least_one<T: PartialEq + From<u8>>(value: T, flag: &str) -> anyhow::Result<T> {
    if value == T::from(0) {
        bail!("{flag} must be at least 1");
    }
    Ok(value)
}

/// Single sign-on through the program's OpenID provider (`serve`). The client secret has no
/// flag, so that it never shows in a process list or a shell's history: it comes from
/// `PARTNERHUB_SSO_CLIENT_SECRET` or the config file's `sso_client_secret`.
#[derive(clap::Args)]
pub struct Sso {
    /// The OpenID provider's issuer URL; its discovery document is read at start (default
    /// none: no single sign-on).
    #[arg(long, env = "PARTNERHUB_SSO_ISSUER")]
    sso_issuer: Option<String>,
    /// The client id partnerhub has at the provider.
    #[arg(long, env = "PARTNERHUB_SSO_CLIENT_ID")]
    sso_client_id: Option<String>,
    /// The provider's name on the sign-in pages, "Sign in with NAME" (default: the issuer's host).
    #[arg(long, env = "PARTNERHUB_SSO_NAME")]
    sso_name: Option<String>,
    /// The ID token claim that names a staff role, support_agent or program_admin (default
    /// partnerhub_staff_role).
    #[arg(long, env = "PARTNERHUB_SSO_ROLE_CLAIM")]
    sso_role_claim: Option<String>,
    /// The scopes asked for, space-separated (default "openid email profile").
    #[arg(long, env = "PARTNERHUB_SSO_SCOPES")]
    sso_scopes: Option<String>,
    /// Make a staff account at the first sign-in of someone whose role claim names a staff role
    /// (default false).
    #[arg(long, env = "PARTNERHUB_SSO_CREATE_STAFF", value_parser = clap::builder::BoolishValueParser::new())]
    sso_create_staff: Option<bool>,
    /// Whether staff may still sign in with a password (default true).
    #[arg(long, env = "PARTNERHUB_SSO_STAFF_PASSWORD", value_parser = clap::builder::BoolishValueParser::new())]
    sso_staff_password: Option<bool>,
    /// Whether partner users may sign in through the provider (default false).
    #[arg(long, env = "PARTNERHUB_SSO_PARTNERS", value_parser = clap::builder::BoolishValueParser::new())]
    sso_partners: Option<bool>,
}

/// The environment variable of the client secret (no flag: see [`Sso`]).
pub const SSO_CLIENT_SECRET_ENV: &str = "PARTNERHUB_SSO_CLIENT_SECRET";

impl Sso {
    /// The single sign-on settings, or `None` when no provider is configured; a setting given
    /// without the others it needs is refused with its name. `secret` is the client secret from
    /// the environment, if set there.
    pub fn settings(&self, file: &FileConfig, secret: Option<String>) -> anyhow::Result<Option<app::sso::SsoSettings>> {
        let pick = |flag: &Option<String>, key: &Option<String>| flag.clone().or_else(|| key.clone());
        let issuer = pick(&self.sso_issuer, &file.sso_issuer).filter(|s| !s.trim().is_empty());
        let client_id = pick(&self.sso_client_id, &file.sso_client_id).filter(|s| !s.trim().is_empty());
        let client_secret = secret.or_else(|| file.sso_client_secret.clone()).filter(|s| !s.is_empty());
        let name = pick(&self.sso_name, &file.sso_name);
        let role_claim = pick(&self.sso_role_claim, &file.sso_role_claim);
        let scopes = pick(&self.sso_scopes, &file.sso_scopes);
        let create_staff = self.sso_create_staff.or(file.sso_create_staff);
        let staff_password = self.sso_staff_password.or(file.sso_staff_password);
        let partners = self.sso_partners.or(file.sso_partners);
        let Some(issuer) = issuer else {
            let given = [
                (client_id.is_some(), "--sso-client-id (PARTNERHUB_SSO_CLIENT_ID)"),
                (client_secret.is_some(), "the client secret (PARTNERHUB_SSO_CLIENT_SECRET)"),
                (name.is_some(), "--sso-name (PARTNERHUB_SSO_NAME)"),
                (role_claim.is_some(), "--sso-role-claim (PARTNERHUB_SSO_ROLE_CLAIM)"),
                (scopes.is_some(), "--sso-scopes (PARTNERHUB_SSO_SCOPES)"),
                (create_staff.is_some(), "--sso-create-staff (PARTNERHUB_SSO_CREATE_STAFF)"),
                (staff_password.is_some(), "--sso-staff-password (PARTNERHUB_SSO_STAFF_PASSWORD)"),
                (partners.is_some(), "--sso-partners (PARTNERHUB_SSO_PARTNERS)"),
            ];
            if let Some((_, setting)) = given.iter().find(|(set, _)| *set) {
                bail!(
                    "{setting} is set but --sso-issuer (PARTNERHUB_SSO_ISSUER) is not: single sign-on needs the provider's issuer URL"
                );
            }
            return Ok(None);
        };
        let issuer = domain::sso::check_issuer(&issuer)
            .map_err(|e| anyhow::anyhow!("--sso-issuer (PARTNERHUB_SSO_ISSUER): {e}"))?;
        let client_id = client_id
            .context("--sso-issuer is set but --sso-client-id (PARTNERHUB_SSO_CLIENT_ID) is not: give the client id partnerhub has at the provider")?;
        let name = name
            .filter(|n| !n.trim().is_empty())
            .map_or_else(|| domain::sso::default_name(&issuer), |n| n.trim().to_owned());
        let role_claim = role_claim.unwrap_or_else(|| "partnerhub_staff_role".into());
        if role_claim.trim().is_empty() {
            bail!("--sso-role-claim (PARTNERHUB_SSO_ROLE_CLAIM) must name a claim");
        }
        let scopes: Vec<String> =
            scopes.as_deref().unwrap_or("openid email profile").split_whitespace().map(str::to_owned).collect();
        let defaults = domain::sso::SsoPolicy::default();
        let policy = domain::sso::SsoPolicy {
            staff_password: staff_password.unwrap_or(defaults.staff_password),
            partners: partners.unwrap_or(defaults.partners),
            create_staff: create_staff.unwrap_or(defaults.create_staff),
        };
        Ok(Some(app::sso::SsoSettings {
            issuer,
            client_id: client_id.trim().to_owned(),
            client_secret,
            name,
            role_claim: role_claim.trim().to_owned(),
            scopes,
            policy,
        }))
    }
}

/// Descriptors kept for everything but client connections: the database (with SQLite, each
/// connection's database, log and shared-memory files), the outgoing connections to the
/// payment gateway, SMTP and webhook receivers, the listener, logs.
const DESCRIPTOR_RESERVE: u64 = 256;

/// The connection cap: the configured one (10,000 by default), lowered to fit under the open
/// files limit `soft` with the reserve to spare.
pub fn max_connections(configured: Option<usize>, soft: u64) -> usize {
    let reserve = DESCRIPTOR_RESERVE.min(soft / 2);
    let fits = usize::try_from(soft.saturating_sub(reserve)).unwrap_or(usize::MAX);
    configured.unwrap_or(10_000).min(fits).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connection_cap_stays_under_the_open_files_limit() {
        assert_eq!(max_connections(None, 1_048_576), 10_000);
        assert_eq!(max_connections(None, 1024), 768);
        assert_eq!(max_connections(Some(500), 1024), 500);
        assert_eq!(max_connections(Some(50_000), 65_536), 50_000);
        assert_eq!(max_connections(None, 100), 50);
    }
}
