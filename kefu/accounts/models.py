"""Agents (the people who answer), their roles and teams, and API tokens for integrations."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Admin")


class AssignmentMode(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_LOADED = "least_loaded", _("Least loaded")


class Presence(models.TextChoices):
    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")
    OFFLINE = "offline", _("Offline")


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    description = models.TextField(_("description"), blank=True)
    # Skills: what this team handles. Empty lists mean "any".
    categories = models.JSONField(
        _("categories"), default=list, blank=True,
        help_text=_("Conversation categories this team handles, e.g. [\"funds.withdrawal_failed\"]; empty: any."),
    )
    languages = models.JSONField(
        _("languages"), default=list, blank=True,
        help_text=_("Languages this team answers, e.g. [\"zh-hans\"]; empty: any."),
    )
    handles_vip = models.BooleanField(_("handles VIP customers"), default=False)
    always_open = models.BooleanField(
        _("staffed around the clock (24/7)"), default=False,
        help_text=_("The team is never outside business hours (e.g. the security team)."),
    )
    assignment_mode = models.CharField(
        _("assignment"), max_length=20, choices=AssignmentMode.choices, default=AssignmentMode.ROUND_ROBIN,
    )
    auto_assign = models.BooleanField(
        _("assign automatically"), default=True,
        help_text=_("Give waiting conversations to online agents with free capacity."),
    )
    surge_rate_per_minute = models.PositiveIntegerField(
        _("surge threshold (new conversations per minute)"), default=0,
        help_text=_("Surge mode switches on when more new conversations arrive per minute (averaged over the "
                    "surge window); 0 turns automatic surge mode off."),
    )
    surge_window_minutes = models.PositiveSmallIntegerField(_("surge window (minutes)"), default=5)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class Agent(AbstractUser):
    """A support agent, supervisor or admin; logs in to the console."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.AGENT)
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=10, default="en")
    teams = models.ManyToManyField(Team, related_name="members", blank=True, verbose_name=_("teams"))
    presence = models.CharField(_("presence"), max_length=10, choices=Presence.choices, default=Presence.OFFLINE)
    presence_changed_at = models.DateTimeField(_("presence changed"), null=True, blank=True)
    # Set when the agent's last console socket closed; cleared when one connects again.
    presence_lost_at = models.DateTimeField(null=True, blank=True)
    # True when kefu (not the agent) moved the presence because the console went away.
    presence_automatic = models.BooleanField(default=False)
    chat_capacity = models.PositiveSmallIntegerField(
        _("concurrent chats"), default=5,
        help_text=_("How many live chats (web chat, messengers) the agent handles at once."),
    )
    ticket_capacity = models.PositiveSmallIntegerField(
        _("open tickets per channel"), default=20,
        help_text=_("How many open tickets of each other channel (email, API, ...) the agent holds at once."),
    )
    skill_languages = models.JSONField(
        _("languages spoken"), default=list, blank=True,
        help_text=_("Languages the agent answers in, e.g. [\"en\", \"zh-hans\"]; empty: any."),
    )

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    @property
    def sees_everything(self) -> bool:
        return self.role in (Role.SUPERVISOR, Role.ADMIN) or self.is_superuser

    @property
    def public_name(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def save(self, *args, **kwargs):
        # Admins manage configuration through Django admin.
        if self.role == Role.ADMIN:
            self.is_staff = True
        super().save(*args, **kwargs)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored; the token is shown once."""

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    agent = models.ForeignKey(
        # CASCADE, not SET_NULL: a token without an agent sees everything, so it must not outlive its agent.
        Agent, null=True, blank=True, on_delete=models.CASCADE, related_name="api_tokens",
        help_text=_("Agent messages sent with this token are authored by this agent."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
