//! Support: a partner's service requests in the portal (`partner`), the staff console's queue
//! and request pages (`staff`), and what both show of a request (`rows`).

mod partner;
mod rows;
mod staff;

use crate::state::AppState;
use axum::Router;

/// The New request form, which may carry attachments (the larger body limit of uploads).
pub fn upload_routes() -> Router<AppState> {
    partner::upload_routes()
}

pub fn routes() -> Router<AppState> {
    partner::routes().merge(staff::routes())
}
