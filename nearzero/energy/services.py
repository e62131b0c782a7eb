"""Writes of the energy app, each in a transaction with an audit entry."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from nearzero.audit.services import diff, record, snapshot
from nearzero.core import units
from nearzero.core.errors import DomainError
from nearzero.core.ghg import reference

from .choices import CARRIER_UNIT
from .models import CandidateRoof, ChargingSession, Meter, OtherRenewable, PVSystem

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
    if unit.dimension != canonical.dimension and not (
        meter.carrier == "electricity" and meter.unit == "Wh"
    ):
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
