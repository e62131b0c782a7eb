"""`nearzero engagement …`: outcome KPIs from the command line."""

from __future__ import annotations

import argparse

from nearzero.cli import CLIError, emit, setup_django

#: The keys of `nearzero engagement kpis --format json`, in order (issue 5's contract).
KPI_KEYS = (
    "events",
    "participations",
    "distinct_participants",
    "sites_with_events",
    "knowledge_rate_pct",
    "volunteer_hours",
    "recycled_kg",
    "labelled_co2e_kg",
)


def register(subparsers, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "engagement", parents=[common], help="engagement outcomes (events, check-ins, quizzes)"
    )
    sub = parser.add_subparsers(dest="engagement_command", metavar="COMMAND", required=True)
    kpis = sub.add_parser(
        "kpis",
        parents=[common],
        help="a community's outcome KPIs for a year",
        description="Events held, participations, distinct participants, sites with events, "
        "knowledge rate, verified volunteer hours, kg recycled and the CO2e of labelled "
        "actions, counted from the records (docs/algorithms/engagement-kpis.md).",
    )
    kpis.add_argument("--community", required=True, help="community slug, e.g. dongping")
    kpis.add_argument("--year", type=int, required=True, help="calendar year, local time")
    kpis.add_argument("--format", choices=("text", "json"), default="text")
    kpis.set_defaults(handler=cmd_kpis)


def cmd_kpis(args: argparse.Namespace) -> int:
    setup_django(getattr(args, "data_dir", None))
    from nearzero.engagement import selectors
    from nearzero.sites.models import Community

    if not 2000 <= args.year <= 2100:
        raise CLIError(f"--year {args.year} is outside 2000…2100")
    community = Community.objects.filter(slug=args.community).first()
    if community is None:
        raise CLIError(f"no community with slug {args.community!r}")
    total = selectors.summary(community, args.year).total.as_dict()
    data = {"community": community.slug, "year": args.year, **{k: total[k] for k in KPI_KEYS}}
    data["resident_services"] = total["resident_services"]
    data["quiz_takers"] = total["quiz_takers"]
    width = max(len(k) for k in data)
    human = "\n".join(f"{k.ljust(width)}  {'—' if v is None else v}" for k, v in data.items())
    emit(data, args.format, human)
    return 0
