"""Errors with a stable code that the API and the UI map to translated text."""

from __future__ import annotations


class DomainError(Exception):
    """A rule was broken. ``code`` is stable; ``field`` names the input at fault, if any."""

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message
