# As páginas do portal do parceiro: ofertas, o assistente de pedido, assinaturas, benefícios,
# faturas, competências, suporte e usuários. Os rótulos que a página de origem nomeia usam as
# palavras dela, exatamente.

## Como os valores se leem

portal-term = { $start } – { $end }
portal-tax = Imposto
portal-tax-rate = Imposto ({ $rate }%)
portal-benefit-licenses = { $count ->
    [one] 1 licença do { $product }
   *[other] { $count } licenças do { $product }
}
portal-benefit-seats = { $count ->
    [one] Até 1 assento do { $product }
   *[other] Até { $count } assentos do { $product }
}
portal-benefit-account = 1 conta do { $product }
portal-benefit-monthly-credit = Créditos de { $amount } do { $product } todos os meses
portal-benefit-support-incidents = { $count ->
    [one] 1 incidente de suporte
   *[other] { $count } incidentes de suporte
}
portal-benefit-advisory-hours = { $count ->
    [one] 1 hora de consultoria
   *[other] { $count } horas de consultoria
}
portal-subscription-name = Assinatura do { $offer }
portal-subscription-status-active = Ativa
portal-subscription-status-past-due = Pagamento atrasado
portal-subscription-status-expired = Expirada
portal-subscription-status-cancelled = Cancelada
portal-request-status-new = Nova
portal-request-status-in-progress = Em andamento
portal-request-status-waiting-for-partner = Aguardando o parceiro
portal-request-status-resolved = Resolvida
portal-request-status-closed = Fechada
portal-problem-billing = Ajuda com o arquivo de fatura, pagamento ou reconciliação de parceiros
portal-problem-membership = Associação e benefícios
portal-problem-competencies = Competências
portal-problem-account = Conta e usuários
portal-problem-portal = Problema técnico com o portal
portal-application-status-submitted = Enviada
portal-application-status-under-review = Em análise
portal-application-status-approved = Aprovada
portal-application-status-rejected = Recusada
portal-application-status-expired = Expirada
portal-tier-silver = Prata
portal-tier-gold = Ouro
portal-role-global-admin = Administrador global
portal-role-account-admin = Administrador da conta
portal-role-billing-admin = Administrador de cobrança
portal-role-user-management-admin = Administrador de gerenciamento de usuários
portal-role-member = Membro

## Painel

portal-dashboard-title = Painel
portal-dashboard-partner-id = ID de parceiro
portal-dashboard-country = País
portal-dashboard-membership = Associação
portal-dashboard-offers = Parceria > Ofertas
portal-dashboard-offers-about = As ofertas que você pode comprar e o que você já comprou.
portal-dashboard-membership-about = Seu nível e para o que você pode atualizar.
portal-dashboard-users-about = Convide pessoas e atribua as funções delas.
portal-dashboard-support-about = Obtenha ajuda da equipe do programa.

## Parceria > Ofertas

portal-offers-title = Ofertas
portal-offers-available = Ofertas disponíveis
portal-offers-none-available = Nenhuma outra oferta está disponível para sua organização no momento.
portal-offers-price = { $price } por ano, mais impostos
portal-offers-not-sold = Não vendida na sua moeda
portal-offers-subscribe-now = Inscrever-se agora
portal-offers-who-subscribes = Um administrador de cobrança ou um administrador global da sua organização pode assinar.
portal-offers-purchased = Ofertas adquiridas
portal-offers-none-purchased = Sua organização ainda não comprou nenhuma oferta.

## Associação

portal-membership-title = Associação
portal-membership-yours = Sua associação
portal-membership-level = Nível
portal-membership-since = Desde
portal-membership-current-term = Período atual
portal-membership-free = Gratuita, sem fim
portal-membership-term = { $term } ({ $status })
portal-membership-upgrade = Atualizar sua associação
portal-membership-upgrade-name = Atualização
portal-membership-kind = Tipo
portal-membership-price = Preço
portal-membership-status = Status
portal-membership-kind-subscription = Assinatura
portal-membership-kind-competency = Competência (Prata / Ouro)
portal-membership-price-offer = { $price } por ano
portal-membership-price-competency = { $silver } / { $gold } por ano
portal-membership-offer-available = Disponível em Parceria > Ofertas
portal-membership-competency-earned = Conquistada: candidate-se com evidências em Parceria > Competências e depois pague a taxa anual

