from __future__ import annotations

from django.conf import settings

from nearzero.accounts.scope import is_staff_member, resident_assignment

from .navigation import DOMAINS


def shell(request):
    """What the base layout needs on every page: navigation and who is signed in."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_domains": DOMAINS, "is_staff_member": False, "is_resident": False}
    return {
        "nav_domains": DOMAINS,
        "is_staff_member": is_staff_member(user),
        "is_resident": resident_assignment(user) is not None,
        "profile": settings.PROFILE,
    }
