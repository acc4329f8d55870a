"""Forms of the experience pages: they parse and type input; services validate the rules."""

from __future__ import annotations

from django import forms

from .links import PURPOSES
from .models import CapabilityMapping, LearningItem, LearningProgress, LearningRole, RoadmapPhase


class RoadmapItemForm(forms.Form):
    title = forms.CharField(max_length=200)
    phase = forms.ChoiceField(choices=RoadmapPhase.choices)
    why = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="The evidence, as the customer will read it.")


class ShareForm(forms.Form):
    purpose = forms.ChoiceField(choices=list(PURPOSES.items()))
    days = forms.IntegerField(min_value=1, max_value=365, initial=30, help_text="The link stops working after this many days.")


class DecisionForm(forms.Form):
    item = forms.IntegerField()
    decision = forms.ChoiceField(choices=[("agreed", "Agreed"), ("not_now", "Not now")])
    note = forms.CharField(required=False, max_length=500)


class CapabilityMappingForm(forms.Form):
    kind = forms.ChoiceField(choices=CapabilityMapping.Kind.choices)
    name = forms.CharField(max_length=120)
    event_name = forms.CharField(max_length=100, help_text="The usage event that shows the capability is used.")
    product = forms.CharField(max_length=100, required=False, help_text="Add-ons: the product name on contract lines.")
    threshold = forms.IntegerField(min_value=1, initial=100, help_text="Add-ons: events in 28 days that count as heavy use.")
    estimated_mrr = forms.DecimalField(
        min_value=0, max_digits=12, decimal_places=2, initial=0, label="Estimated MRR", help_text="Monthly value, used for the estimate."
    )


class LearningItemForm(forms.Form):
    title = forms.CharField(max_length=200)
    url = forms.URLField(max_length=500, label="Link", assume_scheme="https")
    duration_minutes = forms.IntegerField(min_value=1, max_value=10000, initial=15, label="Duration (minutes)")
    role = forms.ChoiceField(choices=LearningRole.choices)
    prerequisite = forms.ModelChoiceField(queryset=LearningItem.objects.none(), required=False)
    dimension = forms.CharField(max_length=60, required=False, help_text="Health-check dimension key it strengthens, e.g. training_completion.")
    feature_event = forms.CharField(max_length=100, required=False, help_text="Usage event of the feature it teaches.")
    stage = forms.CharField(max_length=20, required=False, help_text="Lifecycle stage it suits (onboarding, adopting, mature…); empty for any.")

    def __init__(self, *args, organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prerequisite"].queryset = LearningItem.objects.filter(organization=organization)


class ProgressForm(forms.Form):
    contact = forms.IntegerField()
    item = forms.IntegerField()
    status = forms.ChoiceField(choices=LearningProgress.Status.choices)
