//! Why a document could not be made: its own module, so that every other one can name it.

/// Why a document could not be made.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// No font file was found at start: documents cannot be set in anything.
    #[error("no font to set documents in: none of {files} is in {dirs}")]
    NoFonts { files: String, dirs: String },
    /// A font file found at start could not be read or used when a document needed it.
    #[error("cannot use the font {}: {reason}", path.display())]
    Font { path: std::path::PathBuf, reason: String },
    #[error("the PDF writer failed: {0}")]
    Pdf(String),
}