## Suporte

portal-support-title = Suporte
portal-support-intro = A equipe do { $program } responde a perguntas sobre associação, faturas, pagamentos e o portal.
portal-support-report = Relatar os problemas
portal-support-report-about = abra uma nova solicitação (também para cancelar uma assinatura).
portal-support-partner-requests-path = Solicitações de serviço > Solicitações de parceiros
portal-support-requests-about = acompanhe as solicitações da sua organização.
portal-support-write-to = Ou escreva para
portal-support-quote-id = e informe seu ID de parceiro.

## O assistente de pedido: Inscrever-se agora → termos → pagamento → revisão → Comprar

portal-back = Voltar
portal-order-steps = Etapas
portal-order-step-verify = Verificar
portal-order-step-terms = Termos
portal-order-step-payment = Pagamento
portal-order-step-review = Revisão
portal-order-confirmed-title = Pedido confirmado
portal-order-subscribe-title = Inscrever-se ao { $offer }
portal-order-renew-title = Renovar sua assinatura do { $offer }
portal-order-processing = Seu pagamento está sendo processado; atualize esta página em instantes.
portal-order-term-if-today = { $term } (se você comprar hoje)
portal-order-confirmed = Sua ordem foi confirmada.
portal-order-order = Pedido
portal-order-invoice = Fatura
portal-order-total = Total
portal-order-term = Período
portal-order-renews-yearly = Sua assinatura do { $offer } será renovada automaticamente todos os anos nesta data.
portal-order-next-step = Próxima etapa:
portal-order-activate = Ativar sua assinatura do { $offer }
portal-order-activate-why = para que os benefícios dela entrem em vigor.
portal-order-close = Fechar
portal-order-verify-title = Verifique os detalhes do seu pedido
portal-order-offer = Oferta
portal-order-renewal-of = Assinatura do { $offer }, renovação
portal-order-new-term = Novo período
portal-order-credit = Crédito
portal-order-price = Preço
portal-order-renewing-turns-on = Renovar ativa a renovação automática novamente.
portal-order-next = Avançar
portal-order-terms-version = versão { $version }
portal-order-terms-agree = Ao selecionar Avançar, você aceita os Termos e condições acima.
portal-order-payment-title = Detalhes de pagamento
portal-order-no-way-to-pay = Sua organização ainda não tem uma forma de pagamento.
portal-order-get-started = Introdução! Adicionar uma forma de pagamento
portal-order-pay-with = Pagar com
portal-order-card-expires = vence em { $expiry }
portal-order-add-another-card = Adicionar outro cartão
portal-order-back-to-terms = Voltar aos termos
portal-order-review-title = Examine os detalhes de seu pedido
portal-order-credit-replaced = Crédito pelo tempo não usado da assinatura que esta substitui
portal-order-charged-now = Seu cartão de crédito será cobrado imediatamente. A assinatura é renovada automaticamente todos os anos.
portal-order-buy = Comprar
portal-order-back-to-payment = Voltar ao pagamento

## Cartões

portal-card-add-way-to-pay = Adicionar uma forma de pagamento
portal-card-payment-methods = Formas de pagamento
portal-card-saved-line = { $card }, vence em { $expiry }
portal-card-saved = Cartões salvos
portal-card-newest-charged = As renovações automáticas cobram o cartão mais recente: para substituir um cartão que vai vencer, adicione o novo.
portal-card-add = Adicionar um cartão
portal-card-card = Cartão
portal-card-needs-javascript = Informar o cartão com a Stripe requer JavaScript.
portal-card-number = Número do cartão
portal-card-expiry-month = Mês de validade
portal-card-month-placeholder = MM
portal-card-expiry-year = Ano de validade
portal-card-year-placeholder = AAAA
portal-card-security-code = Código de segurança
portal-card-sandbox = Gateway de teste: use um cartão de teste como 4242 4242 4242 4242.

