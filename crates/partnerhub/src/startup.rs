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
    Demo,
    File(&'a Path),
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
    let source = match catalog {
        CatalogChoice::Demo => app::catalog::DEMO,
        CatalogChoice::File(path) => {
            name = path.display().to_string();
            file_text =
                std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read catalog file {name}: {e}"))?;
            CatalogSource { name: &name, text: &file_text }
        }
    };
    Ok(App::start(store, clock, Arc::new(OsEntropy), settings, source).await?)
}

/// The background worker of `serve`: now, then every 30 seconds, it reconciles payments left
/// pending by a crash, runs the renewal run (renewals, retries, expiries, reminders, benefit grants) and sends
/// the outbox over SMTP when configured. Other nodes on the same database share the work
/// through leases.
pub fn spawn_worker(app: Arc<App>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(30));
        loop {
            every.tick().await;
            match app::checkout::reconcile_pending(&app).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(attempts = n, "reconciled pending payments"),
                Err(e) => tracing::warn!(error = %e, "payment reconciliation failed"),
            }
            match app::lifecycle::run_due(&app).await {
                Ok(report) if report == app::lifecycle::RunReport::default() => {}
                Ok(report) => tracing::info!(?report, "renewal run"),
                Err(e) => tracing::warn!(error = %e, "renewal run failed"),
            }
            match app::outbox::deliver_due(&app).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(emails = n, "e-mail sent"),
                Err(e) => tracing::warn!(error = %e, "e-mail delivery failed"),
            }
        }
    });
}

/// A port bound before the app is built, so that the public URL can name the real port.
pub async fn bind(listen: &str) -> anyhow::Result<(tokio::net::TcpListener, SocketAddr)> {
    let listener =
        tokio::net::TcpListener::bind(listen).await.map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    let address = listener.local_addr()?;
    Ok((listener, address))
}

/// Serves `app` on `listener` until `shutdown` resolves.
pub async fn serve(
    app: Arc<App>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    web::serve(listener, web::router(app), shutdown).await
}
