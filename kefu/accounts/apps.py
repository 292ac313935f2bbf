from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kefu.accounts"
    label = "accounts"
    verbose_name = _("Agents and teams")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from kefu.accounts.models import Agent, ApiToken
        from kefu.accounts.services import forget_cached_tokens

        # Any change to an agent or token (deactivation, revocation in admin) drops the token cache.
        for model in (Agent, ApiToken):
            post_save.connect(lambda **kwargs: forget_cached_tokens(), sender=model, weak=False,
                              dispatch_uid=f"kefu-token-cache-{model.__name__}")
