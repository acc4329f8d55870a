"""PostgreSQL row-level security: the backstop under the application's own tenant filters.

Every tenant-owned table gets a policy that admits only rows whose ``organization_id`` equals the
transaction-local setting ``app.organization_id``. Unset means no rows (fail closed). System work
that spans organizations (migrations, the admin, demo seeding) opts out explicitly with
``bypass()``, which sets ``app.rls_bypass``. On SQLite every function here is a no-op.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import connection, transaction
from django.db.migrations.operations.base import Operation

ORG_SETTING = "app.organization_id"
BYPASS_SETTING = "app.rls_bypass"

# Each setting is read in a scalar subquery: PostgreSQL evaluates it once per statement (an
# InitPlan) rather than once per row read or written, which a 1,000-event ingestion batch
# otherwise paid some 6,000 times (migration retention 0005).
_POLICY_EXPR = (
    f"((SELECT current_setting('{BYPASS_SETTING}', true)) = 'on' OR organization_id = (SELECT NULLIF(current_setting('{ORG_SETTING}', true), '')::bigint))"
)


def is_enabled() -> bool:
    return connection.vendor == "postgresql"


def current() -> tuple[str, str]:
    """The (organization id, bypass) pair in force on this connection, as strings."""
    if not is_enabled():
        return ("", "")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(current_setting(%s, true), ''), coalesce(current_setting(%s, true), '')",
            [ORG_SETTING, BYPASS_SETTING],
        )
        org, bypass_value = cursor.fetchone()
    return org, bypass_value


def _set(organization_id: str, bypass_value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config(%s, %s, true), set_config(%s, %s, true)",
            [ORG_SETTING, organization_id, BYPASS_SETTING, bypass_value],
        )


def activate(organization_id: int) -> None:
    """Scope the rest of the current transaction to one organization.

    In autocommit mode (a view outside the request-wide transaction, such as event ingestion,
    which opens its own ``tenant_context``) there is no transaction to scope: the setting would
    end with its own statement, so the round trip is skipped.
    """
    if is_enabled() and not connection.get_autocommit():
        _set(str(int(organization_id)), "off")


def restore(previous: tuple[str, str]) -> None:
    if is_enabled() and connection.in_atomic_block:
        _set(*previous)


@contextlib.contextmanager
def _scoped() -> Iterator[bool]:
    """A transaction (or savepoint) whose settings changes are undone when it ends.

    The settings are transaction-local, so a new outermost transaction needs no restore; inside
    an enclosing one the caller's settings are read first and put back after a success (a
    rolled-back savepoint takes its settings changes with it). Yields whether row security is in
    force (PostgreSQL).
    """
    nested = connection.in_atomic_block
    with transaction.atomic():
        previous = current() if nested else None
        yield is_enabled()
        # Only on success: a failure rolls the savepoint back, and the settings with it (restoring
        # them by hand in an aborted transaction would raise and hide the failure).
        if previous is not None:
            restore(previous)


@contextlib.contextmanager
def tenant_context(organization_id: int) -> Iterator[None]:
    """A transaction in which only one organization's rows exist (for tasks and commands)."""
    with _scoped() as scoped:
        if scoped:
            activate(organization_id)
        yield


@contextlib.contextmanager
def bypass() -> Iterator[None]:
    """A transaction that sees every organization's rows. Only for system work."""
    with _scoped() as scoped:
        if scoped:
            _set("", "on")
        yield


class EnableRowLevelSecurity(Operation):
    """Migration operation: turn on (and force) the tenant policy for one model's table.

    Every migration that creates a ``TenantModel`` table adds one of these; a test checks that
    no tenant table is left without it.
    """

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str):
        self.model_name = model_name

    def state_forwards(self, app_label, state):
        pass

    def _table(self, app_label, state) -> str:
        return state.apps.get_model(app_label, self.model_name)._meta.db_table

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = schema_editor.quote_name(self._table(app_label, to_state))
        schema_editor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        schema_editor.execute(f"CREATE POLICY tenant_isolation ON {table} USING {_POLICY_EXPR} WITH CHECK {_POLICY_EXPR}")

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = schema_editor.quote_name(self._table(app_label, from_state))
        schema_editor.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        schema_editor.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")

    def describe(self) -> str:
        return f"Enable row-level security on {self.model_name}"

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.model_name], {})

    @property
    def migration_name_fragment(self) -> str:
        return f"rls_{self.model_name.lower()}"
