"""Verbs for agents, teams and API tokens."""

from __future__ import annotations

import secrets
import time

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kefu.accounts.models import Agent, ApiToken, Role, Team, hash_token
from kefu.core.errors import InvalidInput

TOKEN_PREFIX = "kefu_"


@transaction.atomic
def create_agent(
    username: str,
    password: str,
    *,
    email: str = "",
    role: str = Role.AGENT,
    display_name: str = "",
    language: str = "en",
    teams: list[str] | None = None,
    check_password: bool = True,
) -> Agent:
    """Create an agent who can log in to the console; `teams` are team slugs (created if new)."""
    if role not in Role.values:
        raise InvalidInput(f"role must be one of {', '.join(Role.values)}")
    if Agent.objects.filter(username=username).exists():
        raise InvalidInput(f"an agent named {username!r} already exists")
    agent = Agent(username=username, email=email, role=role, display_name=display_name, language=language)
    if check_password:
        try:
            validate_password(password, agent)
        except ValidationError as error:
            raise InvalidInput(" ".join(error.messages)) from error
    agent.set_password(password)
    agent.is_staff = role == Role.ADMIN
    agent.is_superuser = role == Role.ADMIN
    agent.save()
    for slug in teams or []:
        team, _ = Team.objects.get_or_create(slug=slug, defaults={"name": slug.replace("-", " ").title()})
        agent.teams.add(team)
    return agent


def create_api_token(name: str, agent: Agent | None = None) -> tuple[ApiToken, str]:
    """Create an API token; returns the row and the raw token, which is never stored."""
    if not name.strip():
        raise InvalidInput("a token needs a name")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(name=name.strip(), prefix=raw[:12], token_hash=hash_token(raw), agent=agent)
    return token, raw


# Recently checked tokens, so a busy integration does not pay a query per request. A token revoked
# or an agent deactivated in another process stops working within TOKEN_CACHE_SECONDS.
TOKEN_CACHE_SECONDS = 10.0
_token_cache: dict[str, tuple[float, ApiToken]] = {}


def authenticate_token(raw: str) -> ApiToken | None:
    """Find the live token for a bearer string, recording when it was last used (once a minute)."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    digest = hash_token(raw)
    cached = _token_cache.get(digest)
    if cached is not None and time.monotonic() - cached[0] < TOKEN_CACHE_SECONDS:
        return cached[1]
    try:
        token = ApiToken.objects.select_related("agent").get(token_hash=digest, revoked_at=None)
    except ApiToken.DoesNotExist:
        return None
    if token.agent is not None and not token.agent.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    _token_cache[digest] = (time.monotonic(), token)
    return token


def forget_cached_tokens() -> None:
    _token_cache.clear()


def revoke_api_token(prefix: str) -> int:
    """Revoke every live token whose prefix matches; returns how many were revoked."""
    forget_cached_tokens()
    return ApiToken.objects.filter(prefix=prefix, revoked_at=None).update(revoked_at=timezone.now())
