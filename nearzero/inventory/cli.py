"""`nearzero factors …` and `nearzero inventory …`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from nearzero.cli import CLIError, emit, setup_django


def register(subparsers, common: argparse.ArgumentParser) -> None:
    factors = subparsers.add_parser(
        "factors", parents=[common], help="the emission-factor registry"
    )
    fsub = factors.add_subparsers(dest="factors_command", metavar="COMMAND", required=True)
    listing = fsub.add_parser(
        "list",
        parents=[common],
        help="list emission factors",
        description="List shipped (and local) emission factors with "
        "their series, geography, data year and source.",
    )
    listing.add_argument(
        "--geography",
        default="",
        help="national, grid_region, province, global, or a code such as east or 510000",
    )
    listing.add_argument("--year", type=int, help="data year")
    listing.add_argument("--activity-type", default="")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    listing.set_defaults(handler=cmd_factors_list)

    inventory = subparsers.add_parser(
        "inventory", parents=[common], help="community carbon inventories (碳家底)"
    )
    isub = inventory.add_subparsers(dest="inventory_command", metavar="COMMAND", required=True)

    def target(p: argparse.ArgumentParser) -> None:
        p.add_argument("--community", required=True, metavar="SLUG")
        p.add_argument("--year", required=True, type=int)

    imp = isub.add_parser(
        "import",
        parents=[common],
        help="import activity data (.xlsx/.csv)",
        description="Validate every row, then write all of them or none. Any "
        "bad row: exit code 2 and a list of (row, column, value, reason). The "
        "same file twice changes nothing. Creates the inventory if needed.",
    )
    imp.add_argument("file", type=Path)
    target(imp)
    imp.add_argument("--format", choices=("text", "json"), default="text")
    imp.set_defaults(handler=cmd_import)

    rep = isub.add_parser("report", parents=[common], help="print an inventory's results")
    target(rep)
    rep.add_argument("--format", choices=("text", "json"), default="text")
    rep.set_defaults(handler=cmd_report)

    tpl = isub.add_parser("template", parents=[common], help="write the Excel template")
    tpl.add_argument("--out", type=Path, required=True, help="file to write (.xlsx)")
    tpl.set_defaults(handler=cmd_template)

    exp = isub.add_parser("export", parents=[common], help="export records and results")
    target(exp)
    exp.add_argument("--out", type=Path, required=True, help="file to write: .xlsx or .json")
    exp.set_defaults(handler=cmd_export)


def _community(slug: str):
    from nearzero.sites.models import Community

    try:
        return Community.objects.get(slug=slug)
    except Community.DoesNotExist:
        raise CLIError(f"no community with slug {slug!r}") from None


def _inventory(slug: str, year: int):
    from nearzero.inventory.models import Inventory

    try:
        return Inventory.objects.select_related("community", "factor_set").get(
            community__slug=slug, year=year
        )
    except Inventory.DoesNotExist:
        raise CLIError(f"{slug} has no inventory for {year}") from None


def cmd_factors_list(args: argparse.Namespace) -> int:
    setup_django(getattr(args, "data_dir", None))
    from nearzero.inventory.api import FactorOut
    from nearzero.inventory.selectors import factors_for
    from nearzero.sites.models import Community

    factors = factors_for(
        Community.objects.all(),
        geography=args.geography,
        year=args.year,
        activity_type=args.activity_type,
    )
    data = [json.loads(FactorOut.from_orm(f).model_dump_json()) for f in factors]
    lines = [
        f"{f['code']:<42} {f['activity_type']:<18} {f['gas']:<10} "
        f"{f['value']:>12} {f['unit']:<14} {f['series']:<22} {f['geography_code']:<8} "
        f"{f['data_year'] or '':<5} {f['source'][:60]}"
        for f in data
    ]
    emit(data, args.format, "\n".join(lines) or "no factors match")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    setup_django(getattr(args, "data_dir", None))
    from django.db import transaction

    from nearzero.inventory import files, services
    from nearzero.inventory.models import Inventory

    if not args.file.is_file():
        raise CLIError(f"{args.file} is not a file")
    content = args.file.read_bytes()
    try:
        rows = files.read_rows(content, args.file.name)
    except files.FileError as exc:
        raise CLIError(f"{args.file}: {exc}") from None
    community = _community(args.community)
    try:
        with transaction.atomic():
            inventory = Inventory.objects.filter(community=community, year=args.year).first()
            if inventory is None:
                inventory = services.create_inventory(
                    actor=None, community=community, year=args.year
                )
            report = services.import_activity_rows(
                inventory, rows, actor=None, content=content, filename=args.file.name
            )
    except services.ImportRejected as exc:
        errors = [
            {"row": e.row, "column": e.column, "value": e.value, "reason": e.reason}
            for e in exc.errors
        ]
        human = "\n".join(
            f"row {e['row']}, column {e['column']}, value {e['value']!r}: {e['reason']}"
            for e in errors
        )
        human += f"\n{exc.message}"
        if args.format == "json":
            json.dump(
                {"ok": False, "errors": errors},
                sys.stdout,
                ensure_ascii=False,
                indent=2,
                default=str,
            )
            sys.stdout.write("\n")
        else:
            print(human, file=sys.stderr)
        return 2
    data = {
        "ok": True,
        "inventory": inventory.pk,
        "rows": report.rows,
        "inserted": report.inserted,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "notations": report.notations,
        "already_imported": report.already_imported,
    }
    human = (
        "already imported: nothing changed"
        if report.already_imported
        else f"{report.rows} rows: {report.inserted} inserted, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.notations} notation keys"
    )
    emit(data, args.format, human)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    setup_django(getattr(args, "data_dir", None))
    from nearzero.inventory.selectors import report

    data = report(_inventory(args.community, args.year))
    yoy = data["yoy"]
    human = "\n".join(
        [
            f"{args.community} {args.year} "
            f"({data['factor_set']}, {data['gwp_set']}, {data['level']})",
            f"gross   {data['gross_tco2e']:>14,.3f} tCO2e",
            f"sinks   {data['sinks_tco2e']:>14,.3f}",
            f"offsets {data['offsets_tco2e']:>14,.3f}",
            f"net     {data['net_tco2e']:>14,.3f}",
            "by scope: " + ", ".join(f"{k}: {v:,.1f}" for k, v in data["by_scope"].items()),
            yoy["sentence"],
        ]
    )
    emit(data, args.format, human)
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    setup_django(getattr(args, "data_dir", None))
    from nearzero.inventory import files

    args.out.write_bytes(files.template())
    print(f"wrote {args.out}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    setup_django(getattr(args, "data_dir", None))
    from nearzero.inventory import files
    from nearzero.inventory.selectors import report

    inventory = _inventory(args.community, args.year)
    data = report(inventory)
    suffix = args.out.suffix.lower()
    if suffix == ".xlsx":
        args.out.write_bytes(files.export_xlsx(inventory, data))
    elif suffix == ".json":
        args.out.write_bytes(files.export_json(data))
    else:
        raise CLIError("--out must end in .xlsx or .json")
    print(f"wrote {args.out}")
    return 0
