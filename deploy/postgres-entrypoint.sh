#!/bin/bash
# Entrypoint of the jobboard-postgres image.
#
# First start (no $PGDATA/PG_VERSION):
#   JOBBOARD_ROLE=primary (default): initdb, the settings below, the database
#     $JOBBOARD_DB with CREATE EXTENSION jobboard, the shim's LOGIN role
#     $JOBBOARD_HTTP_USER (member of jobboard_api) and the replication role
#     $JOBBOARD_REPLICATION_USER, then /docker-entrypoint-initdb.d/*.sql|*.sh.
#   JOBBOARD_ROLE=replica: waits for $JOBBOARD_PRIMARY_HOST:$JOBBOARD_PRIMARY_PORT,
#     then pg_basebackup -R (a streaming standby of it).
# Every start: runs postgres (port $PGPORT) with jobboard preloaded.
#
# Passwords come from the variable or, with a _FILE suffix, from a file
# (a mounted Secret): POSTGRES_PASSWORD (superuser postgres),
# JOBBOARD_HTTP_PASSWORD, JOBBOARD_REPLICATION_PASSWORD. Other settings:
# JOBBOARD_DB (jobboard), JOBBOARD_HTTP_USER (jobboard_http),
# JOBBOARD_REPLICATION_USER (replicator), JOBBOARD_PRIMARY_PORT (5432),
# PGPORT (5432), JOBBOARD_LISTEN_ADDRESSES ('*'),
# JOBBOARD_PG_SETTINGS (extra postgresql.conf lines, separated by ';').
# Any other command than "postgres" is run as it is.
set -euo pipefail

say() { printf 'jobboard-postgres: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# VAR or VAR_FILE (the file wins); empty when neither is set
secret() {
	local var=$1 file_var="${1}_FILE"
	if [ -n "${!file_var:-}" ]; then
		[ -r "${!file_var}" ] || die "$file_var=${!file_var} cannot be read"
		tr -d '\r\n' <"${!file_var}"
	else
		printf '%s' "${!var:-}"
	fi
}

if [ "${1:-postgres}" != postgres ]; then
	exec "$@"
fi

# Root only to own the data directory (a fresh volume may be root's); the
# server runs as postgres.
if [ "$(id -u)" = 0 ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	chown postgres:postgres "$PGDATA" /var/run/postgresql
	chmod 0700 "$PGDATA"
	exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

role=${JOBBOARD_ROLE:-primary}
db=${JOBBOARD_DB:-jobboard}
http_user=${JOBBOARD_HTTP_USER:-jobboard_http}
repl_user=${JOBBOARD_REPLICATION_USER:-replicator}
port=${PGPORT:-5432}

write_settings() {
	cat >>"$PGDATA/postgresql.conf" <<CONF

# jobboard-postgres
listen_addresses = '${JOBBOARD_LISTEN_ADDRESSES:-*}'
port = $port
shared_preload_libraries = 'jobboard'
max_worker_processes = 16
wal_level = replica
max_wal_senders = 10
wal_keep_size = '256MB'
hot_standby = on
password_encryption = 'scram-sha-256'
log_line_prefix = '%m [%p] %q%u@%d '
timezone = 'UTC'
log_timezone = 'UTC'
CONF
	if [ -n "${JOBBOARD_PG_SETTINGS:-}" ]; then
		tr ';' '\n' <<<"$JOBBOARD_PG_SETTINGS" >>"$PGDATA/postgresql.conf"
	fi
}

init_primary() {
	local su_pw http_pw repl_pw pwfile
	su_pw=$(secret POSTGRES_PASSWORD)
	http_pw=$(secret JOBBOARD_HTTP_PASSWORD)
	repl_pw=$(secret JOBBOARD_REPLICATION_PASSWORD)
	[ -n "$su_pw" ] || die "set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE"
	[ -n "$http_pw" ] || die "set JOBBOARD_HTTP_PASSWORD or JOBBOARD_HTTP_PASSWORD_FILE"
	say "initialising a primary in $PGDATA"
	pwfile=$(mktemp)
	printf '%s\n' "$su_pw" >"$pwfile"
	initdb -D "$PGDATA" -U postgres --pwfile="$pwfile" --auth-local=peer \
		--auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
	rm -f "$pwfile"
	write_settings
	cat >>"$PGDATA/pg_hba.conf" <<HBA

# jobboard-postgres: clients and standbys from anywhere, with a password
host all all all scram-sha-256
host replication $repl_user all scram-sha-256
HBA
	# a private start on the socket only, to set things up
	pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p $port" -w -t 60 start >/dev/null
	local psql=(psql -X -q -v ON_ERROR_STOP=1 -p "$port" -U postgres)
	"${psql[@]}" -d postgres -v db="$db" <<'SQL'
SELECT format('CREATE DATABASE %I', :'db') \gexec
SQL
	"${psql[@]}" -d "$db" -v http_user="$http_user" -v http_pw="$http_pw" \
		-v repl_user="$repl_user" -v repl_pw="$repl_pw" <<'SQL'
CREATE EXTENSION jobboard CASCADE;
CREATE ROLE :"http_user" LOGIN PASSWORD :'http_pw';
GRANT jobboard_api TO :"http_user";
SELECT format('CREATE ROLE %I LOGIN REPLICATION PASSWORD %L', :'repl_user', :'repl_pw')
 WHERE :'repl_pw' <> '' \gexec
SQL
	local f
	for f in /docker-entrypoint-initdb.d/*; do
		case $f in
		*.sql) say "running $f"; "${psql[@]}" -d "$db" -f "$f" ;;
		*.sh) say "running $f"; . "$f" ;;
		esac
	done
	pg_ctl -D "$PGDATA" -m fast -w -t 60 stop >/dev/null
	say "primary ready: database $db, extension jobboard, login role $http_user"
}

init_replica() {
	local host=${JOBBOARD_PRIMARY_HOST:-} pport=${JOBBOARD_PRIMARY_PORT:-5432} repl_pw i
	[ -n "$host" ] || die "JOBBOARD_ROLE=replica needs JOBBOARD_PRIMARY_HOST"
	repl_pw=$(secret JOBBOARD_REPLICATION_PASSWORD)
	[ -n "$repl_pw" ] || die "set JOBBOARD_REPLICATION_PASSWORD or JOBBOARD_REPLICATION_PASSWORD_FILE"
	say "waiting for the primary at $host:$pport"
	for i in $(seq 1 120); do
		pg_isready -q -h "$host" -p "$pport" -d "$db" && break
		[ "$i" -lt 120 ] || die "the primary at $host:$pport did not answer within 240 s"
		sleep 2
	done
	say "cloning the primary with pg_basebackup -R"
	# an empty data directory for pg_basebackup (a fresh volume may hold lost+found)
	find "$PGDATA" -mindepth 1 -delete
	PGPASSWORD=$repl_pw pg_basebackup -h "$host" -p "$pport" -U "$repl_user" \
		-D "$PGDATA" -R -X stream -c fast
	# the standby's own port and settings (the primary's were copied along)
	sed -i "s/^port = .*/port = $port/" "$PGDATA/postgresql.conf"
	say "replica ready: streaming from $host:$pport"
}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	case $role in
	primary) init_primary ;;
	replica) init_replica ;;
	*) die "JOBBOARD_ROLE must be primary or replica, not $role" ;;
	esac
fi

exec postgres -D "$PGDATA"
