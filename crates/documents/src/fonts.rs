//! The two fonts the documents use, Helvetica and Helvetica-Bold, and their glyph widths.
//!
//! Both are among the PDF "standard 14" fonts: every viewer has them, so we reference them by
//! name and embed nothing. A viewer still lays the glyphs out with the font's own metrics, so to
//! right-align an amount or wrap a description we need the same widths here. The tables hold the
//! advance widths from Adobe's AFM files (units of 1/1000 em), indexed by WinAnsi byte from 0x20
//! (space) to 0xFF, which is exactly the range `text::encode` produces.

/// A font available on every page, with the resource name the content streams use for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Font {
    Regular,
    Bold,
}

impl Font {
    /// Every font, in the order the writer emits their dictionaries.
    pub const ALL: [Font; 2] = [Font::Regular, Font::Bold];

    /// The name a content stream uses in `Tf`; the page resources map it to the font object.
    pub fn resource_name(self) -> &'static str {
        match self {
            Font::Regular => "F1",
            Font::Bold => "F2",
        }
    }

    /// The PostScript name of the standard font.
    pub fn base_font(self) -> &'static str {
        match self {
            Font::Regular => "Helvetica",
            Font::Bold => "Helvetica-Bold",
        }
    }

    fn widths(self) -> &'static [u16; 224] {
        match self {
            Font::Regular => &HELVETICA,
            Font::Bold => &HELVETICA_BOLD,
        }
    }
}

/// Width in points of WinAnsi-encoded `text` set in `font` at `size` points.
pub fn width(font: Font, size: f32, text: &[u8]) -> f32 {
    let units: u32 = text.iter().map(|&b| glyph_width(font, b) as u32).sum();
    units as f32 * size / 1000.0
}

/// Advance width of one WinAnsi byte in 1/1000 em. Control bytes never reach the page (the
/// encoder replaces them), so they count as zero.
pub fn glyph_width(font: Font, byte: u8) -> u16 {
    match byte {
        0x20.. => font.widths()[(byte - 0x20) as usize],
        _ => 0,
    }
}

// The codes WinAnsi leaves unassigned (0x7F, 0x81, 0x8D, 0x8F, 0x90, 0x9D) show a bullet in
// viewers, so they carry the bullet's width; the encoder never emits them anyway.
#[rustfmt::skip]
const HELVETICA: [u16; 224] = [
    // 0x20 space ! " # $ % & ' ( ) * + , - . /
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    // 0x30 digits : ; < = > ?
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    // 0x40 @ A-O
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    // 0x50 P-Z [ \ ] ^ _
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    // 0x60 ` a-o
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    // 0x70 p-z { | } ~ (unused)
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 350,
    // 0x80 € (unused) ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ (unused) Ž (unused)
    556, 350, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350,
    // 0x90 (unused) ‘ ’ “ ” • – — ˜ ™ š › œ (unused) ž Ÿ
    350, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 350, 500, 667,
    // 0xA0 nbsp ¡ ¢ £ ¤ ¥ ¦ § ¨ © ª « ¬ soft-hyphen ® ¯
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    // 0xB0 ° ± ² ³ ´ µ ¶ · ¸ ¹ º » ¼ ½ ¾ ¿
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    // 0xC0 À-Å Æ Ç È-Ë Ì-Ï
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    // 0xD0 Ð Ñ Ò-Ö × Ø Ù-Ü Ý Þ ß
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    // 0xE0 à-å æ ç è-ë ì-ï
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278,
    // 0xF0 ð ñ ò-ö ÷ ø ù-ü ý þ ÿ
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
];

#[rustfmt::skip]
const HELVETICA_BOLD: [u16; 224] = [
    // 0x20 space ! " # $ % & ' ( ) * + , - . /
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
    // 0x30 digits : ; < = > ?
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
    // 0x40 @ A-O
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
    // 0x50 P-Z [ \ ] ^ _
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
    // 0x60 ` a-o
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    // 0x70 p-z { | } ~ (unused)
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 350,
    // 0x80 € (unused) ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ (unused) Ž (unused)
    556, 350, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350,
    // 0x90 (unused) ‘ ’ “ ” • – — ˜ ™ š › œ (unused) ž Ÿ
    350, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 350, 500, 667,
    // 0xA0 nbsp ¡ ¢ £ ¤ ¥ ¦ § ¨ © ª « ¬ soft-hyphen ® ¯
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    // 0xB0 ° ± ² ³ ´ µ ¶ · ¸ ¹ º » ¼ ½ ¾ ¿
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    // 0xC0 À-Å Æ Ç È-Ë Ì-Ï
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    // 0xD0 Ð Ñ Ò-Ö × Ø Ù-Ü Ý Þ ß
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    // 0xE0 à-å æ ç è-ë ì-ï
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278,
    // 0xF0 ð ñ ò-ö ÷ ø ù-ü ý þ ÿ
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_match_the_afm_metrics_for_familiar_glyphs() {
        assert_eq!(glyph_width(Font::Regular, b' '), 278);
        assert_eq!(glyph_width(Font::Regular, b'0'), 556);
        assert_eq!(glyph_width(Font::Regular, b'W'), 944);
        assert_eq!(glyph_width(Font::Regular, b'i'), 222);
        assert_eq!(glyph_width(Font::Bold, b'i'), 278);
        assert_eq!(glyph_width(Font::Bold, b'm'), 889);
        assert_eq!(glyph_width(Font::Regular, 0x80), 556, "euro");
        assert_eq!(glyph_width(Font::Regular, 0x95), 350, "bullet");
        assert_eq!(glyph_width(Font::Bold, 0xE9), 556, "e acute");
    }

    #[test]
    fn digits_are_tabular_so_amounts_line_up() {
        for font in Font::ALL {
            let widths: Vec<u16> = (b'0'..=b'9').map(|d| glyph_width(font, d)).collect();
            assert!(widths.iter().all(|&w| w == 556), "{font:?}: {widths:?}");
        }
    }

    #[test]
    fn text_width_scales_with_size() {
        // "475.00" = five digits (556) and a period (278) = 3058 units.
        assert!((width(Font::Regular, 10.0, b"475.00") - 30.58).abs() < 1e-3);
        assert!((width(Font::Bold, 20.0, b"475.00") - 61.16).abs() < 1e-3);
    }
}
