"""Two server processes sharing Redis behave as one system."""

from __future__ import annotations

import pytest

from kefu.core.liveserver import LiveSite
from tests.live.conftest import ConsoleClient, WidgetClient, api, redis_url_or_skip

pytestmark = [pytest.mark.live, pytest.mark.redis]


def test_customer_on_one_server_and_agent_on_another(request):
    site = LiveSite(redis_url=redis_url_or_skip())
    request.addfinalizer(site.close)
    site.kefu("demo")
    token = site.create_token("scale-out")
    first, second = site.start_server(), site.start_server()
    assert first.port != second.port

    agent = ConsoleClient(second)
    customer = WidgetClient(first.url, first.ws_url).connect()
    customer.send_message("hello from server one")
    ack = customer.recv_until(lambda e: e["type"] == "message.ack")
    seen = agent.recv_until(lambda e: e["type"] == "message.created")
    assert seen["message"]["body"] == "hello from server one"

    with api(second, token) as client:
        client.post(f"/conversations/{ack['conversation']['id']}/messages", json={"body": "answer from two"})
    reply = customer.recv_until(lambda e: e["type"] == "message.created" and e["message"]["author_type"] == "agent")
    assert reply["message"]["body"] == "answer from two"
    customer.close()
    agent.close()
