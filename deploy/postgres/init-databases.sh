#!/usr/bin/env bash
# One database per service, each owned by a role of its own: a service can reach only its own data
# (design: no service reads another's database). The postgres image runs this once, from
# /docker-entrypoint-initdb.d, on an empty data directory; it is also safe to run again by hand.
#
# Environment: PMM_SERVICES (names, default the four services), <NAME>_DB_PASSWORD for each,
# POSTGRES_USER / POSTGRES_DB (set by the image), PMM_DB_PREFIX (default pmm_).
set -euo pipefail

services="${PMM_SERVICES:-planning observation appraisal bkn_sync}"
prefix="${PMM_DB_PREFIX:-pmm_}"

for service in $services; do
  if [[ ! "$service" =~ ^[a-z_][a-z0-9_]*$ ]]; then
    echo "init-databases: '$service' is not a plain identifier" >&2
    exit 1
  fi
  password_var="$(tr '[:lower:]' '[:upper:]' <<<"$service")_DB_PASSWORD"
  password="${!password_var:-}"
  if [[ -z "$password" ]]; then
    echo "init-databases: $password_var is not set" >&2
    exit 1
  fi
  echo "init-databases: database ${prefix}${service}, role ${service}"
  # Values travel as psql variables and are quoted by format(%I/%L), never pasted into SQL.
  psql --no-psqlrc -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
    -v role="$service" -v database="${prefix}${service}" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'role', :'password')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role')
\gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'role')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database')
\gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'database')
\gexec
SQL
done
