//! The shapes the API speaks, with their OpenAPI schemas, and the conversions from records, so
//! that handlers stay one line per step. Nothing here refers to a handler.

mod amount;
mod billing;
mod files;
mod orgs;
mod support;

pub use billing::*;
pub use files::{AttachedFile, UploadForm, file_dto};
pub use orgs::*;
pub use support::*;
