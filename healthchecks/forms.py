"""Forms of the CSM pages: shared-link creation, copying and editing questionnaires."""

from __future__ import annotations

import copy
import secrets

from django import forms

from accounts.models import Account

from . import definitions


class LinkForm(forms.Form):
    account = forms.TypedChoiceField(coerce=int, label="Customer account")
    questionnaire = forms.TypedChoiceField(coerce=int, label="Questionnaire", help_text="Respondents answer its latest published version.")
    expires_in_days = forms.IntegerField(
        min_value=1, max_value=365, initial=30, label="Expires after (days)", help_text="After this the link shows a neutral “not available” page."
    )
    respondent_limit = forms.IntegerField(
        min_value=1, max_value=10000, required=False, label="Respondent limit", help_text="Most responses the link accepts. Leave empty for no limit."
    )

    def __init__(self, *args, organization, questionnaires, **kwargs):
        super().__init__(*args, **kwargs)
        accounts = Account.objects.filter(organization=organization).order_by("name").values_list("id", "name")
        self.fields["account"].choices = [("", "Choose an account…"), *accounts]
        self.fields["questionnaire"].choices = [(q.id, q.name) for q in questionnaires if q.latest_published]


class CopyForm(forms.Form):
    name = forms.CharField(max_length=120, label="Name of the copy")


ZONE_CHOICES = [("", "No zone")] + list(definitions.ZONE_NAMES.items())


class DefinitionForm(forms.Form):
    """Edit a draft's title, dimensions (names, zone, recommendation) and questions.

    Each question can be re-worded, re-mapped to another dimension, reversed or removed; each
    step has one empty row to add a question, and one empty row adds a dimension.
    """

    title = forms.CharField(max_length=120)
    intro = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=1000, required=False)

    def __init__(self, *args, definition: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.definition = definition
        self.fields["title"].initial = definition.get("title", "")
        self.fields["intro"].initial = definition.get("intro", "")
        dim_choices = [(d["key"], d["name"]) for d in definition["dimensions"]] + [("__new__", "The new dimension below")]
        self.dimension_rows = []
        for index, d in enumerate(definition["dimensions"]):
            prefix = f"dim{index}"
            rec = d.get("recommendation") or {}
            self.fields[f"{prefix}_name"] = forms.CharField(max_length=80, initial=d["name"], label="Name")
            self.fields[f"{prefix}_zone"] = forms.ChoiceField(choices=ZONE_CHOICES, required=False, initial=d.get("zone", ""), label="Feeds zone")
            self.fields[f"{prefix}_rec_title"] = forms.CharField(max_length=120, initial=rec.get("title", ""), label="Next step when weak")
            self.fields[f"{prefix}_rec_detail"] = forms.CharField(
                widget=forms.Textarea(attrs={"rows": 3}), max_length=1000, initial=rec.get("detail", ""), label="What the next step involves"
            )
            self.dimension_rows.append((d, [self[f"{prefix}_{n}"] for n in ("name", "zone", "rec_title", "rec_detail")]))
        self.fields["newdim_name"] = forms.CharField(max_length=80, required=False, label="New dimension name")
        self.fields["newdim_zone"] = forms.ChoiceField(choices=ZONE_CHOICES, required=False, label="Feeds zone")
        self.fields["newdim_rec_title"] = forms.CharField(max_length=120, required=False, label="Next step when weak")
        self.fields["newdim_rec_detail"] = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=1000, required=False, label="What it involves")
        self.new_dimension_row = [self[f"newdim_{n}"] for n in ("name", "zone", "rec_title", "rec_detail")]
        self.group_rows = []
        for g_index, group in enumerate(definition["groups"]):
            rows = []
            for q in group["questions"]:
                prefix = f"q_{q['key']}"
                self.fields[f"{prefix}_text"] = forms.CharField(max_length=300, initial=q["text"], label="Statement")
                self.fields[f"{prefix}_dimension"] = forms.ChoiceField(choices=dim_choices, initial=q["dimension"], label="Dimension")
                self.fields[f"{prefix}_reverse"] = forms.BooleanField(required=False, initial=bool(q.get("reverse")), label="Agreeing is bad")
                self.fields[f"{prefix}_remove"] = forms.BooleanField(required=False, label="Remove")
                rows.append((q, [self[f"{prefix}_{n}"] for n in ("text", "dimension", "reverse", "remove")]))
            prefix = f"new{g_index}"
            self.fields[f"{prefix}_text"] = forms.CharField(max_length=300, required=False, label="New statement")
            self.fields[f"{prefix}_dimension"] = forms.ChoiceField(choices=dim_choices, required=False, label="Dimension")
            self.fields[f"{prefix}_reverse"] = forms.BooleanField(required=False, label="Agreeing is bad")
            self.group_rows.append((group, rows, [self[f"{prefix}_{n}"] for n in ("text", "dimension", "reverse")]))

    def edited_definition(self) -> dict:
        """The definition as edited (call after ``is_valid``); the service validates it."""
        data = self.cleaned_data
        result = copy.deepcopy(self.definition)
        result["title"], result["intro"] = data["title"].strip(), data["intro"].strip()
        for index, d in enumerate(result["dimensions"]):
            prefix = f"dim{index}"
            d["name"] = data[f"{prefix}_name"].strip()
            d["zone"] = data[f"{prefix}_zone"]
            d["recommendation"] = {"title": data[f"{prefix}_rec_title"].strip(), "detail": data[f"{prefix}_rec_detail"].strip()}
        new_key = None
        if data.get("newdim_name", "").strip():
            new_key = f"dim_{secrets.token_hex(4)}"
            result["dimensions"].append(
                {
                    "key": new_key,
                    "name": data["newdim_name"].strip(),
                    "description": "",
                    "zone": data.get("newdim_zone", ""),
                    "strength": "",
                    "recommendation": {"title": data.get("newdim_rec_title", "").strip(), "detail": data.get("newdim_rec_detail", "").strip()},
                }
            )

        def dimension(value: str) -> str:
            return new_key if value == "__new__" and new_key else value

        for g_index, group in enumerate(result["groups"]):
            kept = []
            for q in group["questions"]:
                prefix = f"q_{q['key']}"
                if data.get(f"{prefix}_remove"):
                    continue
                q["text"] = data[f"{prefix}_text"].strip()
                q["dimension"] = dimension(data[f"{prefix}_dimension"])
                q["reverse"] = bool(data.get(f"{prefix}_reverse"))
                kept.append(q)
            text = data.get(f"new{g_index}_text", "").strip()
            if text:
                kept.append(
                    {
                        "key": f"q{secrets.token_hex(4)}",
                        "text": text,
                        "dimension": dimension(data.get(f"new{g_index}_dimension") or ""),
                        "type": "likert",
                        "reverse": bool(data.get(f"new{g_index}_reverse")),
                    }
                )
            group["questions"] = kept
        return result
