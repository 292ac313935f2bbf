"""The exchange demo data: created on the demo customers, idempotent, and matching the fake exchange."""

from __future__ import annotations

import io

from kefu.exchange import demo, fake_data
from kefu.exchange.models import Case
from kefu.web.demo import load_demo


def test_demo_cases_are_created_once(db):
    load_demo()
    out = io.StringIO()
    demo.load(out)
    assert "4 demo case(s)" in out.getvalue()
    demo.load(io.StringIO())
    assert Case.objects.count() == 4
    assert set(Case.objects.values_list("status", flat=True)) == {"submitted", "verifying", "awaiting_customer"}
    uids = set(Case.objects.values_list("contact__external_id", flat=True))
    assert uids <= set(fake_data.demo_accounts())
