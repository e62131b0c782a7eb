"""The district pages: the table and map of the communities an officer oversees, and two
communities side by side. Numbers are compared with the domains' own selectors."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nearzero.circle import selectors as circle_selectors
from nearzero.engagement import selectors as engagement_selectors
from nearzero.evaluation import selectors as evaluation_selectors
from nearzero.inventory import selectors as inventory_selectors
from nearzero.inventory import services as inventory_services
from nearzero.inventory.models import Inventory
from nearzero.sites import services as site_services
from nearzero.sites.models import Community, Region

DISTRICT = "/evaluation/district/"
COMPARE = "/evaluation/compare/"


class _Table(HTMLParser):
    """Rows of the district table: ``{slug: {data-key: data-value}}`` in page order, the
    header keys with their links and aria-sort, and the map's GeoJSON."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self.cells: dict[str, dict[str, dict[str, str]]] = {}
        self.order: list[str] = []
        self.headers: dict[str, dict[str, str]] = {}
        self._row: str | None = None
        self._th: str | None = None
        self._script = False
        self.features_text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and "data-community" in a:
            self._row = a["data-community"]
            self.order.append(self._row)
            self.rows[self._row] = {}
            self.cells[self._row] = {}
        elif tag in ("td", "th") and self._row and "data-key" in a:
            self.rows[self._row][a["data-key"]] = a.get("data-value", "")
            self.cells[self._row][a["data-key"]] = a
        elif tag == "th" and self._row is None and "data-key" in a:
            self._th = a["data-key"]
            self.headers[self._th] = {"aria-sort": a.get("aria-sort", "")}
        elif tag == "a" and self._th:
            self.headers[self._th]["href"] = a["href"]
        elif tag == "script" and a.get("id") == "district-features":
            self._script = True

    def handle_endtag(self, tag):
        if tag == "tr":
            self._row = None
        elif tag == "th":
            self._th = None
        elif tag == "script":
            self._script = False

    def handle_data(self, data):
        if self._script:
            self.features_text += data

    @property
    def features(self) -> dict:
        return json.loads(self.features_text)


def _table(response) -> _Table:
    assert response.status_code == 200, response.status_code
    parser = _Table()
    parser.feed(response.content.decode())
    return parser


def _number(text: str) -> float | None:
    return None if text == "" else float(text)


def _community(actor, region, slug: str, name_zh: str, population: int, **extra) -> Community:
    values = {
        "name_zh": name_zh,
        "name_en": slug.title(),
        "slug": slug,
        "region": region,
        "pilot_type": "existing_urban",
        "province": "310000",
        "grid_region": "east",
        "population": population,
        "households": population // 3,
        "floor_area_m2": "30000",
        "time_zone": "Asia/Shanghai",
    }
    values.update(extra)
    return site_services.create_community(actor=actor, **values)


@pytest.fixture
def extra(users):
    """Two more communities in Chongming (one in a new town) and two in Shuangliu."""
    admin = users["superuser"]
    chongming = Region.objects.get(name_en="Chongming District")
    shuangliu = Region.objects.get(name_en="Shuangliu District")
    gangxi = site_services.create_region(
        actor=admin, name_zh="港西镇", name_en="Gangxi Town", level="town", parent=chongming
    )
    dongping_town = Region.objects.get(name_en="Dongping Town")
    peng = Community.objects.get(slug="qiyang").region
    huangjia = site_services.create_region(
        actor=admin, name_zh="黄甲街道", name_en="Huangjia", level="town", parent=shuangliu
    )
    square = [[121.40, 31.60], [121.41, 31.60], [121.41, 31.61], [121.40, 31.61], [121.40, 31.60]]
    sichuan = {"province": "510000", "grid_region": "southwest", "pilot_type": "rural"}
    return {
        "chongming": [
            _community(
                admin,
                gangxi,
                "gangxi",
                "港西社区",
                900,
                boundary={"type": "Polygon", "coordinates": [square]},
            ),
            _community(admin, dongping_town, "xinhe", "新河社区", 1500),
        ],
        "shuangliu": [
            _community(admin, huangjia, "huangjia", "黄甲社区", 2100, **sichuan),
            _community(admin, peng, "pengzhen", "彭镇社区", 800, **sichuan),
        ],
    }


# --- (a) who sees what -------------------------------------------------------------------


