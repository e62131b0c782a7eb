"""Form helpers shared by every app's pages."""

from __future__ import annotations

from django import forms

from nearzero.core.errors import DomainError


def add_domain_error(form: forms.Form, exc: DomainError) -> None:
    """Show a service's error on the field it names, or on the form as a whole."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
