"""Forms of the tenancy kernel: sign-up, organizations, invitations, members, API keys."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm

from .models import Role


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))


class SignUpForm(forms.Form):
    full_name = forms.CharField(label="Your name", max_length=150)
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    organization_name = forms.CharField(label="Company name", max_length=120, help_text="Your company, as your customers know it.")

    def clean_password(self):
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


class JoinForm(forms.Form):
    """Sign-up from an invitation: the organization exists already."""

    full_name = forms.CharField(label="Your name", max_length=150)
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )

    def clean_password(self):
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


class OrganizationForm(forms.Form):
    name = forms.CharField(label="Organization name", max_length=120)


class InvitationForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices, initial=Role.CSM)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Name it after the integration that will use it, e.g. 'Segment' or 'Warehouse sync'.")
    scopes = forms.MultipleChoiceField(
        choices=[("read", "Read: pull scores, zones and data"), ("write", "Write: push events and records")],
        widget=forms.CheckboxSelectMultiple,
        initial=["read"],
    )
