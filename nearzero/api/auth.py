"""How API callers authenticate (shared by the routers and the API object)."""

from __future__ import annotations

from ninja.security import django_auth

from nearzero.accounts.scope import is_staff_member


def staff_session(request):
    """Session auth limited to staff: residents and strangers get 401/404 like a missing API."""
    user = django_auth(request)
    if user and is_staff_member(user):
        return user
    return None
