"""The assistant in conversations: answer, clarify or hand off every inbound customer message.

Runs as an after-commit `message_created` hook (registered in apps.py). The bot's messages carry
structured data in `Message.meta["assistant"]` that the widget renders (choices, "did this solve it?"
buttons) and the console shows; everything the bot did is kept in AssistantTurn rows so the agent who
takes over sees what was tried (console side panel), and handed-off questions become content gaps.
"""

from __future__ import annotations

import logging
import re
import threading
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kefu.assistant import knowledge_index
from kefu.assistant.engine import ANSWER, HANDOFF, Decision, Thresholds, decide, detect_language
from kefu.assistant.models import (
    AssistantConversation,
    AssistantSettings,
    AssistantTurn,
    ContentGap,
    ConversationState,
    TurnAction,
)
from kefu.conversations import services as conversations
from kefu.conversations.models import Conversation, Message
from kefu.conversations.taxonomy import AuthorType, Status
from kefu.core.errors import Conflict, ConversationClosed, InvalidInput, KefuError, NotFound
from kefu.knowledge.models import Article, ArticleTranslation

log = logging.getLogger(__name__)

HANDOFF_TAG = "assistant-handoff"
# Reasons whose question the help center should learn to answer.
GAP_REASONS = {"low_confidence", "not_helpful"}
_NO = re.compile(r"^\W*(no|nope|not really|didn'?t help|did not help|doesn'?t help|not helpful|没有|没|不是|没用|"
                 r"没有用|不行|没解决|没有解决|未解决|否)\W*$", re.IGNORECASE)
_YES = re.compile(r"^\W*(yes|yep|yeah|thanks?|thank you|solved|it did|是|是的|好的|谢谢|解决了|已解决|可以了|有用)\W*$",
                  re.IGNORECASE)


def bot() -> conversations.Actor:
    return conversations.Actor(AuthorType.BOT)


# Read on every customer message, changed rarely: cached per process for SETTINGS_SECONDS. Saving or
# deleting settings in this process clears it at once; another process's change is seen within that time.
SETTINGS_SECONDS = 2.0
_settings_cache: dict[int, tuple[float, AssistantSettings | None]] = {}


def forget_settings(**_kwargs) -> None:
    _settings_cache.clear()


post_save.connect(forget_settings, sender=AssistantSettings, dispatch_uid="kefu-assistant-settings-save")
post_delete.connect(forget_settings, sender=AssistantSettings, dispatch_uid="kefu-assistant-settings-delete")


def settings_for(inbox) -> AssistantSettings:
    """The inbox's assistant settings (an unsaved default row when none was saved: KEFU_ASSISTANT_DEFAULT_ENABLED).

    The saved row is cached and shared: treat it as read-only (change settings through services)."""
    inbox_id = getattr(inbox, "pk", inbox)
    now = time.monotonic()
    cached = _settings_cache.get(inbox_id)
    if cached is not None and now - cached[0] < SETTINGS_SECONDS:
        found = cached[1]
    else:
        found = AssistantSettings.objects.filter(inbox_id=inbox_id).first()
        _settings_cache[inbox_id] = (now, found)
    return found if found is not None else AssistantSettings(inbox_id=inbox_id,
                                                             enabled=settings.KEFU_ASSISTANT_DEFAULT_ENABLED)


# Conversations this process has seen handed off to people. A hand-off is final (nothing sets the
# assistant back to active in a conversation), so once it has been read, later customer messages there
# skip the state look-up: after the hand-off the assistant costs a set look-up per message. Only
# states read from the database are remembered; a state saved as active or deleted here is forgotten.
HANDED_OFF_MAX = 100_000
_handed_off: set[int] = set()


def forget_handoffs(**_kwargs) -> None:
    _handed_off.clear()


def _remember_handoff(conversation_id: int) -> None:
    if len(_handed_off) >= HANDED_OFF_MAX:
        _handed_off.clear()
    _handed_off.add(conversation_id)


