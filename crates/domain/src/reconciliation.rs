//! The monthly reconciliation file of an org (PRODUCT.md: "a monthly reconciliation file (CSV)
//! per org"): every invoice and credit note issued in one calendar month of the program's time
//! zone, one line each, so that a billing admin can match them against the payments on their
//! card statement and in their books.
//!
//! Decisions: credit notes are lines of their own with negative amounts, so that a column sums
//! to what the org was billed net of refunds; amounts are plain decimals in the currency's minor
//! units (`475.00`, `70000` for yen) beside the currency code; the file is RFC 4180 CSV (comma,
//! CRLF, a field with a comma, quote or line break quoted, quotes doubled) with a header line.

use crate::money::{Currency, Money};
use chrono::{Datelike, NaiveDate};
use std::fmt;

/// A calendar month, `2027-03`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Month {
    year: i32,
    month: u32,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("write the month as YYYY-MM, for example 2027-03")]
pub struct BadMonth;

impl Month {
    pub fn parse(text: &str) -> Result<Month, BadMonth> {
        let (year, month) = text.trim().split_once('-').ok_or(BadMonth)?;
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(year, 4) || !digits(month, 2) {
            return Err(BadMonth);
        }
        let year: i32 = year.parse().map_err(|_| BadMonth)?;
        let month: u32 = month.parse().map_err(|_| BadMonth)?;
        NaiveDate::from_ymd_opt(year, month, 1).ok_or(BadMonth)?;
        Ok(Month { year, month })
    }

    /// The month `day` falls in.
    pub fn of(day: NaiveDate) -> Month {
        Month { year: day.year(), month: day.month() }
    }

