"""Structured cases: the verbs that open, check, move and approve them (the only writers of Case).

States: submitted -> verifying -> awaiting_customer <-> verifying -> approved -> recovered, and
rejected from any open state. Approval needs a second agent (four eyes) and a verified customer.
Every step appends a CaseEvent and an entry in the conversation's audit trail, and tells the
customer's widget (`exchange.case` event).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from kefu.conversations import services as conversations
from kefu.conversations.events import agent_groups, customer_group
from kefu.conversations.models import AuditEvent, Conversation, NumberSequence
from kefu.conversations.services import Actor
from kefu.core.errors import Conflict, InvalidInput, PermissionDenied
from kefu.core.events import publish
from kefu.exchange import chains
from kefu.exchange.models import Case, CaseEvent, CaseEvidence, CaseKind, CaseStatus

S = CaseStatus
TRANSITIONS: dict[str, set[str]] = {
    S.SUBMITTED: {S.VERIFYING, S.REJECTED},
    S.VERIFYING: {S.AWAITING_CUSTOMER, S.APPROVED, S.REJECTED},
    S.AWAITING_CUSTOMER: {S.VERIFYING, S.REJECTED},
    S.APPROVED: {S.RECOVERED, S.REJECTED},
    S.RECOVERED: set(),
    S.REJECTED: set(),
}
OPEN_STATUSES = {S.SUBMITTED, S.VERIFYING, S.AWAITING_CUSTOMER, S.APPROVED}

# Exactly what each kind of case needs from the customer.
REQUIRED: dict[str, tuple[str, ...]] = {
    CaseKind.DEPOSIT_NOT_CREDITED: ("asset", "network", "txid", "amount"),
    CaseKind.WRONG_NETWORK: ("asset", "network", "address", "txid", "amount"),
    CaseKind.WITHDRAWAL_FAILED: ("asset", "network", "amount", "reference"),
    CaseKind.REFUND: ("asset", "amount", "reference", "description"),
}


class FourEyesRequired(PermissionDenied):
    code = "four-eyes-required"
    title = "A second agent must approve"


class InvalidTransition(Conflict):
    code = "invalid-case-transition"
    title = "This case cannot move to that state"


def audit(conversation: Conversation, actor: Actor, action: str, field: str = "", old: object = "",
          new: object = "") -> AuditEvent:
    """Append to the conversation's audit trail (exchange actions: cases, reveals, verification, freeze)."""
    return AuditEvent.objects.create(
        conversation=conversation, actor_type=actor.type, actor_agent=actor.agent, actor_label=actor.label[:200],
        action=action, field=field, old_value=str(old or "")[:300], new_value=str(new or "")[:300])


def _next_number() -> int:
    with transaction.atomic():
        if not NumberSequence.objects.filter(name="exchange_case").update(last_value=F("last_value") + 1):
            try:
                with transaction.atomic():
                    NumberSequence.objects.create(name="exchange_case", last_value=1001)
                    return 1001
            except IntegrityError:
                NumberSequence.objects.filter(name="exchange_case").update(last_value=F("last_value") + 1)
        return NumberSequence.objects.get(name="exchange_case").last_value


def case_payload(case: Case) -> dict:
    """What the customer and the console see of a case (labels in the active language)."""
    network = chains.NETWORKS.get(case.network)
    return {
        "id": case.pk, "number": case.number, "reference_label": f"C-{case.number}", "kind": case.kind,
        "kind_label": str(CaseKind(case.kind).label), "status": case.status,
        "status_label": str(CaseStatus(case.status).label), "conversation_id": case.conversation_id,
        "asset": case.asset, "network": case.network, "network_label": chains.network_label(case.network),
        "address": case.address, "memo": case.memo, "txid": case.txid,
        "amount": format(case.amount.normalize(), "f") if case.amount is not None else None,
        "reference": case.reference, "description": case.description, "findings": case.findings,
        "explorer_url": network.tx_url(case.txid) if network and case.txid else "",
        "awaiting_approval": bool(case.proposed_by_id) and case.status == S.VERIFYING,
        "created_at": case.created_at.isoformat(), "updated_at": case.updated_at.isoformat(),
    }


def _publish(case: Case) -> None:
    conversation = case.conversation
    publish(agent_groups(conversation), {"type": "exchange.case", "case": case_payload(case)})
    with override(conversation.contact.language):
        publish([customer_group(conversation)], {"type": "exchange.case", "case": case_payload(case)})


