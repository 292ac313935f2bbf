from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "kefu.routing"
    label = "routing"
    verbose_name = _("Routing and queues")

    def ready(self) -> None:
        from kefu.routing import signals, widget
        from kefu.web import extensions

        signals.connect()
        extensions.register_console_nav(_("Queues"), "routing:queues", roles={"supervisor", "admin"}, order=20)
        extensions.register_console_nav(_("Presence"), "routing:presence", order=21)
        extensions.register_widget_plugin("routing/widget-queue.js", order=20)
        extensions.register_widget_strings(widget.widget_strings)
