from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from nearzero.core import units
from nearzero.core.ghg import reference, registry

from .choices import (
    Category,
    GWPSet,
    Level,
    NotationKey,
    QualityMethod,
    QualityRating,
    Scheme,
    UnitUse,
)
from .models import FACTOR_FIELDS, EmissionFactor, FactorSet


def activity_type_choices():
    from django.utils.translation import get_language

    english = (get_language() or "").startswith("en")
    return [
        (code, spec.en if english else spec.zh) for code, spec in reference.activity_types().items()
    ]


def unit_choices():
    return [(code, code) for code in units.UNITS]


class InventoryForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=1990, max_value=2100)
    gwp_set = forms.ChoiceField(label=_("GWP set"), choices=GWPSet.choices, initial=GWPSet.AR5)
    level = forms.ChoiceField(label=_("reporting level"), choices=Level.choices)
    factor_set = forms.ModelChoiceField(
        label=_("factor set"),
        queryset=FactorSet.objects.none(),
        required=False,
        help_text=_("Empty: the newest official set for that year."),
    )
    is_baseline = forms.BooleanField(label=_("baseline year"), required=False)

    def __init__(self, *args, community=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["factor_set"].queryset = FactorSet.objects.filter(is_shipped=True) | (
            FactorSet.objects.filter(community=community)
        )


class ActivityForm(forms.Form):
    month = forms.TypedChoiceField(
        label=_("month"),
        coerce=int,
        choices=[(0, _("whole year"))] + [(m, str(m)) for m in range(1, 13)],
    )
    activity_type = forms.ChoiceField(label=_("activity type"), choices=activity_type_choices)
    category = forms.ChoiceField(label=_("category"), choices=Category.choices)
    gpc_ref = forms.CharField(
        label=_("GPC reference"),
        required=False,
        help_text=_("Empty: derived from the activity type and category."),
    )
    label = forms.CharField(label=_("label"), required=False, max_length=120)
    quantity = forms.DecimalField(label=_("quantity"), min_value=0, max_digits=20, decimal_places=6)
    unit = forms.ChoiceField(label=_("unit"), choices=unit_choices)
    quality_method = forms.ChoiceField(
        label=_("data quality: method"), choices=QualityMethod.choices
    )
    quality_rating = forms.ChoiceField(
        label=_("data quality: rating"), choices=QualityRating.choices
    )
    evidence = forms.FileField(label=_("evidence"), required=False)
    note = forms.CharField(label=_("note"), required=False, max_length=255)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("file (.xlsx or .csv)"))


class FactorSetForm(forms.Form):
    factor_set = forms.ModelChoiceField(label=_("factor set"), queryset=FactorSet.objects.none())

    def __init__(self, *args, community=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["factor_set"].queryset = FactorSet.objects.filter(is_shipped=True) | (
            FactorSet.objects.filter(community=community)
        )


class NotationForm(forms.Form):
    gpc_ref = forms.ChoiceField(
        label=_("GPC reference"), choices=lambda: [(r, r) for r in reference.gpc_rows()]
    )
    key = forms.ChoiceField(label=_("notation key"), choices=NotationKey.choices)
    explanation = forms.CharField(label=_("explanation"), max_length=400)


class SinkForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("kind"),
        choices=lambda: [
            (code, f"{zh} / {en}") for code, (_dim, en, zh) in registry.SINK_KINDS.items()
        ],
    )
    label = forms.CharField(label=_("label"), required=False, max_length=120)
    quantity = forms.DecimalField(label=_("quantity"), min_value=0)
    unit = forms.ChoiceField(
        label=_("unit"), choices=[("ha", "ha"), ("m2", "m²"), ("mu", "亩"), ("item", _("trees"))]
    )
    rate = forms.ModelChoiceField(label=_("rate"), queryset=EmissionFactor.objects.none())

    def __init__(self, *args, community=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rate"].queryset = EmissionFactor.objects.filter(
            activity_type__startswith="sink_"
        ).filter(community__isnull=True) | EmissionFactor.objects.filter(
            activity_type__startswith="sink_", community=community
        )


class RetireForm(forms.Form):
    use = forms.ChoiceField(label=_("use"), choices=UnitUse.choices)
    scheme = forms.ChoiceField(label=_("scheme"), choices=Scheme.choices)
    serial = forms.CharField(label=_("serial number"), max_length=120)
    quantity = forms.DecimalField(label=_("quantity"), min_value=0)
    unit = forms.ChoiceField(label=_("unit"), choices=[("tCO2e", "tCO2e"), ("MWh", "MWh")])
    retired_on = forms.DateField(
        label=_("retired on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("note"), required=False, max_length=255)


class LocalFactorForm(forms.ModelForm):
    class Meta:
        model = EmissionFactor
        fields = ["code", "value", *FACTOR_FIELDS]


class FactorFilterForm(forms.Form):
    geography = forms.CharField(label=_("geography"), required=False)
    year = forms.IntegerField(label=_("data year"), required=False)
    activity_type = forms.ChoiceField(
        label=_("activity type"),
        required=False,
        choices=lambda: [
            ("", "—"),
            *activity_type_choices(),
            *[(f"sink_{k}", f"{zh} / {en}") for k, (_d, en, zh) in registry.SINK_KINDS.items()],
        ],
    )
