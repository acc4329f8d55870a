"""Row-level security on PostgreSQL: a query that forgets its organization filter sees no
foreign rows, and with no organization set it sees nothing at all (fail closed)."""

import pytest
from django.apps import apps
from django.db import connection, transaction

from retention import rls, services
from retention.models import AuditLogEntry, TenantModel


def _count_raw(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # no WHERE organization_id: on purpose
        return cursor.fetchone()[0]


def _rls_on_without_bypass():
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.rls_bypass', 'off', true), set_config('app.organization_id', '', true)")


def test_the_application_connects_as_a_role_that_cannot_bypass_rls(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False, False)


def test_a_raw_query_without_an_organization_filter_returns_no_foreign_rows(acme, globex, alice, charlie):
    # Given audit entries in two organizations
    services.audit_record(organization=acme, actor=alice, action="test.acme")
    services.audit_record(organization=globex, actor=charlie, action="test.globex")
    table = AuditLogEntry._meta.db_table
    assert _count_raw(table) >= 2  # the test set-up bypass sees both

    with transaction.atomic():
        _rls_on_without_bypass()
        # When nothing is set, Then nothing is visible (fail closed)
        assert _count_raw(table) == 0
        # When the transaction is scoped to Acme, Then only Acme's rows come back
        rls.activate(acme.id)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT organization_id FROM {table}")
            assert [row[0] for row in cursor.fetchall()] == [acme.id]
        # ... and the ORM without a filter agrees
        assert set(AuditLogEntry.objects.values_list("action", flat=True)) >= {"test.acme"}
        assert not AuditLogEntry.objects.filter(action="test.globex").exists()


def test_rls_refuses_to_write_a_row_into_another_organization(acme, globex):
    from django.db import DatabaseError

    with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
        _rls_on_without_bypass()
        rls.activate(acme.id)
        AuditLogEntry.objects.create(organization=globex, action="sneaky")


def test_every_tenant_table_has_forced_rls_with_a_policy(db):
    tenant_tables = [m._meta.db_table for m in apps.get_models() if issubclass(m, TenantModel)]
    assert tenant_tables
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)
            FROM pg_class c WHERE c.relname = ANY(%s)
            """,
            [tenant_tables],
        )
        rows = {name: (enabled, forced, has_policy) for name, enabled, forced, has_policy in cursor.fetchall()}
    missing = [t for t in tenant_tables if rows.get(t) != (True, True, True)]
    assert not missing, f"Add rls.EnableRowLevelSecurity to the migration creating: {missing}"


def test_tenant_context_scopes_a_task_to_one_organization(acme, globex, alice, charlie):
    services.audit_record(organization=acme, actor=alice, action="a")
    services.audit_record(organization=globex, actor=charlie, action="b")
    with transaction.atomic():
        _rls_on_without_bypass()
        with rls.tenant_context(globex.id):
            assert list(AuditLogEntry.objects.values_list("action", flat=True)) == ["b"]
        assert AuditLogEntry.objects.count() == 0  # scope restored to "nothing"


def test_a_request_runs_under_rls_even_though_test_setup_bypasses_it(acme, alice_client):
    # The page renders through org_view, which switches the bypass off for the request's
    # transaction; after the request the test's own bypass is back.
    response = alice_client.get("/o/acme/")
    assert response.status_code == 200
    assert rls.current() == ("", "on")


@pytest.mark.django_db(transaction=True)
def test_a_tenant_scope_opened_outside_any_transaction_ends_with_it(acme, globex):
    # The settings are transaction-local: a scope that starts the transaction needs no restore,
    # and nothing of it is left on the connection for the next piece of work.
    before = rls.current()
    with rls.tenant_context(acme.id):
        assert rls.current()[0] == str(acme.id)
    assert rls.current() == before
    # Nested in a caller's transaction, the caller's scope comes back.
    with transaction.atomic():
        rls.activate(globex.id)
        with rls.tenant_context(acme.id):
            assert rls.current()[0] == str(acme.id)
        assert rls.current()[0] == str(globex.id)


def test_a_failure_inside_a_nested_tenant_scope_leaves_the_callers_scope_and_its_own_error(acme, globex):
    with transaction.atomic():
        rls.activate(globex.id)
        with pytest.raises(RuntimeError, match="the work failed"), rls.tenant_context(acme.id):
            raise RuntimeError("the work failed")
        assert rls.current()[0] == str(globex.id)
