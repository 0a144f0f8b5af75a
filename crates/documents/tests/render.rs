//! Renders whole documents and reads the PDF back: structure (header, xref, streams), text
//! encoding and pagination, as a viewer would see them.

use documents::{DocumentLine, InvoiceDocument, render_pdf};

fn line(description: &str, amount: &str) -> DocumentLine {
    DocumentLine {
        description: description.to_owned(),
        period: "15 Mar 2027 – 15 Mar 2028".to_owned(),
        quantity: "1".to_owned(),
        unit_price: amount.to_owned(),
        amount: amount.to_owned(),
    }
}

fn invoice(line_count: usize) -> InvoiceDocument {
    InvoiceDocument {
        title: "Invoice".to_owned(),
        number: "INV-2027-000001".to_owned(),
        issue_date: "15 March 2027".to_owned(),
        seller_name: "Northwind Partner Programs Ltd".to_owned(),
        seller_address: "12 Harbour Street\nDublin D02 X285\nIreland".to_owned(),
        buyer_name: "Contoso Consulting".to_owned(),
        buyer_lines: vec!["Partner ID 1234567".to_owned(), "United States".to_owned()],
        lines: (0..line_count).map(|i| line(&format!("Action Pack subscription {i:03}"), "475.00")).collect(),
        net: "475.00 USD".to_owned(),
        tax_label: "Tax (20%)".to_owned(),
        tax: "95.00 USD".to_owned(),
        total: "570.00 USD".to_owned(),
        notes: vec!["Paid by Visa •••• 4242 on 15 March 2027".to_owned()],
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle, 0).is_some()
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack[from..].windows(needle.len()).position(|w| w == needle).map(|at| at + from)
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack.windows(needle.len()).filter(|w| *w == needle).count()
}

/// The number after `key` in the first place it occurs at or after `from`.
fn number_after(pdf: &[u8], key: &[u8], from: usize) -> usize {
    let start = find(pdf, key, from).unwrap_or_else(|| panic!("{} missing", String::from_utf8_lossy(key))) + key.len();
    let digits: String = pdf[start..].iter().map(|&b| b as char).take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap()
}

/// Reads the cross-reference table the trailer points at: (object number, byte offset).
fn xref_entries(pdf: &[u8]) -> Vec<(usize, usize)> {
    let startxref = number_after(pdf, b"startxref\n", 0);
    assert!(pdf[startxref..].starts_with(b"xref\n0 "), "startxref must point at the xref keyword");
    let size = number_after(pdf, b"xref\n0 ", startxref);
    let first_entry = find(pdf, b"\n", startxref + 5).unwrap() + 1;
    let table = &pdf[first_entry..first_entry + 20 * size];
    assert!(table.starts_with(b"0000000000 65535 f \n"));
    (1..size)
        .map(|n| {
            let entry = std::str::from_utf8(&table[20 * n..20 * (n + 1)]).unwrap();
            assert!(entry.ends_with(" 00000 n \n"), "entry {n} is 20 bytes, in use: {entry:?}");
            (n, entry[..10].parse().unwrap())
        })
        .collect()
}

fn page_count(pdf: &[u8]) -> usize {
    let tree = find(pdf, b"/Type /Pages", 0).expect("a page tree");
    number_after(pdf, b"/Count ", tree)
}

#[test]
fn output_starts_with_the_pdf_header_and_ends_with_the_eof_marker() {
    let pdf = render_pdf(&invoice(3));
    assert!(pdf.starts_with(b"%PDF-1.4\n"));
    assert!(pdf.ends_with(b"%%EOF"));
}

#[test]
fn every_xref_offset_points_at_the_object_it_names() {
    for pdf in [render_pdf(&invoice(1)), render_pdf(&invoice(60))] {
        let entries = xref_entries(&pdf);
        assert_eq!(number_after(&pdf, b"trailer\n<< /Size ", 0), entries.len() + 1);
        for (number, offset) in entries {
            let expected = format!("{number} 0 obj\n");
            assert!(
                pdf[offset..].starts_with(expected.as_bytes()),
                "object {number} at {offset}: {:?}",
                String::from_utf8_lossy(&pdf[offset..offset + 20])
            );
        }
    }
}

