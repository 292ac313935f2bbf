from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "kefu.sla"
    label = "sla"
    verbose_name = _("Business hours and SLAs")

    def ready(self) -> None:
        from kefu.conversations import hooks
        from kefu.sla import config, handlers, views
        from kefu.web import extensions

        config.connect_signals()
        hooks.on_conversation_created(handlers.conversation_created, many=handlers.conversations_created)
        hooks.on_message_created(handlers.message_created, many=handlers.messages_created)
        hooks.on_conversation_updated(handlers.conversation_updated)
        extensions.register_conversation_panel("sla/panel.html", context=views.panel_context, order=50)
        extensions.register_console_nav(_("SLA"), "sla:board", order=60)
        extensions.register_widget_plugin("sla/widget-timezone.js", order=60)
