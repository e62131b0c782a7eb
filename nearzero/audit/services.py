"""Writing audit entries. Every service that changes data calls :func:`record`."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable
from typing import Any

from django.db import models

from .models import AuditEntry

#: The actor label of entries no signed-in user caused (the demo, the CLI, scheduled jobs).
SYSTEM = "system"


def _plain(value: Any) -> Any:
    """A JSON-safe form of a field value."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    return str(value)


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Field values of ``obj`` (foreign keys as ids), for diffing before and after a write."""
    values = {}
    for name in fields:
        field = obj._meta.get_field(name)
        values[name] = _plain(getattr(obj, field.attname))
    return values


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the fields whose value changed."""
    return {k: [old.get(k), new[k]] for k in new if old.get(k) != new[k]}


def entry_fields(
    action: str,
    *,
    actor=None,
    obj: models.Model | None = None,
    community=None,
    changes: dict[str, list[Any]] | None = None,
    object_type: str = "",
    object_id: str = "",
    object_label: str = "",
) -> dict[str, Any]:
    """The fields of the audit entry :func:`record` writes (also the reference for a
    statement that writes its own entry, such as a check-in's)."""
    if action.count(".") < 1:
        raise ValueError("audit actions are namespaced, e.g. 'sites.site.updated'")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_label = object_label or str(obj)[:255]
    actor_obj = actor if actor is not None and actor.is_authenticated else None
    return {
        "action": action,
        "actor": actor_obj,
        "actor_label": actor_obj.get_username() if actor_obj else SYSTEM,
        "object_type": object_type,
        "object_id": object_id,
        "object_label": object_label,
        "community": community,
        "changes": {k: [_plain(v[0]), _plain(v[1])] for k, v in (changes or {}).items()},
    }


def record(action: str, **kwargs: Any) -> AuditEntry:
    """Append one audit entry. ``action`` is a namespaced code such as ``sites.site.updated``;
    the keyword arguments are :func:`entry_fields`'."""
    return AuditEntry.objects.create(**entry_fields(action, **kwargs))
