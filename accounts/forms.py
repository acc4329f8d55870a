"""Forms of the account pages. They parse input into the ``data`` dicts ``accounts.services``
expects; the services validate the business rules and write."""

from __future__ import annotations

from django import forms

from .models import BillingPeriod, LifecycleStage, Note, Segment, StakeholderRole, TouchModel
from .selectors import SORT_LABELS, AccountFilters

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _any(label: str, choices) -> list[tuple[str, str]]:
    return [("", label), *choices]


class AccountFilterForm(forms.Form):
    """Search, filters and sort of the account list (GET parameters)."""

    q = forms.CharField(
        required=False,
        max_length=100,
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, external id or domain"}),
    )
    segment = forms.ChoiceField(required=False, choices=_any("Any segment", Segment.choices))
    lifecycle_stage = forms.ChoiceField(required=False, label="Stage", choices=_any("Any stage", LifecycleStage.choices))
    owner = forms.ChoiceField(required=False, choices=[])
    touch_model = forms.ChoiceField(required=False, label="Touch model", choices=_any("Any touch model", TouchModel.choices))
    sort = forms.ChoiceField(required=False, choices=list(SORT_LABELS.items()))

    def __init__(self, *args, owner_choices: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "Any owner"), ("none", "Unassigned"), *((str(pk), name) for pk, name in owner_choices)]

    def filters(self) -> AccountFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return AccountFilters(
            q=data.get("q", "").strip(),
            segment=data.get("segment", ""),
            lifecycle_stage=data.get("lifecycle_stage", ""),
            owner=data.get("owner", ""),
            touch_model=data.get("touch_model", ""),
            sort=data.get("sort") or "name",
        )


class AccountForm(forms.Form):
    name = forms.CharField(max_length=200)
    external_id = forms.CharField(max_length=100, label="External id", help_text="Your own id for this customer (e.g. from your CRM or billing system).")
    domain = forms.CharField(max_length=200, required=False, help_text="The customer's web domain, e.g. example.com.")
    segment = forms.ChoiceField(choices=Segment.choices)
    tier = forms.CharField(max_length=50, required=False)
    owner = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Owner (CSM)")
    lifecycle_stage = forms.ChoiceField(choices=LifecycleStage.choices, label="Lifecycle stage")
    touch_model = forms.ChoiceField(
        choices=TouchModel.choices,
        label="Touch model",
        help_text="Tech-touch for low-investment accounts (automated, scaled programs); human-touch for high-investment ones (a named CSM).",
    )
    start_date = forms.DateField(required=False, widget=DATE, label="Customer since")
    churned_on = forms.DateField(required=False, widget=DATE, label="Churned on", help_text="Leave empty while the account is a customer.")

    def __init__(self, *args, owner_choices: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "— Unassigned —"), *owner_choices]

    def to_data(self) -> dict:
        return dict(self.cleaned_data)


class ContactForm(forms.Form):
    name = forms.CharField(max_length=200)
    email = forms.EmailField(required=False)
    title = forms.CharField(max_length=200, required=False, label="Job title")
    department = forms.CharField(max_length=100, required=False)
    stakeholder_role = forms.ChoiceField(
        choices=StakeholderRole.choices,
        label="Stakeholder role",
        help_text="Their role in the buying and adoption decision; the stakeholder map groups contacts by it.",
    )
    last_engaged_at = forms.DateTimeField(
        required=False,
        label="Last engaged",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="The last meeting, call or reply from this person (UTC).",
    )
    left_on = forms.DateField(
        required=False, widget=DATE, label="Left the company on", help_text="Set when the person leaves; a departed champion or sponsor is flagged as a risk."
    )
    external_id = forms.CharField(max_length=100, required=False, label="External id", help_text="Optional: this person's id in your CRM.")

    def to_data(self) -> dict:
        return dict(self.cleaned_data)


class ContractLineForm(forms.Form):
    product = forms.CharField(max_length=100, help_text="Plan or add-on name.")
    is_addon = forms.BooleanField(required=False, label="Add-on")
    mrr = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0, label="MRR (USD)", help_text="Monthly recurring revenue after discount.")
    seats_licensed = forms.IntegerField(min_value=0, initial=0, label="Seats licensed")
    start_date = forms.DateField(widget=DATE, label="Start date")
    end_date = forms.DateField(required=False, widget=DATE, label="End date", help_text="Last day of service; leave empty while the line is running.")
    renewal_date = forms.DateField(required=False, widget=DATE, label="Renewal date")
    billing_period = forms.ChoiceField(choices=BillingPeriod.choices, label="Billing period")
    discount_percent = forms.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100, initial=0, label="Discount (%)")
    external_id = forms.CharField(max_length=100, required=False, label="External id", help_text="Optional: the line's id in your billing system.")

    def to_data(self) -> dict:
        return dict(self.cleaned_data)


class NoteForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "What happened, what you learned, what comes next"}), label="Note", max_length=10_000
    )
    sentiment = forms.ChoiceField(choices=Note.Sentiment.choices, initial=Note.Sentiment.NEUTRAL, help_text="How the customer feels, as far as you can tell.")
