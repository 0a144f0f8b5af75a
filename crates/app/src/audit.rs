//! Writing audit rows, inside the caller's transaction so that a change and its record commit
//! together or not at all.

use crate::actor::{Actor, Origin};
use crate::error::AppError;
use crate::state::App;
use domain::ids::{AuditEventId, OrgId};
use domain::roles::ActorKind;
use store::audit::AuditEvent;

/// Who did it, as the audit row names them.
pub(crate) struct Who {
    pub kind: ActorKind,
    pub id: Option<String>,
    pub name: String,
}

impl Who {
    pub fn actor(actor: &Actor) -> Who {
        match actor {
            Actor::Partner(u) => {
                Who { kind: ActorKind::User, id: Some(u.id.to_string()), name: format!("{} <{}>", u.name, u.email) }
            }
            Actor::Staff(s) => {
                Who { kind: ActorKind::Staff, id: Some(s.id.to_string()), name: format!("{} <{}>", s.name, s.email) }
            }
        }
    }

    pub fn system(what: &str) -> Who {
        Who { kind: ActorKind::System, id: None, name: what.to_owned() }
    }
}

pub(crate) struct Change<'a> {
    pub org: Option<&'a OrgId>,
    pub action: &'a str,
    pub subject: &'a str,
    pub detail: String,
}

pub(crate) async fn record(
    app: &App,
    conn: &mut store::Conn,
    who: Who,
    origin: &Origin,
    change: Change<'_>,
) -> Result<(), AppError> {
    store::audit::insert(conn, &event(app, who, origin, change)).await?;
    Ok(())
}

/// The audit row of a change, not yet written (for writing many at once).
pub(crate) fn event(app: &App, who: Who, origin: &Origin, change: Change<'_>) -> AuditEvent {
    AuditEvent {
        id: app.new_id(AuditEventId::from_random),
        at: app.now(),
        actor_kind: who.kind,
        actor_id: who.id,
        actor_name: who.name,
        org_id: change.org.cloned(),
        action: change.action.to_owned(),
        subject: change.subject.to_owned(),
        detail: format!(
            "{} (via {})",
            change.detail,
            if origin.channel.is_empty() { "system" } else { origin.channel }
        ),
        address: origin.address.clone(),
    }
}
