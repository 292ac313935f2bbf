"""RFC 9457 problem bodies: the one place errors become HTTP responses."""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse

from kefu.core.errors import KefuError

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_response(status: int, title: str, detail: str = "", code: str = "", **extra: Any) -> JsonResponse:
    body: dict[str, Any] = {
        "type": f"urn:kefu:problem:{code}" if code else "about:blank",
        "title": title,
        "status": status,
    }
    if code:
        body["code"] = code
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JsonResponse(
        body, status=status, content_type=PROBLEM_CONTENT_TYPE, json_dumps_params={"ensure_ascii": False}
    )


def problem_from_error(error: KefuError) -> JsonResponse:
    return problem_response(error.status, error.title, error.detail, error.code, **error.extra)
