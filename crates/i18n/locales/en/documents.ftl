# Invoices, credit notes and the monthly reconciliation file.

## The reconciliation file's column names (a spreadsheet reads them; English keeps the
## machine-friendly names it always had).
recon-date = date
recon-document = document
recon-number = number
recon-description = description
recon-period-start = period_start
recon-period-end = period_end
recon-currency = currency
recon-net = net
recon-tax = tax
recon-total = total
recon-payment = payment
recon-charge-reference = charge_reference
recon-refers-to-invoice = refers_to_invoice
