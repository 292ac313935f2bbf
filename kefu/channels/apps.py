from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxesConfig(AppConfig):
    # The label differs from the package name: Django Channels already owns the label "channels".
    name = "kefu.channels"
    label = "inboxes"
    verbose_name = _("Inboxes and channels")

    def ready(self) -> None:
        from kefu.channels import outbound
        from kefu.web import extensions

        outbound.connect()
        extensions.register_message_extra("channels/delivery_status.html")
