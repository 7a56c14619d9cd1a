#!/bin/sh
# Creates Temporal's two Postgres databases and brings their schemas to the
# version shipped in this admin-tools image. Safe to run on every `up`:
# create-database tolerates an existing database, setup-schema -v 0.0 leaves a
# newer schema alone, and update-schema applies only the versions not yet
# applied, so bumping TEMPORAL_VERSION also upgrades the schema here.
#
# Connection settings come from the environment (the tool's own variables):
# SQL_PLUGIN, SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD.
set -eu

schema_root=/etc/temporal/schema/postgresql/v12

setup() {
	db=$1
	dir=$2
	echo "temporal schema: database ${db}"
	# Only the create step may fail harmlessly (database already there, on an
	# older tool that reports it); a real connection problem fails setup-schema.
	temporal-sql-tool --db "$db" create-database ||
		echo "temporal schema: create-database ${db} failed; assuming it exists"
	temporal-sql-tool --db "$db" setup-schema -v 0.0
	temporal-sql-tool --db "$db" update-schema -d "${schema_root}/${dir}/versioned"
}

setup "${TEMPORAL_DB:-temporal}" temporal
setup "${TEMPORAL_VISIBILITY_DB:-temporal_visibility}" visibility
echo "temporal schema: done"
