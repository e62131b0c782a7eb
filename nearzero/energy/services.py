"""Writes of the energy app, each in a transaction with an audit entry."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zoneinfo
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils.translation import gettext as _

from nearzero.audit.services import diff, record, snapshot
from nearzero.core import units
from nearzero.core.energy import intervals, selfcons
from nearzero.core.errors import DomainError
from nearzero.core.ghg import reference

from .choices import CARRIER_UNIT
from .models import (
    CandidateRoof,
    ChargingSession,
    ImportBatch,
    Meter,
    OtherRenewable,
    PVSystem,
    RejectedRow,
)
from .store import summarize

METER_FIELDS = (
    "code",
    "name",
    "site",
    "carrier",
    "direction",
    "unit",
    "register",
    "resolution_min",
    "rollover_at",
    "inventory_activity_type",
    "inventory_category",
    "is_active",
)


class EnergyError(DomainError):
    pass


def _check_meter(meter: Meter) -> None:
    try:
        unit = units.parse_unit(meter.unit)
    except units.UnitError:
        raise EnergyError("bad_unit", _("unknown unit"), field="unit") from None
    canonical = units.parse_unit(CARRIER_UNIT[meter.carrier])
    if unit.dimension != canonical.dimension:
        raise EnergyError(
            "unit_for_other_carrier",
            _("This unit does not measure the meter's carrier."),
            field="unit",
        )
    if meter.site_id and meter.site.community_id != meter.community_id:
        raise EnergyError(
            "site_other_community", _("The site belongs to another community."), field="site"
        )
    if meter.inventory_activity_type:
        spec = reference.activity_types().get(meter.inventory_activity_type)
        if spec is None or meter.inventory_category not in spec.gpc:
            raise EnergyError(
                "bad_inventory_link",
                _("This activity type and category do not go together."),
                field="inventory_activity_type",
            )


@transaction.atomic
def create_meter(*, actor, community, **values: Any) -> Meter:
    if Meter.objects.filter(community=community, code=values.get("code")).exists():
        raise EnergyError("code_taken", _("This meter code is already used."), field="code")
    meter = Meter(community=community, **values)
    _check_meter(meter)
    meter.full_clean()
    meter.save()
    record(
        "energy.meter.created",
        actor=actor,
        obj=meter,
        community=community,
        changes=diff({}, snapshot(meter, METER_FIELDS)),
    )
    return meter


@transaction.atomic
def update_meter(meter: Meter, *, actor, **values: Any) -> Meter:
    before = snapshot(meter, METER_FIELDS)
    for name, value in values.items():
        if name not in METER_FIELDS:
            raise EnergyError("not_editable", f"cannot change {name}")
        setattr(meter, name, value)
    _check_meter(meter)
    meter.full_clean()
    changes = diff(before, snapshot(meter, METER_FIELDS))
    if changes:
        meter.save(update_fields=list(changes))
        record(
            "energy.meter.updated",
            actor=actor,
            obj=meter,
            community=meter.community,
            changes=changes,
        )
    return meter


def _create(model, action: str, *, actor, community, **values: Any):
    obj = model(community=community, **values)
    obj.full_clean()
    obj.save()
    record(
        action,
        actor=actor,
        obj=obj,
        community=community,
        changes={
            k: [None, getattr(obj, k) if not hasattr(getattr(obj, k), "pk") else getattr(obj, k).pk]
            for k in values
        },
    )
    return obj


@transaction.atomic
def add_pv_system(*, actor, community, **values: Any) -> PVSystem:
    return _create(PVSystem, "energy.pv_system.created", actor=actor, community=community, **values)


@transaction.atomic
def add_candidate_roof(*, actor, community, **values: Any) -> CandidateRoof:
    return _create(CandidateRoof, "energy.roof.created", actor=actor, community=community, **values)


@transaction.atomic
def add_renewable(*, actor, community, **values: Any) -> OtherRenewable:
    return _create(
        OtherRenewable, "energy.renewable.created", actor=actor, community=community, **values
    )


@transaction.atomic
def record_charging_sessions(*, actor, community, sessions: list[dict]) -> int:
    """Add sessions not seen before (by session id); returns how many were new."""
    known = set(
        ChargingSession.objects.filter(community=community).values_list("external_id", flat=True)
    )
    new = [
        ChargingSession(community=community, **s) for s in sessions if s["external_id"] not in known
    ]
    for session in new:
        session.full_clean(validate_unique=False)
    ChargingSession.objects.bulk_create(new)
    record(
        "energy.charging.imported",
        actor=actor,
        community=community,
        object_type="energy.chargingsession",
        object_label=str(community),
        changes={"sessions": [None, len(new)], "already_known": [None, len(sessions) - len(new)]},
    )
    return len(new)


# --- readings ------------------------------------------------------------------------------


def meter_specs(community) -> dict[str, intervals.MeterSpec]:
    return {
        m.code: intervals.MeterSpec(
            meter_id=m.pk,
            code=m.code,
            register=m.register,
            unit=m.unit,
            community=community.slug,
            time_zone=community.time_zone,
            rollover_at=m.rollover_at,
            resolution_min=m.resolution_min,
        )
        for m in Meter.objects.filter(community=community, is_active=True)
    }


@dataclass(frozen=True)
class ImportOutcome:
    batch: ImportBatch
    already_imported: bool


def _parse(community, *, content, records, filename, mapping):
    from .selectors import store

    specs = meter_specs(community)

    def previous(firsts):
        return store().last_readings(community.slug, firsts)

    name = filename.lower()
    if records is not None:
        return intervals.parse_records(records, mapping, specs, community.time_zone, previous)
    if name.endswith(".xlsx"):
        return intervals.parse_xlsx(content, mapping, specs, community.time_zone, previous)
    if name.endswith(".csv") or name.endswith(".txt"):
        return intervals.parse_csv(content, mapping, specs, community.time_zone, previous)
    raise EnergyError("bad_format", _("Upload a .csv or .xlsx file."), field="file")


def import_readings(
    *,
    actor,
    community,
    filename: str,
    content: bytes | None = None,
    records: list[dict] | None = None,
    source: str = "csv",
    mapping: intervals.ColumnMapping | None = None,
) -> ImportOutcome:
    """Validate and store a file or a push of readings. The same content twice is a no-op;
    rows in = inserted + duplicates + rejected; rejected rows are kept with their reasons.
    Monthly totals of meters linked to the inventory are written for the months touched."""
    from .selectors import store

    mapping = mapping or intervals.ColumnMapping()
    raw = (
        content
        if content is not None
        else json.dumps(records, sort_keys=True, ensure_ascii=False, default=str).encode()
    )
    digest = hashlib.sha256(raw).hexdigest()
    existing = ImportBatch.objects.filter(community=community, sha256=digest).first()
    if existing is not None:
        return ImportOutcome(existing, True)
    parsed = _parse(community, content=content, records=records, filename=filename, mapping=mapping)
    the_store = store()
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            community=community,
            sha256=digest,
            filename=filename[:255],
            source=source,
            rows_in=0,
            inserted=0,
            duplicates=0,
            rejected=0,
            revisions=0,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
        )
        try:
            result = the_store.ingest(
                parsed.table,
                community=community.slug,
                time_zone=community.time_zone,
                batch_id=batch.pk,
            )
            summary = summarize(parsed, result)
            batch.rows_in, batch.inserted = summary.rows_in, summary.inserted
            batch.duplicates, batch.rejected = summary.duplicates, summary.rejected
            batch.revisions, batch.months = summary.revisions, sorted(summary.months)
            batch.save()
            RejectedRow.objects.bulk_create(
                [
                    RejectedRow(
                        batch=batch,
                        row=p.row,
                        column=str(p.column)[:60],
                        value=str(p.value)[:120] if p.value is not None else "",
                        code=p.code,
                        reason=str(p.reason)[:255],
                    )
                    for p in parsed.rejected
                ],
                batch_size=2000,
            )
            record(
                "energy.readings.imported",
                actor=actor,
                obj=batch,
                community=community,
                changes={
                    "file": [None, filename],
                    "rows_in": [None, summary.rows_in],
                    "inserted": [None, summary.inserted],
                    "duplicates": [None, summary.duplicates],
                    "rejected": [None, summary.rejected],
                    "revisions": [None, summary.revisions],
                    "months": [None, sorted(summary.months)],
                },
            )
            sync_inventory_months(community, sorted(summary.months), actor=actor)
        except BaseException:
            the_store.discard_batch(community.slug, batch.pk)
            raise
    return ImportOutcome(batch, False)


def sync_inventory_months(community, months: list[str], *, actor) -> int:
    """Write the monthly totals of inventory-linked meters into the inventories of those
    years (measured, origin meter). Returns how many records were written or updated."""
    from nearzero.inventory.models import Inventory
    from nearzero.inventory.services import record_activity

    from .selectors import store

    linked = list(Meter.objects.filter(community=community).exclude(inventory_activity_type=""))
    systems = list(
        PVSystem.objects.filter(
            community=community, generation_meter__isnull=False, load_meter__isnull=False
        ).select_related("generation_meter", "load_meter")
    )
    if not (linked or systems) or not months:
        return 0
    inventories = {
        i.year: i
        for i in Inventory.objects.filter(
            community=community, year__in={int(m[:4]) for m in months}
        )
    }
    if not inventories:
        return 0
    written = _sync_self_consumption(community, systems, months, inventories, actor=actor)
    if not linked:
        return written
    first = dt.date(int(months[0][:4]), int(months[0][5:7]), 1)
    last_year, last_month = int(months[-1][:4]), int(months[-1][5:7])
    end = dt.date(last_year + (last_month == 12), last_month % 12 + 1, 1)
    totals = store().monthly(
        community.slug,
        [m.pk for m in linked],
        first,
        end,
        community.time_zone,
        resolution_min={m.pk: m.resolution_min for m in linked},
    )
    by_id = {m.pk: m for m in linked}
    for row in totals.itertuples(index=False):
        if pd.isna(row.kwh):
            continue  # no reading that month: nothing to report, never a zero
        month = pd.Timestamp(row.month)
        inventory = inventories.get(month.year)
        if inventory is None or f"{month.year:04d}-{month.month:02d}" not in months:
            continue
        meter = by_id[int(row.meter_id)]
        record_activity(
            inventory,
            actor=actor,
            origin="meter",
            month=month.month,
            activity_type=meter.inventory_activity_type,
            category=meter.inventory_category,
            label=f"meter {meter.code}",
            quantity=round(float(row.kwh), 3),
            unit=CARRIER_UNIT[meter.carrier],
            quality_method="measured",
            quality_rating="high",
            note=f"{row.intervals}/{row.expected_intervals} intervals",
            meter_ref=meter.code,
        )
        written += 1
    return written


def _month_window(month: str, time_zone: str) -> tuple[dt.datetime, dt.datetime]:
    zone = zoneinfo.ZoneInfo(time_zone)
    year, number = int(month[:4]), int(month[5:7])
    start = dt.datetime(year, number, 1, tzinfo=zone)
    end = dt.datetime(year + (number == 12), number % 12 + 1, 1, tzinfo=zone)
    return start, end


def _sync_self_consumption(community, systems, months, inventories, *, actor) -> int:
    """PV used on site and exported, per month, from co-timed generation and load meters
    (Σ min(gen, load) per 15-minute interval; never from net readings)."""
    from nearzero.inventory.services import record_activity

    from .selectors import store

    written = 0
    for system in systems:
        gen, load = system.generation_meter, system.load_meter
        for month in months:
            inventory = inventories.get(int(month[:4]))
            if inventory is None:
                continue
            start, end = _month_window(month, community.time_zone)
            frame = store().series(
                community.slug, [gen.pk, load.pk], start, end, 15, time_zone=community.time_zone
            )
            if frame.empty:
                continue
            wide = frame.pivot(index="ts", columns="meter_id", values="kwh").dropna()
            if gen.pk not in wide or load.pk not in wide or wide.empty:
                continue
            balance = selfcons.self_consumption(wide[gen.pk], wide[load.pk])
            for activity_type, quantity in (
                ("renewable_self_consumed", balance.self_consumed_kwh),
                ("renewable_exported", balance.exported_kwh),
            ):
                record_activity(
                    inventory,
                    actor=actor,
                    origin="meter",
                    month=int(month[5:7]),
                    activity_type=activity_type,
                    category="public",
                    label=system.name[:120],
                    quantity=round(quantity, 3),
                    unit="kWh",
                    quality_method="measured",
                    quality_rating="high",
                    note=f"{gen.code} × {load.code}, {balance.intervals} co-timed intervals",
                    meter_ref=gen.code,
                )
                written += 1
    return written


def import_simulated_readings(*, community, meters: dict, series: dict, filename: str) -> None:
    """Demo: store simulated 15-minute series (epoch seconds, kWh) as one batch per meter."""
    import pyarrow as pa

    from .selectors import store

    for key, meter in meters.items():
        ts_s, values = series[key]
        table = pa.table(
            {
                "meter_id": pa.array(np.full(len(ts_s), meter.pk, dtype="int64")),
                "ts": pa.array(ts_s.astype("int64") * 1_000_000, type=pa.timestamp("us", tz="UTC")),
                "value": pa.array(values.astype("float64")),
                "reading": pa.nulls(len(ts_s), type=pa.float64()),
            }
        )
        parsed = intervals.Parsed(table=table, rows_in=table.num_rows)
        digest = hashlib.sha256(f"{filename}:{meter.code}".encode()).hexdigest()
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                community=community,
                sha256=digest,
                filename=f"{filename}-{meter.code}",
                source="demo",
                rows_in=0,
                inserted=0,
                duplicates=0,
                rejected=0,
                revisions=0,
            )
            result = store().ingest(
                parsed.table,
                community=community.slug,
                time_zone=community.time_zone,
                batch_id=batch.pk,
            )
            summary = summarize(parsed, result)
            batch.rows_in, batch.inserted, batch.duplicates = (
                summary.rows_in,
                summary.inserted,
                summary.duplicates,
            )
            batch.months = sorted(summary.months)
            batch.save()
            sync_inventory_months(community, sorted(summary.months), actor=None)
