"""Forms of the portfolio page: its filters (GET) and naming a saved view (POST)."""

from __future__ import annotations

from django import forms

from . import portfolio


def _any(label: str, choices) -> list[tuple[str, str]]:
    return [("", label), *choices]


class PortfolioFilterForm(forms.Form):
    q = forms.CharField(
        required=False, max_length=100, label="Search", widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, external id or domain"})
    )
    owner = forms.ChoiceField(required=False, choices=[])
    segment = forms.ChoiceField(required=False, choices=_any("Any segment", portfolio.segment_choices()))
    band = forms.ChoiceField(required=False, choices=_any("Any band", portfolio.band_choices()))
    zone = forms.ChoiceField(required=False, label="Needs attention first", choices=_any("Any zone", portfolio.zone_choices()))
    renewal = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label="Renews within",
        choices=_any("Any time", [(str(d), f"{d} days") for d in portfolio.RENEWAL_WINDOWS]),
    )
    sort = forms.ChoiceField(required=False, label="Sort by", choices=list(portfolio.SORTS.items()))

    def __init__(self, *args, owner_choices: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "Everyone"), ("me", "Mine"), ("none", "Unassigned"), *((str(pk), name) for pk, name in owner_choices)]

    def filters(self) -> portfolio.PortfolioFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return portfolio.PortfolioFilters(
            q=(data.get("q") or "").strip(),
            owner=data.get("owner") or "",
            segment=data.get("segment") or "",
            band=data.get("band") or "",
            zone=data.get("zone") or "",
            renewal=data.get("renewal"),
            sort=data.get("sort") or portfolio.DEFAULT_SORT,
        )


class SavedViewForm(forms.Form):
    name = forms.CharField(max_length=80, label="Name of this view", widget=forms.TextInput(attrs={"placeholder": "e.g. Enterprise renewals at risk"}))
    query = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)
