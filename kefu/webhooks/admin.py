"""Admin: manage subscriptions (the secret is shown once), read the delivery log, redeliver."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kefu.core.errors import InvalidInput
from kefu.webhooks import services
from kefu.webhooks.models import Delivery, EventType, Subscription


class SubscriptionForm(forms.ModelForm):
    # A plain text field: Django's URLValidator refuses internal host names such as http://crm:8080/.
    url = forms.CharField(label=_("endpoint URL"), max_length=500)
    event_types = forms.MultipleChoiceField(
        label=_("event types"), choices=EventType.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Subscription
        fields = ("url", "description", "event_types", "include_internal_notes", "is_active")

    def clean_url(self) -> str:
        try:
            return services.clean_url(self.cleaned_data["url"])
        except InvalidInput as error:
            raise ValidationError(error.detail) from error


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ("url", "description", "events", "include_internal_notes", "is_active", "created_at")
    list_filter = ("is_active", "include_internal_notes")
    search_fields = ("url", "description")
    readonly_fields = ("secret_hint", "created_at", "updated_at")
    actions = ["rotate_secrets"]

    @admin.display(description=_("events"))
    def events(self, obj: Subscription) -> str:
        return ", ".join(obj.event_types or [])

    @admin.display(description=_("signing secret"))
    def secret_hint(self, obj: Subscription) -> str:
        return obj.secret_hint

    def save_model(self, request, obj: Subscription, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            messages.warning(request, format_html(
                "{} <code>{}</code>", _("Signing secret (shown only once; store it in the receiver now):"),
                obj.secret))

    @admin.action(description=_("Rotate the signing secret (shown once)"))
    def rotate_secrets(self, request, queryset) -> None:
        for subscription in queryset:
            services.rotate_secret(subscription)
            messages.warning(request, format_html(
                "{} {}: <code>{}</code>", _("New signing secret for"), subscription, subscription.secret))


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "event_type", "subscription", "status", "attempts", "last_status_code",
                    "next_attempt_at", "id")
    list_filter = ("status", "event_type", "subscription")
    search_fields = ("id",)
    date_hierarchy = "created_at"
    list_select_related = ("subscription",)
    actions = ["redeliver"]
    fields = ("id", "subscription", "event_type", "status", "attempts", "last_status_code", "last_error",
              "last_attempt_at", "next_attempt_at", "delivered_at", "created_at", "pretty_payload")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("payload"))
    def pretty_payload(self, obj: Delivery) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, ensure_ascii=False, indent=2))

    @admin.action(description=_("Redeliver the selected deliveries now"), permissions=["view"])
    def redeliver(self, request, queryset) -> None:
        count = services.redeliver(queryset)
        self.message_user(request, ngettext(
            "%(count)d delivery queued again.", "%(count)d deliveries queued again.", count) % {"count": count},
            messages.SUCCESS)

