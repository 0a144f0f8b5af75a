//! Loading the program catalog: validated whole before anything is stored, then kept as a
//! revision in the database so every node and every later start knows what was in force.

use crate::clock::Clock;
use crate::error::AppError;
use crate::secrets::{self, Entropy};
use domain::catalog::Catalog;
use domain::ids::AuditEventId;
use store::Store;
use store::audit::AuditEvent;

/// A catalog text and the name to report problems against (usually its file path).
pub struct CatalogSource<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

/// The demo program shipped with partnerhub.
pub const DEMO: CatalogSource<'static> =
    CatalogSource { name: "catalog/demo-program.toml", text: include_str!("../../../catalog/demo-program.toml") };

/// Parses `source` and records it as the catalog in force. A broken catalog is refused before
/// anything is written.
pub(crate) async fn install(
    store: &Store,
    clock: &dyn Clock,
    entropy: &dyn Entropy,
    source: &CatalogSource<'_>,
) -> Result<Catalog, AppError> {
    let catalog = Catalog::parse(source.name, source.text)?;
    let mut tx = store.write().await?;
    let hash = secrets::hash_secret(source.text);
    let (revision, new) =
        store::catalog::store_if_changed(&mut tx, &hash, source.name, source.text, clock.now()).await?;
    if new {
        let event = AuditEvent {
            id: AuditEventId::from_random(secrets::random_bytes16(entropy)),
            at: clock.now(),
            actor_kind: domain::roles::ActorKind::System,
            actor_id: None,
            actor_name: "partnerhub start-up".into(),
            org_id: None,
            action: "catalog.loaded".into(),
            subject: format!("catalog revision {revision}"),
            detail: format!("loaded {} ({}) as catalog revision {revision}", source.name, catalog.program().name()),
            address: None,
        };
        store::audit::insert(&mut tx, &event).await?;
    }
    tx.commit().await?;
    Ok(catalog)
}
