"""CORS for the widget's endpoints: any site may call them, with no cookies (tokens only)."""

from __future__ import annotations

from functools import wraps

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

ALLOWED_HEADERS = "Content-Type, X-Kefu-Session"


def widget_cors(view):
    @csrf_exempt
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = HttpResponse(status=204) if request.method == "OPTIONS" else view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response["Access-Control-Max-Age"] = "86400"
        response["Access-Control-Expose-Headers"] = "Content-Disposition"
        return response

    return wrapped
