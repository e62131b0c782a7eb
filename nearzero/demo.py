"""Load the demo communities. Each capability adds its part in :func:`load_demo`."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import transaction

from nearzero.accounts import demo as accounts_demo
from nearzero.circle import demo as circle_demo
from nearzero.energy import demo as energy_demo
from nearzero.engagement import demo as engagement_demo
from nearzero.evaluation import demo as evaluation_demo
from nearzero.inventory import demo as inventory_demo
from nearzero.points import demo as points_demo
from nearzero.sites import demo as sites_demo
from nearzero.sites.models import Community

DEMO_SLUGS = ("dongping", "qiyang")
DEMO_LOGINS = accounts_demo.DEMO_LOGINS
DEMO_PASSWORD = accounts_demo.DEMO_PASSWORD


@dataclass(frozen=True)
class DemoResult:
    loaded: bool  # False: the demo was already there and nothing was written
    seconds: float


def demo_loaded() -> bool:
    return Community.objects.filter(slug__in=DEMO_SLUGS).exists()


def load_demo() -> DemoResult:
    """Load every capability's demo data in one transaction; a no-op if already there."""
    start = time.perf_counter()
    if demo_loaded():
        return DemoResult(False, time.perf_counter() - start)
    with transaction.atomic():
        tree = sites_demo.load()
        accounts_demo.load(tree)
        inventory_demo.load(tree)
        energy_demo.load(tree)
        engagement_demo.load(tree)
        points_demo.load(tree)
        circle_demo.load(tree)
        evaluation_demo.load(tree)
    return DemoResult(True, time.perf_counter() - start)
