"""Keep the shipped activity types in the database in step with the catalogue file."""

from __future__ import annotations

from decimal import Decimal

from nearzero.core.engagement.catalogue import shipped_activities


def sync_catalogue() -> int:
    """Create or update the shipped activity types (``community`` empty); returns how many."""
    from .models import ActivityType

    specs = shipped_activities()
    for spec in specs:
        ActivityType.objects.update_or_create(
            community=None,
            code=spec.code,
            defaults={
                "name_zh": spec.zh,
                "name_en": spec.en,
                "is_practice": spec.practice,
                "carbon_label_g": None if spec.label_g is None else Decimal(str(spec.label_g)),
                "label_basis": spec.basis,
                "label_unit": spec.label_unit,
                "label_methodology": spec.methodology,
                "points": spec.points,
            },
        )
    return len(specs)


def sync_after_migrate(sender, **kwargs) -> None:
    from django.db import connections

    if (
        "engagement_activitytype"
        in connections[kwargs.get("using", "default")].introspection.table_names()
    ):
        sync_catalogue()
