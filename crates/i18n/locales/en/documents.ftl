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

## The printed invoice and credit note.
doc-invoice = Invoice
doc-credit-note = Credit note
doc-bill-to = Bill to
doc-number = Number
doc-issue-date = Issue date
doc-description = Description
doc-period = Period
doc-quantity = Qty
doc-unit-price = Unit price
doc-amount = Amount
doc-net = Net
doc-total = Total
doc-page-of = Page { $page } of { $count }
doc-paid-by = Paid by { $method } on { $date }
doc-refers-to-invoice = Refers to invoice { $number }
doc-refunded-to = Refunded to { $method } on { $date }
