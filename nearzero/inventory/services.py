"""All writes of the inventory app, each in a transaction with an audit entry."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from nearzero.audit.services import record
from nearzero.core import units
from nearzero.core.errors import DomainError
from nearzero.core.ghg import reference, registry

from .choices import Category, GWPSet, Level, NotationKey, QualityMethod, QualityRating, Scheme
from .models import (
    ActivityRecord,
    EmissionFactor,
    FactorSet,
    ImportBatch,
    Inventory,
    NotationEntry,
    RetiredUnit,
    SinkRecord,
)


class InventoryError(DomainError):
    pass


# --- validation shared by the form, the API and the importer -------------------------------


@dataclass(frozen=True)
class CleanActivity:
    month: int
    activity_type: str
    category: str
    gpc_ref: str
    label: str
    quantity: Decimal
    unit: str
    quantity_canonical: float
    quality_method: str
    quality_rating: str
    note: str = ""

    @property
    def key(self) -> tuple:
        return (self.month, self.activity_type, self.category, self.gpc_ref, self.label)


def _choice(values: dict[str, Any], name: str, choices, default: str, errors: list) -> str:
    """The value of a choice column (``default`` when empty); an error names the choices."""
    value = str(values.get(name) or default).strip()
    if value not in choices.values:
        reason = _("must be one of: %(choices)s") % {"choices": ", ".join(choices.values)}
        errors.append((name, value, reason))
    return value


def clean_activity(
    values: dict[str, Any],
) -> tuple[CleanActivity | None, list[tuple[str, Any, str]]]:
    """Validate one activity row. Returns the clean row or a list of (field, value, reason)."""
    errors: list[tuple[str, Any, str]] = []
    types = reference.activity_types()
    rows = reference.gpc_rows()

    raw_month = values.get("month")
    month = 0
    if raw_month not in (None, "", "year", "全年"):
        try:
            month = int(float(str(raw_month)))
            if not 0 <= month <= 12 or float(str(raw_month)) != month:
                raise ValueError
        except ValueError:
            errors.append(("month", raw_month, _("must be 1–12, or empty / 0 for the whole year")))

    activity_type = str(values.get("activity_type") or "").strip()
    spec = types.get(activity_type)
    if spec is None:
        errors.append(("activity_type", activity_type, _("unknown activity type")))

    category = str(values.get("category") or "").strip()
    if category not in Category.values:
        errors.append(("category", category, _("unknown category")))

    gpc_ref = str(values.get("gpc_ref") or "").strip()
    if spec is not None and category in Category.values:
        default_ref = spec.gpc.get(category)
        if spec.emits and default_ref is None:
            errors.append(
                ("category", category, _("this activity type does not occur in this category"))
            )
        elif not gpc_ref:
            gpc_ref = default_ref or ""
        elif gpc_ref not in rows:
            errors.append(("gpc_ref", gpc_ref, _("unknown GPC reference number")))
        elif default_ref and rows[gpc_ref].scope != rows[default_ref].scope:
            errors.append(
                (
                    "gpc_ref",
                    gpc_ref,
                    _("scope does not match the activity type (expected scope %(scope)s)")
                    % {"scope": rows[default_ref].scope},
                )
            )
        elif not spec.emits:
            errors.append(("gpc_ref", gpc_ref, _("this activity type has no GPC row")))

    raw_quantity = values.get("quantity")
    quantity = None
    try:
        quantity = Decimal(str(raw_quantity).replace(",", "").strip())
        if not quantity.is_finite():
            raise InvalidOperation
        if quantity < 0:
            errors.append(("quantity", raw_quantity, _("must not be negative")))
    except (InvalidOperation, ValueError):
        errors.append(("quantity", raw_quantity, _("not a number")))

    unit = str(values.get("unit") or "").strip()
    canonical = None
    if spec is not None and quantity is not None:
        density = units.FUEL_DENSITY_KG_PER_L.get(spec.density_key or "")
        try:
            canonical = units.to_canonical(
                float(quantity), unit, spec.dimension, density_kg_per_l=density
            )
            unit = units.parse_unit(unit).code
        except units.UnitError as exc:
            code = exc.code
            if code == "wrong_dimension" and units.parse_unit(unit).dimension == "liquid":
                code = "no_density"
            reason = {
                "unknown_unit": _("unknown unit"),
                "no_density": _("litres are accepted only for gasoline and diesel"),
            }.get(
                code,
                _("wrong unit for this activity type (expected %(unit)s)")
                % {"unit": units.CANONICAL[spec.dimension]},
            )
            errors.append(("unit", unit, reason))

    method = _choice(values, "quality_method", QualityMethod, QualityMethod.ESTIMATED, errors)
    rating = _choice(values, "quality_rating", QualityRating, QualityRating.MEDIUM, errors)

    if errors:
        return None, errors
    return CleanActivity(
        month=month,
        activity_type=activity_type,
        category=category,
        gpc_ref=gpc_ref,
        label=str(values.get("label") or "").strip()[:120],
        quantity=quantity,
        unit=unit,
        quantity_canonical=canonical,
        quality_method=method,
        quality_rating=rating,
        note=str(values.get("note") or "").strip()[:255],
    ), []


# --- inventories ---------------------------------------------------------------------------


@transaction.atomic
def create_inventory(
    *,
    actor,
    community,
    year: int,
    gwp_set: str = GWPSet.AR5,
    level: str = Level.BASIC,
    factor_set: FactorSet | None = None,
    is_baseline: bool = False,
) -> Inventory:
    if Inventory.objects.filter(community=community, year=year).exists():
        raise InventoryError(
            "inventory_exists",
            _("This community already has an inventory for that year."),
            field="year",
        )
    if factor_set is None:
        factor_set = FactorSet.objects.get(code=registry.default_set_for_year(year))
    inventory = Inventory(
        community=community,
        year=year,
        gwp_set=gwp_set,
        level=level,
        factor_set=factor_set,
        is_baseline=is_baseline,
    )
    inventory.full_clean()
    inventory.save()
    record(
        "inventory.inventory.created",
        actor=actor,
        obj=inventory,
        community=community,
        changes={
            "year": [None, year],
            "gwp_set": [None, gwp_set],
            "level": [None, level],
            "factor_set": [None, factor_set.code],
            "is_baseline": [None, is_baseline],
        },
    )
    return inventory


@transaction.atomic
def change_factor_set(inventory: Inventory, factor_set: FactorSet, *, actor) -> Inventory:
    """Re-pin the inventory to another set; results are recomputed on the next read."""
    old = inventory.factor_set.code
    if old == factor_set.code:
        return inventory
    inventory.factor_set = factor_set
    inventory.save(update_fields=["factor_set"])
    record(
        "inventory.inventory.factor_set_changed",
        actor=actor,
        obj=inventory,
        community=inventory.community,
        changes={"factor_set": [old, factor_set.code]},
    )
    return inventory


# --- activity records ----------------------------------------------------------------------


def _record_fields(clean: CleanActivity) -> dict[str, Any]:
    return {
        "quantity": clean.quantity,
        "unit": clean.unit,
        "quantity_canonical": clean.quantity_canonical,
        "quality_method": clean.quality_method,
        "quality_rating": clean.quality_rating,
        "note": clean.note,
    }


@transaction.atomic
def record_activity(
    inventory: Inventory,
    *,
    actor,
    origin: str,
    evidence=None,
    meter_ref: str = "",
    **values: Any,
) -> ActivityRecord:
    """Create the record for its natural key, or update the existing one (old → new audited).
    ``meter_ref`` names the meter a measured monthly total came from."""
    clean, errors = clean_activity(values)
    if errors:
        name, _value, reason = errors[0]
        raise InventoryError(f"invalid_{name}", str(reason), field=name)
    existing = ActivityRecord.objects.filter(
        inventory=inventory,
        month=clean.month,
        activity_type=clean.activity_type,
        category=clean.category,
        gpc_ref=clean.gpc_ref,
        label=clean.label,
    ).first()
    fields = _record_fields(clean)
    if existing is None:
        activity = ActivityRecord.objects.create(
            inventory=inventory,
            month=clean.month,
            activity_type=clean.activity_type,
            category=clean.category,
            gpc_ref=clean.gpc_ref,
            label=clean.label,
            origin=origin,
            evidence=evidence or "",
            meter_ref=meter_ref,
            **fields,
        )
        record(
            "inventory.activity.created",
            actor=actor,
            obj=activity,
            community=inventory.community,
            changes={
                k: [None, v]
                for k, v in {
                    **fields,
                    "activity_type": clean.activity_type,
                    "month": clean.month,
                }.items()
            },
        )
        return activity
    changes = {
        k: [getattr(existing, k), v]
        for k, v in fields.items()
        if getattr(existing, k) != v and k != "quantity_canonical"
    }
    if evidence:
        existing.evidence = evidence
        changes["evidence"] = [None, str(evidence)]
    if changes:
        for k, v in fields.items():
            setattr(existing, k, v)
        existing.save()
        record(
            "inventory.activity.updated",
            actor=actor,
            obj=existing,
            community=inventory.community,
            changes=changes,
        )
    return existing


@transaction.atomic
def delete_activity(activity: ActivityRecord, *, actor) -> None:
    record(
        "inventory.activity.deleted",
        actor=actor,
        obj=activity,
        community=activity.inventory.community,
        changes={
            "quantity": [str(activity.quantity), None],
            "unit": [activity.unit, None],
            "activity_type": [activity.activity_type, None],
            "month": [activity.month, None],
        },
    )
    activity.delete()


@transaction.atomic
def set_notation(
    inventory: Inventory, *, actor, gpc_ref: str, key: str, explanation: str
) -> NotationEntry:
    if gpc_ref not in reference.gpc_rows():
        raise InventoryError("unknown_gpc_ref", _("unknown GPC reference number"), field="gpc_ref")
    if key not in NotationKey.values:
        raise InventoryError("unknown_notation_key", _("unknown notation key"), field="key")
    if not explanation.strip():
        raise InventoryError(
            "explanation_required", _("A notation key needs an explanation."), field="explanation"
        )
    entry, _created = NotationEntry.objects.update_or_create(
        inventory=inventory,
        gpc_ref=gpc_ref,
        defaults={"key": key, "explanation": explanation.strip()},
    )
    record(
        "inventory.notation.set",
        actor=actor,
        obj=entry,
        community=inventory.community,
        changes={
            "gpc_ref": [None, gpc_ref],
            "key": [None, key],
            "explanation": [None, explanation.strip()],
        },
    )
    return entry


@transaction.atomic
def add_sink(
    inventory: Inventory,
    *,
    actor,
    kind: str,
    quantity,
    unit: str,
    rate: EmissionFactor,
    label: str = "",
    note: str = "",
) -> SinkRecord:
    spec = registry.SINK_KINDS.get(kind)
    if spec is None:
        raise InventoryError("unknown_sink_kind", _("unknown kind of sink"), field="kind")
    if rate.activity_type != f"sink_{kind}":
        raise InventoryError(
            "rate_for_other_kind", _("This rate is for another kind of sink."), field="rate"
        )
    try:
        canonical = units.to_canonical(float(quantity), unit, spec[0])
    except units.UnitError as exc:
        raise InventoryError(f"unit_{exc.code}", str(exc), field="unit") from None
    if float(quantity) < 0:
        raise InventoryError("negative", _("must not be negative"), field="quantity")
    sink, _created = SinkRecord.objects.update_or_create(
        inventory=inventory,
        kind=kind,
        label=label,
        defaults={
            "quantity": Decimal(str(quantity)),
            "unit": units.parse_unit(unit).code,
            "quantity_canonical": canonical,
            "rate": rate,
            "note": note,
        },
    )
    record(
        "inventory.sink.set",
        actor=actor,
        obj=sink,
        community=inventory.community,
        changes={
            "kind": [None, kind],
            "quantity": [None, str(quantity)],
            "unit": [None, unit],
            "rate": [None, rate.code],
        },
    )
    return sink


@transaction.atomic
def retire_unit(
    inventory: Inventory,
    *,
    actor,
    use: str,
    scheme: str,
    serial: str,
    quantity,
    unit: str,
    retired_on: dt.date,
    note: str = "",
    evidence=None,
) -> RetiredUnit:
    serial = serial.strip()
    if not serial:
        raise InventoryError("serial_required", _("A serial number is required."), field="serial")
    if scheme not in Scheme.values:
        raise InventoryError("unknown_scheme", _("unknown scheme"), field="scheme")
    if RetiredUnit.objects.filter(serial=serial).exists():
        raise InventoryError(
            "serial_already_retired",
            _("This serial number has already been retired."),
            field="serial",
        )
    unit_obj = RetiredUnit(
        inventory=inventory,
        use=use,
        scheme=scheme,
        serial=serial,
        quantity=Decimal(str(quantity)),
        unit=unit,
        retired_on=retired_on,
        note=note,
        evidence=evidence or "",
    )
    unit_obj.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            unit_obj.save()
    except IntegrityError:
        # A concurrent retirement of the same serial won the race.
        raise InventoryError(
            "serial_already_retired",
            _("This serial number has already been retired."),
            field="serial",
        ) from None
    record(
        "inventory.unit.retired",
        actor=actor,
        obj=unit_obj,
        community=inventory.community,
        changes={
            "serial": [None, serial],
            "use": [None, use],
            "scheme": [None, scheme],
            "quantity": [None, str(quantity)],
            "unit": [None, unit],
        },
    )
    return unit_obj


@transaction.atomic
def add_local_factor(*, actor, community, **values: Any) -> EmissionFactor:
    factor = EmissionFactor(community=community, is_shipped=False, **values)
    factor.full_clean()
    try:
        units.factor_to_kg_per_canonical(float(factor.value), factor.mass, factor.per)
    except units.UnitError as exc:
        raise InventoryError(f"unit_{exc.code}", str(exc), field="per") from None
    factor.save()
    record(
        "inventory.factor.created",
        actor=actor,
        obj=factor,
        community=community,
        changes={
            "code": [None, factor.code],
            "value": [None, str(factor.value)],
            "unit": [None, factor.unit],
            "source": [None, factor.source],
        },
    )
    return factor


# --- import --------------------------------------------------------------------------------


@dataclass
class RowError:
    row: int
    column: str
    value: Any
    reason: str


@dataclass
class ImportReport:
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    notations: int = 0
    already_imported: bool = False
    errors: list[RowError] = field(default_factory=list)


class ImportRejected(DomainError):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(
            "import_rejected",
            _("%(n)s rows have errors; nothing was written.") % {"n": len({e.row for e in errors})},
        )
        self.errors = errors


def validate_rows(rows: list[tuple[int, dict[str, Any]]]) -> tuple[list, list, list[RowError]]:
    """Validate every row: (activities, notations, errors). Rows are (row number, values)."""
    activities: list[tuple[int, CleanActivity]] = []
    notations: list[tuple[int, dict]] = []
    errors: list[RowError] = []
    seen: dict[tuple, int] = {}
    for number, values in rows:
        key = str(values.get("notation_key") or "").strip()
        if key:
            problems = []
            if key not in NotationKey.values:
                problems.append(
                    (
                        "notation_key",
                        key,
                        _("must be one of: %(choices)s")
                        % {"choices": ", ".join(NotationKey.values)},
                    )
                )
            ref = str(values.get("gpc_ref") or "").strip()
            if ref not in reference.gpc_rows():
                problems.append(("gpc_ref", ref, _("a notation key needs a valid GPC reference")))
            explanation = str(values.get("explanation") or "").strip()
            if not explanation:
                problems.append(("explanation", "", _("a notation key needs an explanation")))
            if str(values.get("quantity") or "").strip():
                problems.append(
                    (
                        "quantity",
                        values.get("quantity"),
                        _("a row with a notation key has no quantity"),
                    )
                )
            errors += [RowError(number, c, v, str(r)) for c, v, r in problems]
            if not problems:
                notations.append((number, {"gpc_ref": ref, "key": key, "explanation": explanation}))
            continue
        clean, problems = clean_activity(values)
        errors += [RowError(number, c, v, str(r)) for c, v, r in problems]
        if clean is not None:
            if clean.key in seen:
                errors.append(
                    RowError(
                        number,
                        "label",
                        clean.label,
                        _(
                            "duplicates row %(row)s (same month, activity type, "
                            "category, GPC reference and label)"
                        )
                        % {"row": seen[clean.key]},
                    )
                )
            else:
                seen[clean.key] = number
                activities.append((number, clean))
    return activities, notations, errors


def import_activity_rows(
    inventory: Inventory,
    rows: list[tuple[int, dict[str, Any]]],
    *,
    actor,
    content: bytes,
    filename: str,
    origin: str = "import",
) -> ImportReport:
    """Validate all rows, then write all or nothing. The same file twice changes nothing."""
    digest = hashlib.sha256(content).hexdigest()
    report = ImportReport(rows=len(rows))
    if ImportBatch.objects.filter(inventory=inventory, sha256=digest).exists():
        report.already_imported = True
        report.unchanged = len(rows)
        return report
    activities, notations, errors = validate_rows(rows)
    if errors:
        raise ImportRejected(errors)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            inventory=inventory,
            sha256=digest,
            filename=filename[:255],
            rows=len(rows),
            inserted=0,
            updated=0,
            unchanged=0,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
        )
        existing = {
            (r.month, r.activity_type, r.category, r.gpc_ref, r.label): r
            for r in ActivityRecord.objects.filter(inventory=inventory)
        }
        new, changed = [], []
        for _number, clean in activities:
            fields = _record_fields(clean)
            current = existing.get(clean.key)
            if current is None:
                new.append(
                    ActivityRecord(
                        inventory=inventory,
                        month=clean.month,
                        activity_type=clean.activity_type,
                        category=clean.category,
                        gpc_ref=clean.gpc_ref,
                        label=clean.label,
                        origin=origin,
                        import_batch=batch,
                        **fields,
                    )
                )
            elif any(
                getattr(current, k) != v for k, v in fields.items() if k != "quantity_canonical"
            ):
                old = {k: getattr(current, k) for k in fields}
                for k, v in fields.items():
                    setattr(current, k, v)
                current.import_batch = batch
                changed.append((current, old))
            else:
                report.unchanged += 1
        ActivityRecord.objects.bulk_create(new, batch_size=1000)
        for current, old in changed:
            current.save()
            record(
                "inventory.activity.updated",
                actor=actor,
                obj=current,
                community=inventory.community,
                changes={
                    k: [old[k], getattr(current, k)]
                    for k in old
                    if old[k] != getattr(current, k) and k != "quantity_canonical"
                },
            )
        for _number, values in notations:
            NotationEntry.objects.update_or_create(
                inventory=inventory,
                gpc_ref=values["gpc_ref"],
                defaults={"key": values["key"], "explanation": values["explanation"]},
            )
        report.inserted, report.updated, report.notations = len(new), len(changed), len(notations)
        batch.inserted, batch.updated, batch.unchanged = (
            report.inserted,
            report.updated,
            report.unchanged,
        )
        batch.save(update_fields=["inserted", "updated", "unchanged"])
        record(
            "inventory.activity.imported",
            actor=actor,
            obj=batch,
            community=inventory.community,
            changes={
                "file": [None, filename],
                "sha256": [None, digest],
                "rows": [None, len(rows)],
                "inserted": [None, report.inserted],
                "updated": [None, report.updated],
                "unchanged": [None, report.unchanged],
                "notations": [None, report.notations],
            },
        )
    return report
