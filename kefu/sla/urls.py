from django.urls import path

from kefu.sla import views

app_name = "sla"

urlpatterns = [
    path("", views.board, name="board"),
    path("rows", views.board_rows, name="board-rows"),
]
