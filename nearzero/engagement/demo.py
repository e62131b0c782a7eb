"""Demo engagement: a year (2024) of the Dongping-like programme, a smaller Qiyang one.

Dongping: 6,000 registered residents (one per person of the demo households), 48 events over
all 6 stations and 10 Red Plum posts (about 12,000 participations), weekly sorting shifts
at the posts, recyclables weighed there, green-plant adoptions with care logs, a knowledge
quiz answered by 1,500 residents (latest attempts pass about 92% of the time), a
satisfaction survey, and feedback with answers, some of which changed the reading corner's
books. A few events lie in the coming weeks so residents can register. Names and phone
numbers are generated (the 139 0000 xxxx range is not assigned to people); everything is
seeded and bulk-written, then summarised in the audit log.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from decimal import Decimal

from django.utils import timezone

from nearzero.audit.services import record
from nearzero.core.engagement import phones, recycling, tokens
from nearzero.sites.choices import SiteKind
from nearzero.sites.models import Household

from . import pii, services
from .catalogue import sync_catalogue
from .choices import CheckInSource, FeedbackCategory, FeedbackStatus, QuizKind
from .models import (
    ActivityType,
    Answer,
    Attempt,
    Book,
    CareLog,
    CheckIn,
    Event,
    Feedback,
    PlantAdoption,
    Resident,
    SortingShift,
    Weighing,
)

SEED = 20240315
YEAR = 2024
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧建国红梅平玉兰桂珍春霞海燕志刚文"

#: (activity code, title) of Dongping's 48 events, cycled over the sites.
EVENT_PLAN = [
    ("reading_corner", "绿色阅读角·共读一本低碳书"),
    ("sharing_session", "低碳生活分享会"),
    ("lecture", "低碳知识讲座：家庭节能小窍门"),
    ("handicraft", "环保手工：旧物改造"),
    ("clean_plate", "光盘行动打卡周"),
    ("green_travel", "绿色出行日：乘公交去镇上"),
    ("clothes_recycling", "旧衣回收日"),
    ("training", "垃圾分类志愿者培训"),
    ("volunteer_service", "河道清洁志愿服务"),
]

QUIZ_TEXT = """? 废旧电池属于哪一类垃圾？
- 可回收物
* 有害垃圾
- 湿垃圾
- 干垃圾
? 上海生活垃圾分为几类？
- 三类
* 四类
- 五类
? 空调夏季设定温度建议不低于多少摄氏度？
- 20 ℃
- 22 ℃
* 26 ℃
?? 以下哪些是低碳出行方式？
* 步行
* 乘坐公交
* 骑自行车
- 独自驾驶燃油车短途出行
? 1 千瓦时电在全国平均约排放多少二氧化碳？
- 约 0.05 千克
* 约 0.5 千克
- 约 5 千克
?? 以下哪些做法可以减少厨余垃圾？
* 按需购买食材
* 光盘行动
- 把剩菜倒进下水道
? 社区屋顶光伏发的电主要用于？
* 社区公共建筑自用，余电上网
- 全部储存在电池里
- 只在夜间使用
? 绿植认养的主要意义是？
- 增加垃圾量
* 美化环境、增加绿量并带动居民参与
- 替代垃圾分类
? 塑料瓶应投放到？
* 可回收物
- 有害垃圾
- 湿垃圾
? 碳普惠是指？
- 对高排放企业罚款
* 对公众的低碳行为给予激励
- 一种新能源汽车
"""

SURVEY_TEXT = """? 您对本年度低碳活动的总体满意度？
- 非常满意
- 满意
- 一般
- 不满意
?? 您希望增加哪些活动？
- 低碳知识讲座
- 环保手工
- 绿色阅读
- 亲子活动
? 您通常通过什么渠道了解社区活动？
- 微信群
- 公告栏
- 工作人员通知
"""

FEEDBACK = [
    (
        FeedbackCategory.BOOKS,
        "阅读角希望增加垃圾分类的绘本，方便带孩子来看。",
        "已采购《垃圾分类我知道》等3本绘本，放在阅读角第二层。",
        FeedbackStatus.ADOPTED,
        "垃圾分类我知道",
    ),
    (
        FeedbackCategory.BOOKS,
        "想看一些关于家庭节能的书。",
        "已增加《家庭节能100招》。",
        FeedbackStatus.ADOPTED,
        "家庭节能100招",
    ),
    (
        FeedbackCategory.BOOKS,
        "阅读角的书可以多一些大字版，老人看得清。",
        "已调入大字版《低碳生活手册》。",
        FeedbackStatus.ADOPTED,
        "低碳生活手册（大字版）",
    ),
    (
        FeedbackCategory.ACTIVITIES,
        "手工活动能否安排在周末，上班族也能参加？",
        "下季度起每月第二个周六上午安排一场。",
        FeedbackStatus.ADOPTED,
        "",
    ),
    (
        FeedbackCategory.FACILITIES,
        "3号驿站的称重秤不太准。",
        "已更换电子秤并校准。",
        FeedbackStatus.ANSWERED,
        "",
    ),
    (
        FeedbackCategory.ENVIRONMENT,
        "河边的认养绿植需要挂牌。",
        "已为认养绿植统一制作标牌。",
        FeedbackStatus.ADOPTED,
        "",
    ),
    (
        FeedbackCategory.OTHER,
        "积分能换什么东西？",
        "积分商城下月上线，可兑换环保袋、绿植等。",
        FeedbackStatus.ANSWERED,
        "",
    ),
    (
        FeedbackCategory.ACTIVITIES,
        "讲座时间太长了。",
        "讲座控制在45分钟以内，留出提问时间。",
        FeedbackStatus.ANSWERED,
        "",
    ),
    (
        FeedbackCategory.FACILITIES,
        "希望驿站增加充电宝。",
        "驿站空间有限，暂不增加，可到中心借用。",
        FeedbackStatus.DECLINED,
        "",
    ),
    (FeedbackCategory.ENVIRONMENT, "小区垃圾房晚上没有灯。", "", FeedbackStatus.OPEN, ""),
]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _residents(community, sites, rng: random.Random, *, limit: int | None = None) -> list[Resident]:
    """One resident per person of the community's demo households, at the nearest site."""
    households = list(
        Household.objects.filter(building__community=community).select_related("building")
    )
    now = timezone.now()
    home_sites = [s for s in sites if s.kind in (SiteKind.STATION, SiteKind.POST)] or sites
    rows, serial = [], 0
    for household in households:
        for _person in range(household.residents):
            serial += 1
            phone = f"1390000{serial:04d}" if serial < 10_000 else ""
            rows.append(
                Resident(
                    community=community,
                    household=household,
                    name=_name(rng),
                    home_site=home_sites[household.building_id % len(home_sites)],
                    pseudonym=f"R{community.pk:02d}{serial:06d}",
                    phone_encrypted=pii.encrypt(phone),
                    phone_digest=pii.phone_digest(phone) if phone else "",
                    phone_masked=phones.mask_phone(phone) if phone else "",
                    consent_at=now,
                    qr_secret=tokens.new_secret(),
                    qr_issued_at=now,
                )
            )
            if limit and serial >= limit:
                break
        if limit and serial >= limit:
            break
    return Resident.objects.bulk_create(rows, batch_size=1000)


