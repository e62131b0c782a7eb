"""Shared fixtures. The demo communities are loaded once per test session, so every test
sees the same realistic tree; each test runs in a transaction that is rolled back.

Personas (the demo sign-ins, docs/architecture.md "Roles"):

- ``resident``: dongping_resident, a resident of Dongping;
- ``station``: dongping_station, staff of one Dongping station;
- ``admin``: dongping_admin, community admin of Dongping;
- ``officer``: chongming_officer, officer of Chongming district (Dongping is there);
- ``outsider``: shuangliu_officer, officer of Shuangliu district, Chengdu (not Dongping);
- ``superuser``: nearzero_admin.
"""

from __future__ import annotations

import pytest
from django.test import Client

PERSONAS = {
    "anonymous": None,
    "resident": "dongping_resident",
    "station": "dongping_station",
    "admin": "dongping_admin",
    "officer": "chongming_officer",
    "outsider": "shuangliu_officer",
    "superuser": "nearzero_admin",
}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from nearzero.demo import load_demo

    with django_db_blocker.unblock():
        load_demo()


def _user(username: str):
    from nearzero.accounts.models import User

    return User.objects.get(username=username)


@pytest.fixture
def users(db):
    return {name: _user(username) for name, username in PERSONAS.items() if username}


@pytest.fixture
def client_for(db):
    """``client_for("station")`` → a test client signed in as that persona."""

    def make(persona: str, **kwargs) -> Client:
        client = Client(**kwargs)
        username = PERSONAS[persona]
        if username:
            client.force_login(_user(username))
        return client

    return make


@pytest.fixture
def dongping(db):
    from nearzero.sites.models import Community

    return Community.objects.get(slug="dongping")


@pytest.fixture
def qiyang(db):
    from nearzero.sites.models import Community

    return Community.objects.get(slug="qiyang")


@pytest.fixture
def own_station(db):
    """The station dongping_station works at."""
    from nearzero.accounts.models import RoleAssignment

    return RoleAssignment.objects.get(user__username="dongping_station").site


@pytest.fixture
def other_station(own_station):
    """Another station of the same community."""
    return (
        own_station.community.sites.filter(kind="station")
        .exclude(pk=own_station.pk)
        .exclude(parent=own_station)
        .order_by("pk")
        .first()
    )


@pytest.fixture(autouse=True)
def _isolated_interval_store(settings):
    """The Parquet store is files, not database rows: a test's rollback does not remove what
    it wrote. Remove every store file a test created, so tests stay independent."""
    from pathlib import Path

    root = Path(settings.DATA_DIR) / "interval"
    before = set(root.rglob("*.parquet")) if root.exists() else set()
    yield
    if root.exists():
        for path in set(root.rglob("*.parquet")) - before:
            path.unlink()


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Messages made outside a request (services, the core) are read in English by the
    tests; a request still picks its language from the cookie, the browser or the default
    (zh-hans). Resetting per test also stops one test's request language leaking into
    the next test."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()
