"""Settings come from the environment and fail loudly on a bad value."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = "import django; django.setup(); from django.conf import settings; print(settings.TIME_ZONE)"


def _run(env_overrides: dict[str, str], tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG")}
    env.update({"DJANGO_SETTINGS_MODULE": "nearzero.settings", "NEARZERO_DATA_DIR": str(tmp_path)})
    env.update(env_overrides)
    command = list(args) or [sys.executable, "-c", PROBE]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def test_defaults_start(tmp_path):
    result = _run({}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Asia/Shanghai"
    assert (tmp_path / ".secret_key").exists()  # development key kept in the data folder
    assert (tmp_path / ".pii_key").exists()  # and the personal-data key beside it


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"NEARZERO_TIME_ZONE": "Mars/Olympus"}, "NEARZERO_TIME_ZONE='Mars/Olympus'"),
        ({"DEBUG": "perhaps"}, "DEBUG='perhaps' is not a boolean"),
        ({"NEARZERO_PROFILE": "staging"}, "NEARZERO_PROFILE='staging'"),
        ({"DATABASE_URL": "mysql://root@localhost/x"}, "DATABASE_URL must be a postgres://"),
        ({"NEARZERO_PROFILE": "production"}, "SECRET_KEY must be set"),
        ({"NEARZERO_PROFILE": "production", "SECRET_KEY": "short"}, "at least 50 characters"),
        (
            {
                "NEARZERO_PROFILE": "production",
                "SECRET_KEY": "x7!Kq2#pLm9@vR4$wT8^zY1&nB6*cD3(eF5)gH0_jA-sU+oI=Qe",
            },
            "NEARZERO_PII_KEY must be set",
        ),
        ({"NEARZERO_PII_KEY": "too-short"}, "NEARZERO_PII_KEY must be at least 32 characters"),
        ({"NEARZERO_MAP_TILE_URL": "https://tiles/{z}.png"}, "must contain {z}, {x} and {y}"),
    ],
)
def test_bad_value_stops_the_start_with_the_reason(env, message, tmp_path):
    result = _run(env, tmp_path)
    assert result.returncode != 0
    assert message in result.stderr


def test_cli_reports_bad_configuration_with_exit_2(tmp_path):
    result = _run(
        {"NEARZERO_TIME_ZONE": "Nowhere"}, tmp_path, sys.executable, "-m", "nearzero", "check"
    )
    assert result.returncode == 2
    assert "configuration error: NEARZERO_TIME_ZONE='Nowhere'" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_profile_passes_the_deploy_check(tmp_path):
    env = {
        "NEARZERO_PROFILE": "production",
        "SECRET_KEY": "x7!Kq2#pLm9@vR4$wT8^zY1&nB6*cD3(eF5)gH0_jA-sU+oI=" + "Qe",
        "NEARZERO_PII_KEY": "pQ8#vN2!rT6@wX4$yZ0^aB3&cD7*eF1(",
        "ALLOWED_HOSTS": "nearzero.example.org",
    }
    result = _run(
        env,
        tmp_path,
        sys.executable,
        "-m",
        "nearzero",
        "manage",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("flag", "expected"),
    [("", "True 5"), ("true", "True 5"), ("false", "None None")],
)
def test_postgres_prepares_hot_statements_unless_turned_off(tmp_path, flag, expected):
    """Server-side binding with psycopg's prepared statements (a check-in's queries skip the
    planner); ``NEARZERO_DB_SERVER_SIDE_BINDING=false`` for a transaction-mode pooler."""
    probe = (
        "import django; django.setup(); from django.conf import settings; "
        "o = settings.DATABASES['default']['OPTIONS']; "
        "print(o.get('server_side_binding'), o.get('prepare_threshold'))"
    )
    env = {"DATABASE_URL": "postgres://nearzero@db.invalid:5432/nearzero"}
    if flag:
        env["NEARZERO_DB_SERVER_SIDE_BINDING"] = flag
    result = _run(env, tmp_path, sys.executable, "-c", probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
