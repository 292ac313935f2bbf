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


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    description = models.TextField(_("description"), blank=True)

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