## A página de uma assinatura

portal-subscription-status = Status
portal-subscription-auto-renewal = Renovação automática
portal-subscription-on = Ativada
portal-subscription-off = Desativada
portal-subscription-next-renewal = Próxima renovação
portal-subscription-next-renewal-on = { $day }: { $price } mais impostos
portal-subscription-expires = Expira em
portal-subscription-next-try = Próxima tentativa de pagamento
portal-subscription-payment-method = Forma de pagamento
portal-subscription-no-card = Nenhum cartão registrado
portal-subscription-card-hidden = Visível para administradores de cobrança
portal-subscription-ends-cancelled = Cancelada ao fim do período, como sua organização pediu: ela termina em { $day } e não será renovada. Renová-la antes disso a mantém.
portal-subscription-renewal-off = A renovação automática está desativada. Você não poderá ativá-la novamente até que renove a assinatura. Lembraremos você de renovar sua assinatura antes que ela expire.
portal-subscription-past-due = O pagamento da renovação falhou. Seus benefícios continuam enquanto tentamos de novo; um administrador de cobrança pode pagar agora com outro cartão em Renovar assinaturas.
portal-subscription-actions = Ações
portal-subscription-renew = Renovar assinaturas
portal-subscription-replace-card = adicione um cartão para substituir o registrado.
portal-subscription-who-renews = Um administrador de cobrança ou um administrador global renova esta assinatura e paga por ela.
portal-subscription-turn-off = Desativar a renovação automática
portal-subscription-who-manages = Um administrador de cobrança, um administrador da conta ou um administrador global gerencia esta assinatura.
portal-subscription-back-to-offers = Voltar às ofertas
portal-turn-off-will-expire = Sua assinatura do { $offer } não será renovada em { $day }; ela expirará nessa data, e os benefícios dela terminarão.
portal-turn-off-one-way = Se você desativar a renovação automática, não poderá ativá-la novamente até que você renove a assinatura.
portal-turn-off-reminder = Lembraremos você de renovar sua assinatura antes que ela expire.
portal-turn-off-keep = Mantê-la ativada

## Notificações

portal-notifications-title = Notificações
portal-notifications-see-subscription = Ver a assinatura
portal-notifications-none = Nenhuma notificação ainda.

## Suporte: Relatar os problemas → Nova solicitação → Enviar; Solicitações de serviço > Solicitações de parceiros

portal-report-intro = Conte à equipe de suporte do programa o que está errado: faturas e pagamentos (e o cancelamento de uma assinatura), associação e benefícios, competências, sua conta e usuários, ou o próprio portal. Você pode acompanhar cada solicitação em
portal-request-new = Nova solicitação
portal-request-problem = Tipo de problema
portal-request-choose = Escolha…
portal-request-subscription = Assinatura
portal-request-subscription-hint = para solicitações de fatura, pagamento e cancelamento
portal-request-no-subscription = Nenhuma
portal-request-subscription-line = Assinatura do { $offer } (o período termina em { $day })
portal-request-title-field = Título
portal-request-description = Descrição
portal-request-contact-email = E-mail de contato
portal-request-contact-phone = Telefone de contato
portal-request-optional = opcional
portal-request-attachments = Anexos
portal-request-attachments-hint = opcional; até 3 arquivos PDF, PNG, JPEG ou texto simples, de 2 MB cada e 3 MB no total
portal-request-submit = Enviar
portal-requests-service-requests = Solicitações de serviço
portal-requests-title = Solicitações de parceiros
portal-requests-open = Abrir
portal-requests-closed = Fechadas
portal-requests-none-open = Nenhuma solicitação aberta.
portal-requests-none-closed = Nenhuma solicitação fechada.
portal-requests-number = Número
portal-requests-last-change = Última alteração
portal-request-title = Solicitação de serviço { $number }
portal-request-contact = Contato
portal-request-opened = Aberta em
portal-request-conversation = Conversa
portal-request-refunds = O que a equipe fez: reembolsos
portal-request-refund = Reembolso
portal-request-refund-state = Situação
portal-request-reply = Resposta
portal-request-send = Enviar resposta
portal-request-reopen = Reabrir
portal-request-back = Voltar às solicitações de parceiros
portal-refund-made = Feito em { $day }
portal-refund-pending-why = Pendente: o gateway de pagamento ainda não o fez ({ $error }); nova tentativa automática
portal-refund-pending-retry = Pendente: o gateway de pagamento ainda não o fez; tentaremos de novo automaticamente
portal-refund-pending-sending = Pendente: sendo enviado ao gateway de pagamento
portal-file-kilobytes = { $count } KB

