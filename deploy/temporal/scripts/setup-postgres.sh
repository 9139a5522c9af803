#!/bin/sh
# Creates and migrates Temporal's PostgreSQL schemas (the main store and visibility) with temporal-sql-tool, as
# Temporal's own compose setup does. Idempotent: `create` of an existing database fails harmlessly and
# `update-schema` applies only missing versions.
set -eu

: "${POSTGRES_SEEDS:?POSTGRES_SEEDS is required}"
: "${POSTGRES_USER:?POSTGRES_USER is required}"
: "${SQL_PASSWORD:?SQL_PASSWORD is required}"
export SQL_PASSWORD
PORT="${DB_PORT:-5432}"

echo "waiting for PostgreSQL at ${POSTGRES_SEEDS}:${PORT}"
until nc -z -w 5 "${POSTGRES_SEEDS}" "${PORT}"; do sleep 1; done

sql() {
  temporal-sql-tool --plugin postgres12 --ep "${POSTGRES_SEEDS}" -u "${POSTGRES_USER}" -p "${PORT}" "$@"
}

for database in "${TEMPORAL_DB:-temporal}" "${TEMPORAL_VISIBILITY_DB:-temporal_visibility}"; do
  sql --db "${database}" create || echo "database ${database} exists"
done
sql --db "${TEMPORAL_DB:-temporal}" setup-schema -v 0.0
sql --db "${TEMPORAL_DB:-temporal}" update-schema -d /etc/temporal/schema/postgresql/v12/temporal/versioned
sql --db "${TEMPORAL_VISIBILITY_DB:-temporal_visibility}" setup-schema -v 0.0
sql --db "${TEMPORAL_VISIBILITY_DB:-temporal_visibility}" update-schema -d /etc/temporal/schema/postgresql/v12/visibility/versioned
echo "PostgreSQL schemas ready"
