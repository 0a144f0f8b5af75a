//! Files people attach: evidence for a competency application, documents on a service request.
//! A file is typed by its bytes, never by what the sender called it, and only a few types are
//! taken, so that nothing we serve back can run in a browser.

use crate::account::{InvalidInput, is_bidi_control};

/// Largest file.
pub const MAX_FILE_BYTES: usize = 2 * 1024 * 1024;

/// A file that passed the checks: a safe name and the type its bytes show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedFile {
    pub name: String,
    pub content_type: &'static str,
}

/// Checks a file by its bytes, not by what the sender called it: PDF, PNG, JPEG or
/// plain UTF-8 text, at most [`MAX_FILE_BYTES`]. The name keeps only its last path part,
/// without control characters and direction controls (a right-to-left override would show
/// `report<U+202E>fdp.exe` as `reportexe.pdf`), at most 120 characters. A refusal names the
/// file as it was sent, since a form may carry several.
pub fn check_file(name: &str, bytes: &[u8]) -> Result<CheckedFile, InvalidInput> {
    let sent = name.trim();
    let refused = |english: &str| InvalidInput::new("file", format!("{sent}: {english}"));
    if bytes.is_empty() {
        return Err(refused("the file is empty").said("error-file-empty", &[("name", &sent)]));
    }
    if bytes.len() > MAX_FILE_BYTES {
        let megabytes = MAX_FILE_BYTES / (1024 * 1024);
        let refusal = refused(&format!("the file is larger than {megabytes} MB"));
        return Err(refusal.said("error-file-too-large", &[("name", &sent), ("megabytes", &megabytes)]));
    }
    let content_type = if bytes.starts_with(b"%PDF-") {
        "application/pdf"
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if std::str::from_utf8(bytes).is_ok_and(|t| !t.contains('\0')) {
        "text/plain; charset=utf-8"
    } else {
        return Err(refused("send a PDF, PNG, JPEG or plain-text file").said("error-file-type", &[("name", &sent)]));
    };
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String =
        base.chars().filter(|c| !c.is_control() && !is_bidi_control(*c) && *c != '"').take(120).collect();
    let clean = clean.trim();
    if clean.is_empty() || clean == "." || clean == ".." {
        return Err(refused("the file needs a name").said("error-file-name", &[("name", &sent)]));
    }
    Ok(CheckedFile { name: clean.to_owned(), content_type })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_typed_by_their_bytes_and_named_safely() {
        assert_eq!(check_file("cert.pdf", b"%PDF-1.7 ...").unwrap().content_type, "application/pdf");
        assert_eq!(check_file("x.png", b"\x89PNG\r\n\x1a\nrest").unwrap().content_type, "image/png");
        assert_eq!(
            check_file("a.txt", "Zertifikat für Ann".as_bytes()).unwrap().content_type,
            "text/plain; charset=utf-8"
        );
        assert!(check_file("evil.pdf", &[0x4D, 0x5A, 0x90, 0x00]).unwrap_err().message.contains("PDF, PNG, JPEG"));
        assert_eq!(check_file("../../etc/pass\"wd.txt", b"hi").unwrap().name, "passwd.txt");
        assert_eq!(check_file("C:\\docs\\ref.txt", b"hi").unwrap().name, "ref.txt");
        assert!(check_file("big.txt", &vec![b'a'; MAX_FILE_BYTES + 1]).is_err());
        assert!(check_file("empty.txt", b"").is_err());
        assert!(check_file("/", b"hi").is_err());
    }

    #[test]
    fn file_names_lose_their_direction_controls() {
        let name = check_file("invoice\u{202E}fdp.exe", b"hi").unwrap().name;
        assert_eq!(name, "invoicefdp.exe", "the name shows what it is");
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}', '\u{200E}',
            '\u{200F}', '\u{061C}',
        ] {
            assert_eq!(check_file(&format!("a{c}b.txt"), b"hi").unwrap().name, "ab.txt", "{c:?}");
        }
        assert!(check_file("\u{202E}\u{2066}", b"hi").is_err(), "no name left");
    }
}
