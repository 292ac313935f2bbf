"""/verify (public, zh-Hans and en), the impersonator report form, and the console's blocked-messages page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods

from kefu.core.errors import KefuError
from kefu.core.i18n import normalize_language
from kefu.safety import official
from kefu.safety.models import BlockedMessage

BLOCKED_PAGE = 200


@require_http_methods(["GET", "POST"])
def verify_page(request: HttpRequest) -> HttpResponse:
    """Is this official? A customer enters a link, email, phone number or handle and gets the verdict."""
    # Links from the widget or a Chinese page say which language to show, unless the visitor chose one.
    if request.GET.get("lang") and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        translation.activate(normalize_language(request.GET["lang"]))
        request.LANGUAGE_CODE = translation.get_language()
    value = (request.POST.get("value") if request.method == "POST" else request.GET.get("value")) or ""
    context: dict = {"value": value}
    if request.method == "POST" and request.POST.get("action") == "report":
        try:
            context["report"] = official.report_impersonator(
                value, details=request.POST.get("details", ""), email=request.POST.get("email", ""),
                language=get_language())
        except KefuError as error:
            context["report_error"] = error.detail
            context["details"] = request.POST.get("details", "")
            context["email"] = request.POST.get("email", "")
    if value.strip():
        context["result"] = official.check_value(value)
    response = render(request, "safety/verify.html", context)
    if context.get("report_error"):
        response.status_code = 422
    return response


@login_required
@require_GET
def blocked_messages(request: HttpRequest) -> HttpResponse:
    """Supervisors review what the outbound guard refused."""
    if not request.user.sees_everything:
        raise PermissionDenied
    records = BlockedMessage.objects.select_related("agent", "conversation")[:BLOCKED_PAGE]
    return render(request, "safety/blocked.html", {"records": records})
