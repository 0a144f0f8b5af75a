//! From Rust strings to lines a page can show: each character's glyph from the first face of
//! its weight that has it (see `fonts.rs`), and lines wrapped to a width.
//!
//! One glyph per character, placed by its advance: no shaping, which the scripts an invoice
//! prints (Latin, Greek, Cyrillic, CJK) read fine without; kerning is the only loss.

use crate::error::RenderError;
use crate::fonts::{Fonts, Weight};
use std::ops::Range;

/// One character's glyph. `range` is where the character sits in its line's text: krilla
/// writes it into the font's ToUnicode map, so copied or extracted text reads as written.
#[derive(Clone)]
pub(crate) struct Glyph {
    font: krilla::text::Font,
    id: u32,
    /// In ems.
    advance: f32,
    range: Range<usize>,
}

impl krilla::text::Glyph for Glyph {
    fn glyph_id(&self) -> krilla::text::GlyphId {
        krilla::text::GlyphId::new(self.id)
    }

    fn text_range(&self) -> Range<usize> {
        self.range.clone()
    }

    fn x_advance(&self, size: f32) -> f32 {
        self.advance * size
    }

    fn x_offset(&self, _size: f32) -> f32 {
        0.0
    }

    fn y_offset(&self, _size: f32) -> f32 {
        0.0
    }

    fn y_advance(&self, _size: f32) -> f32 {
        0.0
    }

    fn location(&self) -> Option<krilla::surface::Location> {
        None
    }
}

/// A line of text set in glyphs.
#[derive(Clone, Default)]
pub(crate) struct Line {
    text: String,
    glyphs: Vec<Glyph>,
}

impl Line {
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    pub(crate) fn width(&self, size: f32) -> f32 {
        advance(&self.glyphs) * size
    }

    /// The glyphs in runs of one face each, as krilla draws them.
    pub(crate) fn runs(&self) -> impl Iterator<Item = (&krilla::text::Font, &[Glyph])> {
        self.glyphs.chunk_by(|a, b| a.font == b.font).map(|run| (&run[0].font, run))
    }

    fn is_empty(&self) -> bool {
        self.glyphs.is_empty()
    }

    /// Appends `glyphs`, taken from a line whose text is `from`.
    fn extend(&mut self, glyphs: &[Glyph], from: &str) {
        for glyph in glyphs {
            let start = self.text.len();
            self.text.push_str(&from[glyph.range.clone()]);
            self.glyphs.push(Glyph { range: start..self.text.len(), ..glyph.clone() });
        }
    }
}

fn advance(glyphs: &[Glyph]) -> f32 {
    glyphs.iter().map(|glyph| glyph.advance).sum()
}

/// Sets `text` as one line in the faces of `weight`. Line breaks and tabs read as spaces
/// (breaking lines is [`wrap`]'s business); other control characters and the invisible soft
/// hyphen are left out.
pub(crate) fn shape(fonts: &Fonts, weight: Weight, text: &str) -> Result<Line, RenderError> {
    let mut chain = fonts.chain(weight)?;
    let mut line = Line::default();
    for c in text.chars() {
        let c = match c {
            '\t' | '\n' | '\r' => ' ',
            '\u{AD}' => continue,
            c if c.is_control() => continue,
            c => c,
        };
        let (font, id, advance) = chain.glyph(c)?;
        let start = line.text.len();
        line.text.push(c);
        line.glyphs.push(Glyph { font: font.clone(), id, advance, range: start..line.text.len() });
    }
    Ok(line)
}

/// Sets `text` and breaks it into lines no wider than `max_width` points at `size`.
///
/// A `'\n'` always starts a new line (addresses arrive that way); otherwise lines break at
/// spaces, and a word wider than the line (or a run of CJK, which has no spaces) is cut between
/// characters rather than allowed to run into the next column. Always returns at least one
/// (possibly empty) line.
pub(crate) fn wrap(
    fonts: &Fonts,
    weight: Weight,
    size: f32,
    text: &str,
    max_width: f32,
) -> Result<Vec<Line>, RenderError> {
    let mut lines = Vec::new();
    for paragraph in text.trim().split('\n') {
        wrap_paragraph(&shape(fonts, weight, paragraph.trim_end())?, size, max_width, &mut lines);
    }
    Ok(lines)
}

