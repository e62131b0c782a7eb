"""KPI tiles and charts of the community dashboard ("community brain").

Each domain registers a provider in its ``AppConfig.ready``; a provider takes a community
and returns tiles and charts. The dashboard itself knows no domain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class Tile:
    key: str
    label: str | Promise
    value: str
    unit: str | Promise = ""
    note: str | Promise = ""


@dataclass(frozen=True)
class Chart:
    key: str
    title: str | Promise
    #: An ECharts option object (plain JSON data; no functions).
    option: dict[str, Any] = field(default_factory=dict)


@dataclass
class Panel:
    tiles: list[Tile] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


Provider = Callable[[Any], Panel]
_providers: list[tuple[int, str, Provider]] = []


def register(order: int, key: str, provider: Provider) -> None:
    """Add a provider (idempotent by ``key``), shown in ``order``."""
    _providers[:] = [p for p in _providers if p[1] != key]
    _providers.append((order, key, provider))
    _providers.sort(key=lambda p: p[0])


def build(community) -> Panel:
    panel = Panel()
    for _order, _key, provider in _providers:
        part = provider(community)
        panel.tiles.extend(part.tiles)
        panel.charts.extend(part.charts)
    return panel
