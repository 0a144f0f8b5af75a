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
