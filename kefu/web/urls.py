from django.contrib.auth import views as auth_views
from django.urls import path

from kefu.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("console/login/", auth_views.LoginView.as_view(template_name="console/login.html"), name="login"),
    path("console/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("console/", views.console, name="console"),
    path("console/list", views.conversation_list, name="list"),
    path("console/c/<int:conversation_id>/", views.conversation_detail, name="detail"),
    path("console/c/<int:conversation_id>/timeline", views.conversation_timeline, name="timeline"),
    path("console/c/<int:conversation_id>/reply", views.reply, name="reply"),
    path("console/c/<int:conversation_id>/update", views.update, name="update"),
]
