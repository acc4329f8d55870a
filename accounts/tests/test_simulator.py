"""The simulator: deterministic for a seed, causal (falling usage precedes churn), and its
ground truth matches the contract lines the product sees."""

from __future__ import annotations

import datetime as dt
import hashlib
import math

import numpy as np
import pytest
from django.core.management import call_command

from accounts import mrr
from accounts.models import Account, Contact, ContractLine, DailyActiveUser, Note, SupportTicket, SurveyAnswer, Touchpoint, UsageEvent
from accounts.simulation import SimulationError, simulate
from accounts.simulation.generator import Window, generate
from accounts.simulation.ground_truth import ground_truth
from accounts.simulation.profiles import EVENT_NAMES, FRICTION_EVENTS, VALUE_EVENTS, get_profile
from retention import rls
from retention.models import Organization

END = dt.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def _simulation_dir(settings, tmp_path):
    settings.SIMULATION_DIR = tmp_path


def _fingerprint(slug: str) -> str:
    """A digest of everything a simulated organization holds, without ids or write times."""
    organization = Organization.objects.get(slug=slug)
    rows = []
    with rls.tenant_context(organization.id):
        org = {"organization": organization}
        rows += (
            Account.objects.filter(**org)
            .order_by("external_id")
            .values_list("external_id", "name", "domain", "segment", "tier", "owner__full_name", "lifecycle_stage", "touch_model", "start_date", "churned_on")
        )
        rows += (
            Contact.objects.filter(**org)
            .order_by("external_id")
            .values_list("external_id", "name", "email", "title", "stakeholder_role", "last_engaged_at", "left_on")
        )
        rows += (
            ContractLine.objects.filter(**org)
            .order_by("external_id")
            .values_list("external_id", "product", "mrr", "seats_licensed", "start_date", "end_date", "renewal_date")
        )
        rows += (
            SupportTicket.objects.filter(**org).order_by("external_id").values_list("external_id", "subject", "priority", "status", "opened_at", "resolved_at")
        )
        rows += SurveyAnswer.objects.filter(**org).order_by("external_id").values_list("external_id", "kind", "score", "contact__external_id", "answered_at")
        rows += Touchpoint.objects.filter(**org).order_by("external_id").values_list("external_id", "kind", "occurred_at", "executive_present")
        rows += (
            Note.objects.filter(**org)
            .order_by("account__external_id", "created_at", "body")
            .values_list("account__external_id", "created_at", "sentiment", "body")
        )
        rows += (
            UsageEvent.objects.filter(**org)
            .order_by("message_id")
            .values_list("message_id", "account__external_id", "user_external_id", "event", "timestamp", "value", "properties")
        )
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _run(slug: str, *, seed: int, accounts: int = 12, days: int = 120):
    return simulate(organization_slug=slug, accounts=accounts, days=days, seed=seed, end_date=END, profile="test", progress=False)


@pytest.mark.django_db(transaction=True)
def test_the_same_seed_gives_identical_data_and_another_seed_different_data():
    # given two organizations simulated with the same seed, and a third with another seed
    first = _run("sim-a", seed=11)
    second = _run("sim-b", seed=11)
    _run("sim-c", seed=12)

    # then their contents are identical (ids and write times aside), the third differs
    assert first.events > 0 and first.events == second.events
    assert _fingerprint("sim-a") == _fingerprint("sim-b")
    assert _fingerprint("sim-a") != _fingerprint("sim-c")


def test_generation_is_deterministic_in_memory_for_a_seed():
    window = Window(end=END, days=200)
    profile = get_profile("test")

    def digest(seed):
        h = hashlib.sha256()
        for a in generate(seed=seed, accounts=40, window=window, profile=profile, n_csms=3):
            h.update(repr((a.name, a.segment, a.lines, a.contacts, a.tickets, a.surveys, a.touchpoints, a.notes, a.latent)).encode())
            for arr in (a.events.day, a.events.second, a.events.user, a.events.event, np.nan_to_num(a.events.value, nan=-1)):
                h.update(np.ascontiguousarray(arr).tobytes())
        return h.hexdigest()

    assert digest(5) == digest(5)
    assert digest(5) != digest(6)


def _two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """z statistic and one-sided p-value that proportion 1 exceeds proportion 2 (pooled)."""
    p1, p2 = x1 / n1, x2 / n2
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = (p1 - p2) / se
    return z, 0.5 * math.erfc(z / math.sqrt(2))


