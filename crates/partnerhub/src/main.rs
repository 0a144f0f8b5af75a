//! `partnerhub`: one binary to run and operate the partner program.

use anyhow::Context;
use app::accounts::Realm;
use app::clock::SystemClock;
use app::{Origin, Settings};
use clap::{Parser, Subcommand};
use partnerhub::config::{self, FileConfig};
use partnerhub::startup::{self, CatalogChoice};
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(name = "partnerhub", version, about = "A self-hosted partner-program platform")]
struct Cli {
    /// Config file (TOML with database_url, listen, public_url, catalog); default ./partnerhub.toml if present.
    #[arg(long, global = true, env = "PARTNERHUB_CONFIG")]
    config: Option<PathBuf>,
    /// sqlite://FILE?mode=rwc or postgres://USER@HOST/DB (default: sqlite://partnerhub.db?mode=rwc).
    #[arg(long, global = true, env = "DATABASE_URL")]
    database_url: Option<String>,
    /// A catalog file describing the program; it becomes the program in force (default: the
    /// program in force in the database, or the demo program built in when there is none).
    #[arg(long, global = true, env = "PARTNERHUB_CATALOG")]
    catalog: Option<PathBuf>,
    /// Write logs as JSON lines instead of text.
    #[arg(long, global = true, env = "PARTNERHUB_LOG_JSON")]
    log_json: bool,
    #[command(subcommand)]
    command: Command,
}

// The serve variant is large, but the command is parsed once at start.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Run the server (migrates and loads the catalog first).
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long, env = "PARTNERHUB_LISTEN")]
        listen: Option<String>,
        #[command(flatten)]
        operation: Operation,
        #[command(flatten)]
        mail: Mail,
        /// API calls allowed per token (or per client address without one) and minute, on
        /// each node (default 600).
        #[arg(long, env = "PARTNERHUB_API_RATE")]
        api_rate: Option<u32>,
        #[command(flatten)]
        guard: config::Guard,
        #[command(flatten)]
        identity: config::Identity,
        #[command(flatten)]
        sso: config::Sso,
        /// Test-only: the server's clock starts at this instant (RFC 3339) and runs on from it.
        #[arg(long, hide = true)]
        clock_start: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Load the demo program (or --catalog FILE) as the catalog in force.
    Demo,
    /// Check a catalog file and print what is wrong with it.
    CheckCatalog { file: PathBuf },
    /// Background jobs.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// Create N generated orgs whose Action Pack renews on DAY (for load tests and benchmarks;
    /// sandbox gateway only).
    GenerateDue {
        #[arg(long)]
        orgs: usize,
        /// The day their subscriptions renew, YYYY-MM-DD.
        #[arg(long, value_name = "DAY")]
        due: chrono::NaiveDate,
    },
    /// Copy the SQLite database to FILE while it runs (for PostgreSQL, use pg_dump).
    Backup { file: PathBuf },
    /// Manage program staff.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Help partner users.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
}

