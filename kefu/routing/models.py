"""Routing: rules that pick a team and priority, the team queues, assignment history, surge mode, incidents."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.conversations.taxonomy import Priority

# Queue order: urgent first. Stored as a number so the database sorts it.
PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


def priority_rank(priority: str) -> int:
    return PRIORITY_RANK.get(priority, 2)


class RoutingRule(models.Model):
    """One ordered rule: when every filled-in condition matches, apply the actions.

    Empty conditions match anything. Rules run in `position` order; the first rule that sets a team
    wins the team (later rules may still add tags or raise the priority unless `stop` is set).
    """

    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("order"), default=100, db_index=True)
    is_active = models.BooleanField(_("active"), default=True)
    builtin = models.CharField(
        max_length=40, blank=True, editable=False,
        help_text=_("Set for rules kefu creates itself (they may be edited or turned off, not deleted)."),
    )
    # Conditions
    channels = models.JSONField(_("channels"), default=list, blank=True,
                                help_text=_("Inbox kinds, e.g. [\"webchat\", \"email\"]; empty: any."))
    languages = models.JSONField(_("languages"), default=list, blank=True,
                                 help_text=_("e.g. [\"zh-hans\"]; empty: any."))
    categories = models.JSONField(_("categories"), default=list, blank=True,
                                  help_text=_("Category codes; a code ending in '.' matches its group; empty: any."))
    min_vip_tier = models.PositiveSmallIntegerField(_("minimum VIP tier"), null=True, blank=True)
    keywords = models.JSONField(
        _("keywords"), default=list, blank=True,
        help_text=_("Any of these words or phrases in the subject or first message (case-insensitive); empty: any."),
    )
    topics = models.JSONField(
        _("assistant topics"), default=list, blank=True,
        help_text=_("Topics the assistant detected (message meta \"topic\"); empty: any."),
    )
    # Actions
    set_team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("set team"))
    set_priority = models.CharField(_("set priority"), max_length=10, choices=Priority.choices, blank=True)
    add_tags = models.JSONField(_("add tags"), default=list, blank=True)
    stop = models.BooleanField(_("stop after this rule"), default=False)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return self.name


class QueueEntry(models.Model):
    """A conversation waiting in its team's queue for an agent. Deleted when it is assigned."""

    conversation = models.OneToOneField("conversations.Conversation", on_delete=models.CASCADE,
                                        related_name="queue_entry")
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="queue_entries")
    rank = models.PositiveSmallIntegerField(default=2)
    waiting_since = models.DateTimeField(db_index=True)
    incident = models.ForeignKey("routing.Incident", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="queue_entries")
    # What the customer was last told, so a position update is sent only when it changes.
    announced_position = models.PositiveIntegerField(null=True, blank=True)
    announced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["team", "rank", "waiting_since", "id"], name="routing_queue_order")]
        verbose_name = _("waiting conversation")
        verbose_name_plural = _("waiting conversations")

    def __str__(self) -> str:
        return f"#{self.conversation_id} in {self.team_id}"


class RoutedConversation(models.Model):
    """Marks a conversation the routing rules have seen, so a restart can catch up the rest."""

    conversation = models.OneToOneField("conversations.Conversation", on_delete=models.CASCADE,
                                        related_name="routing", primary_key=True)
    routed_at = models.DateTimeField(auto_now_add=True)
    rules = models.CharField(max_length=300, blank=True)
    incident = models.ForeignKey("routing.Incident", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="conversations")

    class Meta:
        verbose_name = _("routed conversation")
        verbose_name_plural = _("routed conversations")


class Assignment(models.Model):
    """One automatic assignment: who got which conversation, and how long it waited."""

    class Kind(models.TextChoices):
        QUEUE = "queue", _("From the queue")
        REOPEN = "reopen", _("Reopened, back to its agent")

    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE,
                                     related_name="routing_assignments")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.QUEUE)
    waited_seconds = models.FloatField(default=0)
    assigned_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["team", "-assigned_at"], name="routing_assign_recent")]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")


class TeamRoutingState(models.Model):
    """Per-team runtime state: the lock row assigners take, the round-robin pointer, surge mode."""

    team = models.OneToOneField("accounts.Team", on_delete=models.CASCADE, related_name="routing_state",
                                primary_key=True)
    last_agent_id = models.BigIntegerField(null=True, blank=True)
    surge_manual = models.BooleanField(_("surge mode switched on by a supervisor"), default=False)
    surge_automatic = models.BooleanField(_("surge mode on because of volume"), default=False)
    surge_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("team routing state")
        verbose_name_plural = _("team routing states")

    @property
    def surge_active(self) -> bool:
        return self.surge_manual or self.surge_automatic


class ConsoleConnection(models.Model):
    """One open console socket of an agent; presence follows whether an agent has any."""

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel_name = models.CharField(max_length=200, unique=True)
    connected_at = models.DateTimeField(auto_now_add=True)


class Incident(models.Model):
    """A known problem a supervisor announced (e.g. "BTC withdrawals delayed").

    New conversations that mention its keywords are tagged, grouped in the queue view, and the customer
    gets the notice at once. Duplicate questions collapse onto the incident; nothing is dropped.
    """

    title = models.CharField(_("title"), max_length=200)
    keywords = models.JSONField(_("keywords"), default=list,
                                help_text=_("Words or phrases (any language) that mark a question about it."))
    notice_en = models.TextField(_("notice (English)"))
    notice_zh_hans = models.TextField(_("notice (Simplified Chinese)"), blank=True)
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             help_text=_("Only conversations of this team; empty: every team."))
    tag = models.CharField(_("tag"), max_length=50, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return self.title

    def notice(self, language: str) -> str:
        return self.notice_zh_hans if language == "zh-hans" and self.notice_zh_hans else self.notice_en
