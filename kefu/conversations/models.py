"""Conversations (our tickets), their messages and attachments, and the append-only audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.conversations.taxonomy import AuthorType, Category, Priority, Status


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class NumberSequence(models.Model):
    """Hands out human-readable conversation numbers; one row per sequence name."""

    name = models.CharField(max_length=30, unique=True)
    last_value = models.BigIntegerField(default=10000)


class Conversation(models.Model):
    number = models.BigIntegerField(_("number"), unique=True)
    inbox = models.ForeignKey("inboxes.Inbox", on_delete=models.PROTECT, related_name="conversations")
    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="conversations")
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    category = models.CharField(_("category"), max_length=40, choices=Category.choices, blank=True)
    language = models.CharField(_("language"), max_length=10, default="en")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="assigned_conversations", verbose_name=_("assignee"),
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations",
        verbose_name=_("team"),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="conversations", verbose_name=_("tags"))
    # The sequence number of the newest message; messages are numbered 1, 2, 3... per conversation
    # under a row lock, so a client that has seen N can ask for everything after N and miss nothing.
    last_seq = models.PositiveIntegerField(default=0)
    customer_read_seq = models.PositiveIntegerField(default=0)
    agent_read_seq = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)
    first_reply_at = models.DateTimeField(_("first agent reply"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        ordering = ["-last_message_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "-last_message_at"]),
            models.Index(fields=["team", "status"]),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["contact", "-created_at"]),
        ]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"

    @property
    def is_closed(self) -> bool:
        return self.status == Status.CLOSED


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveIntegerField()
    author_type = models.CharField(max_length=10, choices=AuthorType.choices)
    author_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    author_contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    body = models.TextField(blank=True)
    internal = models.BooleanField(_("internal note"), default=False)
    # Set by the sender; a retried send with the same id returns the stored message.
    client_id = models.CharField(max_length=64, null=True, blank=True)
    # Structured data that apps attach to a message (bot choices, redaction markers, channel ids).
    # Shown with the message to the console, and to the customer for public messages: never put
    # agent-only data here.
    meta = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["conversation", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="uniq_message_seq"),
            models.UniqueConstraint(
                fields=["conversation", "client_id"], name="uniq_message_client_id",
                condition=models.Q(client_id__isnull=False),
            ),
        ]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"#{self.conversation_id}/{self.seq} {self.author_type}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.created_at:%Y/%m}/{instance.token}{instance.extension}"


class Attachment(models.Model):
    """An uploaded file. Uploaded first, then linked to the message that carries it."""

    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments",
    )
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to=attachment_path, max_length=255)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=10)
    size = models.PositiveBigIntegerField()
    # Who uploaded it, so only they can attach it to a message.
    uploaded_by_contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    uploaded_by_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    uploaded_by_token = models.ForeignKey(
        "accounts.ApiToken", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("the audit trail is append-only")

    def delete(self):
        raise TypeError("the audit trail is append-only")


class AuditEvent(models.Model):
    """One change to a conversation: who did what, when. Never updated or deleted."""

    conversation = models.ForeignKey(Conversation, on_delete=models.PROTECT, related_name="audit_events")
    actor_type = models.CharField(max_length=10, choices=AuthorType.choices)
    actor_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=40)
    field = models.CharField(max_length=40, blank=True)
    old_value = models.CharField(max_length=300, blank=True)
    new_value = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")

    def __str__(self) -> str:
        return f"{self.action} {self.field}: {self.old_value} -> {self.new_value}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("the audit trail is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("the audit trail is append-only")
