//! Keeping a file that passed `domain::attachment::check_file` on its owner's shelf (an
//! application's evidence, a request's attachments), in the caller's transaction.

use crate::actor::PartnerUser;
use crate::error::AppError;
use crate::state::App;
use domain::attachment::CheckedFile;
use store::files::{NewFile, Shelf};

/// Stores the file for `owner_id`, uploaded by `actor` now; returns its id.
pub(crate) async fn keep(
    app: &App,
    tx: &mut store::Conn,
    shelf: Shelf,
    owner_id: &str,
    actor: &PartnerUser,
    file: &CheckedFile,
    bytes: &[u8],
) -> Result<String, AppError> {
    let id = app.new_id(domain::ids::ApplicationFileId::from_random).to_string();
    let new = NewFile {
        id: &id,
        owner_id,
        org_id: &actor.org_id,
        name: &file.name,
        content_type: file.content_type,
        data: bytes,
        uploaded_by: actor.id.as_str(),
        at: app.now(),
    };
    store::files::insert(tx, shelf, &new).await?;
    Ok(id)
}
