# Erros que uma pessoa lê: o `detail` dos problemas da API e as mensagens dos formulários. Os `code`s da API ficam em inglês.

error-storage-unavailable = Não conseguimos salvar alterações agora (o armazenamento do nosso banco de dados está indisponível); nada foi alterado. Tente de novo em um minuto.
error-internal = Algo deu errado do nosso lado; o erro foi registrado. Tente de novo.
error-sign-in-first = entre primeiro
error-bad-credentials = o endereço de e-mail ou a senha não está certo
error-gateway-unavailable = o gateway de pagamento não responde agora ({ $why }); tente de novo em instantes
error-payment-pending = ainda não conseguimos confirmar seu pagamento com o gateway de pagamento; estamos verificando, e nada será cobrado duas vezes
error-rate-limited = { $seconds ->
        [one] tentativas demais; tente de novo em { $seconds } segundo
       *[other] tentativas demais; tente de novo em { $seconds } segundos
    }
error-role-does-not-allow = sua função não permite { $what }
error-email-unverified = confirme seu endereço de e-mail antes de { $what }: abra o link que enviamos para { $email } ou peça um novo em Reenviar

## Não encontrado: não existe, ou não é de quem lê.
error-not-found-subscription = assinatura não encontrada
error-not-found-org = organização não encontrada
error-not-found-service-request = solicitação de serviço não encontrada
error-not-found-order = pedido não encontrado
error-not-found-offer = oferta não encontrada
error-not-found-invitation = convite não encontrado
error-not-found-user = usuário não encontrado
error-not-found-application = inscrição não encontrada
error-not-found-file = arquivo não encontrado
error-not-found-unit = unidade não encontrada
error-not-found-staff-member = membro da equipe não encontrado
error-not-found-passkey = chave de acesso não encontrada
error-not-found-invoice = fatura não encontrada
error-not-found-competency = competência não encontrada
error-not-found-benefit = benefício não encontrado
error-not-found-api-token = token de API não encontrado
error-not-found-webhook-endpoint = endpoint de webhook não encontrado
error-not-found-webhook-delivery = entrega de webhook não encontrada
error-not-found-session = sessão não encontrada
error-not-found-payment-method = forma de pagamento não encontrada
error-not-found-credit-note = nota de crédito não encontrada
error-not-found-support-balance = saldo de suporte não encontrado
error-not-found-single-sign-on = logon único não encontrado
error-not-found-price = preço não encontrado
error-not-found-page = página não encontrada
error-not-found-license-key = chave de licença não encontrada
error-not-found-country = país não encontrado
error-not-found-competency-level = nível de competência não encontrado
error-not-found-authenticator-app = aplicativo autenticador não encontrado
error-not-found-api-route = rota da API não encontrada

## Cartões recusados, como os gateways dizem.
error-card-insufficient-funds = Seu cartão não tem saldo suficiente.
error-card-expired = Seu cartão está vencido.
error-card-incorrect-cvc = O código de segurança do seu cartão está incorreto.
error-card-declined = Seu cartão foi recusado.

## Links enviados por e-mail.
error-link-used = este link já foi usado; cada link funciona uma vez
error-link-expired = este link expirou
error-link-unknown = este link não é conhecido: confira se foi copiado inteiro ou peça um novo

## Valores recusados.
error-invalid-email = digite um endereço de e-mail como nome@exemplo.com
error-password-repeated = escolha uma senha que não seja um só caractere repetido
error-password-is-email = escolha uma senha que não seja seu endereço de e-mail
error-password-common = esta senha é comum demais; escolha outra
error-password-length = escolha uma senha de 12 a 128 caracteres
error-card-number = digite o número do cartão como está impresso nele
error-card-number-typo = este número de cartão não é válido; confira se há erro de digitação
error-card-exp-month = digite o mês de validade de 1 a 12
error-card-exp-year = digite o ano de validade como 2029
error-card-has-expired = este cartão está vencido; use outro cartão
error-card-exp-year-printed = digite o ano de validade impresso no cartão
error-card-cvc-3 = digite o código de segurança de 3 dígitos
error-card-cvc-4 = digite o código de segurança de 4 dígitos
error-problem-type = escolha o tipo de problema na lista
error-problem-type-filter = escolha um tipo de problema na lista
error-description-long = descreva o problema em no máximo 10.000 caracteres
error-phone = escreva um número de telefone só com dígitos, espaços e + - ( )
error-message-long = escreva uma mensagem de no máximo 10.000 caracteres
error-memo = escreva no máximo 200 caracteres em uma linha
error-reload-and-resend = recarregue a página e envie o formulário de novo
error-tier = escolha prata ou ouro
error-reject-reason = diga por que foi rejeitada (no máximo 1.000 caracteres); o parceiro lerá
error-current-password = a senha atual não está certa
error-same-email = este já é o seu endereço
error-choose-subscription = escolha uma das assinaturas da sua organização
error-choose-org-subscription = escolha uma das assinaturas desta organização
error-whole-days = escreva um número inteiro de dias, como 7
error-choose-staff = escolha um membro da equipe
error-no-such-staff = não há membro da equipe com esse endereço
error-request-status = escolha o novo status da solicitação
error-whole-units = escreva um número inteiro de incidentes ou horas, como 1
error-totp-wrong = esse código não está certo; digite os seis dígitos que o aplicativo mostra agora
error-totp-used = esse código já foi usado; espere o próximo
error-code-wrong = esse código não está certo ou já foi usado
error-choose-role = escolha uma das funções da lista
error-choose-card = escolha um dos seus cartões salvos
error-choose-country = escolha seu país na lista
error-choose-file = escolha um arquivo para anexar
error-form-unreadable = não foi possível ler o formulário; envie de novo
error-upload-unreadable = não foi possível ler o envio; envie de novo

