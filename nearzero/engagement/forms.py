"""Forms of the engagement pages: parse input; services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from nearzero.core.engagement import recycling
from nearzero.sites.models import Household, Site

from .choices import FeedbackCategory, FeedbackStatus, QuizKind
from .models import ActivityType, Resident

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ResidentForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=80)
    phone = forms.CharField(
        label=_("phone"),
        max_length=24,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    home_site = forms.ModelChoiceField(
        label=_("home site"), queryset=Site.objects.none(), required=False
    )
    household = forms.ModelChoiceField(
        label=_("household"), queryset=Household.objects.none(), required=False
    )
    consent = forms.BooleanField(
        label=_(
            "The resident agrees that the community keeps these data for the low-carbon programme"
        ),
        required=True,
    )

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_site"].queryset = Site.objects.filter(community=community)
        self.fields["household"].queryset = Household.objects.filter(
            building__community=community
        ).select_related("building")


class EventForm(forms.Form):
    activity_type = forms.ModelChoiceField(
        label=_("activity type"), queryset=ActivityType.objects.none()
    )
    title = forms.CharField(
        label=_("title"),
        max_length=120,
        required=False,
        help_text=_("empty: the activity type's name"),
    )
    site = forms.ModelChoiceField(label=_("site"), queryset=Site.objects.none())
    starts_at = forms.DateTimeField(label=_("starts"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("ends"), widget=DATETIME)
    capacity = forms.IntegerField(label=_("capacity (persons)"), min_value=1, required=False)
    registration_open = forms.BooleanField(
        label=_("registration open"), required=False, initial=True
    )
    self_check_in = forms.BooleanField(
        label=_("self check-in"),
        required=False,
        help_text=_("residents may check themselves in by scanning the event poster"),
    )
    description = forms.CharField(
        label=_("description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, community, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["activity_type"].queryset = ActivityType.objects.filter(
            is_practice=False
        ).filter(community__in=[community]) | ActivityType.objects.filter(
            is_practice=False, community__isnull=True
        )


class ShiftForm(forms.Form):
    site = forms.ModelChoiceField(label=_("site"), queryset=Site.objects.none())
    resident = forms.ModelChoiceField(
        label=_("volunteer"),
        queryset=Resident.objects.none(),
        widget=forms.NumberInput,
        help_text=_("registry number"),
    )
    starts_at = forms.DateTimeField(label=_("starts"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("ends"), widget=DATETIME)
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args, community, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["resident"].queryset = Resident.objects.filter(
            community=community, erased_at=None
        )


class WeighingForm(forms.Form):
    site = forms.ModelChoiceField(label=_("site"), queryset=Site.objects.none())
    material = forms.ChoiceField(label=_("material"))
    kg = forms.DecimalField(label=_("mass (kg)"), min_value=0, max_digits=9, decimal_places=2)
    resident = forms.ModelChoiceField(
        label=_("resident"),
        queryset=Resident.objects.none(),
        required=False,
        widget=forms.NumberInput,
        help_text=_("registry number, if a resident brought it"),
    )

    def __init__(self, *args, community, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["material"].choices = [
            (m.code, f"{m.zh} · {m.en} ({m.kgco2e_per_kg:g} kg CO2e/kg)")
            for m in recycling.materials().values()
        ]
        self.fields["resident"].queryset = Resident.objects.filter(
            community=community, erased_at=None
        )


class AdoptionForm(forms.Form):
    resident = forms.ModelChoiceField(
        label=_("resident"),
        queryset=Resident.objects.none(),
        widget=forms.NumberInput,
        help_text=_("registry number"),
    )
    plant = forms.CharField(label=_("plant"), max_length=80)
    site = forms.ModelChoiceField(label=_("site"), queryset=Site.objects.none(), required=False)
    location = forms.CharField(label=_("location"), max_length=120, required=False)

    def __init__(self, *args, community, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["resident"].queryset = Resident.objects.filter(
            community=community, erased_at=None
        )


class CareLogForm(forms.Form):
    note = forms.CharField(label=_("note"), max_length=200, required=False)
    photo = forms.ImageField(label=_("photo"), required=False)


class QuizForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=120)
    kind = forms.ChoiceField(label=_("kind"), choices=QuizKind.choices)
    pass_mark_pct = forms.IntegerField(
        label=_("pass mark (%)"), min_value=1, max_value=100, initial=60
    )
    questions_text = forms.CharField(
        label=_("questions"),
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            "One question per block: ? single choice, ?? multiple choice; "
            "* correct option, - other option. Surveys use - only."
        ),
    )


class FeedbackForm(forms.Form):
    category = forms.ChoiceField(label=_("category"), choices=FeedbackCategory.choices)
    site = forms.ModelChoiceField(label=_("site"), queryset=Site.objects.none(), required=False)
    text = forms.CharField(label=_("suggestion"), widget=forms.Textarea(attrs={"rows": 4}))
    photo = forms.ImageField(label=_("photo"), required=False)

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.filter(community=community, is_active=True)


class AnswerForm(forms.Form):
    status = forms.ChoiceField(
        label=_("status"),
        choices=[c for c in FeedbackStatus.choices if c[0] != FeedbackStatus.OPEN],
    )
    reply = forms.CharField(label=_("answer"), widget=forms.Textarea(attrs={"rows": 3}))


class BookForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=160)
    author = forms.CharField(label=_("author"), max_length=120, required=False)
