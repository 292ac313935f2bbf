from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafetyConfig(AppConfig):
    name = "kefu.safety"
    label = "safety"
    verbose_name = _("Safety")

    def ready(self) -> None:
        from kefu.safety import wiring

        wiring.connect()
