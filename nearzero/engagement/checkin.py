"""A check-in in one database round trip.

A scan at an event is the platform's hottest write: a queue of residents at a station door,
several phones scanning at once. Its rules are written once, as the flags of one SELECT
(:data:`RULES`):

- the scanner may record check-ins at the event (a signed-in user whose scope the caller
  checked, or a scan grant that is valid and whose issuer still works at the event's site);
- the code names a resident who was not erased, of the event's community;
- the event was not cancelled, and the scan falls in its check-in window (from
  :data:`~.choices.CHECK_IN_OPENS_BEFORE_H` before it starts to
  :data:`~.choices.CHECK_IN_CLOSES_AFTER_H` after it ends).

On PostgreSQL the same statement also inserts the check-in when every flag holds and writes
its audit entry (data-modifying ``WITH`` queries), so a scan costs one round trip and either
both rows are written or neither. SQLite has no data-modifying ``WITH``: the SELECT, the
insert and the audit entry run one after the other in one transaction, from the same SQL.
Python only turns the flags into the error a scanner sees.

Repeats are settled by the database: ``INSERT … ON CONFLICT DO NOTHING`` on the (event,
resident) and nonce constraints. A repeat scan finds the resident's check-in in the same
SELECT; a concurrent first scan that lost the race (its snapshot predates the winner's
commit) or a retried request reads the winner's row afterwards.

References
----------
PostgreSQL 15 documentation, §7.8.4 "Data-Modifying Statements in WITH" and "INSERT … ON
CONFLICT"; SQLite, "The UPSERT clause" and "RETURNING".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nearzero.accounts.models import User
from nearzero.accounts.scope import works_at_sql
from nearzero.audit.models import AuditEntry
from nearzero.audit.services import SYSTEM
from nearzero.sites.models import Site

from .choices import CHECK_IN_CLOSES_AFTER_H, CHECK_IN_OPENS_BEFORE_H, EventStatus, LabelBasis
from .errors import EngagementError
from .models import CheckIn, Event, Resident, ScanGrant

ACTION = "engagement.checkin.created"


class ScanGrantInvalid(EngagementError):
    """The scan grant is unknown, revoked or expired, its session ended, or its issuer no
    longer works at the event's site (the API answers 401)."""

    http_status = 401

    def __init__(self) -> None:
        super().__init__(
            "scan_grant_invalid",
            _("this scan link has expired or was withdrawn; ask the staff for a new one"),
        )


@dataclass(frozen=True)
class CheckInResult:
    """What a scanner is told: the check-in made (``created``) or the one already there."""

    checkin_id: int
    created: bool  # False: the resident was already checked in (a repeat scan or a retry)
    resident: str  # the name (the pseudonym once erased)
    phone: str  # masked
    checked_in_at: dt.datetime
    participations: int  # check-ins at the event, this one included

    @property
    def status(self) -> str:
        return "checked_in" if self.created else "already_checked_in"


@dataclass(frozen=True)
class Scan:
    """One scan to record. Exactly one of ``secret`` (from a verified QR token) and
    ``resident_id`` (picked by a name search) names the resident; exactly one of ``actor``
    (signed in, scope checked by the caller; ``None`` for the system) and ``grant_digest``
    (a scan grant, checked by the statement) names the scanner."""

    event_id: int
    at: dt.datetime
    source: str
    secret: str | None = None
    resident_id: int | None = None
    actor: User | None = None
    grant_digest: str | None = None
    nonce: str | None = None
    units: Decimal | None = None


# --- the SQL -------------------------------------------------------------------------------

