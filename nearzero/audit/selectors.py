from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from nearzero.accounts import scope

from .models import AuditEntry


def entries_for(user) -> QuerySet[AuditEntry]:
    """Entries a user may read: superusers all; staff those of the communities they see."""
    if user.is_superuser:
        return AuditEntry.objects.all()
    if not scope.is_staff_member(user):
        return AuditEntry.objects.none()
    return AuditEntry.objects.filter(community__in=scope.communities_for(user))


def filtered(
    entries: QuerySet[AuditEntry],
    *,
    action: str = "",
    object_type: str = "",
    actor: str = "",
    community: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEntry]:
    if action:
        entries = entries.filter(Q(action=action) | Q(action__startswith=action.rstrip(".") + "."))
    if object_type:
        entries = entries.filter(object_type=object_type)
    if actor:
        entries = entries.filter(actor_label=actor)
    if community:
        entries = entries.filter(community__slug=community)
    if since:
        entries = entries.filter(at__date__gte=since)
    if until:
        entries = entries.filter(at__date__lte=until)
    return entries
