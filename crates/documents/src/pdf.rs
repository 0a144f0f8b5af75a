//! A minimal PDF 1.4 writer: just enough of the format for a printed business document.
//!
//! It knows numbered objects, uncompressed content streams, the cross-reference table, the
//! trailer and the two standard fonts of `fonts.rs`; a page is drawn with text (`BT … Tj ET`),
//! stroked lines (`m l S`) and filled rectangles (`re f`). No compression, images, embedded
//! fonts or incremental updates: an invoice needs none of them, and leaving them out keeps the
//! crate dependency-free and the output readable when a test or a person looks inside.

use crate::fonts::Font;

/// How a run of text looks: font, size in points and grey level (0 = black, 1 = white).
#[derive(Clone, Copy, Debug)]
pub struct TextStyle {
    pub font: Font,
    pub size: f32,
    pub grey: f32,
}

/// The drawing operators of one page, in PDF user space (points, origin at the bottom left).
#[derive(Default)]
pub struct Content {
    ops: Vec<u8>,
}

impl Content {
    /// Draws WinAnsi-encoded `text` with its baseline starting at (`x`, `y`).
    pub fn text(&mut self, style: TextStyle, x: f32, y: f32, text: &[u8]) {
        if text.is_empty() {
            return;
        }
        self.push(&format!(
            "BT /{} {} Tf {} g {} {} Td ",
            style.font.resource_name(),
            num(style.size),
            num(style.grey),
            num(x),
            num(y)
        ));
        self.ops.extend_from_slice(&literal_string(text));
        self.push(" Tj ET\n");
    }

    /// Strokes a straight line `width` points thick in the given grey.
    pub fn line(&mut self, from: (f32, f32), to: (f32, f32), width: f32, grey: f32) {
        // q…Q keeps the line settings from leaking into whatever is drawn next.
        self.push(&format!(
            "q {} w {} G {} {} m {} {} l S Q\n",
            num(width),
            num(grey),
            num(from.0),
            num(from.1),
            num(to.0),
            num(to.1)
        ));
    }

    /// Fills the rectangle with lower-left corner (`x`, `y`) in the given grey.
    pub fn fill_rect(&mut self, x: f32, y: f32, width: f32, height: f32, grey: f32) {
        self.push(&format!("q {} g {} {} {} {} re f Q\n", num(grey), num(x), num(y), num(width), num(height)));
    }

    fn push(&mut self, ops: &str) {
        self.ops.extend_from_slice(ops.as_bytes());
    }
}

/// The document information shown in a viewer's properties dialog.
pub struct Info<'a> {
    pub title: &'a str,
    pub author: &'a str,
}

/// Serialises `pages` (each `width` x `height` points) into a complete PDF file.
pub fn write(pages: &[Content], width: f32, height: f32, info: &Info) -> Vec<u8> {
    let mut objects = Objects::default();
    let catalog = objects.add(Vec::new());
    let page_tree = objects.add(Vec::new());
    let fonts: Vec<(Font, usize)> = Font::ALL
        .iter()
        .map(|&font| {
            let dict =
                format!("<< /Type /Font /Subtype /Type1 /BaseFont /{} /Encoding /WinAnsiEncoding >>", font.base_font());
            (font, objects.add(dict.into_bytes()))
        })
        .collect();
    let font_refs: String = fonts.iter().map(|(font, id)| format!("/{} {id} 0 R ", font.resource_name())).collect();
    let info_dict = format!(
        "<< /Title {} /Author {} /Producer {} >>",
        text_string(info.title),
        text_string(info.author),
        text_string("partnerhub documents")
    );
    let info_id = objects.add(info_dict.into_bytes());

    // A PDF must have at least one page; an empty slice still yields a (blank) valid file.
    let blank = [Content::default()];
    let pages = if pages.is_empty() { &blank[..] } else { pages };
    let mut kids = Vec::with_capacity(pages.len());
    for page in pages {
        let contents = objects.add(stream(&page.ops));
        let dict = format!(
            "<< /Type /Page /Parent {page_tree} 0 R /MediaBox [0 0 {} {}] /Resources << /Font << {font_refs}>> >> \
             /Contents {contents} 0 R >>",
            num(width),
            num(height)
        );
        kids.push(objects.add(dict.into_bytes()));
    }
    let kid_refs: Vec<String> = kids.iter().map(|id| format!("{id} 0 R")).collect();
    objects.set(page_tree, format!("<< /Type /Pages /Kids [{}] /Count {} >>", kid_refs.join(" "), kids.len()));
    objects.set(catalog, format!("<< /Type /Catalog /Pages {page_tree} 0 R >>"));
    objects.serialize(catalog, info_id)
}

