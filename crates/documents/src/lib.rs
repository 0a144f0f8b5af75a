//! Invoice and credit-note PDFs.
//!
//! The caller hands over an [`InvoiceDocument`] with every value already formatted (amounts,
//! dates, the tax label) and the fixed captions in the reader's language ([`Captions`]), so the
//! money and date rules stay in `domain` and `app` and the words with whoever translates them;
//! this crate only lays the strings out on A4 pages. The text is set in the [`Fonts`] found at
//! start, embedded as subsets, so any name prints as written.
//!
//! `fonts.rs` finds and reads the fonts, `text.rs` turns strings into glyphs and wraps them,
//! `pdf.rs` hands the pages to krilla, `error.rs` says why a document could not be made; this
//! file decides where things go.

mod error;
mod fonts;
mod pdf;
mod text;

pub use error::RenderError;
pub use fonts::{DEFAULT_FONT_DIRS, FONT_FILES, FontProblem, Fonts, Weight};
use pdf::{Content, TextStyle};
use text::{Line, shape, wrap};

/// A document ready to print: every value already formatted by the caller.
pub struct InvoiceDocument {
    /// "Invoice" or "Credit note".
    pub title: String,
    /// "INV-2027-000001".
    pub number: String,
    /// "15 March 2027".
    pub issue_date: String,
    pub seller_name: String,
    /// Multi-line, '\n' separated.
    pub seller_address: String,
    pub buyer_name: String,
    /// e.g. ["Partner ID 1234567", "United States", "Billing: ada@contoso.example"].
    pub buyer_lines: Vec<String>,
    pub lines: Vec<DocumentLine>,
    /// "475.00 USD".
    pub net: String,
    /// "Tax (20%)".
    pub tax_label: String,
    pub tax: String,
    pub total: String,
    /// e.g. ["Paid by Visa •••• 4242 on 15 March 2027", "Refers to invoice INV-2027-000001"].
    pub notes: Vec<String>,
    /// The fixed words of the page, in the reader's language.
    pub captions: Captions,
}

/// One row of the document's table.
pub struct DocumentLine {
    /// "Action Pack subscription".
    pub description: String,
    /// "15 Mar 2027 – 15 Mar 2028" (may be empty).
    pub period: String,
    /// "1".
    pub quantity: String,
    /// "475.00".
    pub unit_price: String,
    /// "475.00".
    pub amount: String,
}

/// The words every document prints whatever it says, in the reader's language.
pub struct Captions {
    /// "Bill to" (printed in capitals, as a small heading).
    pub bill_to: String,
    /// "Number", beside the document's number.
    pub number: String,
    /// "Issue date".
    pub issue_date: String,
    /// The table's column headings: "Description", "Period", "Qty", "Unit price", "Amount".
    pub description: String,
    pub period: String,
    pub quantity: String,
    pub unit_price: String,
    pub amount: String,
    /// "Net" and "Total" beside the sums.
    pub net: String,
    pub total: String,
    /// Each page's footer, "Page 1 of 2", from the page's number (from 1) and the count.
    pub page_of: Box<dyn Fn(usize, usize) -> String + Send + Sync>,
}

impl Captions {
    /// The words of an English document, for the sample and the tests; the server fills each
    /// caption from its message files in the document's language.
    pub fn english() -> Captions {
        Captions {
            bill_to: "Bill to".into(),
            number: "Number".into(),
            issue_date: "Issue date".into(),
            description: "Description".into(),
            period: "Period".into(),
            quantity: "Qty".into(),
            unit_price: "Unit price".into(),
            amount: "Amount".into(),
            net: "Net".into(),
            total: "Total".into(),
            page_of: Box::new(|page, count| format!("Page {page} of {count}")),
        }
    }
}

/// Renders the document as a complete PDF file, on as many A4 pages as its lines need.
pub fn render_pdf(fonts: &Fonts, doc: &InvoiceDocument) -> Result<Vec<u8>, RenderError> {
    let mut layout = Layout::new(fonts, doc);
    layout.header()?;
    layout.bill_to()?;
    layout.table()?;
    layout.totals()?;
    layout.notes()?;
    let pages = layout.finish()?;
    let title = format!("{} {}", doc.title, doc.number);
    pdf::write(&pages, PAGE_WIDTH, PAGE_HEIGHT, &pdf::Info { title: &title, author: &doc.seller_name })
}

