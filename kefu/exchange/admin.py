from django.contrib import admin

from kefu.exchange.models import Case, CaseEvent, CustomerVerification, FreezeRequest


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    readonly_fields = ("action", "old_status", "new_status", "actor_label", "note", "created_at")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("number", "kind", "status", "asset", "network", "amount", "contact", "created_at")
    list_filter = ("kind", "status", "network")
    search_fields = ("number", "txid", "address", "reference", "contact__external_id")
    readonly_fields = [f.name for f in Case._meta.fields]  # states change through the services only
    inlines = [CaseEventInline]


@admin.register(FreezeRequest)
class FreezeRequestAdmin(admin.ModelAdmin):
    list_display = ("pk", "uid", "source", "status", "created_at", "completed_at")
    list_filter = ("source", "status")
    readonly_fields = [f.name for f in FreezeRequest._meta.fields]


@admin.register(CustomerVerification)
class CustomerVerificationAdmin(admin.ModelAdmin):
    list_display = ("pk", "conversation", "method", "status", "created_at", "completed_at")
    list_filter = ("method", "status")
    readonly_fields = [f.name for f in CustomerVerification._meta.fields]
