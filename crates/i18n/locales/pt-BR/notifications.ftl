# Avisos das assinaturas de uma organização: as notificações do portal e os e-mails que as levam.

notification-expires-today-title = Sua assinatura { $offer } expira hoje
notification-expires-today-body = Sua assinatura { $offer } termina hoje, { $day }. Renove-a para manter os benefícios.
notification-expires-in-title = { $days ->
        [one] Sua assinatura { $offer } expira em { $days } dia
       *[other] Sua assinatura { $offer } expira em { $days } dias
    }
notification-expires-in-body = Sua assinatura { $offer } termina em { $day } e não será renovada automaticamente. Renove-a em Parceria > Ofertas para manter os benefícios.
notification-renews-in-title = { $days ->
        [one] Sua assinatura { $offer } será renovada em { $days } dia
       *[other] Sua assinatura { $offer } será renovada em { $days } dias
    }
notification-renews-in-body = Sua assinatura { $offer } será renovada automaticamente em { $day }: cobraremos { $price } mais impostos no cartão registrado.
notification-charge-failed-title = Falha no pagamento da sua assinatura { $offer }
notification-charge-failed-body =
    Não foi possível cobrar a renovação automática da sua assinatura { $offer }: { $reason }

    Tentaremos de novo em { $day } com o cartão mais recente registrado. Até lá, seus benefícios continuam. Adicione um cartão: { $cards }
    Ou renove agora: { $link }
notification-expired-title = Sua assinatura { $offer } expirou
notification-expired-body = Sua assinatura { $offer } terminou em { $day }: { $why }. Os benefícios dela terminaram. Você pode assinar de novo em Parceria > Ofertas (ou renová-la em até 30 dias após o fim).
notification-ended-title = Sua assinatura { $offer } terminou
notification-ended-body = Sua assinatura { $offer } terminou em { $day }: { $why }. Os benefícios dela terminaram. Você pode assinar de novo em Parceria > Ofertas.
notification-why-payment-failed = o pagamento da renovação falhou depois de todas as tentativas
notification-why-cancelled-at-term-end = ela foi cancelada no fim do período
notification-why-renewal-off-after-failure = a renovação automática foi desativada depois que o pagamento falhou
notification-why-renewal-off = a renovação automática estava desativada
