from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistantConfig(AppConfig):
    name = "kefu.assistant"
    label = "assistant"
    verbose_name = _("Assistant")

    def ready(self) -> None:
        from kefu.assistant import console, conversation, knowledge_index
        from kefu.conversations import hooks

        hooks.on_message_created(conversation.on_message_created, many=conversation.on_messages_created)
        # After the safety filters (10, 20) and before routing reads the stored message.
        hooks.register_message_filter(conversation.detect_topic, order=70)
        knowledge_index.connect_signals()
        console.register()
