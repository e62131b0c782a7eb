from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import CandidateSource, SitingMethod
from .models import CircleSettings
from .services import MAX_NEW_POSTS

#: Largest upload accepted for a street network or a homes file [bytes].
MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class _Upload(forms.Form):
    file = forms.FileField(label=_("file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 200 MB."))
        return upload


class NetworkForm(_Upload):
    file = forms.FileField(
        label=_("street network file"),
        help_text=_("OpenStreetMap .osm.pbf or .osm, GeoJSON lines, or a zipped Shapefile."),
    )


class HomesForm(_Upload):
    file = forms.FileField(
        label=_("homes file"),
        help_text=_("CSV with columns id,lat,lon,residents, or GeoJSON points or footprints."),
    )


class SettingsForm(forms.ModelForm):
    class Meta:
        model = CircleSettings
        fields = ["max_walk_m", "speed_m_per_min", "elderly_speed_m_per_min"]


class SitingForm(forms.Form):
    new = forms.IntegerField(label=_("new posts"), min_value=1, max_value=MAX_NEW_POSTS, initial=3)
    candidate_source = forms.ChoiceField(
        label=_("candidate places"), choices=CandidateSource.choices, initial=CandidateSource.NODES
    )
    candidates_file = forms.FileField(
        label=_("candidates CSV"),
        required=False,
        help_text=_("Columns id,lat,lon (for “uploaded CSV”)."),
    )
    drawn = forms.CharField(
        label=_("places drawn on the map"),
        required=False,
        widget=forms.HiddenInput,
    )
    method = forms.ChoiceField(
        label=_("method"), choices=SitingMethod.choices, initial=SitingMethod.GREEDY
    )