def _record(case: Case, actor: Actor, action: str, old: str = "", new: str = "", note: str = "") -> None:
    CaseEvent.objects.create(case=case, action=action, old_status=old, new_status=new, actor_type=actor.type,
                             actor_agent=actor.agent, actor_label=actor.label[:200], note=note)
    audit(case.conversation, actor, f"case_{action}", f"C-{case.number}", old, new or note)


def validate_case_fields(kind: str, fields: dict) -> chains.TransferCheck:
    """Check a case form; InvalidInput listing every problem (field, code, message) if it cannot go on."""
    if kind not in CaseKind.values:
        raise InvalidInput(f"kind must be one of: {', '.join(CaseKind.values)}")
    required = REQUIRED[kind]
    check = chains.check_transfer(
        asset=fields.get("asset", ""), network=fields.get("network", ""), address=fields.get("address", ""),
        memo=fields.get("memo", ""), txid=fields.get("txid", ""), amount=fields.get("amount") or None,
        required=tuple(f for f in required if f in {"asset", "network", "address", "txid", "amount"}))
    for name in ("reference", "description"):
        if name in required and not str(fields.get(name) or "").strip():
            check.add("missing_" + name, "error", name, _("This field is required."))
    if not check.ok:
        errors = [{"field": f.field, "code": f.code, "message": f.message} for f in check.findings
                  if f.severity == "error"]
        raise InvalidInput("; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors)
    return check


def open_case(conversation: Conversation, actor: Actor, kind: str, fields: dict,
              attachment_ids: list[int] | tuple[int, ...] = ()) -> Case:
    """Open a structured case in a conversation from validated fields; evidence files go with it.

    The customer (or agent) gets a message in the conversation summarizing the case with the evidence
    attached; a chain look-up is queued. Side effects: CaseEvent + audit `case_opened`, `exchange.case`.
    """
    check = validate_case_fields(kind, fields)
    with transaction.atomic():
        case = Case.objects.create(
            number=_next_number(), kind=kind, conversation=conversation, contact=conversation.contact,
            asset=check.asset, network=check.network, address=check.address, memo=check.memo, txid=check.txid,
            amount=check.amount, reference=str(fields.get("reference") or "")[:100].strip(),
            description=str(fields.get("description") or "")[:5000].strip(),
            findings=[{"code": f.code, "severity": f.severity, "field": f.field, "message": f.message}
                      for f in check.findings],
            created_by_agent=actor.agent if actor.type == "agent" else None,
        )
        message, _created = conversations.post_message(
            conversation, actor, _case_summary(case), internal=actor.type == "agent" and not attachment_ids,
            attachment_ids=list(attachment_ids), client_id=f"case-{case.number}")
        for attachment in message.attachments.all():
            CaseEvidence.objects.create(case=case, attachment=attachment)
        _record(case, actor, "opened", "", S.SUBMITTED)
        _publish(case)
        transaction.on_commit(lambda: _enqueue_lookup(case.pk))
    return case


def _case_summary(case: Case) -> str:
    parts = [f"C-{case.number}: {CaseKind(case.kind).label}"]
    for label, value in ((_("Asset"), case.asset), (_("Network"), chains.network_label(case.network)),
                         (_("Amount"), case.amount and format(case.amount.normalize(), "f")),
                         (_("Address"), case.address), (_("Memo / tag"), case.memo), ("TxID", case.txid),
                         (_("Reference"), case.reference)):
        if value:
            parts.append(f"{label}: {value}")
    if case.description:
        parts.append(case.description)
    return "\n".join(parts)


def _enqueue_lookup(case_id: int) -> None:
    from kefu.exchange.tasks import look_up_case

    try:
        look_up_case.enqueue(case_id)
    except Exception:  # no task backend: the agent can run the look-up from the console
        import logging

        logging.getLogger(__name__).exception("could not queue the chain look-up of case %s", case_id)


def run_chain_lookup(case: Case) -> Case:
    """Ask the exchange and the chain explorer about the case's TxID; store both answers.

    A submitted case moves to verifying. Side effects: CaseEvent + audit `case_checked`, `exchange.case`.
    """
    from kefu.exchange.client import ExchangeClient, ExchangeError
    from kefu.exchange.explorers import lookup_on_chain

    result: dict = {"checked_at": timezone.now().isoformat()}
    if case.txid:
        try:
            result["exchange"] = {"state": "found", **tx} if (
                tx := ExchangeClient.from_settings().lookup_transaction(case.txid, case.network)) else {
                "state": "not_found"}
        except ExchangeError as error:
            result["exchange"] = {"state": "unavailable", "error": error.detail}
        result["chain"] = lookup_on_chain(case.network, case.txid) if case.network else {"state": "unsupported"}
    system = Actor.system()
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).select_related("conversation__contact").get(pk=case.pk)
        case.chain_lookup = result
        case.save(update_fields=["chain_lookup", "updated_at"])
        summary = ", ".join(f"{k}: {v.get('state')}" for k, v in result.items() if isinstance(v, dict))
        _record(case, system, "checked", note=summary or "no TxID")
        if case.status == S.SUBMITTED:
            _move(case, system, S.VERIFYING)
        else:
            _publish(case)
    return case


