"""Forms of the points pages: parse input; services decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from nearzero.sites.models import Site

from .choices import FundSource
from .models import Reward

FEN_PER_YUAN = 100


class YuanField(forms.DecimalField):
    """An amount of money typed in yuan with at most two decimals, cleaned to whole fen."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", Decimal("0.01"))
        super().__init__(max_digits=12, decimal_places=2, **kwargs)

    def clean(self, value):
        amount = super().clean(value)
        return None if amount is None else int(amount * FEN_PER_YUAN)


class AdjustForm(forms.Form):
    points = forms.IntegerField(
        label=_("points"),
        help_text=_("more than zero adds points, less than zero takes them away"),
    )
    reason = forms.CharField(
        label=_("reason"),
        max_length=200,
        help_text=_("required; the resident sees it in their history"),
    )


class RuleForm(forms.Form):
    points_per_unit = forms.IntegerField(label=_("points per unit"), min_value=0)
    cap_per_day = forms.IntegerField(
        label=_("cap per resident per day (points)"),
        min_value=0,
        required=False,
        help_text=_("empty: no cap"),
    )
    cap_per_month = forms.IntegerField(
        label=_("cap per resident per month (points)"),
        min_value=0,
        required=False,
        help_text=_("empty: no cap"),
    )
    is_active = forms.BooleanField(label=_("active"), required=False)


class RewardForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=80)
    cost_points = forms.IntegerField(label=_("cost (points)"), min_value=1)
    cost_yuan = YuanField(
        label=_("cost to the fund (yuan)"),
        required=False,
        min_value=Decimal(0),
        help_text=_("what the fund pool pays per item when it is collected"),
    )
    stock = forms.IntegerField(label=_("stock"), min_value=0, initial=0)
    site = forms.ModelChoiceField(
        label=_("pick-up site"), queryset=Site.objects.none(), required=False
    )
    description = forms.CharField(
        label=_("description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    is_active = forms.BooleanField(label=_("on offer"), required=False, initial=True)

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.filter(community=community, is_active=True)

    def values(self) -> dict:
        """The cleaned data as the reward services take it (the cost in fen)."""
        data = dict(self.cleaned_data)
        data["cost_fen"] = data.pop("cost_yuan") or 0
        return data

    @classmethod
    def initial_for(cls, reward: Reward) -> dict:
        return {
            "name": reward.name,
            "cost_points": reward.cost_points,
            "cost_yuan": Decimal(reward.cost_fen) / FEN_PER_YUAN,
            "stock": reward.stock,
            "site": reward.site_id,
            "description": reward.description,
            "is_active": reward.is_active,
        }


class ReserveForm(forms.Form):
    """A reward reserved at the counter for a resident found by the search."""

    resident = forms.IntegerField(widget=forms.HiddenInput)
    reward = forms.ModelChoiceField(label=_("reward"), queryset=Reward.objects.none())

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reward"].queryset = Reward.objects.filter(
            community=community, is_active=True, stock__gt=0
        )


class InflowForm(forms.Form):
    amount = YuanField(label=_("amount (yuan)"))
    source = forms.ChoiceField(
        label=_("source"),
        choices=[c for c in FundSource.choices if c[0] != FundSource.REWARDS],
    )
    memo = forms.CharField(label=_("memo"), max_length=200, required=False)


class OutflowForm(forms.Form):
    amount = YuanField(label=_("amount (yuan)"))
    memo = forms.CharField(
        label=_("paid for"), max_length=200, help_text=_("required: what the money paid for")
    )
