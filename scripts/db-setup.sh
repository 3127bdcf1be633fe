#!/usr/bin/env bash
# Prepare a database of a running cluster for jobboard.
#
#   scripts/db-setup.sh [-p port] [-s sockdir] [-d dbname] [--demo] [--pgtap]
#
# Creates the database (default "jobboard") if missing, creates or updates the
# extension, and creates the LOGIN role jobboard_http as a member of
# jobboard_api (the NOLOGIN role the extension creates), which the shim logs in
# as. --pgtap also creates the pgtap extension. --demo loads scripts/demo.sql
# once per database (skipped with a message while that file does not exist):
# it runs as the superuser in one transaction, and a comment on the database
# records that it was loaded.
#
# Connects as the superuser "postgres" through the socket directory
# (default /tmp/jobboard-<port>); the port defaults to JB_PGPORT, else 54329.
set -euo pipefail
JB_PROG=db-setup
. "$(dirname "$0")/common.sh"

port=${JB_PGPORT:-$JB_RUN_PORT_DEFAULT}
sockdir=
db=jobboard
demo=0
pgtap=0
while [ $# -gt 0 ]; do
	case $1 in
	-p) port=$2; shift 2 ;;
	-s) sockdir=$2; shift 2 ;;
	-d) db=$2; shift 2 ;;
	--demo) demo=1; shift ;;
	--pgtap) pgtap=1; shift ;;
	*) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
[ -n "$sockdir" ] || sockdir=$(jb_sockdir_for "$port")

psql_su() {
	PGOPTIONS='-c client_min_messages=warning' \
	"$JB_PGBIN/psql" -h "$sockdir" -p "$port" -U postgres -X -q -v ON_ERROR_STOP=1 "$@"
}

psql_su -d postgres -v db="$db" <<'SQL'
SELECT format('CREATE DATABASE %I', :'db')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL

psql_su -d "$db" <<'SQL'
CREATE EXTENSION IF NOT EXISTS jobboard CASCADE;
ALTER EXTENSION jobboard UPDATE;
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'jobboard_http') THEN
		CREATE ROLE jobboard_http LOGIN;
	END IF;
END
$$;
GRANT jobboard_api TO jobboard_http;
SQL

if [ "$pgtap" = 1 ]; then
	psql_su -d "$db" -c 'CREATE EXTENSION IF NOT EXISTS pgtap'
fi

if [ "$demo" = 1 ]; then
	demo_sql=$JB_ROOT/scripts/demo.sql
	marker='jobboard demo data loaded from scripts/demo.sql'
	loaded=$(psql_su -d "$db" -At -c \
		"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()")
	if [ ! -f "$demo_sql" ]; then
		jb_say "no scripts/demo.sql yet; no demo data loaded"
	elif [ "$loaded" = "$marker" ]; then
		jb_say "demo data already loaded in $db"
	else
		jb_say "loading demo data into $db"
		psql_su -d "$db" -1 -f "$demo_sql"
		psql_su -d "$db" -v marker="$marker" <<'SQL'
SELECT format('COMMENT ON DATABASE %I IS %L', current_database(), :'marker') \gexec
SQL
	fi
fi
jb_say "database $db ready (port $port)"