/// The body of every indirect object, numbered from 1 in the order they were added.
#[derive(Default)]
struct Objects {
    bodies: Vec<Vec<u8>>,
}

impl Objects {
    /// Adds an object and returns its number. Objects that refer to later ones (the catalog,
    /// the page tree) are added empty first and filled in with `set`.
    fn add(&mut self, body: Vec<u8>) -> usize {
        self.bodies.push(body);
        self.bodies.len()
    }

    fn set(&mut self, id: usize, body: String) {
        self.bodies[id - 1] = body.into_bytes();
    }

    fn serialize(self, root: usize, info: usize) -> Vec<u8> {
        // The second line's high bytes tell transfer tools the file is binary (PDF spec 7.5.2).
        let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
        let mut offsets = Vec::with_capacity(self.bodies.len());
        for (index, body) in self.bodies.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", index + 1).as_bytes());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref_offset = out.len();
        let size = self.bodies.len() + 1;
        // Every xref entry is exactly 20 bytes, hence the two-character "space newline" ending.
        let mut xref = format!("xref\n0 {size}\n0000000000 65535 f \n");
        for offset in offsets {
            xref.push_str(&format!("{offset:010} 00000 n \n"));
        }
        out.extend_from_slice(xref.as_bytes());
        // The file ends at the marker itself, with no line break after it.
        let trailer =
            format!("trailer\n<< /Size {size} /Root {root} 0 R /Info {info} 0 R >>\nstartxref\n{xref_offset}\n%%EOF");
        out.extend_from_slice(trailer.as_bytes());
        out
    }
}

fn stream(data: &[u8]) -> Vec<u8> {
    let mut body = format!("<< /Length {} >>\nstream\n", data.len()).into_bytes();
    body.extend_from_slice(data);
    body.extend_from_slice(b"\nendstream");
    body
}

/// A literal string `( … )` for a content stream, bytes already in the font's encoding.
pub fn literal_string(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 2);
    out.push(b'(');
    for &byte in text {
        match byte {
            b'(' | b')' | b'\\' => out.extend_from_slice(&[b'\\', byte]),
            // A raw CR or LF inside a string is read back as a line feed; spell control bytes out.
            0..=0x1F => out.extend_from_slice(format!("\\{byte:03o}").as_bytes()),
            _ => out.push(byte),
        }
    }
    out.push(b')');
    out
}

/// A text string outside content streams (document info): UTF-16BE with a byte-order mark, so
/// any Unicode title survives, unlike the WinAnsi text on the page.
fn text_string(text: &str) -> String {
    let mut hex = String::from("<FEFF");
    for unit in text.encode_utf16() {
        hex.push_str(&format!("{unit:04X}"));
    }
    hex.push('>');
    hex
}

/// A coordinate or size as PDF wants it: plain decimal, at most two places, no "-0".
fn num(value: f32) -> String {
    let fixed = format!("{value:.2}");
    let trimmed = fixed.trim_end_matches('0').trim_end_matches('.');
    match trimmed {
        "-0" | "" => "0".to_owned(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_strings_escape_parentheses_and_backslashes() {
        assert_eq!(literal_string(b"Setup (one-off) \\ fee"), b"(Setup \\(one-off\\) \\\\ fee)");
        assert_eq!(literal_string(b"a\rb"), b"(a\\015b)");
        assert_eq!(literal_string(&[0x80, 0x95]), [b'(', 0x80, 0x95, b')']);
    }

    #[test]
    fn numbers_are_short_plain_decimals() {
        assert_eq!(num(595.0), "595");
        assert_eq!(num(13.2), "13.2");
        assert_eq!(num(0.925), "0.93");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(-12.5), "-12.5");
    }

    #[test]
    fn info_strings_are_utf16_with_a_byte_order_mark() {
        assert_eq!(text_string("Ré €"), "<FEFF005200E9002020AC>");
    }

    #[test]
    fn stream_length_counts_exactly_the_data() {
        let body = stream(b"BT ET");
        assert!(body.starts_with(b"<< /Length 5 >>\nstream\nBT ET\nendstream"));
    }

    #[test]
    fn text_operators_select_font_colour_and_position() {
        let mut page = Content::default();
        let style = TextStyle { font: Font::Bold, size: 9.0, grey: 0.4 };
        page.text(style, 50.0, 700.5, b"Total");
        assert_eq!(page.ops, b"BT /F2 9 Tf 0.4 g 50 700.5 Td (Total) Tj ET\n");
    }
}
