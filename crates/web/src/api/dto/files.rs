//! A file attached to a competency application or a service request, and the form that uploads one.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachedFile {
    pub id: String,
    pub name: String,
    /// As the file's bytes show: `application/pdf`, `image/png`, `image/jpeg` or text.
    pub content_type: String,
    pub size_bytes: i64,
    pub uploaded_at: DateTime<Utc>,
}

pub fn file_dto(f: store::files::FileRecord) -> AttachedFile {
    AttachedFile {
        id: f.id.into(),
        name: f.name,
        content_type: f.content_type,
        size_bytes: f.size_bytes,
        uploaded_at: f.uploaded_at,
    }
}

/// The multipart form of an upload: one part named `file`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// A PDF, PNG, JPEG or plain-text file of at most 2 MB.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}