def _at(tz, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz)


def _events(community, sites, types, rng, residents, *, count: int, mean_size: int) -> int:
    """``count`` events in YEAR spread over ``sites``; check-ins of a skewed resident mix."""
    tz = zoneinfo.ZoneInfo(community.time_zone)
    weights = [rng.paretovariate(1.6) for _ in residents]  # a few very active residents
    checkins = []
    for i in range(count):
        code, title = EVENT_PLAN[i % len(EVENT_PLAN)]
        type_ = types[code]
        month = 1 + i * 12 // count
        day = dt.date(YEAR, month, 3 + (i * 7) % 24)
        start = _at(tz, day, rng.choice((9, 10, 14, 15)), rng.choice((0, 30)))
        site = sites[i % len(sites)]
        event = Event.objects.create(
            community=community,
            site=site,
            activity_type=type_,
            title=title,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            capacity=None,
            poster_secret=tokens.new_secret(),
            carbon_label_g=type_.carbon_label_g,
            label_basis=type_.label_basis,
            label_unit=type_.label_unit,
            label_methodology=type_.label_methodology,
            points=type_.points,
            registration_open=False,
        )
        size = max(20, int(rng.gauss(mean_size, mean_size * 0.25)))
        chosen = set()
        while len(chosen) < min(size, len(residents)):
            chosen.update(rng.choices(range(len(residents)), weights=weights, k=size - len(chosen)))
        for j, index in enumerate(sorted(chosen)):
            units = (
                Decimal(rng.choice(("1.5", "2.0", "2.5", "3.0", "4.0")))
                if type_.label_basis == "unit"
                else None
            )
            checkins.append(
                CheckIn(
                    event=event,
                    resident=residents[index],
                    community=community,
                    checked_in_at=start + dt.timedelta(minutes=j % 90),
                    units=units,
                    source=CheckInSource.SCAN if j % 10 else CheckInSource.SEARCH,
                )
            )
    CheckIn.objects.bulk_create(checkins, batch_size=2000)
    return len(checkins)


