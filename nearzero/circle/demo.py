"""Demo street networks for both communities, generated (no real extract of the towns can
ship) and imported through the same service as an uploaded file; a siting run for
Dongping so the map shows proposed posts."""

from __future__ import annotations

import tempfile
from pathlib import Path

from nearzero.sites.models import Building

from . import services
from .choices import CIRCLE_KINDS
from .demo_network import write_demo_network

SEED = 20240715


#: The generator's style and seed per demo community.
STYLES = {"dongping": ("town", SEED), "qiyang": ("village", SEED + 1)}


def write_network(community, path: Path) -> dict:
    """Write a demo community's street network to ``path`` (deterministic)."""
    style, seed = STYLES[community.slug]
    return write_demo_network(
        path,
        boundary=community.boundary,
        sites=[
            (s.lat, s.lon) for s in community.sites.filter(kind__in=CIRCLE_KINDS).order_by("pk")
        ],
        homes=list(
            Building.objects.filter(community=community).order_by("pk").values_list("lat", "lon")
        ),
        seed=seed,
        style=style,
    )


def _load_one(community) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{community.slug}-streets.osm.pbf"
        write_network(community, path)
        services.import_network(
            actor=None, community=community, data=path.read_bytes(), filename=path.name
        )


def load(tree) -> None:
    _load_one(tree.dongping)
    _load_one(tree.qiyang)
    services.run_siting(actor=None, community=tree.dongping, new=3)
