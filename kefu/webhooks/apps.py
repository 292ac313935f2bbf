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
        # The delivery log lives in the admin; admins reach it from the console's top bar.
        extensions.register_console_nav(_("Webhook log"), "admin:webhooks_delivery_changelist", roles={"admin"},
                                        order=900)
