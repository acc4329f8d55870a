"""Create the PostgreSQL role the application connects as (idempotent).

Row-level security does not apply to superusers, so the application and the test suite connect
as ``retention_app``: a plain role that may log in and create (test) databases, nothing more.
Run with the superuser's URL in POSTGRES_ADMIN_URL (default: postgres@127.0.0.1:5432, trust auth).
"""

import os
import sys

import psycopg2
from psycopg2 import sql

ADMIN_URL = os.environ.get("POSTGRES_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
ROLE = os.environ.get("RETENTION_DB_ROLE", "retention_app")
DATABASE = os.environ.get("RETENTION_DB_NAME", "retention")


def main() -> int:
    try:
        conn = psycopg2.connect(ADMIN_URL)
    except psycopg2.OperationalError as exc:
        print(f"Cannot reach PostgreSQL as the admin user ({ADMIN_URL}): {exc}", file=sys.stderr)
        return 1
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [ROLE])
        if cur.fetchone() is None:
            cur.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS").format(sql.Identifier(ROLE)))
            print(f"Created role {ROLE}.")
        else:
            cur.execute(sql.SQL("ALTER ROLE {} LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS").format(sql.Identifier(ROLE)))
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
        if cur.fetchone() is None:
            cur.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(DATABASE), sql.Identifier(ROLE)))
            print(f"Created database {DATABASE}.")
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
