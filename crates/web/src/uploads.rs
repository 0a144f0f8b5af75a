//! Files in and out: the `file` part of a multipart form, and a download that the browser saves
//! instead of showing (evidence files are the partner's documents, never our pages).

use app::AppError;
use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use domain::account::InvalidInput;

/// Largest body of an upload (one evidence file of at most 2 MB and the form around it).
pub const MAX_UPLOAD_BODY_BYTES: usize = 3 * 1024 * 1024;

/// A CSV file to download, named `name`.
pub fn csv_response(name: &str, text: String) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)], text)
        .into_response()
}

/// The name and bytes of the part named `file`; other parts (the csrf field) are skipped. A
/// body that is not a multipart form at all is the same clear refusal as an unreadable one.
pub async fn file_part(form: Result<Multipart, MultipartRejection>) -> Result<(String, Vec<u8>), AppError> {
    let mut form = form.map_err(|_| {
        AppError::from(InvalidInput::new("file", "send the file as multipart/form-data in a part named file"))
    })?;
    let unreadable = || AppError::from(InvalidInput::new("file", "the upload could not be read; send it again"));
    while let Some(field) = form.next_field().await.map_err(|_| unreadable())? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("").to_owned();
            let bytes = field.bytes().await.map_err(|_| unreadable())?;
            if bytes.is_empty() && name.is_empty() {
                break;
            }
            return Ok((name, bytes.to_vec()));
        }
    }
    Err(InvalidInput::new("file", "choose a file to attach").into())
}

/// A file to save, under its name (percent-encoded for non-ASCII names, RFC 6266).
pub fn attachment(name: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    let ascii: String = name.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' }).collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect();
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    response
}

/// A form that may carry files: its text fields, and the files of its `file` parts (parts left
/// empty by the browser are skipped). A plain urlencoded form gives its fields and no files, so
/// one handler serves the page with and without attachments.
pub async fn form_with_files(
    request: axum::extract::Request,
) -> Result<(Vec<(String, String)>, Vec<(String, Vec<u8>)>), AppError> {
    use axum::extract::FromRequest;
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("multipart/form-data"));
    let unreadable = || AppError::from(InvalidInput::new("file", "the form could not be read; send it again"));
    if !multipart {
        let bytes = axum::body::to_bytes(request.into_body(), MAX_UPLOAD_BODY_BYTES).await.map_err(|_| unreadable())?;
        let fields = serde_urlencoded::from_bytes(&bytes).map_err(|_| unreadable())?;
        return Ok((fields, Vec::new()));
    }
    let mut form = Multipart::from_request(request, &()).await.map_err(|_| unreadable())?;
    let (mut fields, mut files) = (Vec::new(), Vec::new());
    while let Some(field) = form.next_field().await.map_err(|_| unreadable())? {
        let name = field.name().unwrap_or("").to_owned();
        match field.file_name().map(str::to_owned) {
            Some(file_name) if name == "file" => {
                let bytes = field.bytes().await.map_err(|_| unreadable())?;
                if !(bytes.is_empty() && file_name.is_empty()) {
                    files.push((file_name, bytes.to_vec()));
                }
            }
            _ => fields.push((name, field.text().await.map_err(|_| unreadable())?)),
        }
    }
    Ok((fields, files))
}
