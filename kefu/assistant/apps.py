from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistantConfig(AppConfig):
    name = "kefu.assistant"
    label = "assistant"
    verbose_name = _("Assistant")

    def ready(self) -> None:
        from kefu.assistant import console, conversation, knowledge_index
        from kefu.conversations import hooks

        hooks.on_message_created(conversation.on_message_created)
        knowledge_index.connect_signals()
        console.register()
