"""The ``nearzero`` command line.

Every capability adds its sub-commands by listing a module in :data:`COMMAND_MODULES`; such a
module has ``register(subparsers, common)`` that adds parsers whose ``handler`` takes the
parsed arguments and returns an exit code. Django's management commands are reachable as
``nearzero manage COMMAND …`` (and directly, e.g. ``nearzero migrate``).

Exit codes: 0 success, 1 a check or an operation failed, 2 bad input or configuration.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

COMMAND_MODULES = [
    "nearzero.cli_base",
    "nearzero.sites.cli",
    "nearzero.inventory.cli",
    "nearzero.energy.cli_pv",
    "nearzero.engagement.cli",
    "nearzero.points.cli",
    "nearzero.circle.cli",
    "nearzero.reports.cli",
    "nearzero.evaluation.cli",
]


class CLIError(Exception):
    """Bad input or configuration: printed without a traceback, exit code 2."""


def setup_django(data_dir: str | None = None) -> None:
    """Point the settings at ``data_dir`` (if given) and start Django."""
    if data_dir:
        os.environ["NEARZERO_DATA_DIR"] = str(Path(data_dir).expanduser().resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nearzero.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        raise CLIError(f"configuration error: {exc}") from None


def emit(data: Any, fmt: str, human: str) -> None:
    """Print ``data`` as JSON (machines) or ``human`` text (people)."""
    if fmt == "json":
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(human.rstrip("\n") + "\n")


def common_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="data folder (SQLite database, interval store, uploads); "
        "default $NEARZERO_DATA_DIR or ./data",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    common = common_parser()
    parser = argparse.ArgumentParser(
        prog="nearzero",
        description="nearzero — open platform for near-zero-carbon communities (近零碳社区).",
        parents=[common],
    )
    from nearzero import __version__

    parser.add_argument("--version", action="version", version=f"nearzero {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers, common)
    return parser


def _django_passthrough(argv: list[str]) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["nearzero", *argv])
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    known = set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    pre, rest = common_parser().parse_known_args(argv)
    first = next((a for a in rest if not a.startswith("-")), None)
    try:
        if first is not None and first not in known:
            # Not one of ours: hand it to Django (`nearzero migrate`, `nearzero shell` …).
            setup_django(getattr(pre, "data_dir", None))
            return _django_passthrough(rest)
        args = parser.parse_args(argv)
        if not getattr(args, "handler", None):
            parser.print_help()
            return 2
        return int(args.handler(args) or 0)
    except CLIError as exc:
        print(f"nearzero: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
