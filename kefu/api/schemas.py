"""Request and response shapes of the JSON API (they make the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field, field_validator

from kefu.core.i18n import normalize_language


def _valid_email(value: str | None) -> str | None:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    if value is None:
        return None
    value = value.strip()
    if value:
        try:
            validate_email(value)
        except ValidationError as error:
            raise ValueError("not a valid email address") from error
    return value


class ContactIn(Schema):
    email: str = Field("", max_length=254)
    name: str = Field("", max_length=200)
    external_id: str | None = Field(None, max_length=100, description="The user's UID at the exchange.")
    language: str | None = Field(None, description="en or zh-Hans")
    vip_tier: int | None = Field(None, ge=0, le=9)

    check_email = field_validator("email")(_valid_email)


class ContactPatch(Schema):
    email: str | None = Field(None, max_length=254)
    name: str | None = Field(None, max_length=200)
    external_id: str | None = Field(None, max_length=100)
    language: str | None = None
    vip_tier: int | None = Field(None, ge=0, le=9)
    anti_phishing_code: str | None = Field(
        None, max_length=32, description="Shown in every support email to this customer; '' clears it.")

    check_email = field_validator("email")(_valid_email)


class ContactOut(Schema):
    id: int
    name: str
    email: str
    external_id: str | None
    language: str
    vip_tier: int
    anti_phishing_code: str
    created_at: datetime


class FirstMessageIn(Schema):
    body: str = ""
    client_id: str | None = Field(None, description="Your id for this message; a retry with it is stored once.")
    attachment_ids: list[int] = []


class ConversationIn(Schema):
    contact: ContactIn
    subject: str = ""
    message: FirstMessageIn
    inbox_id: int | None = Field(None, description="Defaults to the API inbox.")
    category: str = ""
    priority: str = "normal"
    language: str | None = None

    @field_validator("language")
    @classmethod
    def check_language(cls, value: str | None) -> str | None:
        return normalize_language(value) if value else value


class ConversationPatch(Schema):
    status: str | None = None
    priority: str | None = None
    category: str | None = None
    subject: str | None = None
    assignee_id: int | None = Field(None, description="An agent id; null unassigns.")
    team_id: int | None = Field(None, description="A team id; null removes the team.")
    tags: list[str] | None = Field(None, description="The complete new set of tags.")


class Labels(Schema):
    number: str
    status: str
    priority: str
    category: str


class ConversationOut(Schema):
    id: int
    number: int
    subject: str
    status: str
    priority: str
    category: str
    language: str
    inbox_id: int
    contact_id: int
    assignee_id: int | None
    team_id: int | None
    tags: list[str] = []
    last_seq: int
    customer_read_seq: int
    agent_read_seq: int
    created_at: datetime
    updated_at: datetime
    last_message_at: datetime | None
    first_reply_at: datetime | None
    resolved_at: datetime | None
    labels: Labels


class ConversationList(Schema):
    items: list[ConversationOut]
    count: int
    next_offset: int | None


class MessageIn(Schema):
    body: str = ""
    client_id: str | None = None
    internal: bool = False
    author_type: Literal["agent", "customer"] = "agent"
    attachment_ids: list[int] = []


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    url: str


class MessageOut(Schema):
    id: int
    conversation_id: int
    seq: int
    author_type: str
    author_name: str
    body: str
    internal: bool
    client_id: str | None
    meta: dict = {}
    created_at: datetime
    attachments: list[AttachmentOut]


class BatchMessageIn(Schema):
    conversation_id: int
    body: str = ""
    client_id: str | None = Field(None, description="Your id for this message; a retry with it is stored once.")
    internal: bool = False
    author_type: Literal["agent", "customer"] = "agent"


class BatchIn(Schema):
    messages: list[BatchMessageIn] = Field(..., min_length=1, max_length=500)


class ConversationBatchIn(Schema):
    conversations: list[ConversationIn] = Field(..., min_length=1, max_length=200)


class ProblemOut(Schema):
    type: str
    title: str
    status: int
    code: str
    detail: str


class BatchResultOut(Schema):
    status: int = Field(..., description="201 stored now, 200 stored before (same client_id), else an error")
    message: MessageOut | None = None
    problem: ProblemOut | None = None


class BatchOut(Schema):
    created: int
    existing: int
    failed: int
    results: list[BatchResultOut]


class ConversationBatchResultOut(Schema):
    status: int = Field(..., description="201 opened now, 200 opened before (same client_id), else an error")
    conversation: ConversationOut | None = None
    problem: ProblemOut | None = None


class ConversationBatchOut(Schema):
    created: int
    existing: int
    failed: int
    results: list[ConversationBatchResultOut]


class AuditEventOut(Schema):
    id: int
    actor_type: str
    actor_label: str
    action: str
    field: str
    old_value: str
    new_value: str
    created_at: datetime


class InboxOut(Schema):
    id: int
    name: str
    kind: str
    public_key: str
    default_team_id: int | None
    is_default_api_inbox: bool


class TeamOut(Schema):
    id: int
    name: str
    slug: str


class AgentOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    team_ids: list[int]
