from django.urls import path

from kefu.safety import views

app_name = "safety"

urlpatterns = [
    path("verify", views.verify_page, name="verify"),
    path("console/safety/blocked/", views.blocked_messages, name="blocked"),
]
