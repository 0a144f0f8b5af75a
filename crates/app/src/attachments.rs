//! Keeping a file that passed `domain::attachment::check_file` on its owner's shelf (an
//! application's evidence, a request's attachments), in the caller's transaction.

use crate::actor::PartnerUser;
use crate::error::AppError;
use crate::state::App;
use domain::attachment::CheckedFile;
use domain::ids::ApplicationFileId;
use store::files::{NewFile, Owner};

/// Stores the file for `owner`, uploaded by `actor` now; returns its id.
pub(crate) async fn keep(
    app: &App,
    tx: &mut store::Conn,
    owner: Owner<'_>,
    actor: &PartnerUser,
    file: &CheckedFile,
    bytes: &[u8],
) -> Result<ApplicationFileId, AppError> {
    let id = app.new_id(ApplicationFileId::from_random);
    let new = NewFile {
        id: &id,
        org_id: &actor.org_id,
        name: &file.name,
        content_type: file.content_type,
        data: bytes,
        uploaded_by: &actor.id,
        at: app.now(),
    };
    store::files::insert(tx, owner, &new).await?;
    Ok(id)
}
