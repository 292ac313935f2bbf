"""Safety demo data for `kefu demo`: the official-channel registry of the fictional Lanting Exchange, a
customer who pastes a (generated) seed phrase, a look-alike link, and a blocked agent reply."""

from __future__ import annotations

import hashlib

from django.db import transaction

from kefu.safety.models import BlockedMessage, OfficialChannel

OFFICIAL = [
    ("domain", "lanting.example", "Main website and help center"),
    ("email", "support@lanting.example", "Support mailbox"),
    ("telegram", "lanting_support", "Support bot"),
    ("x", "lantingexchange", "Announcements"),
    ("phone", "+85230001234", "24/7 hotline"),
]


@transaction.atomic
def load(stdout) -> None:
    """Idempotent: does nothing when the registry already has the demo domain."""
    from kefu.accounts.models import Agent
    from kefu.channels.models import ChannelKind, Inbox
    from kefu.contacts.services import find_or_create_contact
    from kefu.conversations import services
    from kefu.core.errors import KefuError
    from kefu.safety.keys import mnemonic_from_entropy
    from kefu.safety.official import save_official

    if OfficialChannel.objects.filter(kind="domain", value="lanting.example").exists():
        return
    for kind, value, note in OFFICIAL:
        save_official(kind, value, note)
    inbox = Inbox.objects.filter(kind=ChannelKind.WEBCHAT, is_active=True).order_by("pk").first()
    if inbox is None:
        stdout.write("safety demo: official channels loaded (no web chat inbox for the demo conversations)\n")
        return
    # A demo phrase made here from a fixed value: it has never held any coins.
    seed = " ".join(mnemonic_from_entropy(hashlib.sha256(b"kefu-demo-seed").digest()[:16], "chinese_simplified"))
    contact, _ = find_or_create_contact(external_id="700410", email="he.demo@example.com", name="何先生",
                                        language="zh-hans")
    customer = services.Actor.for_customer(contact)
    conversation, _ = services.create_conversation(
        inbox, contact, customer, body="有个“客服”让我在 https://lantlng.example/verify 验证钱包，我照做了，现在币没了",
        language="zh-hans", client_id="demo-safety-1")
    services.post_message(conversation, customer, f"他还让我把助记词发过去：{seed}", client_id="demo-safety-2")
    agent = Agent.objects.filter(username="alice").first()
    if agent is not None:
        try:
            services.post_message(conversation, services.Actor.for_agent(agent),
                                  "Please send me your seed phrase again so I can check the wallet.")
        except KefuError:
            pass  # blocked, as the demo shows in Console > Blocked messages
    stdout.write(f"safety demo: {len(OFFICIAL)} official channels, conversation #{conversation.number}, "
                 f"{BlockedMessage.objects.count()} blocked message(s)\n")
