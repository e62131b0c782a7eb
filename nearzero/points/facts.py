"""Verified facts of the engagement app that earn points, read (never written) from its
tables. Each fact has a natural key, so it is credited at most once.

- a check-in at an event (``checkin:<id>``), worth the event's points (per unit for an event
  with a per-unit label, e.g. 30 points per kg of clothes);
- recyclables weighed for a resident (``weighing:<id>``), per kg;
- a sorting shift once staff verified it (``shift:<id>``), per hour;
- a passed quiz (``quiz:<quiz id>:<resident id>``: once per quiz and resident, however many
  attempts);
- a plant-care log (``care:<id>``).

Erased residents earn nothing new; what they earned stays under their pseudonym.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Min

from nearzero.engagement.choices import QuizKind
from nearzero.engagement.models import Attempt, CareLog, CheckIn, SortingShift, Weighing

from .choices import FactSource


@dataclass(frozen=True)
class Fact:
    key: str
    source: str
    community_id: int
    resident_id: int
    at: dt.datetime
    quantity: Decimal
    co2e_g: Decimal
    label: str
    activity_type_id: int | None = None
    event_points: int | None = None  # check-ins: the event's points per participant or unit


def _scoped(queryset, community_id: int, resident_ids: Iterable[int] | None, field="resident"):
    queryset = queryset.filter(**{f"{field}__erased_at": None})
    if resident_ids is not None:
        queryset = queryset.filter(**{f"{field}_id__in": list(resident_ids)})
    return queryset.filter(community_id=community_id)


def verified_facts(community_id: int, resident_ids: Iterable[int] | None = None) -> list[Fact]:
    """All facts of a community (or of some of its residents), oldest first."""
    ids = list(resident_ids) if resident_ids is not None else None
    facts: list[Fact] = []
    checkins = _scoped(CheckIn.objects.all(), community_id, ids).values_list(
        "pk",
        "resident_id",
        "checked_in_at",
        "units",
        "event__activity_type_id",
        "event__points",
        "event__carbon_label_g",
        "event__label_basis",
        "event__title",
    )
    for pk, resident, at, units, type_id, points, label_g, basis, title in checkins:
        # Per-unit events (kg of clothes) count their units, for the label and the points.
        quantity = Decimal(units or 0) if basis == "unit" else Decimal(1)
        co2e = Decimal(label_g or 0) * quantity
        facts.append(
            Fact(
                f"checkin:{pk}",
                FactSource.CHECKIN,
                community_id,
                resident,
                at,
                quantity,
                co2e,
                title,
                activity_type_id=type_id,
                event_points=points,
            )
        )
    weighings = _scoped(
        Weighing.objects.filter(resident__isnull=False), community_id, ids
    ).values_list("pk", "resident_id", "weighed_at", "kg", "co2e_kg", "material")
    for pk, resident, at, kg, co2e_kg, material in weighings:
        facts.append(
            Fact(
                f"weighing:{pk}",
                FactSource.WEIGHING,
                community_id,
                resident,
                at,
                Decimal(kg),
                Decimal(co2e_kg) * 1000,
                material,
            )
        )
    shifts = _scoped(
        SortingShift.objects.filter(verified_at__isnull=False), community_id, ids
    ).values_list("pk", "resident_id", "starts_at", "hours")
    for pk, resident, at, hours in shifts:
        facts.append(
            Fact(
                f"shift:{pk}",
                FactSource.SHIFT,
                community_id,
                resident,
                at,
                Decimal(hours),
                Decimal(0),
                "",
            )
        )
    passed = (
        _scoped(Attempt.objects.filter(passed=True, quiz__kind=QuizKind.QUIZ), community_id, ids)
        .values("quiz_id", "resident_id", "quiz__title")
        .annotate(first=Min("submitted_at"))
    )
    for row in passed:
        facts.append(
            Fact(
                f"quiz:{row['quiz_id']}:{row['resident_id']}",
                FactSource.QUIZ,
                community_id,
                row["resident_id"],
                row["first"],
                Decimal(1),
                Decimal(0),
                row["quiz__title"],
            )
        )
    care = CareLog.objects.filter(
        adoption__community_id=community_id, adoption__resident__erased_at=None
    )
    if ids is not None:
        care = care.filter(adoption__resident_id__in=ids)
    for pk, resident, at, plant in care.values_list(
        "pk", "adoption__resident_id", "logged_at", "adoption__plant"
    ):
        facts.append(
            Fact(
                f"care:{pk}",
                FactSource.CARE,
                community_id,
                resident,
                at,
                Decimal(1),
                Decimal(0),
                plant,
            )
        )
    facts.sort(key=lambda f: (f.at, f.key))
    return facts