#: Every column the SELECT returns, by name: the event, the resident, the scanner, the five
#: rules (:data:`RULES`), the resident's check-in already there, and the event's count.
FACTS = (
    ("event_id", "e.id"),
    ("community_id", "e.community_id"),
    ("title", "e.title"),
    ("label_basis", "e.label_basis"),
    ("resident_id", "r.id"),
    ("resident_name", "r.name"),
    ("pseudonym", "r.pseudonym"),
    ("phone", "r.phone_masked"),
    ("user_id", "sc.user_id"),
    ("username", "sc.username"),
    ("grant_id", "sc.grant_id"),
    ("grant_label", "sc.label"),
    ("authorised", None),  # depends on the scanner: see _facts_sql
    ("known_resident", "r.id IS NOT NULL AND r.erased_at IS NULL"),
    ("same_community", "r.community_id = e.community_id"),
    ("event_open", "e.status <> %(cancelled)s"),
    ("in_window", "e.starts_at <= %(latest_start)s AND e.ends_at >= %(earliest_end)s"),
    ("existing_id", "ex.id"),
    ("existing_at", "ex.checked_in_at"),
    ("participations", "(SELECT COUNT(*) FROM {checkin} n WHERE n.event_id = e.id)"),
)
RULES = ("authorised", "known_resident", "same_community", "event_open", "in_window")
NAMES = tuple(name for name, _expr in FACTS)


def _tables() -> dict[str, str]:
    return {
        "event": Event._meta.db_table,
        "site": Site._meta.db_table,
        "resident": Resident._meta.db_table,
        "checkin": CheckIn._meta.db_table,
        "grant": ScanGrant._meta.db_table,
        "user": User._meta.db_table,
        "session": Session._meta.db_table,
        "audit": AuditEntry._meta.db_table,
    }


def _scanner_sql(by_grant: bool, *, for_event: bool = True) -> str:
    """A subquery of at most one row: who records the check-in (for a grant: only while it
    is live, :class:`~.models.ScanGrant`)."""
    t = _tables()
    if not by_grant:
        return (
            f"SELECT u.id AS user_id, u.username AS username, CAST(NULL AS BIGINT) AS grant_id,"
            f" '' AS label FROM {t['user']} u WHERE u.id = %(actor)s"
        )
    scope = works_at_sql(
        user="u", community="ge.community_id", site="ge.site_id", site_parent="gs.parent_id"
    )
    return (
        f"SELECT u.id AS user_id, u.username AS username, g.id AS grant_id, g.label AS label"
        f" FROM {t['grant']} g"
        f" JOIN {t['user']} u ON u.id = g.issued_by_id"
        f" JOIN {t['event']} ge ON ge.id = g.event_id"
        f" JOIN {t['site']} gs ON gs.id = ge.site_id"
        f" WHERE g.digest = %(grant)s AND g.revoked_at IS NULL"
        f"{' AND g.event_id = %(event)s' if for_event else ''}"
        f" AND g.expires_at > %(now)s AND u.is_active AND {scope}"
        f" AND (g.session_id IS NULL OR EXISTS (SELECT 1 FROM {t['session']} ds"
        f" WHERE ds.session_key = g.session_id AND ds.expire_date > %(now)s))"
    )


def _facts_sql(*, by_grant: bool, by_secret: bool) -> str:
    t = _tables()
    authorised = "sc.user_id IS NOT NULL" if by_grant else "1 = 1"
    columns = ", ".join(
        f"{(authorised if expr is None else expr).format(**t)} AS {name}" for name, expr in FACTS
    )
    resident = "r.qr_secret = %(secret)s" if by_secret else "r.id = %(resident)s"
    return (
        f"SELECT {columns} FROM {t['event']} e"
        f" LEFT JOIN {t['resident']} r ON {resident}"
        f" LEFT JOIN ({_scanner_sql(by_grant)}) sc ON 1 = 1"
        f" LEFT JOIN {t['checkin']} ex ON ex.event_id = e.id AND ex.resident_id = r.id"
        f" WHERE e.id = %(event)s"
    )


def _insert_sql() -> str:
    admitted = " AND ".join(f"f.{rule}" for rule in RULES)
    return (
        f"INSERT INTO {_tables()['checkin']} (event_id, resident_id, community_id,"
        f" checked_in_at, source, nonce, units, recorded_by_id, scan_grant_id, created_at)"
        f" SELECT f.event_id, f.resident_id, f.community_id, %(at)s, %(source)s, %(nonce)s,"
        f" CASE WHEN f.label_basis = %(per_unit)s THEN CAST(%(units)s AS NUMERIC) END,"
        f" f.user_id, f.grant_id, %(now)s"
        f" FROM facts f WHERE {admitted} AND f.existing_id IS NULL"
        f" ON CONFLICT DO NOTHING RETURNING id"
    )


