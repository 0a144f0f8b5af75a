# E-mails: assuntos e corpos. Os corpos são texto simples; linhas em branco separam parágrafos.

email-greeting = Olá, { $name },

email-verify-subject = Confirme seu endereço de e-mail no { $program }
email-verify-body =
    Olá, { $name },

    Confirme que { $email } é seu endereço de e-mail no portal { $program }: abra este link e pressione Confirmar (ele funciona uma vez, por { $hours } horas):
    { $link }

    Até lá você pode explorar o portal, mas não pode comprar, convidar usuários nem criar tokens de API.

    Se você não se cadastrou, ignore este e-mail.

email-reset-subject = Redefina sua senha do { $program }
email-reset-body =
    Olá, { $name },

    Alguém pediu para redefinir a senha da sua conta do { $program } ({ $email }). Para escolher uma nova senha, abra este link (ele funciona uma vez, por { $minutes } minutos):
    { $link }

    Se não foi você, ignore este e-mail: sua senha continua a mesma.

email-password-changed-subject = Sua senha do { $program } foi alterada
email-password-changed-body =
    Olá, { $name },

    A senha da sua conta do { $program } ({ $email }) acabou de ser alterada, e as outras sessões foram encerradas.

    Se não foi você, redefina-a agora com "Esqueceu sua senha?" na página de entrada e revogue seus tokens de API em Conta > Tokens de API.

email-change-confirm-subject = Confirme seu novo endereço de e-mail no { $program }
email-change-confirm-body =
    Olá, { $name },

    Você pediu para usar { $new_email } na sua conta do { $program } em vez de { $email }. Abra este link e pressione Confirmar para fazer a alteração (ele funciona uma vez, por { $hours } horas):
    { $link }

    Se você não pediu isso, ignore este e-mail: nada muda.

email-change-requested-subject = Seu endereço de e-mail do { $program }
email-change-requested-body =
    Olá, { $name },

    Alguém conectado à sua conta do { $program } pediu para alterar o endereço de e-mail de { $email } para { $new_email }. A alteração só é feita depois que o novo endereço for confirmado.

    Se não foi você, entre e altere sua senha agora.

email-changed-subject = Seu endereço de e-mail do { $program } foi alterado
email-changed-body =
    Olá, { $name },

    O endereço de e-mail da sua conta do { $program } agora é { $email }; os e-mails sobre ela vão para lá a partir de agora.

    Se você não fez esta alteração, fale com o suporte do programa imediatamente.

email-invitation-subject = Participe de { $org } no { $program }
email-invitation-body =
    { $inviter } convidou você para participar de { $org } no portal { $program } como { $role }.

    Aceite o convite aqui (o link funciona por { $days } dias):
    { $link }

email-receipt-subject = Recibo da sua assinatura { $offer } ({ $number })
email-receipt-body =
    Olá, { $name },

    Seu pedido de { $offer } foi confirmado.

    Fatura { $number }: { $total }, paga com { $paid_with }.
    Período: de { $start } a { $end }.

    A fatura: { $link }

## Avisos de segurança: a forma de entrar mudou, ou alguém insistiu em adivinhar

email-failed-signins-subject = Tentativas de entrada sem sucesso na sua conta
email-failed-signins-body =
    Olá, { $name },

    Houve repetidas tentativas sem sucesso de entrar na sua conta do { $program } ({ $what }, a última de { $from }). Novas tentativas de lá serão recusadas por um tempo.

    Se foi você, espere um pouco e tente de novo. Se não foi, alguém pode conhecer sua senha: altere-a em Conta e configure um segundo fator.
email-guess-password = uma senha errada
email-guess-code = um código errado do segundo fator
email-guess-passkey = uma chave de acesso cuja resposta foi recusada
email-unknown-address = um endereço desconhecido
email-security-body =
    Olá, { $name },

    { $change }.

    Se não foi você, redefina sua senha imediatamente e avise a equipe do programa.
email-authenticator-added = Um aplicativo autenticador foi configurado na sua conta
email-authenticator-removed = O aplicativo autenticador foi removido da sua conta
email-recovery-code-used = { $left ->
        [one] Um código de recuperação foi usado para entrar (resta { $left })
       *[other] Um código de recuperação foi usado para entrar (restam { $left })
    }
email-passkey-added = Uma chave de acesso, "{ $passkey }", foi adicionada à sua conta
email-passkey-removed = A chave de acesso "{ $passkey }" foi removida da sua conta

## Para os administradores do programa

email-webhook-disabled-subject = Um endpoint de webhook foi desativado
email-webhook-disabled-body =
    O endpoint de webhook { $url } falhou repetidamente e foi desativado: { $reason }.

    Corrija o receptor, ative o endpoint de novo e reenvie o que ele perdeu: { $link }
email-webhook-why-failed = o evento { $event } não pôde ser entregue após { $attempts } tentativas em 3 dias