def _practices(community, posts, rng, residents) -> None:
    tz = zoneinfo.ZoneInfo(community.time_zone)
    volunteers = rng.sample(residents, min(120, len(residents)))
    shifts, weighings = [], []
    materials = [
        m
        for m in ("paper", "cardboard", "pet_bottles", "glass", "aluminium_cans", "textiles")
        if m in recycling.materials()
    ]
    for week in range(52):
        day = dt.date(YEAR, 1, 1) + dt.timedelta(days=7 * week + 5)  # Saturdays
        if day.year != YEAR:
            continue
        for p, post in enumerate(posts):
            for slot, hour in enumerate((7, 18)):
                start = _at(tz, day, hour)
                volunteer = volunteers[(week * 3 + p * 2 + slot) % len(volunteers)]
                verified = rng.random() < 0.95 or week < 50
                shifts.append(
                    SortingShift(
                        community=community,
                        site=post,
                        resident=volunteer,
                        starts_at=start,
                        ends_at=start + dt.timedelta(hours=2),
                        hours=Decimal("2.00"),
                        verified_at=start + dt.timedelta(hours=3) if verified else None,
                    )
                )
            for material in materials:
                if rng.random() < 0.6:
                    kg = Decimal(str(round(rng.uniform(2, 25), 1)))
                    spec = recycling.materials()[material]
                    factor = Decimal(str(spec.kgco2e_per_kg))
                    weighings.append(
                        Weighing(
                            community=community,
                            site=post,
                            material=material,
                            kg=kg,
                            factor_kgco2e_per_kg=factor,
                            factor_source=spec.source,
                            co2e_kg=(kg * factor).quantize(Decimal("0.001")),
                            weighed_at=_at(tz, day, 10, p),
                            resident=rng.choice(residents) if rng.random() < 0.5 else None,
                        )
                    )
    SortingShift.objects.bulk_create(shifts, batch_size=2000)
    Weighing.objects.bulk_create(weighings, batch_size=2000)
    plants = ["绿萝", "月季", "桂花", "吊兰", "多肉", "栀子花"]
    adopters = rng.sample(residents, min(120, len(residents)))
    adoptions = PlantAdoption.objects.bulk_create(
        PlantAdoption(
            community=community,
            site=posts[i % len(posts)],
            resident=r,
            plant=rng.choice(plants),
            location="驿站门前花坛",
            adopted_on=dt.date(YEAR, 3, 12) + dt.timedelta(days=i),
        )
        for i, r in enumerate(adopters)
    )
    logs = [
        CareLog(
            adoption=a,
            logged_at=_at(tz, a.adopted_on + dt.timedelta(days=30 * k), 17),
            note=rng.choice(("浇水", "施肥", "修剪", "除虫")),
        )
        for a in adoptions
        for k in range(1, 6)
    ]
    CareLog.objects.bulk_create(logs, batch_size=2000)


def _quizzes(community, rng, residents) -> None:
    tz = zoneinfo.ZoneInfo(community.time_zone)
    quiz = services.create_quiz(
        actor=None,
        community=community,
        title="低碳知识问卷（2024）",
        kind=QuizKind.QUIZ,
        questions_text=QUIZ_TEXT,
        pass_mark_pct=60,
    )
    questions = list(quiz.questions.prefetch_related("options"))
    correct = {q.pk: {o.pk for o in q.options.all() if o.is_correct} for q in questions}
    attempts, picks = [], []

    def answer(resident, at, skill: float) -> None:
        right = 0
        chosen = {}
        for q in questions:
            options = [o.pk for o in q.options.all()]
            if rng.random() < skill:
                chosen[q.pk] = correct[q.pk]
            else:
                wrong = [o for o in options if {o} != correct[q.pk]]
                chosen[q.pk] = {rng.choice(wrong)}
            right += chosen[q.pk] == correct[q.pk]
        pct = Decimal(100 * right / len(questions)).quantize(Decimal("0.1"))
        attempts.append(
            Attempt(
                quiz=quiz,
                resident=resident,
                community=community,
                submitted_at=at,
                correct=right,
                total=len(questions),
                score_pct=pct,
                passed=pct >= quiz.pass_mark_pct,
            )
        )
        picks.append(chosen)

    takers = rng.sample(residents, min(1500, len(residents)))
    for i, resident in enumerate(takers):
        first = _at(tz, dt.date(YEAR, 4, 1) + dt.timedelta(days=i % 150), 10)
        skill = rng.choice((0.95, 0.9, 0.85, 0.8, 0.7, 0.6))
        answer(resident, first, skill)
        if i % 7 == 0:  # some residents retake it after a lecture
            answer(resident, first + dt.timedelta(days=60), min(1.0, skill + 0.1))
    saved = Attempt.objects.bulk_create(attempts, batch_size=2000)
    Answer.objects.bulk_create(
        (
            Answer(attempt=a, question_id=q, option_id=o)
            for a, chosen in zip(saved, picks, strict=True)
            for q, options in chosen.items()
            for o in options
        ),
        batch_size=5000,
    )
    survey = services.create_quiz(
        actor=None,
        community=community,
        title="年度活动满意度调查",
        kind=QuizKind.SURVEY,
        questions_text=SURVEY_TEXT,
    )
    s_questions = list(survey.questions.prefetch_related("options"))
    s_attempts, s_picks = [], []
    for i, resident in enumerate(rng.sample(residents, min(300, len(residents)))):
        s_attempts.append(
            Attempt(
                quiz=survey,
                resident=resident,
                community=community,
                submitted_at=_at(tz, dt.date(YEAR, 12, 1 + i % 20), 15),
                total=len(s_questions),
            )
        )
        chosen = {}
        for q in s_questions:
            options = [o.pk for o in q.options.all()]
            k = rng.randint(1, 2) if q.kind == "multiple" else 1
            chosen[q.pk] = (
                set(rng.sample(options, k))
                if q.kind == "multiple"
                else {options[min(int(rng.expovariate(1.2)), len(options) - 1)]}
            )
        s_picks.append(chosen)
    saved = Attempt.objects.bulk_create(s_attempts)
    Answer.objects.bulk_create(
        Answer(attempt=a, question_id=q, option_id=o)
        for a, chosen in zip(saved, s_picks, strict=True)
        for q, options in chosen.items()
        for o in options
    )


