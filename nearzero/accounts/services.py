"""Writes of users and roles, each audited."""

from __future__ import annotations

from django.db import transaction

from nearzero.audit.services import record
from nearzero.core.errors import DomainError

from .models import Role, RoleAssignment, User
from .scope import forget_roles


@transaction.atomic
def create_user(
    *, actor, username: str, password: str, display_name: str = "", is_superuser: bool = False
) -> User:
    if User.objects.filter(username=username).exists():
        raise DomainError("username_taken", f"user {username!r} exists", field="username")
    user = User(
        username=username,
        display_name=display_name,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    user.set_password(password)
    user.save()
    record(
        "accounts.user.created",
        actor=actor,
        obj=user,
        changes={"username": [None, username], "is_superuser": [None, is_superuser]},
    )
    return user


@transaction.atomic
def grant_role(
    *, actor, user: User, role: str, region=None, community=None, site=None, household=None
) -> RoleAssignment:
    assignment = RoleAssignment(
        user=user,
        role=Role(role),
        region=region,
        community=community,
        site=site,
        household=household,
    )
    assignment.full_clean()
    assignment.save()
    forget_roles(user)
    scope_community = community or (site.community if site else None)
    record(
        "accounts.role.granted",
        actor=actor,
        obj=assignment,
        community=scope_community,
        changes={
            "user": [None, user.pk],
            "role": [None, role],
            "node": [None, str(assignment.node)],
        },
    )
    return assignment


@transaction.atomic
def revoke_role(assignment: RoleAssignment, *, actor) -> None:
    scope_community = assignment.community or (
        assignment.site.community if assignment.site else None
    )
    record(
        "accounts.role.revoked",
        actor=actor,
        obj=assignment,
        community=scope_community,
        changes={"user": [assignment.user_id, None], "role": [assignment.role, None]},
    )
    forget_roles(assignment.user)
    assignment.delete()
