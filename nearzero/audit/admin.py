from django.contrib import admin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Browse and filter only: entries are append-only."""

    list_display = ("at", "actor_label", "action", "object_type", "object_label", "community")
    list_filter = ("action", "object_type", "community")
    search_fields = ("action", "object_label", "actor_label", "object_id")
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
