"""/api/v1/cases and /api/v1/exchange: structured cases, verification, account context, freeze (thin)."""

from __future__ import annotations

from ninja import Router, Schema, Status

from kefu.api.resources import get_visible_conversation
from kefu.contacts.models import Contact
from kefu.conversations import selectors
from kefu.conversations.services import Actor
from kefu.core.errors import NotFound
from kefu.exchange import cases, chains, context, freeze, verification
from kefu.exchange.models import Case

router = Router(tags=["cases"])
exchange_router = Router(tags=["exchange"])


class CaseIn(Schema):
    conversation_id: int
    kind: str
    asset: str = ""
    network: str = ""
    address: str = ""
    memo: str = ""
    txid: str = ""
    amount: str = ""
    reference: str = ""
    description: str = ""
    attachment_ids: list[int] = []


class CheckIn(Schema):
    asset: str = ""
    network: str = ""
    address: str = ""
    memo: str = ""
    txid: str = ""
    amount: str = ""


class TransitionIn(Schema):
    status: str
    note: str = ""


class NoteIn(Schema):
    note: str = ""


class VerifyIn(Schema):
    method: str


class RevealIn(Schema):
    key: str
    reason: str


class FreezeIn(Schema):
    reason: str = ""


def _actor(request) -> Actor:
    return Actor.for_token(request.api_token)


def _case(request, case_id: int) -> Case:
    case = Case.objects.filter(pk=case_id).select_related("conversation__contact").first()
    if case is None or not selectors.visible_conversations(request.api_token.agent).filter(
            pk=case.conversation_id).exists():
        raise NotFound(f"no case with id {case_id}")
    return case


@router.post("/check", summary="Validate asset, network, address, memo, TxID and amount; explain mismatches")
def check(request, payload: CheckIn):
    result = chains.check_transfer(**payload.dict())
    return {"ok": result.ok, "network": result.network, "address": result.address, "txid": result.txid,
            "memo": result.memo, "amount": format(result.amount, "f") if result.amount is not None else None,
            "findings": [f.__dict__ for f in result.findings], "explorer": result.explorer_links()}


@router.get("", summary="List cases")
def list_cases(request, conversation_id: int | None = None, status: str | None = None, limit: int = 50):
    visible = selectors.visible_conversations(request.api_token.agent)
    qs = Case.objects.filter(conversation__in=visible).select_related("conversation")
    if conversation_id:
        qs = qs.filter(conversation_id=conversation_id)
    if status:
        qs = qs.filter(status=status)
    return [cases.case_payload(c) for c in qs[: max(1, min(limit, 200))]]


@router.post("", response={201: dict}, summary="Open a case in a conversation")
def open_case(request, payload: CaseIn):
    conversation = get_visible_conversation(request, payload.conversation_id)
    fields = payload.dict(exclude={"conversation_id", "kind", "attachment_ids"})
    case = cases.open_case(conversation, _actor(request), payload.kind, fields, payload.attachment_ids)
    return Status(201, cases.case_payload(case))


@router.get("/{case_id}", summary="Read a case with its history")
def get_case(request, case_id: int):
    case = _case(request, case_id)
    history = [{"action": e.action, "old_status": e.old_status, "new_status": e.new_status, "actor": e.actor_label,
                "note": e.note, "at": e.created_at.isoformat()} for e in case.events.all()]
    return {**cases.case_payload(case), "chain_lookup": case.chain_lookup, "history": history}


@router.post("/{case_id}/transition", summary="Move a case (verifying, awaiting_customer, recovered, rejected)")
def transition(request, case_id: int, payload: TransitionIn):
    return cases.case_payload(cases.move_case(_case(request, case_id), _actor(request), payload.status, payload.note))


@router.post("/{case_id}/propose", summary="Propose approval (first pair of eyes)")
def propose(request, case_id: int, payload: NoteIn):
    return cases.case_payload(cases.propose_approval(_case(request, case_id), _actor(request), payload.note))


@router.post("/{case_id}/approve", summary="Approve (a second agent; the customer must be verified)")
def approve(request, case_id: int, payload: NoteIn):
    return cases.case_payload(cases.approve_case(_case(request, case_id), _actor(request), payload.note))


@router.post("/{case_id}/lookup", summary="Look the TxID up at the exchange and on chain again")
def lookup(request, case_id: int):
    case = cases.run_chain_lookup(_case(request, case_id))
    return {**cases.case_payload(case), "chain_lookup": case.chain_lookup}


@exchange_router.post("/conversations/{conversation_id}/verifications", response={201: dict},
                      summary="Send the customer a verification challenge (widget or email)")
def start_verification(request, conversation_id: int, payload: VerifyIn):
    conversation = get_visible_conversation(request, conversation_id)
    found = verification.start_verification(conversation, _actor(request), payload.method)
    return Status(201, verification.verification_payload(found))


@exchange_router.get("/conversations/{conversation_id}/context", summary="The exchange's data, masked")
def account_context(request, conversation_id: int):
    conversation = get_visible_conversation(request, conversation_id)
    return {**context.account_context(conversation.contact),
            "verified": verification.is_verified(conversation)}


@exchange_router.post("/conversations/{conversation_id}/reveal", summary="Reveal one masked field (audited)")
def reveal(request, conversation_id: int, payload: RevealIn):
    conversation = get_visible_conversation(request, conversation_id)
    return {"key": payload.key,
            "value": context.reveal_field(conversation, _actor(request), payload.key, payload.reason)}


@exchange_router.post("/contacts/{contact_id}/freeze", response={201: dict},
                      summary="Freeze the contact's exchange account (verified customer in a conversation)")
def freeze_contact(request, contact_id: int, payload: FreezeIn, conversation_id: int):
    contact = Contact.objects.filter(pk=contact_id).first()
    if contact is None:
        raise NotFound(f"no contact with id {contact_id}")
    conversation = get_visible_conversation(request, conversation_id)
    if conversation.contact_id != contact.pk:
        raise NotFound("the conversation is not this contact's")
    verification.require_verified(conversation)
    found = freeze.request_freeze(contact, "agent", reason=payload.reason, inbox=conversation.inbox)
    return Status(201, {"id": found.pk, "status": found.status, "error": found.error,
                        "conversation_id": found.conversation_id, "exchange": found.exchange_response})