/// What the server and the jobs it runs need alike: the gateway that takes the money, its pace,
/// and the URL that links in e-mails point to. `serve` and `jobs run` read the same flags,
/// variables and config keys, so a run from the command line charges as the server would.
#[derive(clap::Args)]
struct Operation {
    /// The URL people reach partnerhub at, for links in e-mails (default http://LISTEN).
    #[arg(long, env = "PARTNERHUB_PUBLIC_URL")]
    public_url: Option<String>,
    /// Payment gateway: sandbox (default, test cards only) or stripe.
    #[arg(long, env = "PARTNERHUB_GATEWAY")]
    gateway: Option<String>,
    #[arg(long, env = "STRIPE_SECRET_KEY", hide_env_values = true)]
    stripe_secret_key: Option<String>,
    #[arg(long, env = "STRIPE_PUBLISHABLE_KEY")]
    stripe_publishable_key: Option<String>,
    /// Stripe's API address (default https://api.stripe.com; localstripe for tests).
    #[arg(long, env = "STRIPE_API_BASE")]
    stripe_api_base: Option<String>,
    /// The URL of Stripe.js (default https://js.stripe.com/v3/).
    #[arg(long, env = "STRIPE_JS_URL")]
    stripe_js_url: Option<String>,
    /// At most this many charges a second to the gateway (default: none for the sandbox, 25
    /// for Stripe).
    #[arg(long, env = "PARTNERHUB_GATEWAY_RATE")]
    gateway_rate: Option<u32>,
    /// Automatic renewals charged per batch (default: 1000 on the sandbox, 50 when charges
    /// are paced by --gateway-rate or go to Stripe).
    #[arg(long, env = "PARTNERHUB_RENEWAL_BATCH")]
    renewal_batch: Option<u32>,
    /// Test-only: seconds a worker's lease on renewals holds (default 300).
    #[arg(long, env = "PARTNERHUB_LEASE_SECONDS", hide = true)]
    lease_seconds: Option<u32>,
    /// Test-only: seconds after which a payment attempt with no charge at the gateway is given
    /// up on (default 120).
    #[arg(long, env = "PARTNERHUB_ABANDON_SECONDS", hide = true)]
    abandon_seconds: Option<u32>,
    /// Test-only failure injection: crash-after-charge, crash-before-charge,
    /// crash-after-refund, crash-after-renewal-claim.
    #[arg(long, env = "PARTNERHUB_FAULT", hide = true)]
    fault: Option<String>,
    /// Internal address ranges webhooks may be delivered to, comma-separated (e.g.
    /// 10.20.0.0/16); default none: public addresses only.
    #[arg(long, env = "PARTNERHUB_WEBHOOK_ALLOW_CIDR")]
    webhook_allow_cidr: Option<String>,
    /// Folders holding the fonts of invoice and credit-note PDFs, separated by `:` (default
    /// /usr/share/fonts/truetype/noto:/usr/share/fonts/opentype/noto, where Debian's
    /// fonts-noto-core and fonts-noto-cjk put them).
    #[arg(long, env = "PARTNERHUB_FONT_DIR")]
    font_dir: Option<String>,
}

/// The SMTP server the server's worker sends the outbox through (`serve` only: `jobs run`
/// queues its e-mail in the outbox, and the server sends it).
#[derive(clap::Args)]
struct Mail {
    /// SMTP server for e-mail (without it, e-mail stays in the outbox).
    #[arg(long, env = "PARTNERHUB_SMTP_HOST")]
    smtp_host: Option<String>,
    #[arg(long, env = "PARTNERHUB_SMTP_PORT")]
    smtp_port: Option<u16>,
    /// none, starttls (default) or tls.
    #[arg(long, env = "PARTNERHUB_SMTP_TLS")]
    smtp_tls: Option<String>,
    #[arg(long, env = "PARTNERHUB_SMTP_USERNAME")]
    smtp_username: Option<String>,
    #[arg(long, env = "PARTNERHUB_SMTP_PASSWORD", hide_env_values = true)]
    smtp_password: Option<String>,
    /// The sender, e.g. "Partner Program <partners@example.com>".
    #[arg(long, env = "PARTNERHUB_SMTP_FROM")]
    smtp_from: Option<String>,
}

impl Mail {
    fn settings(&self, file: &FileConfig) -> anyhow::Result<Option<app::outbox::SmtpConfig>> {
        let pick = |flag: &Option<String>, key: &Option<String>| flag.clone().or_else(|| key.clone());
        config::smtp(config::SmtpChoice {
            host: pick(&self.smtp_host, &file.smtp_host),
            port: self.smtp_port.or(file.smtp_port),
            tls: pick(&self.smtp_tls, &file.smtp_tls),
            username: pick(&self.smtp_username, &file.smtp_username),
            password: pick(&self.smtp_password, &file.smtp_password),
            from: pick(&self.smtp_from, &file.smtp_from),
        })
    }
}

#[derive(Subcommand)]
enum JobsCommand {
    /// Run every job due up to the end of DAY (renewals, retries, expiries, reminders, benefit
    /// grants), day by day with the clock set forward, then exit.
    Run {
        /// The last day to run, YYYY-MM-DD (in the program's time zone).
        #[arg(long, value_name = "DAY")]
        until: chrono::NaiveDate,
        #[command(flatten)]
        operation: Operation,
    },
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Create a staff account; prints a one-time set-up link (24 hours) where its owner chooses
    /// the password, unless --password-stdin is given.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// support_agent or program_admin
        #[arg(long, default_value = "support_agent")]
        role: String,
        /// Read the password from standard input instead of printing a set-up link.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        link: LinkBase,
    },
    /// Print a one-time link (1 hour) where the staff member with this address chooses a new
    /// password: the way back in for a lost admin.
    ResetPassword {
        #[arg(long)]
        email: String,
        #[command(flatten)]
        link: LinkBase,
    },
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Print a one-time link (1 hour) where the partner user with this address chooses a new
    /// password (for an org whose only Global admin is locked out).
    ResetPassword {
        #[arg(long)]
        email: String,
        #[command(flatten)]
        link: LinkBase,
    },
}

