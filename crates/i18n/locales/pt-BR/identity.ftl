# Cadastro e login, segundo fator, chaves de acesso, links por e-mail e a conta de cada pessoa.
# Mensagens terminadas em -lead/-rest são os dois lados de um nome ou link escrito entre elas.

## Palavras que várias páginas usam
identity-email = E-mail
identity-password = Senha
identity-password-length = (pelo menos 12 caracteres)
identity-password-range = (de 12 a 128 caracteres)
identity-new-password = Nova senha
identity-current-password = Senha atual
identity-your-name = Seu nome
identity-your-email = Seu e-mail
identity-name = Nome
identity-role = Função
identity-created = Criado em
identity-last-used = Último uso
identity-never = nunca
identity-confirm = Confirmar
identity-choose = Escolha…
identity-second-factor-required = Sua função exige um segundo fator.

## Entrar
identity-signin-title = Entrar
identity-staff-signin-title = Entrar como equipe
identity-signin-button = Entrar
identity-signin-with = Entrar com { $provider }
identity-signin-or-password = Ou entre com seu endereço de e-mail e senha:
identity-signin-or-passkey = Ou, sem sua senha:
identity-signin-with-passkey = Entrar com uma chave de acesso
identity-signin-new = Novo no programa?
identity-signin-sign-up = Cadastre sua empresa

## Cadastro
identity-signup-title = Cadastrar-se
identity-signup-heading = Ingresse no { $program }
identity-signup-lead = Cadastre sua empresa para receber um ID de parceiro e uma associação de rede gratuita. Você será o Administrador global dela.
identity-company-name = Nome da empresa
identity-country = País
identity-signup-already = Já é parceiro?

## Um convite
identity-invitation-title = Aceitar convite
identity-invitation-heading = Ingresse em { $org }
identity-invitation-as = Você foi convidado como
identity-invitation-with-address = com o endereço
identity-invitation-choose = {"."} Escolha seu nome e uma senha para aceitar.

## Esqueceu sua senha?
identity-forgot-title = Esqueceu sua senha?
identity-staff-forgot-title = Equipe: esqueceu sua senha?
identity-forgot-lead = Digite o endereço de e-mail da sua conta. Se uma conta tiver esse endereço, enviaremos a ela um link para escolher uma nova senha; o link funciona uma vez, por uma hora.
identity-forgot-lead-staff = Digite o endereço de e-mail da sua conta da equipe. Se uma conta tiver esse endereço, enviaremos a ela um link para escolher uma nova senha; o link funciona uma vez, por uma hora.
identity-forgot-button = Enviar um link por e-mail
identity-back-to-signin = Voltar para Entrar

## Links enviados por e-mail
identity-link-verify-title = Confirme seu endereço de e-mail
identity-link-change-title = Confirme seu novo endereço de e-mail
identity-link-reset-title = Escolha uma nova senha
identity-link-setup-title = Configure sua conta da equipe
identity-link-resend = Reenviar o link
identity-link-ask-again = Pedir um novo link
identity-link-verify-lead = Confirme que
identity-link-verify-rest = é o seu endereço de e-mail.
identity-link-change-lead = Usar
identity-link-change-rest = como o endereço de e-mail da sua conta de agora em diante.
identity-link-password-lead = Escolha uma senha para
identity-link-password-rest = {"."} Todas as sessões da conta serão encerradas.
identity-link-set-password = Definir senha

## O segundo fator ao entrar, e a confirmação de identidade
identity-verify-title = Segundo fator
identity-step-up-title = Confirme que é você
identity-step-up-lead = Pedimos seu segundo fator de novo, pois a última vez que você o informou foi há mais de 15 minutos.
identity-verify-passkey = Sua senha está certa. Agora use uma das suas chaves de acesso.
identity-verify-code = Sua senha está certa. Agora digite o código de seis dígitos que seu aplicativo autenticador mostra, ou um dos seus códigos de recuperação.
identity-verify-passkey-or-code = Sua senha está certa. Agora use uma das suas chaves de acesso, ou digite o código de seis dígitos que seu aplicativo autenticador mostra, ou um dos seus códigos de recuperação.
identity-verify-use-passkey = Usar uma chave de acesso
identity-verify-needs-script = Usar uma chave de acesso exige JavaScript.
identity-verify-needs-script-or-code = Usar uma chave de acesso exige JavaScript; digite um código em vez disso.
identity-verify-or-code = Ou com um código:
identity-verify-code-label = Código
identity-verify-cancel = Cancelar e sair

## Um aplicativo autenticador
identity-totp-title = Configurar um aplicativo autenticador
identity-totp-set-one-up = Configure um para continuar.
identity-totp-or = Ou
identity-totp-add-passkey = adicione uma chave de acesso
identity-totp-instead = como seu segundo fator.
identity-totp-step-open = Abra um aplicativo autenticador no seu telefone (qualquer aplicativo de códigos baseados em tempo serve).
identity-totp-step-scan = Leia este código com ele, ou digite a chave abaixo à mão.
identity-totp-step-type = Digite o código de seis dígitos que o aplicativo mostrar.
identity-totp-qr = Código QR para seu aplicativo autenticador
identity-totp-key = Chave:
identity-totp-code = Código do aplicativo
identity-totp-turn-on = Ativar

