"""`nearzero sites …`: the organisation tree from the command line."""

from __future__ import annotations

import argparse

from nearzero.cli import emit, setup_django


def register(subparsers, common: argparse.ArgumentParser) -> None:
    sites = subparsers.add_parser("sites", parents=[common], help="the organisation tree")
    sub = sites.add_subparsers(dest="sites_command", metavar="COMMAND", required=True)
    listing = sub.add_parser(
        "list",
        parents=[common],
        help="regions, communities and their sites",
        description="List regions, communities (slug and names) and their sites "
        "(kind and coordinates).",
    )
    listing.add_argument("--format", choices=("text", "json"), default="text")
    listing.set_defaults(handler=cmd_list)


def cmd_list(args: argparse.Namespace) -> int:
    setup_django(getattr(args, "data_dir", None))
    from nearzero.sites.models import Community, Region
    from nearzero.sites.selectors import tree_listing

    data = tree_listing(Region.objects.all(), Community.objects.all())
    lines = []
    depth = {}
    for region in data["regions"]:
        depth[region["id"]] = depth.get(region["parent_id"], -1) + 1
        indent = "  " * depth[region["id"]]
        lines.append(f"{indent}{region['name_zh']} ({region['name_en']}) [{region['level']}]")
    for community in data["communities"]:
        lines.append(
            f"\n{community['slug']}: {community['name_zh']} / {community['name_en']} "
            f"— {len(community['sites'])} sites, population {community['population']}"
        )
        for site in community["sites"]:
            lines.append(
                f"  {site['kind']:<8} {site['lat']:>10.5f} {site['lon']:>11.5f}  "
                f"{site['name_zh']} / {site['name_en']}"
            )
    if not data["communities"]:
        lines.append("No communities yet. `nearzero demo --no-serve` loads the demo.")
    emit(data, args.format, "\n".join(lines))
    return 0