/// Where the links the command prints point to.
#[derive(clap::Args)]
struct LinkBase {
    /// The URL people reach partnerhub at (default: the config file's public_url, else
    /// http://LISTEN).
    #[arg(long, env = "PARTNERHUB_PUBLIC_URL")]
    public_url: Option<String>,
}

impl LinkBase {
    fn settings(&self, file: &FileConfig) -> anyhow::Result<Settings> {
        let listen = file.listen.clone().unwrap_or_else(|| config::DEFAULT_LISTEN.into());
        let public_url = config::public_url(self.public_url.clone().or(file.public_url.clone()), &listen)?;
        Ok(Settings { public_url, ..Settings::default() })
    }
}

impl Operation {
    /// The settings these flags give, each falling back on the config file's key.
    fn settings(&self, file: &FileConfig) -> anyhow::Result<Settings> {
        let pick = |flag: &Option<String>, key: &Option<String>| flag.clone().or_else(|| key.clone());
        let gateway = config::gateway(config::GatewayChoice {
            gateway: pick(&self.gateway, &file.gateway),
            stripe_secret_key: pick(&self.stripe_secret_key, &file.stripe_secret_key),
            stripe_publishable_key: pick(&self.stripe_publishable_key, &file.stripe_publishable_key),
            stripe_api_base: pick(&self.stripe_api_base, &file.stripe_api_base),
            stripe_js_url: pick(&self.stripe_js_url, &file.stripe_js_url),
        })?;
        let gateway_rate = self.gateway_rate.or(match gateway {
            app::GatewayConfig::Stripe { .. } => Some(25),
            app::GatewayConfig::Sandbox => None,
        });
        if gateway_rate == Some(0) {
            anyhow::bail!("--gateway-rate must be at least 1 charge a second");
        }
        let defaults = Settings::default();
        let seconds = |s: Option<u32>, default| s.map_or(default, |s| chrono::Duration::seconds(i64::from(s.max(1))));
        let fault = match self.fault.as_deref() {
            None | Some("") => None,
            Some("crash-after-charge") => Some(app::Fault::CrashAfterCharge),
            Some("crash-before-charge") => Some(app::Fault::CrashBeforeCharge),
            Some("crash-after-refund") => Some(app::Fault::CrashAfterRefund),
            Some("crash-after-renewal-claim") => Some(app::Fault::CrashAfterRenewalClaim),
            Some(other) => anyhow::bail!("unknown fault `{other}`"),
        };
        let webhook_allow = pick(&self.webhook_allow_cidr, &file.webhook_allow_cidr)
            .map(|list| domain::net::Cidr::parse_list(&list))
            .transpose()
            .map_err(|e| anyhow::anyhow!("--webhook-allow-cidr: {e}"))?
            .unwrap_or_default();
        let font_dirs = match pick(&self.font_dir, &file.font_dir).filter(|list| !list.trim().is_empty()) {
            Some(list) => std::env::split_paths(&list).collect(),
            None => defaults.font_dirs.clone(),
        };
        Ok(Settings {
            gateway,
            font_dirs,
            gateway_rate,
            renewal_batch: self.renewal_batch,
            lease: seconds(self.lease_seconds, defaults.lease),
            abandon_after: seconds(self.abandon_seconds, defaults.abandon_after),
            fault,
            webhook_allow,
            ..defaults
        })
    }
}

