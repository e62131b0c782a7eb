"""Demo sign-ins, one per persona, all with the same demo password."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from nearzero.sites.choices import SiteKind
from nearzero.sites.models import Household

from . import services
from .models import Role

DEMO_PASSWORD = "nearzero-demo"  # demo data only; printed on screen by `nearzero demo`


@dataclass(frozen=True)
class DemoLogin:
    username: str
    display_name: str
    persona: object  # lazy translated label
    role: str
    node: str  # which node of the demo tree: a key of the `nodes` dict in load()


DEMO_LOGINS = (
    DemoLogin(
        "dongping_admin", "东平社区管理员", _("community admin"), Role.COMMUNITY_ADMIN, "dongping"
    ),
    DemoLogin(
        "dongping_station",
        "东平站工作人员",
        _("station worker"),
        Role.SITE_STAFF,
        "dongping_station",
    ),
    DemoLogin(
        "chongming_officer", "崇明区生态环境局", _("district officer"), Role.OFFICER, "chongming"
    ),
    DemoLogin("dongping_resident", "东平居民", _("resident"), Role.RESIDENT, "dongping_household"),
    DemoLogin(
        "qiyang_admin", "岐阳社区管理员", _("community admin"), Role.COMMUNITY_ADMIN, "qiyang"
    ),
    DemoLogin(
        "shuangliu_officer", "双流区生态环境局", _("district officer"), Role.OFFICER, "shuangliu"
    ),
    DemoLogin("nearzero_admin", "nearzero admin", _("platform administrator"), "", ""),
)


def load(tree) -> None:
    station = next(s for s in tree.dongping_sites if s.kind == SiteKind.STATION)
    household = Household.objects.filter(building__community=tree.dongping).order_by("pk").first()
    nodes = {
        "dongping": {"community": tree.dongping},
        "dongping_station": {"site": station},
        "chongming": {"region": tree.chongming},
        "dongping_household": {"community": tree.dongping, "household": household},
        "qiyang": {"community": tree.qiyang},
        "shuangliu": {"region": tree.shuangliu},
    }
    for login in DEMO_LOGINS:
        user = services.create_user(
            actor=None,
            username=login.username,
            password=DEMO_PASSWORD,
            display_name=login.display_name,
            is_superuser=not login.role,
        )
        if login.role:
            services.grant_role(actor=None, user=user, role=login.role, **nodes[login.node])
