from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "kefu.webhooks"
    label = "webhooks"
    verbose_name = _("Outbound webhooks")

    def ready(self) -> None:
        from kefu.webhooks import handlers

        handlers.register()
