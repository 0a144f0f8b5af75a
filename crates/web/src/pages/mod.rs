//! Server-rendered pages: the partner portal and the staff console. Every page works without
//! JavaScript; every form carries the CSRF token and posts, then redirects (post/redirect/get).
//! This module only mounts the pages: what they share is in `common` (and `crate::present`),
//! which refers to none of them.

mod account;
mod benefits;
mod checkout;
mod common;
mod competencies;
mod email_links;
mod invoices;
mod passkeys;
mod portal;
mod public;
mod security;
mod sso;
mod staff;
mod subscriptions;
mod support;
mod users;
mod webhooks;

pub use public::not_found;

use crate::state::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(public::routes())
        .merge(account::routes())
        .merge(security::routes())
        .merge(benefits::routes())
        .merge(checkout::routes())
        .merge(competencies::routes())
        .merge(email_links::routes())
        .merge(invoices::routes())
        .merge(passkeys::routes())
        .merge(subscriptions::routes())
        .merge(support::routes())
        .merge(portal::routes())
        .merge(users::routes())
        .merge(sso::routes())
        .merge(staff::routes())
        .merge(webhooks::routes())
}

/// The pages that take file uploads (a larger body limit than the other forms).
pub fn upload_routes() -> Router<AppState> {
    competencies::upload_routes().merge(support::upload_routes())
}
