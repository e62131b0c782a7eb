"""Admin for the organisation tree. Saves go through the services, so they are audited."""

from django.contrib import admin

from . import services
from .models import Building, Community, Household, Region, Site


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name_zh", "name_en", "level", "parent", "code")
    list_filter = ("level",)
    search_fields = ("name_zh", "name_en", "code")

    def get_readonly_fields(self, request, obj=None):
        return ("level", "parent") if obj else ()

    def save_model(self, request, obj, form, change):
        data = {k: v for k, v in form.cleaned_data.items() if k in services.REGION_FIELDS}
        if change:
            fresh = Region.objects.get(pk=obj.pk)
            data = {k: v for k, v in data.items() if k in {"name_zh", "name_en", "code"}}
            services.update_region(fresh, actor=request.user, **data)
        else:
            created = services.create_region(actor=request.user, **data)
            obj.pk, obj.path = created.pk, created.path


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ("name_zh", "name_en", "slug", "region", "pilot_type", "population")
    list_filter = ("pilot_type", "grid_region", "province")
    search_fields = ("name_zh", "name_en", "slug")

    def save_model(self, request, obj, form, change):
        data = {k: v for k, v in form.cleaned_data.items() if k in services.COMMUNITY_FIELDS}
        if change:
            services.update_community(Community.objects.get(pk=obj.pk), actor=request.user, **data)
        else:
            obj.pk = services.create_community(actor=request.user, **data).pk


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("name_zh", "name_en", "kind", "community", "parent", "is_active")
    list_filter = ("kind", "community", "is_active")
    search_fields = ("name_zh", "name_en", "address")

    def save_model(self, request, obj, form, change):
        data = {k: v for k, v in form.cleaned_data.items() if k in services.SITE_FIELDS}
        if change:
            services.update_site(Site.objects.get(pk=obj.pk), actor=request.user, **data)
        else:
            created = services.create_site(
                actor=request.user, community=form.cleaned_data["community"], **data
            )
            obj.pk = created.pk


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ("name", "community", "floors", "lat", "lon")
    list_filter = ("community",)
    search_fields = ("name",)


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ("label", "building", "residents")
    list_filter = ("building__community",)
    search_fields = ("label", "building__name")
