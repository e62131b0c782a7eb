"""Forms parse and validate input; the services do the writing."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from nearzero.core.geo import GeometryError, validate_polygon

from .models import Community, Region, Site
from .services import SITE_FIELDS


class BoundaryField(forms.CharField):
    """A GeoJSON Polygon/MultiPolygon typed or pasted as text."""

    widget = forms.Textarea(attrs={"rows": 4, "spellcheck": "false"})

    def prepare_value(self, value):
        if isinstance(value, dict):
            return json.dumps(value, ensure_ascii=False)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            data = json.loads(value)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("Not valid JSON (line %(line)s, column %(col)s)."),
                params={"line": exc.lineno, "col": exc.colno},
                code="bad_json",
            ) from None
        try:
            return validate_polygon(data)
        except GeometryError as exc:
            raise forms.ValidationError(str(exc), code=exc.code) from None


class CommunityForm(forms.ModelForm):
    boundary = BoundaryField(label=_("boundary (GeoJSON)"), required=False)

    class Meta:
        model = Community
        fields = [
            "name_zh",
            "name_en",
            "slug",
            "region",
            "pilot_type",
            "province",
            "grid_region",
            "population",
            "households",
            "floor_area_m2",
            "time_zone",
            "boundary",
        ]

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if regions is not None:
            self.fields["region"].queryset = regions

    def validate_unique(self):
        """Uniqueness is the service's rule (it reports ``slug_taken``)."""


class SiteForm(forms.ModelForm):
    class Meta:
        model = Site
        fields = list(SITE_FIELDS)
        widgets = {
            "lat": forms.NumberInput(attrs={"step": "0.000001"}),
            "lon": forms.NumberInput(attrs={"step": "0.000001"}),
        }

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, **kwargs)
        parents = Site.objects.filter(community=community)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents


class RegionForm(forms.ModelForm):
    class Meta:
        model = Region
        fields = ["name_zh", "name_en", "level", "parent", "code"]

    def __init__(self, *args, parents=None, **kwargs):
        super().__init__(*args, **kwargs)
        if parents is not None:
            self.fields["parent"].queryset = parents
        if self.instance.pk:
            # Moving a region would rewrite its subtree's paths: not offered.
            del self.fields["level"]
            del self.fields["parent"]
