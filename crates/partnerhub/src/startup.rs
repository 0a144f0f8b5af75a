//! Building the running server once, for `partnerhub serve` and for the tests.

use app::catalog::CatalogSource;
use app::clock::Clock;
use app::secrets::OsEntropy;
use app::{App, Settings};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use store::Store;

/// A catalog to load: the shipped demo program or a file.
pub enum CatalogChoice<'a> {
    /// The demo program shipped with partnerhub.
    Demo,
    /// A catalog file, which becomes the program in force.
    File(&'a Path),
    /// The program in force in the database (the newest revision), or the demo program in a
    /// database that has none yet: what a command without `--catalog` runs with, so that a
    /// restart or a `jobs run` never swaps the operator's program for the demo.
    InForce,
}

/// Opens the store, applies migrations and loads the catalog: everything before listening.
pub async fn open_app(
    database_url: &str,
    catalog: CatalogChoice<'_>,
    clock: Arc<dyn Clock>,
    settings: Settings,
) -> anyhow::Result<Arc<App>> {
    let store = Store::open(database_url).await?;
    store.migrate().await?;
    let file_text;
    let name;
    let in_force = match catalog {
        CatalogChoice::InForce => {
            let mut conn = store.read().await?;
            store::catalog::latest(&mut conn).await?
        }
        _ => None,
    };
    let source = match catalog {
        CatalogChoice::InForce => match &in_force {
            Some(revision) => CatalogSource { name: &revision.source_name, text: &revision.source },
            None => app::catalog::DEMO,
        },
        CatalogChoice::Demo => app::catalog::DEMO,
        CatalogChoice::File(path) => {
            name = path.display().to_string();
            file_text =
                std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read catalog file {name}: {e}"))?;
            CatalogSource { name: &name, text: &file_text }
        }
    };
    let mut settings = settings;
    if settings.server_key.is_none() {
        settings.server_key = Some(server_key(database_url)?);
    }
    App::start(store, clock, Arc::new(OsEntropy), settings, source).await.map_err(|e| match e {
        // A provider that cannot be found at start: said with the setting's name.
        app::AppError::Invalid(invalid) if invalid.field == "sso_issuer" => {
            anyhow::anyhow!("--sso-issuer (PARTNERHUB_SSO_ISSUER): {}", invalid.message)
        }
        other => other.into(),
    })
}

/// The server's key, from which webhook signing secrets and the outbox's sealing key are
/// derived: `PARTNERHUB_SECRET_KEY`,
/// or else the file `partnerhub.key` beside the SQLite database (in the working directory with
/// PostgreSQL), made with a random key on first start. Nodes sharing a database need the same.
fn server_key(database_url: &str) -> anyhow::Result<[u8; 32]> {
    if let Ok(text) = std::env::var("PARTNERHUB_SECRET_KEY") {
        if text.trim().len() < 32 {
            anyhow::bail!("PARTNERHUB_SECRET_KEY is too short: use at least 32 random characters");
        }
        return Ok(app::secrets::key_from_text(&text));
    }
    let dir = sqlite_file(database_url).and_then(|path| path.parent().map(Path::to_path_buf)).unwrap_or_default();
    let file = dir.join("partnerhub.key");
    match std::fs::read_to_string(&file) {
        Ok(text) => Ok(app::secrets::key_from_text(&text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let text = app::secrets::new_secret(&OsEntropy, "");
            write_private(&file, &text).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", file.display()))?;
            Ok(app::secrets::key_from_text(&text))
        }
        Err(e) => anyhow::bail!("cannot read {}: {e}", file.display()),
    }
}

/// The file of a SQLite database URL (`sqlite://data/partnerhub.db?mode=rwc` → `data/partnerhub.db`);
/// `None` for PostgreSQL and for an in-memory database.
pub fn sqlite_file(database_url: &str) -> Option<std::path::PathBuf> {
    database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .map(|rest| rest.split('?').next().unwrap_or(""))
        .filter(|path| !path.is_empty() && !path.starts_with(':'))
        .map(std::path::PathBuf::from)
}

/// Writes a file only its owner can read.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(text.as_bytes())
}