def _audit_sql(*, by_grant: bool, postgres: bool) -> str:
    """The audit entry :func:`nearzero.audit.services.record` would write (a test compares
    them): the resident by pseudonym, the source, and the scan grant's label if any."""
    obj, arr = (
        ("jsonb_build_object", "jsonb_build_array") if postgres else ("json_object", "json_array")
    )
    changes = [
        f"'checkin', {arr}(NULL, f.pseudonym)",
        f"'source', {arr}(NULL, CAST(%(source)s AS TEXT))",
    ]
    if by_grant:
        changes.append(f"'scanner', {arr}(NULL, f.grant_label)")
    return (
        f"INSERT INTO {_tables()['audit']} (at, actor_id, actor_label, action, object_type,"
        f" object_id, object_label, community_id, changes)"
        f" SELECT %(now)s, f.user_id, COALESCE(f.username, %(system)s), %(action)s,"
        f" %(object_type)s, CAST(f.event_id AS TEXT), SUBSTR(f.title, 1, 255), f.community_id,"
        f" {obj}({', '.join(changes)})"
    )


@cache
def _statements(vendor: str, by_grant: bool, by_secret: bool) -> dict[str, str]:
    facts = _facts_sql(by_grant=by_grant, by_secret=by_secret)
    audit = _audit_sql(by_grant=by_grant, postgres=vendor == "postgresql")
    names = ", ".join(f"f.{name}" for name in NAMES)
    if vendor == "postgresql":
        # One statement: the CTEs run once each, whether or not the final SELECT reads them.
        return {
            "all": (
                f"WITH facts AS ({facts}), inserted AS ({_insert_sql()}),"
                f" audited AS ({audit} FROM facts f, inserted RETURNING id)"
                f" SELECT {names}, (SELECT id FROM inserted) FROM facts f"
            )
        }
    return {
        "facts": f"WITH facts AS ({facts}) SELECT {names} FROM facts f",
        "insert": f"WITH facts AS ({facts}) {_insert_sql()}",
        "audit": f"WITH facts AS ({facts}) {audit} FROM facts f",
    }


# --- running it ----------------------------------------------------------------------------


def _db(model, field: str, value):
    """A parameter as the column's own field adapts it (datetimes, decimals on SQLite)."""
    return model._meta.get_field(field).get_db_prep_save(value, connection)


def _aware(value) -> dt.datetime:
    if isinstance(value, str):  # SQLite returns computed datetime columns as text
        value = dt.datetime.fromisoformat(value)
    if settings.USE_TZ and timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value


def _params(scan: Scan) -> dict:
    return {
        "event": scan.event_id,
        "secret": scan.secret,
        "resident": scan.resident_id,
        "actor": scan.actor.pk if scan.actor is not None and scan.actor.is_authenticated else None,
        "grant": scan.grant_digest,
        "now": _db(CheckIn, "created_at", timezone.now()),
        "at": _db(CheckIn, "checked_in_at", scan.at),
        "latest_start": _db(
            Event, "starts_at", scan.at + dt.timedelta(hours=CHECK_IN_OPENS_BEFORE_H)
        ),
        "earliest_end": _db(
            Event, "ends_at", scan.at - dt.timedelta(hours=CHECK_IN_CLOSES_AFTER_H)
        ),
        "cancelled": EventStatus.CANCELLED.value,
        "per_unit": LabelBasis.PER_UNIT.value,
        "source": scan.source,
        "nonce": scan.nonce or None,
        "units": _db(CheckIn, "units", scan.units),
        "system": SYSTEM,
        "action": ACTION,
        "object_type": Event._meta.label_lower,
    }