def test_accounts_whose_usage_fell_by_half_churn_far_more_often_than_those_whose_usage_held():
    # given a simulated base of established customers, observed only through their usage events
    days = 365
    window = Window(end=END, days=days)
    fell, held = [], []
    for a in generate(seed=2024, accounts=700, window=window, profile=get_profile("test"), n_csms=5):
        if a.start_day > -60 or (a.churn_day is not None and a.churn_day <= 180):
            continue
        # daily active users as the product's rollup counts them: distinct users with an event that day
        pairs = np.unique(a.events.day * 10_000 + a.events.user)
        dau = np.bincount(pairs // 10_000, minlength=days)
        before, after = dau[0:28].mean(), dau[150:178].mean()
        if before <= 0:
            continue
        churned_later = a.churn_day is not None and a.churn_day > 180
        if after < 0.5 * before:
            fell.append(churned_later)
        elif after >= 0.9 * before:
            held.append(churned_later)

    # when we compare churn in the following six months
    rate_fell, rate_held = sum(fell) / len(fell), sum(held) / len(held)
    z, p_value = _two_proportion_z(sum(fell), len(fell), sum(held), len(held))

    # then usage that halved is followed by churn at a clearly (and significantly) higher rate
    assert len(fell) >= 30 and len(held) >= 100
    assert rate_fell >= 2 * rate_held, (rate_fell, rate_held)
    assert p_value < 0.001, (z, p_value)


def test_friction_share_is_higher_in_accounts_that_churn():
    window = Window(end=END, days=365)
    friction = {EVENT_NAMES.index(n) for n in FRICTION_EVENTS}
    churned, kept = [], []
    for a in generate(seed=99, accounts=300, window=window, profile=get_profile("test"), n_csms=3):
        if len(a.events) < 50:
            continue
        share = float(np.isin(a.events.event, list(friction)).mean())
        (churned if a.churn_day is not None else kept).append(share)
    assert np.mean(churned) > 1.3 * np.mean(kept)


def test_the_vocabulary_has_value_and_friction_events_and_weekends_are_quiet():
    assert 15 <= len(EVENT_NAMES) <= 30 and len(set(EVENT_NAMES)) == len(EVENT_NAMES)
    assert VALUE_EVENTS and FRICTION_EVENTS
    window = Window(end=END, days=140)
    weekday = np.zeros(7)
    for a in generate(seed=3, accounts=60, window=window, profile=get_profile("test"), n_csms=2):
        for d in a.events.day:
            weekday[window.date(int(d)).weekday()] += 1
    assert weekday[5:].sum() < 0.2 * weekday[:5].sum()


@pytest.mark.django_db(transaction=True)
def test_ground_truth_matches_the_contract_lines():
    # given a simulated organization with churn, contraction and expansion
    _run("sim-gt", seed=7, accounts=80, days=365)
    organization = Organization.objects.get(slug="sim-gt")

    # when the ground truth is exported
    movements = ground_truth(organization=organization)

    # then every churned account has exactly one churn movement, on its churn date
    with rls.tenant_context(organization.id):
        churned = dict(Account.objects.filter(organization=organization, churned_on__isnull=False).values_list("external_id", "churned_on"))
        lines = list(ContractLine.objects.filter(organization=organization).select_related("account"))
    churn_moves = {m.account_external_id: m.date for m in movements if m.kind == "churn"}
    assert churned and churn_moves == {k: v.isoformat() for k, v in churned.items()}
    assert {m.kind for m in movements} == {"churn", "contraction", "expansion"}
    # and each movement's MRR before and after is what the contract lines say on those days
    by_account = {}
    for ln in lines:
        by_account.setdefault(ln.account.external_id, []).append(mrr.LineRow(ln.account_id, ln.mrr, ln.start_date, ln.end_date))
    for m in movements:
        day = dt.date.fromisoformat(m.date)
        assert mrr.mrr_on(by_account[m.account_external_id], day) == m.mrr_after
        assert mrr.mrr_on(by_account[m.account_external_id], day - dt.timedelta(days=1)) == m.mrr_before
    # and churn comes with the simulator's causes
    assert all(m.causes for m in movements if m.kind == "churn")


@pytest.mark.django_db(transaction=True)
def test_export_ground_truth_writes_csv_and_json(tmp_path):
    _run("sim-export", seed=8, accounts=30, days=365)
    out = tmp_path / "truth.csv"
    call_command("export_ground_truth", org="sim-export", out=str(out))
    lines = out.read_text().splitlines()
    assert lines[0].startswith("account_external_id,account_name,segment,kind,date")
    assert len(lines) - 1 == len(ground_truth(organization=Organization.objects.get(slug="sim-export")))
    out_json = tmp_path / "truth.json"
    call_command("export_ground_truth", org="sim-export", format="json", out=str(out_json))
    assert '"latent"' in out_json.read_text()


@pytest.mark.django_db(transaction=True)
def test_rollups_follow_the_simulated_events():
    _run("sim-roll", seed=4, accounts=6, days=60)
    organization = Organization.objects.get(slug="sim-roll")
    with rls.tenant_context(organization.id):
        pairs = {
            (e.account_id, e.timestamp.date(), e.user_external_id)
            for e in UsageEvent.objects.filter(organization=organization).only("account_id", "timestamp", "user_external_id")
        }
        rollup = set(DailyActiveUser.objects.filter(organization=organization).values_list("account_id", "day", "user_external_id"))
    assert pairs and pairs == rollup


@pytest.mark.django_db(transaction=True)
def test_it_refuses_an_organization_that_already_has_accounts_unless_replacing():
    first = _run("sim-again", seed=1, accounts=3, days=40)
    with pytest.raises(SimulationError):
        _run("sim-again", seed=1, accounts=3, days=40)
    again = simulate(organization_slug="sim-again", accounts=3, days=40, seed=1, end_date=END, profile="test", progress=False, replace=True)
    assert again.events == first.events
    assert Account.objects.filter(organization__slug="sim-again").count() == 3