// A4 in points, with the margins every block aligns to.
const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const LEFT: f32 = 50.0;
const RIGHT: f32 = PAGE_WIDTH - 50.0;
const TOP: f32 = PAGE_HEIGHT - 50.0;
/// Content stays above this line; the footer lives below it.
const BOTTOM: f32 = 72.0;
const FOOTER_RULE: f32 = 54.0;
const FOOTER_BASELINE: f32 = 40.0;

// Near-black rather than black reads softer on screen and prints the same.
const INK: f32 = 0.12;
const MUTED_INK: f32 = 0.42;
const RULE_GREY: f32 = 0.8;
const HEADER_FILL: f32 = 0.93;

const TITLE: TextStyle = TextStyle { weight: Weight::Bold, size: 22.0, grey: INK };
const SELLER: TextStyle = TextStyle { weight: Weight::Bold, size: 12.0, grey: INK };
const BODY: TextStyle = TextStyle { weight: Weight::Regular, size: 9.0, grey: INK };
const STRONG: TextStyle = TextStyle { weight: Weight::Bold, size: 9.0, grey: INK };
const MUTED: TextStyle = TextStyle { weight: Weight::Regular, size: 9.0, grey: MUTED_INK };
const CAPTION: TextStyle = TextStyle { weight: Weight::Bold, size: 7.5, grey: MUTED_INK };
const COLUMN_HEAD: TextStyle = TextStyle { weight: Weight::Bold, size: 8.0, grey: 0.3 };
const TOTAL: TextStyle = TextStyle { weight: Weight::Bold, size: 10.5, grey: INK };
const FOOTER: TextStyle = TextStyle { weight: Weight::Regular, size: 7.5, grey: 0.5 };

/// Vertical distance between the baselines of two lines of 9-point text.
const LEADING: f32 = 12.5;
/// The seller's address can be long, but the header must leave room for the table.
const MAX_ADDRESS_LINES: usize = 8;

// The table: amounts and quantities right-aligned at fixed right edges so digits line up, the
// period (when any line has one) next to the description, which takes the remaining width.
const COLUMN_GAP: f32 = 12.0;
const AMOUNT_WIDTH: f32 = 75.0;
const UNIT_PRICE_WIDTH: f32 = 65.0;
const QUANTITY_WIDTH: f32 = 30.0;
const PERIOD_WIDTH: f32 = 115.0;
const HEAD_HEIGHT: f32 = 20.0;
const ROW_PADDING: f32 = 5.0;
/// The grey header band and row rules reach a little past the text, so the text itself lines
/// up with the margins like every other block.
const TABLE_BLEED: f32 = 6.0;
/// A row this short moves whole to the next page rather than splitting; longer rows split.
const KEEP_ROW_TOGETHER: usize = 8;

#[derive(Clone, Copy)]
enum Align {
    Left,
    Right,
}

/// Draws one line of text with its baseline at `baseline`; `x` is the left edge, or the right
/// edge for right-aligned text (measured with the font's real glyph widths).
fn draw(page: &mut Content, style: TextStyle, x: f32, baseline: f32, align: Align, line: &Line) {
    let x = match align {
        Align::Left => x,
        Align::Right => x - width_of(style, line),
    };
    page.text(style, x, baseline, line);
}

fn width_of(style: TextStyle, line: &Line) -> f32 {
    line.width(style.size)
}

fn widest(widths: impl Iterator<Item = f32>) -> f32 {
    widths.fold(0.0, f32::max)
}

/// Where a line of text sits inside a slot `leading` tall whose top is `top`: a quarter of the
/// slot below the baseline leaves room for descenders and centres the glyphs optically.
fn baseline(top: f32, leading: f32) -> f32 {
    top - leading * 0.75
}

/// The x positions of the table's columns.
struct Columns {
    description_width: f32,
    /// Left edge of the period column, when any line has a period.
    period_left: Option<f32>,
    quantity_right: f32,
    unit_price_right: f32,
}

