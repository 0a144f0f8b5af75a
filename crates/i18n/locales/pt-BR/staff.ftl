# O console da equipe.

## Palavras que várias páginas usam
staff-none = Nenhum.
staff-none-yet = Nenhuma ainda.
staff-all = Todas
staff-org = Organização
staff-status = Status
staff-name = Nome
staff-email = E-mail
staff-role = Função
staff-partner-id = ID de parceiro
staff-company = Empresa
staff-country = País
staff-signed-up = Cadastro em
staff-offer = Oferta
staff-term = Período
staff-term-dates = { $start } – { $end }
staff-number = Número
staff-date = Data
staff-total = Total
staff-invoice = Fatura
staff-refund = Reembolso
staff-subscription = Assinatura
staff-submitted = Enviada em
staff-competency = Competência
staff-problem-type = Tipo de problema
staff-handled-by = Atendida por
staff-back-to-queue = Voltar para a fila

## Organizações
staff-orgs-title = Organizações parceiras
staff-orgs-none = Nenhum parceiro se cadastrou ainda.
staff-orgs-older = Organizações mais antigas
staff-org-membership = Associação
staff-org-member-since = { $level } desde { $since }
staff-org-subscriptions = Assinaturas
staff-org-renewal = Renovação
staff-org-renews = renova automaticamente
staff-org-renewal-off = renovação automática desativada
staff-org-invoices = Faturas
staff-org-paid-with = Pago com
staff-org-users = Usuários
staff-org-audit = Registro de auditoria desta organização

## Registro de auditoria
staff-audit-title = Registro de auditoria
staff-audit-when = Quando
staff-audit-who = Quem
staff-audit-from = De onde
staff-audit-action = Ação
staff-audit-what = O quê

## Caixa de saída
staff-outbox-title = Caixa de saída de e-mail
staff-outbox-lead = Todas as mensagens que o partnerhub envia, das mais novas às mais antigas.
staff-outbox-none = Nenhum e-mail ainda.
staff-outbox-older = Mensagens mais antigas
staff-outbox-sent = enviado
staff-outbox-waiting = na caixa de saída

## Contas da equipe
staff-team-title = Equipe
staff-team-since = Desde
staff-team-you = Você
staff-team-role-of = Função de { $name }
staff-team-change-role = Alterar função
staff-team-remove-access = Remover acesso
staff-team-removed-on = Acesso removido em { $day }
staff-team-password-shown = A conta está pronta. Dê esta senha ao titular (mostrada uma única vez):
staff-team-add = Adicionar um membro da equipe
staff-team-create = Criar conta da equipe

## Webhooks
staff-webhooks-title = Webhooks
staff-webhooks-registered-lead = O endpoint
staff-webhooks-registered-rest = está registrado. O segredo de assinatura dele, mostrado só desta vez:
staff-webhooks-check-lead = O receptor confere o cabeçalho
staff-webhooks-check-rest = de cada entrega com ele (o README mostra como).
staff-webhooks-none = Nenhum endpoint ainda.
staff-webhooks-events = Eventos
staff-webhooks-enabled = ativado
staff-webhooks-disabled = desativado
staff-webhooks-register-title = Registrar um endpoint
staff-webhooks-register = Registrar
staff-webhook-title = Endpoint de webhook
staff-webhook-turn-off = Desativar
staff-webhook-turn-on = Ativar
staff-webhook-deliveries = Entregas
staff-webhook-event = Evento
staff-webhook-type = Tipo
staff-webhook-attempts = Tentativas
staff-webhook-last-answer = Última resposta
staff-webhook-log = registro
staff-webhook-log-line = { $at }: { $answer } em { $ms } ms
staff-webhook-failed = { $code } (falhou)
staff-webhook-not-tried = ainda não tentada
staff-webhook-all = Todos os endpoints

