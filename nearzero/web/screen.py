"""The big screen ("community brain", 社区碳大脑): one community's figures for the lobby TV.

Pure reads. Every figure comes from the selector the domain's own pages use: the inventory
results from ``inventory.selectors.compute_many`` and ``year_on_year``, engagement KPIs from
``engagement.selectors.summary``, points from ``points.selectors.totals``, the circle from
``circle.selectors.summary`` and the PV day from ``energy.selectors.pv_day`` (the interval
store's daily and 15-minute aggregates). This module only picks, rounds and labels.

The query count does not depend on the number of events, residents or readings (a test
guards it): each domain selector costs a fixed number of queries, and the events list is
one count and at most three bounded queries with their registrations and check-ins counted
in subqueries.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from nearzero.circle import selectors as circle_selectors
from nearzero.core.numbers import grouped, round_half_up
from nearzero.energy import selectors as energy_selectors
from nearzero.engagement import selectors as engagement_selectors
from nearzero.engagement.choices import EventStatus
from nearzero.engagement.models import Event
from nearzero.inventory import selectors as inventory_selectors
from nearzero.inventory.models import Inventory
from nearzero.points import selectors as points_selectors

#: Inventory years on the trend chart (the dashboard shows six; the TV has room for more).
TREND_YEARS = 8
#: Events listed on the screen: what fits in the panel at 1920×1080 and reads from 3 m.
EVENTS_SHOWN = 4
#: Shown for a figure that cannot be computed (no inventory, no quiz, no street network).
MISSING = "—"


def _signed_pct(value: float) -> str:
    return f"{round_half_up(value, 1):+.1f}%".replace("-", "−")


def _tile(key: str, label: str, value, display: str, unit: str = "", note: str = "") -> dict:
    return {
        "key": key,
        "label": label,
        "value": value,
        "display": display,
        "unit": unit,
        "note": note,
    }


def _week_bounds(today: dt.date, zone: zoneinfo.ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """[Monday 00:00, next Monday 00:00) of ``today``'s week, local time."""
    monday = today - dt.timedelta(days=today.weekday())
    following = monday + dt.timedelta(days=7)
    return (
        dt.datetime(monday.year, monday.month, monday.day, tzinfo=zone),
        dt.datetime(following.year, following.month, following.day, tzinfo=zone),
    )


# --- inventory ---------------------------------------------------------------------------------


def _inventory(community) -> tuple[list[dict], dict]:
    inventories = list(
        Inventory.objects.filter(community=community)
        .select_related("factor_set", "community")
        .order_by("-year")[:TREND_YEARS]
    )[::-1]
    chart = {
        "title": _("Net emissions by inventory year (tCO2e)"),
        "years": [],
        "net_tco2e": [],
        "empty": _("No inventory yet."),
    }
    if not inventories:
        tiles = [
            _tile("net_tco2e", _("net emissions"), None, MISSING, "tCO2e", _("No inventory yet.")),
            _tile("per_resident_tco2e", _("per resident"), None, MISSING, "tCO2e"),
        ]
        return tiles, chart
    computed = inventory_selectors.compute_many(inventories)
    for inventory in inventories:
        chart["years"].append(str(inventory.year))
        chart["net_tco2e"].append(round_half_up(computed[inventory.pk].result.net_tco2e, 1))
    latest = computed[inventories[-1].pk]
    previous = computed[inventories[-2].pk] if len(inventories) > 1 else None
    result = latest.result
    base, decomposition = inventory_selectors.year_on_year(latest, previous)
    net_change = None
    if previous is not None and previous.result.net_tco2e > 0:
        net_change = round_half_up(
            100.0 * (result.net_tco2e - previous.result.net_tco2e) / previous.result.net_tco2e, 1
        )
    net = _tile(
        "net_tco2e",
        _("net emissions in {year}").format(year=latest.inventory.year),
        round_half_up(result.net_tco2e, 1),
        grouped(result.net_tco2e),
        "tCO2e",
        _("gross {gross}, sinks and offsets {removed}").format(
            gross=grouped(result.gross_tco2e),
            removed=grouped(result.sinks_tco2e + result.offsets_tco2e),
        ),
    )
    if base is None:
        net["change"] = {
            "value": None,
            "display": MISSING,
            "label": _("No earlier inventory to compare with."),
            "gross_change_pct": None,
        }
    else:
        net["change"] = {
            "value": net_change,
            "display": MISSING if net_change is None else _signed_pct(net_change),
            "label": _("net emissions against {year}").format(year=base.year),
            # The inventory page's year-on-year change (gross, split into activity and
            # factor effects there).
            "gross_change_pct": None
            if decomposition.change_pct is None
            else round_half_up(decomposition.change_pct, 1),
            "gross_note": ""
            if decomposition.change_pct is None
            else _("gross emissions {change} against {year}").format(
                change=_signed_pct(decomposition.change_pct), year=base.year
            ),
        }
    intensity = result.intensity_tco2e_per_resident
    per_resident = _tile(
        "per_resident_tco2e",
        _("per resident"),
        None if intensity is None else round_half_up(intensity, 2),
        MISSING if intensity is None else grouped(intensity, 2),
        "tCO2e",
        _("gross emissions in {year} per resident").format(year=latest.inventory.year)
        if intensity is not None
        else _("The community's population is not recorded."),
    )
    return [net, per_resident], chart


