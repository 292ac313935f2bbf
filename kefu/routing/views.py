"""Console pages (Queues, presence switch), the widget's queue status, and the public /routing/status.json."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.accounts.models import Presence, Team
from kefu.core.errors import KefuError, PermissionDenied
from kefu.core.i18n import normalize_language
from kefu.core.problems import problem_from_error
from kefu.routing import queues, services, surge
from kefu.routing.models import Incident
from kefu.web.cors import widget_cors
from kefu.web.widget_views import widget_endpoint, widget_session


def console_errors(view):
    """Domain errors in a console form become a problem body with their status (the page keeps its state)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except KefuError as error:
            return problem_from_error(error)

    return wrapped


def _supervisor(request: HttpRequest) -> None:
    if not request.user.sees_everything:
        raise PermissionDenied(_("Only supervisors and admins see every queue."))


@login_required
def queue_page(request: HttpRequest) -> HttpResponse:
    """The supervisors' live queue overview (the panel refreshes itself with htmx)."""
    if not request.user.sees_everything:
        return render(request, "routing/forbidden.html", status=403)
    return render(request, "routing/queues.html", {"queues": queues.overview(), "presences": Presence.choices,
                                                   "incidents": Incident.objects.filter(is_active=True)})


@login_required
def queue_panel(request: HttpRequest) -> HttpResponse:
    if not request.user.sees_everything:
        return HttpResponse(status=403)
    return render(request, "routing/_queues_panel.html", {"queues": queues.overview()})


@login_required
@console_errors
@require_http_methods(["GET", "POST"])
def presence_page(request: HttpRequest) -> HttpResponse:
    """The agent's presence switch: online, away, offline."""
    if request.method == "POST":
        services.set_presence(request.user, request.POST.get("presence", ""))
        if request.htmx:
            return render(request, "routing/_presence_switch.html", {"presences": Presence.choices})
        return redirect(request.POST.get("next") or "routing:presence")
    return render(request, "routing/presence.html", {"presences": Presence.choices})


@login_required
@console_errors
@require_POST
def team_surge(request: HttpRequest, slug: str) -> HttpResponse:
    _supervisor(request)
    team = get_object_or_404(Team, slug=slug)
    surge.set_surge(team, request.POST.get("active") == "1")
    return redirect("routing:queues")


@login_required
@console_errors
@require_POST
def incident_create(request: HttpRequest) -> HttpResponse:
    _supervisor(request)
    team = Team.objects.filter(slug=request.POST.get("team") or "").first()
    surge.announce_incident(
        request.POST.get("title", ""), request.POST.get("keywords", "").replace("，", ",").split(","),
        request.POST.get("notice_en", ""), request.POST.get("notice_zh_hans", ""), team=team,
        created_by=request.user,
    )
    return redirect("routing:queues")


@login_required
@console_errors
@require_POST
def incident_resolve(request: HttpRequest, incident_id: int) -> HttpResponse:
    _supervisor(request)
    surge.resolve_incident(get_object_or_404(Incident, pk=incident_id))
    return redirect("routing:queues")


@widget_endpoint
@require_http_methods(["GET", "OPTIONS"])
def widget_queue(request: HttpRequest, conversation_id: int) -> JsonResponse:
    """The customer's place in the queue for one of their conversations (the widget plug-in asks on load)."""
    session = widget_session(request)
    from kefu.channels import webchat

    webchat.own_conversation(session, conversation_id)
    status = queues.customer_status(conversation_id)
    if status is None:
        return JsonResponse({"conversation_id": conversation_id, "waiting": False})
    return JsonResponse({**status, "waiting": True})


@widget_cors
@require_GET
def status_json(request: HttpRequest) -> JsonResponse:
    """Public: is any team in surge mode, the expected wait, and announced incidents (for the help center)."""
    language = normalize_language(request.GET.get("lang") or translation.get_language())
    response = JsonResponse(surge.public_status(language), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=10"
    return response
