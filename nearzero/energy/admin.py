from django.contrib import admin

from .models import (
    CandidateRoof,
    ChargingSession,
    ImportBatch,
    Meter,
    OtherRenewable,
    PVSystem,
    SolarStation,
)


@admin.register(Meter)
class MeterAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "community",
        "site",
        "carrier",
        "direction",
        "unit",
        "register",
        "resolution_min",
    )
    list_filter = ("community", "carrier", "direction", "register")
    search_fields = ("code", "name")


@admin.register(ImportBatch)
class ReadingImportAdmin(admin.ModelAdmin):
    list_display = (
        "filename",
        "community",
        "source",
        "rows_in",
        "inserted",
        "duplicates",
        "rejected",
        "revisions",
        "created_at",
    )
    list_filter = ("community", "source")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


for model in (PVSystem, CandidateRoof, OtherRenewable, ChargingSession, SolarStation):
    admin.site.register(model)