/// The background worker of `serve`: now, then every 30 seconds, it reconciles payments left
/// pending by a crash, runs the renewal run (renewals, retries, expiries, reminders, benefit
/// grants, pending refunds) and forgets spent links; every 2 seconds it answers "Forgot your
/// password?" requests, sends the outbox over SMTP when configured (someone is waiting for
/// their link) and delivers the webhooks due. Other nodes on the same database share the work
/// through leases.
pub fn spawn_worker(app: Arc<App>) {
    let webhooks = app.clone();
    let mail = app.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(30));
        loop {
            every.tick().await;
            match app::payment::reconcile_pending(&app).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(attempts = n, "reconciled pending payments"),
                Err(e) => tracing::warn!(error = %e, "payment reconciliation failed"),
            }
            match app::lifecycle::run_due(&app).await {
                Ok(report) if report == app::lifecycle::RunReport::default() => {}
                Ok(report) => tracing::info!(?report, "renewal run"),
                Err(e) => tracing::warn!(error = %e, "renewal run failed"),
            }
            if let Err(e) = app::email_links::forget_old(&app).await {
                tracing::warn!(error = %e, "forgetting spent links failed");
            }
        }
    });
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(2));
        loop {
            every.tick().await;
            send_mail(&mail).await;
        }
    });
    // Webhooks go out within seconds of the change, on their own beat.
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(2));
        loop {
            every.tick().await;
            match app::webhooks::deliver_due(&webhooks).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(events = n, "webhooks delivered"),
                Err(e) => tracing::warn!(error = %e, "webhook delivery failed"),
            }
        }
    });
}

/// One turn of the e-mail beat: reset links for the requests written since, then the outbox.
async fn send_mail(app: &App) {
    match app::email_links::reset::answer_reset_requests(app).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(links = n, "password reset links queued"),
        Err(e) => tracing::warn!(error = %e, "answering password reset requests failed"),
    }
    match app::outbox::deliver_due(app).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(emails = n, "e-mail sent"),
        Err(e) => tracing::warn!(error = %e, "e-mail delivery failed"),
    }
}

/// A port bound before the app is built, so that the public URL can name the real port.
pub async fn bind(listen: &str) -> anyhow::Result<(tokio::net::TcpListener, SocketAddr)> {
    let listener =
        tokio::net::TcpListener::bind(listen).await.map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    let address = listener.local_addr()?;
    Ok((listener, address))
}

/// Serves `app` on `listener` within `limits` until `shutdown` resolves.
pub async fn serve(
    app: Arc<App>,
    listener: tokio::net::TcpListener,
    limits: web::ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    web::serve(listener, web::router(app), limits, shutdown).await
}

/// Raises the soft limit of open files to the hard one (a connection is a file), and returns
/// the soft limit in force.
pub fn raise_descriptor_limit() -> std::io::Result<u64> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed by reference.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
    }
    Ok(limit.rlim_cur)
}

/// Files this process creates are its owner's alone (the database and its log, the key file,
/// backups): umask 077.
pub fn private_files() {
    // SAFETY: umask only sets the process's file mode mask.
    unsafe {
        libc::umask(0o077);
    }
}

/// SQLite maps its `-shm` file into memory. Should that file stop taking writes under a running
/// process (made immutable, its disk gone), the next write to the mapping raises SIGBUS, which
/// ends the process; this says why on standard error first.
pub fn explain_sigbus() {
    extern "C" fn on_sigbus(_: libc::c_int) {
        const MESSAGE: &[u8] =
            b"partnerhub: stopped by SIGBUS: a memory-mapped file could not be written; most likely \
the SQLite database's -shm file became read-only or immutable, or its disk failed\n";
        // SAFETY: write, signal and raise are async-signal-safe; the message is static.
        unsafe {
            libc::write(2, MESSAGE.as_ptr().cast(), MESSAGE.len());
            libc::signal(libc::SIGBUS, libc::SIG_DFL);
            libc::raise(libc::SIGBUS);
        }
    }
    // SAFETY: installs a handler that only calls async-signal-safe functions.
    unsafe {
        libc::signal(libc::SIGBUS, on_sigbus as *const () as libc::sighandler_t);
    }
}