# --- energy ------------------------------------------------------------------------------------


def _pv(community, today: dt.date) -> tuple[dict, dict]:
    day = energy_selectors.pv_day(community, today)
    chart = {"title": _("PV generation (kWh per 15 minutes)"), "slots": [], "kwh": []}
    if day is None:
        note = _("No PV generation meter in this community.")
        chart.update(note="", empty=note)
        return _tile("pv_kwh", _("PV generation today"), None, MISSING, "kWh", note), chart
    if day["day"] is None:
        note = _("No PV readings in the last twelve months.")
        chart.update(note="", empty=note)
        return _tile("pv_kwh", _("PV generation today"), None, MISSING, "kWh", note), chart
    is_today = day["day"] == today
    label = (
        _("PV generation today")
        if is_today
        else _("PV generation on {day}").format(day=day["day"].isoformat())
    )
    note = (
        ngettext("{n} generation meter", "{n} generation meters", day["meters"]).format(
            n=day["meters"]
        )
        if is_today
        else _("No readings today; latest day with readings: {day}").format(
            day=day["day"].isoformat()
        )
    )
    chart.update(
        title=_("PV generation today (kWh per 15 minutes)")
        if is_today
        else _("PV generation on {day} (kWh per 15 minutes)").format(day=day["day"].isoformat()),
        day=day["day"].isoformat(),
        is_today=is_today,
        note=note,
        slots=day["slots"],
        kwh=day["kwh_per_slot"],
        empty=note,
    )
    tile = _tile(
        "pv_kwh",
        label,
        round_half_up(day["kwh"], 1),
        grouped(day["kwh"], 1),
        "kWh",
        note if is_today else _("No readings today."),
    )
    tile["day"] = day["day"].isoformat()
    tile["is_today"] = is_today
    return tile, chart


# --- engagement --------------------------------------------------------------------------------


def _event_row(event, zone: zoneinfo.ZoneInfo) -> dict:
    starts = timezone.localtime(event.starts_at, zone)
    ends = timezone.localtime(event.ends_at, zone)
    return {
        "id": event.pk,
        "title": event.title,
        "site": event.site.name,
        "date": starts.date().isoformat(),
        "weekday": formats.date_format(starts, "D"),
        "time": f"{starts:%H:%M}–{ends:%H:%M}",
        "registrations": event.n_registrations,
        "checkins": event.n_checkins,
        "figures": _("{registrations} registered · {checkins} checked in").format(
            registrations=event.n_registrations, checkins=event.n_checkins
        ),
    }


def _events(community, now: dt.datetime, zone: zoneinfo.ZoneInfo) -> tuple[dict, dict]:
    start, end = _week_bounds(timezone.localtime(now, zone).date(), zone)
    events = Event.objects.filter(community=community).exclude(status=EventStatus.CANCELLED)
    week = events.filter(starts_at__gte=start, starts_at__lt=end)
    count = week.count()
    last_day = (end - dt.timedelta(days=1)).date()
    week_label = _("{start} to {end}").format(
        start=start.date().isoformat(), end=last_day.isoformat()
    )
    tile = _tile(
        "events_week",
        _("events this week"),
        count,
        grouped(count),
        pgettext("unit", "events"),
        week_label,
    )
    if count:
        mode, heading = "this_week", _("Events this week ({dates})").format(dates=week_label)
        rows = list(engagement_selectors.with_counts(week).order_by("starts_at")[:EVENTS_SHOWN])
    else:
        mode, heading = "upcoming", _("No events this week. Next events:")
        later = engagement_selectors.with_counts(events.filter(starts_at__gte=now)).order_by(
            "starts_at"
        )
        rows = list(later[:EVENTS_SHOWN])
    if not rows:
        mode, heading = "latest", _("No upcoming events. Latest events:")
        earlier = engagement_selectors.with_counts(events.filter(starts_at__lt=now)).order_by(
            "-starts_at"
        )
        rows = list(earlier[:EVENTS_SHOWN])
    if not rows:
        mode, heading = "none", _("No events yet.")
    listing = {
        "mode": mode,
        "heading": heading,
        "week_start": start.date().isoformat(),
        "week_end": last_day.isoformat(),
        "items": [_event_row(e, zone) for e in rows],
    }
    return tile, listing


