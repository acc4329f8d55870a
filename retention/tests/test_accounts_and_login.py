"""Sign-up, login, password reset, the organization switcher and creating organizations."""

import re

import pytest
from django.core import mail

from retention.models import Membership, Organization, Role, User

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "a-long-unusual-passphrase"


def test_sign_up_creates_a_user_who_owns_a_new_organization(client):
    response = client.post("/signup/", {"full_name": "Dana Lead", "email": "Dana@Example.test", "password": GOOD_PASSWORD, "organization_name": "Initech"})
    assert response.status_code == 302
    organization = Organization.objects.get(name="Initech")
    assert response["Location"] == f"/o/{organization.slug}/"
    membership = Membership.objects.get(organization=organization)
    assert membership.user.email == "dana@example.test" and membership.role == Role.OWNER
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"password": "short"}, "password", "too short"),
        ({"organization_name": ""}, "organization_name", "required"),
    ],
)
def test_sign_up_rejects_bad_input_with_a_message(client, data, field, message):
    payload = {"full_name": "D", "email": "d@example.test", "password": GOOD_PASSWORD, "organization_name": "Initech", **data}
    response = client.post("/signup/", payload)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field]).lower()
    assert not User.objects.filter(email="d@example.test").exists() or field != "email"


def test_sign_up_with_a_taken_email_says_so(client, alice):
    response = client.post("/signup/", {"full_name": "X", "email": "ALICE@acme.test", "password": GOOD_PASSWORD, "organization_name": "Other"})
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    assert not Organization.objects.filter(name="Other").exists()


def test_login_with_email_and_password(client, alice):
    response = client.post("/login/", {"username": "alice@acme.test", "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert client.get("/", follow=True).request["PATH_INFO"] == "/o/acme/portfolio/"


def test_login_with_a_wrong_password_is_refused(client, alice):
    response = client.post("/login/", {"username": "alice@acme.test", "password": "nope"})
    assert response.status_code == 200
    assert "correct email and password" in response.content.decode().lower()


def test_organization_pages_require_login(client, acme):
    response = client.get("/o/acme/members/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_password_reset_sends_a_link_that_sets_a_new_password(client, alice):
    client.post("/password-reset/", {"email": "alice@acme.test"})
    assert len(mail.outbox) == 1
    link = re.search(r"http://[^/]+(/password-reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    set_url = form_page.request["PATH_INFO"]
    response = client.post(set_url, {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(GOOD_PASSWORD)


def test_switcher_lists_every_organization_of_the_user(alice_client, alice, globex):
    Membership.objects.create(organization=globex, user=alice, role=Role.VIEWER)
    page = alice_client.get("/o/acme/").content.decode()
    assert 'value="/o/acme/portfolio/"' in page and 'value="/o/globex/portfolio/"' in page
    assert alice_client.get("/o/globex/").status_code == 200


def test_a_user_can_create_another_organization(alice_client):
    response = alice_client.post("/organizations/new/", {"name": "Acme Europe"})
    organization = Organization.objects.get(name="Acme Europe")
    assert response["Location"] == f"/o/{organization.slug}/"
    assert alice_client.post("/organizations/new/", {"name": "  "}).status_code == 400


def test_the_slug_of_a_new_organization_is_unique(alice):
    from retention.services import organization_create

    first = organization_create(name="Same Name", owner=alice)
    second = organization_create(name="Same Name", owner=alice)
    assert first.slug != second.slug
