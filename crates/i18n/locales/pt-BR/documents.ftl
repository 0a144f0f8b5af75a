# Faturas, notas de crédito e o arquivo mensal de conciliação.

## Os nomes das colunas do arquivo de conciliação.
recon-date = data
recon-document = documento
recon-number = número
recon-description = descrição
recon-period-start = início_do_período
recon-period-end = fim_do_período
recon-currency = moeda
recon-net = líquido
recon-tax = imposto
recon-total = total
recon-payment = pagamento
recon-charge-reference = referência_da_cobrança
recon-refers-to-invoice = fatura_de_referência

## A fatura e a nota de crédito impressas.
doc-invoice = Fatura
doc-credit-note = Nota de crédito
doc-bill-to = Faturar para
doc-number = Número
doc-issue-date = Data de emissão
doc-description = Descrição
doc-period = Período
doc-quantity = Qtd.
doc-unit-price = Preço unitário
doc-amount = Valor
doc-net = Valor líquido
doc-total = Total
doc-page-of = Página { $page } de { $count }
doc-paid-by = Pago com { $method } em { $date }
doc-refers-to-invoice = Referente à fatura { $number }
doc-refunded-to = Reembolso para { $method } em { $date }
