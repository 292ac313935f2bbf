from django.contrib import admin
from django.urls import include, path

from kefu.api.routes import api
from kefu.core.views import healthz
from kefu.web import views as web_views

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("files/<str:signed>/<str:filename>", web_views.attachment_download, name="attachment-download"),
    path("widget/", include("kefu.web.widget_urls")),
    path("channels/", include("kefu.channels.urls")),
    path("widget.js", web_views.widget_script, name="widget-script"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("kefu.sla.urls")),
    path("", include("kefu.routing.urls")),
    path("help/", include("kefu.knowledge.urls")),
    path("assistant/", include("kefu.assistant.urls")),
    path("", include("kefu.exchange.urls")),
    path("", include("kefu.webhooks.urls")),
    path("", include("kefu.safety.urls")),
    path("", include("kefu.web.urls")),
]
