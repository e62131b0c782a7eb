"""The engagement app's domain error (a stable ``code`` the API and the pages translate)."""

from __future__ import annotations

from nearzero.core.errors import DomainError


class EngagementError(DomainError):
    pass
