"""Emergency freeze (all entry points, incl. the cannot-log-in email confirmation) and customer verification."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from kefu.contacts.models import ContactIdentity
from kefu.conversations.models import AuditEvent, Conversation
from kefu.conversations.services import Actor
from kefu.core.errors import InvalidInput, PermissionDenied
from kefu.exchange import freeze, verification
from kefu.exchange.models import FreezeRequest, FreezeStatus, VerificationStatus


def test_widget_freeze_calls_exchange_and_opens_urgent_security_case(fake_exchange, contact, security_team,
                                                                      webchat_inbox):
    found = freeze.request_freeze(contact, "widget", reason="I clicked a phishing link", inbox=webchat_inbox)
    assert found.status == FreezeStatus.FROZEN and found.exchange_response["status"] == "frozen"
    assert fake_exchange.accounts["100234"]["account"]["status"] == "frozen"
    assert fake_exchange.calls[-1]["payload"]["source"] == "widget"
    conversation = found.conversation
    assert conversation.priority == "urgent" and conversation.team == security_team
    assert conversation.category == "security.compromised"
    assert "phishing link" in conversation.messages.first().body
    assert AuditEvent.objects.filter(conversation=conversation, action="freeze_requested",
                                     new_value="frozen").exists()


def test_failed_freeze_is_recorded_and_still_alerts_security(fake_exchange, contact, security_team):
    fake_exchange.fail_freeze = True
    found = freeze.request_freeze(contact, "telegram")
    assert found.status == FreezeStatus.FAILED and "500" in found.error
    assert found.conversation.priority == "urgent"
    assert "FAILED" in found.conversation.messages.first().body or "失败" in found.conversation.messages.first().body


def test_contact_without_uid_cannot_be_frozen_automatically(fake_exchange, db, security_team):
    from kefu.contacts.models import Contact
    visitor = Contact.objects.create(name="visitor")
    found = freeze.request_freeze(visitor, "widget")
    assert found.status == FreezeStatus.FAILED and not fake_exchange.calls
    with pytest.raises(InvalidInput):
        freeze.request_freeze(visitor, "carrier-pigeon")


def test_cannot_log_in_form_confirms_through_account_email(fake_exchange, smtp_sink, db, security_team):
    client = Client()
    page = client.get("/exchange/freeze/")
    assert page.status_code == 200 and b"UID" in page.content
    answer = client.post("/exchange/freeze/", {"identifier": "200871"})
    assert answer.status_code == 200
    mail = smtp_sink.wait()[0]
    assert mail["To"] == "daniel.demo@example.com"  # the account's address, not one the requester typed
    text = smtp_sink.text(mail)
    code = re.search(r"\b(\d{6})\b", text).group(1)
    link = re.search(r"(/exchange/freeze/confirm/\S+)", text).group(1)
    pending = FreezeRequest.objects.get()
    assert pending.status == FreezeStatus.AWAITING_CONFIRMATION and not fake_exchange.freezes
    wrong = client.post("/exchange/freeze/code", {"request": pending.pk, "code": "000000" if code != "000000"
                                                  else "111111"})
    assert wrong.status_code == 422
    assert FreezeRequest.objects.get(pk=pending.pk).attempts == 1
    # GET on the link only shows a button (mail scanners prefetch links); POST freezes.
    assert client.get(link).status_code == 200 and not fake_exchange.freezes
    done = client.post(link)
    assert done.status_code == 200
    pending.refresh_from_db()
    assert pending.status == FreezeStatus.FROZEN
    assert fake_exchange.accounts["200871"]["account"]["status"] == "frozen"
    assert pending.conversation.team == security_team
    with pytest.raises(InvalidInput):
        freeze.confirm_freeze(request_id=pending.pk, code=code)  # used once


def test_unknown_account_gets_the_same_answer_and_no_mail(fake_exchange, smtp_sink, db):
    client = Client()
    known = client.post("/exchange/freeze/", {"identifier": "nobody@example.com"})
    assert known.status_code == 200 and not smtp_sink.messages and not FreezeRequest.objects.exists()


def test_signed_link_in_support_email(fake_exchange, contact, security_team, db):
    link = freeze.freeze_link(contact)
    path = link.split("127.0.0.1:8000", 1)[-1] if "127.0.0.1:8000" in link else "/" + link.split("/", 3)[3]
    client = Client()
    assert client.get(path).status_code == 200 and not fake_exchange.freezes
    assert client.post(path).status_code == 200
    assert FreezeRequest.objects.get().source == "email_link"
    assert client.post(path[:-3] + "abc").status_code == 422


def _identified(contact, inbox):
    ContactIdentity.objects.create(contact=contact, inbox=inbox, kind="user", identifier=contact.external_id)


def test_widget_verification(conversation, contact, agent, webchat_inbox):
    with pytest.raises(InvalidInput):
        verification.start_verification(conversation, Actor.for_agent(agent), "widget")  # no signed-in session
    _identified(contact, webchat_inbox)
    with pytest.raises(PermissionDenied):
        verification.start_verification(conversation, Actor.for_customer(contact), "widget")
    challenge = verification.start_verification(conversation, Actor.for_agent(agent), "widget")
    assert not verification.is_verified(conversation)
    with pytest.raises(PermissionDenied):
        verification.confirm_verification(challenge, contact=contact, verified_session=False)
    done = verification.confirm_verification(challenge, contact=contact, verified_session=True)
    assert done.status == VerificationStatus.VERIFIED and verification.is_verified(conversation)
    actions = list(AuditEvent.objects.filter(conversation=conversation).values_list("action", flat=True))
    assert "verification_requested" in actions and "verification_succeeded" in actions


def test_email_code_verification_with_real_smtp(fake_exchange, smtp_sink, conversation, agent):
    challenge = verification.start_verification(conversation, Actor.for_agent(agent), "email")
    mail = smtp_sink.wait()[0]
    assert mail["To"] == "chen.demo@example.com"  # from the exchange, not the contact's own field
    code = re.search(r"\b(\d{6})\b", smtp_sink.text(mail)).group(1)
    wrong = verification.confirm_verification(challenge, code="999999" if code != "999999" else "111111")
    assert wrong.status == VerificationStatus.PENDING and wrong.attempts == 1
    assert verification.confirm_verification(challenge, code=code).status == VerificationStatus.VERIFIED
    assert verification.is_verified(conversation)


def test_email_link_verification(fake_exchange, smtp_sink, conversation, agent):
    verification.start_verification(conversation, Actor.for_agent(agent), "email")
    link = re.search(r"(/exchange/verify/\S+)", smtp_sink.text(smtp_sink.wait()[0])).group(1)
    client = Client()
    assert client.get(link).status_code == 200 and not verification.is_verified(conversation)
    assert client.post(link).status_code == 200 and verification.is_verified(conversation)


def test_too_many_wrong_codes_fail(smtp_sink, conversation, agent, settings):
    settings.KEFU_EXCHANGE_URL = ""
    challenge = verification.start_verification(conversation, Actor.for_agent(agent), "email")
    for _ in range(verification.MAX_ATTEMPTS):
        challenge = verification.confirm_verification(challenge, code="abc")
    assert challenge.status == VerificationStatus.FAILED and not verification.is_verified(conversation)
    assert Conversation.objects.count() == 1


def test_freeze_form_does_not_flood_the_owner(fake_exchange, smtp_sink, db):
    for _ in range(freeze.MAX_FORM_REQUESTS_PER_HOUR + 2):
        freeze.request_freeze_by_identifier("daniel.demo@example.com")
    assert len(smtp_sink.wait()) == freeze.MAX_FORM_REQUESTS_PER_HOUR
    assert FreezeRequest.objects.count() == freeze.MAX_FORM_REQUESTS_PER_HOUR