def record_scan(scan: Scan) -> CheckInResult:
    """Check a resident in at an event, exactly once (see the module docstring)."""
    by_grant = scan.grant_digest is not None
    sql = _statements(connection.vendor, by_grant, scan.secret is not None)
    params = _params(scan)
    with connection.cursor() as cursor:
        if "all" in sql:
            cursor.execute(sql["all"], params)
            row = cursor.fetchone()
            facts = dict(zip(NAMES, row, strict=False)) if row else None
            new_id = row[-1] if row else None
        else:
            with transaction.atomic():
                cursor.execute(sql["facts"], params)
                row = cursor.fetchone()
                facts = dict(zip(NAMES, row, strict=True)) if row else None
                new_id = None
                if facts and _admitted(facts) and facts["existing_id"] is None:
                    cursor.execute(sql["insert"], params)
                    inserted = cursor.fetchone()
                    if inserted:
                        new_id = inserted[0]
                        cursor.execute(sql["audit"], params)
    if facts is None or not facts["authorised"]:
        if by_grant:
            raise ScanGrantInvalid
        raise EngagementError("unknown_event", _("no such event"))
    if new_id is not None:
        return _result(facts, new_id, True, scan.at, facts["participations"] + 1)
    if _admitted(facts) and facts["existing_id"] is not None:
        return _result(
            facts, facts["existing_id"], False, facts["existing_at"], facts["participations"]
        )
    if _admitted(facts):
        return _settle_conflict(scan, facts)
    return _refused(scan, facts)


def live_grant_id(digest: str) -> int | None:
    """The id of the live scan grant with this token digest, by the same conditions a scan
    checks (for the scan page's other requests)."""
    sql = f"SELECT sc.grant_id FROM ({_scanner_sql(True, for_event=False)}) sc"
    with connection.cursor() as cursor:
        cursor.execute(sql, {"grant": digest, "now": _db(CheckIn, "created_at", timezone.now())})
        row = cursor.fetchone()
    return row[0] if row else None


def _admitted(facts: dict) -> bool:
    return all(facts[rule] for rule in RULES)


def _result(facts, checkin_id, created, at, participations) -> CheckInResult:
    return CheckInResult(
        checkin_id=checkin_id,
        created=created,
        resident=facts["resident_name"],
        phone=facts["phone"] or "",
        checked_in_at=_aware(at),
        participations=participations,
    )


def _existing(event_id: int, **lookup) -> CheckIn | None:
    return (
        CheckIn.objects.filter(event_id=event_id, **lookup)
        .select_related("resident")
        .order_by()
        .first()
    )


def _from_row(checkin: CheckIn) -> CheckInResult:
    return CheckInResult(
        checkin_id=checkin.pk,
        created=False,
        resident=str(checkin.resident),
        phone=checkin.resident.phone_masked,
        checked_in_at=checkin.checked_in_at,
        participations=CheckIn.objects.filter(event_id=checkin.event_id).count(),
    )


def _settle_conflict(scan: Scan, facts: dict) -> CheckInResult:
    """Admitted but not inserted, and no check-in was there when the statement began: a
    concurrent first scan of the same resident won the race, or the nonce was used before."""
    done = _existing(scan.event_id, resident_id=facts["resident_id"])
    if done is None and scan.nonce:
        done = _existing(scan.event_id, nonce=scan.nonce)
    if done is None:
        # The nonce belongs to another event's check-in: a client bug, not a double scan.
        raise EngagementError("nonce_reused", _("this request id was used for another check-in"))
    return _from_row(done)


def _refused(scan: Scan, facts: dict) -> CheckInResult:
    """The first rule that failed, as the scanner's error; but a retry of a check-in that
    succeeded still succeeds, even after the code was rotated or the window closed."""
    if scan.nonce:
        done = _existing(scan.event_id, nonce=scan.nonce)
        if done is not None:
            return _from_row(done)
    if not facts["known_resident"]:
        if scan.secret is None:
            raise EngagementError("unknown_resident", _("no such resident"), field="resident_id")
        raise EngagementError(
            "revoked_token", _("this code was revoked; ask for the new one"), field="token"
        )
    if not facts["same_community"]:
        raise EngagementError(
            "wrong_community", _("this resident belongs to another community"), field="token"
        )
    if not facts["event_open"]:
        raise EngagementError("event_cancelled", _("this event was cancelled"))
    raise EngagementError(
        "outside_event_time",
        _("check-in is open from 2 hours before the event until 12 hours after it ends"),
    )


def parse_units(units) -> Decimal | None:
    """A per-unit quantity (e.g. kg of clothes), zero or more."""
    if units is None:
        return None
    try:
        value = Decimal(str(units))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value < 0:
        raise EngagementError("bad_quantity", _("the quantity must be zero or more"), field="units")
    return value
