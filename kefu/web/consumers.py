"""WebSocket consumers: authenticate, join groups, relay. Business logic stays in services."""

from __future__ import annotations

import logging
from collections import deque
from typing import Any
from urllib.parse import parse_qs

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.dispatch import Signal

from kefu.channels import webchat
from kefu.conversations import selectors, services
from kefu.conversations.events import customer_group, customer_group_name
from kefu.conversations.models import Conversation
from kefu.conversations.payloads import conversation_payload, message_payload
from kefu.conversations.taxonomy import AuthorType
from kefu.core.db import database_sync_to_async
from kefu.core.errors import KefuError
from kefu.core.events import sending_from_the_loop

log = logging.getLogger(__name__)
CLOSE_UNAUTHORIZED = 4001
# Sent (from a database thread) when an agent's console socket opens or closes, with agent_id and
# channel_name; routing follows presence with them.
console_socket_opened = Signal()
console_socket_closed = Signal()
SYNC_LIMIT = 200  # messages per conversation in one sync; `has_more` says to page with /messages
SEEN_IDS = 512  # event ids a socket remembers to drop an event that reached it through two groups


class EventRelay(AsyncJsonWebsocketConsumer):
    """Forwards published events to the socket once each, however many groups carried them."""

    joined: list[str]

    async def join(self, groups: list[str]) -> None:
        self.joined = list(dict.fromkeys(groups))
        # The last SEEN_IDS event ids, in order (to forget the oldest) and as a set (to look up: `in` on
        # a deque walks it, and a busy console checks every event it receives).
        self.seen_order: deque[str] = deque()
        self.seen_ids: set[str] = set()
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels closes old database connections before every handler, which waits for the one
        # shared database thread. Relaying an event touches no database, so it must not queue there:
        # a supervisor's socket receives every event and would fall behind.
        kind = message.get("type")
        if kind == "kefu.event":
            await self.kefu_event(message)
        elif kind == "kefu.events":  # several events for this group, in order (kefu.core.events)
            for event in message["events"]:
                await self.kefu_event({"type": "kefu.event", "event": event})
        elif kind == "websocket.receive":
            # The same hop saved for what the socket sends: the handlers reach the database only
            # through database_sync_to_async (kefu.core.db), which tidies connections itself.
            await self.websocket_receive(message)
        else:
            await super().dispatch(message)

    async def kefu_event(self, message: dict[str, Any]) -> None:
        event = message["event"]
        event_id = event.get("event_id")
        if event_id:
            if event_id in self.seen_ids:
                return
            self.seen_ids.add(event_id)
            self.seen_order.append(event_id)
            if len(self.seen_order) > SEEN_IDS:
                self.seen_ids.discard(self.seen_order.popleft())
        if self.accepts(event):
            await self.send_json(event)

    def accepts(self, event: dict[str, Any]) -> bool:
        return True

    async def reply_error(self, error: KefuError, request: dict[str, Any]) -> None:
        await self.send_json({
            "type": "error", "status": error.status, "title": error.title, "detail": error.detail,
            "client_id": request.get("client_id"), "request": request.get("type"),
        })


