"""Background work of the assistant: wording an answer with the optional generative model (network)."""

from __future__ import annotations

from django.tasks import task


@task
def compose_answer(turn_id: int) -> None:
    """Ask the generative model to word the answer of one turn, then post it (short answer on failure)."""
    from kefu.assistant import conversation, generative
    from kefu.assistant.models import AssistantTurn

    turn = AssistantTurn.objects.select_related("article", "conversation").filter(pk=turn_id).first()
    if turn is None or turn.article is None or turn.bot_message_id is not None:
        return
    version = conversation.article_version(turn.article, turn.language)
    text = generative.compose(turn.question, turn.language, version)
    conversation.post_answer(turn, turn.article, text)
