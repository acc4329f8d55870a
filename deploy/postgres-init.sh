#!/bin/bash
# First start of the postgres container: the application role (not a superuser, so row-level
# security applies to it) and its database.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" <<SQL
CREATE ROLE retention_app LOGIN PASSWORD '${APP_DB_PASSWORD}' NOSUPERUSER NOBYPASSRLS;
CREATE DATABASE retention OWNER retention_app;
SQL
