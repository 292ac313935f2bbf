"""Keep every API answer JSON: plain 404/405 pages under /api/ become problem bodies."""

from __future__ import annotations

from kefu.core.problems import PROBLEM_CONTENT_TYPE, problem_response

TITLES = {404: "Not found", 405: "Method not allowed"}


class ApiProblemMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code in TITLES
            and not response.get("Content-Type", "").startswith(("application/json", PROBLEM_CONTENT_TYPE))
        ):
            detail = f"{request.method} {request.path} is not part of the API; see /api/v1/docs"
            problem = problem_response(response.status_code, TITLES[response.status_code], detail,
                                       "not-found" if response.status_code == 404 else "method-not-allowed")
            if response.has_header("Allow"):
                problem["Allow"] = response["Allow"]
            return problem
        return response


class AgentLanguageMiddleware:
    """Signed-in agents see the console in their own language unless they picked one in the switch."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and getattr(user, "language", "")
        ):
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
