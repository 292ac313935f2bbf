from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "kefu.exchange"
    label = "exchange"
    verbose_name = _("Exchange integration and cases")

    def ready(self) -> None:
        from kefu.exchange import integration

        integration.register()