def _state_saved(instance: AssistantConversation, **_kwargs) -> None:
    if instance.state != ConversationState.HANDED_OFF:
        _handed_off.discard(instance.conversation_id)


post_save.connect(_state_saved, sender=AssistantConversation, dispatch_uid="kefu-assistant-state-save")
post_delete.connect(lambda instance, **_kwargs: _handed_off.discard(instance.conversation_id),
                    sender=AssistantConversation, weak=False, dispatch_uid="kefu-assistant-state-delete")


def state_for(conversation: Conversation) -> AssistantConversation:
    state, _created = AssistantConversation.objects.get_or_create(conversation=conversation)
    return state


def reply_language(language: str) -> str:
    """The UI language for bot texts: zh-hans for any Chinese, else en."""
    return "zh-hans" if language.startswith("zh") else "en"


def article_url(article: Article, language: str) -> str:
    from django.urls import reverse

    path = reverse("help:article", kwargs={"language": language, "slug": article.slug})
    return settings.KEFU_PUBLIC_URL.rstrip("/") + path if settings.KEFU_PUBLIC_URL else path


def _version(article: Article, language: str) -> ArticleTranslation | None:
    versions = {t.language: t for t in article.translations.all()}
    for candidate in (language, "zh-hans" if language.startswith("zh") else "en", "en", "zh-hans"):
        if candidate in versions:
            return versions[candidate]
    return None


# --- the hook --------------------------------------------------------------------------------------

def on_message_created(conversation: Conversation, message: Message) -> None:
    """Hook: a customer wrote; let the assistant act unless it is off, handed off, or the message is empty."""
    inbox_settings = _settings_if_for_the_bot(conversation, message)
    if inbox_settings is not None:
        handle_customer_message(conversation, message, inbox_settings=inbox_settings)


def _settings_if_for_the_bot(conversation: Conversation, message: Message) -> AssistantSettings | None:
    """The inbox's settings when the assistant should act on this message, else None."""
    if message.author_type != AuthorType.CUSTOMER or message.internal or not message.body.strip():
        return None
    if (message.meta or {}).get("no_bot") or conversation.pk in _handed_off:
        return None
    inbox_settings = settings_for(conversation.inbox_id)
    return inbox_settings if inbox_settings.enabled else None


def on_messages_created(pairs: list[tuple[Conversation, Message]]) -> None:
    """Batch form of `on_message_created` (one transaction stored all these messages, e.g. a batch of
    new conversations): the first messages of new conversations are decided together, and their turns,
    hand-offs, content gaps, bot replies and tags are written with a handful of statements. Every other
    message goes through `on_message_created`. The effect is the same as calling it for each."""
    from kefu.assistant import generative

    firsts = []
    for conversation, message in pairs:
        inbox_settings = _settings_if_for_the_bot(conversation, message)
        if inbox_settings is None:
            continue
        if message.seq == 1 and not conversation.is_closed and not generative.is_enabled():
            firsts.append((conversation, message, inbox_settings))
        else:
            handle_customer_message(conversation, message, inbox_settings=inbox_settings)
    if firsts:
        _first_messages(firsts)


