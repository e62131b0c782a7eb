from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from . import services
from .models import RoleAssignment, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "is_active", "is_superuser", "last_login")
    fieldsets = (*BaseUserAdmin.fieldsets, ("nearzero", {"fields": ("display_name",)}))


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    """Roles are granted and revoked through the services, so each change is audited."""

    list_display = ("user", "role", "region", "community", "site", "granted_at")
    list_filter = ("role",)
    raw_id_fields = ("user", "region", "community", "site", "household")

    def save_model(self, request, obj, form, change):
        fields = ("user", "role", "region", "community", "site", "household")
        data = {name: form.cleaned_data.get(name) for name in fields}
        if change:
            services.revoke_role(RoleAssignment.objects.get(pk=obj.pk), actor=request.user)
        obj.pk = services.grant_role(actor=request.user, **data).pk

    def delete_model(self, request, obj):
        services.revoke_role(obj, actor=request.user)

    def has_delete_permission(self, request, obj=None):
        # Bulk deletes would bypass the service; delete one at a time.
        return obj is not None and super().has_delete_permission(request, obj)
