"""ASGI entry point: HTTP through Django, WebSockets through Channels (`kefu serve` runs it in uvicorn)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402
from django.urls import path  # noqa: E402

django_application = get_asgi_application()

from kefu.web.consumers import ConsoleConsumer, WidgetConsumer  # noqa: E402

# The widget socket is authenticated by its signed session token, not by cookies, so it accepts any
# origin (it is embedded on the exchange's own site). The console socket rides on the login cookie,
# so it only accepts pages served from kefu's own allowed hosts.
websocket_routes = URLRouter([
    path("ws/widget/", WidgetConsumer.as_asgi()),
    path("ws/console/", AllowedHostsOriginValidator(AuthMiddlewareStack(ConsoleConsumer.as_asgi()))),
])

from kefu.routing.assigner import with_assigner  # noqa: E402

# The first connection starts this process's routing assigner loop (KEFU_ROUTING_ASSIGNER=server).
application = with_assigner(ProtocolTypeRouter({"http": django_application, "websocket": websocket_routes}))
