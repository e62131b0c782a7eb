"""pytest plugin loaded with ``-p nearzero.testing.pytest_plugin`` (see pyproject.toml).

It runs before pytest-django reads the settings, which lets it:

- point the suite at PostgreSQL when ``NEARZERO_TEST_DATABASE_URL`` is set (otherwise the
  suite uses SQLite in a throw-away data folder);
- turn every skip into a failure when ``NEARZERO_TEST_NO_SKIP=1`` (``.ci/run`` sets it, so a
  PostgreSQL or browser test that silently skipped cannot pass CI).
"""

from __future__ import annotations

import os
import tempfile

import pytest

_test_db_url = os.environ.get("NEARZERO_TEST_DATABASE_URL", "").strip()
if _test_db_url:
    os.environ["DATABASE_URL"] = _test_db_url
else:
    os.environ.pop("DATABASE_URL", None)
# Tests never touch the developer's ./data folder.
os.environ["NEARZERO_DATA_DIR"] = tempfile.mkdtemp(prefix="nearzero-test-data-")
os.environ.setdefault("NEARZERO_PROFILE", "development")
os.environ.pop("DEBUG", None)

NO_SKIP = os.environ.get("NEARZERO_TEST_NO_SKIP", "") == "1"


def postgres_configured() -> bool:
    return bool(_test_db_url)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_pg = pytest.mark.skip(reason="PostgreSQL test: set NEARZERO_TEST_DATABASE_URL to run it")
    for item in items:
        if "postgres" in item.keywords and not postgres_configured():
            item.add_marker(skip_pg)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if NO_SKIP and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped, but NEARZERO_TEST_NO_SKIP=1 forbids skips: {reason}"
