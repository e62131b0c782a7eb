"""`nearzero circle …`: walking coverage and siting from files or for a community, and
imports of a community's street network and homes."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from nearzero.cli import CLIError, emit, setup_django
from nearzero.core.circle import io as circle_io
from nearzero.core.circle import report
from nearzero.core.errors import DomainError


def register(subparsers, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "circle",
        parents=[common],
        help="15-minute low-carbon circle: walking coverage, gaps, where to add a post",
    )
    sub = parser.add_subparsers(dest="circle_command", metavar="COMMAND", required=True)

    def inputs(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--network", type=Path, help="street network: .osm.pbf, .osm, .geojson, .shp/.zip"
        )
        p.add_argument("--residents", type=Path, help="homes CSV id,lat,lon,residents (or GeoJSON)")
        p.add_argument("--sites", type=Path, help="sites CSV id,lat,lon,kind (or GeoJSON)")
        p.add_argument("--community", help="use a community's stored network, homes and sites")
        p.add_argument(
            "--max-walk-m", type=float, default=None, help="walking threshold [m] (default 1000)"
        )
        p.add_argument(
            "--speed-m-per-min", type=float, default=None, help="walking speed [m/min] (default 80)"
        )
        p.add_argument("--format", choices=("text", "json"), default="text")

    cov = sub.add_parser(
        "coverage",
        parents=[common],
        help="who lives within the walking threshold of a site",
        description="Walking distance from every home to its nearest site over the street "
        "network (docs/algorithms/walk-access.md). Give --network, --residents and --sites, "
        "or --community SLUG.",
    )
    inputs(cov)
    cov.add_argument("--detail", action="store_true", help="also list every home")
    cov.set_defaults(handler=cmd_coverage)

    site = sub.add_parser(
        "site",
        parents=[common],
        help="where N new posts bring the most uncovered residents within reach",
        description="Greedy maximal coverage over candidate places (a CSV id,lat,lon,kind — "
        "kind may be empty — or, by default, street junctions); --exact solves the integer "
        "programme instead (small cases).",
    )
    inputs(site)
    site.add_argument("--candidates", type=Path, help="candidate places CSV id,lat,lon[,kind]")
    site.add_argument("--new", type=int, required=True, help="how many new posts")
    site.add_argument("--exact", action="store_true", help="exact optimum (small cases)")
    site.set_defaults(handler=cmd_site)

    for name, handler, text in (
        ("import-network", cmd_import_network, "store a street network file for a community"),
        ("import-homes", cmd_import_homes, "store homes (id,lat,lon,residents) for a community"),
    ):
        p = sub.add_parser(name, parents=[common], help=text, description=text)
        p.add_argument("--community", required=True, help="community slug, e.g. dongping")
        p.add_argument("file", type=Path)
        p.add_argument("--format", choices=("text", "json"), default="text")
        p.set_defaults(handler=handler)


def _from_files(args) -> tuple[report.Prepared, float, float]:
    missing = [n for n in ("network", "residents", "sites") if getattr(args, n) is None]
    if missing:
        raise CLIError(
            "give --network, --residents and --sites (missing: {}), or --community SLUG".format(
                ", ".join("--" + m for m in missing)
            )
        )
    try:
        network = circle_io.read_network(args.network)
        homes = circle_io.read_points(args.residents, value="residents")
        sites = circle_io.read_points(args.sites, value="kind")
        report.check_inside(network, homes, what="residents' homes", source=args.residents.name)
        report.check_inside(network, sites, what="sites", source=args.sites.name)
    except DomainError as exc:
        raise CLIError(exc.message) from None
    max_walk = args.max_walk_m if args.max_walk_m is not None else 1000.0
    speed = args.speed_m_per_min if args.speed_m_per_min is not None else 80.0
    if max_walk <= 0 or speed <= 0:
        raise CLIError("--max-walk-m and --speed-m-per-min must be positive")
    return report.prepare(network, homes, sites), max_walk, speed


def _community(slug: str):
    from nearzero.sites.models import Community

    community = Community.objects.filter(slug=slug).first()
    if community is None:
        raise CLIError(f"no community with slug {slug!r}")
    return community


def _text(data: dict) -> str:
    lines = [
        f"coverage_pct        {data['coverage_pct']}",
        f"covered_residents   {data['covered_residents']}",
        f"total_residents     {data['total_residents']}",
        f"uncovered_residents {data['uncovered_residents']}",
        f"median_walk_min     {data['median_walk_min']}",
        f"threshold           {data['max_walk_m']:.0f} m at {data['speed_m_per_min']:g} m/min",
        "per_site:",
    ]
    lines += [
        f"  {s['id']:>12}  {s['catchment_residents']:>8}  {s['name']}" for s in data["per_site"]
    ]
    return "\n".join(lines)


def cmd_coverage(args: argparse.Namespace) -> int:
    if args.community:
        setup_django(getattr(args, "data_dir", None))
        from nearzero.circle import selectors

        inputs = selectors.Inputs(_community(args.community))
        if not inputs.ready:
            raise CLIError(f"{args.community}: no street network, homes or sites yet")
        if args.max_walk_m is not None or args.speed_m_per_min is not None:
            raise CLIError("a community's threshold and speed are its settings; drop the flags")
        data = selectors.coverage(inputs)
        if not args.detail:
            data = {k: v for k, v in data.items() if k != "homes"}
    else:
        prepared, max_walk, speed = _from_files(args)
        data = report.coverage_report(
            prepared, max_walk_m=max_walk, speed_m_per_min=speed, detail=args.detail
        )
    data = report.public(data)
    emit(data, args.format, _text(data))
    return 0


def cmd_site(args: argparse.Namespace) -> int:
    if args.new < 1:
        raise CLIError("--new must be at least 1")
    candidates = None
    if args.candidates is not None:
        try:
            candidates = circle_io.read_candidates(
                args.candidates.read_bytes(), source=args.candidates.name
            )
        except DomainError as exc:
            raise CLIError(exc.message) from None
    if args.community:
        setup_django(getattr(args, "data_dir", None))
        from nearzero.circle import services
        from nearzero.circle.choices import CandidateSource, SitingMethod

        try:
            run = services.run_siting(
                actor=None,
                community=_community(args.community),
                new=args.new,
                candidates=candidates,
                candidate_source=CandidateSource.FILE if candidates else CandidateSource.NODES,
                method=SitingMethod.EXACT if args.exact else SitingMethod.GREEDY,
            )
        except DomainError as exc:
            raise CLIError(exc.message) from None
        data = run.result
    else:
        prepared, max_walk, speed = _from_files(args)
        if candidates is None:
            candidates = report.node_candidates(prepared.network)
        try:
            report.check_inside(
                prepared.network, candidates, what="candidates", source="candidates"
            )
        except DomainError as exc:
            raise CLIError(exc.message) from None
        data = report.siting_report(
            prepared,
            candidates,
            new=args.new,
            max_walk_m=max_walk,
            speed_m_per_min=speed,
            exact=args.exact,
        )
    lines = [
        f"method    {data['method']} over {data['candidates']} candidates",
        f"coverage  {data['coverage_pct_before']} % → {data['coverage_pct_after']} %",
    ]
    lines += [
        f"  {i}. {p['id']}  ({p['lat']:.6f}, {p['lon']:.6f})  +{p['gain_residents']} residents"
        f"  → {p['coverage_pct']} %"
        for i, p in enumerate(data["picks"], start=1)
    ]
    emit(data, args.format, "\n".join(lines))
    return 0


def _import(args, service) -> int:
    setup_django(getattr(args, "data_dir", None))
    if not args.file.exists():
        raise CLIError(f"{args.file} does not exist")
    community = _community(args.community)
    try:
        result = service(
            actor=None, community=community, data=args.file.read_bytes(), filename=args.file.name
        )
    except DomainError as exc:
        raise CLIError(exc.message) from None
    data = {"changed": result.changed, "count": result.count}
    emit(data, args.format, json.dumps(data))
    return 0


def cmd_import_network(args: argparse.Namespace) -> int:
    from nearzero.circle import services

    return _import(args, services.import_network)


def cmd_import_homes(args: argparse.Namespace) -> int:
    from nearzero.circle import services

    return _import(args, services.import_homes)
