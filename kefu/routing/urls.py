from django.urls import path

from kefu.routing import views

app_name = "routing"

urlpatterns = [
    path("routing/status.json", views.status_json, name="status"),
    path("routing/widget/queue/<int:conversation_id>", views.widget_queue, name="widget-queue"),
    path("console/queues/", views.queue_page, name="queues"),
    path("console/queues/panel", views.queue_panel, name="queue-panel"),
    path("console/presence/", views.presence_page, name="presence"),
    path("console/queues/teams/<slug:slug>/surge", views.team_surge, name="team-surge"),
    path("console/queues/incidents", views.incident_create, name="incident-create"),
    path("console/queues/incidents/<int:incident_id>/resolve", views.incident_resolve, name="incident-resolve"),
]
