"""Forms of the evaluation pages: parse and validate input, then the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import MeetingKind, ProjectStatus, Stage, TaskStatus


class StandardUploadForm(forms.Form):
    file = forms.FileField(label=_("standard file (YAML)"))


class ManualValueForm(forms.Form):
    indicator = forms.CharField(widget=forms.HiddenInput)
    value = forms.CharField(label=_("value"), max_length=40)
    note = forms.CharField(label=_("note"), max_length=400, required=False)


class EvidenceForm(forms.Form):
    indicator = forms.CharField(widget=forms.HiddenInput)
    title = forms.CharField(label=_("title"), max_length=200, required=False)
    file = forms.FileField(label=_("evidence file"))


class SubmitForm(forms.Form):
    stage = forms.ChoiceField(label=_("stage"), choices=Stage.choices, initial=Stage.SELF)
    note = forms.CharField(label=_("note"), max_length=400, required=False)


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("why it is reopened"), max_length=400)


class TaskForm(forms.Form):
    title = forms.CharField(label=_("task"), max_length=200)
    owner_site = forms.ModelChoiceField(label=_("owner (site)"), queryset=None, required=False)
    owner = forms.CharField(label=_("owner (person or unit)"), max_length=120, required=False)
    due_date = forms.DateField(
        label=_("due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(label=_("status"), choices=TaskStatus.choices)
    indicator_ref = forms.ChoiceField(label=_("indicator"), required=False)
    note = forms.CharField(label=_("note"), max_length=400, required=False)

    def __init__(self, *args, community, indicators: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_site"].queryset = community.sites.all()
        self.fields["indicator_ref"].choices = [("", "—"), *indicators]


class TaskStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("status"), choices=TaskStatus.choices)


class ProjectForm(forms.Form):
    name_zh = forms.CharField(label=_("name (Chinese)"), max_length=200)
    name_en = forms.CharField(label=_("name (English)"), max_length=200, required=False)
    status = forms.ChoiceField(label=_("status"), choices=ProjectStatus.choices)
    owner_site = forms.ModelChoiceField(label=_("owner (site)"), queryset=None, required=False)
    owner = forms.CharField(label=_("owner (person or unit)"), max_length=120, required=False)
    budget_yuan = forms.DecimalField(label=_("budget (yuan)"), min_value=0, decimal_places=2)
    progress_pct = forms.IntegerField(label=_("progress (%)"), min_value=0, max_value=100)
    expected_reduction_tco2e_yr = forms.FloatField(
        label=_("expected reduction (tCO2e/yr)"), min_value=0
    )
    achieved_reduction_tco2e_yr = forms.FloatField(
        label=_("achieved reduction (tCO2e/yr)"), min_value=0, initial=0
    )
    start_date = forms.DateField(
        label=_("start"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    due_date = forms.DateField(
        label=_("due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_site"].queryset = community.sites.all()


class MinutesForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    kind = forms.ChoiceField(label=_("meeting"), choices=MeetingKind.choices)
    meeting_date = forms.DateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}))
    attendees = forms.CharField(label=_("attendees"), max_length=400, required=False)
    summary = forms.CharField(
        label=_("decisions and summary"), widget=forms.Textarea(attrs={"rows": 4})
    )
    file = forms.FileField(label=_("document"), required=False)
