from django.urls import path

from kefu.web import widget_views as v

urlpatterns = [
    path("demo", v.demo_page, name="widget-demo"),
    path("api/session", v.start_session, name="widget-session"),
    path("api/config", v.widget_config, name="widget-config"),
    path("api/conversations", v.conversations, name="widget-conversations"),
    path("api/conversations/<int:conversation_id>/messages", v.messages, name="widget-messages"),
    path("api/conversations/<int:conversation_id>/transcript", v.transcript, name="widget-transcript"),
    path("api/attachments", v.upload, name="widget-upload"),
]