## Chaves de acesso
identity-passkeys-title = Chaves de acesso
identity-passkeys-lead = Uma chave de acesso faz seu login com o bloqueio de tela do dispositivo (uma impressão digital, seu rosto ou um PIN) ou uma chave de segurança, sem sua senha, e também conta como seu segundo fator. Uma chave de acesso só funciona neste site, então ninguém pode induzir você a usá-la em outro.
identity-passkeys-unavailable = Não é possível usar chaves de acesso no endereço deste servidor: a URL pública dele deve indicar um nome de host (como https://partners.example.com), não um endereço IP. Fale com o operador.
identity-passkeys-enrol = Adicione uma chave de acesso para continuar, ou
identity-passkeys-enrol-totp = configure um aplicativo autenticador
identity-passkeys-enrol-rest = em vez disso.
identity-passkeys-confirm-first = Para adicionar uma chave de acesso, primeiro
identity-passkeys-confirm-link = confirme que é você
identity-passkeys-confirm-rest = com seu segundo fator.
identity-passkeys-needs-script = Adicionar uma chave de acesso exige JavaScript: o pedido de chave de acesso do navegador é aberto por um script. Remover uma não exige.
identity-passkeys-example-name = Notebook do trabalho
identity-passkeys-add = Adicionar uma chave de acesso
identity-passkeys-none = Você ainda não tem chaves de acesso.
identity-passkeys-new-name-for = Novo nome para { $name }
identity-passkeys-rename = Renomear
identity-passkeys-remove-named = Remover { $name }
identity-passkeys-remove = Remover

## Segurança
identity-security-title = Segurança
identity-security-codes-shown = Seus códigos de recuperação. Guarde-os em um lugar seguro: cada um faz seu login uma vez se você perder seu aplicativo autenticador. Eles não serão mostrados de novo.
identity-security-totp = Aplicativo autenticador
identity-security-on = Ativado
identity-security-off = Desativado
identity-security-none = nenhuma
identity-security-manage-passkeys = Gerenciar chaves de acesso
identity-security-recovery-codes = Códigos de recuperação
identity-security-no-codes = nenhum
identity-security-codes-left = { $count ->
    [one] resta { $count }
   *[other] restam { $count }
}
identity-security-new-codes = Gerar novos códigos de recuperação
identity-security-remove-totp = Remover o aplicativo autenticador
identity-security-sessions = Sessões
identity-security-browser = Navegador
identity-security-address = Endereço
identity-security-signed-in = Entrou em
identity-security-last-seen = Visto por último em
identity-security-this-session = Esta sessão
identity-security-unknown-address = desconhecido
identity-security-sign-out-others = Sair de todos os outros lugares
identity-security-tokens-rest = {":"} veja quando cada um foi usado pela última vez e revogue-os.
identity-security-events = Eventos de segurança recentes
identity-security-no-events = Nenhum ainda.
identity-security-when = Quando
identity-security-what = O quê
identity-security-from = De onde
identity-method-password = senha
identity-method-sign-up = cadastro
identity-method-invitation = convite
identity-method-passkey = chave de acesso
identity-method-sso = logon único

## Conta
identity-account-title = Conta
identity-account-security-rest = {":"} sessões, segundo fator, chaves de acesso, eventos recentes
identity-account-language-label = Ler o partnerhub em
identity-account-language-browser = O idioma do meu navegador
identity-account-language-save = Salvar idioma
identity-account-time-zone = Fuso horário
identity-account-time-zone-label = Os horários aparecem no fuso
identity-account-time-zone-program = O fuso horário do programa ({ $zone })
identity-account-time-zone-save = Salvar fuso horário
identity-account-change-email = Alterar endereço de e-mail
identity-account-change-email-lead = Enviamos um link para o novo endereço; a alteração vale assim que você o abrir, e seu endereço atual é avisado.
identity-account-new-email = Novo endereço de e-mail
identity-account-send-link = Enviar link de confirmação
identity-account-change-password = Alterar senha
identity-account-revoke-tokens = Revogar também meus tokens de API

## Tokens de API
identity-api-tokens-title = Tokens de API
identity-api-tokens-lead = Um token age como você na API
identity-api-tokens-openapi = documento OpenAPI
identity-api-tokens-lead-rest = {","} com a sua função. Envie-o como
identity-api-tokens-copy = Copie seu novo token agora; ele não será mostrado de novo:
identity-api-tokens-example-name = Sincronização do CRM
identity-api-tokens-create = Criar token
identity-api-tokens-ends-in = Termina em
identity-api-tokens-status = Status
identity-api-tokens-active = ativo
identity-api-tokens-revoked = revogado
identity-api-tokens-revoke = Revogar

## Ditos pelo script de chaves de acesso no navegador ({ status } é preenchido pelo script).
identity-passkey-js-unsupported = Este navegador não usa chaves de acesso. Use um navegador atual ou entre com sua senha.
identity-passkey-js-server-refused = O servidor não pôde aceitar este pedido ({"{"}status{"}"}). Recarregue a página e tente de novo.
identity-passkey-js-closed = A janela da chave de acesso foi fechada ou o tempo acabou; nada foi alterado.
identity-passkey-js-duplicate = Este dispositivo já guarda uma chave de acesso para sua conta.
identity-passkey-js-insecure = Este navegador recusou chaves de acesso neste endereço; o site deve ser aberto no seu próprio endereço por https.
identity-passkey-js-failed = Não foi possível usar a chave de acesso.

## Um navegador na lista de sessões.
identity-browser-unknown = Navegador desconhecido
identity-browser-on-system = Um navegador no { $system }
identity-browser-on = { $browser } no { $system }