## Faturas e notas de crédito

portal-invoices-title = Faturas
portal-invoices-cards-about = os cartões salvos da organização; adicione um para substituir um cartão que vai vencer.
portal-invoices-date = Data
portal-invoices-none = Nenhuma fatura ainda.
portal-invoices-credit-notes = Notas de crédito
portal-invoices-credited = Creditado
portal-invoices-credit-note-of = { $description } (fatura { $invoice })
portal-invoices-reconciliation = Arquivo de reconciliação
portal-invoices-reconciliation-about = Todas as faturas e notas de crédito emitidas em um mês, uma linha cada (notas de crédito como valores negativos), para conferir com a fatura do seu cartão e a sua contabilidade.
portal-invoices-month = Mês
portal-invoices-month-placeholder = AAAA-MM
portal-invoices-download-csv = Baixar CSV
portal-invoice = Fatura
portal-invoice-title = Fatura { $number }
portal-invoice-bill-to = Cobrar de
portal-invoice-partner-id = ID de parceiro { $id }
portal-invoice-period = Período
portal-invoice-quantity = Qtd.
portal-invoice-amount = Valor
portal-invoice-net = Líquido
portal-invoice-paid-by = Pago com { $card } em { $day }.
portal-invoice-download-pdf = Baixar PDF
portal-invoice-all = Todas as faturas
portal-credit-note = Nota de crédito
portal-credit-note-title = Nota de crédito { $number }
portal-credit-note-credit-to = Creditar a
portal-credit-note-total = Total creditado
portal-credit-note-refers-to = Refere-se à fatura { $invoice }. Reembolsado para { $card } em { $day }.

## Benefícios

portal-benefits-title = Benefícios
portal-benefits-yours-only = Estes são os assentos e as chaves de licença atribuídos a você. Seus administradores gerenciam o restante.
portal-benefits-none = Nenhuma assinatura traz benefícios ainda. Atualize em
portal-benefits-none-assigned = Nada foi atribuído a você ainda.
portal-benefits-activate-about = Ative sua { $subscription } para que os benefícios dela entrem em vigor: as chaves de licença são emitidas, os assentos podem ser atribuídos e os créditos começam.
portal-benefits-activate = Ativar
portal-benefits-who-activates = Um administrador da conta ou um administrador global pode ativá-los.
portal-benefits-ended = encerrado
portal-benefits-allocated = Alocado
portal-benefits-used = Usado
portal-benefits-left = Restante
portal-benefits-seat-or-key = Assento ou chave
portal-benefits-account = Conta
portal-benefits-assigned-to = Atribuído a
portal-benefits-revoked = revogado
portal-benefits-reveal = Revelar
portal-benefits-unassign = Desatribuir
portal-benefits-assign-to = Atribuir a
portal-benefits-assign = Atribuir
portal-benefits-what-for = Para quê
portal-benefits-use-credits = Usar créditos
portal-benefits-ledger = Extrato
portal-benefits-day = Dia
portal-benefits-entry = Lançamento
portal-benefits-balance = Saldo
portal-benefits-licenses = Licenças do { $product }
portal-benefits-seats = Assentos do { $product }
portal-benefits-service-account = Conta do { $product }
portal-benefits-monthly-credits = Créditos do { $product } todos os meses
portal-benefits-seat = Assento { $number }
portal-benefits-removed-user = um usuário removido
portal-benefits-free = Livre
portal-key-title = Chave de licença
portal-key-audited = Esta visualização foi registrada no log de auditoria.
portal-key-back = Voltar aos benefícios

