"""`/freeze` in the exchange's Telegram bot: an emergency account freeze for a customer who believes the
account is compromised (issue 6). Needs the exchange app; without it `/freeze` is an ordinary message.

A chat already linked to an exchange account (its contact has the exchange UID) is frozen at once. Any
other chat gives a UID or email after the command, and the freeze is confirmed through the account's
email, exactly like the public freeze form: a Telegram chat alone never proves who owns an account.
"""

from __future__ import annotations

import logging

from django.apps import apps
from django.utils import translation
from django.utils.translation import gettext as _

from kefu.channels.models import Inbox
from kefu.contacts.models import ContactIdentity
from kefu.core.errors import KefuError

log = logging.getLogger(__name__)
COMMAND = "/freeze"


def is_freeze_command(text: str) -> bool:
    return apps.is_installed("kefu.exchange") and text.strip().split(" ")[0].split("@")[0].lower() == COMMAND


def handle_freeze(inbox: Inbox, chat_id: str, text: str, language: str) -> str:
    """Freeze (or start confirming a freeze of) the chat's account; returns the reply for the chat."""
    from kefu.exchange import freeze
    from kefu.exchange.models import FreezeStatus

    argument = text.strip()[len(text.strip().split(" ")[0]):].strip()
    identity = (ContactIdentity.objects.filter(inbox=inbox, kind="telegram", identifier=chat_id)
                .select_related("contact").first())
    with translation.override(language):
        try:
            if identity is not None and identity.contact.external_id:
                request = freeze.request_freeze(identity.contact, "telegram", reason="Telegram /freeze",
                                                inbox=inbox)
                if request.status == FreezeStatus.FROZEN:
                    return _("Your exchange account has been frozen. Our security team has opened an urgent "
                             "case and will contact you here.")
                return _("We could not freeze your account automatically. Our security team has been "
                         "alerted and is handling it urgently.")
            if not argument:
                return _("To freeze your account, send /freeze followed by your UID or the email address of "
                         "your account. We will confirm through that account's email.")
            freeze.request_freeze_by_identifier(argument, language=language)
            return _("If an account matches, we have sent a confirmation to its email address. Open it to "
                     "freeze the account at once.")
        except KefuError as error:
            return error.detail
