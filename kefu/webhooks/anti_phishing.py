"""The customer's anti-phishing code, shown in the signed-in chat widget.

The exchange sets `Contact.anti_phishing_code` through the contacts API; every real support email
shows it. The widget shows it too, but only to a session whose identity the exchange verified
(HMAC user hash): an anonymous visitor must never learn anyone's code.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kefu.core.errors import PermissionDenied
from kefu.web.widget_views import widget_endpoint, widget_session

STATIC_PATH = "webhooks/anti-phishing.js"
STRING_KEY = "webhooks.antiPhishing"


def code_for_session(session) -> str | None:
    """The verified customer's code ('' counts as none); PermissionDenied for anonymous visitors."""
    if not session.verified:
        raise PermissionDenied(_("The anti-phishing code is shown only to signed-in customers."))
    return session.contact.anti_phishing_code or None


@widget_endpoint
@require_http_methods(["GET", "OPTIONS"])
def anti_phishing_code(request: HttpRequest) -> JsonResponse:
    """GET /widget/api/anti-phishing-code with X-Kefu-Session: {"code": "ABC123"} or {"code": null}."""
    response = JsonResponse({"code": code_for_session(widget_session(request))})
    response["Cache-Control"] = "no-store"
    return response


def widget_strings(language: str) -> dict[str, str]:
    return {
        STRING_KEY: _("Your anti-phishing code: {code}. Every real support email from us shows it; "
                      "an email without it is not from us."),
    }