def _first_messages(items: list[tuple[Conversation, Message, AssistantSettings]]) -> None:
    from kefu.conversations import bulk

    try:
        with transaction.atomic():
            states = AssistantConversation.objects.bulk_create(
                [AssistantConversation(conversation=conversation) for conversation, _m, _s in items])
    except IntegrityError:  # the assistant met one of them already (a catch-up, a retry): one by one
        for conversation, message, inbox_settings in items:
            handle_customer_message(conversation, message, inbox_settings=inbox_settings)
        return
    index = knowledge_index.current()
    plans = [_plan(conversation, message.body.strip(), inbox_settings, index)
             for conversation, message, inbox_settings in items]
    articles = _articles_of([decision for _t, _l, decision, _s in plans])
    turns = AssistantTurn.objects.bulk_create([
        _new_turn(conversation, message, text, language, decision, articles)
        for (conversation, message, _s), (text, language, decision, _in_surge) in zip(items, plans, strict=True)])
    replies, handed = [], []
    for turn, state, (_text, _language, decision, in_surge) in zip(turns, states, plans, strict=True):
        if decision.action == ANSWER:
            turn.article = articles[decision.candidates[0].doc_id]
            body, meta = _answer_reply(turn, turn.article, in_surge=in_surge)
        elif decision.action == HANDOFF:
            handed.append((turn, state, decision.reason))
            body, meta = _handoff_reply(turn, decision.reason)
        else:
            body, meta = _clarify_reply(turn, articles)
        replies.append(bulk.BatchItem(conversation_id=turn.conversation_id, body=body, author_type=AuthorType.BOT,
                                      meta=meta))
    if handed:
        _mark_many_handed_off(handed)
    results = bulk.post_messages(bot(), replies)
    posted, refused = [], []
    for turn, state, result in zip(turns, states, results, strict=True):
        if result.message is not None:
            turn.bot_message = result.message
            posted.append(turn)
        elif turn.action != TurnAction.HANDOFF:
            refused.append((turn, state))
    AssistantTurn.objects.bulk_update(posted, ["article", "bot_message"])
    if handed:
        tagged = bulk.add_tag([turn.conversation_id for turn, _st, _r in handed], HANDOFF_TAG,
                              conversations.Actor.system())
        for conversation in tagged:  # reopened by someone in the meantime: back in the queue, as alone
            if conversation.status in {Status.PENDING, Status.SOLVED}:
                conversations.update_conversation(conversation, conversations.Actor.system(),
                                                  conversations.Changes(status=Status.OPEN))
    for turn, state in refused:  # never silence: hand off, as the single path does
        log.warning("assistant reply in conversation %s refused; handing off", turn.conversation_id)
        hand_off(turn, "reply_refused", state=state)


def _mark_many_handed_off(handed: list[tuple[AssistantTurn, AssistantConversation, str]]) -> None:
    """The states (one UPDATE per reason) and content gaps of many hand-offs decided at once."""
    now = timezone.now()
    by_reason: dict[str, list[int]] = {}
    for _turn, state, reason in handed:
        by_reason.setdefault(reason, []).append(state.pk)
        state.state, state.handoff_reason, state.handed_off_at = ConversationState.HANDED_OFF, reason, now
    for reason, ids in by_reason.items():
        (AssistantConversation.objects.filter(pk__in=ids).exclude(state=ConversationState.HANDED_OFF)
         .update(state=ConversationState.HANDED_OFF, handoff_reason=reason, handed_off_at=now))
    ContentGap.objects.bulk_create([
        ContentGap(turn=turn, question=turn.question, language=turn.language, reason=reason)
        for turn, _state, reason in handed if reason in GAP_REASONS])


def handle_customer_message(conversation: Conversation, message: Message,
                            inbox_settings: AssistantSettings | None = None) -> AssistantTurn | None:
    """Decide and act on one customer message; returns the turn written (None when the bot stays quiet).

    Side effects: a bot message (answer/clarify/handoff) with `meta["assistant"]`, an AssistantTurn, and
    on handoff the conversation state, a content gap and the `assistant-handoff` tag (audit trail).
    """
    state, new = _state_for_message(conversation, message)
    if state.state == ConversationState.HANDED_OFF:
        _remember_handoff(conversation.pk)
        return None
    if conversation.is_closed:
        return None
    text = message.body.strip()
    # A conversation the assistant has just met has no turns yet (they are written after its state).
    previous = None if new else AssistantTurn.objects.filter(conversation=conversation).order_by("-pk").first()
    if previous is not None and previous.action == TurnAction.ANSWER and previous.helpful is None:
        if _NO.match(text):
            return record_feedback(previous, helpful=False)
        if _YES.match(text):
            return record_feedback(previous, helpful=True)
    if previous is not None and previous.action == TurnAction.CLARIFY:
        chosen = _chosen_article(previous, text)
        if chosen is not None:
            return choose_article(previous, chosen, customer_message=message)
    return _decide_and_act(conversation, message, text, inbox_settings, state)


