"""What the assistant keeps: per-inbox settings, its state in each conversation, every turn it took
(what it matched, what it did, the customer's feedback) and the content gaps editors should close."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_ANSWER_THRESHOLD = 0.6
DEFAULT_CLARIFY_THRESHOLD = 0.15
# In surge mode, questions about low-risk topics (kefu.routing.surge) are answered from this confidence.
DEFAULT_SURGE_ANSWER_THRESHOLD = 0.4


class AssistantSettings(models.Model):
    """The assistant's switch and thresholds for one inbox. No row means: on, default thresholds."""

    inbox = models.OneToOneField("inboxes.Inbox", on_delete=models.CASCADE, related_name="assistant_settings",
                                 verbose_name=_("inbox"))
    enabled = models.BooleanField(_("assistant on"), default=True)
    answer_threshold = models.FloatField(
        _("answer threshold"), default=DEFAULT_ANSWER_THRESHOLD,
        help_text=_("Confidence (0 to 1) at or above which the assistant answers with an article."))
    clarify_threshold = models.FloatField(
        _("clarify threshold"), default=DEFAULT_CLARIFY_THRESHOLD,
        help_text=_("Confidence (0 to 1) a candidate needs to be offered as a choice."))
    surge_answer_threshold = models.FloatField(
        _("answer threshold in a surge"), default=DEFAULT_SURGE_ANSWER_THRESHOLD,
        help_text=_("While the conversation's team is in surge mode, questions about low-risk topics are "
                    "answered from this confidence (between the clarify and the answer threshold)."))

    class Meta:
        verbose_name = _("assistant settings")
        verbose_name_plural = _("assistant settings")

    def __str__(self) -> str:
        return str(self.inbox)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if not 0 <= self.clarify_threshold <= self.answer_threshold <= 1:
            raise ValidationError(_("Thresholds must satisfy 0 ≤ clarify ≤ answer ≤ 1."))
        if not self.clarify_threshold <= self.surge_answer_threshold <= self.answer_threshold:
            raise ValidationError(_("The surge threshold must lie between the clarify and the answer threshold."))


class ConversationState(models.TextChoices):
    ACTIVE = "active", _("Assistant active")
    HANDED_OFF = "handed_off", _("Handed off to a person")


class AssistantConversation(models.Model):
    """The assistant's state in one conversation; once handed off it stays quiet there."""

    conversation = models.OneToOneField("conversations.Conversation", on_delete=models.CASCADE,
                                        related_name="assistant")
    state = models.CharField(max_length=12, choices=ConversationState.choices, default=ConversationState.ACTIVE)
    handoff_reason = models.CharField(max_length=40, blank=True)
    handed_off_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("assistant conversation")
        verbose_name_plural = _("assistant conversations")


class TurnAction(models.TextChoices):
    ANSWER = "answer", _("Answered")
    CLARIFY = "clarify", _("Offered choices")
    HANDOFF = "handoff", _("Handed off")


class AssistantTurn(models.Model):
    """One customer message the assistant handled: what it matched, what it did, and whether it helped."""

    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE,
                                     related_name="assistant_turns")
    customer_message = models.ForeignKey("conversations.Message", null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")
    bot_message = models.ForeignKey("conversations.Message", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    question = models.TextField()
    language = models.CharField(max_length=10)
    action = models.CharField(max_length=10, choices=TurnAction.choices)
    reason = models.CharField(max_length=40, blank=True)
    # [{"article": slug, "title": ..., "score": 0.83}, ...] best first.
    candidates = models.JSONField(default=list, blank=True)
    article = models.ForeignKey("knowledge.Article", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    helpful = models.BooleanField(null=True, blank=True)
    feedback_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("assistant turn")
        verbose_name_plural = _("assistant turns")


class ContentGap(models.Model):
    """A customer question the help center could not answer (it ended in a handoff), for editors."""

    turn = models.OneToOneField(AssistantTurn, on_delete=models.CASCADE, related_name="gap")
    question = models.TextField(_("question"))
    language = models.CharField(_("language"), max_length=10)
    reason = models.CharField(_("reason"), max_length=40)
    resolved_article = models.ForeignKey("knowledge.Article", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="+", verbose_name=_("added to article"))
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    dismissed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("content gap")
        verbose_name_plural = _("content gaps")

    def __str__(self) -> str:
        return self.question[:80]

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None and not self.dismissed
