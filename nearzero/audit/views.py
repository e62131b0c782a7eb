from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from nearzero.accounts.decorators import staff_required

from . import selectors


class AuditFilterForm(forms.Form):
    action = forms.CharField(
        label=_("action"), required=False, help_text=_("a code or a prefix, e.g. sites.site")
    )
    object_type = forms.CharField(label=_("object type"), required=False)
    actor = forms.CharField(label=_("actor"), required=False)
    community = forms.SlugField(label=_("community"), required=False)
    since = forms.DateField(
        label=_("from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


@staff_required
def entry_list(request):
    form = AuditFilterForm(request.GET or None)
    entries = selectors.entries_for(request.user).select_related("community")
    if form.is_valid():
        entries = selectors.filtered(entries, **form.cleaned_data)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/entry_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )
