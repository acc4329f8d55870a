"""Pages: an account's score explained, band overrides, the scorecard editor, validation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Account
from accounts.tests.factories import AccountFactory
from dashboards.models import BacktestRun, BandOverride, Scorecard
from dashboards.pipeline import run_organization_day
from dashboards.scorecards import scorecard_get_active
from retention.models import AuditLogEntry

from .helpers import D

pytestmark = pytest.mark.django_db


def _url(name, **kwargs):
    from django.urls import reverse

    return reverse(f"dashboards:{name}", kwargs={"org_slug": "acme", **kwargs})


@pytest.fixture
def scored(acme, book):
    run_organization_day(organization_id=acme.id, day=D)
    return book


def test_the_score_page_explains_each_measure_and_the_zones(alice_client, scored, django_assert_max_num_queries):
    with django_assert_max_num_queries(16):
        response = alice_client.get(_url("account_score", account_id=scored["b"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Beta" in body and "Usage trend" in body and "Contribution" in body
    assert "does not count" in body  # missing measures are shown, not silently counted
    assert "Needs attention first" in body and "Retention zones" in body
    assert "Usage dropped more than 20% month over month" in body
    assert "plotly" in body


def test_the_score_page_explains_an_empty_state(alice_client, acme):
    account = AccountFactory(organization=acme, name="Fresh customer")
    body = alice_client.get(_url("account_score", account_id=account.id)).content.decode()
    assert "No score yet" in body and "No zones yet" in body


def test_a_csm_overrides_the_band_of_an_account_they_own_and_the_score_stays_beside_it(bob, bob_client, acme, scored):
    Account.objects.filter(pk=scored["b"]).update(owner=bob)
    expires = timezone.now().date() + dt.timedelta(days=14)
    response = bob_client.post(
        _url("band_override", account_id=scored["b"]), {"band": "green", "reason": "New sponsor committed to rollout", "expires_on": expires.isoformat()}
    )
    assert response.status_code == 302
    override = BandOverride.objects.get(account_id=scored["b"])
    assert (override.band, override.created_by, override.expires_on) == ("green", bob, expires)
    assert AuditLogEntry.objects.filter(action="band_override.created").exists()
    body = bob_client.get(_url("account_score", account_id=scored["b"])).content.decode()
    assert "Green (override)" in body and "computed: Red" in body


def test_a_csm_cannot_override_an_account_they_do_not_own(bob_client, scored):
    response = bob_client.post(_url("band_override", account_id=scored["b"]), {"band": "green", "reason": "x", "expires_on": timezone.now().date().isoformat()})
    assert response.status_code == 403
    assert not BandOverride.objects.exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"band": "green", "reason": "ok", "expires_on": "2000-01-01"}, "Choose a day from today"),
        ({"band": "purple", "reason": "ok", "expires_on": "2099-01-01"}, "Select a valid choice"),
        ({"band": "green", "reason": "", "expires_on": "2099-01-01"}, "This field is required"),
    ],
)
def test_a_bad_override_is_a_form_error_and_writes_nothing(alice_client, scored, data, error):
    response = alice_client.post(_url("band_override", account_id=scored["a"]), data)
    assert response.status_code == 200 and error in response.content.decode()
    assert not BandOverride.objects.exists()


def test_revoking_an_override_puts_the_computed_band_back(alice, alice_client, acme, scored):
    override = BandOverride.objects.create(
        organization=acme, account_id=scored["a"], band="red", reason="x", expires_on=timezone.now().date(), created_by=alice
    )
    response = alice_client.post(_url("band_override_revoke", band_override_id=override.id))
    assert response.status_code == 302
    override.refresh_from_db()
    assert override.revoked_at is not None


def test_an_admin_saves_the_scorecard_as_a_new_version(alice_client, acme):
    form = alice_client.get(_url("scorecard")).context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    data.update({f.name: f.initial for f in form if f.name.endswith(("__weight", "__zero_at", "__full_at"))})
    data.update({"usage_depth__weight": 40, "green": 75, "note": "More weight on depth", "value_events": "report_generated, automation_run"})
    response = alice_client.post(_url("scorecard"), data)
    assert response.status_code == 302
    active = Scorecard.objects.get(organization=acme, is_active=True)
    assert active.version == 2 and active.definition["measures"]["usage_depth"]["weight"] == 40
    assert active.definition["bands"]["green"] == 75 and active.definition["value_events"] == ["automation_run", "report_generated"]


def test_an_inconsistent_scorecard_is_refused_with_a_clear_error(alice_client, acme):
    form = alice_client.get(_url("scorecard")).context["form"]
    data = {f.name: (f.initial if f.initial is not None else "") for f in form}
    data.update({"green": 30, "yellow": 60})
    response = alice_client.post(_url("scorecard"), data)
    assert response.status_code == 200 and "0 &lt; yellow &lt; green" in response.content.decode()
    assert Scorecard.objects.filter(organization=acme).count() == 1


def test_a_csm_cannot_edit_the_scorecard_or_see_validation(bob_client, acme):
    assert bob_client.get(_url("scorecard")).status_code == 403
    assert bob_client.get(_url("validation")).status_code == 403


def test_validation_page_runs_a_backtest_and_shows_its_figures(alice_client, acme, scored, django_capture_on_commit_callbacks):
    # the backtest task is enqueued after the request's commit (in-process in the test settings)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(_url("validation"))
    assert response.status_code == 302
    assert BacktestRun.objects.filter(organization=acme).count() == 1
    body = alice_client.get(_url("validation")).content.decode()
    assert "ROC AUC" in body and "Top-decile lift" in body and "Churn within 90 days" in body


def test_accepting_weights_without_a_proposal_says_why(alice_client, acme):
    run = BacktestRun.objects.create(organization=acme, scorecard=scorecard_get_active(organization=acme), report={"proposal": None})
    response = alice_client.post(_url("validation_accept", backtest_run_id=run.id), follow=True)
    assert "no proposed weights" in response.content.decode()
    assert Scorecard.objects.filter(organization=acme).count() == 1


def test_pages_are_404_for_another_organizations_member(charlie_client, scored):
    assert charlie_client.get(_url("account_score", account_id=scored["a"])).status_code == 404
    assert charlie_client.get(_url("scorecard")).status_code == 404
