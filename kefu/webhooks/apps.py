from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "kefu.webhooks"
    label = "webhooks"
    verbose_name = _("Outbound webhooks")

    def ready(self) -> None:
        from kefu.web import extensions
        from kefu.webhooks import anti_phishing, handlers

        handlers.register()
        extensions.register_widget_plugin(anti_phishing.STATIC_PATH)
        extensions.register_widget_strings(anti_phishing.widget_strings)