def _move(case: Case, actor: Actor, new: str, note: str = "") -> None:
    if new not in TRANSITIONS[case.status]:
        raise InvalidTransition(_("A case that is %(old)s cannot become %(new)s.")
                                % {"old": CaseStatus(case.status).label, "new": CaseStatus(new).label})
    old = case.status
    case.status = new
    case.save(update_fields=["status", "updated_at", "proposed_by", "approved_by", "resolution"])
    _record(case, actor, "status_changed", old, new, note)
    _publish(case)


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update(of=("self",)).select_related("conversation__contact").get(pk=case.pk)


def _agent_only(actor: Actor) -> None:
    if actor.agent is None:
        raise PermissionDenied(_("Only an agent can do this."))


def move_case(case: Case, actor: Actor, new_status: str, note: str = "") -> Case:
    """Move a case along the allowed transitions (not to approved: see `approve_case`)."""
    _agent_only(actor)
    if new_status not in CaseStatus.values:
        raise InvalidInput(f"status must be one of: {', '.join(CaseStatus.values)}")
    if new_status == S.APPROVED:
        raise InvalidInput(_("Use the approval step: one agent proposes, a second agent approves."))
    with transaction.atomic():
        case = _locked(case)
        if new_status == S.AWAITING_CUSTOMER and note:
            conversations.post_message(case.conversation, actor, f"C-{case.number}: {note}")
        if new_status in (S.RECOVERED, S.REJECTED):
            case.resolution = note[:5000]
        _move(case, actor, new_status, note)
    return case


def propose_approval(case: Case, actor: Actor, note: str = "") -> Case:
    """The first agent proposes approving a verifying case; a different agent must then approve it."""
    _agent_only(actor)
    with transaction.atomic():
        case = _locked(case)
        if case.status != S.VERIFYING:
            raise InvalidTransition(_("Only a case being verified can be proposed for approval."))
        case.proposed_by = actor.agent
        case.save(update_fields=["proposed_by", "updated_at"])
        _record(case, actor, "approval_proposed", note=note)
        _publish(case)
    return case


def approve_case(case: Case, actor: Actor, note: str = "") -> Case:
    """Four eyes: a second agent (not the proposer, not the creator) approves; the customer must be verified."""
    from kefu.exchange.verification import require_verified

    _agent_only(actor)
    with transaction.atomic():
        case = _locked(case)
        if case.proposed_by_id is None:
            raise FourEyesRequired(_("Another agent must first propose this case for approval."))
        if actor.agent.pk in (case.proposed_by_id, case.created_by_agent_id):
            raise FourEyesRequired(_("Four eyes: the agent who proposed or opened a case cannot approve it."))
        require_verified(case.conversation)
        case.approved_by = actor.agent
        _move(case, actor, S.APPROVED, note)
    return case


def customer_update(case: Case, contact_actor: Actor, note: str = "", attachment_ids=()) -> Case:
    """The customer answers a case that awaits them (more details or evidence); it goes back to verifying."""
    with transaction.atomic():
        case = _locked(case)
        if case.status != S.AWAITING_CUSTOMER:
            raise InvalidTransition(_("This case is not waiting for you."))
        message, _created = conversations.post_message(
            case.conversation, contact_actor, f"C-{case.number}: {note}".strip(), attachment_ids=list(attachment_ids))
        for attachment in message.attachments.all():
            CaseEvidence.objects.create(case=case, attachment=attachment)
        _move(case, contact_actor, S.VERIFYING, note)
    return case