impl Columns {
    fn new(with_period: bool) -> Self {
        let unit_price_right = RIGHT - AMOUNT_WIDTH - COLUMN_GAP;
        let quantity_right = unit_price_right - UNIT_PRICE_WIDTH - COLUMN_GAP;
        let numbers_left = quantity_right - QUANTITY_WIDTH;
        let period_left = with_period.then_some(numbers_left - COLUMN_GAP - PERIOD_WIDTH);
        let description_right = period_left.unwrap_or(numbers_left) - COLUMN_GAP;
        Columns { description_width: description_right - LEFT, period_left, quantity_right, unit_price_right }
    }
}

/// The pages drawn so far and the cursor: `y` is the top of the free space on the current page.
struct Layout<'a> {
    fonts: &'a Fonts,
    doc: &'a InvoiceDocument,
    done: Vec<Content>,
    page: Content,
    y: f32,
}

impl<'a> Layout<'a> {
    fn new(fonts: &'a Fonts, doc: &'a InvoiceDocument) -> Self {
        Layout { fonts, doc, done: Vec::new(), page: Content::default(), y: TOP }
    }

    /// `text` as one line in `style`'s weight.
    fn line(&self, style: TextStyle, text: &str) -> Result<Line, RenderError> {
        shape(self.fonts, style.weight, text)
    }

    /// `text` wrapped to `width` in `style`.
    fn wrap(&self, style: TextStyle, text: &str, width: f32) -> Result<Vec<Line>, RenderError> {
        wrap(self.fonts, style.weight, style.size, text, width)
    }

    fn room(&self) -> f32 {
        self.y - BOTTOM
    }

    /// Starts a new page with a one-line reminder of which document it belongs to.
    fn break_page(&mut self) -> Result<(), RenderError> {
        self.done.push(std::mem::take(&mut self.page));
        let heading = self.line(STRONG, &format!("{} {}", self.doc.title, self.doc.number))?;
        let date = self.line(MUTED, &self.doc.issue_date)?;
        let at = baseline(TOP, LEADING);
        draw(&mut self.page, STRONG, LEFT, at, Align::Left, &heading);
        draw(&mut self.page, MUTED, RIGHT, at, Align::Right, &date);
        self.y = TOP - LEADING - 20.0;
        Ok(())
    }

    /// Draws `lines` one under the other at the cursor, continuing on a new page when full.
    fn flow(&mut self, lines: &[Line], style: TextStyle, leading: f32) -> Result<(), RenderError> {
        for line in lines {
            if self.room() < leading {
                self.break_page()?;
            }
            draw(&mut self.page, style, LEFT, baseline(self.y, leading), Align::Left, line);
            self.y -= leading;
        }
        Ok(())
    }

    /// Seller on the left; title, number and date on the right.
    fn header(&mut self) -> Result<(), RenderError> {
        let doc = self.doc;
        let half = (RIGHT - LEFT) / 2.0;

        let mut left = self.y;
        for line in self.wrap(SELLER, &doc.seller_name, half)? {
            draw(&mut self.page, SELLER, LEFT, baseline(left, 16.0), Align::Left, &line);
            left -= 16.0;
        }
        left -= 2.0;
        for line in self.wrap(MUTED, &doc.seller_address, half)?.iter().take(MAX_ADDRESS_LINES) {
            draw(&mut self.page, MUTED, LEFT, baseline(left, LEADING), Align::Left, line);
            left -= LEADING;
        }

        let mut right = self.y + 4.0; // the title's cap height lines up with the seller name
        let title = self.line(TITLE, &doc.title)?;
        draw(&mut self.page, TITLE, RIGHT, baseline(right, 26.0), Align::Right, &title);
        right -= 26.0 + 8.0;
        let captions = &doc.captions;
        let facts = [
            (self.line(MUTED, &captions.number)?, self.line(STRONG, &doc.number)?),
            (self.line(MUTED, &captions.issue_date)?, self.line(STRONG, &doc.issue_date)?),
        ];
        // Labels share one left edge just clear of the widest value, so the pairs read as a table.
        let value_width = widest(facts.iter().map(|(_, value)| width_of(STRONG, value)));
        let label_width = widest(facts.iter().map(|(label, _)| width_of(MUTED, label)));
        let label_x = RIGHT - value_width - 16.0 - label_width;
        for (label, value) in &facts {
            let at = baseline(right, LEADING);
            draw(&mut self.page, MUTED, label_x, at, Align::Left, label);
            draw(&mut self.page, STRONG, RIGHT, at, Align::Right, value);
            right -= LEADING;
        }

        self.y = left.min(right) - 32.0;
        Ok(())
    }

