//! Billing: what a paid order is invoiced and receipted with (`issue`), and the org's invoices,
//! credit notes, their PDFs and the monthly reconciliation file (`invoices`).

mod invoices;
mod issue;

pub use invoices::{
    credit_note, credit_note_for_staff, credit_note_pdf, credit_notes, get, invoice_for_staff, invoice_pdf, list,
    of_subscription, pdf, reconciliation, set_billing_language,
};
pub use issue::card_label;
pub(crate) use issue::{Billed, NOTHING_CHARGED, invoice_for, invoice_series, paid_change, receipts};
