"""Demo points for 2024: default rules, every verified fact of the engagement demo credited,
a reward catalogue, a fund pool with its budget and donations, and a year-end points mall
(orders reserved after the year's last credit, most collected in January 2025, some
cancelled).

Points credited in 2024 expire 12 months later by default: running ``nearzero points
expire`` today expires what the demo residents did not spend, as it should.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo

from django.db.models import Max

from nearzero.sites.choices import SiteKind

from . import services
from .choices import FundSource
from .models import Account, Posting, Reward

SEED = 2024_06

# (name, cost in points, cost to the fund in fen, stock)
DONGPING_REWARDS = [
    ("竹制牙刷", 30, 500, 400),
    ("环保购物袋", 50, 800, 300),
    ("节能LED灯泡", 80, 1_200, 200),
    ("公交卡充值 10 元", 200, 1_000, 150),
    ("绿植盆栽", 120, 2_000, 120),
    ("旧物改造工具包", 150, 2_500, 60),
]
QIYANG_REWARDS = [
    ("布袋", 40, 600, 100),
    ("有机蔬菜一篮", 100, 2_000, 50),
    ("节水龙头", 150, 3_000, 30),
]


def _at(tz, day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=tz)


def _community(community, sites, rewards, funding, rng, *, orders: int) -> None:
    tz = zoneinfo.ZoneInfo(community.time_zone)
    services.ensure_default_rules(community=community)
    for day, amount_yuan, source, memo in funding:
        services.fund_inflow(
            actor=None,
            community=community,
            amount_fen=amount_yuan * 100,
            source=source,
            memo=memo,
            at=_at(tz, day, 10),
        )
    pickup = [s for s in sites if s.kind in (SiteKind.CENTRE, SiteKind.STATION)] or sites
    catalogue = [
        Reward.objects.create(
            community=community,
            name=name,
            cost_points=points,
            cost_fen=fen,
            stock=stock,
            site=pickup[i % len(pickup)],
        )
        for i, (name, points, fen, stock) in enumerate(rewards)
    ]
    services.credit_facts(community=community)

    # The year-end points mall, after the year's last credit (a redemption dated before the
    # credits that pay for it would upset the oldest-first expiry): residents with enough
    # points reserve one reward each; most collect it in January, some cancel.
    last_credit = Posting.objects.filter(community=community).aggregate(t=Max("posted_at"))["t"]
    mall = last_credit + dt.timedelta(hours=1)
    accounts = list(
        Account.objects.filter(community=community, resident__isnull=False, balance__gte=30)
        .select_related("resident", "resident__community")
        .order_by("pk")
    )
    rng.shuffle(accounts)
    for i, account in enumerate(accounts[:orders]):
        affordable = [r for r in catalogue if r.cost_points <= account.balance]
        if not affordable:
            continue
        reward = rng.choice(affordable)
        order = services.redeem(
            actor=None, resident=account.resident, reward=reward, at=mall + dt.timedelta(minutes=i)
        )
        day = dt.date(2025, 1, 2 + i % 20)
        if rng.random() < 0.1:
            services.cancel_order(actor=None, order=order, at=_at(tz, day, 15))
        elif day.day < 20:  # the last orders still wait to be collected
            services.collect_order(actor=None, order=order, at=_at(tz, day, 16))
    # Some residents keep off the leaderboard.
    opted_out = [a.pk for a in accounts if rng.random() < 0.05]
    Account.objects.filter(pk__in=opted_out).update(on_leaderboard=False)


def load(tree) -> None:
    rng = random.Random(SEED)
    _community(
        tree.dongping,
        list(tree.dongping_sites),
        DONGPING_REWARDS,
        [
            (dt.date(2024, 1, 8), 50_000, FundSource.BUDGET, "东平镇 2024 年低碳社区专项经费"),
            (dt.date(2024, 4, 22), 8_000, FundSource.DONATION, "共建单位捐赠（世界地球日）"),
            (dt.date(2024, 9, 10), 5_000, FundSource.DONATION, "爱心企业捐赠"),
        ],
        rng,
        orders=240,
    )
    _community(
        tree.qiyang,
        list(tree.qiyang_sites),
        QIYANG_REWARDS,
        [
            (dt.date(2024, 1, 15), 20_000, FundSource.BUDGET, "岐阳社区低碳基金池启动资金"),
            (dt.date(2024, 6, 30), 6_000, FundSource.OFFSET_SALE, "碳惠天府减排量出售收入"),
        ],
        rng,
        orders=40,
    )
