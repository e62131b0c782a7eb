"""Simplified Chinese by default, English available, every catalogue entry translated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parent.parent / "nearzero" / "locale"


def _entries(po: Path) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) of each entry, plural forms joined."""
    entries = []
    for block in po.read_text(encoding="utf-8").split("\n\n")[1:]:
        fuzzy = "#, fuzzy" in block
        msgid = "".join(re.findall(r'^msgid(?:_plural)? "(.*)"', block, re.M))
        continuation = re.findall(r'^msgstr(?:\[\d\])? "(.*)"((?:\n".*")*)', block, re.M)
        msgstr = "".join(a + "".join(re.findall(r'"(.*)"', b)) for a, b in continuation)
        if msgid or msgstr:
            entries.append((msgid, msgstr, fuzzy))
    return entries


def test_chinese_catalogue_is_complete():
    entries = _entries(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po")
    assert len(entries) > 150
    untranslated = [m for m, s, fuzzy in entries if not s or fuzzy]
    assert not untranslated, f"{len(untranslated)} untranslated: {untranslated[:10]}"


def test_chinese_uses_the_polite_you():
    text = (LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    msgstrs = "".join(re.findall(r"^msgstr.*$", text, re.M))
    assert "你" not in msgstrs  # STYLE.md: 您, not 你


@pytest.mark.parametrize(
    ("language", "expected", "absent"),
    [
        ("zh-hans", ["仪表盘", "东平镇社区", "常住人口"], ["Dashboard"]),
        ("en", ["Dashboard", "Dongping Town Community", "population"], ["仪表盘"]),
    ],
)
def test_dashboard_in_both_languages(language, expected, absent, client_for):
    from django.conf import settings

    client = client_for("admin")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get("/c/dongping/").content.decode()
    assert f'<html lang="{language}">' in html
    for text in expected:
        assert text in html, text
    for text in absent:
        assert text not in html, text


def test_language_switch_sets_the_cookie(client_for):
    client = client_for("station")
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/c/dongping/"})
    assert response.status_code == 302 and response["Location"] == "/c/dongping/"
    assert "Dashboard" in client.get("/c/dongping/").content.decode()


def test_number_filters_group_thousands_the_same_in_every_language():
    from django.utils import translation

    from nearzero.web.templatetags.nearzero import grouped, number, tonnes

    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert grouped(6120) == "6,120"
            assert grouped(2361.7) == "2,362"  # rounded, not truncated
            assert grouped("11926") == "11,926"
            assert grouped(None) == "" and grouped("n/a") == "n/a"
            assert tonnes(42070.14) == "42,070.1"
            assert number(16000) == "16,000" and number(1.25) == "1.25"