## Inscrições em competências
staff-competencies-title = Inscrições em competências
staff-competencies-show = Mostrar:
staff-competencies-open = Aguardando decisão
staff-competencies-approved = Aprovadas
staff-competencies-rejected = Recusadas
staff-competencies-review = Analisar
staff-competency-title = Inscrição em { $title }
staff-competency-fee-paid = {","} taxa paga
staff-competency-reviewer = Analista
staff-competency-reason-given = Motivo informado
staff-competency-requirements = Requisitos
staff-competency-evidence = Comprovação
staff-competency-person = Pessoa certificada
staff-competency-certification = ID da certificação
staff-competency-references = Referências de clientes
staff-competency-attestation = Declaração:
staff-competency-attested = confirmada
staff-competency-not-attested = não solicitada ou não confirmada
staff-competency-files = Arquivos
staff-competency-decision = Decisão
staff-competency-take-up = Assumir a análise
staff-competency-approve = Aprovar
staff-competency-reason = Motivo (o parceiro o lê)
staff-competency-reject = Recusar
staff-competency-admin-decides = Um Administrador do programa decide sobre as inscrições.

## Solicitações de serviço
staff-requests-title = Solicitações de serviço
staff-requests-open = Abertas
staff-requests-new = Novas
staff-requests-in-progress = Em andamento
staff-requests-waiting = Aguardando o parceiro
staff-requests-resolved = Resolvidas
staff-requests-closed = Fechadas
staff-requests-any = Qualquer um
staff-requests-org-placeholder = ID de parceiro ou nome
staff-requests-opened-at-least = Abertas há pelo menos
staff-requests-days-ago = dias
staff-requests-anyone = Qualquer pessoa
staff-requests-me = Eu
staff-requests-nobody = Ninguém ainda
staff-requests-filter = Filtrar
staff-requests-request-title = Título
staff-requests-opened = Aberta em
staff-request-title = Solicitação de serviço { $number }
staff-request-org = { $name } (ID de parceiro { $partner })
staff-request-contact = Contato
staff-request-nobody-yet = ninguém ainda
staff-request-assign-to = Atribuir a
staff-request-assign = Atribuir
staff-request-attachments = Anexos
staff-request-conversation = Conversa
staff-request-internal-mark = interna, o parceiro não a vê
staff-request-answer = Resposta
staff-request-answer-hint = opcional; o parceiro a lê e é avisado por e-mail
staff-request-save = Salvar
staff-request-note = Nota interna
staff-request-note-hint = só para a equipe; o parceiro nunca a vê
staff-request-add-note = Adicionar nota
staff-request-refunds = Reembolsos
staff-request-state = Situação
staff-request-credit-note = Nota de crédito
staff-request-no-subscription = Esta solicitação não indica nenhuma assinatura. Para cancelar ou reembolsar uma, indique-a primeiro.
staff-request-name-subscription = Indicar esta assinatura
staff-request-subscription = Assinatura de { $offer }, { $status }, período { $term }
staff-request-subscription-ending = Assinatura de { $offer }, { $status }, período termina em { $end }
staff-request-cancel-subscription = Cancelar assinatura
staff-request-cancel-at-end = Cancelar no fim do período
staff-request-cancel-at-end-hint = a renovação automática é desativada; a assinatura vai até o fim do período; nada é reembolsado
staff-request-cancel-now = Cancelar agora
staff-request-cancel-now-lead = {":"} a assinatura e seus benefícios terminam hoje. A política de reembolso da oferta dá:
staff-request-nothing-to-refund = Não resta nenhum período pago a reembolsar.
staff-request-paid = Pago
staff-request-policy = Política
staff-request-lower-hint = reduza-o se precisar, e diga por quê
staff-request-why-lower = Por que reduzir
staff-request-balances = Saldos de suporte
staff-request-no-balances = A organização não tem incidentes de suporte nem horas de consultoria ativos.
staff-request-balance = { $product }: { $left ->
    [one] resta { $left }
   *[other] restam { $left }
}
staff-request-use = Usar
staff-request-amount = Quantidade
staff-request-draw = Descontar

## Como cada linha do reembolso foi calculada (a cotação do cancelamento).
staff-refund-basis-full = reembolso integral até { $days } dias após o pagamento
staff-refund-basis-prorated = proporcional: { $unused } de { $days } dias não usados
staff-refund-basis-not-refundable = não reembolsável pela política da oferta
staff-refund-basis-ended = o período terminou