def _feedback(community, centre, rng, residents) -> None:
    tz = zoneinfo.ZoneInfo(community.time_zone)
    for i, (category, text, reply, status, book) in enumerate(FEEDBACK):
        sent = _at(tz, dt.date(YEAR, 2 + i, 10), 11)
        item = Feedback.objects.create(
            community=community,
            site=centre,
            resident=rng.choice(residents),
            category=category,
            text=text,
            created_at=sent,
            status=status,
            reply=reply,
            replied_at=sent + dt.timedelta(days=5) if reply else None,
        )
        if book:
            Book.objects.create(
                site=centre,
                title=book,
                added_on=(sent + dt.timedelta(days=12)).date(),
                feedback=item,
            )
    for title in ("低碳生活每一天", "垃圾分类知识读本", "身边的碳中和"):
        Book.objects.create(site=centre, title=title, added_on=dt.date(YEAR, 1, 8))


def _upcoming(community, sites, types, *, user=None) -> None:
    """Three events in the coming weeks, open for registration (relative to the load date)."""
    tz = zoneinfo.ZoneInfo(community.time_zone)
    today = timezone.localdate(timezone=tz)
    for k, (code, title) in enumerate(
        [
            ("lecture", "冬季家庭节能讲座"),
            ("handicraft", "环保手工：旧衣改造"),
            ("clean_plate", "光盘行动打卡周"),
        ]
    ):
        start = _at(tz, today + dt.timedelta(days=3 + 7 * k), 14)
        services.create_event(
            actor=user,
            community=community,
            site=sites[k],
            activity_type=types[code],
            title=title,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            capacity=60,
            self_check_in=code == "clean_plate",
        )


def load(tree) -> None:
    from nearzero.accounts.models import User

    sync_catalogue()
    types = {t.code: t for t in ActivityType.objects.filter(community=None)}
    rng = random.Random(SEED)

    dongping = tree.dongping
    sites = [s for s in tree.dongping_sites if s.kind in (SiteKind.STATION, SiteKind.POST)]
    posts = [s for s in sites if s.kind == SiteKind.POST]
    centre = next(s for s in tree.dongping_sites if s.kind == SiteKind.CENTRE)
    residents = _residents(dongping, tree.dongping_sites, rng)
    demo_user = User.objects.filter(username="dongping_resident").first()
    if demo_user is not None:
        me = residents[0]
        me.user = demo_user
        me.name = demo_user.display_name or me.name
        me.save(update_fields=["user", "name"])
    participations = _events(dongping, sites, types, rng, residents, count=48, mean_size=250)
    _practices(dongping, posts, rng, residents)
    _quizzes(dongping, rng, residents)
    _feedback(dongping, centre, rng, residents)
    _upcoming(dongping, sites, types)
    record(
        "engagement.demo.loaded",
        community=dongping,
        object_type="demo",
        object_label="engagement",
        changes={"residents": [None, len(residents)], "participations": [None, participations]},
    )

    qiyang = tree.qiyang
    q_sites = list(tree.qiyang_sites)
    q_residents = _residents(qiyang, q_sites, rng, limit=600)
    q_participations = _events(qiyang, q_sites, types, rng, q_residents, count=12, mean_size=60)
    record(
        "engagement.demo.loaded",
        community=qiyang,
        object_type="demo",
        object_label="engagement",
        changes={"residents": [None, len(q_residents)], "participations": [None, q_participations]},
    )
