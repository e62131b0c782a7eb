"""`nearzero points …`: the nightly reconciliation, crediting and expiry."""

from __future__ import annotations

import argparse

from nearzero.cli import CLIError, emit, setup_django


def register(subparsers, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "points", parents=[common], help="carbon points ledger (reconcile, credit, expire)"
    )
    sub = parser.add_subparsers(dest="points_command", metavar="COMMAND", required=True)
    rec = sub.add_parser(
        "reconcile",
        parents=[common],
        help="check the ledger: postings sum to zero, balances equal their legs, none negative",
        description="The nightly check an operator runs. Exits 1 when anything is off and "
        "names the accounts (docs/algorithms/points-ledger.md).",
    )
    rec.add_argument("--community", help="community slug (default: every community)")
    rec.add_argument("--format", choices=("text", "json"), default="text")
    rec.set_defaults(handler=cmd_reconcile)
    for name, handler, text in (
        ("credit", cmd_credit, "credit every verified fact not credited yet (idempotent)"),
        ("expire", cmd_expire, "expire points older than NEARZERO_POINTS_EXPIRY_MONTHS"),
    ):
        p = sub.add_parser(name, parents=[common], help=text, description=text)
        p.add_argument("--community", required=True, help="community slug, e.g. dongping")
        p.add_argument("--format", choices=("text", "json"), default="text")
        p.set_defaults(handler=handler)


def _community(slug: str):
    from nearzero.sites.models import Community

    community = Community.objects.filter(slug=slug).first()
    if community is None:
        raise CLIError(f"no community with slug {slug!r}")
    return community


def cmd_reconcile(args: argparse.Namespace) -> int:
    setup_django(getattr(args, "data_dir", None))
    from nearzero.points import selectors

    community = _community(args.community) if args.community else None
    result = selectors.reconcile(community)
    data = result.as_dict()
    lines = [
        f"postings             {result.postings}",
        f"legs_sum             {result.legs_sum}",
        f"accounts             {result.accounts}",
        f"mismatched_accounts  {len(result.mismatched_accounts)}",
        f"negative_accounts    {len(result.negative_accounts)}",
        f"unbalanced_postings  {len(result.unbalanced_postings)}",
    ]
    lines += [
        f"  mismatch: {m['account']} cached {m['cached']}, legs {m['legs']}"
        for m in result.mismatched_accounts
    ]
    lines += [f"  negative: {n['account']} {n['balance']}" for n in result.negative_accounts]
    lines += [f"  unbalanced posting #{pk}" for pk in result.unbalanced_postings]
    lines.append("OK" if result.ok else "LEDGER OUT OF BALANCE")
    emit(data, args.format, "\n".join(lines))
    return 0 if result.ok else 1


def cmd_credit(args: argparse.Namespace) -> int:
    setup_django(getattr(args, "data_dir", None))
    from nearzero.points import services

    run = services.credit_facts(community=_community(args.community))
    data = {"facts": run.facts, "points": run.points, "capped": run.capped}
    emit(data, args.format, "\n".join(f"{k:8} {v}" for k, v in data.items()))
    return 0


def cmd_expire(args: argparse.Namespace) -> int:
    setup_django(getattr(args, "data_dir", None))
    from nearzero.points import services

    points = services.expire_points(community=_community(args.community))
    emit({"expired_points": points}, args.format, f"expired_points {points}")
    return 0
