"""The conversation verbs: numbering, idempotent sends, status moves, audit trail, events."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from kefu.contacts.models import Contact
from kefu.conversations import services
from kefu.conversations.attachments import store_attachment
from kefu.conversations.events import customer_group
from kefu.conversations.models import AuditEvent, Conversation, Message
from kefu.conversations.taxonomy import Status
from kefu.core.errors import ConversationClosed, InvalidInput, MessageTooLong, NotFound

pytestmark = pytest.mark.django_db


def customer(conv):
    return services.Actor.for_customer(conv.contact)


def test_new_conversation_has_number_first_message_and_audit(conversation):
    assert conversation.number >= 10001
    assert conversation.status == Status.NEW
    assert conversation.last_seq == 1
    assert list(conversation.messages.values_list("seq", "author_type", "body")) == [(1, "customer", "充值没有到账")]
    assert conversation.subject == "充值没有到账"
    assert conversation.team.slug == "general"  # from the inbox's default team
    assert AuditEvent.objects.filter(conversation=conversation, action="created").count() == 1


def test_numbers_are_unique_and_increasing(webchat_inbox, contact):
    numbers = [
        services.create_conversation(webchat_inbox, contact, services.Actor.for_customer(contact), body=f"q{i}")[
            0
        ].number
        for i in range(5)
    ]
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == 5


def test_same_client_id_is_stored_once(conversation):
    first, created = services.post_message(conversation, customer(conversation), "hello", client_id="abc")
    again, created_again = services.post_message(conversation, customer(conversation), "hello", client_id="abc")
    assert created and not created_again
    assert first.pk == again.pk
    assert conversation.messages.filter(client_id="abc").count() == 1


def test_conversation_create_is_idempotent_on_client_id(webchat_inbox, contact):
    actor = services.Actor.for_customer(contact)
    one, created = services.create_conversation(webchat_inbox, contact, actor, body="hi", client_id="k1")
    two, created_again = services.create_conversation(webchat_inbox, contact, actor, body="hi", client_id="k1")
    assert created and not created_again
    assert one.pk == two.pk
    assert Conversation.objects.count() == 1


def test_seq_counts_without_gaps(conversation, agent):
    for i in range(3):
        services.post_message(conversation, services.Actor.for_agent(agent), f"reply {i}")
    services.post_message(conversation, services.Actor.for_agent(agent), "note", internal=True)
    assert list(conversation.messages.values_list("seq", flat=True)) == [1, 2, 3, 4, 5]


def test_first_agent_reply_opens_and_sets_first_reply_at(conversation, agent):
    services.post_message(conversation, services.Actor.for_agent(agent), "looking into it", internal=True)
    conversation.refresh_from_db()
    assert conversation.first_reply_at is None and conversation.status == Status.NEW
    services.post_message(conversation, services.Actor.for_agent(agent), "We are checking your deposit.")
    conversation.refresh_from_db()
    assert conversation.first_reply_at is not None
    assert conversation.status == Status.OPEN
    assert AuditEvent.objects.filter(conversation=conversation, field="status", new_value="open").exists()


def test_customer_reply_reopens_solved_conversation(conversation, agent):
    services.update_conversation(conversation, services.Actor.for_agent(agent), services.Changes(status="solved"))
    conversation.refresh_from_db()
    assert conversation.resolved_at is not None
    services.post_message(conversation, customer(conversation), "it happened again")
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    assert conversation.resolved_at is None


def test_closed_conversation_refuses_messages_and_changes(conversation, agent):
    actor = services.Actor.for_agent(agent)
    services.update_conversation(conversation, actor, services.Changes(status="closed"))
    with pytest.raises(ConversationClosed):
        services.post_message(conversation, actor, "late reply")
    with pytest.raises(ConversationClosed):
        services.update_conversation(conversation, actor, services.Changes(priority="high"))
    assert conversation.messages.count() == 1


def test_validation_errors_write_nothing(conversation, agent, settings):
    actor = services.Actor.for_agent(agent)
    with pytest.raises(MessageTooLong):
        services.post_message(conversation, actor, "x" * (settings.KEFU_MAX_MESSAGE_CHARS + 1))
    with pytest.raises(InvalidInput):
        services.post_message(conversation, actor, "   ")
    with pytest.raises(InvalidInput):
        services.post_message(conversation, customer(conversation), "secret", internal=True)
    with pytest.raises(InvalidInput):
        services.update_conversation(conversation, actor, services.Changes(status="bogus"))
    conversation.refresh_from_db()
    assert conversation.last_seq == 1 and conversation.status == Status.NEW
    assert Message.objects.count() == 1


def test_update_records_every_change_in_audit_trail(conversation, agent, other_team):
    actor = services.Actor.for_agent(agent)
    services.update_conversation(
        conversation,
        actor,
        services.Changes(
            status="pending",
            priority="urgent",
            category="funds.deposit_not_credited",
            assignee=agent,
            team=other_team,
            tags=["USDT", "trc20", "usdt"],
        ),
    )
    conversation.refresh_from_db()
    assert sorted(conversation.tags.values_list("name", flat=True)) == ["trc20", "usdt"]
    changes = {
        e.field: (e.old_value, e.new_value) for e in AuditEvent.objects.filter(conversation=conversation) if e.field
    }
    assert changes == {
        "status": ("new", "pending"),
        "priority": ("normal", "urgent"),
        "category": ("", "funds.deposit_not_credited"),
        "assignee": ("", "Alice"),
        "team": ("General", "Security"),
        "tags": ("", "trc20, usdt"),
    }
    assert all(e.actor_label == "Alice" for e in AuditEvent.objects.filter(conversation=conversation, field="status"))


def test_audit_trail_is_append_only(conversation):
    event = AuditEvent.objects.filter(conversation=conversation).first()
    event.new_value = "tampered"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(conversation=conversation).update(new_value="x")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()


def test_mark_read_only_moves_forward(conversation, agent):
    services.post_message(conversation, services.Actor.for_agent(agent), "reply")
    conversation.refresh_from_db()
    assert services.mark_read(conversation, "customer", 2) == 2
    services.mark_read(conversation, "customer", 1)
    services.mark_read(conversation, "customer", 99)  # beyond the last message: ignored
    conversation.refresh_from_db()
    assert conversation.customer_read_seq == 2


def _capture(groups: list[str], action) -> dict[str, list[dict]]:
    """Run `action` and return the events each group received, through the real channel layer."""

    async def scenario():
        layer = get_channel_layer()
        channels = {}
        for group in groups:
            channels[group] = await layer.new_channel()
            await layer.group_add(group, channels[group])
        await sync_to_async(action)()
        received = {group: [] for group in groups}
        for group, channel in channels.items():
            while True:
                try:
                    received[group].append((await asyncio.wait_for(layer.receive(channel), 0.2))["event"])
                except TimeoutError:
                    break
            await layer.group_discard(group, channel)
        return received

    return async_to_sync(scenario)()


def test_events_reach_agents_but_notes_never_reach_the_customer(
    conversation, agent, django_capture_on_commit_callbacks
):
    actor = services.Actor.for_agent(agent)
    team_group, widget_group = f"agents.team.{conversation.team_id}", customer_group(conversation)

    def action():
        with django_capture_on_commit_callbacks(execute=True):
            services.post_message(conversation, actor, "internal only", internal=True)
            services.post_message(conversation, actor, "public reply")

    received = _capture([team_group, widget_group], action)
    assert [e["message"]["body"] for e in received[team_group] if e["type"] == "message.created"] == [
        "internal only",
        "public reply",
    ]
    assert [e["message"]["body"] for e in received[widget_group] if e["type"] == "message.created"] == [
        "public reply"
    ]
    assert all("event_id" in e for events in received.values() for e in events)


def test_bulk_assign_writes_what_update_conversation_writes(webchat_inbox, contact, agent,
                                                            django_capture_on_commit_callbacks):
    from kefu.conversations import bulk, hooks

    alone = services.create_conversation(webchat_inbox, contact, services.Actor.for_customer(contact), body="a")[0]
    together = [services.create_conversation(webchat_inbox, contact, services.Actor.for_customer(contact),
                                             body=f"b{n}")[0] for n in range(2)]
    services.update_conversation(alone, services.Actor.system(), services.Changes(assignee=agent))
    seen = []
    hooks.on_conversation_updated(lambda c, changed, before: seen.append((c.pk, changed, before)))
    try:
        team_group = f"agents.team.{webchat_inbox.default_team_id}"

        def action():
            with django_capture_on_commit_callbacks(execute=True):
                with transaction.atomic():
                    locked = list(Conversation.objects.select_for_update().filter(pk__in=[c.pk for c in together]))
                    bulk.assign([(c, agent) for c in locked], services.Actor.system())

        received = _capture_raw(team_group, action)
    finally:
        hooks._handlers["conversation_updated"].pop()
    def audit(conversation):
        return list(AuditEvent.objects.filter(conversation=conversation, action="assignee_changed")
                    .values_list("actor_type", "field", "old_value", "new_value"))

    assert all(audit(c) == audit(alone) == [("system", "assignee", "", agent.public_name)] for c in together)
    assert all(Conversation.objects.get(pk=c.pk).assignee_id == agent.pk for c in together)
    assert sorted(pk for pk, _changed, _before in seen) == sorted(c.pk for c in together)
    assert all(changed == ["assignee"] and before["assignee_id"] is None for _pk, changed, before in seen)
    # The whole batch's events travel as one layer message ("kefu.events"), in order.
    [message] = received
    assert message["type"] == "kefu.events"
    updates = [e for e in message["events"] if e["type"] == "conversation.updated"]
    assert sorted(e["conversation"]["id"] for e in updates) == sorted(c.pk for c in together)
    assert all(e["changed"] == ["assignee"] and e["conversation"]["assignee_id"] == agent.pk for e in updates)


def _capture_raw(group: str, action) -> list[dict]:
    """The channel-layer messages one group receives while `action` runs."""

    async def scenario():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        await sync_to_async(action)()
        received = []
        while True:
            try:
                received.append(await asyncio.wait_for(layer.receive(channel), 0.2))
            except TimeoutError:
                break
        await layer.group_discard(group, channel)
        return received

    return async_to_sync(scenario)()


def test_customer_writes_only_into_their_own_conversation_in_that_inbox(conversation, contact, webchat_inbox,
                                                                        api_inbox):
    """post_customer_message checks ownership on the locked row: another contact, or the same contact in
    another inbox, gets NotFound and nothing is written, also with a client_id already stored there."""
    mallory = Contact.objects.create(name="Mallory")
    before = conversation.last_seq
    for contact_, inbox in ((mallory, webchat_inbox), (contact, api_inbox)):
        with pytest.raises(NotFound):
            services.post_customer_message(contact_, inbox, conversation.pk, "let me in", client_id="x")
        with pytest.raises(NotFound):  # the first message's client_id: no leak of the stored message either
            services.post_customer_message(contact_, inbox, conversation.pk, "again", client_id="first")
    conversation.refresh_from_db()
    assert conversation.last_seq == before
    assert not conversation.messages.filter(body__in=["let me in", "again"]).exists()
    message, created = services.post_customer_message(contact, webchat_inbox, conversation.pk, "mine", client_id="m")
    assert created and message.seq == before + 1 and message.conversation.last_seq == before + 1


def test_customer_retry_returns_the_stored_message_with_its_attachment(conversation, contact, webchat_inbox):
    """No client_id look-up before the insert: the unique constraint refuses the retry's insert (before
    its attachment, already linked, could be refused as used) and the stored message is the answer."""
    upload = SimpleUploadedFile("proof.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, content_type="image/png")
    attachment = store_attachment(upload, services.Actor.for_customer(contact))
    first, created = services.post_customer_message(contact, webchat_inbox, conversation.pk, "see",
                                                    client_id="up", attachment_ids=[attachment.pk])
    again, created_again = services.post_customer_message(contact, webchat_inbox, conversation.pk, "see",
                                                          client_id="up", attachment_ids=[attachment.pk])
    assert created and not created_again and again.pk == first.pk
    assert list(again.attachments.values_list("pk", flat=True)) == [attachment.pk]
    conversation.refresh_from_db()
    assert conversation.last_seq == first.seq
    assert list(conversation.messages.order_by("seq").values_list("seq", flat=True)) == [1, 2]
