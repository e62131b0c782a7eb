"""Check (default) or update (--update) the translation catalogues.

Check fails when a .po file is stale (its messages differ from what makemessages extracts
from the code) or when a .mo file does not match its .po (not compiled). Needs GNU gettext
(msgfmt, xgettext), as Django's makemessages does.
"""

from __future__ import annotations

import argparse
import gettext
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "nearzero" / "locale"
LANGUAGES = ("zh_Hans", "en")
MAKEMESSAGES = [
    "makemessages",
    "--no-obsolete",
    "--add-location=file",
    "--ignore=.venv/*",
    "--ignore=tests/*",
    "--ignore=benchmarks/*",
    "--ignore=static/vendor/*",
] + [f"--locale={lang}" for lang in LANGUAGES]
_VOLATILE = re.compile(r'^"POT-Creation-Date: .*\\n"$', re.MULTILINE)


def _manage(*args: str) -> None:
    env = dict(os.environ, NEARZERO_DATA_DIR=tempfile.mkdtemp(prefix="nearzero-msg-"))
    subprocess.run(
        [sys.executable, "-m", "nearzero", "manage", *args],
        cwd=ROOT / "nearzero",
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _po_files() -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in LOCALE.glob("*/LC_MESSAGES/django.po")}


def _catalog(mo: Path) -> dict:
    with mo.open("rb") as fh:
        return dict(gettext.GNUTranslations(fh)._catalog)


def update() -> int:
    _manage(*MAKEMESSAGES)
    _manage("compilemessages", "--ignore=.venv/*")
    print("catalogues updated and compiled")
    return 0


def check() -> int:
    if not shutil.which("msgfmt"):
        print("check_messages: GNU gettext (msgfmt) is needed: apt-get install gettext")
        return 2
    problems: list[str] = []
    before = _po_files()
    if len(before) != len(LANGUAGES):
        problems.append(f"expected catalogues for {', '.join(LANGUAGES)} under {LOCALE}")
    try:
        _manage(*MAKEMESSAGES)
        after = _po_files()
    finally:
        for path, text in before.items():
            path.write_text(text, encoding="utf-8")
    for path, text in after.items():
        if _VOLATILE.sub("", text) != _VOLATILE.sub("", before.get(path, "")):
            problems.append(f"{path.relative_to(ROOT)} is stale: run `make messages`")
    with tempfile.TemporaryDirectory() as tmp:
        for po in before:
            mo = po.with_suffix(".mo")
            fresh = Path(tmp) / "fresh.mo"
            subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(po)], check=True)
            if not mo.exists() or _catalog(mo) != _catalog(fresh):
                problems.append(
                    f"{mo.relative_to(ROOT)} is not compiled from its .po: run `make messages`"
                )
    for problem in problems:
        print(problem)
    if not problems:
        print("translation catalogues are up to date and compiled")
    return 1 if problems else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--update", action="store_true")
    sys.exit(update() if parser.parse_args().update else check())
