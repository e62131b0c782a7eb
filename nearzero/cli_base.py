"""Base commands: demo, serve, check, manage."""

from __future__ import annotations

import argparse
import shutil
import sys
from typing import Any

from nearzero.cli import CLIError, emit, setup_django


def register(subparsers, common: argparse.ArgumentParser) -> None:
    demo = subparsers.add_parser(
        "demo",
        parents=[common],
        help="create the database, load the demo communities and serve the app",
        description="Migrate the database in the data folder, load the two demo communities "
        "(Dongping, Chongming, Shanghai; Qiyang, Shuangliu, Chengdu) and serve the app.",
    )
    demo.add_argument("--no-serve", action="store_true", help="load the demo, then exit")
    _add_serve_options(demo)
    demo.set_defaults(handler=cmd_demo)

    serve = subparsers.add_parser(
        "serve",
        parents=[common],
        help="serve the web app and API (waitress)",
        description="Serve nearzero with the waitress WSGI server. Applies pending "
        "migrations first unless --no-migrate is given.",
    )
    _add_serve_options(serve)
    serve.add_argument("--no-migrate", action="store_true", help="do not apply migrations first")
    serve.set_defaults(handler=cmd_serve)

    check = subparsers.add_parser(
        "check",
        parents=[common],
        help="check configuration, database, data folder, migrations",
        description="Check that nearzero can run: configuration, data folder, database, "
        "migrations, static files and translations. Exit 0 when all pass, 1 otherwise.",
    )
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.set_defaults(handler=cmd_check)

    manage = subparsers.add_parser(
        "manage",
        parents=[common],
        help="run a Django management command",
        description="Run any Django management command, e.g. `nearzero manage createsuperuser`.",
    )
    manage.add_argument("args", nargs=argparse.REMAINDER, help="the command and its arguments")
    manage.set_defaults(handler=cmd_manage)


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is outside 1..65535")
    return port


def _add_serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=_port, default=8000, help="port to listen on (8000)")
    parser.add_argument("--threads", type=int, default=8, help="worker threads (8)")


def _migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


def cmd_demo(args: argparse.Namespace) -> int:
    setup_django(getattr(args, "data_dir", None))
    from django.conf import settings
    from django.utils import translation

    from nearzero.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo

    print(f"nearzero demo · data folder {settings.DATA_DIR}")
    _migrate()
    result = load_demo()
    if result.loaded:
        print(f"Loaded the demo communities in {result.seconds:.1f} s.")
    else:
        print("The demo communities are already loaded; nothing changed.")
    with translation.override("en"):
        print(f"\nDemo sign-ins (password for all: {DEMO_PASSWORD}):")
        for login in DEMO_LOGINS:
            print(f"  {login.username:<20} {login.persona!s:<24} {login.display_name}")
    if args.no_serve:
        return 0
    return _serve(args)


def cmd_serve(args: argparse.Namespace) -> int:
    setup_django(getattr(args, "data_dir", None))
    if not args.no_migrate:
        _migrate()
    return _serve(args)


def _serve(args: argparse.Namespace) -> int:
    from django.conf import settings
    from waitress import serve

    from nearzero.wsgi import application

    print(
        f"\nServing nearzero on http://{args.host}:{args.port}/ "
        f"(data folder {settings.DATA_DIR}; Ctrl+C stops)",
        flush=True,
    )
    serve(
        application,
        host=args.host,
        port=args.port,
        threads=args.threads,
        ident="nearzero",
        _quiet=True,
    )
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    # `--data-dir DIR` may also follow the Django command; it is ours, not Django's.
    rest = list(args.args)
    data_dir = getattr(args, "data_dir", None)
    if "--data-dir" in rest:
        i = rest.index("--data-dir")
        if i + 1 >= len(rest):
            raise CLIError("--data-dir needs a folder")
        data_dir = rest[i + 1]
        del rest[i : i + 2]
    args.args = rest
    setup_django(data_dir)
    from django.core.management import execute_from_command_line

    if not args.args:
        raise CLIError("name a Django management command, e.g. `nearzero manage migrate`")
    execute_from_command_line(["nearzero", *args.args])
    return 0


def run_checks() -> list[dict[str, Any]]:
    """Each check: name, ok, detail. Never raises for an expected failure."""
    from django.conf import settings
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    results: list[dict[str, Any]] = []

    def add(name: str, ok: bool, detail: str) -> None:
        results.append({"name": name, "ok": ok, "detail": detail})

    add(
        "configuration",
        True,
        f"profile={settings.PROFILE} debug={settings.DEBUG} time_zone={settings.TIME_ZONE} "
        f"language={settings.LANGUAGE_CODE}",
    )

    data_dir = settings.DATA_DIR
    free_gib = shutil.disk_usage(data_dir).free / 2**30
    add("data_folder", free_gib > 0.5, f"{data_dir} ({free_gib:.1f} GiB free)")

    try:
        connection.ensure_connection()
        detail = f"{connection.vendor} {connection.settings_dict['NAME']}"
        ok = True
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
            ok = mode.lower() == "wal"
            detail += f" (journal_mode={mode})"
        add("database", ok, detail)
    except Exception as exc:
        add("database", False, f"cannot connect: {exc}")
        add("migrations", False, "database unreachable")
    else:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            add("migrations", False, f"{len(plan)} unapplied; run `nearzero manage migrate`")
        else:
            add("migrations", True, "all applied")

    from django.contrib.staticfiles import finders

    missing = [
        p
        for p in (
            "vendor/leaflet/leaflet.js",
            "vendor/echarts/echarts.min.js",
            "vendor/htmx/htmx.min.js",
            "nearzero/app.css",
        )
        if not finders.find(p)
    ]
    add("static_files", not missing, "missing: " + ", ".join(missing) if missing else "vendored")

    mo = [path / "zh_Hans" / "LC_MESSAGES" / "django.mo" for path in settings.LOCALE_PATHS]
    add(
        "translations",
        all(p.exists() for p in mo),
        "zh_Hans compiled" if all(p.exists() for p in mo) else "zh_Hans catalogue not compiled",
    )
    return results


def cmd_check(args: argparse.Namespace) -> int:
    setup_django(getattr(args, "data_dir", None))
    results = run_checks()
    ok = all(r["ok"] for r in results)
    human = "\n".join(
        f"{'OK  ' if r['ok'] else 'FAIL'}  {r['name']:<14} {r['detail']}" for r in results
    )
    human += "\n" + ("nearzero check: OK" if ok else "nearzero check: FAILED")
    emit({"ok": ok, "checks": results}, args.format, human)
    sys.stdout.flush()
    return 0 if ok else 1
