"""How the exchange app plugs into kefu: console side panel, widget plug-in and its texts."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


def _panel_context(request, conversation) -> dict:
    return {"conversation_id": conversation.pk}


def widget_strings(language: str) -> dict[str, str]:
    return {
        "exchange.freeze": _("Freeze my account"),
        "exchange.freeze_confirm": _("Freeze your exchange account now? Trading and withdrawals stop until "
                                     "support unfreezes it."),
        "exchange.frozen": _("Your account is frozen. Our security team has been alerted."),
        "exchange.freeze_failed": _("We could not freeze the account automatically; our security team has been "
                                    "alerted and will act now."),
        "exchange.report": _("Report a deposit or withdrawal problem"),
        "exchange.kind.deposit_not_credited": _("Deposit not credited"),
        "exchange.kind.wrong_network": _("Sent on the wrong network or without memo"),
        "exchange.kind.withdrawal_failed": _("Withdrawal failed"),
        "exchange.kind.refund": _("Refund request"),
        "exchange.field.asset": _("Asset (e.g. USDT)"),
        "exchange.field.network": _("Network (e.g. TRC20)"),
        "exchange.field.address": _("Deposit address"),
        "exchange.field.memo": _("Memo / tag"),
        "exchange.field.txid": _("Transaction id (TxID)"),
        "exchange.field.amount": _("Amount"),
        "exchange.field.reference": _("Withdrawal or order id"),
        "exchange.field.description": _("What happened?"),
        "exchange.evidence": _("Screenshots or other evidence (optional)"),
        "exchange.submit": _("Submit"),
        "exchange.cancel": _("Cancel"),
        "exchange.case": _("Case"),
        "exchange.verify_prompt": _("Support agent %(agent)s asks you to confirm that this is your account."),
        "exchange.verify_confirm": _("Yes, it's me"),
        "exchange.verify_code": _("Enter the code we emailed you"),
        "exchange.verified": _("Thank you, you are verified."),
        "exchange.verified_agent": _("Verified agent"),
        "exchange.anti_phishing": _("Your anti-phishing code"),
    }


def register() -> None:
    from kefu.conversations import hooks
    from kefu.exchange.mentions import annotate_message
    from kefu.web import extensions

    hooks.register_message_filter(annotate_message, order=60)
    extensions.register_message_extra("exchange/message_refs.html")
    extensions.register_console_nav(gettext_lazy("Cases"), "exchange:cases")

    extensions.register_conversation_panel("exchange/panel_loader.html", context=_panel_context, order=50)
    extensions.register_widget_plugin("exchange/widget-exchange.js")
    extensions.register_widget_strings(widget_strings)