fn wrap_paragraph(paragraph: &Line, size: f32, max_width: f32, lines: &mut Vec<Line>) {
    // A hair of tolerance so a line measured at exactly the limit is not pushed over by rounding.
    let max_width = max_width + 0.01;
    let from = paragraph.text.as_str();
    let is_space = |glyph: &Glyph| &from[glyph.range.clone()] == " ";
    let space = paragraph.glyphs.iter().position(is_space).map(|at| &paragraph.glyphs[at..=at]);
    let space_width = space.map_or(0.0, |space| advance(space) * size);
    let mut line = Line::default();
    let mut line_width = 0.0;
    for word in paragraph.glyphs.split(is_space).filter(|word| !word.is_empty()) {
        let word_width = advance(word) * size;
        if let Some(space) = space
            && !line.is_empty()
            && line_width + space_width + word_width <= max_width
        {
            line.extend(space, from);
            line.extend(word, from);
            line_width += space_width + word_width;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            line_width = 0.0;
        }
        if word_width <= max_width {
            line.extend(word, from);
            line_width = word_width;
            continue;
        }
        for glyph in word.chunks(1) {
            let glyph_width = advance(glyph) * size;
            if !line.is_empty() && line_width + glyph_width > max_width {
                lines.push(std::mem::take(&mut line));
                line_width = 0.0;
            }
            line.extend(glyph, from);
            line_width += glyph_width;
        }
    }
    lines.push(line);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn fonts() -> Fonts {
        let fonts = Fonts::load(&crate::DEFAULT_FONT_DIRS.map(PathBuf::from));
        assert_eq!(fonts.problems(), [], "install fonts-noto-core and fonts-noto-cjk (scripts/test does)");
        fonts
    }

    fn texts(lines: &[Line]) -> Vec<&str> {
        lines.iter().map(Line::text).collect()
    }

    #[test]
    fn each_character_takes_the_first_face_that_has_it() {
        let fonts = fonts();
        let line = shape(&fonts, Weight::Regular, "Ação Ωμέγα Щука 株式会社").unwrap();
        assert_eq!(line.text(), "Ação Ωμέγα Щука 株式会社");
        assert!(line.glyphs.iter().all(|glyph| glyph.id != 0), "every character has a glyph");
        // Latin, Greek and Cyrillic in Noto Sans, then the CJK face for the last four.
        let runs: Vec<usize> = line.runs().map(|(_, glyphs)| glyphs.len()).collect();
        assert_eq!(runs, [16, 4]);
    }

    #[test]
    fn controls_and_soft_hyphens_leave_no_glyph_behind() {
        let fonts = fonts();
        assert_eq!(shape(&fonts, Weight::Bold, "co\u{AD}operate\tnow\u{7}").unwrap().text(), "cooperate now");
    }

    #[test]
    fn a_character_no_face_has_shows_the_missing_glyph_box_but_keeps_its_text() {
        let fonts = fonts();
        let line = shape(&fonts, Weight::Regular, "ok \u{10FFFD}").unwrap();
        assert_eq!(line.text(), "ok \u{10FFFD}");
        assert_eq!(line.glyphs.last().map(|glyph| glyph.id), Some(0));
    }

    #[test]
    fn wrap_breaks_at_spaces_within_the_width() {
        let fonts = fonts();
        let text = "Action Pack subscription with the full set of internal use rights";
        let lines = wrap(&fonts, Weight::Regular, 10.0, text, 120.0).unwrap();
        assert!(lines.len() > 1, "{:?}", texts(&lines));
        assert!(lines.iter().all(|line| line.width(10.0) <= 120.01), "{:?}", texts(&lines));
        assert_eq!(texts(&lines).join(" "), text);
    }

    #[test]
    fn wrap_keeps_explicit_line_breaks_and_drops_outer_blank_lines() {
        let fonts = fonts();
        let lines = wrap(&fonts, Weight::Regular, 9.0, "\n1 Contoso Way\r\nRedmond, WA 98052\n", 500.0).unwrap();
        assert_eq!(texts(&lines), ["1 Contoso Way", "Redmond, WA 98052"]);
        assert_eq!(texts(&wrap(&fonts, Weight::Regular, 9.0, "", 500.0).unwrap()), [""]);
    }

    #[test]
    fn text_without_spaces_is_cut_between_characters() {
        let fonts = fonts();
        for text in ["W".repeat(30), "株式会社テスト".repeat(4)] {
            let lines = wrap(&fonts, Weight::Bold, 10.0, &text, 50.0).unwrap();
            assert!(lines.len() > 1);
            assert!(lines.iter().all(|line| !line.is_empty() && line.width(10.0) <= 50.01));
            assert_eq!(texts(&lines).concat(), text);
        }
    }
}
