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
