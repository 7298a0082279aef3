#!/bin/sh
# First start of the PostgreSQL volume: one role and database for Gyde, one role for Temporal
# (its two databases are created by temporal-schema.sh through the admin tools).
set -eu
psql -v ON_ERROR_STOP=1 --username postgres <<SQL
CREATE ROLE gyde LOGIN PASSWORD '${GYDE_DB_PASSWORD}';
CREATE DATABASE gyde OWNER gyde;
CREATE ROLE temporal LOGIN CREATEDB PASSWORD '${TEMPORAL_DB_PASSWORD}';
SQL
