"""The `nearzero` command, run as a user would: real processes, a real data folder."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest


def nearzero(*args: str, data_dir=None, timeout: int = 180) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "NEARZERO_DATA_DIR")}
    command = [sys.executable, "-m", "nearzero", *args]
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    result = nearzero("demo", "--no-serve", data_dir=folder)
    assert result.returncode == 0, result.stderr
    assert "dongping_admin" in result.stdout and "nearzero-demo" in result.stdout
    return folder


def test_demo_leaves_both_communities_with_all_their_sites(demo_dir):
    result = nearzero("sites", "list", "--format", "json", data_dir=demo_dir)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    communities = {c["slug"]: c for c in data["communities"]}
    assert set(communities) == {"dongping", "qiyang"}
    assert communities["dongping"]["name_zh"] == "东平镇社区"
    assert len(communities["dongping"]["sites"]) == 20
    assert len(communities["qiyang"]["sites"]) == 10
    site = communities["dongping"]["sites"][0]
    assert site["kind"] == "centre" and 31 < site["lat"] < 32 and 121 < site["lon"] < 122
    levels = [r["level"] for r in data["regions"]]
    assert levels.count("city") == 2 and levels.count("district") == 2


def test_demo_twice_changes_nothing(demo_dir):
    before = (demo_dir / "nearzero.sqlite3").stat().st_size
    result = nearzero("demo", "--no-serve", data_dir=demo_dir)
    assert result.returncode == 0
    assert "already loaded" in result.stdout
    listing = json.loads(nearzero("sites", "list", "--format", "json", data_dir=demo_dir).stdout)
    assert len(listing["communities"]) == 2
    assert (demo_dir / "nearzero.sqlite3").stat().st_size == before


def test_check_reports_ok(demo_dir):
    result = nearzero("check", data_dir=demo_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "nearzero check: OK" in result.stdout
    data = json.loads(nearzero("check", "--format", "json", data_dir=demo_dir).stdout)
    assert data["ok"] is True
    assert {c["name"] for c in data["checks"]} >= {
        "configuration",
        "database",
        "data_folder",
        "migrations",
    }


def test_check_fails_on_an_unmigrated_folder(tmp_path):
    result = nearzero("check", "--format", "json", data_dir=tmp_path)
    assert result.returncode == 1
    failed = {c["name"] for c in json.loads(result.stdout)["checks"] if not c["ok"]}
    assert failed == {"migrations"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_the_login_page(demo_dir):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "NEARZERO_DATA_DIR")}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nearzero",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(demo_dir),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        body = ""
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2) as r:
                    assert r.status == 200
                    body = r.read().decode()
                    break
            except OSError:
                time.sleep(0.2)
        assert 'name="password"' in body
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/static/vendor/leaflet/leaflet.js", timeout=2
        ) as r:
            assert r.status == 200
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("sites", "lst"), "invalid choice: 'lst'"),
        (("serve", "--port", "99999"), "outside 1..65535"),
        (("check", "--format", "xml"), "invalid choice: 'xml'"),
        (("manage",), "name a Django management command"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(args, message, tmp_path):
    result = nearzero(*args, data_dir=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_unwritable_data_folder_exits_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = nearzero("check", data_dir=blocker / "data")
    assert result.returncode == 2
    assert "NEARZERO_DATA_DIR" in result.stderr and "cannot be created" in result.stderr


def test_help_everywhere():
    for args in [(), ("demo",), ("serve",), ("check",), ("sites",), ("sites", "list"), ("manage",)]:
        result = nearzero(*args, "--help")
        assert result.returncode == 0 and "usage: nearzero" in result.stdout, args


def test_django_commands_pass_through(demo_dir):
    result = nearzero("showmigrations", "audit", data_dir=demo_dir)
    assert result.returncode == 0, result.stderr
    assert "[X] 0002_append_only_triggers" in result.stdout