def _state_for_message(conversation: Conversation, message: Message) -> tuple[AssistantConversation, bool]:
    """The assistant's state in the conversation, and whether it was made now. A new conversation's
    first message cannot have one yet: insert it straight away (a lost race falls back to reading it)."""
    if message.seq == 1:
        try:
            with transaction.atomic():
                return AssistantConversation.objects.create(conversation=conversation), True
        except IntegrityError:
            pass
    return AssistantConversation.objects.get_or_create(conversation=conversation)


def _chosen_article(turn: AssistantTurn, text: str) -> str | None:
    norm = text.strip().lower().rstrip(".。")
    for index, candidate in enumerate(turn.candidates, start=1):
        if norm in {str(index), candidate.get("title", "").strip().lower()}:
            return candidate["article"]
    return None


# The first message of a new conversation is matched twice: by the topic filter before it is stored (so
# routing sees the topic) and by the hook after commit. Each thread keeps its last few matches.
_matches = threading.local()


def _match(index: knowledge_index.KnowledgeIndex, text: str, language: str) -> list:
    memo = getattr(_matches, "memo", None)
    if memo is None or len(memo) > 64:
        memo = _matches.memo = {}
    key = (id(index), language, text)
    found = memo.get(key)
    if found is None or found[0] is not index:
        found = memo[key] = (index, index.matcher.match(text, language, k=5))
    return found[1]


def detect_topic(draft) -> None:
    """Message filter: the topic of a new conversation's first customer message, when the help center
    answers it confidently, goes into the message's meta (``meta["assistant"]["topic"]``) before it is
    stored, so routing rules on the assistant's topic see it."""
    if draft.conversation is not None or not draft.is_customer or draft.internal or not draft.body.strip():
        return
    index = knowledge_index.current()
    if not index.topics:
        return
    text = draft.body.strip()
    candidates = _match(index, text, detect_language(text))
    if candidates and candidates[0].score >= settings_for(draft.inbox.pk).answer_threshold:
        topic = index.topics.get(candidates[0].doc_id)
        if topic:
            draft.meta.setdefault("assistant", {})["topic"] = topic


def thresholds_for(inbox_settings: AssistantSettings, conversation: Conversation, candidates: list,
                   index: knowledge_index.KnowledgeIndex) -> tuple[Thresholds, bool]:
    """The inbox's thresholds, or its lower surge threshold when the best candidate's topic is a
    low-risk one and the conversation's team is in surge mode (kefu.routing.surge). The flag says which."""
    from kefu.routing import surge

    usual = Thresholds(answer=inbox_settings.answer_threshold, clarify=inbox_settings.clarify_threshold)
    topic = index.topics.get(candidates[0].doc_id) if candidates else None
    surge_answer = inbox_settings.surge_answer_threshold
    if topic and surge_answer < usual.answer and surge.relaxed_topic(topic, conversation.team_id):
        return Thresholds(answer=surge_answer, clarify=min(usual.clarify, surge_answer)), True
    return usual, False


def _plan(conversation: Conversation, text: str, inbox_settings: AssistantSettings,
          index: knowledge_index.KnowledgeIndex) -> tuple[str, str, Decision, bool]:
    """(text, its language, the decision, whether the surge threshold applied) for one customer message."""
    language = detect_language(text)
    candidates = _match(index, text, language)
    thresholds, in_surge = thresholds_for(inbox_settings, conversation, candidates, index)
    return text, language, decide(text, candidates, thresholds, sensitive_doc_ids=index.sensitive), in_surge


def _articles_of(decisions: list[Decision]) -> dict[str, Article]:
    """The articles the decisions name, with their language versions, in one query."""
    slugs = {c.doc_id for decision in decisions for c in decision.candidates}
    return {a.slug: a for a in Article.objects.filter(slug__in=slugs).prefetch_related("translations")}


