"""The customer's pages behind experience links (``/s/<token>/``, no login): the roadmap, where
the customer marks each priority agreed or not now, the enablement path and the advocacy story.
Each shows only its own purpose for the link's account (``retention.sharing`` resolves the token,
scopes the transaction and sends the neutral 404 otherwise)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from retention.models import SharedLink

from . import selectors, services
from .forms import DecisionForm


def roadmap(request: HttpRequest, *, link: SharedLink, token: str) -> HttpResponse:
    error = ""
    if request.method == "POST":
        form = DecisionForm(request.POST)
        if form.is_valid():
            try:
                services.roadmap_item_decide(
                    organization_id=link.organization_id,
                    account_id=link.account_id,
                    item_id=form.cleaned_data["item"],
                    decision=form.cleaned_data["decision"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                return redirect(request.path)
        else:
            error = "Choose “Agreed” or “Not now” for a priority."
    phases = selectors.roadmap_items(organization=link.organization, account=link.account)
    context = {"link": link, "vendor": link.organization, "account": link.account, "phases": phases, "error": error}
    return render(request, "experiences/public_roadmap.html", context, status=400 if error else 200)


def enablement(request: HttpRequest, *, link: SharedLink, token: str) -> HttpResponse:
    _, tracks = selectors.enablement_for_account(organization=link.organization, account=link.account, as_of=timezone.localdate())
    return render(request, "experiences/public_enablement.html", {"vendor": link.organization, "account": link.account, "tracks": tracks})


def advocacy(request: HttpRequest, *, link: SharedLink, token: str) -> HttpResponse:
    drafts = [d for d in selectors.story_drafts(organization=link.organization, account=link.account).values() if d.shareable]
    return render(request, "experiences/public_advocacy.html", {"vendor": link.organization, "account": link.account, "drafts": drafts})
