from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from kefu.channels.models import ChannelKind, Inbox


@admin.register(Inbox)
class InboxAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "public_key", "default_team", "is_active")
    list_filter = ("kind", "is_active")
    readonly_fields = ("widget_snippet",)

    @admin.display(description=_("widget snippet"))
    def widget_snippet(self, obj: Inbox) -> str:
        if obj.pk is None or obj.kind != ChannelKind.WEBCHAT:
            return "-"
        snippet = f'<script src="https://YOUR-KEFU-HOST/widget.js" data-inbox="{obj.public_key}" async></script>'
        return format_html("<code>{}</code>", snippet)
