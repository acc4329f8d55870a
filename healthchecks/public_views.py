"""The respondent's pages under ``/s/<token>/``: no login, one step per question group, results.

Step 0 (the link's landing page) says who is asking and lets the respondent give a name or stay
anonymous; steps 1…n are the question groups. Answers so far live in a draft in the cache, found
through a cookie, so closing the tab loses nothing. The last step stores the response and sends
the respondent to their result page, which only the browser that submitted can open (a signed
cookie names the response).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_http_methods

from retention import sharing
from retention.models import SharedLink

from . import definitions, selectors, services
from .models import Kind, Response

RESULT_SALT = "healthchecks.result"


def _draft_cookie(link: SharedLink) -> str:
    return f"hc_draft_{link.pk}"


def _result_cookie(link: SharedLink) -> str:
    return f"hc_done_{link.pk}"


def _draft_key(link: SharedLink, draft_id: str) -> str:
    return f"hc:draft:{link.pk}:{draft_id}"


def _load_draft(request: HttpRequest, link: SharedLink) -> tuple[str | None, dict | None]:
    draft_id = request.COOKIES.get(_draft_cookie(link), "")
    if not draft_id or len(draft_id) > 64:
        return None, None
    return draft_id, cache.get(_draft_key(link, draft_id))


def _save_draft(link: SharedLink, draft_id: str, draft: dict) -> None:
    cache.set(_draft_key(link, draft_id), draft, settings.HEALTHCHECK_DRAFT_DAYS * 86400)


def _set_cookie(response: HttpResponse, name: str, value: str, *, signed: bool = False) -> None:
    setter = response.set_signed_cookie if signed else response.set_cookie
    kwargs = {"salt": RESULT_SALT} if signed else {}
    setter(
        name,
        value,
        max_age=settings.HEALTHCHECK_DRAFT_DAYS * 86400 if not signed else 180 * 86400,
        path="/s/",
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        **kwargs,
    )


def _context(link: SharedLink, version, token: str, **extra) -> dict:
    definition = version.definition
    return {
        "link": link,
        "token": token,
        "vendor": link.organization,
        # Lazy: the submitting POST never shows the account's name, so it never loads it.
        "account": SimpleLazyObject(lambda: link.account),
        "definition": definition,
        "step_count": len(definition["groups"]) + 1,
        "likert_choices": definitions.LIKERT_CHOICES,
        **extra,
    }


def _unavailable(request: HttpRequest, link: SharedLink, version) -> HttpResponse | None:
    if version is None:
        return sharing.not_found_response(request)
    if link.respondent_limit is not None and link.response_count >= link.respondent_limit:
        return render(request, "shared/healthcheck_full.html", _context(link, version, ""), status=410)
    return None


def start(request: HttpRequest, *, link: SharedLink, token: str) -> HttpResponse:
    """Step 0: who is asking, what it is, optional name/email. Registered for ``/s/<token>/``."""
    version = selectors.published_version(organization_id=link.organization_id, version_id=link.target_id)
    refusal = _unavailable(request, link, version)
    done_id = request.get_signed_cookie(_result_cookie(link), default=None, salt=RESULT_SALT)
    if refusal is not None and not done_id:
        return refusal
    draft_id, draft = _load_draft(request, link)
    fresh = draft is None
    if fresh:
        draft_id, draft = secrets.token_urlsafe(16), {"respondent": {}, "answers": {}, "barrier": "", "step": 0}
        sharing.shared_link_record_open(link=link)
        _save_draft(link, draft_id, draft)
    context = _context(link, version, token, draft=draft, step=0, errors={}, already_done=bool(done_id), full=refusal is not None)
    response = render(request, "shared/healthcheck_start.html", context)
    if fresh:
        _set_cookie(response, _draft_cookie(link), draft_id)
    return response


@require_http_methods(["GET", "POST"])
@sharing.guarded(SharedLink.Purpose.HEALTHCHECK)
def step(request: HttpRequest, step: int, *, link: SharedLink, token: str) -> HttpResponse:
    version = selectors.published_version(organization_id=link.organization_id, version_id=link.target_id)
    refusal = _unavailable(request, link, version)
    if refusal is not None:
        return refusal
    groups = version.definition["groups"]
    draft_id, draft = _load_draft(request, link)
    if draft is None or not 0 <= step <= len(groups):
        return redirect("shared_link", token=token)
    if request.method == "GET":
        if step == 0:
            return redirect("shared_link", token=token)
        return _render_step(request, link, version, token, draft, step, {})

    if step == 0:
        respondent, errors = services.parse_respondent(data=request.POST)
        if errors:
            context = _context(link, version, token, draft={**draft, "respondent": respondent}, step=0, errors=errors, already_done=False, full=False)
            return render(request, "shared/healthcheck_start.html", context, status=400)
        draft["respondent"] = respondent
        _save_draft(link, draft_id, draft)
        return redirect("healthcheck_step", token=token, step=1)

    group = groups[step - 1]
    parsed = services.parse_step(group=group, data=request.POST)
    if parsed.errors:
        posted = {**draft, "answers": {**draft["answers"], **parsed.answers}}
        return _render_step(request, link, version, token, posted, step, parsed.errors, status=400)
    # Answers for other steps may come along (a client that sends everything at once): read them too.
    for other in groups:
        if other is not group:
            extra = services.parse_step(group=other, data=request.POST, required=False)
            if extra.errors:
                return _render_step(request, link, version, token, draft, step, extra.errors, status=400)
            draft["answers"].update(extra.answers)
            if extra.barrier_text:
                draft["barrier"] = extra.barrier_text
    draft["answers"].update(parsed.answers)
    if parsed.barrier_text is not None:
        draft["barrier"] = parsed.barrier_text
    if step < len(groups):
        draft["step"] = max(draft.get("step", 0), step)
        _save_draft(link, draft_id, draft)
        return redirect("healthcheck_step", token=token, step=step + 1)
    return _submit(request, link, version, token, draft_id, draft)


def _submit(request, link, version, token, draft_id, draft) -> HttpResponse:
    try:
        response_row = services.response_submit(
            link=link, version=version, answers=draft["answers"], barrier_text=draft.get("barrier", ""), respondent=draft["respondent"]
        )
    except ValidationError:
        _save_draft(link, draft_id, draft)
        first_missing = services.missing_answers(definition=version.definition, answers=draft["answers"])
        target = first_missing[0][0] + 1 if first_missing else len(version.definition["groups"])
        errors = {q["key"]: "Choose an answer (or “Don't know”)." for index, q in first_missing if index + 1 == target}
        return _render_step(request, link, version, token, draft, target, errors, status=400)
    except services.RespondentLimitReached:
        return render(request, "shared/healthcheck_full.html", _context(link, version, token), status=410)
    cache.delete(_draft_key(link, draft_id))
    response = redirect("healthcheck_result", token=token)
    response.delete_cookie(_draft_cookie(link), path="/s/")
    _set_cookie(response, _result_cookie(link), str(response_row.pk), signed=True)
    return response


def _render_step(request, link, version, token, draft, step_number, errors, status=200) -> HttpResponse:
    group = version.definition["groups"][step_number - 1]
    questions = [
        {**q, "value": draft["answers"].get(q["key"]), "error": errors.get(q["key"]), "text_value": draft.get("barrier", "")} for q in group["questions"]
    ]
    context = _context(link, version, token, draft=draft, step=step_number, group=group, questions=questions, errors=errors)
    context["progress_percent"] = round(100 * step_number / context["step_count"])
    context["is_last"] = step_number == len(version.definition["groups"])
    return render(request, "shared/healthcheck_step.html", context, status=status)


@require_http_methods(["GET"])
@sharing.guarded(SharedLink.Purpose.HEALTHCHECK)
def result(request: HttpRequest, *, link: SharedLink, token: str) -> HttpResponse:
    """The respondent's own result: scores, strong and weak dimensions, the next step for each."""
    response_id = request.get_signed_cookie(_result_cookie(link), default=None, salt=RESULT_SALT)
    row = None
    if response_id and response_id.isdigit():
        # Bound to this link, its account and its organization: a cookie from another link shows nothing.
        row = Response.objects.filter(organization_id=link.organization_id, account_id=link.account_id, shared_link_id=link.pk, pk=int(response_id)).first()
    version = selectors.published_version(organization_id=link.organization_id, version_id=row.version_id) if row else None
    if row is None or version is None:
        return redirect("shared_link", token=token)
    definition = version.definition
    found = definitions.findings(definition, row.dimension_scores)
    context = {
        "link": link,
        "token": token,
        "vendor": link.organization,
        "account": link.account,
        "definition": definition,
        "response": row,
        "findings": found,
        "strong": [f for f in found if f.level == "strong"],
        "next_steps": definitions.next_steps(found),
        "strong_at": definitions.STRONG_AT,
        "weak_below": definitions.WEAK_BELOW,
    }
    if row.kind == Kind.RETENTION:
        zones = definitions.zone_scores(definition, row.dimension_scores)
        context["zones"] = [
            {
                "key": z,
                "name": definitions.ZONE_NAMES[z],
                "score": zones.get(z),
                "status": definitions.zone_status(zones.get(z)),
                "label": definitions.zone_status(zones.get(z)).replace("_", " "),
            }
            for z in definitions.ZONES + definitions.LAYERS
        ]
        first = definitions.first_zone_needing_attention(zones)
        context["first_zone"] = definitions.ZONE_NAMES.get(first) if first else None
    return render(request, "shared/healthcheck_result.html", context)


def result_path(token: str) -> str:
    return reverse("healthcheck_result", kwargs={"token": token})
