//! The pages as drawn by the layout, written out as a PDF by krilla.
//!
//! The layout records what each page shows (text, lines, grey boxes) in PDF's own coordinates
//! (points, origin at the bottom left) and only then hands the pages over, because the footer
//! of every page needs to know how many pages there are. krilla embeds each face used as a
//! subset holding only the glyphs drawn, with a ToUnicode map back to the characters.

use crate::error::RenderError;
use crate::fonts::Weight;
use crate::text::Line;
use krilla::color::luma;
use krilla::geom::{PathBuilder, Point};
use krilla::num::NormalizedF32;
use krilla::paint::{Fill, Stroke};

/// How a run of text looks: weight, size in points and grey level (0 = black, 1 = white).
#[derive(Clone, Copy, Debug)]
pub(crate) struct TextStyle {
    pub weight: Weight,
    pub size: f32,
    pub grey: f32,
}

/// What one page shows, in drawing order.
#[derive(Default)]
pub(crate) struct Content {
    ops: Vec<Op>,
}

enum Op {
    Text { style: TextStyle, x: f32, y: f32, line: Line },
    Line { from: (f32, f32), to: (f32, f32), width: f32, grey: f32 },
    Rect { x: f32, y: f32, width: f32, height: f32, grey: f32 },
}

impl Content {
    /// Draws `line` with its baseline starting at (`x`, `y`).
    pub(crate) fn text(&mut self, style: TextStyle, x: f32, y: f32, line: &Line) {
        if !line.text().is_empty() {
            self.ops.push(Op::Text { style, x, y, line: line.clone() });
        }
    }

    /// Strokes a straight line `width` points thick in the given grey.
    pub(crate) fn line(&mut self, from: (f32, f32), to: (f32, f32), width: f32, grey: f32) {
        self.ops.push(Op::Line { from, to, width, grey });
    }

    /// Fills the rectangle with lower-left corner (`x`, `y`) in the given grey.
    pub(crate) fn fill_rect(&mut self, x: f32, y: f32, width: f32, height: f32, grey: f32) {
        self.ops.push(Op::Rect { x, y, width, height, grey });
    }
}

/// The document information shown in a viewer's properties dialog.
pub(crate) struct Info<'a> {
    pub title: &'a str,
    pub author: &'a str,
}

/// Writes `pages` (each `width` x `height` points) as a complete PDF file.
pub(crate) fn write(pages: &[Content], width: f32, height: f32, info: &Info) -> Result<Vec<u8>, RenderError> {
    let settings = krilla::SerializeSettings {
        // Neither is read by anyone who opens an invoice; both cost bytes in every file.
        xmp_metadata: false,
        enable_tagging: false,
        ..krilla::SerializeSettings::default()
    };
    let mut document = krilla::Document::new_with(settings);
    document.set_metadata(
        krilla::metadata::Metadata::new()
            .title(info.title.to_owned())
            .authors(vec![info.author.to_owned()])
            .producer("partnerhub documents".to_owned()),
    );
    let size =
        krilla::page::PageSettings::from_wh(width, height).ok_or(RenderError::Pdf("a page of no size".into()))?;
    for page in pages {
        let mut pdf_page = document.start_page_with(size.clone());
        let mut surface = pdf_page.surface();
        for op in &page.ops {
            // krilla's y axis points down from the top of the page.
            match op {
                Op::Text { style, x, y, line } => {
                    surface.set_stroke(None);
                    surface.set_fill(Some(fill(style.grey)));
                    let mut at = *x;
                    for (font, glyphs) in line.runs() {
                        let start = Point::from_xy(at, height - y);
                        surface.draw_glyphs(start, glyphs, font.clone(), line.text(), style.size, false);
                        at += glyphs.iter().map(|g| krilla::text::Glyph::x_advance(g, style.size)).sum::<f32>();
                    }
                }
                Op::Line { from, to, width, grey } => {
                    let mut path = PathBuilder::new();
                    path.move_to(from.0, height - from.1);
                    path.line_to(to.0, height - to.1);
                    if let Some(path) = path.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke {
                            paint: colour(*grey).into(),
                            width: *width,
                            ..Stroke::default()
                        }));
                        surface.draw_path(&path);
                    }
                }
                Op::Rect { x, y, width, height: h, grey } => {
                    let mut path = PathBuilder::new();
                    if let Some(rect) = krilla::geom::Rect::from_xywh(*x, height - y - h, *width, *h) {
                        path.push_rect(rect);
                    }
                    if let Some(path) = path.finish() {
                        surface.set_stroke(None);
                        surface.set_fill(Some(fill(*grey)));
                        surface.draw_path(&path);
                    }
                }
            }
        }
        surface.finish();
        pdf_page.finish();
    }
    document.finish().map_err(|e| RenderError::Pdf(format!("{e:?}")))
}

fn colour(grey: f32) -> luma::Color {
    luma::Color::new((grey.clamp(0.0, 1.0) * 255.0).round() as u8)
}

fn fill(grey: f32) -> Fill {
    Fill { paint: colour(grey).into(), opacity: NormalizedF32::ONE, rule: Default::default() }
}
