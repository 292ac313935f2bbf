"""After-commit handlers: keep each conversation's SLA state and next deadline check current."""

from __future__ import annotations

import threading

from django.db import connection

from kefu.conversations.models import Conversation, Message
from kefu.conversations.taxonomy import AuthorType
from kefu.sla.after_hours import send_after_hours_reply
from kefu.sla.models import ConversationSla
from kefu.sla.services import refresh_new, refresh_sla

# Fields whose change can re-select the policy or move the clock.
RELEVANT_FIELDS = {"status", "priority", "team", "category"}
# Whose public messages start (customer) or meet (agent) an SLA wait.
TURN_AUTHORS = (AuthorType.CUSTOMER, AuthorType.AGENT)

# A message that moves the status (a first reply opens a new conversation, a customer reopens a pending
# one) commits both in one transaction, and its handlers run one after the other: message_created
# recomputes, then conversation_updated(["status"]) would recompute the same state again. What each
# thread last recomputed after a message is kept here, keyed by the state it saw.
_recent = threading.local()


def _recent_states() -> dict[int, tuple]:
    states = getattr(_recent, "states", None)
    if states is None or len(states) > 1000:
        states = _recent.states = {}
    return states


def _refresh_after_message(conversation: Conversation) -> None:
    refresh_sla(conversation.pk)
    _recent_states()[conversation.pk] = _state_key(conversation)


def _already_current(conversation: Conversation, changed: list[str]) -> bool:
    """True when only the status changed and this thread recomputed exactly this saved state (same
    save) after the message that changed it."""
    seen = _recent_states().pop(conversation.pk, None)
    return set(changed) <= {"status"} and seen == _state_key(conversation)


def _state_key(conversation: Conversation) -> tuple:
    # updated_at moves with every save, so a later change of the same fields never matches.
    return conversation.last_seq, conversation.status, conversation.updated_at


def conversation_created(conversation: Conversation) -> None:
    """Runs after the first message's handlers. When one of those already recomputed the SLA (routing
    set the team or priority, the assistant handed off), the state is current: skip the second pass."""
    if ConversationSla.objects.filter(conversation_id=conversation.pk).exists():
        return
    refresh_sla(conversation.pk)


def conversations_created(batch: list[tuple[Conversation]]) -> None:
    """Batch form of `conversation_created`: the conversations without an SLA state yet are computed
    together (kefu.sla.services.refresh_new)."""
    refresh_new([conversation.pk for (conversation,) in batch], skip_existing=True)


def message_created(conversation: Conversation, message: Message) -> None:
    """A customer message may start a next-response wait (and get the after-hours reply); an agent
    reply meets first or next response."""
    if message.internal or message.author_type not in {AuthorType.CUSTOMER, AuthorType.AGENT}:
        return
    if message.author_type == AuthorType.CUSTOMER:
        send_after_hours_reply(message)
    if message.seq == 1:
        return  # a new conversation: conversation_created follows and computes the SLA
    if message.author_type == AuthorType.CUSTOMER and conversation.first_reply_at is None:
        # No agent has answered yet: first response runs from creation whatever the customer adds, and
        # a next-response wait only starts after an agent's reply. A status this message changed
        # (pending -> open) is recomputed by conversation_updated.
        return
    if _continues_the_same_turn(message):
        return
    _refresh_after_message(conversation)


def _continues_the_same_turn(message: Message) -> bool:
    """A second customer message while the customer already waits, or a second agent reply after the
    agent already answered, moves no clock: skip the recompute (the hot path of a busy chat). The bot's
    and the system's messages (assistant, after-hours reply) start or meet no wait: they are skipped
    when looking for the previous turn."""
    previous = (Message.objects.filter(conversation_id=message.conversation_id, seq__lt=message.seq,
                                       internal=False, author_type__in=TURN_AUTHORS)
                .order_by("-seq").values_list("author_type", flat=True)[:1])
    return list(previous) == [message.author_type]


def messages_created(pairs: list[tuple[Conversation, Message]]) -> None:
    """Batch form of `message_created` (one transaction stored all these messages): after-hours replies
    as usual, then one look-up for the turn before the batch and one refresh per conversation whose
    turn changed, instead of a query and a refresh per message."""
    counted = sorted((m for _, m in pairs if not m.internal and m.author_type in {AuthorType.CUSTOMER,
                                                                                AuthorType.AGENT}),
                     key=lambda m: (m.conversation_id, m.seq))
    for message in counted:
        if message.author_type == AuthorType.CUSTOMER:
            send_after_hours_reply(message)
    # A new conversation's first message: conversation_created follows and computes the SLA.
    counted = [m for m in counted if m.seq != 1]
    if not counted:
        return
    first_seq: dict[int, int] = {}
    for message in counted:
        first_seq.setdefault(message.conversation_id, message.seq)
    previous = _authors_before(first_seq)
    to_refresh = []
    for message in counted:
        if previous.get(message.conversation_id) != message.author_type:
            if message.conversation_id not in to_refresh:
                to_refresh.append(message.conversation_id)
        previous[message.conversation_id] = message.author_type
    conversations = {c.pk: c for c, _ in pairs}
    for conversation_id in to_refresh:
        _refresh_after_message(conversations[conversation_id])


def _authors_before(first_seq: dict[int, int]) -> dict[int, str]:
    """For each conversation id: the author type of its last public customer or agent message before
    the given seq (the bot's and the system's messages do not count, as in `_continues_the_same_turn`)."""
    table = connection.ops.quote_name(Message._meta.db_table)
    rows = ", ".join(["(%s, %s)"] * len(first_seq))
    params: list = [False, *TURN_AUTHORS]
    for conversation_id, seq in first_seq.items():
        params += [conversation_id, seq]
    sql = (f"SELECT b.column1, (SELECT m.author_type FROM {table} m WHERE m.conversation_id = b.column1 "
           f"AND m.internal = %s AND m.author_type IN (%s, %s) AND m.seq < b.column2 "
           f"ORDER BY m.seq DESC LIMIT 1) "
           f"FROM (VALUES {rows}) AS b")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {conversation_id: author for conversation_id, author in cursor.fetchall() if author}


def conversation_updated(conversation: Conversation, changed: list[str], before: dict) -> None:
    if RELEVANT_FIELDS.intersection(changed) and not _already_current(conversation, changed):
        refresh_sla(conversation.pk)