def test_each_officer_sees_exactly_the_communities_of_their_district(client_for, extra):
    chongming = {"dongping"} | {c.slug for c in extra["chongming"]}
    shuangliu = {"qiyang"} | {c.slug for c in extra["shuangliu"]}
    assert set(_table(client_for("officer").get(DISTRICT)).rows) == chongming
    assert set(_table(client_for("outsider").get(DISTRICT)).rows) == shuangliu
    everything = set(Community.objects.values_list("slug", flat=True))
    assert set(_table(client_for("superuser").get(DISTRICT)).rows) == everything
    assert everything >= chongming | shuangliu
    # A community admin sees their own community only; residents and strangers get nothing.
    assert set(_table(client_for("admin").get(DISTRICT)).rows) == {"dongping"}
    assert client_for("resident").get(DISTRICT).status_code == 404
    assert client_for("anonymous").get(DISTRICT).status_code == 302


def test_the_map_has_a_point_for_every_community_and_the_boundaries(client_for, extra):
    table = _table(client_for("officer").get(DISTRICT))
    features = table.features["features"]
    points = {f["properties"]["slug"] for f in features if f["properties"]["role"] == "community"}
    boundaries = {
        f["properties"]["slug"] for f in features if f["properties"]["role"] == "boundary"
    }
    # Xinhe has neither sites nor a boundary: it cannot be placed.
    assert points == {"dongping", "gangxi"}
    assert boundaries == {"dongping", "gangxi"}
    dongping = next(f for f in features if f["properties"]["slug"] == "dongping")
    assert dongping["properties"]["url"] == "/c/dongping/"
    # Coloured by the default standard's result, which the table shows too.
    assert (
        dongping["properties"]["result"]
        == table.cells["dongping"]["std:nearzero-default"]["data-result"]
    )
    gangxi = next(f for f in features if f["properties"]["slug"] == "gangxi")
    assert gangxi["geometry"]["type"] == "Polygon"
    assert gangxi["properties"]["state"] == "not_assessed"


def test_the_community_list_links_to_the_district_overview(client_for):
    html = client_for("officer").get("/communities/").content.decode()
    assert 'href="/evaluation/district/"' in html


# --- (b) the numbers are the domains' numbers ---------------------------------------------


@pytest.mark.parametrize("slug", ["dongping", "qiyang"])
def test_table_values_equal_the_domain_selectors(client_for, slug):
    community = Community.objects.get(slug=slug)
    row = _table(client_for("superuser").get(DISTRICT)).rows[slug]

    latest, previous = Inventory.objects.filter(community=community).order_by("-year")[:2]
    computed = inventory_selectors.compute(latest)
    assert int(row["year"]) == latest.year
    assert _number(row["net"]) == pytest.approx(computed.result.net_tco2e, rel=1e-12)
    assert _number(row["intensity"]) == pytest.approx(
        computed.result.intensity_tco2e_per_resident, rel=1e-12
    )
    base, decomposition = inventory_selectors.year_on_year(computed)
    assert base == previous
    assert _number(row["change"]) == pytest.approx(decomposition.change_pct, rel=1e-12)

    circle = circle_selectors.summary(community)
    assert _number(row["coverage"]) == pytest.approx(circle["coverage_pct"])
    kpis = engagement_selectors.summary(community, latest.year).total
    assert _number(row["knowledge"]) == (
        None if kpis.knowledge_rate_pct is None else pytest.approx(kpis.knowledge_rate_pct)
    )
    tasks = evaluation_selectors.task_counts([community.pk])[community.pk]
    assert int(row["open"]) == tasks["open"] and int(row["overdue"]) == tasks["overdue"]
    assert int(row["population"]) == community.population

    # Each assessed standard: the latest assessment's evaluation.
    for assessment in community.assessments.order_by("standard", "-year"):
        key = f"std:{assessment.standard}"
        cell = _table(client_for("superuser").get(DISTRICT)).cells[slug][key]
        if int(cell["data-year"]) != assessment.year:
            continue  # an older assessment of the same standard
        evaluation = evaluation_selectors.evaluation_for(
            community, assessment.standard, assessment.year
        )
        assert cell["data-result"] == evaluation.result
        assert _number(cell["data-value"]) == pytest.approx(evaluation.score_pct)
        assert cell["data-state"] == ("submitted" if assessment.frozen else "draft")


def test_demo_values_are_the_seeds(client_for):
    """The seeds' own figures, as a reader of the page would check them."""
    rows = _table(client_for("superuser").get(DISTRICT)).rows
    assert rows["dongping"]["year"] == "2024" and rows["qiyang"]["year"] == "2023"
    assert _number(rows["qiyang"]["change"]) < 0  # Qiyang's emissions fell