def _ids(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class WidgetConsumer(EventRelay):
    """The customer's socket: `/ws/widget/?session=<token from /widget/api/session>`."""

    async def connect(self) -> None:
        query = parse_qs(self.scope.get("query_string", b"").decode())
        token = (query.get("session") or [""])[0]
        try:
            self.session = await database_sync_to_async(webchat.resolve_session)(token)
        except KefuError:
            await self.accept()
            await self.close(code=CLOSE_UNAUTHORIZED)
            return
        self.contact_id = self.session.contact.pk
        self.inbox_id = self.session.inbox.pk
        await self.join([customer_group_name(self.contact_id, self.inbox_id)])
        await self.accept()
        await self.send_json({"type": "hello", "contact_id": self.contact_id, "verified": self.session.verified})

    def accepts(self, event: dict[str, Any]) -> bool:
        # Belt and braces: customer groups only ever get public events, but never relay a note.
        message = event.get("message")
        if message is not None and message.get("internal"):
            return False
        return not (event.get("type") == "typing" and event.get("internal"))

    async def receive_json(self, content: dict[str, Any], **kwargs) -> None:
        kind = content.get("type")
        handler = {
            "message.send": self.on_send, "sync": self.on_sync, "typing": self.on_typing, "read": self.on_read,
        }.get(kind)
        if handler is None:
            await self.send_json({"type": "error", "status": 400, "title": "Unknown request", "detail": str(kind)})
            return
        try:
            await handler(content)
        except KefuError as error:
            await self.reply_error(error, content)

    async def on_send(self, content: dict[str, Any]) -> None:
        # The message's events go out from this loop when the database call returns (no hop back to
        # the loop from the database thread per commit), still before the acknowledgement.
        reply = await sending_from_the_loop(lambda: database_sync_to_async(self._send_message)(content))
        await self.send_json(reply)

    def _send_message(self, content: dict[str, Any]) -> dict[str, Any]:
        attachment_ids = [i for i in (_ids(v) for v in content.get("attachment_ids") or []) if i]
        conversation, message, created = webchat.send_customer_message(
            self.session, body=str(content.get("body") or ""), client_id=content.get("client_id"),
            conversation_id=_ids(content.get("conversation_id")), attachment_ids=attachment_ids,
            language=content.get("language"),
        )
        return {
            "type": "message.ack", "client_id": content.get("client_id"), "duplicate": not created,
            "conversation": conversation_payload(conversation, "customer", content.get("language")),
            "message": message_payload(message),
        }

    async def on_sync(self, content: dict[str, Any]) -> None:
        for event in await database_sync_to_async(self._catch_up)(content):
            await self.send_json(event)

    def _catch_up(self, content: dict[str, Any]) -> list[dict[str, Any]]:
        """Everything the widget missed: each conversation's state and messages after its cursor."""
        cursors = {_ids(k): _ids(v) or 0 for k, v in (content.get("cursors") or {}).items()}
        language = content.get("language")
        webchat.remember_language(self.session, language)
        conversations = webchat.contact_conversations(self.session)
        newest_open = next((c for c in conversations if not c.is_closed), None)
        events: list[dict[str, Any]] = []
        for conversation in conversations:
            after = cursors.get(conversation.pk)
            summary = conversation_payload(conversation, "customer", language)
            messages: list = []
            if after is not None or conversation == newest_open:
                messages = selectors.messages_after(conversation, after or 0, include_internal=False,
                                                    limit=SYNC_LIMIT + 1)
            events.append({
                "type": "conversation.sync", "conversation": summary, "has_more": len(messages) > SYNC_LIMIT,
                "messages": [message_payload(m) for m in messages[:SYNC_LIMIT]],
            })
        events.append({"type": "sync.done"})
        return events

    async def on_typing(self, content: dict[str, Any]) -> None:
        conversation_id = _ids(content.get("conversation_id"))
        if conversation_id is None or not await self._owns(conversation_id):
            return
        await self.channel_layer.group_send(f"conv.{conversation_id}", {"type": "kefu.event", "event": {
            "type": "typing", "conversation_id": conversation_id, "who": AuthorType.CUSTOMER,
            "is_typing": bool(content.get("is_typing")),
        }})

    async def on_read(self, content: dict[str, Any]) -> None:
        conversation_id = _ids(content.get("conversation_id"))
        seq = _ids(content.get("seq"))
        if conversation_id is None or seq is None:
            return
        await database_sync_to_async(self._mark_read)(conversation_id, seq)

    def _mark_read(self, conversation_id: int, seq: int) -> None:
        conversation = webchat.own_conversation(self.session, conversation_id)
        services.mark_read(conversation, AuthorType.CUSTOMER, seq)

    @database_sync_to_async
    def _owns(self, conversation_id: int) -> bool:
        return Conversation.objects.filter(pk=conversation_id, contact_id=self.contact_id,
                                           inbox_id=self.inbox_id).exists()


class ConsoleConsumer(EventRelay):
    """An agent's console socket: live list and conversation updates, typing, read state."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.accept()
            await self.close(code=CLOSE_UNAUTHORIZED)
            return
        self.agent = user
        await self.join(await self._groups())
        self.watching: set[int] = set()
        await self.accept()
        await self._announce(console_socket_opened)
        await self.send_json({"type": "hello", "agent_id": user.pk})

    @database_sync_to_async
    def _announce(self, signal: Signal) -> None:
        signal.send_robust(type(self), agent_id=self.agent.pk, channel_name=self.channel_name)

    @database_sync_to_async
    def _groups(self) -> list[str]:
        if self.agent.sees_everything:
            return ["agents.all"]
        teams = [f"agents.team.{pk}" for pk in self.agent.teams.values_list("pk", flat=True)]
        return [*teams, "agents.unrouted", f"agents.agent.{self.agent.pk}"]

    async def disconnect(self, code: int) -> None:
        for conversation_id in getattr(self, "watching", set()):
            await self.channel_layer.group_discard(f"conv.{conversation_id}", self.channel_name)
        if hasattr(self, "agent"):
            await self._announce(console_socket_closed)
        await super().disconnect(code)

    @database_sync_to_async
    def _visible(self, conversation_id: int) -> Conversation | None:
        return selectors.get_visible(self.agent, conversation_id)

    async def receive_json(self, content: dict[str, Any], **kwargs) -> None:
        kind = content.get("type")
        conversation_id = _ids(content.get("conversation_id"))
        if conversation_id is None:
            return
        conversation = await self._visible(conversation_id)
        if conversation is None:
            await self.send_json({"type": "error", "status": 404, "title": "Not found", "request": kind})
            return
        if kind == "watch":
            self.watching.add(conversation_id)
            await self.channel_layer.group_add(f"conv.{conversation_id}", self.channel_name)
        elif kind == "unwatch":
            self.watching.discard(conversation_id)
            await self.channel_layer.group_discard(f"conv.{conversation_id}", self.channel_name)
        elif kind == "typing":
            await self._relay_typing(conversation, bool(content.get("is_typing")), bool(content.get("internal")))
        elif kind == "read" and _ids(content.get("seq")) is not None:
            await database_sync_to_async(services.mark_read)(conversation, AuthorType.AGENT, _ids(content["seq"]))

    async def _relay_typing(self, conversation: Conversation, is_typing: bool, internal: bool) -> None:
        event = {"type": "typing", "conversation_id": conversation.pk, "who": AuthorType.AGENT,
                 "name": self.agent.public_name, "agent_id": self.agent.pk, "is_typing": is_typing,
                 "internal": internal}
        await self.channel_layer.group_send(f"conv.{conversation.pk}", {"type": "kefu.event", "event": event})
        if not internal:
            public = {k: v for k, v in event.items() if k not in {"agent_id", "internal"}}
            await self.channel_layer.group_send(customer_group(conversation), {"type": "kefu.event", "event": public})
