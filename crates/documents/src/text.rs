//! From Rust strings to what a page can show: WinAnsi bytes, wrapped to a width.
//!
//! The standard fonts are used with `/WinAnsiEncoding`, the Windows-1252 code page: Latin-1 plus
//! a few typographic extras (€, dashes, curly quotes, the bullet). Anything outside it becomes
//! `?`, so a name in a script the fonts cannot show stays visibly wrong instead of silently
//! vanishing; embedding a Unicode font would fix that at a cost this crate avoids on purpose.

use crate::fonts::{self, Font};

/// Encodes `text` in WinAnsi, one byte per character.
pub fn encode(text: &str) -> Vec<u8> {
    text.chars().filter_map(encode_char).collect()
}

fn encode_char(c: char) -> Option<u8> {
    let byte = match c {
        // Line breaks are the caller's business (see `wrap`); inside one line they read as spaces.
        '\t' | '\n' | '\r' => b' ',
        ' '..='~' => c as u8,
        // A soft hyphen is invisible in Unicode, but viewers draw WinAnsi 0xAD as a hyphen.
        '\u{AD}' => return None,
        '\u{A0}'..='\u{FF}' => c as u32 as u8,
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        // Locale-formatted amounts use these (fr-FR groups digits with a narrow no-break space,
        // some formatters write U+2212 for minus); their nearest WinAnsi glyphs read the same.
        // The spaces become a no-break space so wrapping never splits "1 234,00 €".
        '\u{2007}' | '\u{2009}' | '\u{202F}' => 0xA0,
        '\u{2010}' | '\u{2011}' | '\u{2212}' => b'-',
        _ => b'?',
    };
    Some(byte)
}

/// Encodes `text` and breaks it into lines no wider than `max_width` points in `font` at `size`.
///
/// A `'\n'` always starts a new line (addresses arrive that way); otherwise lines break at
/// spaces, and a single word wider than the line is cut between characters rather than allowed
/// to run into the next column. Always returns at least one (possibly empty) line.
pub fn wrap(text: &str, font: Font, size: f32, max_width: f32) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    for paragraph in text.trim().split('\n') {
        wrap_paragraph(&encode(paragraph.trim_end()), font, size, max_width, &mut lines);
    }
    lines
}

fn wrap_paragraph(paragraph: &[u8], font: Font, size: f32, max_width: f32, lines: &mut Vec<Vec<u8>>) {
    // A hair of tolerance so a line measured at exactly the limit is not pushed over by rounding.
    let max_width = max_width + 0.01;
    let space = fonts::width(font, size, b" ");
    let mut line: Vec<u8> = Vec::new();
    let mut line_width = 0.0;
    for word in paragraph.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
        let word_width = fonts::width(font, size, word);
        if !line.is_empty() && line_width + space + word_width <= max_width {
            line.push(b' ');
            line.extend_from_slice(word);
            line_width += space + word_width;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            line_width = 0.0;
        }
        if word_width <= max_width {
            line.extend_from_slice(word);
            line_width = word_width;
            continue;
        }
        for &byte in word {
            let glyph = fonts::width(font, size, &[byte]);
            if !line.is_empty() && line_width + glyph > max_width {
                lines.push(std::mem::take(&mut line));
                line_width = 0.0;
            }
            line.push(byte);
            line_width += glyph;
        }
    }
    lines.push(line);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_and_latin1_pass_through_unchanged() {
        assert_eq!(encode("Net 475.00 USD"), b"Net 475.00 USD");
        assert_eq!(encode("Café Zürich ß"), b"Caf\xE9 Z\xFCrich \xDF");
    }

    #[test]
    fn winansi_extras_map_to_their_code_points() {
        assert_eq!(encode("€"), [0x80]);
        assert_eq!(encode("•"), [0x95]);
        assert_eq!(encode("15 Mar 2027 – 15 Mar 2028"), b"15 Mar 2027 \x96 15 Mar 2028");
        assert_eq!(encode("“Ada’s”—™"), [0x93, b'A', b'd', b'a', 0x92, b's', 0x94, 0x97, 0x99]);
    }

    #[test]
    fn characters_outside_winansi_become_question_marks() {
        assert_eq!(encode("東京"), b"??");
        assert_eq!(encode("ok 🚀"), b"ok ?");
        assert_eq!(encode("bell\u{7}"), b"bell?");
        assert_eq!(encode("\u{85}"), b"?", "C1 controls are not Latin-1 text");
    }

    #[test]
    fn locale_number_punctuation_keeps_its_meaning() {
        assert_eq!(encode("\u{2212}1\u{202F}234,00\u{A0}€"), b"-1\xA0234,00\xA0\x80");
        assert_eq!(encode("co\u{AD}operate"), b"cooperate");
    }

    #[test]
    fn wrap_breaks_at_spaces_within_the_width() {
        let text = "Action Pack subscription with the full set of internal use rights";
        let lines = wrap(text, Font::Regular, 10.0, 120.0);
        assert!(lines.len() > 1, "{lines:?}");
        for line in &lines {
            assert!(fonts::width(Font::Regular, 10.0, line) <= 120.01, "{}", String::from_utf8_lossy(line));
        }
        assert_eq!(lines.join(&b' '), text.as_bytes());
    }

    #[test]
    fn wrap_keeps_explicit_line_breaks_and_drops_outer_blank_lines() {
        let lines = wrap("\n1 Contoso Way\r\nRedmond, WA 98052\n", Font::Regular, 9.0, 500.0);
        assert_eq!(lines, vec![b"1 Contoso Way".to_vec(), b"Redmond, WA 98052".to_vec()]);
        assert_eq!(wrap("", Font::Regular, 9.0, 500.0), vec![Vec::<u8>::new()]);
    }

    #[test]
    fn a_word_longer_than_the_line_is_cut_between_characters() {
        let lines = wrap(&"W".repeat(30), Font::Bold, 10.0, 50.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| !l.is_empty() && fonts::width(Font::Bold, 10.0, l) <= 50.01));
        assert_eq!(lines.concat().len(), 30);
    }
}