def test_standard_filter_shows_that_standard_and_colours_the_map_by_it(client_for):
    table = _table(client_for("superuser").get(DISTRICT + "?standard=ndrc-2015"))
    standard_headers = [k for k in table.headers if k.startswith("std:")]
    assert standard_headers == ["std:ndrc-2015"]
    dongping = next(f for f in table.features["features"] if f["properties"]["slug"] == "dongping")
    assert (
        dongping["properties"]["result"] == table.cells["dongping"]["std:ndrc-2015"]["data-result"]
    )
    # Sort links keep the filter.
    assert "standard=ndrc-2015" in table.headers["net"]["href"]
    assert client_for("superuser").get(DISTRICT + "?standard=nope").status_code == 404


# --- (c) sorting ---------------------------------------------------------------------------


def test_sorting_both_ways_with_nulls_last(client_for, extra):
    client = client_for("superuser")
    empty = sorted(
        Community.objects.exclude(inventories__isnull=False).values_list("slug", flat=True)
    )
    assert {c.slug for c in extra["chongming"] + extra["shuangliu"]} <= set(empty)

    ascending = _table(client.get(DISTRICT + "?sort=net&dir=asc"))
    nets = [_number(ascending.rows[s]["net"]) for s in ascending.order]
    present = [n for n in nets if n is not None]
    assert present == sorted(present) and len(present) >= 2
    assert nets[len(present) :] == [None] * (len(nets) - len(present))  # nulls last
    assert ascending.headers["net"]["aria-sort"] == "ascending"
    assert "dir=desc" in ascending.headers["net"]["href"]  # the heading reverses the order
    assert "dir=asc" in ascending.headers["population"]["href"]

    descending = _table(client.get(DISTRICT + "?sort=net&dir=desc"))
    nets = [_number(descending.rows[s]["net"]) for s in descending.order]
    assert [n for n in nets if n is not None] == sorted(present, reverse=True)
    assert nets[len(present) :] == [None] * (len(nets) - len(present))  # still last
    assert descending.headers["net"]["aria-sort"] == "descending"
    # Rows without a value keep a stable (name) order in both directions.
    tail_asc = ascending.order[len(present) :]
    tail_desc = descending.order[len(present) :]
    assert tail_asc == tail_desc

    by_population = _table(client.get(DISTRICT + "?sort=population&dir=desc"))
    populations = [int(by_population.rows[s]["population"]) for s in by_population.order]
    assert populations == sorted(populations, reverse=True)

    by_score = _table(client.get(DISTRICT + "?sort=std:nearzero-default&dir=desc"))
    scores = [_number(by_score.rows[s]["std:nearzero-default"]) for s in by_score.order]
    present_scores = [s for s in scores if s is not None]
    assert present_scores == sorted(present_scores, reverse=True)
    assert scores[len(present_scores) :] == [None] * (len(scores) - len(present_scores))

    # An unknown key falls back to the name order.
    assert _table(client.get(DISTRICT + "?sort=bogus")).headers["name"]["aria-sort"] == (
        "ascending"
    )


# --- (d) comparing two communities -------------------------------------------------------