def _engagement_tiles(community, now: dt.datetime, zone: zoneinfo.ZoneInfo) -> list[dict]:
    # The dashboard's year: the latest with a held event (this year as soon as one is held).
    year = engagement_selectors.latest_year(community) or timezone.localtime(now, zone).year
    kpis = engagement_selectors.summary(community, year, now=now).total
    rate, quiz_year, takers = kpis.knowledge_rate_pct, year, kpis.quiz_takers
    if rate is None:
        # No quiz yet this year: the latest year residents took one (quizzes are yearly).
        latest = engagement_selectors.latest_quiz_year(community)
        if latest is not None and latest != year:
            earlier = engagement_selectors.summary(community, latest, now=now).total
            rate, quiz_year, takers = earlier.knowledge_rate_pct, latest, earlier.quiz_takers
    return [
        _tile(
            "participations",
            _("participations in {year}").format(year=year),
            kpis.participations,
            grouped(kpis.participations),
            _("person-times"),
            _("{n} distinct residents at {events} events").format(
                n=grouped(kpis.distinct_participants), events=grouped(kpis.events)
            ),
        ),
        _tile(
            "knowledge_rate_pct",
            _("low-carbon knowledge rate"),
            None if rate is None else round_half_up(rate, 1),
            MISSING if rate is None else grouped(rate, 1),
            "%",
            _("{n} residents took the quiz in {year}").format(n=grouped(takers), year=quiz_year)
            if rate is not None
            else _("No quiz answers in {year}.").format(year=year),
        ),
    ]


# --- points and circle -------------------------------------------------------------------------


def _points_tile(community) -> dict:
    totals = points_selectors.totals(community)
    return _tile(
        "points_issued",
        _("carbon points issued"),
        totals["issued"],
        grouped(totals["issued"]),
        _("points"),
        _("{n} points held by {accounts} residents").format(
            n=grouped(totals["outstanding"]), accounts=grouped(totals["accounts"])
        ),
    )


def _circle_tile(community) -> tuple[dict, dict | None]:
    found = circle_selectors.summary(community)
    label = _("15-minute circle coverage")
    if found is None:
        note = _("No street network or homes yet.")
        return _tile("coverage_pct", label, None, MISSING, "%", note), None
    tile = _tile(
        "coverage_pct",
        label,
        round_half_up(found["coverage_pct"], 1),
        grouped(found["coverage_pct"], 1),
        "%",
        _("{covered} of {total} residents; median walk {minutes} min").format(
            covered=grouped(found["covered_residents"]),
            total=grouped(found["total_residents"]),
            minutes=grouped(found["median_walk_min"], 1),
        ),
    )
    circle = {
        "coverage_pct": round_half_up(found["coverage_pct"], 1),
        "covered_residents": found["covered_residents"],
        "total_residents": found["total_residents"],
        "median_walk_min": round_half_up(found["median_walk_min"], 1),
        "max_walk_m": found["max_walk_m"],
        "sites_count": found["sites_count"],
    }
    return tile, circle


# --- the screen --------------------------------------------------------------------------------


def build(community, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the big screen shows, as plain JSON data (strings in the active language).

    ``now`` (aware; default: the current time) fixes "today", "this week" and the
    engagement year, so tests can freeze them.
    """
    now = now or timezone.now()
    zone = zoneinfo.ZoneInfo(community.time_zone)
    local_now = timezone.localtime(now, zone)
    inventory_tiles, inventory_chart = _inventory(community)
    pv_tile, pv_chart = _pv(community, local_now.date())
    events_tile, events = _events(community, now, zone)
    circle_tile, circle = _circle_tile(community)
    tiles = [
        *inventory_tiles,
        pv_tile,
        events_tile,
        *_engagement_tiles(community, now, zone),
        _points_tile(community),
        circle_tile,
    ]
    return {
        "community": {"slug": community.slug, "name": community.name},
        "time_zone": community.time_zone,
        "generated_at": local_now.isoformat(timespec="seconds"),
        "today": local_now.date().isoformat(),
        "clock": {
            "time": f"{local_now:%H:%M}",
            "date": local_now.date().isoformat(),
            "weekday": formats.date_format(local_now, "l"),
        },
        "tiles": tiles,
        "charts": {"inventory": inventory_chart, "pv": pv_chart},
        "events": events,
        "circle": circle,
    }
