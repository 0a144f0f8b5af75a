//! The fonts documents are set in: found by file name in the operator's font folders, read once,
//! and embedded (subset to the glyphs a document uses) in every PDF.
//!
//! Each weight has a chain of faces: Noto Sans first (Latin, Greek, Cyrillic), then Noto Sans
//! CJK for the characters Noto Sans lacks; bold text falls back to the regular faces last, so a
//! missing bold file costs the weight, never the text. The CJK collections are 20 MB each, so
//! a file that large is only checked at start and read at the first document that needs a
//! character only it has: a server whose invoices are all Latin never holds them in memory.

use crate::error::RenderError;
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size};
use skrifa::raw::TableProvider;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Where Debian's `fonts-noto-core` and `fonts-noto-cjk` put the files this crate looks for.
pub const DEFAULT_FONT_DIRS: [&str; 2] = ["/usr/share/fonts/truetype/noto", "/usr/share/fonts/opentype/noto"];

/// The files looked for, by name; the chains below index into this list.
pub const FONT_FILES: [&str; 4] =
    ["NotoSans-Regular.ttf", "NotoSansCJK-Regular.ttc", "NotoSans-Bold.ttf", "NotoSansCJK-Bold.ttc"];
const REGULAR_CHAIN: &[usize] = &[0, 1];
const BOLD_CHAIN: &[usize] = &[2, 3, 0, 1];

/// Files larger than this are read at their first use instead of at start.
const READ_AT_START_LIMIT: u64 = 4 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

/// The fonts found at start, shared by every rendering (cheap to share: faces are read once).
pub struct Fonts {
    slots: Vec<Slot>,
    dirs: Vec<PathBuf>,
}

/// One of [`FONT_FILES`]: where it was found, and its face once read.
struct Slot {
    path: Option<PathBuf>,
    face: OnceLock<Result<Face, String>>,
}

/// A font file that could not be used, for the start-up log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FontProblem {
    pub file: &'static str,
    /// "not found in /a, /b" or why the file could not be read.
    pub reason: String,
}

impl Fonts {
    /// Looks for each of [`FONT_FILES`] in `dirs`, in order, and reads those small enough to
    /// read now. Never fails: what is missing is in [`Fonts::problems`], and a document then
    /// uses the faces that are there (see [`RenderError::NoFonts`] when none is).
    pub fn load(dirs: &[PathBuf]) -> Fonts {
        let slots = FONT_FILES
            .iter()
            .map(|file| {
                let path = dirs.iter().map(|dir| dir.join(file)).find(|path| path.is_file());
                let slot = Slot { path, face: OnceLock::new() };
                if let Some(path) = &slot.path
                    && std::fs::metadata(path).is_ok_and(|m| m.len() <= READ_AT_START_LIMIT)
                {
                    let _ = slot.face.set(Face::read(path));
                }
                slot
            })
            .collect();
        Fonts { slots, dirs: dirs.to_vec() }
    }

    /// The files that are missing or could not be read, each with the reason.
    pub fn problems(&self) -> Vec<FontProblem> {
        let dirs = self.dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ");
        FONT_FILES
            .iter()
            .zip(&self.slots)
            .filter_map(|(&file, slot)| {
                let reason = match (&slot.path, slot.face.get()) {
                    (None, _) => format!("not found in {dirs}"),
                    (Some(_), Some(Err(reason))) => reason.clone(),
                    (Some(_), _) => return None,
                };
                Some(FontProblem { file, reason })
            })
            .collect()
    }

    /// Whether no font file at all was found: documents cannot be made.
    pub fn is_empty(&self) -> bool {
        self.slots.iter().all(|slot| slot.path.is_none())
    }

    /// The faces text of `weight` is set in, in the order they are tried for each character.
    pub(crate) fn chain(&self, weight: Weight) -> Result<Chain<'_>, RenderError> {
        let order = match weight {
            Weight::Regular => REGULAR_CHAIN,
            Weight::Bold => BOLD_CHAIN,
        };
        let slots: Vec<&Slot> = order.iter().map(|&i| &self.slots[i]).filter(|slot| slot.path.is_some()).collect();
        if slots.is_empty() {
            let dirs = self.dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ");
            return Err(RenderError::NoFonts { files: FONT_FILES.join(", "), dirs });
        }
        Ok(Chain { slots, mappers: Vec::new() })
    }
}

/// A weight's faces, read and opened for lookups as characters need them.
pub(crate) struct Chain<'a> {
    slots: Vec<&'a Slot>,
    mappers: Vec<Mapper<'a>>,
}

impl<'a> Chain<'a> {
    /// The glyph for `c` from the first face that has one, reading a face the first time it is
    /// asked; the first face's "missing glyph" box when none has it.
    pub(crate) fn glyph(&mut self, c: char) -> Result<(&'a krilla::text::Font, u32, f32), RenderError> {
        for i in 0..self.slots.len() {
            if i == self.mappers.len() {
                self.mappers.push(self.open(i)?);
            }
            if let Some((id, advance)) = self.mappers[i].glyph(c) {
                return Ok((self.mappers[i].font, id, advance));
            }
        }
        let first = &self.mappers[0];
        Ok((first.font, 0, first.advance(0)))
    }

    fn open(&self, i: usize) -> Result<Mapper<'a>, RenderError> {
        let slot = self.slots[i];
        let path = slot.path.as_deref().unwrap_or(Path::new(""));
        match slot.face.get_or_init(|| Face::read(path)) {
            Ok(face) => face.mapper().map_err(|reason| RenderError::Font { path: path.to_path_buf(), reason }),
            Err(reason) => Err(RenderError::Font { path: path.to_path_buf(), reason: reason.clone() }),
        }
    }
}

/// A font file's first face, read into memory once.
struct Face {
    font: krilla::text::Font,
    data: Arc<Vec<u8>>,
}

impl Face {
    fn read(path: &Path) -> Result<Face, String> {
        let data = Arc::new(std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?);
        // Index 0: the only face of a .ttf; in Noto Sans CJK's collections, the Japanese one.
        let font = krilla::text::Font::new(data.clone().into(), 0)
            .ok_or_else(|| format!("{} is not a font krilla can embed", path.display()))?;
        let face = Face { font, data };
        face.mapper()?;
        Ok(face)
    }

    fn mapper(&self) -> Result<Mapper<'_>, String> {
        let font = skrifa::FontRef::from_index(&self.data, 0).map_err(|e| format!("not a font: {e}"))?;
        let units_per_em = f32::from(font.head().map_err(|e| format!("no head table: {e}"))?.units_per_em());
        Ok(Mapper {
            charmap: font.charmap(),
            metrics: font.glyph_metrics(Size::unscaled(), LocationRef::default()),
            units_per_em,
            font: &self.font,
        })
    }
}

/// A face opened for lookups: character to glyph, glyph to advance (in ems).
struct Mapper<'a> {
    charmap: skrifa::charmap::Charmap<'a>,
    metrics: skrifa::metrics::GlyphMetrics<'a>,
    units_per_em: f32,
    font: &'a krilla::text::Font,
}

impl Mapper<'_> {
    fn glyph(&self, c: char) -> Option<(u32, f32)> {
        let id = self.charmap.map(c)?;
        Some((id.to_u32(), self.advance(id.to_u32())))
    }

    fn advance(&self, id: u32) -> f32 {
        self.metrics.advance_width(skrifa::GlyphId::new(id)).unwrap_or(0.0) / self.units_per_em
    }
}
