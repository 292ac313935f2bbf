"""Configuration in Django admin: calendars (hours, holidays, iCal upload), policies and escalations."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from kefu.channels.models import ChannelKind
from kefu.conversations.taxonomy import Category, Priority
from kefu.core.errors import KefuError
from kefu.sla.calendars import import_holidays
from kefu.sla.models import (
    Calendar,
    ContactTimeZone,
    ConversationSla,
    Escalation,
    EscalationFiring,
    Holiday,
    InboxHours,
    SlaPolicy,
    TeamCalendar,
    WorkingInterval,
)
from kefu.sla.services import refresh_open


class WorkingIntervalInline(admin.TabularInline):
    model = WorkingInterval
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


class CalendarForm(forms.ModelForm):
    holidays_ics = forms.FileField(
        label=_("import holidays (.ics)"), required=False,
        help_text=_("Every day of every event in the iCalendar file becomes a holiday of this calendar."),
    )

    class Meta:
        model = Calendar
        fields = ["name", "time_zone", "is_default"]


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    form = CalendarForm
    list_display = ("name", "time_zone", "is_default")
    inlines = [WorkingIntervalInline, HolidayInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        upload = form.cleaned_data.get("holidays_ics")
        if upload is None:
            return
        try:
            result = import_holidays(obj, upload.read())
        except KefuError as error:
            self.message_user(request, error.detail, messages.ERROR)
            return
        self.message_user(request, _("Imported %(events)d event(s): %(created)d new holiday date(s).")
                          % {"events": result.events, "created": result.created})


def _choices_field(label, choices) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(label=label, choices=choices, required=False,
                                     widget=forms.CheckboxSelectMultiple, help_text=_("None ticked: any."))


class SlaPolicyForm(forms.ModelForm):
    priorities = _choices_field(_("priorities"), Priority.choices)
    channels = _choices_field(_("channels"), ChannelKind.choices)
    categories = _choices_field(_("categories"), Category.choices)

    class Meta:
        model = SlaPolicy
        fields = ["name", "position", "is_active", "calendar", "priorities", "channels", "inboxes", "teams",
                  "min_vip_tier", "categories", "first_response_minutes", "next_response_minutes",
                  "resolution_minutes"]


class EscalationForm(forms.ModelForm):
    priority = forms.ChoiceField(label=_("raise to priority"), required=False,
                                 choices=[("", _("one step higher"))] + list(Priority.choices))

    class Meta:
        model = Escalation
        fields = ["target", "moment", "warning_minutes", "action", "priority", "team"]


class EscalationInline(admin.TabularInline):
    model = Escalation
    form = EscalationForm
    extra = 0


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    form = SlaPolicyForm
    list_display = ("name", "position", "is_active", "calendar", "first_response_minutes", "next_response_minutes",
                    "resolution_minutes")
    list_editable = ("position", "is_active")
    filter_horizontal = ("inboxes", "teams")
    inlines = [EscalationInline]
    actions = ["recompute_open_conversations"]
    fieldsets = [
        (None, {"fields": ["name", "position", "is_active", "calendar"]}),
        (_("Conditions (all must hold)"), {"fields": ["priorities", "channels", "inboxes", "teams", "min_vip_tier",
                                                      "categories"]}),
        (_("Targets"), {"fields": ["first_response_minutes", "next_response_minutes", "resolution_minutes"]}),
    ]


    @admin.action(description=_("Recompute the deadlines of all open conversations"))
    def recompute_open_conversations(self, request, queryset):
        count = refresh_open()
        self.message_user(request, _("Recomputed %(count)d open conversation(s).") % {"count": count})


@admin.register(TeamCalendar)
class TeamCalendarAdmin(admin.ModelAdmin):
    list_display = ("team", "calendar")


@admin.register(InboxHours)
class InboxHoursAdmin(admin.ModelAdmin):
    list_display = ("inbox", "calendar", "after_hours_reply")


@admin.register(ContactTimeZone)
class ContactTimeZoneAdmin(admin.ModelAdmin):
    list_display = ("contact", "time_zone")
    raw_id_fields = ("contact",)


@admin.register(ConversationSla)
class ConversationSlaAdmin(admin.ModelAdmin):
    list_display = ("conversation", "policy", "paused", "first_response_due_at", "next_response_due_at",
                    "resolution_due_at", "first_response_breached", "next_response_breached", "resolution_breached")
    list_filter = ("paused", "first_response_breached", "next_response_breached", "resolution_breached")
    readonly_fields = [f.name for f in ConversationSla._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(EscalationFiring)
class EscalationFiringAdmin(admin.ModelAdmin):
    list_display = ("conversation", "target", "moment", "detail", "fired_at")
    list_filter = ("target", "moment")
    readonly_fields = [f.name for f in EscalationFiring._meta.fields]

    def has_add_permission(self, request):
        return False
