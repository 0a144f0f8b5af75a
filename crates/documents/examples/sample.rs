//! Writes a sample invoice so the layout can be checked by eye:
//! `cargo run -p documents --example sample -- [PATH] [LINES]`
//! (defaults: /tmp/invoice-sample.pdf, 3 lines; 60 lines shows the page breaks).

use documents::{DocumentLine, InvoiceDocument, render_pdf};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "/tmp/invoice-sample.pdf".to_owned());
    let count: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(3);

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
        buyer_name: "Contoso Consulting (Pty) Ltd".to_owned(),
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
    };
    std::fs::write(&path, render_pdf(&doc))?;
    println!("wrote {path}");
    Ok(())
}
