"""What the exchange knows about a contact, for the agent's side panel: masked by default.

Revealing a field needs a reason and a verified customer, and is written to the audit trail.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from kefu.conversations.models import Conversation
from kefu.conversations.services import Actor
from kefu.core.errors import InvalidInput, NotFound, PermissionDenied
from kefu.exchange.cases import audit
from kefu.exchange.client import ExchangeClient, ExchangeError

MASKED_FIELDS = ("email", "address", "amount", "txid", "ip")
MAX_ITEMS = 5


def mask_email(value: str) -> str:
    local, _, domain = (value or "").partition("@")
    if not domain:
        return "•••"
    name, _, tld = domain.rpartition(".")
    return f"{local[:1]}•••@{name[:1]}•••.{tld}" if name else f"{local[:1]}•••@•••"


def mask_middle(value: str, head: int = 6, tail: int = 4) -> str:
    value = value or ""
    return value if len(value) <= head + tail else f"{value[:head]}…{value[-tail:]}"


def mask(field: str, value: Any) -> str:
    value = "" if value is None else str(value)
    if not value:
        return ""
    if field == "email":
        return mask_email(value)
    if field in ("address", "txid"):
        return mask_middle(value)
    if field == "amount":
        return "•••"
    if field == "ip":
        return value.rsplit(".", 1)[0] + ".•••" if "." in value else "•••"
    return value


def _entry(item: dict, key: str) -> dict:
    """One deposit/withdrawal/security event with its masked fields and the keys to reveal them."""
    shown = {}
    for name, value in item.items():
        if name in MASKED_FIELDS and value:
            shown[name] = {"masked": mask(name, value), "key": f"{key}.{name}"}
        else:
            shown[name] = {"value": value}
    # No explorer link here: it would show the masked TxID; the revealed TxID is enough to look it up.
    return shown


def fetch_account(contact) -> dict[str, Any]:
    """The raw account answer (UID first, email second), or {"error": ...} for the panel to show."""
    if not settings.KEFU_EXCHANGE_URL:
        return {"error": _("The exchange integration is not configured (KEFU_EXCHANGE_URL).")}
    if not contact.external_id and not contact.email:
        return {"error": _("This contact has no exchange UID or email to look up.")}
    try:
        client = ExchangeClient.from_settings()
        if contact.external_id:
            return client.lookup_account(uid=contact.external_id)
        return client.lookup_account(email=contact.email)
    except ExchangeError as error:
        return {"error": error.detail}


def account_context(contact) -> dict[str, Any]:
    """The side panel's data: account facts, recent deposits, withdrawals, security events, all masked."""
    data = fetch_account(contact)
    if "error" in data:
        return {"error": data["error"]}
    account = data["account"]
    return {
        "account": {
            "uid": account.get("uid", ""), "kyc_level": account.get("kyc_level", ""),
            "status": account.get("status", ""), "name": account.get("name", ""),
            "email": {"masked": mask_email(account.get("email", "")), "key": "account.email"},
        },
        "deposits": [_entry(d, f"deposits.{i}") for i, d in enumerate(data.get("deposits", [])[:MAX_ITEMS])],
        "withdrawals": [_entry(w, f"withdrawals.{i}") for i, w in enumerate(data.get("withdrawals", [])[:MAX_ITEMS])],
        "security_events": [_entry(e, f"security_events.{i}")
                            for i, e in enumerate(data.get("security_events", [])[:MAX_ITEMS])],
    }


def _pick(data: dict, key: str) -> str:
    section, *rest = key.split(".")
    node: Any = data.get(section)
    for part in rest:
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise NotFound(f"no field {key}")
    if isinstance(node, dict | list):
        raise NotFound(f"no field {key}")
    return str(node)


def reveal_field(conversation: Conversation, actor: Actor, key: str, reason: str) -> str:
    """Show one masked field (e.g. "deposits.0.address") to an agent who gives a reason.

    Needs a verified customer. Side effect: audit `exchange_field_revealed` with the key and the reason.
    """
    from kefu.exchange.verification import require_verified

    if actor.agent is None:
        raise PermissionDenied(_("Only an agent can reveal a field."))
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise InvalidInput(_("Say why you need to see this field (at least 5 characters)."))
    if key.rsplit(".", 1)[-1] not in MASKED_FIELDS:
        raise InvalidInput(f"{key} is not a masked field")
    require_verified(conversation)
    data = fetch_account(conversation.contact)
    if "error" in data:
        raise ExchangeError(data["error"])
    value = _pick(data, key)
    audit(conversation, actor, "exchange_field_revealed", key[:40], "", reason)
    return value