#[test]
fn every_stream_length_matches_its_data() {
    let pdf = render_pdf(&invoice(60));
    let mut from = 0;
    let mut streams = 0;
    while let Some(at) = find(&pdf, b"<< /Length ", from) {
        let length = number_after(&pdf, b"<< /Length ", at);
        let data = find(&pdf, b">>\nstream\n", at).unwrap() + b">>\nstream\n".len();
        assert!(pdf[data + length..].starts_with(b"\nendstream"), "stream at {at}");
        streams += 1;
        from = data + length;
    }
    assert_eq!(streams, page_count(&pdf));
}

#[test]
fn parentheses_and_backslashes_in_text_are_escaped() {
    let mut doc = invoice(0);
    doc.lines.push(line(r"Setup (one-off) \ fee", "10.00"));
    let pdf = render_pdf(&doc);
    assert!(contains(&pdf, br"(Setup \(one-off\) \\ fee) Tj"));
    assert!(contains(&pdf, br"(Tax \(20%\)) Tj"));
}

#[test]
fn euro_sign_and_bullet_are_written_as_winansi_bytes() {
    let mut doc = invoice(1);
    doc.total = "€570.00".to_owned();
    let pdf = render_pdf(&doc);
    assert!(contains(&pdf, b"(\x80570.00) Tj"));
    assert!(contains(&pdf, b"(Paid by Visa \x95\x95\x95\x95 4242 on 15 March 2027) Tj"));
    assert!(contains(&pdf, b"/Encoding /WinAnsiEncoding"));
}

#[test]
fn characters_outside_winansi_print_as_question_marks() {
    let mut doc = invoice(1);
    doc.buyer_name = "東京 Trading".to_owned();
    assert!(contains(&render_pdf(&doc), b"(?? Trading) Tj"));
}

#[test]
fn amounts_are_right_aligned_at_the_margin() {
    // "475.00" in 9-point Helvetica is 27.522 pt wide, so it starts at 545 - 27.522.
    let pdf = render_pdf(&invoice(1));
    let starts = pdf.windows(4).enumerate().filter(|(_, w)| *w == b"BT /").map(|(at, _)| at);
    let amount_runs: Vec<&[u8]> = starts
        .map(|at| &pdf[at..find(&pdf, b"ET\n", at).unwrap()])
        .filter(|run| contains(run, b"(475.00) Tj"))
        .collect();
    assert!(amount_runs.iter().any(|run| contains(run, b" 517.48 ")), "{amount_runs:?}");
}

#[test]
fn sixty_lines_continue_on_further_pages_with_page_numbers() {
    let pdf = render_pdf(&invoice(60));
    let pages = page_count(&pdf);
    assert!(pages >= 2, "{pages} pages");
    assert_eq!(count(&pdf, b"/Type /Page /Parent"), pages);
    assert!(contains(&pdf, format!("(Page 1 of {pages}) Tj").as_bytes()));
    assert!(contains(&pdf, format!("(Page {pages} of {pages}) Tj").as_bytes()));
    for i in 0..60 {
        assert_eq!(count(&pdf, format!("(Action Pack subscription {i:03}) Tj").as_bytes()), 1, "line {i}");
    }
    // Continuation pages repeat the column headings.
    assert_eq!(count(&pdf, b"(Unit price) Tj"), pages);
}

#[test]
fn a_short_invoice_fits_on_one_page() {
    let pdf = render_pdf(&invoice(3));
    assert_eq!(page_count(&pdf), 1);
    assert!(contains(&pdf, b"(Page 1 of 1) Tj"));
}

#[test]
fn a_description_longer_than_a_page_splits_across_pages_without_losing_words() {
    let mut doc = invoice(0);
    let words: Vec<String> = (0..1500).map(|i| format!("item{i:04}")).collect();
    doc.lines.push(line(&words.join(" "), "1.00"));
    let pdf = render_pdf(&doc);
    assert!(page_count(&pdf) >= 2);
    for word in &words {
        assert_eq!(count(&pdf, word.as_bytes()), 1, "{word}");
    }
}

#[test]
fn the_same_document_renders_to_the_same_bytes() {
    assert_eq!(render_pdf(&invoice(5)), render_pdf(&invoice(5)));
}