## Competências

portal-competencies-title = Competências
portal-competencies-intro = Uma competência é conquistada: candidate-se a um nível com suas evidências, a equipe do programa as analisa e, depois da aprovação, você paga a taxa anual. Ouro inclui os benefícios de Prata; tendo Prata, você pode se candidatar a Ouro, e o tempo não usado de Prata é creditado na taxa de Ouro.
portal-competencies-applications = Suas candidaturas
portal-competencies-competency = Competência
portal-competencies-fee-paid = , taxa paga
portal-competencies-open = Abrir
portal-competencies-apply = Candidatar-se
portal-competencies-who-applies = Um administrador da conta ou um administrador global se candidata a competências.
portal-competency-title = { $competency } { $tier }
portal-requirement-people = { $count ->
    [one] 1 pessoa certificada como { $certification }
   *[other] { $count } pessoas certificadas como { $certification }
}
portal-requirement-references = { $count ->
    [one] 1 referência de cliente
   *[other] { $count } referências de clientes
}
portal-requirement-attest = Declarar: “{ $text }”
portal-apply-title = Candidatar-se a { $competency } { $tier }
portal-apply-asks-for = O nível pede:
portal-apply-name = Nome
portal-apply-certification = ID da certificação
portal-apply-customer = Cliente e contato
portal-application-title = Candidatura a { $competency }
portal-application-fee = { $price } por ano mais impostos
portal-application-annual-fee = Taxa anual
portal-application-why-not = Por que não foi aprovada
portal-application-approved = Sua candidatura foi aprovada. Pague a taxa anual para manter a competência; ela é renovada todos os anos como qualquer assinatura.
portal-application-pay = Pagar a taxa
portal-application-who-pays = Um administrador de cobrança ou um administrador global paga a taxa.
portal-application-subscription = A assinatura da competência
portal-application-benefits = Os benefícios dela
portal-application-evidence = Evidências
portal-application-people = Pessoas certificadas
portal-application-references = Referências de clientes
portal-application-attested = A declaração foi confirmada.
portal-application-files = Arquivos
portal-application-no-files = Nenhum.
portal-application-attach-file = Anexar um arquivo
portal-application-attach-hint = PDF, PNG, JPEG ou texto; no máximo 2 MB; 5 arquivos por candidatura
portal-application-attach = Anexar
portal-application-back = Voltar às competências
portal-file-bytes = { $count } bytes
portal-file-kilobytes-tenths = { $whole },{ $tenth } KB

## Usuários

portal-users-title = Usuários
portal-users-email = E-mail
portal-users-role = Função
portal-users-manage = Gerenciar
portal-users-pending = Convites pendentes
portal-users-cancel-invitation = Cancelar convite
portal-users-invite = Convidar um usuário
portal-users-send-invitation = Enviar convite
portal-users-sso = Logon único
portal-users-sso-required = Os usuários da sua organização entram somente com { $provider }; senhas e chaves de acesso são recusadas.
portal-users-sso-optional = Os usuários da sua organização podem entrar com { $provider } ou com a senha deles.
portal-users-sso-require = Exigir que todos da organização entrem com { $provider }
portal-users-save = Salvar
portal-users-change-role = Alterar função
portal-users-own-role = Ninguém altera a própria função; peça a outro administrador da sua organização.
portal-users-not-manageable = Somente um administrador global altera a função de um administrador global.
portal-users-save-role = Salvar função
portal-users-remove-title = Remover da organização
portal-users-remove-about = { $name } perderá o acesso imediatamente; as sessões e os tokens de API dessa pessoa terminam.
portal-users-remove = Remover usuário