def _new_turn(conversation: Conversation, message: Message, text: str, language: str, decision: Decision,
              articles: dict[str, Article]) -> AssistantTurn:
    """The turn (not yet saved) that records a decision and the candidates it weighed."""
    return AssistantTurn(
        conversation=conversation, customer_message=message, question=text[:2000], language=language,
        action=decision.action, reason=decision.reason,
        candidates=[{"article": c.doc_id, "title": _title(articles.get(c.doc_id), language), "score": round(c.score, 4)}
                    for c in decision.candidates if c.doc_id in articles])


def _decide_and_act(conversation: Conversation, message: Message, text: str,
                    inbox_settings: AssistantSettings | None = None,
                    state: AssistantConversation | None = None) -> AssistantTurn:
    inbox_settings = inbox_settings or settings_for(conversation.inbox_id)
    text, language, decision, in_surge = _plan(conversation, text, inbox_settings, knowledge_index.current())
    articles = _articles_of([decision])
    turn = _new_turn(conversation, message, text, language, decision, articles)
    turn.save(force_insert=True)
    if decision.action == HANDOFF:
        hand_off(turn, decision.reason, state=state)
        return turn
    try:
        if decision.action == ANSWER:
            _answer(turn, articles[decision.candidates[0].doc_id], in_surge=in_surge)
        else:
            _clarify(turn, articles)
    except KefuError as error:
        # The reply was refused (a filter, the conversation closed meanwhile): never leave the customer
        # without an answer, hand off instead.
        log.warning("assistant reply in conversation %s refused (%s); handing off", conversation.pk, error.code)
        hand_off(turn, "reply_refused", state=state)
    return turn


def _title(article: Article | None, language: str) -> str:
    version = _version(article, language) if article is not None else None
    return version.title if version is not None else ""


def article_version(article: Article, language: str) -> ArticleTranslation | None:
    return _version(article, language)


def _answer(turn: AssistantTurn, article: Article, in_surge: bool = False) -> None:
    from kefu.assistant import generative

    if generative.is_enabled():
        # The model is a network call: word the answer in the background (it posts the message).
        from kefu.assistant.tasks import compose_answer

        AssistantTurn.objects.filter(pk=turn.pk).update(article=article)
        compose_answer.enqueue(turn.pk)
        return
    post_answer(turn, article, in_surge=in_surge)


def _answer_reply(turn: AssistantTurn, article: Article, generated: str | None = None,
                  in_surge: bool = False) -> tuple[str, dict]:
    """The answer's text and meta: the generated text when given, else the article's short answer; link;
    "solved?"."""
    version = _version(article, turn.language)
    url = article_url(article, version.language)
    with translation.override(reply_language(turn.language)):
        body = "\n\n".join(filter(None, [
            generated or version.short_answer or version.title,
            _("Read more: %(title)s %(url)s") % {"title": version.title, "url": url},
            _("Did this solve it?"),
        ]))
    meta = {"assistant": {"kind": "answer", "turn": turn.pk, "article": article.slug, "title": version.title,
                          "url": url, "ask_feedback": True, "generated": bool(generated)}}
    if in_surge:
        meta["assistant"]["surge_threshold"] = True  # answered from the lower surge threshold
    return body, meta


def post_answer(turn: AssistantTurn, article: Article, generated: str | None = None,
                in_surge: bool = False) -> Message:
    """Post the answer (see `_answer_reply`) and remember it on the turn."""
    body, meta = _answer_reply(turn, article, generated, in_surge)
    message, _created = conversations.post_message(turn.conversation, bot(), body, author_type=AuthorType.BOT,
                                                   meta=meta)
    turn.article = article
    turn.bot_message = message
    turn.save(update_fields=["article", "bot_message"])
    return message


