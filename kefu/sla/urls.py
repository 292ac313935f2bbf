from django.urls import path

from kefu.sla import views

app_name = "sla"

# Included at the site root: the console pages and the widget plug-in's endpoint.
urlpatterns = [
    path("console/sla/", views.board, name="board"),
    path("console/sla/rows", views.board_rows, name="board-rows"),
    path("console/sla/panel/<int:conversation_id>", views.panel, name="panel"),
    path("widget/sla/time-zone", views.widget_time_zone, name="widget-time-zone"),
]
