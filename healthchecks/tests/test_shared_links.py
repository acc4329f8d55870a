"""Shared links (retention.sharing): one neutral 404, hashed tokens, revocation, rate limits,
and a link that can never show another account's or organization's data."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import AccountFactory
from healthchecks.models import Response
from healthchecks.tests.factories import healthcheck_link, submit_response
from retention import sharing
from retention.keys import hash_secret
from retention.models import SharedLink


def _open(token: str, client: Client | None = None, **extra):
    return (client or Client()).get(reverse("shared_link", kwargs={"token": token}), **extra)


def test_the_token_has_at_least_128_bits_and_only_its_hash_is_stored(acme, acme_account):
    issued = healthcheck_link(organization=acme, account=acme_account)

    assert len(issued.token) >= 22  # url-safe base64: 6 bits per character → ≥ 128 bits
    stored = SharedLink.objects.get(pk=issued.link.pk)
    assert stored.token_hash == hash_secret(issued.token)
    assert issued.token not in str(SharedLink.objects.filter(pk=stored.pk).values().get())


def test_unknown_expired_revoked_and_other_purpose_tokens_get_the_same_neutral_404(acme, acme_account, bob):
    # Given an expired link, a revoked link and a value-dashboard link (another purpose)
    expired = healthcheck_link(organization=acme, account=acme_account)
    SharedLink.objects.filter(pk=expired.link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    revoked = healthcheck_link(organization=acme, account=acme_account)
    sharing.shared_link_revoke(organization=acme, link_id=revoked.link.pk, by=bob)
    other_purpose = sharing.shared_link_create(
        organization=acme, account=acme_account, purpose="value_dashboard", created_by=bob, expires_at=timezone.now() + timedelta(days=1)
    )

    # When each is opened: the landing page, and the health check's step and result pages
    # (the value-dashboard token only on the health check's own pages, which it must not open)
    pages = [_open(token) for token in ["x" * 43, expired.token, revoked.token, "y" * 500]]
    for token in ["x" * 43, expired.token, revoked.token, other_purpose.token]:
        pages.append(Client().get(reverse("healthcheck_step", kwargs={"token": token, "step": 1})))
        pages.append(Client().post(reverse("healthcheck_step", kwargs={"token": token, "step": 1}), {"uf_weekly": 3}))
        pages.append(Client().get(reverse("healthcheck_result", kwargs={"token": token})))

    # Then every answer is the same 404 page, which names neither the vendor nor the account
    bodies = {p.content for p in pages}
    assert {p.status_code for p in pages} == {404}
    assert len(bodies) == 1
    body = bodies.pop().decode()
    assert "Acme" not in body and "Initech" not in body
    assert "not available" in body


def test_a_link_answers_again_the_moment_before_it_expires_and_not_after(acme, acme_account):
    issued = healthcheck_link(organization=acme, account=acme_account)
    SharedLink.objects.filter(pk=issued.link.pk).update(expires_at=timezone.now() + timedelta(minutes=1))
    assert _open(issued.token).status_code == 200

    SharedLink.objects.filter(pk=issued.link.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert _open(issued.token).status_code == 404


def test_creating_a_link_refuses_another_organizations_account_and_a_past_expiry(acme, globex, globex_account, acme_account):
    with pytest.raises(ValidationError) as foreign:
        sharing.shared_link_create(
            organization=acme, account=globex_account, purpose="healthcheck", created_by=None, expires_at=timezone.now() + timedelta(days=1)
        )
    with pytest.raises(ValidationError) as past:
        sharing.shared_link_create(organization=acme, account=acme_account, purpose="healthcheck", created_by=None, expires_at=timezone.now())

    assert "account" in foreign.value.message_dict
    assert "expires_at" in past.value.message_dict
    assert SharedLink.objects.count() == 0


def test_a_link_shows_only_its_own_accounts_result_even_with_another_links_cookie(acme, globex, acme_account, globex_account):
    # Given a respondent of Initech (Acme) who has a result cookie, and a link for another account
    # of Acme and one for Globex's customer
    mine = healthcheck_link(organization=acme, account=acme_account)
    client = Client()
    _open(mine.token, client)
    from healthchecks.tests.test_respondent_flow import _answer_everything

    _answer_everything(client, mine, value=2)
    other_account = AccountFactory(organization=acme, name="Hooli", external_id="hooli")
    other = healthcheck_link(organization=acme, account=other_account)
    foreign = healthcheck_link(organization=globex, account=globex_account)
    submit_response(organization=globex, account=globex_account, link=foreign.link, respondent_name="Globex person")
    mine_response = Response.objects.get(shared_link=mine.link)

    # When the cookie naming Initech's response is replayed on the other links' result pages
    cookie_value = client.cookies[f"hc_done_{mine.link.pk}"].value
    for issued in (other, foreign):
        thief = Client()
        thief.cookies[f"hc_done_{issued.link.pk}"] = cookie_value
        response = thief.get(reverse("healthcheck_result", kwargs={"token": issued.token}))
        # Then it is not shown: the signature is per link and the lookup is bound to the link's account
        assert response.status_code == 302
        assert "Initech" not in response.content.decode()

    # And each landing page names only its own vendor and account
    foreign_page = _open(foreign.token).content.decode()
    assert "Globex Systems" in foreign_page and "Umbrella Corp" in foreign_page
    assert "Acme" not in foreign_page and "Initech" not in foreign_page
    assert mine_response.account_id == acme_account.id


def test_a_forged_cookie_for_another_response_id_shows_nothing(acme, acme_account, globex, globex_account):
    # Given Globex's response, and a validly signed cookie on Acme's link naming that response's id
    foreign_response = submit_response(organization=globex, account=globex_account)
    mine = healthcheck_link(organization=acme, account=acme_account)
    from django.http import HttpResponse

    signer = HttpResponse()
    signer.set_signed_cookie(f"hc_done_{mine.link.pk}", str(foreign_response.pk), salt="healthchecks.result")
    client = Client()
    client.cookies[f"hc_done_{mine.link.pk}"] = signer.cookies[f"hc_done_{mine.link.pk}"].value

    # When the result page is opened
    response = client.get(reverse("healthcheck_result", kwargs={"token": mine.token}))

    # Then the lookup (bound to the link, its account and its organization) finds nothing
    assert response.status_code == 302


def test_requests_beyond_the_address_limit_get_429_with_retry_after(acme, acme_account, settings):
    # Given a limit of 3 requests a minute per address, and a fresh address
    settings.SHARED_LINK_RATE_PER_ADDRESS = "3/m"
    issued = healthcheck_link(organization=acme, account=acme_account)
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    client = Client(REMOTE_ADDR=address)

    # When it makes a fourth request within the minute (unknown tokens count too)
    statuses = [_open("z" * 43, client).status_code, _open(issued.token, client).status_code, _open(issued.token, client).status_code]
    fourth = _open(issued.token, client)

    # Then it is refused with 429 and told how long to wait
    assert statuses == [404, 200, 200]
    assert fourth.status_code == 429
    assert 1 <= int(fourth["Retry-After"]) <= 60
    assert "Please wait a moment" in fourth.content.decode()


def test_requests_beyond_the_link_limit_get_429_from_any_address(acme, acme_account, settings):
    settings.SHARED_LINK_RATE_PER_LINK = "2/m"
    issued = healthcheck_link(organization=acme, account=acme_account)

    statuses = [_open(issued.token, Client(REMOTE_ADDR=f"10.9.8.{n}")).status_code for n in range(3)]

    assert statuses == [200, 200, 429]


def test_x_forwarded_for_is_believed_only_from_a_configured_proxy(rf, settings):
    settings.SHARED_LINK_TRUSTED_PROXIES = []
    spoofed = rf.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert sharing.client_address(spoofed) == "203.0.113.9"

    settings.SHARED_LINK_TRUSTED_PROXIES = ["127.0.0.1"]
    proxied = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1, 192.0.2.7")
    assert sharing.client_address(proxied) == "192.0.2.7"  # the hop our proxy saw, not what the client claimed
    assert sharing.client_address(rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="not-an-ip")) == "127.0.0.1"