    fn bill_to(&mut self) -> Result<(), RenderError> {
        let doc = self.doc;
        let width = (RIGHT - LEFT) * 0.6;
        // A small heading in capitals; scripts without case print as given.
        let caption = self.line(CAPTION, &doc.captions.bill_to.to_uppercase())?;
        self.flow(&[caption], CAPTION, 13.0)?;
        let buyer = TextStyle { size: 10.0, ..STRONG };
        let name = self.wrap(buyer, &doc.buyer_name, width)?;
        self.flow(&name, buyer, 14.0)?;
        for line in &doc.buyer_lines {
            let lines = self.wrap(BODY, line, width)?;
            self.flow(&lines, BODY, LEADING)?;
        }
        self.y -= 26.0;
        Ok(())
    }

    fn table(&mut self) -> Result<(), RenderError> {
        let with_period = self.doc.lines.iter().any(|line| !line.period.trim().is_empty());
        let columns = Columns::new(with_period);
        if self.room() < HEAD_HEIGHT + 2.0 * ROW_PADDING + LEADING {
            self.break_page()?;
        }
        let head = self.column_heads(&columns)?;
        self.table_head(&head);
        for line in &self.doc.lines {
            self.table_row(&columns, &head, line)?;
        }
        Ok(())
    }

    /// The column headings, each with where it goes: (x, alignment, caption).
    fn column_heads(&self, columns: &Columns) -> Result<Vec<(f32, Align, Line)>, RenderError> {
        let captions = &self.doc.captions;
        let mut head = vec![(LEFT, Align::Left, &captions.description)];
        if let Some(period_left) = columns.period_left {
            head.push((period_left, Align::Left, &captions.period));
        }
        head.push((columns.quantity_right, Align::Right, &captions.quantity));
        head.push((columns.unit_price_right, Align::Right, &captions.unit_price));
        head.push((RIGHT, Align::Right, &captions.amount));
        head.into_iter().map(|(x, align, caption)| Ok((x, align, self.line(COLUMN_HEAD, caption)?))).collect()
    }

    fn table_head(&mut self, head: &[(f32, Align, Line)]) {
        let top = self.y;
        let (left, width) = (LEFT - TABLE_BLEED, RIGHT - LEFT + 2.0 * TABLE_BLEED);
        self.page.fill_rect(left, top - HEAD_HEIGHT, width, HEAD_HEIGHT, HEADER_FILL);
        let at = top - HEAD_HEIGHT / 2.0 - COLUMN_HEAD.size * 0.35;
        for (x, align, caption) in head {
            draw(&mut self.page, COLUMN_HEAD, *x, at, *align, caption);
        }
        self.y = top - HEAD_HEIGHT;
    }

    /// One table row; a row with a very long description splits across pages, repeating the
    /// column headings, rather than running off the bottom.
    fn table_row(
        &mut self,
        columns: &Columns,
        head: &[(f32, Align, Line)],
        line: &DocumentLine,
    ) -> Result<(), RenderError> {
        let description = self.wrap(BODY, &line.description, columns.description_width)?;
        let period = match columns.period_left {
            Some(_) => self.wrap(MUTED, &line.period, PERIOD_WIDTH)?,
            None => Vec::new(),
        };
        let count = description.len().max(period.len());
        let numbers = [
            (columns.quantity_right, self.line(BODY, &line.quantity)?),
            (columns.unit_price_right, self.line(BODY, &line.unit_price)?),
            (RIGHT, self.line(BODY, &line.amount)?),
        ];

        let mut first = 0;
        while first < count {
            let rest = count - first;
            let mut fit = self.rows_that_fit();
            if fit == 0 || (first == 0 && fit < rest && rest <= KEEP_ROW_TOGETHER) {
                self.break_page()?;
                self.table_head(head);
                fit = self.rows_that_fit().max(1);
            }
            let shown = fit.min(rest);
            let top = self.y - ROW_PADDING;
            // Drawn left to right, line by line, so copied or extracted text reads in row order.
            for i in 0..shown {
                let at = baseline(top - i as f32 * LEADING, LEADING);
                if let Some(text) = description.get(first + i) {
                    draw(&mut self.page, BODY, LEFT, at, Align::Left, text);
                }
                if let (Some(x), Some(text)) = (columns.period_left, period.get(first + i)) {
                    draw(&mut self.page, MUTED, x, at, Align::Left, text);
                }
                if first + i == 0 {
                    for (right, text) in &numbers {
                        draw(&mut self.page, BODY, *right, at, Align::Right, text);
                    }
                }
            }
            self.y = top - shown as f32 * LEADING - ROW_PADDING;
            self.rule(self.y, LEFT - TABLE_BLEED);
            first += shown;
        }
        Ok(())
    }

