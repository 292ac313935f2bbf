from django.contrib import admin

from kefu.contacts.models import Contact, ContactIdentity


class IdentityInline(admin.TabularInline):
    model = ContactIdentity
    extra = 0
    readonly_fields = ("inbox", "kind", "identifier", "created_at")


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("__str__", "email", "external_id", "language", "vip_tier", "created_at")
    search_fields = ("name", "email", "external_id")
    list_filter = ("language", "vip_tier")
    inlines = [IdentityInline]
