"""`nearzero report …`: the acceptance self-evaluation report, the annual report and the
Excel workbooks of a community, written to a file.

Exit codes: 0 written; 2 an unknown community, standard or year, or an unsupported file
suffix (nothing is written).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nearzero.cli import CLIError, setup_django

SUFFIXES = {"acceptance": (".pdf", ".docx"), "annual": (".pdf",), "workbook": (".xlsx",)}


def register(subparsers, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "report",
        parents=[common],
        help="acceptance self-evaluation report, annual report, Excel workbooks",
    )
    sub = parser.add_subparsers(dest="report_command", metavar="COMMAND", required=True)

    def options(p: argparse.ArgumentParser, suffixes: str) -> None:
        p.add_argument("--community", required=True, help="community slug, e.g. dongping")
        p.add_argument("--year", required=True, type=int, help="the year reported, e.g. 2024")
        p.add_argument("--out", required=True, type=Path, help=f"file to write ({suffixes})")
        p.add_argument(
            "--language",
            default="zh",
            help="zh (Simplified Chinese, default) or en",
        )

    annual = sub.add_parser(
        "annual",
        parents=[common],
        help="the annual report (年度报告) as PDF",
        description="Inventory, energy, engagement, carbon points, the 15-minute circle and "
        "the evaluation results of the year, with charts (docs/reports.md).",
    )
    options(annual, ".pdf")
    annual.set_defaults(handler=cmd_annual)

    acceptance = sub.add_parser(
        "acceptance",
        parents=[common],
        help="the acceptance self-evaluation report (验收自评报告) as PDF or DOCX",
        description="The community against a standard for a year: indicators, gaps, score "
        "and result, inventory, action plan, submissions. The format follows --out's suffix.",
    )
    options(acceptance, ".pdf or .docx")
    acceptance.add_argument(
        "--standard",
        help="standard id (default: the first assessed for the year, else nearzero-default)",
    )
    acceptance.set_defaults(handler=cmd_acceptance)

    workbook = sub.add_parser(
        "workbook",
        parents=[common],
        help="an Excel workbook: inventory, events or points",
        description="inventory: activity lines with factors, by sector, by month; events: "
        "one row per event and the monthly KPIs; points: monthly issued and redeemed, the "
        "fund statement, accounts by pseudonym (no personal data).",
    )
    workbook.add_argument("kind", choices=("inventory", "events", "points"))
    options(workbook, ".xlsx")
    workbook.set_defaults(handler=cmd_workbook)


def _suffix(out: Path, command: str) -> str:
    suffix = out.suffix.lower()
    if suffix not in SUFFIXES[command]:
        raise CLIError(
            f"{out}: unsupported file suffix {out.suffix or '(none)'!r}; "
            f"use {' or '.join(SUFFIXES[command])}"
        )
    return suffix


def _start(args: argparse.Namespace, command: str):
    """Check the suffix and the language, start Django, find the community and the year."""
    suffix = _suffix(args.out, command)
    setup_django(getattr(args, "data_dir", None))
    from nearzero.reports import data, documents
    from nearzero.sites.models import Community

    try:
        language = documents.language_code(args.language)
    except data.ReportError as exc:
        raise CLIError(str(exc)) from None
    community = (
        Community.objects.filter(slug=args.community)
        .select_related("region__parent__parent")
        .first()
    )
    if community is None:
        raise CLIError(f"no community with slug {args.community!r}")
    years = data.years(community)
    if args.year not in years:
        known = ", ".join(str(y) for y in sorted(years)) or "none"
        raise CLIError(
            f"{community.slug} has nothing to report for {args.year} (years with data: {known})"
        )
    return community, language, suffix


def _write(out: Path, body: bytes) -> int:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(body)
    except OSError as exc:
        raise CLIError(f"cannot write {out}: {exc.strerror or exc}") from None
    sys.stdout.write(f"{out} ({len(body):,} bytes)\n")
    return 0


def cmd_annual(args: argparse.Namespace) -> int:
    community, language, _ = _start(args, "annual")
    from nearzero.reports import data, documents

    try:
        body = documents.annual_pdf(community, args.year, language=language)
    except data.ReportError as exc:
        raise CLIError(str(exc)) from None
    return _write(args.out, body)


def cmd_acceptance(args: argparse.Namespace) -> int:
    community, language, suffix = _start(args, "acceptance")
    from nearzero.reports import data, documents

    standard = args.standard or data.default_standard(community, args.year)
    render = documents.acceptance_pdf if suffix == ".pdf" else documents.acceptance_docx
    try:
        body = render(community, standard, args.year, language=language)
    except data.ReportError as exc:
        raise CLIError(str(exc)) from None
    return _write(args.out, body)


def cmd_workbook(args: argparse.Namespace) -> int:
    community, language, _ = _start(args, "workbook")
    from nearzero.reports import data, documents

    try:
        body = documents.workbook(args.kind, community, args.year, language=language)
    except data.ReportError as exc:
        raise CLIError(str(exc)) from None
    return _write(args.out, body)
