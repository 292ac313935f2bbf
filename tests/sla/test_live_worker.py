"""A real `kefu worker` process keeps deadlines that passed while no worker was running."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from kefu.core.liveserver import KEFU, LiveSite

pytestmark = pytest.mark.live

# Runs in `kefu manage shell` against the live site's database: a conversation whose first-response
# deadline passed two hours ago while the server was down (its SLA state was computed back then).
SETUP = """
from datetime import timedelta
from django.utils import timezone
from kefu.channels.models import Inbox
from kefu.contacts.models import Contact
from kefu.conversations.models import Conversation
from kefu.conversations.services import Actor, create_conversation
from kefu.sla.models import Escalation, SlaPolicy
from kefu.sla.services import refresh_sla

policy = SlaPolicy.objects.create(name="One hour", first_response_minutes=60)
Escalation.objects.create(policy=policy, target="first_response", moment="breach", action="raise_priority",
                          priority="urgent")
inbox = Inbox.objects.create(name="Web", kind="webchat")
contact = Contact.objects.create(name="Down-time customer")
conversation, _ = create_conversation(inbox, contact, Actor.for_customer(contact), body="is anyone there?")
past = timezone.now() - timedelta(hours=3)
Conversation.objects.filter(pk=conversation.pk).update(created_at=past)
refresh_sla(conversation.pk, now=past)
print(conversation.pk)
"""

REPORT = """
import json
from django_tasks_db.models import DBTaskResult
from kefu.conversations.models import Conversation
from kefu.sla.models import ConversationSla, EscalationFiring
c = Conversation.objects.get(pk={pk})
sla = ConversationSla.objects.get(conversation=c)
print(json.dumps({{"priority": c.priority, "firings": EscalationFiring.objects.count(),
    "breached": sla.first_response_breached,
    "sweeps_ran": DBTaskResult.objects.filter(task_path="kefu.sla.tasks.sweep_sla", status="SUCCESSFUL").count(),
    "sweeps_waiting": DBTaskResult.objects.filter(task_path="kefu.sla.tasks.sweep_sla", status="READY").count(),
    "failed": DBTaskResult.objects.filter(status="FAILED").count()}}))
"""


def report(site: LiveSite, pk: int) -> dict:
    return json.loads(site.kefu("manage", "shell", "-c", REPORT.format(pk=pk)).stdout.strip().splitlines()[-1])


def test_worker_started_after_the_deadline_runs_the_breach_once():
    site = LiveSite()
    worker = None
    try:
        site.migrate()
        env = site.env(KEFU_SLA_SWEEP_SECONDS="1")
        setup = subprocess.run([*KEFU, "manage", "shell", "-c", SETUP], env=env, capture_output=True, text=True,
                               timeout=120, check=True)
        pk = int(setup.stdout.strip().splitlines()[-1])
        before = report(site, pk)
        assert before["priority"] == "normal" and before["firings"] == 0
        worker = subprocess.Popen([*KEFU, "worker", "--interval", "0.2"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        state = before
        while time.monotonic() < deadline:
            state = report(site, pk)
            if state["firings"] and state["sweeps_ran"] >= 2:
                break
        assert state["priority"] == "urgent"
        assert state["breached"] is True
        assert state["firings"] == 1  # the scheduled check and the sweeps all ran; the escalation once
        assert state["failed"] == 0
        assert state["sweeps_ran"] >= 2 and state["sweeps_waiting"] == 1  # the sweep keeps itself queued
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=10)
        site.close()


def test_demo_console_shows_sla_panel_and_page_on_a_real_server():
    import httpx

    site = LiveSite()
    try:
        site.kefu("demo")
        server = site.start_server()
        with httpx.Client(base_url=server.url) as client:
            client.get("/console/login/")
            response = client.post("/console/login/", data={
                "username": "lin", "password": "kefu-demo-2026", "csrfmiddlewaretoken": client.cookies["csrftoken"],
            }, headers={"Referer": f"{server.url}/console/login/"})
            assert response.status_code == 302
            board = client.get("/console/sla/")
            assert board.status_code == 200 and "sla-rows" in board.text
            assert client.get("/console/sla/rows").status_code == 200
            listing = client.get("/console/").text
            first = listing.split('/console/c/', 1)[1].split('/', 1)[0]
            detail = client.get(f"/console/c/{first}/")
            assert detail.status_code == 200
            assert 'data-testid="sla-panel"' in detail.text
        assert "/widget/sla/time-zone" in httpx.get(f"{server.url}/widget.js").text
    finally:
        site.close()