def _clarify_reply(turn: AssistantTurn, articles: dict[str, Article]) -> tuple[str, dict]:
    choices = []
    for candidate in turn.candidates:
        version = _version(articles[candidate["article"]], turn.language)
        choices.append({"article": candidate["article"], "title": version.title,
                        "url": article_url(articles[candidate["article"]], version.language)})
    with translation.override(reply_language(turn.language)):
        lines = [_("I found a few articles that may help. Which one is closest?")]
        lines += [f"{n}. {choice['title']}" for n, choice in enumerate(choices, start=1)]
        lines.append(_("Or write \"human\" to talk to a person."))
    return "\n".join(lines), {"assistant": {"kind": "clarify", "turn": turn.pk, "choices": choices}}


def _clarify(turn: AssistantTurn, articles: dict[str, Article]) -> None:
    body, meta = _clarify_reply(turn, articles)
    message, _created = conversations.post_message(turn.conversation, bot(), body,
                                                   author_type=AuthorType.BOT, meta=meta)
    turn.bot_message = message
    turn.save(update_fields=["bot_message"])


# --- actions from the widget (buttons) and from text replies ------------------------------------

def choose_article(turn: AssistantTurn, slug: str, customer_message: Message | None = None) -> AssistantTurn:
    """The customer picked one of the offered choices: answer with that article (a new turn)."""
    if turn.action != TurnAction.CLARIFY:
        raise InvalidInput(_("This message offered no choices."))
    if slug not in {c["article"] for c in turn.candidates}:
        raise InvalidInput(_("That article was not one of the choices."))
    _check_active(turn.conversation)
    article = Article.objects.prefetch_related("translations").get(slug=slug)
    answer = AssistantTurn.objects.create(
        conversation=turn.conversation, customer_message=customer_message, question=turn.question,
        language=turn.language, action=TurnAction.ANSWER, reason="chosen",
        candidates=[c for c in turn.candidates if c["article"] == slug],
    )
    _answer(answer, article)
    return answer


def record_feedback(turn: AssistantTurn, helpful: bool) -> AssistantTurn:
    """The customer says whether an answer solved it: "yes" thanks them, "no" hands off with the context."""
    if turn.action != TurnAction.ANSWER:
        raise InvalidInput(_("Only answers take feedback."))
    with transaction.atomic():
        locked = AssistantTurn.objects.select_for_update().get(pk=turn.pk)
        if locked.helpful is not None:
            return locked
        locked.helpful = helpful
        locked.feedback_at = timezone.now()
        locked.save(update_fields=["helpful", "feedback_at"])
    _mark_feedback_given(locked)
    if helpful:
        with translation.override(reply_language(locked.language)):
            body = _("Glad that helped! Write again any time if you need anything else.")
        conversations.post_message(locked.conversation, bot(), body, author_type=AuthorType.BOT,
                                   meta={"assistant": {"kind": "thanks", "turn": locked.pk}})
    else:
        hand_off(locked, "not_helpful")
    return locked


def _mark_feedback_given(turn: AssistantTurn) -> None:
    """Keep the answer's meta in step so the widget stops offering the buttons (shown on reload)."""
    if turn.bot_message_id is None:
        return
    message = Message.objects.get(pk=turn.bot_message_id)
    meta = dict(message.meta or {})
    meta.setdefault("assistant", {})["ask_feedback"] = False
    meta["assistant"]["helpful"] = turn.helpful
    Message.objects.filter(pk=message.pk).update(meta=meta)


def _check_active(conversation: Conversation) -> None:
    if state_for(conversation).state == ConversationState.HANDED_OFF:
        raise Conflict(_("A person has taken over this conversation."))


