"""Optional generative mode: an OpenAI-compatible /v1/chat/completions endpoint words the answer from
the matched article only. Off unless KEFU_ASSISTANT_LLM_URL is set.

The model never decides *whether* to answer (the engine does, with the inbox's thresholds) and never
sees anything but the customer's question and the matched article; when it fails, times out or says
the article does not cover the question, the article's own short answer is sent instead.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

from django.conf import settings

from kefu.knowledge.models import ArticleTranslation

log = logging.getLogger(__name__)
NOT_COVERED = "NOT_COVERED"

SYSTEM_PROMPT = (
    "You are the support assistant of a cryptocurrency exchange. Answer the customer's question using ONLY "
    "the help-center article below. Do not add facts, numbers, fees, limits, times or promises that are not "
    "in the article; never invent policy. Never ask for passwords, 2FA codes, seed phrases or private keys. "
    "Answer in {language_name}, in at most four short sentences. If the article does not answer the question, "
    f"reply with exactly {NOT_COVERED}.\n\nARTICLE TITLE: {{title}}\nARTICLE:\n{{body}}"
)
LANGUAGE_NAMES = {"en": "English", "zh-hans": "Simplified Chinese", "zh-hant": "Traditional Chinese"}


def is_enabled() -> bool:
    return bool(settings.KEFU_ASSISTANT_LLM_URL)


def endpoint() -> str:
    url = settings.KEFU_ASSISTANT_LLM_URL.rstrip("/")
    if url.endswith("/chat/completions"):
        return url
    return url + ("/chat/completions" if url.endswith("/v1") else "/v1/chat/completions")


def compose(question: str, language: str, version: ArticleTranslation) -> str | None:
    """The model's answer to `question` from `version`, or None (not covered, error, timeout)."""
    system = SYSTEM_PROMPT.format(language_name=LANGUAGE_NAMES.get(language, "English"), title=version.title,
                                  body=f"{version.short_answer}\n\n{version.body}"[:12000])
    payload = {"model": settings.KEFU_ASSISTANT_LLM_MODEL, "temperature": 0, "max_tokens": 400,
               "messages": [{"role": "system", "content": system}, {"role": "user", "content": question[:2000]}]}
    headers = {"Content-Type": "application/json"}
    if settings.KEFU_ASSISTANT_LLM_KEY:
        headers["Authorization"] = f"Bearer {settings.KEFU_ASSISTANT_LLM_KEY}"
    request = urllib.request.Request(endpoint(), data=json.dumps(payload).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=settings.KEFU_ASSISTANT_LLM_TIMEOUT) as response:
            data = json.load(response)
        text = (data["choices"][0]["message"]["content"] or "").strip()
    except (urllib.error.URLError, TimeoutError, OSError, ValueError, KeyError, IndexError, TypeError) as error:
        log.warning("generative answer failed (%s); sending the article's short answer", type(error).__name__)
        return None
    if not text or NOT_COVERED in text:
        return None
    return text[:2000]
