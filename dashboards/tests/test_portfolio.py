"""The portfolio page: rows, sort, filters, search, pagination, saved views, CSV, queries, tenancy."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import AccountFactory
from dashboards.models import BandOverride, SavedView

from .portfolio_builders import customer, history, risk, save_plan, score, today, zones

URL = "/o/acme/portfolio/"


def _names(response) -> list[str]:
    return [row.account.name for row in response.context["rows"]]


def test_a_row_shows_band_trend_sparkline_zone_risks_save_plan_arr_and_renewal(acme, bob, alice_client):
    # Given an account with 30 days of scores, a broken zone, two open risks and an open save plan
    account = customer(acme, "Initech", mrr="2500", renewal_in=45, owner=bob)
    history(account, [80 - n for n in range(29)] + [35])
    zones(account, attention="activation")
    risk(account, "usage_drop")
    risk(account, "detractor_nps")
    risk(account, "payment_issue", closed=True)
    save_plan(account, owner=bob)

    # When alice opens the portfolio
    response = alice_client.get(URL)

    # Then the row says it all, formatted
    assert response.status_code == 200
    row = response.context["rows"][0]
    assert row.account.pk == account.pk
    assert row.band == "red" and row.score.score == 35
    assert row.open_risks == 2
    assert row.zone_label == "Activation"
    assert row.save_plan.status == "open"
    assert len(row.sparkline) == 30
    html = response.content.decode()
    assert "$30,000" in html  # ARR = 12 × 2,500
    assert "<polyline points=" in html
    assert "Activation" in html and "Open" in html
    assert (today() + dt.timedelta(days=45)).strftime("%b %-d, %Y") in html


def test_the_trend_arrow_compares_with_7_days_before(acme, alice_client):
    up, down, flat = customer(acme, "Up"), customer(acme, "Down"), customer(acme, "Flat")
    score(up, value=60, change_7d=8.0)
    score(down, value=60, change_7d=-5.0)
    score(flat, value=60, change_7d=1.0)

    response = alice_client.get(URL + "?owner=&sort=name")

    trends = {row.account.name: row.trend for row in response.context["rows"]}
    assert trends == {"Down": "down", "Flat": "flat", "Up": "up"}
    assert "Down 5.0 points in 7 days" in response.content.decode()
    assert "Up 8.0 points in 7 days" in response.content.decode()


def test_sorting_by_risk_puts_red_first_then_the_lowest_score_and_unscored_accounts_last(acme, alice_client):
    green, yellow = customer(acme, "Green co"), customer(acme, "Yellow co")
    red_low, red_high = customer(acme, "Red low"), customer(acme, "Red high")
    customer(acme, "Never scored")
    score(green, value=90)
    score(yellow, value=55)
    score(red_high, value=35)
    score(red_low, value=10)
    # An older score does not count: only the newest score of each account is used
    score(green, value=5, day=today() - dt.timedelta(days=3))

    response = alice_client.get(URL + "?sort=risk")

    assert _names(response) == ["Red low", "Red high", "Yellow co", "Green co", "Never scored"]


def test_it_sorts_by_score_arr_renewal_and_name(acme, alice_client):
    a = customer(acme, "Alpha", mrr="100", renewal_in=90)
    b = customer(acme, "Bravo", mrr="300", renewal_in=10)
    c = customer(acme, "Charlie", mrr="200", renewal_in=None)
    score(a, value=50)
    score(b, value=20)
    score(c, value=80)

    assert _names(alice_client.get(URL + "?sort=score")) == ["Bravo", "Alpha", "Charlie"]
    assert _names(alice_client.get(URL + "?sort=-score")) == ["Charlie", "Alpha", "Bravo"]
    assert _names(alice_client.get(URL + "?sort=-arr")) == ["Bravo", "Charlie", "Alpha"]
    assert _names(alice_client.get(URL + "?sort=arr")) == ["Alpha", "Charlie", "Bravo"]
    assert _names(alice_client.get(URL + "?sort=renewal")) == ["Bravo", "Alpha", "Charlie"]
    assert _names(alice_client.get(URL + "?sort=name")) == ["Alpha", "Bravo", "Charlie"]


def test_a_csm_sees_their_own_accounts_first_and_everyone_on_request(acme, bob, bob_client):
    customer(acme, "Bob's", owner=bob)
    customer(acme, "Someone else's")

    assert _names(bob_client.get(URL)) == ["Bob's"]
    assert sorted(_names(bob_client.get(URL + "?owner="))) == ["Bob's", "Someone else's"]
    assert _names(bob_client.get(URL + "?owner=none")) == ["Someone else's"]
    assert _names(bob_client.get(URL + f"?owner={bob.pk}")) == ["Bob's"]


def test_it_filters_by_segment_band_zone_renewal_window_and_search(acme, alice_client):
    soon = customer(acme, "Soon Enterprise", segment="enterprise", renewal_in=20)
    later = customer(acme, "Later SMB", segment="smb", renewal_in=100)
    far = customer(acme, "Far Mid", renewal_in=300)
    score(soon, value=20)
    score(later, value=60)
    score(far, value=90)
    zones(soon, attention="activation")
    zones(later, attention="realization")
    zones(far, attention="")

    assert _names(alice_client.get(URL + "?segment=enterprise")) == ["Soon Enterprise"]
    assert _names(alice_client.get(URL + "?band=yellow")) == ["Later SMB"]
    assert _names(alice_client.get(URL + "?zone=realization")) == ["Later SMB"]
    assert _names(alice_client.get(URL + "?zone=holding")) == ["Far Mid"]
    assert _names(alice_client.get(URL + "?renewal=30")) == ["Soon Enterprise"]
    assert _names(alice_client.get(URL + "?renewal=120&sort=name")) == ["Later SMB", "Soon Enterprise"]
    assert _names(alice_client.get(URL + "?q=smb")) == ["Later SMB"]


def test_a_band_override_in_force_is_shown_instead_of_the_computed_band(acme, alice, alice_client):
    account = customer(acme, "Overridden")
    score(account, value=20)
    BandOverride.objects.create(
        organization=acme, account=account, band="green", reason="Signed the renewal", expires_on=today() + dt.timedelta(days=10), created_by=alice
    )

    response = alice_client.get(URL)

    row = response.context["rows"][0]
    assert row.band == "green" and row.score.band == "red"
    assert "override" in response.content.decode()


def test_unknown_filter_values_are_a_clear_400_not_a_500(acme, alice_client):
    response = alice_client.get(URL + "?band=purple&renewal=7&sort=nonsense")

    assert response.status_code == 400
    assert "Some filters were not understood" in response.content.decode()


def test_it_shows_50_accounts_per_page(acme, alice_client):
    for n in range(55):
        AccountFactory(organization=acme, name=f"Customer {n:02d}")

    first = alice_client.get(URL + "?sort=name")
    second = alice_client.get(URL + "?sort=name&page=2")

    assert len(first.context["rows"]) == 50
    assert _names(second) == [f"Customer {n:02d}" for n in range(50, 55)]
    assert "Page 1 of 2" in first.content.decode()


def test_an_empty_portfolio_explains_itself(acme, alice_client):
    response = alice_client.get(URL)

    assert response.status_code == 200
    assert "No accounts yet" in response.content.decode()


def _book(organization, owner, n: int) -> None:
    for index in range(n):
        account = customer(organization, f"Book {owner.pk}-{index}", owner=owner)
        history(account, [50 + index % 10, 45, 40])
        zones(account)
        risk(account)
        save_plan(account, owner=owner)
        BandOverride.objects.create(organization=organization, account=account, band="green", reason="r", expires_on=today())


def test_the_query_count_does_not_grow_with_the_accounts_shown(acme, alice, alice_client, django_assert_max_num_queries):
    # Given 2 accounts with every kind of fact, then 25 more
    _book(acme, alice, 2)
    with CaptureQueriesContext(connection) as few:
        assert alice_client.get(URL).status_code == 200
    _book(acme, alice, 25)

    # When the portfolio is rendered again (risk sort, then a filtered renewal sort)
    with django_assert_max_num_queries(22):
        response = alice_client.get(URL)
    assert len(response.context["rows"]) == 27
    with CaptureQueriesContext(connection) as many:
        alice_client.get(URL)
    with CaptureQueriesContext(connection) as filtered:
        alice_client.get(URL + "?zone=activation&band=yellow&sort=renewal&renewal=365")

    # Then the number of queries is the same
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(filtered.captured_queries) <= len(few.captured_queries)


def test_the_csv_export_has_every_account_of_the_view_in_order(acme, alice, alice_client, django_assert_max_num_queries):
    _book(acme, alice, 3)
    for n in range(60):
        customer(acme, f"Unscored {n:02d}", mrr="10")

    with django_assert_max_num_queries(17):
        response = alice_client.get(URL + "?owner=&sort=-arr&format=csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["Account", "External id", "Segment", "Owner", "Band"]
    assert len(rows) == 1 + 63
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Band"] == "Green" and first["Band overridden"] == "yes"
    assert first["Open risk indicators"] == "1" and first["Save plan"] == "Open"
    assert first["Needs attention first"] == "Activation"
    assert first["ARR (USD)"] == "12000.00"


def test_a_user_saves_opens_and_deletes_a_named_view(acme, alice, bob, alice_client, bob_client):
    customer(acme, "Enterprise one", segment="enterprise")

    response = alice_client.post(URL + "views/", {"name": "Enterprise", "query": "segment=enterprise&sort=name&page=3&format=csv&evil=1"})

    view = SavedView.objects.get(organization=acme, user=alice)
    assert view.query == "segment=enterprise&sort=name"
    assert response.status_code == 302 and response["Location"].endswith("?segment=enterprise&sort=name")
    page = alice_client.get(URL)
    assert "Enterprise" in page.content.decode() and page.context["saved_views"] == [view]
    # Bob sees only his own views and cannot delete alice's
    assert bob_client.get(URL).context["saved_views"] == []
    assert bob_client.post(URL + f"views/{view.pk}/delete/").status_code == 404
    # Saving the same name again replaces the query
    alice_client.post(URL + "views/", {"name": "Enterprise", "query": "segment=smb"})
    assert SavedView.objects.get(pk=view.pk).query == "segment=smb"
    assert alice_client.post(URL + f"views/{view.pk}/delete/").status_code == 302
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_a_view_without_a_name_is_not_saved(acme, alice_client):
    response = alice_client.post(URL + "views/", {"name": "  ", "query": "sort=name"}, follow=True)

    assert SavedView.objects.count() == 0
    assert "The view was not saved" in response.content.decode()


def test_another_organization_gets_404(acme, alice, charlie_client):
    customer(acme, "Secret")
    view = SavedView.objects.create(organization=acme, user=alice, name="Mine", query="")

    assert charlie_client.get(URL).status_code == 404
    assert charlie_client.get(URL + "?format=csv").status_code == 404
    assert charlie_client.post(URL + f"views/{view.pk}/delete/").status_code == 404
    assert charlie_client.post(f"/o/globex/portfolio/views/{view.pk}/delete/").status_code == 404
    assert SavedView.objects.filter(pk=view.pk).exists()


def test_search_treats_percent_and_underscore_literally(acme, alice_client):
    customer(acme, "100% Uptime Inc")
    customer(acme, "Plain Co")
    customer(acme, "Under_score Ltd")

    assert _names(alice_client.get(URL + "?q=100%25")) == ["100% Uptime Inc"]
    assert _names(alice_client.get(URL + "?q=_")) == ["Under_score Ltd"]
    assert _names(alice_client.get(URL + "?q=uptime")) == ["100% Uptime Inc"]


def test_a_page_beyond_the_last_shows_the_last_page(acme, alice_client):
    for n in range(3):
        customer(acme, f"Only {n}")

    response = alice_client.get(URL + "?page=9")

    assert response.status_code == 200
    assert sorted(_names(response)) == ["Only 0", "Only 1", "Only 2"]
    assert response.context["page"].number == 1
