"""Every tenant policy reads its two settings once per statement instead of once per row.

The policy expression is the same test; only ``current_setting`` moves into scalar subqueries,
which PostgreSQL evaluates once (InitPlans). Applies to every table that has the
``tenant_isolation`` policy, whichever app created it.
"""

from django.db import migrations

# Frozen copies: the migration must keep meaning what it meant when it was written.
_PER_ROW = "(current_setting('app.rls_bypass', true) = 'on' OR organization_id = NULLIF(current_setting('app.organization_id', true), '')::bigint)"
_PER_STATEMENT = (
    "((SELECT current_setting('app.rls_bypass', true)) = 'on'"
    " OR organization_id = (SELECT NULLIF(current_setting('app.organization_id', true), '')::bigint))"
)


def _rewrite(expression):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT schemaname, tablename FROM pg_policies WHERE policyname = 'tenant_isolation' AND schemaname = current_schema()")
            tables = cursor.fetchall()
        quote = schema_editor.quote_name
        for schema, table in tables:
            schema_editor.execute(f"ALTER POLICY tenant_isolation ON {quote(schema)}.{quote(table)} USING {expression} WITH CHECK {expression}")

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("retention", "0004_sharedlink_experience_purposes"),
        ("accounts", "0007_rollups_without_database_foreign_keys"),
        ("dashboards", "0003_nightly_write_path"),
        ("healthchecks", "0001_initial"),
        ("renewals", "0001_business_cases"),
    ]

    operations = [migrations.RunPython(_rewrite(_PER_STATEMENT), _rewrite(_PER_ROW))]