## O que uma função não permite: "sua função não permite …".
error-act-activate-benefits-ask = ativar benefícios; peça a um Administrador de contas ou a um Administrador global
error-act-add-payment-methods = adicionar formas de pagamento
error-act-answer-service-requests = responder solicitações de serviço
error-act-apply-for-competencies-ask = inscrever-se em competências; peça a um Administrador de contas ou a um Administrador global
error-act-assign-benefits-ask = atribuir benefícios; peça a um Administrador de contas ou a um Administrador global
error-act-assign-service-requests = atribuir solicitações de serviço
error-act-buy = comprar
error-act-buy-offers-ask = comprar ofertas; peça a um Administrador de cobrança ou a um Administrador global
error-act-cancel-subscriptions = cancelar assinaturas
error-act-change-service-requests = alterar solicitações de serviço
error-act-change-staff-accounts = alterar contas da equipe
error-act-create-api-tokens = criar tokens de API
error-act-create-staff-accounts = criar contas da equipe
error-act-decide-how-the-orgs-users-sign-in = decidir como os usuários da organização entram
error-act-decide-on-competency-applications = decidir sobre inscrições em competências
error-act-download-the-reconciliation-file = baixar o arquivo de conciliação
error-act-draw-down-support-balances = debitar saldos de suporte
error-act-invite-users = convidar usuários
error-act-manage-invitations = gerenciar convites
error-act-manage-the-users-of-your-org = gerenciar os usuários da sua organização
error-act-manage-webhooks = gerenciar webhooks
error-act-open-service-requests-ask = abrir solicitações de serviço; peça a um administrador da sua organização
error-act-read-the-audit-log = ler o registro de auditoria
error-act-read-the-email-outbox = ler a caixa de saída de e-mails
error-act-read-webhook-events = ler eventos de webhook
error-act-renew-a-subscription = renovar uma assinatura
error-act-renew-subscriptions-ask = renovar assinaturas; peça a um Administrador de cobrança ou a um Administrador global
error-act-reopen-service-requests-ask = reabrir solicitações de serviço; peça a um administrador da sua organização
error-act-see-and-manage-the-users-of-your = ver e gerenciar os usuários da sua organização
error-act-see-benefits = ver benefícios
error-act-see-credit-notes = ver notas de crédito
error-act-see-invoices = ver faturas
error-act-see-notifications = ver notificações
error-act-see-partner-orgs = ver organizações parceiras
error-act-see-payment-methods = ver formas de pagamento
error-act-see-service-requests = ver solicitações de serviço
error-act-see-service-requests-ask = ver solicitações de serviço; peça a um administrador da sua organização
error-act-see-staff-accounts = ver contas da equipe
error-act-see-subscriptions = ver assinaturas
error-act-see-the-credit-ledger = ver o extrato de créditos
error-act-see-the-users-of-your-org = ver os usuários da sua organização
error-act-see-this-license-key-ask = ver esta chave de licença; as chaves são mostradas a Administradores de contas, Administradores globais e ao usuário que detém a chave
error-act-see-your-membership = ver sua associação
error-act-use-credits-ask = usar créditos; peça a um Administrador de contas ou a um Administrador global
error-act-write-in-service-requests = escrever em solicitações de serviço
error-act-write-in-service-requests-ask = escrever em solicitações de serviço; peça a um administrador da sua organização

