"""Forms of the dashboards pages: band overrides and the scorecard editor."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from .models import Band
from .scorecards import MEASURES


class BandOverrideForm(forms.Form):
    band = forms.ChoiceField(choices=[(b.value, b.label) for b in (Band.GREEN, Band.YELLOW, Band.RED)])
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, help_text="What the score does not see. Kept with the override and in the audit log."
    )
    expires_on = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), help_text="The computed band is back in force after this day (at most 180 days ahead)."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expires_on"].initial = timezone.now().date() + dt.timedelta(days=30)


def _names(value: str) -> list[str]:
    return [n.strip() for n in value.replace("\n", ",").split(",") if n.strip()]


class ScorecardForm(forms.Form):
    """One weight and two thresholds per measure, the band limits and the event names."""

    green = forms.FloatField(label="Green from", min_value=1, max_value=100, help_text="Scores at or above this are green.")
    yellow = forms.FloatField(label="Yellow from", min_value=0, max_value=100, help_text="Scores at or above this (and below green) are yellow; below is red.")
    value_events = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, help_text="Comma-separated event names that mean value (usage depth, trend)."
    )
    key_features = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, help_text="Comma-separated event names of the key features (adoption)."
    )
    note = forms.CharField(max_length=300, required=False, help_text="Why this version (shown in the version list).")

    def __init__(self, *args, definition: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.update(
            green=definition["bands"]["green"],
            yellow=definition["bands"]["yellow"],
            value_events=", ".join(definition.get("value_events", [])),
            key_features=", ".join(definition.get("key_features", [])),
        )
        for key, (label, help_text) in MEASURES.items():
            spec = definition["measures"][key]
            self.fields[f"{key}__weight"] = forms.FloatField(label=f"{label}: weight", min_value=0, initial=spec["weight"], help_text=help_text)
            self.fields[f"{key}__zero_at"] = forms.FloatField(label=f"{label}: raw value scoring 0", initial=spec["zero_at"])
            self.fields[f"{key}__full_at"] = forms.FloatField(label=f"{label}: raw value scoring 100", initial=spec["full_at"])
        self.base_definition = definition

    def measure_rows(self):
        return [(key, label, self[f"{key}__weight"], self[f"{key}__zero_at"], self[f"{key}__full_at"]) for key, (label, _) in MEASURES.items()]

    def definition(self) -> dict:
        data = self.cleaned_data
        measures = {}
        for key in MEASURES:
            measures[key] = {
                **self.base_definition["measures"][key],
                "weight": data[f"{key}__weight"],
                "zero_at": data[f"{key}__zero_at"],
                "full_at": data[f"{key}__full_at"],
            }
        return {
            **self.base_definition,
            "measures": measures,
            "bands": {"green": data["green"], "yellow": data["yellow"]},
            "value_events": _names(data["value_events"]),
            "key_features": _names(data["key_features"]),
        }
