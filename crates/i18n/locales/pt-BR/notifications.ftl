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