## Benefícios.
error-subscription-ended-benefits = a assinatura { $offer } terminou; renove-a para ter os benefícios de volta
error-benefits-active-already = os benefícios da assinatura { $offer } já estão ativos
error-benefit-ended = o benefício { $product } terminou com a assinatura
error-benefit-not-assignable = { $product } não é atribuído a pessoas; só assentos e chaves de licença são
# $kind é "license" ou "seat".
error-benefit-already-assigned = { $name } já tem { $kind ->
        [license] uma das chaves de licença
       *[seat] um dos assentos
    } de { $product }
error-benefit-none-left = { $kind ->
        [license] todas as { $units } chaves de licença
       *[seat] todos os { $units } assentos
    } de { $product } estão atribuídos; desfaça uma atribuição primeiro
error-benefit-just-taken = { $kind ->
        [license] essa chave de licença
       *[seat] esse assento
    } de { $product } acabou de ser atribuído a outra pessoa; tente de novo
error-license-key-revoked = esta chave de licença foi revogada quando a assinatura terminou
error-not-a-credit = { $product } não é um saldo de créditos
error-idempotency-key-reused = esta Idempotency-Key foi usada em outra requisição
error-credit-left = restam só { $left } dos créditos de { $product }
error-already-drawn = este débito já foi registrado
error-support-left = restam só { $left } de { $product }

## Contas, usuários e equipe.
error-address-has-account = o endereço { $email } já tem uma conta
error-address-invited-already = o endereço { $email } já foi convidado; cancele esse convite para enviar um novo
error-email-confirmed-already = { $email } já está confirmado; não há nada para reenviar
error-role-not-allowed = sua função não permite gerenciar usuários
error-role-global-admin-only = só um Administrador global pode conceder, alterar ou remover a função de Administrador global
error-role-last-global-admin = uma organização precisa manter pelo menos um Administrador global; torne outra pessoa Administrador global primeiro
error-role-own = ninguém altera a própria função; peça a outro administrador da sua organização
error-staff-exists = já existe uma conta da equipe para { $email }
error-staff-own-account = você não pode alterar sua própria conta da equipe; peça a outro administrador do programa
error-staff-last-admin = o programa precisa de pelo menos um administrador do programa; crie outro primeiro

## Logon único; $provider é o nome do provedor.
error-sso-not-offered = os usuários parceiros não entram com { $provider } neste programa
error-sso-no-email = { $provider } não nos informou seu endereço de e-mail, então não conseguimos encontrar sua conta
error-sso-email-not-verified = { $provider } não verificou seu endereço de e-mail; verifique-o lá e entre de novo
error-sso-access-removed = seu acesso de equipe foi removido; peça a um administrador do programa
error-sso-linked-elsewhere = sua conta aqui está vinculada a outra conta { $provider }; entre com aquela
error-sso-no-staff-account = não há conta da equipe para seu endereço { $provider }; peça a um administrador do programa para criar uma
error-sso-no-partner-user = nenhum usuário parceiro tem seu endereço { $provider }; peça ao administrador da sua organização para convidar você, ou cadastre-se
error-sso-staff-only = a equipe entra com { $provider } aqui; a entrada com senha está desativada
error-sso-org-requires = sua organização exige entrar com { $provider }; use Entrar com { $provider }
error-sso-state-unknown = esta entrada já foi concluída, expirou ou não foi iniciada aqui; comece de novo
error-sso-expired = a entrada levou mais de 10 minutos; comece de novo
error-sso-other-browser = esta entrada foi iniciada em outro navegador; comece de novo neste
error-sso-wrong-issuer = a resposta veio de um provedor diferente de { $provider }; comece de novo
error-sso-provider-error = { $provider } não fez sua entrada: { $said }
error-sso-no-code = { $provider } não enviou um código de autorização; comece de novo