    pub fn contains(self, day: NaiveDate) -> bool {
        Month::of(day) == self
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Which document a line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Document {
    Invoice,
    CreditNote,
}

/// One invoice or credit note, its amounts as issued (positive).
#[derive(Clone, Debug)]
pub struct Line {
    pub document: Document,
    /// The day it was issued, in the program's time zone.
    pub issued_on: NaiveDate,
    pub number: String,
    pub description: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub currency: Currency,
    pub net_minor: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
    /// How it was paid, or where the refund went ("Visa •••• 4242").
    pub payment: String,
    /// The gateway's reference of the charge (invoices).
    pub charge_ref: String,
    /// The invoice a credit note corrects.
    pub refers_to: String,
}

/// The columns, by their English names.
pub const HEADER: [&str; 13] = [
    "date",
    "document",
    "number",
    "description",
    "period_start",
    "period_end",
    "currency",
    "net",
    "tax",
    "total",
    "payment",
    "charge_reference",
    "refers_to_invoice",
];

/// The file for `month`: the header, then the lines issued in that month, by day and number.
pub fn csv(month: Month, lines: &[Line]) -> String {
    csv_with_header(month, HEADER.map(str::to_owned), lines)
}

/// The file with the column names given in the reader's language, in [`HEADER`]'s order.
pub fn csv_with_header(month: Month, header: [String; 13], lines: &[Line]) -> String {
    let mut chosen: Vec<&Line> = lines.iter().filter(|l| month.contains(l.issued_on)).collect();
    chosen.sort_by(|a, b| (a.issued_on, &a.number).cmp(&(b.issued_on, &b.number)));
    let mut out = String::new();
    push_record(&mut out, header.iter().map(|h| text(h)));
    for l in chosen {
        let sign = match l.document {
            Document::Invoice => 1,
            Document::CreditNote => -1,
        };
        let amount = |minor: i64| Money::new(sign * minor, l.currency).format_amount();
        push_record(
            &mut out,
            [
                l.issued_on.to_string(),
                match l.document {
                    Document::Invoice => "invoice".to_owned(),
                    Document::CreditNote => "credit_note".to_owned(),
                },
                text(&l.number),
                text(&l.description),
                l.period_start.to_string(),
                l.period_end.to_string(),
                l.currency.code().to_owned(),
                amount(l.net_minor),
                amount(l.tax_minor),
                amount(l.total_minor),
                text(&l.payment),
                text(&l.charge_ref),
                text(&l.refers_to),
            ],
        );
    }
    out
}

/// A text cell as a spreadsheet will not run it: a cell that starts with `=`, `+`, `-`, `@`, a
/// tab or a carriage return would be read as a formula, so it gets a leading `'` (amounts are
/// written by the file itself and keep their minus sign).
fn text(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{cell}") } else { cell.to_owned() }
}

fn push_record(out: &mut String, fields: impl IntoIterator<Item = String>) {
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&field);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn line(document: Document, issued_on: NaiveDate, number: &str, total: i64) -> Line {
        Line {
            document,
            issued_on,
            number: number.into(),
            description: "Action Pack subscription".into(),
            period_start: d(2027, 3, 15),
            period_end: d(2028, 3, 15),
            currency: Currency::parse("USD").unwrap(),
            net_minor: total,
            tax_minor: 0,
            total_minor: total,
            payment: "Visa •••• 4242".into(),
            charge_ref: "ch_1".into(),
            refers_to: String::new(),
        }
    }

    #[test]
    fn a_month_is_written_as_yyyy_mm_and_nothing_else() {
        assert_eq!(Month::parse("2027-03").unwrap().to_string(), "2027-03");
        for bad in ["2027-3", "2027-13", "27-03", "2027/03", "", "march", "2027-00", "+027-03"] {
            assert_eq!(Month::parse(bad), Err(BadMonth), "{bad}");
        }
    }

    #[test]
    fn only_the_month_is_listed_by_day_and_credit_notes_are_negative() {
        let lines = [
            line(Document::Invoice, d(2027, 4, 1), "INV-2027-000003", 47_500),
            line(Document::CreditNote, d(2027, 3, 20), "CN-2027-000001", 47_500),
            line(Document::Invoice, d(2027, 3, 15), "INV-2027-000001", 47_500),
            line(Document::Invoice, d(2027, 2, 28), "INV-2027-000000", 47_500),
        ];
        let file = csv(Month::parse("2027-03").unwrap(), &lines);
        let rows: Vec<&str> = file.split("\r\n").collect();
        assert_eq!(rows.len(), 4, "header, two lines, and the empty rest after the last CRLF: {file}");
        assert!(rows[0].starts_with("date,document,number,"));
        assert!(rows[1].starts_with("2027-03-15,invoice,INV-2027-000001,"));
        assert!(rows[1].contains(",USD,475.00,0.00,475.00,"));
        assert!(rows[2].starts_with("2027-03-20,credit_note,CN-2027-000001,"));
        assert!(rows[2].contains(",USD,-475.00,0.00,-475.00,"));
        assert_eq!(rows[3], "");
    }

    #[test]
    fn fields_with_commas_quotes_or_line_breaks_are_quoted() {
        let mut l = line(Document::Invoice, d(2027, 3, 15), "INV-1", 100);
        l.description = "Gold, \"premium\"\nsupport".into();
        let file = csv(Month::parse("2027-03").unwrap(), &[l]);
        assert!(file.contains(",\"Gold, \"\"premium\"\"\nsupport\","), "{file}");
    }

    #[test]
    fn text_that_a_spreadsheet_would_run_as_a_formula_is_defused() {
        let mut l = line(Document::CreditNote, d(2027, 3, 15), "CN-1", 100);
        l.description = "=HYPERLINK(\"http://x\")".into();
        l.payment = "@SUM(1)".into();
        let file = csv(Month::parse("2027-03").unwrap(), &[l]);
        let row = file.split("\r\n").nth(1).unwrap();
        assert!(row.contains(",\"'=HYPERLINK(\"\"http://x\"\")\","), "{row}");
        assert!(row.contains(",'@SUM(1),"), "{row}");
        assert!(row.contains(",-1.00,"), "a credit note's amount keeps its sign: {row}");
    }

    #[test]
    fn an_empty_month_has_the_header_only() {
        assert_eq!(csv(Month::parse("2030-01").unwrap(), &[]).lines().count(), 1);
    }
}
