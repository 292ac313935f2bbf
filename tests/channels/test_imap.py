"""IMAP polling against a real dovecot on loopback (Debian's dovecot-imapd; skipped where it is missing)."""

from __future__ import annotations

import imaplib
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from kefu.channels.imap import ImapError, poll_mailbox
from kefu.channels.models import ChannelKind, Inbox
from kefu.conversations.models import Conversation, Message
from tests.channels.dovecot import DOVECOT, Dovecot

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(DOVECOT is None, reason="dovecot is not installed (apt-get install dovecot-imapd)"),
]


@pytest.fixture
def imap_server():
    with Dovecot() as server:
        yield server


@pytest.fixture
def mailbox_inbox(team, imap_server) -> Inbox:
    return Inbox.objects.create(name="Mailbox", kind=ChannelKind.EMAIL, default_team=team, config={
        "address": "support@exchange.test", "imap_host": "127.0.0.1", "imap_port": imap_server.port,
        "imap_user": imap_server.user, "imap_password": imap_server.password,
    })


def deliver_to_mailbox(server: Dovecot, body: str, subject: str = "KYC question", **headers) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "Sun Mei <sun@example.org>"
    mail["To"] = "support@exchange.test"
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain="example.org")
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    client = imaplib.IMAP4("127.0.0.1", server.port)
    client.login(server.user, server.password)
    client.append("INBOX", None, None, mail.as_bytes())
    client.logout()
    return mail


def test_poll_stores_new_mail_once_and_marks_it_seen(mailbox_inbox, imap_server):
    deliver_to_mailbox(imap_server, "My KYC has been pending for a week.")
    deliver_to_mailbox(imap_server, "Out of office", Auto_Submitted="auto-replied")
    assert poll_mailbox(mailbox_inbox) == 1
    assert poll_mailbox(mailbox_inbox) == 0
    conversation = Conversation.objects.get()
    assert conversation.messages.get().body == "My KYC has been pending for a week."
    deliver_to_mailbox(imap_server, "Any news?", subject=f"Re: KYC question [#{conversation.number}]")
    assert poll_mailbox(mailbox_inbox) == 1
    assert Conversation.objects.count() == 1 and Message.objects.count() == 2
    client = imaplib.IMAP4("127.0.0.1", imap_server.port)
    client.login(imap_server.user, imap_server.password)
    client.select("INBOX")
    assert client.search(None, "UNSEEN")[1] == [b""]
    client.logout()


def test_forgotten_cursor_repeats_nothing(mailbox_inbox, imap_server):
    deliver_to_mailbox(imap_server, "hello")
    assert poll_mailbox(mailbox_inbox) == 1
    mailbox_inbox.poll_cursors.all().delete()  # as if the cursor was lost: every message is read again
    assert poll_mailbox(mailbox_inbox) == 0
    assert Message.objects.count() == 1


def test_wrong_password_is_a_readable_error_without_the_password(mailbox_inbox):
    mailbox_inbox.config = {**mailbox_inbox.config, "imap_password": "not-the-password"}
    mailbox_inbox.save()
    with pytest.raises(ImapError) as error:
        poll_mailbox(mailbox_inbox)
    assert "cannot log in" in str(error.value) and "not-the-password" not in str(error.value)


def test_refused_mail_does_not_stall_the_mailbox(mailbox_inbox, imap_server, refusing_filter):
    deliver_to_mailbox(imap_server, "my SEED PHRASE is apple banana")
    deliver_to_mailbox(imap_server, "a normal question")
    assert poll_mailbox(mailbox_inbox) == 1
    assert Message.objects.get().body == "a normal question"
    assert poll_mailbox(mailbox_inbox) == 0
