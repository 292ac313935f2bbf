"""Structured cases: validation, chain look-up, the state machine, four-eyes approval, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kefu.conversations.attachments import store_attachment
from kefu.conversations.models import AuditEvent
from kefu.conversations.services import Actor
from kefu.core.errors import InvalidInput, PermissionDenied
from kefu.exchange import cases, fake_data
from kefu.exchange.models import (
    Case,
    CaseEvent,
    CaseStatus,
    CustomerVerification,
    VerificationStatus,
)

DEPOSIT = {"asset": "USDT", "network": "TRC20", "txid": fake_data.CHEN_DEPOSIT_TXID, "amount": "500"}


def _verify(conversation, agent):
    CustomerVerification.objects.create(
        conversation=conversation, contact=conversation.contact, method="widget", status=VerificationStatus.VERIFIED,
        code_hash="x", requested_by=agent, expires_at=timezone.now() + timedelta(minutes=5),
        completed_at=timezone.now())


def test_customer_opens_a_deposit_case_with_evidence(conversation, contact):
    upload = SimpleUploadedFile("proof.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, content_type="image/png")
    attachment = store_attachment(upload, Actor.for_customer(contact))
    case = cases.open_case(conversation, Actor.for_customer(contact), "deposit_not_credited", DEPOSIT,
                           [attachment.pk])
    assert case.status == CaseStatus.SUBMITTED and case.number >= 1001
    assert case.network == "TRON" and case.txid == fake_data.CHEN_DEPOSIT_TXID and str(case.amount) .startswith("500")
    assert list(case.evidence.values_list("attachment_id", flat=True)) == [attachment.pk]
    summary = conversation.messages.order_by("-seq").first()
    assert summary.body.startswith(f"C-{case.number}") and not summary.internal
    assert AuditEvent.objects.filter(conversation=conversation, action="case_opened").count() == 1
    second = cases.open_case(conversation, Actor.for_customer(contact), "refund",
                             {"asset": "USDT", "amount": "20", "reference": "ORD-1", "description": "double fee"})
    assert second.number == case.number + 1


def test_invalid_fields_are_refused_with_every_problem(conversation, contact):
    with pytest.raises(InvalidInput) as raised:
        cases.open_case(conversation, Actor.for_customer(contact), "wrong_network",
                        {"asset": "USDT", "network": "ERC20", "address": "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
                         "txid": "nothex", "amount": "abc"})
    codes = {e["code"] for e in raised.value.extra["errors"]}
    assert codes == {"address_other_network", "invalid_txid", "invalid_amount"}
    assert not Case.objects.exists()
    with pytest.raises(InvalidInput):
        cases.open_case(conversation, Actor.for_customer(contact), "nonsense", {})


def test_chain_lookup_moves_to_verifying(fake_exchange, conversation, contact):
    case = cases.open_case(conversation, Actor.for_customer(contact), "wrong_network",
                           {"asset": "USDT", "network": "BEP20", "address": fake_data.EXCHANGE_DEPOSIT["ETH"],
                            "txid": fake_data.CHEN_BSC_TXID, "amount": "300"})
    assert "evm_same_address" in [f["code"] for f in case.findings]
    case = cases.run_chain_lookup(case)
    assert case.status == CaseStatus.VERIFYING
    assert case.chain_lookup["exchange"]["status"] == "unmatched_wrong_network"
    assert case.chain_lookup["chain"]["state"] == "found"
    assert case.chain_lookup["chain"]["explorer_url"] == f"https://bscscan.com/tx/{fake_data.CHEN_BSC_TXID}"
    assert [e.action for e in case.events.all()] == ["opened", "checked", "status_changed"]


def test_lookup_without_exchange_still_records(conversation, contact, settings):
    settings.KEFU_EXCHANGE_URL = ""
    case = cases.open_case(conversation, Actor.for_customer(contact), "deposit_not_credited", DEPOSIT)
    case = cases.run_chain_lookup(case)
    assert case.chain_lookup["exchange"]["state"] == "unavailable"
    assert case.chain_lookup["chain"]["state"] == "unsupported"


def test_state_machine_and_four_eyes(conversation, contact, agent, second_agent, supervisor):
    case = cases.open_case(conversation, Actor.for_agent(agent), "deposit_not_credited", DEPOSIT)
    alice, bob, lin = Actor.for_agent(agent), Actor.for_agent(second_agent), Actor.for_agent(supervisor)
    with pytest.raises(cases.InvalidTransition):
        cases.move_case(case, alice, "recovered")
    with pytest.raises(InvalidInput):
        cases.move_case(case, alice, "approved")
    case = cases.move_case(case, alice, "verifying")
    case = cases.move_case(case, alice, "awaiting_customer", "Please upload the wallet screenshot.")
    assert conversation.messages.order_by("-seq").first().body.endswith("wallet screenshot.")
    with pytest.raises(PermissionDenied):
        cases.move_case(case, Actor.for_customer(contact), "verifying")
    case = cases.customer_update(case, Actor.for_customer(contact), "uploaded")
    assert case.status == CaseStatus.VERIFYING
    with pytest.raises(cases.FourEyesRequired):
        cases.approve_case(case, bob)  # nobody proposed yet
    case = cases.propose_approval(case, bob)
    with pytest.raises(cases.FourEyesRequired):
        cases.approve_case(case, bob)  # the proposer
    with pytest.raises(cases.FourEyesRequired):
        cases.approve_case(case, alice)  # the creator
    from kefu.exchange.verification import CustomerNotVerified
    with pytest.raises(CustomerNotVerified):
        cases.approve_case(case, lin)
    _verify(conversation, agent)
    case = cases.approve_case(case, lin, "matches the chain")
    assert case.status == CaseStatus.APPROVED and case.approved_by == supervisor
    case = cases.move_case(case, alice, "recovered", "credited 500 USDT")
    assert case.resolution == "credited 500 USDT"
    with pytest.raises(cases.InvalidTransition):
        cases.move_case(case, alice, "rejected")
    statuses = [(e.old_status, e.new_status) for e in case.events.filter(action="status_changed")]
    assert statuses == [("submitted", "verifying"), ("verifying", "awaiting_customer"),
                        ("awaiting_customer", "verifying"), ("verifying", "approved"), ("approved", "recovered")]
    audited = list(AuditEvent.objects.filter(conversation=conversation, action__startswith="case_")
                   .values_list("action", flat=True))
    assert audited.count("case_status_changed") == 5 and "case_approval_proposed" in audited


def test_case_history_is_append_only(conversation, contact):
    cases.open_case(conversation, Actor.for_customer(contact), "deposit_not_credited", DEPOSIT)
    event = CaseEvent.objects.first()
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        CaseEvent.objects.all().delete()


def test_transitions_table_is_complete():
    assert set(cases.TRANSITIONS) == set(CaseStatus.values)
    assert cases.TRANSITIONS["recovered"] == set() and cases.TRANSITIONS["rejected"] == set()
    assert all(s in CaseStatus.values for targets in cases.TRANSITIONS.values() for s in targets)