fn init_logs(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// The allocator for Rust and SQLite alike (see Cargo.toml). It also hands freed memory back to
/// the system after a few seconds, so a burst of sign-ins (argon2 takes 19 MiB per check) does
/// not leave the server holding what it no longer uses.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    startup::explain_sigbus();
    startup::private_files();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("partnerhub: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    runtime.block_on(async_main())
}

async fn async_main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logs(cli.log_json);
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("partnerhub: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let file = FileConfig::load(cli.config.as_deref())?;
    let database_url =
        cli.database_url.or(file.database_url.clone()).unwrap_or_else(|| config::DEFAULT_DATABASE_URL.into());
    let catalog_path = cli.catalog.or(file.catalog.clone());
    let catalog = catalog_path.as_deref().map_or(CatalogChoice::InForce, CatalogChoice::File);
    match cli.command {
        Command::Serve { listen, operation, mail, api_rate, guard, identity, sso, clock_start } => {
            let listen = listen.or(file.listen.clone()).unwrap_or_else(|| config::DEFAULT_LISTEN.into());
            let public_url = operation.public_url.clone().or(file.public_url.clone());
            let settings = operation.settings(&file)?;
            let mut settings = Settings { smtp: mail.settings(&file)?, ..settings };
            if let Some(rate) = api_rate {
                settings.api_rate_per_minute = rate.max(1);
            }
            guard.apply(&file, &mut settings)?;
            identity.apply(&file, &mut settings)?;
            settings.sso = sso.settings(&file, std::env::var(config::SSO_CLIENT_SECRET_ENV).ok())?;
            let soft = startup::raise_descriptor_limit().context("cannot read the open-files limit")?;
            let limits = guard.limits(soft)?;
            let clock: Arc<dyn app::clock::Clock> = match clock_start {
                Some(start) => Arc::new(app::clock::OffsetClock::starting_at(start)),
                None => Arc::new(SystemClock),
            };
            serve(&database_url, catalog, &listen, public_url, settings, limits, clock).await
        }
        Command::Migrate => {
            let store = store::Store::open(&database_url).await?;
            store.migrate().await?;
            println!("migrations applied to {}", store::redact(&database_url));
            Ok(())
        }
        Command::Demo => {
            let catalog = catalog_path.as_deref().map_or(CatalogChoice::Demo, CatalogChoice::File);
            let app = startup::open_app(&database_url, catalog, Arc::new(SystemClock), Settings::default()).await?;
            let program = app.catalog().program().name().to_owned();
            println!(
                "catalog in force: {program} ({} offers, {} competencies)",
                app.catalog().offers().len(),
                app.catalog().competencies().len()
            );
            Ok(())
        }
        Command::CheckCatalog { file } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let catalog = domain::catalog::Catalog::parse(&file.display().to_string(), &text)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "{}: valid ({} offers, {} competencies, {} countries)",
                file.display(),
                catalog.offers().len(),
                catalog.competencies().len(),
                catalog.countries().len()
            );
            Ok(())
        }
        Command::Jobs { command: JobsCommand::Run { until, operation } } => {
            // The program's days move; leases and give-up times stay on the real time, which
            // a server beside this run shares.
            let clock = Arc::new(app::clock::ManualClock::beside_real_time(app::clock::machine_now()));
            let listen = file.listen.clone().unwrap_or_else(|| config::DEFAULT_LISTEN.into());
            let public_url = config::public_url(operation.public_url.clone().or(file.public_url.clone()), &listen)?;
            let settings = Settings { public_url, ..operation.settings(&file)? };
            let app = startup::open_app(&database_url, catalog, clock.clone(), settings).await?;
            app::payment::reconcile_pending(&app).await?;
            let mut month = None;
            let mut shown = app::clock::Stopwatch::start();
            let total = app::lifecycle::run_until(&app, &clock, until, |day, so_far| {
                let this = day.format("%Y-%m").to_string();
                if month.as_ref() != Some(&this) {
                    eprintln!("running {this}…");
                    month = Some(this);
                }
                // A big day (many renewals on one anniversary) shows how far it has come.
                if shown.elapsed() >= std::time::Duration::from_secs(5) {
                    eprintln!("{day}: {} renewal charges sent so far", so_far.charged);
                    shown = app::clock::Stopwatch::start();
                }
            })
            .await?;
            let delivered = app::webhooks::deliver_due(&app).await?;
            println!(
                "ran every job due up to {until}: {} renewal charges, {} earlier charges recorded, {} expiries, \
                 {} reminders, {} benefit grants, {} refunds, {delivered} webhooks",
                total.charged, total.finished, total.expired, total.reminders, total.grants, total.refunds
            );
            Ok(())
        }
        Command::GenerateDue { orgs, due } => {
            let app = startup::open_app(&database_url, catalog, Arc::new(SystemClock), Settings::default()).await?;
            let made = app::generate::due_subscriptions(&app, orgs, due, |done| {
                if done % 10_000 == 0 || done == orgs {
                    eprintln!("{done} of {orgs} orgs");
                }
            })
            .await?;
            println!("generated {made} orgs whose Action Pack renews on {due}");
            Ok(())
        }
        Command::Backup { file } => {
            if file.exists() {
                anyhow::bail!("{} exists already; choose a new file name", file.display());
            }
            // Opening a SQLite URL would create a missing file: a backup taken from the wrong
            // folder would then be an empty database, and look like a good one.
            if let Some(db) = startup::sqlite_file(&database_url).filter(|db| !db.exists()) {
                anyhow::bail!("there is no database at {}: give --database-url or run where it is", db.display());
            }
            let store = store::Store::open(&database_url).await?;
            let target = file.to_str().context("the backup path must be valid UTF-8")?;
            store.backup_sqlite(target).await?;
            println!("backed up {} to {}", store::redact(&database_url), file.display());
            Ok(())
        }
        Command::Staff { command: StaffCommand::Create { email, name, role, password_stdin, link } } => {
            let app = startup::open_app(&database_url, catalog, Arc::new(SystemClock), link.settings(&file)?).await?;
            let new = app::staff::NewStaff { email: &email, name: &name, role: &role, password: None };
            if password_stdin {
                let mut s = String::new();
                std::io::stdin().read_to_string(&mut s)?;
                let password = s.trim_end_matches(['\r', '\n']);
                let new = app::staff::NewStaff { password: Some(password), ..new };
                let (record, _) = app::staff::create(&app, None, new, &Origin::cli()).await?;
                println!("created {} ({}) {}", record.email, record.role.label(), record.id);
            } else {
                let (record, link) = app::staff::create_to_set_up(&app, new, &Origin::cli()).await?;
                println!("created {} ({}) {}", record.email, record.role.label(), record.id);
                println!("set-up link (works once, for 24 hours): {link}");
            }
            Ok(())
        }
        Command::Staff { command: StaffCommand::ResetPassword { email, link } } => {
            reset_link(&database_url, catalog, &file, &link, Realm::Staff, &email).await
        }
        Command::Users { command: UsersCommand::ResetPassword { email, link } } => {
            reset_link(&database_url, catalog, &file, &link, Realm::Partner, &email).await
        }
    }
}

