"""`nearzero standards …` and `nearzero evaluate …`: the standards, and a community scored
against one of them for a year."""

from __future__ import annotations

import argparse
from pathlib import Path

from nearzero.cli import CLIError, emit, setup_django


def register(subparsers, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "standards", parents=[common], help="near-zero-carbon standards: list, check, add"
    )
    sub = parser.add_subparsers(dest="standards_command", metavar="COMMAND", required=True)
    listing = sub.add_parser("list", parents=[common], help="the shipped and added standards")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    listing.set_defaults(handler=_list)
    for name, handler, text in (
        ("check", _check, "check a standard file (YAML) without adding it"),
        ("add", _add, "add a standard file (YAML); the same file again changes nothing"),
    ):
        p = sub.add_parser(name, parents=[common], help=text)
        p.add_argument("file", type=Path)
        p.add_argument("--format", choices=("text", "json"), default="text")
        p.set_defaults(handler=handler)

    evaluate = subparsers.add_parser(
        "evaluate",
        parents=[common],
        help="score a community against a standard for a year: values, statuses, gaps, result",
    )
    evaluate.add_argument("--community", required=True, help="community slug")
    evaluate.add_argument("--standard", required=True, help="standard id (nearzero standards list)")
    evaluate.add_argument("--period", type=int, required=True, help="year, e.g. 2024")
    evaluate.add_argument("--format", choices=("text", "json"), default="text")
    evaluate.set_defaults(handler=_evaluate)


def _list(args) -> int:
    setup_django(getattr(args, "data_dir", None))
    from . import selectors

    rows = selectors.standards_listing()
    human = "\n".join(
        f"{r['id']:<18} {r['version']:<8} {r['indicators']:>3} indicators  {r['name_zh']}"
        f"{'' if r['shipped'] else '  (added)'}"
        for r in rows
    )
    emit(rows, args.format, human)
    return 0


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CLIError(f"{path}: {exc.strerror}") from None


def _check(args) -> int:
    setup_django(getattr(args, "data_dir", None))
    from nearzero.core.evaluation import StandardError, parse

    from . import sources

    try:
        standard = parse(_read(args.file), str(args.file), measures=sources.measure_names())
    except StandardError as exc:
        raise CLIError(str(exc)) from None
    data = {"id": standard.id, "version": standard.version, "indicators": len(standard.indicators)}
    emit(data, args.format, f"{args.file}: OK, {standard.id} {standard.version}")
    return 0


def _add(args) -> int:
    setup_django(getattr(args, "data_dir", None))
    from nearzero.core.errors import DomainError
    from nearzero.core.evaluation import StandardError

    from . import services

    try:
        row, created = services.add_standard(
            actor=None, data=_read(args.file), filename=args.file.name
        )
    except (StandardError, DomainError) as exc:
        raise CLIError(str(exc)) from None
    data = {"id": row.code, "version": row.version, "created": created}
    human = f"added {row.code} {row.version}" if created else f"{row.code}: unchanged"
    emit(data, args.format, human)
    return 0


def _evaluate(args) -> int:
    setup_django(getattr(args, "data_dir", None))
    from nearzero.sites.models import Community

    from . import selectors

    community = Community.objects.filter(slug=args.community).first()
    if community is None:
        raise CLIError(f"no community {args.community!r}")
    try:
        standard = selectors.get_standard(args.standard)
    except LookupError:
        raise CLIError(f"no standard {args.standard!r} (see: nearzero standards list)") from None
    if community.pilot_type not in standard.community_types:
        raise CLIError(f"{standard.id} does not cover {community.pilot_type} communities")
    data = selectors.evaluation_report(community, standard.id, args.period)
    lines = [
        f"{community.name_zh} · {standard.name.zh} · {args.period}: {data['result']}"
        f" (score {data['score_pct']}%, pass at {data['pass_score_pct']}%)"
    ]
    for row in data["indicators"]:
        lines.append(
            f"  {row['status']:<15} {row['id']:<28} {row['value_text']:>14}  "
            f"{row['threshold_text']:<14} {row['source']}"
        )
    lines += [f"  gap: {g}" for g in data["gaps"]]
    emit(data, args.format, "\n".join(lines))
    return 0
