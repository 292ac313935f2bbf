from django.contrib import admin

from kefu.safety.models import BlockedMessage, ImpersonationReport, OfficialChannel
from kefu.safety.official import normalize_official


@admin.register(OfficialChannel)
class OfficialChannelAdmin(admin.ModelAdmin):
    list_display = ("kind", "value", "note", "active")
    list_filter = ("kind", "active")
    search_fields = ("value", "note")

    def save_model(self, request, obj, form, change):
        obj.value = normalize_official(obj.kind, obj.value)
        super().save_model(request, obj, form, change)


@admin.register(BlockedMessage)
class BlockedMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "agent", "author_type", "source", "kinds", "conversation")
    list_filter = ("author_type", "source")
    readonly_fields = [f.name for f in BlockedMessage._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ImpersonationReport)
class ImpersonationReportAdmin(admin.ModelAdmin):
    list_display = ("created_at", "value", "verdict", "imitates", "conversation")
    list_filter = ("verdict",)
    search_fields = ("value",)
