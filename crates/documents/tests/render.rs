//! Renders whole documents and reads them back as a reader would: the text through poppler's
//! `pdftotext` (which decodes the glyphs through each font's ToUnicode map), the fonts through
//! `pdffonts`, the pages and positions through `pdftotext -bbox`. scripts/test installs
//! poppler-utils and the Noto fonts.

use documents::{Captions, DocumentLine, Fonts, InvoiceDocument, render_pdf};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn fonts() -> Fonts {
    let fonts = Fonts::load(&documents::DEFAULT_FONT_DIRS.map(PathBuf::from));
    assert_eq!(fonts.problems(), [], "install fonts-noto-core and fonts-noto-cjk (scripts/test does)");
    fonts
}

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
        captions: Captions::english(),
    }
}

fn render(doc: &InvoiceDocument) -> Vec<u8> {
    render_pdf(&fonts(), doc).expect("the document renders")
}

/// Runs a poppler tool on `pdf` (given on standard input) and returns what it printed.
fn poppler(tool: &str, args: &[&str], pdf: &[u8]) -> String {
    let mut child = Command::new(tool)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {tool} ({e}): install poppler-utils (scripts/test does)"));
    child.stdin.take().unwrap().write_all(pdf).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{tool} failed: {}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{tool} complained: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The text of every page, pages separated by form feeds, each line as pdftotext reads it.
fn text(pdf: &[u8]) -> String {
    poppler("pdftotext", &["-enc", "UTF-8", "-", "-"], pdf)
}

fn page_count(pdf: &[u8]) -> usize {
    let info = poppler("pdfinfo", &["-"], pdf);
    let pages = info.lines().find_map(|l| l.strip_prefix("Pages:")).expect("pdfinfo names the page count");
    pages.trim().parse().unwrap()
}

/// Each word on the pages with its left and right edge in points from the left.
fn words(pdf: &[u8]) -> Vec<(String, f32, f32)> {
    let html = poppler("pdftotext", &["-bbox", "-enc", "UTF-8", "-", "-"], pdf);
    let attribute = |tag: &str, name: &str| -> f32 {
        let start = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        tag[start..].split('"').next().unwrap().parse().unwrap()
    };
    html.lines()
        .filter(|l| l.trim_start().starts_with("<word "))
        .map(|tag| {
            let word = tag.split('>').nth(1).unwrap().split('<').next().unwrap().to_owned();
            (word, attribute(tag, "xMin"), attribute(tag, "xMax"))
        })
        .collect()
}

#[test]
fn every_part_of_the_invoice_reads_back() {
    let pdf = render(&invoice(3));
    assert!(pdf.starts_with(b"%PDF-"));
    let text = text(&pdf);
    let expected = [
        "Northwind Partner Programs Ltd",
        "Invoice",
        "INV-2027-000001",
        "BILL TO",
        "Contoso Consulting",
        "Partner ID 1234567",
        "Description",
        "Unit price",
        "Action Pack subscription 000",
        "Action Pack subscription 002",
        "Net",
        "Tax (20%)",
        "570.00 USD",
        "Paid by Visa •••• 4242 on 15 March 2027",
        "Page 1 of 1",
    ];
    for part in expected {
        assert!(text.contains(part), "{part:?} missing from:\n{text}");
    }
}

#[test]
fn names_in_any_script_print_as_written_in_embedded_subset_fonts() {
    let mut doc = invoice(1);
    doc.buyer_name = "株式会社テスト".to_owned();
    doc.buyer_lines = vec!["Ελληνική Εταιρεία Α.Ε.".to_owned(), "ООО «Контосо»".to_owned(), "Ação Ltda".to_owned()];
    let pdf = render(&doc);
    let text = text(&pdf);
    for name in ["株式会社テスト", "Ελληνική Εταιρεία Α.Ε.", "ООО «Контосо»", "Ação Ltda"]
    {
        assert!(text.contains(name), "{name} missing from:\n{text}");
    }
    // Every font is embedded (emb), as a subset (sub), with a ToUnicode map (uni).
    let fonts = poppler("pdffonts", &["-"], &pdf);
    let faces: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(faces.iter().any(|face| face.contains("NotoSansCJK")), "{fonts}");
    for face in &faces {
        let columns: Vec<&str> = face.split_whitespace().collect();
        let flags = &columns[columns.len() - 5..columns.len() - 2];
        assert_eq!(flags, ["yes", "yes", "yes"], "{face}");
        // A subset's name starts with six capitals and a plus (PDF 32000-1, 9.6.4).
        assert!(columns[0].len() > 7 && columns[0].as_bytes()[6] == b'+', "{face}");
    }
}

#[test]
fn a_one_page_invoice_with_cjk_stays_small() {
    let mut doc = invoice(3);
    doc.buyer_name = "株式会社テスト".to_owned();
    doc.notes.push("東京都千代田区丸の内一丁目".to_owned());
    let pdf = render(&doc);
    assert_eq!(page_count(&pdf), 1);
    // The fonts are 0.5 MB (Latin) and 20 MB (CJK) whole; the subsets only hold what is used.
    assert!(pdf.len() < 150_000, "{} bytes", pdf.len());
}

#[test]
fn a_latin_invoice_leaves_the_cjk_faces_out() {
    let pdf = render(&invoice(3));
    let fonts = poppler("pdffonts", &["-"], &pdf);
    assert!(!fonts.contains("CJK"), "{fonts}");
}

#[test]
fn amounts_are_right_aligned_at_the_margin() {
    let pdf = render(&invoice(2));
    let amounts: Vec<f32> =
        words(&pdf).into_iter().filter(|(word, _, _)| word == "475.00").map(|(_, _, right)| right).collect();
    // The amount column of both rows (the unit prices and the net say 475.00 too).
    let at_margin = amounts.iter().filter(|right| (**right - 545.0).abs() < 0.5).count();
    assert_eq!(at_margin, 2, "{amounts:?}");
}

#[test]
fn sixty_lines_continue_on_further_pages_with_page_numbers() {
    let pdf = render(&invoice(60));
    let pages = page_count(&pdf);
    assert!(pages >= 2, "{pages} pages");
    let text = text(&pdf);
    let page_texts: Vec<&str> = text.split('\u{c}').filter(|page| !page.trim().is_empty()).collect();
    assert_eq!(page_texts.len(), pages);
    for (index, page) in page_texts.iter().enumerate() {
        assert!(page.contains(&format!("Page {} of {pages}", index + 1)), "page {}:\n{page}", index + 1);
        // Continuation pages repeat the column headings.
        assert!(page.contains("Unit price"), "page {}:\n{page}", index + 1);
    }
    for i in 0..60 {
        assert_eq!(text.matches(&format!("Action Pack subscription {i:03}")).count(), 1, "line {i}");
    }
}

#[test]
fn a_description_longer_than_a_page_splits_across_pages_without_losing_words() {
    let mut doc = invoice(0);
    let words: Vec<String> = (0..1500).map(|i| format!("item{i:04}")).collect();
    doc.lines.push(line(&words.join(" "), "1.00"));
    let pdf = render(&doc);
    assert!(page_count(&pdf) >= 2);
    let text = text(&pdf);
    for word in &words {
        assert_eq!(text.matches(word.as_str()).count(), 1, "{word}");
    }
}

#[test]
fn captions_come_from_the_caller() {
    let mut doc = invoice(1);
    doc.captions = Captions {
        bill_to: "Faturar a".into(),
        description: "Descrição".into(),
        page_of: Box::new(|page, count| format!("Página {page} de {count}")),
        ..Captions::english()
    };
    let text = text(&render(&doc));
    for caption in ["FATURAR A", "Descrição", "Página 1 de 1"] {
        assert!(text.contains(caption), "{caption} missing from:\n{text}");
    }
}

#[test]
fn without_any_font_the_document_is_refused_rather_than_printed_wrong() {
    let none = Fonts::load(&[PathBuf::from("/nonexistent-fonts")]);
    assert!(none.is_empty());
    assert_eq!(none.problems().len(), documents::FONT_FILES.len());
    let error = render_pdf(&none, &invoice(1)).unwrap_err();
    assert!(matches!(error, documents::RenderError::NoFonts { .. }), "{error}");
    assert!(error.to_string().contains("/nonexistent-fonts"), "{error}");
}

#[test]
fn the_same_document_renders_to_the_same_bytes() {
    assert_eq!(render(&invoice(5)), render(&invoice(5)));
}
