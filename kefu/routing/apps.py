from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "kefu.routing"
    label = "routing"
    verbose_name = _("Routing and queues")

    def ready(self) -> None:
        from kefu.routing import signals

        signals.connect()
