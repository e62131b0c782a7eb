"""Keep the database's shipped factors and factor sets equal to the shipped TOML files.

Runs after every ``migrate``. Shipped entries are immutable: if a shipped code already in the
database has a different value, the sync stops with an error (publish a new code instead).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from nearzero.core.ghg import registry

from .models import FACTOR_FIELDS


class RegistryConflict(RuntimeError):
    pass


def _valid_from(published: str) -> dt.date | None:
    parts = [int(p) for p in published.split("-")]
    return dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


@transaction.atomic
def sync_shipped_registry() -> tuple[int, int]:
    """Insert missing shipped factors and sets; returns (factors added, sets added)."""
    from .models import EmissionFactor, FactorSet

    existing = {f.code: f for f in EmissionFactor.objects.filter(is_shipped=True)}
    added = 0
    for spec in registry.shipped_factors():
        value = Decimal(str(spec["value"]))
        current = existing.get(spec["id"])
        if current is not None:
            if current.value != value or current.unit != spec["unit"]:
                raise RegistryConflict(
                    f"shipped factor {spec['id']} changed from {current.value} {current.unit} to "
                    f"{value} {spec['unit']}: shipped factors are immutable, publish a new id"
                )
            continue
        EmissionFactor(
            code=spec["id"],
            value=value,
            is_shipped=True,
            valid_from=_valid_from(str(spec["published"])),
            **{
                k: spec.get(k, None if k in ("data_year", "verified") else "")
                for k in FACTOR_FIELDS
            },
        ).save(_sync=True)
        added += 1
    by_code = {f.code: f.pk for f in EmissionFactor.objects.filter(is_shipped=True)}
    sets_added = 0
    for code, spec in registry.shipped_factor_sets().items():
        factor_set, created = FactorSet.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": spec["zh"],
                "name_en": spec["en"],
                "grid_data_year": spec.get("grid_data_year"),
                "is_shipped": True,
            },
        )
        sets_added += created
        wanted = {by_code[i] for i in spec["factors"]}
        have = set(factor_set.factors.values_list("pk", flat=True))
        if wanted - have:
            factor_set.factors.add(*(wanted - have))
    return added, sets_added


def sync_after_migrate(sender, **kwargs) -> None:
    from django.db import connections

    using = kwargs.get("using", "default")
    tables = connections[using].introspection.table_names()
    if "inventory_emissionfactor" in tables:
        sync_shipped_registry()
