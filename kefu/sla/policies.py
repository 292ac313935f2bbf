"""Which SLA policy applies to a conversation: the first active one, in order, whose conditions hold."""

from __future__ import annotations

from kefu.conversations.models import Conversation
from kefu.sla.models import SlaPolicy


def _category_matches(wanted: list[str], category: str) -> bool:
    return any(category == c or category.startswith(c.rstrip(".") + ".") for c in wanted)


def policy_matches(policy: SlaPolicy, conversation: Conversation) -> bool:
    """Whether every non-empty condition of `policy` holds for `conversation`."""
    if policy.priorities and conversation.priority not in policy.priorities:
        return False
    if policy.channels and conversation.inbox.kind not in policy.channels:
        return False
    if policy.categories and not _category_matches(policy.categories, conversation.category):
        return False
    if policy.min_vip_tier is not None and conversation.contact.vip_tier < policy.min_vip_tier:
        return False
    inbox_ids = {i.pk for i in policy.inboxes.all()}
    if inbox_ids and conversation.inbox_id not in inbox_ids:
        return False
    team_ids = {t.pk for t in policy.teams.all()}
    return not (team_ids and conversation.team_id not in team_ids)


def select_policy(conversation: Conversation, policies: list[SlaPolicy] | None = None) -> SlaPolicy | None:
    """The first active policy (by position) whose conditions match; None if none does."""
    from kefu.sla import config

    candidates = policies if policies is not None else config.current().policies
    for policy in candidates:
        if policy_matches(policy, conversation):
            return policy
    return None
