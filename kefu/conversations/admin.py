from django.contrib import admin

from kefu.conversations.models import Attachment, AuditEvent, Conversation, Message, Tag


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ("seq", "author_type", "author_agent", "internal", "body", "created_at")
    readonly_fields = fields
    can_delete = False


class AuditInline(admin.TabularInline):
    model = AuditEvent
    extra = 0
    fields = ("created_at", "actor_label", "action", "field", "old_value", "new_value")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("number", "subject", "status", "priority", "category", "team", "assignee", "last_message_at")
    list_filter = ("status", "priority", "category", "team", "inbox__kind", "language")
    search_fields = ("number", "subject", "contact__name", "contact__email", "contact__external_id")
    readonly_fields = ("number", "last_seq", "customer_read_seq", "agent_read_seq", "created_at",
                       "first_reply_at", "resolved_at", "last_message_at")
    raw_id_fields = ("contact",)
    inlines = [MessageInline, AuditInline]

    def has_delete_permission(self, request, obj=None):
        return False  # nothing is ever lost: close conversations instead


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "conversation", "actor_label", "action", "field", "old_value", "new_value")
    list_filter = ("action",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(Tag)


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ("filename", "content_type", "size", "message", "created_at")
    readonly_fields = ("token", "content_type", "extension", "size", "created_at")