    fn rows_that_fit(&self) -> usize {
        ((self.room() - 2.0 * ROW_PADDING) / LEADING).floor().max(0.0) as usize
    }

    fn rule(&mut self, y: f32, from: f32) {
        self.page.line((from, y), (RIGHT + TABLE_BLEED, y), 0.5, RULE_GREY);
    }

    /// Net, tax and total under the amount column, kept together on one page.
    fn totals(&mut self) -> Result<(), RenderError> {
        let doc = self.doc;
        let rows = [
            (BODY, self.line(MUTED, &doc.captions.net)?, self.line(BODY, &doc.net)?),
            (BODY, self.line(MUTED, &doc.tax_label)?, self.line(BODY, &doc.tax)?),
            (TOTAL, self.line(TOTAL, &doc.captions.total)?, self.line(TOTAL, &doc.total)?),
        ];
        let height = 8.0 + 2.0 * LEADING + 8.0 + 18.0;
        if self.room() < height {
            self.break_page()?;
        }
        // Labels start under the unit price column, or further left if a value is very wide.
        let value_width = widest(rows.iter().map(|(style, _, value)| width_of(*style, value)));
        let label_width = widest(rows.iter().map(|(style, label, _)| width_of(*style, label)));
        let default_x = RIGHT - AMOUNT_WIDTH - COLUMN_GAP - UNIT_PRICE_WIDTH;
        let label_x = default_x.min(RIGHT - value_width - 20.0 - label_width);

        self.y -= 8.0;
        for (style, label, value) in &rows[..2] {
            let at = baseline(self.y, LEADING);
            draw(&mut self.page, MUTED, label_x, at, Align::Left, label);
            draw(&mut self.page, *style, RIGHT, at, Align::Right, value);
            self.y -= LEADING;
        }
        self.y -= 6.0;
        self.page.line((label_x - TABLE_BLEED, self.y), (RIGHT + TABLE_BLEED, self.y), 0.9, 0.35);
        self.y -= 2.0;
        let (style, label, value) = &rows[2];
        let at = baseline(self.y, 18.0);
        draw(&mut self.page, *style, label_x, at, Align::Left, label);
        draw(&mut self.page, *style, RIGHT, at, Align::Right, value);
        self.y -= 18.0;
        Ok(())
    }

    fn notes(&mut self) -> Result<(), RenderError> {
        if self.doc.notes.is_empty() {
            return Ok(());
        }
        self.y -= 28.0;
        for note in &self.doc.notes {
            let lines = self.wrap(MUTED, note, RIGHT - LEFT)?;
            self.flow(&lines, MUTED, LEADING)?;
            self.y -= 3.0;
        }
        Ok(())
    }

    /// Closes the last page and puts the footer on every page, now that their number is known.
    fn finish(mut self) -> Result<Vec<Content>, RenderError> {
        self.done.push(std::mem::take(&mut self.page));
        let count = self.done.len();
        let seller = self.line(FOOTER, &self.doc.seller_name)?;
        let numbers = (1..=count)
            .map(|n| self.line(FOOTER, &(self.doc.captions.page_of)(n, count)))
            .collect::<Result<Vec<_>, _>>()?;
        for (page, number) in self.done.iter_mut().zip(&numbers) {
            page.line((LEFT, FOOTER_RULE), (RIGHT, FOOTER_RULE), 0.5, RULE_GREY);
            draw(page, FOOTER, LEFT, FOOTER_BASELINE, Align::Left, &seller);
            draw(page, FOOTER, RIGHT, FOOTER_BASELINE, Align::Right, number);
        }
        Ok(self.done)
    }
}
