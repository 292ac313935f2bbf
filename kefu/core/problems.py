"""RFC 9457 problem bodies: the one place errors become HTTP responses."""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse

from kefu.core.errors import KefuError

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_body(status: int, title: str, detail: str = "", code: str = "", **extra: Any) -> dict[str, Any]:
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
    return body


def problem_response(status: int, title: str, detail: str = "", code: str = "", **extra: Any) -> JsonResponse:
    return JsonResponse(problem_body(status, title, detail, code, **extra), status=status,
                        content_type=PROBLEM_CONTENT_TYPE, json_dumps_params={"ensure_ascii": False})


def problem_body_of(error: KefuError) -> dict[str, Any]:
    """The problem body of an error, e.g. for one item of a batch answer."""
    return problem_body(error.status, error.title, error.detail, error.code, **error.extra)


def problem_from_error(error: KefuError) -> JsonResponse:
    return problem_response(error.status, error.title, error.detail, error.code, **error.extra)
