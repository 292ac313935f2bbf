import pytest

from kefu.cli import main
from kefu.webhooks import services
from kefu.webhooks.models import EventType

pytestmark = pytest.mark.django_db


def test_list_and_retry_due(capsys):
    sub = services.create_subscription("http://127.0.0.1:9/hook", [EventType.MESSAGE_CREATED], description="CRM")
    services.record_event(EventType.MESSAGE_CREATED, {"n": 1})
    assert main(["webhooks", "list"]) == 0
    out = capsys.readouterr().out
    assert f"{sub.pk}\tactive\thttp://127.0.0.1:9/hook\tmessage.created\tpending=1 succeeded=0" in out
    assert main(["webhooks", "retry-due"]) == 0
    assert "Queued 0 overdue deliveries." in capsys.readouterr().out