def hand_off(turn: AssistantTurn, reason: str, state: AssistantConversation | None = None) -> AssistantConversation:
    """Hand the conversation to people: tell the customer, tag it (audit trail), record a content gap.

    From then on the assistant stays quiet in this conversation. The conversation stays in (or goes
    back to) the agents' queue: a pending or solved conversation is reopened. `state`: the
    conversation's assistant state when the caller has it (saves reading and locking it again).
    """
    conversation = Conversation.objects.get(pk=turn.conversation_id)
    with transaction.atomic():
        if state is not None and _mark_handed_off(state, reason):
            pass  # one conditional UPDATE: only one of several concurrent handoffs gets here
        else:
            state = AssistantConversation.objects.select_for_update().get_or_create(conversation=conversation)[0]
            if state.state == ConversationState.HANDED_OFF:
                return state
            state.state = ConversationState.HANDED_OFF
            state.handoff_reason = reason
            state.handed_off_at = timezone.now()
            state.save()
        if turn.action != TurnAction.HANDOFF or turn.reason != reason:
            turn = AssistantTurn.objects.create(
                conversation=conversation, question=turn.question, language=turn.language,
                action=TurnAction.HANDOFF, reason=reason, candidates=turn.candidates, article=turn.article)
        if reason in GAP_REASONS:
            ContentGap.objects.create(turn=turn, question=turn.question, language=turn.language, reason=reason)
    _tell_customer(turn, reason)
    _queue_for_people(conversation)
    return state


def _mark_handed_off(state: AssistantConversation, reason: str) -> bool:
    """Hand off in one statement if nobody has yet (the UPDATE locks the row); False if someone had."""
    now = timezone.now()
    moved = (AssistantConversation.objects.filter(pk=state.pk).exclude(state=ConversationState.HANDED_OFF)
             .update(state=ConversationState.HANDED_OFF, handoff_reason=reason, handed_off_at=now))
    if moved:
        state.state, state.handoff_reason, state.handed_off_at = ConversationState.HANDED_OFF, reason, now
    return bool(moved)


def _handoff_reply(turn: AssistantTurn, reason: str) -> tuple[str, dict]:
    with translation.override(reply_language(turn.language)):
        if reason == "not_helpful":
            body = _("Sorry that did not solve it. I am passing you to a colleague, who can see what we tried.")
        elif reason == "sensitive_topic":
            body = _("This needs a person. I am passing you to a colleague right away.")
        elif reason == "asked_for_human":
            body = _("Of course. I am connecting you with a colleague now.")
        else:
            body = _("I am not sure I can answer that well. I am passing you to a colleague.")
    return body, {"assistant": {"kind": "handoff", "turn": turn.pk, "reason": reason,
                                "tried": [c["article"] for c in turn.candidates]}}


def _tell_customer(turn: AssistantTurn, reason: str) -> None:
    body, meta = _handoff_reply(turn, reason)
    message, _created = conversations.post_message(turn.conversation, bot(), body, author_type=AuthorType.BOT,
                                                   meta=meta)
    AssistantTurn.objects.filter(pk=turn.pk).update(bot_message=message)


def _queue_for_people(conversation: Conversation) -> None:
    """Tag the conversation and reopen it if pending or solved. `conversation` was read at the start
    of the handoff (the bot's own message since then changes neither status nor tags)."""
    if conversation.is_closed:
        return
    tags = sorted({*conversation.tags.values_list("name", flat=True), HANDOFF_TAG})
    changes = conversations.Changes(tags=tags)
    if conversation.status in {Status.PENDING, Status.SOLVED}:
        changes.status = Status.OPEN
    try:
        conversations.update_conversation(conversation, conversations.Actor.system(), changes)
    except ConversationClosed:  # closed meanwhile: nothing to queue
        return
    except InvalidInput:  # too many tags already: the handoff itself stands
        log.warning("could not tag conversation %s after handoff", conversation.pk)


def turn_for_customer(turn_id: int, contact, inbox=None) -> AssistantTurn:
    """A turn of one of the contact's own conversations, or NotFound."""
    found = AssistantTurn.objects.filter(pk=turn_id, conversation__contact=contact).select_related("conversation")
    if inbox is not None:
        found = found.filter(conversation__inbox=inbox)
    turn = found.first()
    if turn is None:
        raise NotFound(_("No such assistant message."))
    return turn
