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

## Decisões sobre competências

notification-competency-approved-title = Sua candidatura à competência { $competency } foi aprovada
notification-competency-approved-body = Sua candidatura à competência { $competency } foi aprovada. Pague a taxa anual em Parceria > Associação para manter a competência.
notification-competency-rejected-title = Sua candidatura à competência { $competency } não foi aprovada
notification-competency-rejected-body = Sua candidatura à competência { $competency } não foi aprovada: { $reason }

## Solicitações de serviço

notification-request-answered-title = Solicitação de serviço { $number }: { $status }
notification-request-staff-wrote =
    A equipe do programa escreveu na sua solicitação de serviço { $number } ({ $title }):

    { $message }
notification-request-now = Sua solicitação de serviço { $number } ({ $title }) agora está { $status }.
notification-request-status-new = nova
notification-request-status-in-progress = em andamento
notification-request-status-waiting-for-partner = aguardando o parceiro
notification-request-status-resolved = resolvida
notification-request-status-closed = fechada
notification-request-link = Solicitação de serviço { $number }: { $link }
notification-request-cancelled-at-term-end = Cancelada no fim do período: a assinatura { $offer } termina em { $day } e não será renovada; os benefícios dela continuam até lá. Nada é reembolsado.

## Cancelamentos e reembolsos

notification-cancelled-title = Sua assinatura { $offer } foi cancelada
notification-cancelled-body = Assinatura cancelada: a assinatura { $offer } terminou hoje, e os benefícios dela também.
notification-cancelled-nothing = Nada é reembolsado: não resta nenhum período pago para reembolsar.
notification-cancelled-refund = Reembolso de { $amount } da fatura { $invoice } ({ $basis }) para { $paid_with }; a nota de crédito vem quando o gateway de pagamento fizer o reembolso.
notification-cancelled-no-refund = Nada reembolsado da fatura { $invoice } ({ $basis }).
notification-cancelled-lowered = O reembolso foi reduzido de { $policy } para { $given }: { $reason }
notification-refund-made-title = Nota de crédito { $number }: reembolso de { $amount }
notification-refund-made-body =
    Reembolso de { $amount } feito para { $refunded_to }; nota de crédito { $number } da fatura { $invoice }.

    A nota de crédito: { $link }
