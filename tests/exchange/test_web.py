"""Widget plug-in endpoints, the console side panel (masking, audited reveal), help-center form, API."""

from __future__ import annotations

import json

from django.test import Client

from kefu.accounts.services import create_api_token
from kefu.channels import webchat
from kefu.conversations.models import AuditEvent
from kefu.exchange import fake_data
from kefu.exchange.models import Case, CustomerVerification
from tests.conftest import ApiClient


def _session(inbox, uid="100234"):
    return webchat.start_session(inbox, external_id=uid, user_hash_value=webchat.user_hash(inbox, uid))


def test_widget_guided_case_form_verification_and_freeze(fake_exchange, webchat_inbox, agent, security_team):
    session = _session(webchat_inbox)
    client = Client()
    headers = {"X-Kefu-Session": session.token}
    bad = client.post("/exchange/widget/cases", json.dumps({"kind": "deposit_not_credited", "asset": "USDT",
                                                            "network": "ERC20", "txid": fake_data.CHEN_DEPOSIT_TXID,
                                                            "amount": "500"}),
                      content_type="application/json", headers=headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["code"] == "txid_other_network"
    made = client.post("/exchange/widget/cases", json.dumps({"kind": "deposit_not_credited", "asset": "USDT",
                                                             "network": "TRC20", "txid": fake_data.CHEN_DEPOSIT_TXID,
                                                             "amount": "500"}),
                       content_type="application/json", headers=headers)
    assert made.status_code == 201 and made.json()["status"] == "submitted"
    case = Case.objects.get()
    state = client.get(f"/exchange/widget/state?conversation_id={case.conversation_id}", headers=headers).json()
    assert state["cases"][0]["reference_label"] == f"C-{case.number}" and state["verified_session"]
    # An agent asks to verify; the signed-in widget confirms.
    from kefu.conversations.services import Actor
    from kefu.exchange.verification import is_verified, start_verification
    challenge = start_verification(case.conversation, Actor.for_agent(agent), "widget")
    state = client.get("/exchange/widget/state", headers=headers).json()
    assert state["verifications"][0]["agent"] == "Alice"
    done = client.post(f"/exchange/widget/verify/{challenge.pk}", "{}", content_type="application/json",
                       headers=headers)
    assert done.json()["status"] == "verified" and is_verified(case.conversation)
    frozen = client.post("/exchange/widget/freeze", "{}", content_type="application/json", headers=headers)
    assert frozen.status_code == 201 and frozen.json()["status"] == "frozen"
    anonymous = webchat.start_session(webchat_inbox)
    refused = client.post("/exchange/widget/freeze", "{}", content_type="application/json",
                          headers={"X-Kefu-Session": anonymous.token})
    assert refused.status_code == 422
    assert client.get("/exchange/widget/state").status_code == 401


def test_console_panel_masks_and_reveal_needs_reason_verification_and_is_audited(
        fake_exchange, conversation, supervisor):
    client = Client()
    client.force_login(supervisor)
    panel = client.get(f"/exchange/console/c/{conversation.pk}/panel")
    html = panel.content.decode()
    assert panel.status_code == 200 and "100234" in html
    assert "chen.demo@example.com" not in html and "c•••@e•••.com" in html
    assert fake_data.CHEN_DEPOSIT_TXID not in html
    url = f"/exchange/console/c/{conversation.pk}/action"
    no_reason = client.post(url, {"action": "reveal", "key": "account.email", "reason": ""})
    assert no_reason.status_code == 422
    unverified = client.post(url, {"action": "reveal", "key": "account.email", "reason": "customer asks"})
    assert unverified.status_code == 422 and "verif" in unverified.content.decode().lower()
    CustomerVerification.objects.create(conversation=conversation, contact=conversation.contact, method="email",
                                        status="verified", code_hash="x", expires_at=conversation.created_at,
                                        completed_at=conversation.created_at.__class__.now(
                                            conversation.created_at.tzinfo))
    shown = client.post(url, {"action": "reveal", "key": "deposits.0.txid", "reason": "matching the chain"})
    assert shown.status_code == 200 and fake_data.CHEN_DEPOSIT_TXID in shown.content.decode()
    event = AuditEvent.objects.get(conversation=conversation, action="exchange_field_revealed")
    assert event.field == "deposits.0.txid" and event.new_value == "matching the chain"
    assert event.actor_agent == supervisor


def test_help_center_case_form_and_status_page(db, api_inbox):
    client = Client()
    assert client.get("/help/cases/deposit").status_code == 200
    bad = client.post("/help/cases/deposit", {"email": "x@example.com", "asset": "USDT", "network": "ETH",
                                              "txid": "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "amount": "10"})
    assert bad.status_code == 422 and Case.objects.count() == 0
    ok = client.post("/help/cases/deposit", {"email": "x@example.com", "asset": "USDT", "network": "ETH",
                                             "txid": "0x" + "ab" * 32, "amount": "10"})
    assert ok.status_code == 200 and Case.objects.count() == 1
    token_path = [line for line in ok.content.decode().split('"') if line.startswith("/help/cases/s/")][0]
    status = client.get(token_path)
    assert status.status_code == 200 and "Submitted" in status.content.decode()
    assert client.get("/help/cases/s/forged").status_code == 404
    assert client.get("/help/cases/nonsense").status_code == 404


def test_cases_api_four_eyes(fake_exchange, conversation, agent, supervisor, api_inbox):
    alice = ApiClient(create_api_token("alice", agent)[1])
    lin = ApiClient(create_api_token("lin", supervisor)[1])
    made = alice.post("/cases", {"conversation_id": conversation.pk, "kind": "withdrawal_failed", "asset": "ETH",
                                 "network": "ETH", "amount": "1.2", "reference": "W-55310"})
    assert made.status_code == 201, made.content
    case_id = made.json()["id"]
    assert alice.post(f"/cases/{case_id}/lookup").json()["status"] == "verifying"
    assert alice.post(f"/cases/{case_id}/propose", {"note": "ok"}).status_code == 200
    same = alice.post(f"/cases/{case_id}/approve", {})
    assert same.status_code == 403 and same.json()["code"] == "four-eyes-required"
    unverified = lin.post(f"/cases/{case_id}/approve", {})
    assert unverified.status_code == 403 and unverified.json()["code"] == "customer-not-verified"
    check = alice.post("/cases/check", {"asset": "USDT", "network": "TRC20", "address": "0x" + "0" * 40})
    assert check.json()["ok"] is False and check.json()["findings"][0]["code"] == "address_other_network"
    listed = lin.get("/cases", conversation_id=conversation.pk).json()
    assert listed[0]["id"] == case_id
    detail = lin.get(f"/cases/{case_id}").json()
    assert [h["action"] for h in detail["history"]][:2] == ["opened", "checked"]
    ctx = lin.get(f"/exchange/conversations/{conversation.pk}/context").json()
    assert ctx["account"]["uid"] == "100234" and ctx["verified"] is False
    assert lin.post(f"/exchange/conversations/{conversation.pk}/verifications", {"method": "fax"}).status_code == 422


def test_widget_script_carries_the_plugin_and_its_texts(db):
    script = Client().get("/widget.js").content.decode()
    assert "kefu exchange plug-in" in script


def test_widget_strings_in_both_languages():
    from django.utils import translation

    from kefu.exchange.integration import widget_strings
    with translation.override("zh-hans"):
        zh = widget_strings("zh-hans")
    en = widget_strings("en")
    assert zh["exchange.freeze"] == "冻结我的账户" and en["exchange.freeze"] == "Freeze my account"
    assert set(zh) == set(en)


def test_console_freeze_needs_a_verified_customer(fake_exchange, conversation, supervisor, security_team):
    client = Client()
    client.force_login(supervisor)
    url = f"/exchange/console/c/{conversation.pk}/action"
    refused = client.post(url, {"action": "freeze", "reason": "customer reports theft"})
    assert refused.status_code == 422 and not fake_exchange.freezes
    from django.utils import timezone
    CustomerVerification.objects.create(conversation=conversation, contact=conversation.contact, method="email",
                                        status="verified", code_hash="x", expires_at=timezone.now(),
                                        completed_at=timezone.now())
    panel = client.get(f"/exchange/console/c/{conversation.pk}/panel").content.decode()
    assert 'data-testid="exchange-freeze"' in panel
    done = client.post(url, {"action": "freeze", "reason": "customer reports theft"})
    assert done.status_code == 200 and fake_exchange.accounts["100234"]["account"]["status"] == "frozen"
    assert AuditEvent.objects.filter(action="freeze_requested", old_value="agent").exists()


def test_cases_page_lists_what_waits_for_a_second_agent(conversation, contact, agent, second_agent, supervisor):
    from kefu.conversations.services import Actor
    from kefu.exchange import cases
    case = cases.open_case(conversation, Actor.for_customer(contact), "deposit_not_credited",
                           {"asset": "USDT", "network": "TRC20", "txid": fake_data.CHEN_DEPOSIT_TXID, "amount": "5"})
    cases.move_case(case, Actor.for_agent(agent), "verifying")
    cases.propose_approval(case, Actor.for_agent(agent))
    client = Client()
    client.force_login(agent)
    mine = client.get("/exchange/console/cases?show=approval").content.decode()
    assert f'data-case="{case.number}"' not in mine  # the proposer is not the second pair of eyes
    assert f'data-case="{case.number}"' in client.get("/exchange/console/cases").content.decode()
    client.force_login(supervisor)
    page = client.get("/exchange/console/cases?show=approval").content.decode()
    assert f'data-case="{case.number}"' in page and "Alice" in page and 'href="/exchange/console/cases"' in page


def test_widget_email_code_prompt(fake_exchange, smtp_sink, webchat_inbox, agent):
    import re

    from kefu.conversations.services import Actor
    from kefu.exchange.verification import is_verified, start_verification
    session = _session(webchat_inbox, "200871")
    client = Client()
    headers = {"X-Kefu-Session": session.token}
    conversation, _message, _created = webchat.send_customer_message(session, body="hello", client_id="c1")
    challenge = start_verification(conversation, Actor.for_agent(agent), "email")
    code = re.search(r"\b(\d{6})\b", smtp_sink.text(smtp_sink.wait()[0])).group(1)
    wrong = client.post(f"/exchange/widget/verify/{challenge.pk}", json.dumps({"code": "12"}),
                        content_type="application/json", headers=headers)
    assert wrong.json()["status"] == "pending"
    other = webchat.start_session(webchat_inbox)
    stranger = client.post(f"/exchange/widget/verify/{challenge.pk}", json.dumps({"code": code}),
                           content_type="application/json", headers={"X-Kefu-Session": other.token})
    assert stranger.status_code == 404
    right = client.post(f"/exchange/widget/verify/{challenge.pk}", json.dumps({"code": code}),
                        content_type="application/json", headers=headers)
    assert right.json()["status"] == "verified" and is_verified(conversation)


def test_panel_says_when_the_exchange_is_down(conversation, supervisor, settings):
    from kefu.core.liveserver import free_port
    settings.KEFU_EXCHANGE_URL = f"http://127.0.0.1:{free_port()}"
    settings.KEFU_EXCHANGE_SECRET = "x"
    client = Client()
    client.force_login(supervisor)
    html = client.get(f"/exchange/console/c/{conversation.pk}/panel").content.decode()
    assert "cannot reach the exchange" in html
    settings.KEFU_EXCHANGE_URL = ""
    html = client.get(f"/exchange/console/c/{conversation.pk}/panel").content.decode()
    assert "KEFU_EXCHANGE_URL" in html


def test_agent_opens_a_case_from_the_panel(conversation, agent):
    client = Client()
    client.force_login(agent)
    url = f"/exchange/console/c/{conversation.pk}/action"
    bad = client.post(url, {"action": "open", "kind": "deposit_not_credited", "asset": "USDT", "network": "ETH",
                            "txid": fake_data.CHEN_DEPOSIT_TXID, "amount": "500"})
    assert bad.status_code == 422 and "TxID" in bad.content.decode() and not Case.objects.exists()
    ok = client.post(url, {"action": "open", "kind": "deposit_not_credited", "asset": "USDT", "network": "TRON",
                           "txid": fake_data.CHEN_DEPOSIT_TXID, "amount": "500"})
    case = Case.objects.get()
    assert ok.status_code == 200 and f"C-{case.number}" in ok.content.decode()
    assert case.created_by_agent == agent
    assert conversation.messages.order_by("-seq").first().internal  # an agent's case summary is a note