## Comprar e renovar.
error-not-a-network-member = Você deve ser um membro de rede para atualizar sua associação.
error-missing-level = Você precisa de { $level } primeiro.
error-already-held = Sua organização já tem uma assinatura { $offer } ativa; só pode haver uma por vez.
error-not-priced = { $offer } não é vendido em { $currency }, a moeda do seu país.
error-credit-other-currency = O crédito da assinatura substituída está em { $currency }, não na moeda deste pedido.
error-offer-payment-in-progress = um pagamento desta oferta está sendo processado; tente de novo em instantes
error-order-payment-in-progress = um pagamento deste pedido está sendo processado
error-order-paid = este pedido já está pago
error-order-closed = este pedido foi deixado de lado; comece de novo em Parceria > Ofertas
error-terms-changed = os Termos e condições agora estão na versão { $version }; leia-os e concorde de novo
error-terms-not-accepted = concorde com os Termos e condições primeiro
error-step-not-reached = conclua as etapas anteriores primeiro
error-fee-not-payable = só pode ser paga uma inscrição aprovada cuja taxa não foi paga
error-offer-earned = { $offer } é conquistado: inscreva-se com suas evidências e pague a taxa quando a equipe aprovar
error-renewal-already-off = A renovação automática já está desativada. Ela só pode ser ativada novamente renovando a assinatura.
error-subscription-ended = Esta assinatura terminou.
error-renewal-too-early = A renovação abre em { $day }, 90 dias antes do fim do período.
error-renewal-too-late = O prazo de renovação fechou em { $day }, 30 dias depois do fim do período; assine de novo em Parceria > Ofertas.
error-renews-automatically = Esta assinatura é renovada automaticamente; não há nada para renovar manualmente até o período chegar ao fim.
error-live-subscription-renew-that = Sua organização já tem uma assinatura { $offer } ativa; renove aquela.
error-term-renewed-already = este período já foi renovado
error-subscription-payment-in-progress = um pagamento desta assinatura está sendo processado
error-subscription-ended-already = a assinatura { $offer } já terminou

## Competências e solicitações de serviço.
error-competency-held = sua organização já tem a competência { $competency } { $tier }
error-application-open = já há uma inscrição aberta para { $competency }; espere a decisão, ou pague a taxa se foi aprovada
error-application-decided = só é possível adicionar arquivos enquanto a inscrição aguarda a decisão
error-application-too-many-files = { $max ->
        [one] uma inscrição tem no máximo { $max } arquivo
       *[other] uma inscrição tem no máximo { $max } arquivos
    }
error-request-closed = esta solicitação está fechada
error-request-files-closed = só é possível adicionar arquivos enquanto a solicitação está aberta
error-request-names-subscription = esta solicitação já indica uma assinatura
error-request-no-subscription = esta solicitação não indica uma assinatura para cancelar
error-request-too-many-files = { $max ->
        [one] uma solicitação tem no máximo { $max } arquivo
       *[other] uma solicitação tem no máximo { $max } arquivos
    }
error-act-choose-the-billing-language = escolher o idioma de cobrança

## Arquivos enviados com um formulário e valores digitados pela equipe. $name é o nome do arquivo como foi enviado.
error-file-empty = { $name }: o arquivo está vazio
error-file-too-large = { $name }: o arquivo tem mais de { $megabytes } MB
error-file-type = { $name }: envie um arquivo PDF, PNG, JPEG ou de texto simples
error-file-name = { $name }: o arquivo precisa de um nome
error-too-many-files = anexe no máximo { $most } arquivos
error-refund-amount = escreva o reembolso em { $currency }, como 12,50
error-amount-in = escreva um valor em { $currency }, como 12,50

## Recusas do segundo fator, das chaves de acesso, do cadastro, dos formulários e das rotas.
error-unit-not-assigned = ninguém está com esta
error-enrol-first = configure primeiro um segundo fator
error-no-passkey = esta conta não tem chave de acesso; digite um código do seu aplicativo autenticador
error-passkey-ceremony-gone = este pedido de chave de acesso expirou ou já foi usado; comece de novo
error-passkey-unverified = não foi possível verificar a resposta da chave de acesso; tente de novo
error-passkey-registered = esta chave de acesso já está registrada; use-a para entrar ou adicione outra
error-totp-exists = já há um aplicativo autenticador configurado; remova-o antes de configurar outro
error-totp-start-again = comece de novo a configuração do aplicativo autenticador
error-totp-first = configure primeiro um aplicativo autenticador; os códigos de recuperação vêm com ele
error-step-up-first = confirme primeiro que é você com o seu segundo fator
error-role-keeps-second-factor = a sua função exige um segundo fator: configure outro antes de remover este
error-email-has-account = este endereço de e-mail já tem uma conta; entre com ele
error-role-change-subscriptions = a sua função não permite alterar assinaturas
error-generate-sandbox-only = organizações geradas pagam com cartões de teste; use o gateway de teste (sandbox)
error-route-for-partners = esta rota é para usuários de parceiros; use o token de um usuário de parceiro
error-route-for-staff = esta rota é para a equipe do programa
error-staff-only-status-notes = só a equipe define um status ou escreve notas internas
error-form-expired = este formulário expirou ou não veio do partnerhub; recarregue a página e tente de novo
error-time-zone-unknown = { $zone } não é um fuso horário; escolha um da lista
error-refund-more-than-due = o reembolso não pode ser maior do que a política permite ({ $most })
error-refund-negative = o reembolso não pode ser negativo
error-refund-no-reason = diga por que o reembolso é menor do que a política permite
error-refund-currency = o reembolso deve ser em { $currency }
