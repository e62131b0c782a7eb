from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from nearzero.inventory.choices import Category
from nearzero.inventory.forms import activity_type_choices

from .models import Meter


class MeterForm(forms.ModelForm):
    inventory_activity_type = forms.ChoiceField(
        label=_("inventory activity type"),
        required=False,
        choices=lambda: [("", "—"), *activity_type_choices()],
        help_text=_("Monthly totals of this meter become activity records of the inventory."),
    )
    inventory_category = forms.ChoiceField(
        label=_("inventory category"), required=False, choices=[("", "—"), *Category.choices]
    )

    class Meta:
        model = Meter
        fields = [
            "code",
            "name",
            "site",
            "carrier",
            "direction",
            "unit",
            "register",
            "resolution_min",
            "rollover_at",
            "inventory_activity_type",
            "inventory_category",
            "is_active",
        ]

    def __init__(self, *args, community=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = community.sites.all()

    def validate_unique(self):
        """Uniqueness is the service's rule (it reports ``code_taken``)."""


class ReadingImportForm(forms.Form):
    file = forms.FileField(label=_("file (.csv or .xlsx)"))
    meter_column = forms.CharField(label=_("meter column"), initial="meter")
    timestamp_column = forms.CharField(label=_("timestamp column"), initial="timestamp")
    value_column = forms.CharField(label=_("value column"), initial="value")
    unit_column = forms.CharField(
        label=_("unit column"),
        initial="unit",
        required=False,
        help_text=_("Empty: every value is in the meter's unit."),
    )
    value_unit = forms.CharField(
        label=_("unit of the values"),
        required=False,
        help_text=_("e.g. kWh when the header reads 电量(kWh)"),
    )
    timestamp_is_end = forms.BooleanField(
        label=_("timestamps mark the end of each interval"), required=False
    )
    header_row = forms.IntegerField(label=_("header row"), initial=1, min_value=1)
