//! Writes a sample invoice so the layout can be checked by eye, and says how long one takes:
//! `cargo run -p documents --example sample -- [PATH] [LINES] [BUYER]`
//! (defaults: /tmp/invoice-sample.pdf, 3 lines, a Japanese org; 60 lines shows the page
//! breaks). Fonts come from `PARTNERHUB_FONT_DIR` (folders separated by `:`) or Debian's.

use documents::{Captions, DocumentLine, Fonts, InvoiceDocument, render_pdf};
use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "/tmp/invoice-sample.pdf".to_owned());
    let count: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(3);
    let buyer = args.next().unwrap_or_else(|| "株式会社テスト (Contoso Japan KK)".to_owned());
    let dirs: Vec<PathBuf> = match std::env::var("PARTNERHUB_FONT_DIR") {
        Ok(list) => std::env::split_paths(&list).collect(),
        Err(_) => documents::DEFAULT_FONT_DIRS.iter().map(PathBuf::from).collect(),
    };
    let started = Instant::now();
    let fonts = Fonts::load(&dirs);
    let loaded = started.elapsed();
    for problem in fonts.problems() {
        eprintln!("{}: {}", problem.file, problem.reason);
    }

    let catalog = [
        ("Action Pack subscription", "15 Mar 2027 – 15 Mar 2028", "1", "475.00"),
        ("Additional Azure credits (monthly grant, applied on the anniversary of each term)", "", "4", "25.00"),
        (
            "Silver competency: Cloud Platform (includes partner network listing and 10 internal-use seats)",
            "15 Mar 2027 – 15 Mar 2028",
            "1",
            "1,650.00",
        ),
    ];
    let lines = (0..count)
        .map(|i| {
            let (description, period, quantity, unit) = catalog[i % catalog.len()];
            let amount = match (quantity, unit) {
                ("4", _) => "100.00",
                (_, unit) => unit,
            };
            DocumentLine {
                description: description.to_owned(),
                period: period.to_owned(),
                quantity: quantity.to_owned(),
                unit_price: unit.to_owned(),
                amount: amount.to_owned(),
            }
        })
        .collect();

    let doc = InvoiceDocument {
        title: "Invoice".to_owned(),
        number: "INV-2027-000001".to_owned(),
        issue_date: "15 March 2027".to_owned(),
        seller_name: "Northwind Partner Programs Ltd".to_owned(),
        seller_address: "12 Harbour Street\nDublin D02 X285\nIreland\nVAT IE 1234567T".to_owned(),
        buyer_name: buyer,
        buyer_lines: vec![
            "Partner ID 1234567".to_owned(),
            "1 Contoso Way, Redmond, WA 98052".to_owned(),
            "United States".to_owned(),
            "Billing: ada@contoso.example".to_owned(),
        ],
        lines,
        net: "2,225.00 USD".to_owned(),
        tax_label: "Tax (20%)".to_owned(),
        tax: "445.00 USD".to_owned(),
        total: "2,670.00 USD".to_owned(),
        notes: vec![
            "Paid by Visa •••• 4242 on 15 March 2027".to_owned(),
            "Thank you for being part of the partner program. Questions about this invoice? Write to \
             billing@northwind.example and quote the invoice number (INV-2027-000001)."
                .to_owned(),
        ],
        captions: Captions::english(),
    };
    // The first document reads the CJK faces when it needs them; the median of the next 50
    // is the steady cost of one document.
    let started = Instant::now();
    let pdf = render_pdf(&fonts, &doc)?;
    let first = started.elapsed();
    let mut times: Vec<_> = (0..50)
        .map(|_| {
            let started = Instant::now();
            render_pdf(&fonts, &doc).map(|_| started.elapsed())
        })
        .collect::<Result<_, _>>()?;
    times.sort();
    std::fs::write(&path, &pdf)?;
    println!(
        "wrote {path}: {} bytes; fonts found and read in {loaded:.1?}, first document {first:.1?}, \
         then median {:.1?} (fastest {:.1?}, slowest {:.1?})",
        pdf.len(),
        times[times.len() / 2],
        times[0],
        times[times.len() - 1]
    );
    Ok(())
}
