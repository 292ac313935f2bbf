from django.contrib import admin

from kefu.routing.models import Assignment, Incident, QueueEntry, RoutingRule, TeamRoutingState


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "position", "is_active", "set_team", "set_priority", "builtin")
    list_editable = ("position", "is_active")
    list_filter = ("is_active", "set_team")
    readonly_fields = ("builtin",)
    fieldsets = (
        (None, {"fields": ("name", "position", "is_active", "builtin")}),
        ("Conditions", {"fields": ("channels", "languages", "min_vip_tier", "categories", "keywords", "topics")}),
        ("Actions", {"fields": ("set_team", "set_priority", "add_tags", "stop")}),
    )

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.builtin  # built-in rules may be turned off, not deleted


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ("title", "team", "is_active", "created_at", "resolved_at")
    list_filter = ("is_active",)


@admin.register(TeamRoutingState)
class TeamRoutingStateAdmin(admin.ModelAdmin):
    list_display = ("team", "surge_manual", "surge_automatic", "surge_since")
    readonly_fields = ("last_agent_id", "surge_automatic", "surge_since")


@admin.register(QueueEntry)
class QueueEntryAdmin(admin.ModelAdmin):
    list_display = ("conversation", "team", "rank", "waiting_since", "incident")
    list_filter = ("team",)
    readonly_fields = ("conversation", "team", "rank", "waiting_since", "incident", "announced_position",
                       "announced_at")


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ("conversation", "agent", "team", "kind", "waited_seconds", "assigned_at")
    list_filter = ("team", "kind")
