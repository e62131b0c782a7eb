"""nearzero.core: pure, and its numbers checked against hand-computed values."""

from __future__ import annotations

import ast
import math
import subprocess
import sys
from pathlib import Path

import pytest

from nearzero.core import envconf, geo, tree

CORE = Path(__file__).resolve().parent.parent / "nearzero" / "core"


def test_core_never_imports_django():
    offenders = []
    for path in CORE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "django"]
    assert not offenders, offenders


def test_core_imports_in_a_process_without_django():
    modules = sorted(p.stem for p in CORE.glob("*.py") if p.stem != "__init__")
    code = (
        "import sys\n"
        + "".join(f"import nearzero.core.{m}\n" for m in modules)
        + "assert not any(m.split('.')[0] == 'django' for m in sys.modules), 'django imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_haversine_one_degree_of_latitude():
    # Hand-computed: 2·π·R/360 with R = 6,371,008.8 m → 111,195.08 m.
    expected = 2 * math.pi * 6_371_008.8 / 360
    assert geo.haversine_m(121.0, 31.0, 121.0, 32.0) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(111_195.08, abs=0.01)


def test_haversine_shanghai_to_chengdu():
    # People's Square (121.4737, 31.2304) → Tianfu Square (104.0657, 30.6574): the published
    # great-circle distance is about 1,660 km.
    assert geo.haversine_m(121.4737, 31.2304, 104.0657, 30.6574) == pytest.approx(1.660e6, rel=0.01)


SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}


def test_polygon_validation_accepts_and_measures():
    assert geo.validate_polygon(SQUARE) is SQUARE
    assert geo.bbox(SQUARE) == geo.BBox(0, 0, 1, 1)
    assert geo.point_in_polygon(0.5, 0.5, SQUARE)
    assert not geo.point_in_polygon(1.5, 0.5, SQUARE)


@pytest.mark.parametrize(
    ("geometry", "code"),
    [
        ({"type": "Point", "coordinates": [0, 0]}, "not_polygon"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}, "short_ring"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}, "open_ring"),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 95], [0, 0]]]},
            "lat_out_of_range",
        ),
        ({"type": "Polygon", "coordinates": []}, "empty"),
        ("not a dict", "not_geojson"),
    ],
)
def test_polygon_validation_rejects_with_a_code(geometry, code):
    with pytest.raises(geo.GeometryError) as info:
        geo.validate_polygon(geometry)
    assert info.value.code == code


def test_tree_paths():
    assert tree.child_path(None, 1) == "1/"
    assert tree.child_path("1/4/", 9) == "1/4/9/"
    assert tree.path_ids("1/4/9/") == [1, 4, 9]
    assert tree.is_within("1/4/9/", "1/4/")
    assert not tree.is_within("1/40/", "1/4/")  # the trailing slash prevents prefix mix-ups
    assert tree.depth("1/4/9/") == 3
    with pytest.raises(ValueError):
        tree.child_path("1/", 0)


@pytest.mark.parametrize(
    ("reader", "value", "message"),
    [
        (lambda e: envconf.env_bool("DEBUG", False, environ=e), "maybe", "not a boolean"),
        (lambda e: envconf.env_int("N", 1, environ=e), "ten", "not an integer"),
        (lambda e: envconf.env_int("N", 1, minimum=0, environ=e), "-1", "below the minimum"),
        (lambda e: envconf.env_time_zone("N", "UTC", environ=e), "Mars/Olympus", "IANA time zone"),
        (lambda e: envconf.env_choice("N", "a", ("a", "b"), environ=e), "c", "not one of a, b"),
        (lambda e: envconf.env_tile_url("N", environ=e), "https://t.example/{z}.png", "{x}"),
    ],
)
def test_env_readers_fail_loudly_naming_the_variable(reader, value, message):
    with pytest.raises(envconf.ConfigError) as info:
        reader({"DEBUG": value, "N": value})
    assert message in str(info.value)
    assert repr(value) in str(info.value)


def test_env_readers_parse_good_values(tmp_path):
    env = {"B": "yes", "I": "42", "L": "a, b,,c", "T": "Asia/Chongqing", "D": str(tmp_path / "x")}
    assert envconf.env_bool("B", False, environ=env) is True
    assert envconf.env_int("I", 0, environ=env) == 42
    assert envconf.env_list("L", [], environ=env) == ["a", "b", "c"]
    assert envconf.env_time_zone("T", "UTC", environ=env) == "Asia/Chongqing"
    assert envconf.env_dir("D", tmp_path, environ=env).is_dir()


def test_numbers_round_half_up_and_group_like_the_pages():
    from django.template.defaultfilters import floatformat

    from nearzero.core.numbers import grouped, round_half_up

    assert round(83.35, 1) == 83.3  # Python's round: the binary value is just below .35
    assert round_half_up(83.35, 1) == 83.4 == float(floatformat(83.35, 1))
    assert round_half_up(-3.45, 1) == -3.5
    assert grouped(6120.0) == "6,120"
    assert grouped(61633.2, 2) == "61,633.20"
    assert grouped(2.5) == "3"
