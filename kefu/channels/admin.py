from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kefu.channels.delivery import retry_delivery
from kefu.channels.models import ChannelKind, Delivery, DeliveryStatus, InboundEvent, Inbox
from kefu.core.errors import KefuError


@admin.register(Inbox)
class InboxAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "public_key", "default_team", "is_active")
    list_filter = ("kind", "is_active")
    readonly_fields = ("widget_snippet", "channel_endpoint")

    @admin.display(description=_("widget snippet"))
    def widget_snippet(self, obj: Inbox) -> str:
        if obj.pk is None or obj.kind != ChannelKind.WEBCHAT:
            return "-"
        snippet = f'<script src="https://YOUR-KEFU-HOST/widget.js" data-inbox="{obj.public_key}" async></script>'
        return format_html("<code>{}</code>", snippet)

    @admin.display(description=_("channel endpoint"))
    def channel_endpoint(self, obj: Inbox) -> str:
        paths = {ChannelKind.TELEGRAM: f"/channels/telegram/{obj.public_key}/webhook",
                 ChannelKind.WEBHOOK: f"/channels/webhook/{obj.public_key}/events"}
        if obj.pk is None or obj.kind not in paths:
            return "-"
        return format_html("<code>https://YOUR-KEFU-HOST{}</code>", paths[obj.kind])


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("message", "inbox", "status", "attempts", "last_error", "next_attempt_at", "sent_at")
    list_filter = ("status", "inbox")
    readonly_fields = [field.name for field in Delivery._meta.fields]
    actions = ["retry_failed"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Retry the selected failed deliveries"))
    def retry_failed(self, request, queryset) -> None:
        retried = 0
        for delivery in queryset.filter(status=DeliveryStatus.FAILED):
            try:
                retry_delivery(delivery)
                retried += 1
            except KefuError:
                continue
        self.message_user(request, ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.",
                                            retried) % {"count": retried}, messages.SUCCESS)


@admin.register(InboundEvent)
class InboundEventAdmin(admin.ModelAdmin):
    list_display = ("external_id", "inbox", "conversation", "ignored_reason", "created_at")
    list_filter = ("inbox", "ignored_reason")
    search_fields = ("external_id",)
    readonly_fields = [field.name for field in InboundEvent._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
