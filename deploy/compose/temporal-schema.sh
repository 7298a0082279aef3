#!/bin/sh
# Temporal's persistence and visibility schemas on PostgreSQL, with temporal-sql-tool from
# temporalio/admin-tools. Safe to run again: an existing database is kept and only migrated.
set -eu
SQL="temporal-sql-tool --plugin postgres12 --ep postgresql -p 5432 -u temporal"
SCHEMA=/etc/temporal/schema/postgresql/v12
for db in temporal temporal_visibility; do
  $SQL --db "$db" create-database 2>/dev/null || echo "database $db exists"
done
$SQL --db temporal setup-schema -v 0.0 2>/dev/null || echo "temporal schema already set up"
$SQL --db temporal update-schema -d "$SCHEMA/temporal/versioned"
$SQL --db temporal_visibility setup-schema -v 0.0 2>/dev/null || echo "visibility schema already set up"
$SQL --db temporal_visibility update-schema -d "$SCHEMA/visibility/versioned"
echo "temporal schema ready"