class _Compare(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.columns: list[str] = []
        self.cells: list[dict[str, str]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "th" and "data-community" in a:
            self.columns.append(a["data-community"])
        elif tag == "td" and ("data-key" in a or "data-indicator" in a):
            self.cells.append(a)

    def by(self, attr: str, value: str) -> list[dict[str, str]]:
        return [c for c in self.cells if c.get(attr) == value]


def _compare(response) -> _Compare:
    assert response.status_code == 200, response.status_code
    parser = _Compare()
    parser.feed(response.content.decode())
    return parser


def test_compare_shows_both_columns_with_the_standards_indicators(client_for):
    page = _compare(
        client_for("superuser").get(COMPARE + "?a=dongping&b=qiyang&standard=nearzero-default")
    )
    assert page.columns == ["dongping", "qiyang"]
    dongping, qiyang = (Community.objects.get(slug=s) for s in ("dongping", "qiyang"))
    populations = [c["data-value"] for c in page.by("data-key", "population")]
    assert populations == [str(dongping.population), str(qiyang.population)]
    nets = [_number(c["data-value"]) for c in page.by("data-key", "net_tco2e")]
    for community, net in zip((dongping, qiyang), nets, strict=True):
        latest = Inventory.objects.filter(community=community).order_by("-year").first()
        assert net == pytest.approx(inventory_selectors.compute(latest).result.net_tco2e)

    standard = evaluation_selectors.get_standard("nearzero-default")
    evaluations = [
        evaluation_selectors.evaluation_for(dongping, "nearzero-default", 2024),
        evaluation_selectors.evaluation_for(qiyang, "nearzero-default", 2023),
    ]
    assert [c["data-result"] for c in page.by("data-key", "result")] == [
        e.result for e in evaluations
    ]
    for indicator in standard.indicators:
        cells = page.by("data-indicator", indicator.id)
        assert len(cells) == 2, indicator.id
        results = [{r.id: r for r in e.indicators}[indicator.id] for e in evaluations]
        assert [c["data-status"] for c in cells] == [r.status for r in results]
        values = [r.value for r in results]
        better = [c.get("data-better") == "true" for c in cells]
        if None in values or values[0] == values[1]:
            assert better == [False, False], indicator.id
        elif indicator.kind == "number":
            wanted = max if indicator.direction == "higher" else min
            assert better[values.index(wanted(values))], indicator.id
            assert sum(better) == 1


def test_compare_answers_404_outside_the_users_scope(client_for, extra):
    officer = client_for("officer")
    assert officer.get(COMPARE + "?a=dongping&b=gangxi").status_code == 200
    assert officer.get(COMPARE + "?a=dongping&b=qiyang").status_code == 404
    assert officer.get(COMPARE + "?a=huangjia&b=dongping").status_code == 404
    assert officer.get(COMPARE + "?a=dongping&b=gangxi&standard=nope").status_code == 404
    assert client_for("outsider").get(COMPARE + "?a=qiyang&b=dongping").status_code == 404
    assert client_for("resident").get(COMPARE).status_code == 404
    # Without a choice the page picks two communities the user may see.
    page = _compare(client_for("outsider").get(COMPARE))
    assert set(page.columns) <= {"qiyang", "huangjia", "pengzhen"} and len(page.columns) == 2


def test_compare_for_a_given_year_reads_that_years_inventory(client_for):
    page = _compare(client_for("superuser").get(COMPARE + "?a=dongping&b=qiyang&year=2023"))
    years = [c["data-value"] for c in page.by("data-key", "inventory_year")]
    assert years == ["2023", "2023"]
    # A year without inventories shows none, not another year's.
    page = _compare(client_for("superuser").get(COMPARE + "?a=dongping&b=qiyang&year=2019"))
    assert [c["data-value"] for c in page.by("data-key", "inventory_year")] == ["", ""]


def test_a_user_with_one_community_compares_it_alone(client_for):
    page = _compare(client_for("station").get(COMPARE))
    assert page.columns == ["dongping"]


# --- (e) queries ---------------------------------------------------------------------------

#: Queries each further community adds to the district page (45 measured). The inventory is
#: read for all communities at once (compute_many) and the tasks and assessments in one query
#: each; what remains per row are the domains without a batch read: the circle summary (~9),
#: the engagement summary (~12) and the chosen standard's evaluation, which for a community
#: without a frozen submission reads the remaining domains (inventory, energy, points)
#: through evaluation.sources, reusing the row's circle and engagement readings (~8).
#: Measured: 29 a row.
PER_ROW_QUERIES = 32


def _with_inventory(community, actor) -> None:
    inventory = inventory_services.create_inventory(actor=actor, community=community, year=2024)
    inventory_services.record_activity(
        inventory,
        actor=actor,
        origin="form",
        month=0,
        activity_type="diesel",
        category="agriculture",
        quantity=100,
        unit="L",
    )


def _count(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(DISTRICT).status_code == 200
    activity_reads = sum("inventory_activityrecord" in q["sql"] for q in queries.captured_queries)
    return len(queries.captured_queries), activity_reads


def test_query_count_grows_by_a_constant_per_community(client_for, users):
    client = client_for("officer")
    client.get(DISTRICT)  # warm caches (sessions, content types, the circle's answers)
    town = Region.objects.get(name_en="Dongping Town")
    counts = [_count(client)]
    for batch in range(2):
        for i in range(3):
            community = _community(users["superuser"], town, f"q{batch}{i}", f"社区{batch}{i}", 500)
            _with_inventory(community, users["superuser"])
        client.get(DISTRICT)
        counts.append(_count(client))
    (q1, a1), (q4, a4), (q7, a7) = counts
    # The same cost for each further row (give or take the one query that places
    # communities without a centre or boundary on the map, asked only when there are some).
    assert abs((q7 - q4) - (q4 - q1)) <= 1, counts
    assert (q7 - q4) / 3 <= PER_ROW_QUERIES, counts
    # The table reads all inventories' activity in one query; the rest are the chosen
    # standard's live evaluations, one per community without a frozen submission.
    assert a7 - a4 == a4 - a1 <= 3, counts
