//! E-mail: every message is queued in the outbox inside the transaction of the change that
//! causes it, so a message exists exactly when its change does. Staff can read the outbox.

use crate::{App, AppError, StaffMember};
use domain::ids::EmailId;
use domain::roles::StaffPermission;
use store::outbox::OutboxEmail;

pub(crate) async fn queue(
    app: &App,
    conn: &mut store::Conn,
    to: &str,
    subject: &str,
    body: String,
) -> Result<(), AppError> {
    let email = OutboxEmail {
        id: app.new_id(EmailId::from_random),
        to_address: to.to_owned(),
        subject: subject.to_owned(),
        body,
        created_at: app.now(),
        sent_at: None,
    };
    store::outbox::insert(conn, &email).await?;
    Ok(())
}

/// The newest messages, for staff.
pub async fn list(app: &App, staff: &StaffMember, limit: i64) -> Result<Vec<OutboxEmail>, AppError> {
    staff.require(StaffPermission::ReadOutbox, "read the e-mail outbox")?;
    let mut conn = app.store().read().await?;
    Ok(store::outbox::list(&mut conn, limit.clamp(1, 500)).await?)
}