/// Prints a password reset link for the account with `email` (to standard output only: it is
/// a secret, and logs keep what they are given).
async fn reset_link(
    database_url: &str,
    catalog: CatalogChoice<'_>,
    file: &FileConfig,
    base: &LinkBase,
    realm: Realm,
    email: &str,
) -> anyhow::Result<()> {
    let app = startup::open_app(database_url, catalog, Arc::new(SystemClock), base.settings(file)?).await?;
    let link = app::email_links::reset::operator_link(&app, realm, email, &Origin::cli()).await?;
    println!("password reset link for {email} (works once, for 1 hour): {link}");
    Ok(())
}

async fn serve(
    database_url: &str,
    catalog: CatalogChoice<'_>,
    listen: &str,
    public_url: Option<String>,
    settings: Settings,
    limits: web::ConnectionLimits,
    clock: Arc<dyn app::clock::Clock>,
) -> anyhow::Result<()> {
    let (listener, address) = startup::bind(listen).await?;
    let public_url = config::public_url(public_url, &address.to_string())?;
    let gateway_name = match settings.gateway {
        app::GatewayConfig::Sandbox => "sandbox (test cards only)",
        app::GatewayConfig::Stripe { .. } => "stripe",
    };
    let settings = Settings { public_url: public_url.clone(), ..settings };
    let app = startup::open_app(database_url, catalog, clock, settings).await?;
    startup::spawn_worker(app.clone());
    let first_admin = app::staff::ensure_first_admin(&app).await?;
    println!("partnerhub is running at {public_url}");
    println!("  database:       {}", store::redact(database_url));
    println!("  program:        {}", app.catalog().program().name());
    println!("  payments:       {gateway_name}");
    match &app.settings().smtp {
        Some(smtp) => println!("  e-mail:         SMTP {}:{}", smtp.host, smtp.port),
        None => println!("  e-mail:         kept in the outbox (no SMTP configured)"),
    }
    println!("  connections:    at most {}", limits.max_connections);
    if let Some(sso) = &app.settings().sso {
        println!("  single sign-on: {} ({})", sso.name, sso.issuer);
    }
    println!("  partner portal: {public_url}/signup");
    println!("  staff console:  {public_url}/staff/signin");
    if let Some((email, link)) = first_admin {
        // On standard output only, never through the logs; the link works once, for 24 hours.
        println!("  first program admin: {email}  set-up link: {link}");
        println!("  (choose the admin's password there within 24 hours; `partnerhub staff reset-password");
        println!("   --email {email}` makes a new link)");
    }
    startup::serve(app.clone(), listener, limits, shutdown_signal()).await?;
    app.store().close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
