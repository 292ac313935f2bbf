"""The channel commands as real processes: `kefu serve` with KEFU_SMTP_PORT, `kefu smtpd`, `kefu telegram-poll`,
`kefu imap-poll`; plus the admin pages of the channel models."""

from __future__ import annotations

import smtplib
import socket
import subprocess
import time
from email.message import EmailMessage

import pytest

from kefu.core.liveserver import KEFU, LiveSite, free_port
from tests.channels.fake_telegram import FakeTelegram, text_update

COUNT = "from kefu.conversations.models import Message; print('COUNT', Message.objects.count())"


@pytest.fixture
def site():
    running = LiveSite()
    try:
        running.migrate()
        yield running
    finally:
        running.close()


def stored_messages(site: LiveSite) -> int:
    out = site.kefu("manage", "shell", "-c", COUNT).stdout
    return int(out[out.index("COUNT"):].split()[1])


def wait_for_smtp(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                if sock.recv(100).startswith(b"220"):
                    return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("no SMTP receiver came up")


def a_mail() -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "wu@example.org"
    mail["To"] = "support@exchange.test"
    mail["Subject"] = "API key question"
    mail["Message-ID"] = "<cli-1@example.org>"
    mail.set_content("How do I create an API key?")
    return mail


@pytest.mark.live
def test_kefu_serve_starts_the_smtp_receiver_when_a_port_is_set(site):
    site.kefu("manage", "shell", "-c", "from kefu.channels.models import Inbox; "
              "Inbox.objects.create(name='Mail', kind='email', config={'address': 'support@exchange.test'})")
    smtp_port, http_port = free_port(), free_port()
    log = open(site.workdir / "serve.log", "ab")
    server = subprocess.Popen([*KEFU, "serve", "--port", str(http_port), "--no-worker"],
                              env=site.env(KEFU_SMTP_PORT=str(smtp_port)), stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_smtp(smtp_port, server)
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as client:
            client.send_message(a_mail())
            client.send_message(a_mail())  # the same Message-ID again
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    assert stored_messages(site) == 1
    with pytest.raises(OSError):  # the receiver stopped with the server
        socket.create_connection(("127.0.0.1", smtp_port), timeout=2).close()


@pytest.mark.live
def test_telegram_poll_once_stores_waiting_updates(site):
    with FakeTelegram() as bot:
        site.kefu("manage", "shell", "-c", "from kefu.channels.models import Inbox; "
                  f"Inbox.objects.create(name='TG', kind='telegram', config={{'bot_token': '{bot.token}'}})")
        bot.updates = [text_update(1, 9001, "hi from polling"), text_update(2, 9001, "second")]
        env = site.env(KEFU_TELEGRAM_API_BASE=bot.base_url)
        result = subprocess.run([*KEFU, "telegram-poll", "--once"], env=env, capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, result.stderr
        assert "2 new" in result.stdout
    assert stored_messages(site) == 2


@pytest.mark.live
def test_imap_poll_reports_a_readable_error(site):
    site.kefu("manage", "shell", "-c", "from kefu.channels.models import Inbox; "
              f"Inbox.objects.create(name='Mail', kind='email', config={{'imap_host': '127.0.0.1', "
              f"'imap_port': {free_port()}, 'imap_password': 'hunter2'}})")
    result = site.kefu("imap-poll", "--once", check=False)
    assert result.returncode == 1
    assert "cannot log in to 127.0.0.1" in result.stderr and "hunter2" not in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.django_db
def test_admin_pages_of_the_channel_models(client, supervisor):
    from kefu.accounts.models import Agent
    from kefu.channels.models import ChannelKind, Inbox

    admin = Agent.objects.create_superuser("root", "root@example.org", "correct-horse-battery")
    inbox = Inbox.objects.create(name="TG", kind=ChannelKind.TELEGRAM, config={"bot_token": "1:x"})
    client.force_login(admin)
    for url in ("/admin/inboxes/delivery/", "/admin/inboxes/inboundevent/", f"/admin/inboxes/inbox/{inbox.pk}/change/"):
        assert client.get(url).status_code == 200, url
    assert f"/channels/telegram/{inbox.public_key}/webhook" in client.get(
        f"/admin/inboxes/inbox/{inbox.pk}/change/").content.decode()


@pytest.mark.django_db
def test_demo_channels_are_loaded_once(team):
    import io

    from kefu.channels import demo
    from kefu.conversations.models import Conversation

    demo.load(io.StringIO())
    demo.load(io.StringIO())
    kinds = sorted(Conversation.objects.values_list("inbox__kind", flat=True))
    assert kinds == ["email", "telegram", "webhook"]
    assert Conversation.objects.get(inbox__kind="email").subject == "提币一直显示处理中"
