from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from .scope import is_staff_member, resident_assignment


def staff_required(view):
    """Signed-in staff only; anyone else signed in gets 404 (the page 'does not exist')."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_staff_member(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def resident_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if resident_assignment(request.user) is None:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
