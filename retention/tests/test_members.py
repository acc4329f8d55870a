"""Members and roles: invitations by emailed link, role changes, removal revokes access at once."""

import re

import pytest
from django.core import mail

from retention.models import Invitation, Membership, Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _run_on_commit(django_capture_on_commit_callbacks):
    # Invitation emails are sent after commit; the test transaction never commits.
    global _capture
    _capture = django_capture_on_commit_callbacks


def _invite(client, email="dora@acme.test", role="viewer"):
    with _capture(execute=True):
        return client.post("/o/acme/members/invite/", {"email": email, "role": role})


def _accept_link():
    return re.search(r"https?://[^/]+(/invitations/\S+/)", mail.outbox[-1].body).group(1)


def test_an_admin_invites_by_email_and_the_invitee_joins_with_the_chosen_role(alice_client, client, acme):
    # Given alice invites dora as a viewer
    response = _invite(alice_client)
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["dora@acme.test"]
    # When dora opens the link and creates her login
    link = _accept_link()
    assert "Join Acme Analytics" in client.get(link).content.decode()
    response = client.post(link, {"full_name": "Dora New", "password": "a-long-unusual-passphrase"})
    # Then she is a viewer of Acme, logged in, and the link is spent
    assert response["Location"] == "/o/acme/"
    assert Membership.objects.get(organization=acme, user__email="dora@acme.test").role == Role.VIEWER
    assert client.get("/o/acme/").status_code == 200
    client.logout()
    assert client.get(link).status_code == 404


def test_an_existing_user_accepts_an_invitation_after_logging_in(alice_client, charlie_client, charlie, acme):
    _invite(alice_client, email="charlie@globex.test", role="csm")
    link = _accept_link()
    assert charlie_client.get("/o/acme/").status_code == 404
    response = charlie_client.post(link)
    assert response["Location"] == "/o/acme/"
    assert charlie_client.get("/o/acme/").status_code == 200


def test_an_invitation_for_someone_else_cannot_be_accepted(alice_client, charlie_client):
    _invite(alice_client, email="dora@acme.test")
    link = _accept_link()
    charlie_client.post(link)
    assert charlie_client.get("/o/acme/").status_code == 404


def test_a_revoked_or_expired_invitation_is_refused(alice_client, client, acme):
    from django.utils import timezone

    _invite(alice_client)
    link = _accept_link()
    Invitation.objects.filter(organization=acme).update(expires_at=timezone.now())
    assert client.get(link).status_code == 404
    assert client.get("/invitations/made-up-token/").status_code == 404


def test_a_csm_cannot_invite(bob_client):
    assert _invite(bob_client).status_code == 403
    assert not Invitation.objects.exists()


def test_inviting_with_bad_input_explains_what_is_wrong(alice_client, bob):
    response = _invite(alice_client, email="not-an-email")
    assert response.status_code == 400 and "valid email" in response.content.decode()
    response = _invite(alice_client, email="bob@acme.test")
    assert response.status_code == 400 and "already a member" in response.content.decode()
    response = _invite(alice_client, role="emperor")
    assert response.status_code == 400


def test_removing_a_member_revokes_access_immediately(alice_client, bob_client, bob, acme):
    assert bob_client.get("/o/acme/").status_code == 200
    membership = Membership.objects.get(organization=acme, user=bob)
    response = alice_client.post(f"/o/acme/members/{membership.pk}/remove/")
    assert response.status_code == 302
    assert bob_client.get("/o/acme/").status_code == 404


def test_the_last_owner_cannot_be_removed_or_demoted(alice_client, alice, acme):
    membership = Membership.objects.get(organization=acme, user=alice)
    alice_client.post(f"/o/acme/members/{membership.pk}/remove/")
    alice_client.post(f"/o/acme/members/{membership.pk}/role/", {"role": "viewer"})
    membership.refresh_from_db()
    assert membership.role == Role.OWNER


def test_an_admin_changes_a_role_and_the_audit_log_records_it(alice_client, bob, acme):
    from retention.models import AuditLogEntry

    membership = Membership.objects.get(organization=acme, user=bob)
    alice_client.post(f"/o/acme/members/{membership.pk}/role/", {"role": "admin"})
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN
    entry = AuditLogEntry.objects.get(organization=acme, action="member.role_changed")
    assert entry.before == {"role": "csm"} and entry.after == {"role": "admin"}
    assert entry.actor_user.email == "alice@acme.test"
    page = alice_client.get("/o/acme/audit/").content.decode()
    assert "member.role_changed" in page and "Alice Owner" in page


def test_only_an_owner_can_make_an_owner(alice_client, bob_client, bob, acme):
    bob_membership = Membership.objects.get(organization=acme, user=bob)
    alice_client.post(f"/o/acme/members/{bob_membership.pk}/role/", {"role": "admin"})
    bob_client.post(f"/o/acme/members/{bob_membership.pk}/role/", {"role": "owner"})
    bob_membership.refresh_from_db()
    assert bob_membership.role == Role.ADMIN


def test_viewers_and_csms_see_members_but_not_admin_pages(bob_client):
    assert bob_client.get("/o/acme/members/").status_code == 200
    assert bob_client.get("/o/acme/settings/api-keys/").status_code == 403
    assert bob_client.get("/o/acme/audit/").status_code == 403
