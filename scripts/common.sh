# Shared helpers for the scripts in this directory; source it, do not run it.
#
# Knobs (environment):
#   PG_CONFIG   pg_config of the PostgreSQL to use (default: PostgreSQL 15's)
#   JB_PGPORT   port of the cluster (scripts choose their own default)
#   JB_PGSOCK   Unix socket directory (default /tmp/jobboard-<port>)
#   JB_PGOSUSER OS account that runs PostgreSQL when we are root (postgres)

JB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if [ -z "${PG_CONFIG:-}" ]; then
	if [ -x /usr/lib/postgresql/15/bin/pg_config ]; then
		PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
	else
		PG_CONFIG=pg_config
	fi
fi
JB_PGBIN=$("$PG_CONFIG" --bindir)
JB_PGOSUSER=${JB_PGOSUSER:-postgres}
JB_RUN_PORT_DEFAULT=54329
JB_TEST_PORT_DEFAULT=54330

jb_say() { printf '%s: %s\n' "${JB_PROG:-jobboard}" "$*" >&2; }
jb_die() { jb_say "$*"; exit 1; }

jb_is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a command as the account that owns the cluster: postgres when we are
# root (PostgreSQL refuses to run as root), else ourselves. The command starts
# in / because the caller's directory may be closed to that account.
jb_as_pg() {
	if jb_is_root; then
		(cd / && runuser -u "$JB_PGOSUSER" -- "$@")
	else
		"$@"
	fi
}

# True when the cluster's account can reach (search) directory $1.
jb_pg_can_reach() {
	if jb_is_root; then
		runuser -u "$JB_PGOSUSER" -- test -x "$1" 2>/dev/null
	else
		test -x "$1"
	fi
}

jb_sockdir_for() { printf '%s\n' "${JB_PGSOCK:-/tmp/jobboard-$1}"; }

# True when something accepts TCP connections on 127.0.0.1:$1 or a
# PostgreSQL lock file claims the port in its default socket directory.
jb_port_busy() {
	local port=$1 lock
	lock="$(jb_sockdir_for "$port")/.s.PGSQL.$port.lock"
	if [ -e "$lock" ]; then
		local pid
		pid=$(head -n1 "$lock" 2>/dev/null || true)
		[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && return 0
	fi
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

# First free port from $1 on (at most 50 tried).
jb_free_port() {
	local p=$1 end=$(($1 + 50))
	while [ "$p" -lt "$end" ]; do
		jb_port_busy "$p" || { echo "$p"; return 0; }
		p=$((p + 1))
	done
	return 1
}

# default_version of the extension, the one version number of the project.
jb_extversion() {
	sed -n "s/^default_version = '\(.*\)'/\1/p" "$JB_ROOT/extension/jobboard.control"
}

# True while process $1 exists and is not a zombie.
jb_alive() {
	local st
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
