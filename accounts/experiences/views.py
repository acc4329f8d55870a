"""Pages of the experiences (mounted under /o/<org_slug>/experiences/): roadmap builder,
expansion finder and its portfolio view, enablement path, advocacy, capability mapping and
learning items, and the next-steps partial of the account page.

Thin: parse the form, check the right to edit (viewers read; CSMs edit the accounts they own;
admins everything), call a service, redirect. Invalid input re-renders with messages and 400.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Account, Contact
from accounts.plans.models import ExpansionSignal, SuccessPlan
from accounts.plans.services import can_edit_account, expansion_signal_create
from retention.models import Role
from retention.tenancy import org_view

from . import advocacy, links, selectors, services
from .expansion import KIND_LABELS, VALUE_HELP
from .forms import CapabilityMappingForm, LearningItemForm, ProgressForm, RoadmapItemForm, ShareForm
from .models import AdvocacyStatus, CapabilityMapping, LearningItem, RoadmapItem, StoryDraft

SIGNAL_KIND = {"seats": "seats", "addon": "feature", "adjacent_team": "adjacent_team", "integration": "feature", "realized_value": "use_case"}


def _messages_from(request: HttpRequest, error: ValidationError) -> None:
    for text in error.messages:
        messages.error(request, text)


def _require_edit(request: HttpRequest, account: Account) -> None:
    if not can_edit_account(membership=request.membership, account=account):
        raise PermissionDenied("Only the account's CSM or an admin can change this.")


def _account(request: HttpRequest, account_id: int) -> Account:
    return selectors.account_get(organization=request.organization, account_id=account_id)


def _today():
    return timezone.localdate()


# --- Roadmap ----------------------------------------------------------------------------------------


def _render_roadmap(request: HttpRequest, account: Account, *, status: int = 200, item_form=None) -> HttpResponse:
    page = selectors.roadmap_page(organization=request.organization, account=account, as_of=_today())
    context = {
        "page": page,
        "account": account,
        "can_edit": can_edit_account(membership=request.membership, account=account),
        "item_form": item_form or RoadmapItemForm(),
        "phases": RoadmapItem._meta.get_field("phase").choices,
        "new_link": request.session.pop("experience_link", None),
    }
    return render(request, "experiences/roadmap.html", context, status=status)


@org_view()
@require_GET
def roadmap(request: HttpRequest, account_id: int) -> HttpResponse:
    return _render_roadmap(request, _account(request, account_id))


@org_view(min_role=Role.CSM)
@require_POST
def roadmap_generate(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account(request, account_id)
    _require_edit(request, account)
    created = services.roadmap_generate(organization=request.organization, account=account, actor=request.user, as_of=_today())
    messages.success(
        request,
        f"{len(created)} recommended priorit{'y' if len(created) == 1 else 'ies'} added." if created else "Every recommendation is already on the roadmap.",
    )
    return redirect("experiences:roadmap", org_slug=request.organization.slug, account_id=account.pk)


@org_view(min_role=Role.CSM)
@require_POST
def roadmap_item_add(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account(request, account_id)
    _require_edit(request, account)
    form = RoadmapItemForm(request.POST)
    if form.is_valid():
        try:
            services.roadmap_item_create(organization=request.organization, account=account, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            for field, errs in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            return redirect("experiences:roadmap", org_slug=request.organization.slug, account_id=account.pk)
    return _render_roadmap(request, account, status=400, item_form=form)


def _item(request: HttpRequest, roadmap_item_id: int) -> RoadmapItem:
    return get_object_or_404(RoadmapItem.objects.select_related("account"), organization=request.organization, pk=roadmap_item_id)


@org_view(min_role=Role.CSM)
@require_POST
def roadmap_item_edit(request: HttpRequest, roadmap_item_id: int) -> HttpResponse:
    item = _item(request, roadmap_item_id)
    _require_edit(request, item.account)
    form = RoadmapItemForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The priority was not changed: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        return _render_roadmap(request, item.account, status=400)
    try:
        services.roadmap_item_update(organization=request.organization, item=item, actor=request.user, **form.cleaned_data)
    except ValidationError as error:
        _messages_from(request, error)
        return _render_roadmap(request, item.account, status=400)
    return redirect("experiences:roadmap", org_slug=request.organization.slug, account_id=item.account_id)


@org_view(min_role=Role.CSM)
@require_POST
def roadmap_item_delete(request: HttpRequest, roadmap_item_id: int) -> HttpResponse:
    item = _item(request, roadmap_item_id)
    _require_edit(request, item.account)
    services.roadmap_item_delete(organization=request.organization, item=item, actor=request.user)
    return redirect("experiences:roadmap", org_slug=request.organization.slug, account_id=item.account_id)


@org_view(min_role=Role.CSM)
@require_POST
def roadmap_add_to_plan(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account(request, account_id)
    _require_edit(request, account)
    try:
        added = services.roadmap_add_to_plan(organization=request.organization, account=account, actor=request.user, start=_today())
    except ValidationError as error:
        _messages_from(request, error)
        return _render_roadmap(request, account, status=400)
    messages.success(request, f"{len(added)} priorit{'y' if len(added) == 1 else 'ies'} added to the success plan as milestones.")
    return redirect("experiences:roadmap", org_slug=request.organization.slug, account_id=account.pk)


@org_view(min_role=Role.CSM)
@require_POST
def share(request: HttpRequest, account_id: int) -> HttpResponse:
    """Issue a shared link for the roadmap, the enablement path or the advocacy story. The token
    is shown once, on the page the CSM is sent back to."""
    account = _account(request, account_id)
    _require_edit(request, account)
    form = ShareForm(request.POST)
    target = {links.ROADMAP: "experiences:roadmap", links.ENABLEMENT: "experiences:enablement", links.ADVOCACY: "experiences:advocacy"}
    if not form.is_valid():
        messages.error(request, "Choose what to share and for how many days (1–365).")
        return redirect(target.get(request.POST.get("purpose"), "experiences:roadmap"), org_slug=request.organization.slug, account_id=account.pk)
    issued = links.experience_link_create(
        organization=request.organization, account=account, purpose=form.cleaned_data["purpose"], created_by=request.user, days=form.cleaned_data["days"]
    )
    request.session["experience_link"] = request.build_absolute_uri(issued.path)
    return redirect(target[form.cleaned_data["purpose"]], org_slug=request.organization.slug, account_id=account.pk)


# --- Expansion ---------------------------------------------------------------------------------------


@org_view()
@require_GET
def expansion_portfolio(request: HttpRequest) -> HttpResponse:
    show_suppressed = request.GET.get("suppressed") == "1"
    rows = selectors.expansion_portfolio(organization=request.organization, as_of=_today(), include_suppressed=show_suppressed)
    ready = [r for r in rows if not r.result.suppressed]
    context = {"rows": rows, "show_suppressed": show_suppressed, "total": sum(r.result.total_value for r in ready), "ready_count": len(ready)}
    return render(request, "experiences/expansion_portfolio.html", context)


@org_view()
@require_GET
def expansion(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account(request, account_id)
    inputs, result = selectors.expansion_for_account(organization=request.organization, account=account, as_of=_today())
    context = {
        "account": account,
        "inputs": inputs,
        "result": result,
        "can_edit": can_edit_account(membership=request.membership, account=account),
        "value_help": VALUE_HELP,
        "kind_labels": KIND_LABELS,
        "has_plan": inputs.has_plan,
        "steps": selectors.next_steps_for_inputs(organization=request.organization, i=inputs),
    }
    return render(request, "experiences/expansion.html", context)


@org_view(min_role=Role.CSM)
@require_POST
def expansion_to_plan(request: HttpRequest, account_id: int) -> HttpResponse:
    """The scoped recommendation: record an opportunity as an expansion signal on the plan."""
    account = _account(request, account_id)
    _require_edit(request, account)
    _, result = selectors.expansion_for_account(organization=request.organization, account=account, as_of=_today())
    chosen = next((o for o in result.opportunities if o.title == request.POST.get("title", "")), None)
    plan = SuccessPlan.objects.filter(organization=request.organization, account=account).first()
    if result.suppressed or chosen is None or plan is None:
        messages.error(request, result.reason or ("Start the success plan first." if plan is None else "That opportunity is no longer found."))
        return redirect("experiences:expansion", org_slug=request.organization.slug, account_id=account.pk)
    expansion_signal_create(
        organization=request.organization,
        plan=plan,
        actor=request.user,
        kind=SIGNAL_KIND.get(chosen.kind, ExpansionSignal.Kind.OTHER),
        description=f"{chosen.title} — {chosen.evidence} Next step: {chosen.next_step}."[:500],
    )
    messages.success(request, f"“{chosen.title}” recorded on the success plan as an expansion signal.")
    return redirect("experiences:expansion", org_slug=request.organization.slug, account_id=account.pk)


# --- Enablement ---------------------------------------------------------------------------------------


@org_view()
@require_GET
def enablement(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account(request, account_id)
    inputs, tracks = selectors.enablement_for_account(organization=request.organization, account=account, as_of=_today())
    context = {
        "account": account,
        "inputs": inputs,
        "tracks": tracks,
        "can_edit": can_edit_account(membership=request.membership, account=account),
        "links": links.active_links(organization=request.organization, account=account, purpose=links.ENABLEMENT),
        "new_link": request.session.pop("experience_link", None),
    }
    return render(request, "experiences/enablement.html", context)


@org_view(min_role=Role.CSM)
@require_POST
def enablement_progress(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account(request, account_id)
    _require_edit(request, account)
    form = ProgressForm(request.POST)
    contact = item = None
    if form.is_valid():
        contact = Contact.objects.filter(organization=request.organization, account=account, pk=form.cleaned_data["contact"]).first()
        item = LearningItem.objects.filter(organization=request.organization, pk=form.cleaned_data["item"]).first()
    if contact is None or item is None:
        messages.error(request, "Choose a contact of this account and a learning step.")
    else:
        services.learning_progress_record(organization=request.organization, contact=contact, item=item, status=form.cleaned_data["status"], actor=request.user)
    return redirect("experiences:enablement", org_slug=request.organization.slug, account_id=account.pk)


@org_view()
@require_http_methods(["GET", "POST"])
def learning_items(request: HttpRequest) -> HttpResponse:
    form = LearningItemForm(organization=request.organization)
    status = 200
    if request.method == "POST":
        if not request.membership.can_manage:
            raise PermissionDenied("Only admins define learning items.")
        form = LearningItemForm(request.POST, organization=request.organization)
        if form.is_valid():
            LearningItem.objects.create(organization=request.organization, **form.cleaned_data)
            return redirect("experiences:learning_items", org_slug=request.organization.slug)
        status = 400
    items = selectors.learning_items(organization=request.organization)
    return render(request, "experiences/learning_items.html", {"items": items, "form": form}, status=status)


# --- Capability mapping -------------------------------------------------------------------------------


@org_view()
@require_http_methods(["GET", "POST"])
def capabilities(request: HttpRequest) -> HttpResponse:
    form = CapabilityMappingForm()
    status = 200
    if request.method == "POST":
        if not request.membership.can_manage:
            raise PermissionDenied("Only admins change the capability mapping.")
        form = CapabilityMappingForm(request.POST)
        if form.is_valid():
            try:
                services.capability_mapping_create(organization=request.organization, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                for field, errs in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
            else:
                return redirect("experiences:capabilities", org_slug=request.organization.slug)
        status = 400
    mappings = list(CapabilityMapping.objects.filter(organization=request.organization))
    return render(request, "experiences/capabilities.html", {"mappings": mappings, "form": form}, status=status)


@org_view(min_role=Role.ADMIN)
@require_POST
def capability_delete(request: HttpRequest, mapping_id: int) -> HttpResponse:
    mapping = get_object_or_404(CapabilityMapping, organization=request.organization, pk=mapping_id)
    services.capability_mapping_delete(organization=request.organization, mapping=mapping, actor=request.user)
    return redirect("experiences:capabilities", org_slug=request.organization.slug)


# --- Advocacy ------------------------------------------------------------------------------------------


@org_view()
@require_GET
def advocacy_page(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account(request, account_id)
    story = advocacy.story_for_account(organization=request.organization, account=account, as_of=_today())
    drafts = selectors.story_drafts(organization=request.organization, account=account)
    context = {
        "account": account,
        "story": story,
        "drafts": [(kind, label, drafts.get(kind), story.drafts[kind]) for kind, label in StoryDraft.Kind.choices],
        "statuses": selectors.advocacy_status_for_accounts(organization=request.organization, account_ids=[account.pk])[account.pk],
        "status_choices": AdvocacyStatus.Kind.choices,
        "can_edit": can_edit_account(membership=request.membership, account=account),
        "links": links.active_links(organization=request.organization, account=account, purpose=links.ADVOCACY),
        "new_link": request.session.pop("experience_link", None),
    }
    return render(request, "experiences/advocacy.html", context)


@org_view(min_role=Role.CSM)
@require_POST
def advocacy_draft_save(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account(request, account_id)
    _require_edit(request, account)
    try:
        services.story_draft_save(
            organization=request.organization,
            account=account,
            actor=request.user,
            kind=request.POST.get("kind", ""),
            body=request.POST.get("body", ""),
            shareable=request.POST.get("shareable") == "on",
        )
    except ValidationError as error:
        _messages_from(request, error)
    else:
        messages.success(request, "Draft saved.")
    return redirect("experiences:advocacy", org_slug=request.organization.slug, account_id=account.pk)


@org_view(min_role=Role.CSM)
@require_POST
def advocacy_status(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account(request, account_id)
    _require_edit(request, account)
    try:
        services.advocacy_status_set(
            organization=request.organization, account=account, actor=request.user, kind=request.POST.get("kind", ""), active=request.POST.get("active") == "1"
        )
    except ValidationError as error:
        _messages_from(request, error)
    return redirect("experiences:advocacy", org_slug=request.organization.slug, account_id=account.pk)


# --- Next steps (partial for the account page) ---------------------------------------------------------


@org_view()
@require_GET
def next_steps_partial(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account(request, account_id)
    steps = selectors.next_steps_for_account(organization=request.organization, account=account, as_of=_today())
    return render(request, "experiences/_next_steps.html", {"steps": steps, "account": account})
