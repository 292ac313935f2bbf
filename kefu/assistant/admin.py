from django.contrib import admin

from kefu.assistant.models import AssistantSettings, AssistantTurn, ContentGap


@admin.register(AssistantSettings)
class AssistantSettingsAdmin(admin.ModelAdmin):
    list_display = ["inbox", "enabled", "answer_threshold", "clarify_threshold", "surge_answer_threshold"]

    def save_model(self, request, obj, form, change):
        # Through the service, which checks 0 <= clarify <= answer <= 1 (the form's clean() did too).
        from kefu.assistant.services import update_inbox_settings

        update_inbox_settings(obj.inbox, enabled=obj.enabled, answer_threshold=obj.answer_threshold,
                              clarify_threshold=obj.clarify_threshold,
                              surge_answer_threshold=obj.surge_answer_threshold)


@admin.register(AssistantTurn)
class AssistantTurnAdmin(admin.ModelAdmin):
    list_display = ["conversation", "action", "reason", "language", "article", "helpful", "created_at"]
    list_filter = ["action", "reason", "language", "helpful"]
    readonly_fields = [f.name for f in AssistantTurn._meta.fields]


@admin.register(ContentGap)
class ContentGapAdmin(admin.ModelAdmin):
    list_display = ["question", "language", "reason", "resolved_article", "dismissed", "created_at"]
    list_filter = ["reason", "language", "dismissed"]
