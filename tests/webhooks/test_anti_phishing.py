"""The anti-phishing code in the widget: shown to identity-verified customers, never to anonymous visitors."""

from __future__ import annotations

import json

import pytest

from kefu.channels import webchat
from tests.api.test_errors import assert_problem

pytestmark = pytest.mark.django_db

ENDPOINT = "/widget/api/anti-phishing-code"


def start(client, **body) -> dict:
    response = client.post("/widget/api/session", json.dumps({"inbox": "test-web", **body}),
                           content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def code_of(client, session: dict):
    return client.get(ENDPOINT, headers={"X-Kefu-Session": session["session"]})


def test_a_verified_customer_sees_the_code_the_exchange_set_through_the_api(client, api, webchat_inbox, contact):
    assert api.patch(f"/contacts/{contact.pk}", {"anti_phishing_code": "KEFU-7Q2X"}).status_code == 200
    session = start(client, user_id="100234", user_hash=webchat.user_hash(webchat_inbox, "100234"))
    assert session["identity"] == "verified"
    response = code_of(client, session)
    assert response.status_code == 200
    assert response.json() == {"code": "KEFU-7Q2X"}
    assert response["Cache-Control"] == "no-store"

    assert api.patch(f"/contacts/{contact.pk}", {"anti_phishing_code": ""}).status_code == 200
    assert code_of(client, session).json() == {"code": None}


def test_anonymous_and_forged_sessions_never_get_a_code(client, api, webchat_inbox, contact):
    api.patch(f"/contacts/{contact.pk}", {"anti_phishing_code": "KEFU-7Q2X"})
    anonymous = start(client, name="Guest")
    forged = start(client, user_id="100234", user_hash="0" * 64)
    assert (anonymous["identity"], forged["identity"]) == ("anonymous", "invalid")
    for session in (anonymous, forged):
        body = assert_problem(code_of(client, session), 403, "forbidden")
        assert "KEFU-7Q2X" not in json.dumps(body)
    assert_problem(client.get(ENDPOINT), 401, "unauthorized")
    assert_problem(client.get(ENDPOINT, headers={"X-Kefu-Session": "tampered"}), 401)


def test_the_endpoint_answers_cors_preflight_for_the_widget(client, webchat_inbox):
    response = client.options(ENDPOINT, headers={"Origin": "https://www.exchange.example",
                                                 "Access-Control-Request-Method": "GET",
                                                 "Access-Control-Request-Headers": "X-Kefu-Session"})
    assert response.status_code in (200, 204)
    assert response["Access-Control-Allow-Origin"]


def test_the_plugin_ships_in_widget_js_with_its_text_in_both_languages(client, webchat_inbox):
    source = client.get("/widget.js").content.decode()
    assert "/widget/api/anti-phishing-code" in source
    assert source.index("webhooks.antiPhishing") < source.index("kefu chat widget")
    en = client.get("/widget/api/config", {"inbox": "test-web", "lang": "en"}).json()["strings"]
    zh = client.get("/widget/api/config", {"inbox": "test-web", "lang": "zh-hans"}).json()["strings"]
    assert en["webhooks.antiPhishing"].startswith("Your anti-phishing code: {code}.")
    assert "防钓鱼码" in zh["webhooks.antiPhishing"] and "{code}" in zh["webhooks.antiPhishing"]
