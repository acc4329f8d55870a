"""Forms of the success-plan pages. They parse and type the input; the services validate the
business rules and the views hand the services' messages back to the fields."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from accounts.models import Contact, Segment
from retention.models import User

from .models import ExpansionSignal, Goal, Kpi, KpiSource, MilestonePhase, MilestoneStatus, PlanTemplate, TemplateGoal, TemplateMilestone, ValueDriver

DATE = forms.DateInput(attrs={"type": "date"})


class PlanCreateForm(forms.Form):
    template = forms.ModelChoiceField(
        queryset=PlanTemplate.objects.none(), required=False, empty_label="Start from a blank plan", help_text="Goals, KPIs and milestones to start from."
    )
    title = forms.CharField(max_length=200, required=False, help_text="Leave empty to use the template's name.")
    start_date = forms.DateField(widget=DATE, initial=timezone.localdate, help_text="Progress and milestone due dates count from this day.")

    def __init__(self, *args, templates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = PlanTemplate.objects.filter(pk__in=[t.pk for t in templates])


class PlanForm(forms.Form):
    title = forms.CharField(max_length=200)
    summary = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="The business outcome the customer bought for.")
    start_date = forms.DateField(widget=DATE)


class GoalForm(forms.Form):
    title = forms.CharField(max_length=200, help_text="What the customer wants to achieve, e.g. “Release weekly instead of monthly”.")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class KpiForm(forms.Form):
    goal = forms.ModelChoiceField(queryset=Goal.objects.none())
    name = forms.CharField(max_length=200)
    unit = forms.CharField(max_length=40, required=False, help_text="e.g. %, hours, test cases")
    baseline = forms.FloatField(help_text="The value when the plan started.")
    target = forms.FloatField(help_text="The value agreed with the customer. Below the baseline means lower is better.")
    start_date = forms.DateField(widget=DATE, required=False, help_text="Empty: the plan's start date.")
    target_date = forms.DateField(widget=DATE)
    source = forms.ChoiceField(choices=KpiSource.choices, initial=KpiSource.MANUAL)
    event_name = forms.CharField(max_length=100, required=False, help_text="For event counts and rates: the usage event, e.g. test_run_automated.")
    window_days = forms.IntegerField(min_value=1, max_value=365, initial=28, help_text="Usage metrics are measured over this trailing window.")

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        if plan is not None:
            self.fields["goal"].queryset = Goal.objects.filter(organization_id=plan.organization_id, plan=plan)


class KpiEditForm(KpiForm):
    def __init__(self, *args, kpi: Kpi, **kwargs):
        initial = {
            name: getattr(kpi, name) for name in ("name", "unit", "baseline", "target", "start_date", "target_date", "source", "event_name", "window_days")
        }
        initial["goal"] = kpi.goal_id
        super().__init__(*args, plan=kpi.goal.plan, initial=initial, **kwargs)


class MeasurementForm(forms.Form):
    kpi = forms.ModelChoiceField(queryset=Kpi.objects.none(), label="KPI")
    measured_on = forms.DateField(widget=DATE, initial=timezone.localdate, label="Measured on")
    value = forms.FloatField()
    note = forms.CharField(max_length=500, required=False, help_text="Where the number comes from, e.g. “TestRail export”.")

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        if plan is not None:
            self.fields["kpi"].queryset = Kpi.objects.filter(organization_id=plan.organization_id, goal__plan=plan, source=KpiSource.MANUAL)


class MilestoneForm(forms.Form):
    title = forms.CharField(max_length=200)
    phase = forms.ChoiceField(choices=MilestonePhase.choices)
    due_date = forms.DateField(widget=DATE, required=False)
    owner = forms.ChoiceField(required=False, help_text="Someone at your company or a contact at the customer.")
    is_onboarding = forms.BooleanField(required=False, label="Part of onboarding")

    def __init__(self, *args, plan=None, members=(), contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.members = {str(u.pk): u for u in members}
        self.contacts = {str(c.pk): c for c in contacts}
        self.fields["owner"].choices = [
            ("", "No owner yet"),
            ("Your team", [(f"user:{u.pk}", u.display_name) for u in members]),
            ("Customer", [(f"contact:{c.pk}", c.name) for c in contacts]),
        ]

    def owners(self) -> tuple[User | None, Contact | None]:
        value = self.cleaned_data.get("owner") or ""
        kind, _, pk = value.partition(":")
        return (self.members.get(pk) if kind == "user" else None, self.contacts.get(pk) if kind == "contact" else None)


class MilestoneStatusForm(forms.Form):
    status = forms.ChoiceField(choices=MilestoneStatus.choices)
    completed_on = forms.DateField(widget=DATE, required=False)


class StakeholderForm(forms.Form):
    contact = forms.ModelChoiceField(queryset=Contact.objects.none())
    responsibility = forms.CharField(max_length=200, required=False, help_text="e.g. signs off the QA goal")

    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        if account is not None:
            self.fields["contact"].queryset = Contact.objects.filter(organization_id=account.organization_id, account=account)


class ExpansionSignalForm(forms.Form):
    kind = forms.ChoiceField(choices=ExpansionSignal.Kind.choices)
    description = forms.CharField(max_length=500)


class StatusForm(forms.Form):
    status = forms.CharField(max_length=20)


class TemplateForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    segment = forms.ChoiceField(choices=[("", "Any segment"), *Segment.choices], required=False)
    product = forms.CharField(max_length=100, required=False, help_text="Empty: any product.")
    is_active = forms.BooleanField(required=False, initial=True, label="Offered when starting a plan")


class TemplateGoalForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TemplateKpiForm(forms.Form):
    goal = forms.ModelChoiceField(queryset=TemplateGoal.objects.none())
    name = forms.CharField(max_length=200)
    unit = forms.CharField(max_length=40, required=False)
    baseline = forms.FloatField(required=False, help_text="Empty: measured from usage at the plan's start (usage KPIs) or 0.")
    target = forms.FloatField()
    target_offset_days = forms.IntegerField(min_value=1, max_value=3650, initial=90, label="Target after (days)")
    source = forms.ChoiceField(choices=KpiSource.choices, initial=KpiSource.MANUAL)
    event_name = forms.CharField(max_length=100, required=False)
    window_days = forms.IntegerField(min_value=1, max_value=365, initial=28)
    lower_is_better = forms.BooleanField(required=False, label="Lower is better", help_text="e.g. time to release, open defects")

    def __init__(self, *args, template=None, **kwargs):
        super().__init__(*args, **kwargs)
        if template is not None:
            self.fields["goal"].queryset = TemplateGoal.objects.filter(organization_id=template.organization_id, template=template)


class TemplateMilestoneForm(forms.Form):
    title = forms.CharField(max_length=200)
    phase = forms.ChoiceField(choices=MilestonePhase.choices)
    due_offset_days = forms.IntegerField(min_value=0, max_value=3650, initial=30, label="Due after (days)")
    owner_side = forms.ChoiceField(choices=TemplateMilestone.OwnerSide.choices)
    is_onboarding = forms.BooleanField(required=False, label="Part of onboarding")


class ValueDriverForm(forms.Form):
    name = forms.CharField(max_length=200)
    basis = forms.ChoiceField(choices=ValueDriver.Basis.choices)
    event_name = forms.CharField(max_length=100, required=False, help_text="For an event driver: each occurrence is one unit.")
    kpi_name = forms.CharField(max_length=200, required=False, label="KPI name", help_text="For a KPI driver: each unit of improvement of KPIs with this name.")
    kind = forms.ChoiceField(choices=ValueDriver.Kind.choices)
    hours_per_unit = forms.DecimalField(max_digits=10, decimal_places=4, required=False, help_text="Hours saved: hours per unit.")
    money_per_hour = forms.DecimalField(max_digits=12, decimal_places=2, required=False, help_text="Hours saved: the loaded cost of an hour.")
    money_per_unit = forms.DecimalField(max_digits=12, decimal_places=2, required=False, help_text="Revenue or cost saved: money per unit.")
    is_active = forms.BooleanField(required=False, initial=True, label="Counts in value totals")
