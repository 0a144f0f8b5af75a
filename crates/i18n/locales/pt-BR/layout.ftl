# O layout de todas as páginas: o menu, quem está conectado, os avisos.

# O nome deste idioma, como a escolha de idioma o mostra.
layout-language-name = Português (Brasil)
layout-staff-console = console da equipe

## O menu (as palavras do Partner Center: Painel, Parceria > Ofertas, Suporte)
layout-nav-dashboard = Painel
layout-nav-partnership = Parceria
layout-nav-offers = Ofertas
layout-nav-membership = Associação
layout-nav-competencies = Competências
layout-nav-benefits = Benefícios
layout-nav-invoices = Faturas
layout-nav-users = Usuários
layout-nav-support = Suporte
layout-nav-notifications = Notificações
layout-nav-account = Conta
layout-nav-orgs = Organizações
layout-nav-requests = Solicitações
layout-nav-audit = Registro de auditoria
layout-nav-outbox = Caixa de saída
layout-nav-webhooks = Webhooks
layout-nav-staff = Equipe
layout-sign-out = Sair

## Funções
layout-role-support-agent = Agente de suporte
layout-role-program-admin = Administrador do programa

## O aviso de um endereço ainda não confirmado: o endereço fica entre as duas partes.
layout-unverified-lead = Confirme seu endereço de e-mail: abra o link que enviamos para
layout-unverified-rest = {"."} Até lá, você pode navegar, mas não pode comprar, convidar usuários nem criar tokens de API.
layout-resend = Reenviar

## Avisos depois de uma alteração
layout-notice-welcome = Boas-vindas! Sua organização ingressou no programa com uma associação de rede.
layout-notice-invited = Convite enviado.
layout-notice-session-ended = Essa sessão foi encerrada.
layout-notice-sessions-ended = Todas as outras sessões foram encerradas.
layout-notice-totp-added = O aplicativo autenticador está ativado. Guarde seus códigos de recuperação agora.
layout-notice-totp-removed = O aplicativo autenticador foi removido.
layout-notice-card-added = Cartão salvo. As renovações automáticas passam a cobrá-lo.
layout-notice-invitation-cancelled = Convite cancelado.
layout-notice-role-changed = Função alterada.
layout-notice-user-removed = Usuário removido.
layout-notice-password-changed = Senha alterada. Suas outras sessões foram encerradas.
layout-notice-token-revoked = Token de API revogado.
layout-notice-passkey-added = Chave de acesso adicionada. Você pode entrar com ela em vez da senha.
layout-notice-passkey-renamed = Chave de acesso renomeada.
layout-notice-passkey-removed = Chave de acesso removida. Ela não permite mais que você entre.
layout-notice-joined = Boas-vindas! Você ingressou na sua organização.
layout-notice-benefits-activated = Benefícios ativados. Eles ficam ativos até o fim da assinatura.
layout-notice-benefit-assigned = Atribuído.
layout-notice-benefit-unassigned = Devolvido; está livre para outra pessoa.
layout-notice-credits-used = Créditos usados.
layout-notice-file-attached = Arquivo anexado.
layout-notice-request-opened = Solicitação enviada. A equipe de suporte responde aqui e por e-mail.
layout-notice-reply-sent = Resposta enviada.
layout-notice-request-reopened = Solicitação reaberta.
layout-notice-sso-required = Pronto. Os usuários da sua organização agora entram apenas pelo logon único.
layout-notice-sso-not-required = Pronto. Os usuários da sua organização podem voltar a entrar com senha.
layout-notice-applied = Inscrição enviada. A equipe do programa vai analisá-la; você será informado da decisão.
layout-notice-verification-sent = Enviamos um novo link para confirmar seu endereço de e-mail; ele vale por 24 horas.
layout-notice-email-verified = Obrigado: seu endereço de e-mail está confirmado.
layout-notice-email-change-sent = Enviamos um link para o novo endereço; a alteração vale assim que você abri-lo e clicar em Confirmar.
layout-notice-email-changed = Seu endereço de e-mail foi alterado; de agora em diante, entre com o novo.
layout-notice-reset-requested = Se uma conta tiver esse endereço, enviamos a ela um link para escolher uma nova senha. O link funciona uma vez, por uma hora.
layout-notice-password-set = Sua senha foi definida; entre com ela. Todas as sessões anteriores foram encerradas.
layout-notice-language-saved = Seu idioma foi salvo.
layout-notice-time-zone-saved = Seu fuso horário foi salvo.

## A troca de idioma das páginas sem login, e a escolha na página Conta
layout-language = Idioma

## A página de erro
layout-error-title = Erro { $status }
layout-error-not-found = Não encontrado
layout-error-not-allowed = Não permitido
layout-error-too-many = Tentativas demais
layout-error-wrong = Algo deu errado
layout-error-resend-lead = Para receber um novo link, clique em Reenviar no aviso no alto do
layout-error-resend-dashboard = seu Painel
layout-error-back = Voltar ao partnerhub
