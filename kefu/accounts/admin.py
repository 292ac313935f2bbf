from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from kefu.accounts.models import Agent, ApiToken, Team


@admin.register(Agent)
class AgentAdmin(UserAdmin):
    list_display = ("username", "display_name", "email", "role", "presence", "is_active")
    list_filter = ("role", "is_active", "teams")
    fieldsets = UserAdmin.fieldsets + (
        ("kefu", {"fields": ("role", "display_name", "language", "teams")}),
        ("Routing", {"fields": ("presence", "chat_capacity", "ticket_capacity", "skill_languages")}),
    )
    filter_horizontal = ("teams", "groups", "user_permissions")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "assignment_mode", "always_open", "handles_vip", "surge_rate_per_minute")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "agent", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "token_hash", "created_at", "last_used_at")

    def has_add_permission(self, request):  # tokens are created with `kefu token create`
        return False
