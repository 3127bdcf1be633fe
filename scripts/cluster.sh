#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for development and tests.
#
#   scripts/cluster.sh COMMAND [-D datadir] [-p port] [-s sockdir]
#                              [-c extra.conf]... [--test]
#
# Commands:
#   create   initdb the data directory unless it already holds a cluster
#   start    (re)write the settings, then start the server and wait for it
#   stop     fast shutdown, if running
#   status   exit 0 when running, 3 when stopped, 4 when there is no cluster
#   destroy  stop and delete the data directory (and where it really lives)
#   datadir  print the real location of the data directory
#   conninfo print "host=<sockdir> port=<port>" as of the last start
#
# Defaults come from the environment: JB_PGDATA (.pgdata in the repository),
# JB_PGPORT (54329), JB_PGSOCK (/tmp/jobboard-<port>), JB_PGCONF (extra
# configuration files, colon-separated, same as -c), JB_PRELOAD (the
# shared_preload_libraries value, default "jobboard"; empty for none).
# --test also turns durability off (fsync, synchronous_commit,
# full_page_writes): only for clusters whose data may be lost.
#
# Settings are written at every start to <datadir>/jobboard.conf, included at
# the end of postgresql.conf, so a port or an extra file may change between
# runs. The server log is <datadir>/postgresql.log.
#
# When run as root, the cluster belongs to the postgres account. If that
# account cannot reach the requested directory (say, a clone under /root), the
# cluster lives under /var/tmp/jobboard-<hash of the parent path>/ and the
# requested path becomes a symlink to it.
set -euo pipefail
JB_PROG=cluster
. "$(dirname "$0")/common.sh"

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2; }

[ $# -ge 1 ] || usage
cmd=$1; shift
datadir=${JB_PGDATA:-$JB_ROOT/.pgdata}
port=${JB_PGPORT:-$JB_RUN_PORT_DEFAULT}
sockdir=
testmode=0
extra=()
IFS=: read -r -a extra <<<"${JB_PGCONF:-}"
while [ $# -gt 0 ]; do
	case $1 in
	-D) datadir=$2; shift 2 ;;
	-p) port=$2; shift 2 ;;
	-s) sockdir=$2; shift 2 ;;
	-c) extra+=("$2"); shift 2 ;;
	--test) testmode=1; shift ;;
	-h|--help) usage ;;
	*) jb_say "unknown argument: $1"; usage ;;
	esac
done
[ -n "$sockdir" ] || sockdir=$(jb_sockdir_for "$port")
[ "$port" != 5432 ] || jb_die "refusing port 5432: it belongs to the system cluster"
case $port in ''|*[!0-9]*) jb_die "bad port: $port" ;; esac
[ ${#sockdir} -le 90 ] || jb_die "socket directory path too long for a Unix socket: $sockdir"

# Absolute path of the requested data directory (its parent may not exist yet).
mkdir -p "$(dirname "$datadir")"
datadir="$(cd "$(dirname "$datadir")" && pwd)/$(basename "$datadir")"

# Where the cluster really lives: the requested path, or what it links to.
real_datadir() {
	if [ -L "$datadir" ]; then
		readlink -f "$datadir"
	else
		echo "$datadir"
	fi
}

# Choose and prepare the real directory for a new cluster.
prepare_datadir() {
	local parent real
	parent=$(dirname "$datadir")
	if [ -L "$datadir" ] || { [ -d "$datadir" ] && [ -n "$(ls -A "$datadir")" ]; }; then
		real=$(real_datadir)
	elif jb_pg_can_reach "$parent"; then
		real=$datadir
	else
		local hash base
		hash=$(printf '%s' "$parent" | sha256sum | cut -c1-12)
		base=$(basename "$datadir"); base=${base#.}
		real=/var/tmp/jobboard-$hash/$base
		mkdir -p "$(dirname "$real")"
		[ ! -d "$datadir" ] || rmdir -- "$datadir"
		chmod 0755 "$(dirname "$real")"
		ln -sfn "$real" "$datadir"
		jb_say "$JB_PGOSUSER cannot reach $parent; the cluster lives in $real ($datadir links to it)"
	fi
	mkdir -p "$real"
	if jb_is_root; then
		chown "$JB_PGOSUSER:" "$real"
	fi
	chmod 0700 "$real"
	echo "$real"
}

prepare_sockdir() {
	mkdir -p "$sockdir"
	if jb_is_root; then
		chown "$JB_PGOSUSER:" "$sockdir"
	elif [ ! -O "$sockdir" ]; then
		jb_die "$sockdir belongs to someone else; choose another port or JB_PGSOCK"
	fi
	chmod 0755 "$sockdir"
}

write_settings() {
	local real=$1 f conf
	conf=$(mktemp)
	{
		echo "# written by scripts/cluster.sh at every start; edits here are lost"
		echo "listen_addresses = '127.0.0.1'"
		echo "port = $port"
		echo "unix_socket_directories = '$sockdir'"
		echo "shared_preload_libraries = '${JB_PRELOAD-jobboard}'"
		echo "max_worker_processes = 16"
		echo "log_line_prefix = '%m [%p] %q%u@%d '"
		echo "log_timezone = 'UTC'"
		echo "timezone = 'UTC'"
		if [ "$testmode" = 1 ]; then
			echo "fsync = off"
			echo "synchronous_commit = off"
			echo "full_page_writes = off"
		fi
		for f in "${extra[@]}"; do
			[ -n "$f" ] || continue
			[ -r "$f" ] || jb_die "cannot read extra configuration file $f"
			echo "# from $f"
			cat "$f"
			echo
		done
	} >"$conf"
	chmod 0644 "$conf"
	jb_as_pg cp "$conf" "$real/jobboard.conf"
	rm -f "$conf"
}

running() { jb_as_pg "$JB_PGBIN/pg_ctl" -D "$1" status >/dev/null 2>&1; }

# Remove the socket directory the last start used, once the server is gone.
remove_sockdir() {
	local d
	d=$(sed -n "s/^unix_socket_directories = '\(.*\)'\$/\1/p" "$1/jobboard.conf" 2>/dev/null || true)
	case $d in /tmp/jobboard-*) rmdir -- "$d" 2>/dev/null || true ;; esac
}

real=$(real_datadir)
case $cmd in
create)
	if [ -f "$real/PG_VERSION" ]; then
		jb_say "cluster exists in $real"
		exit 0
	fi
	real=$(prepare_datadir)
	jb_say "creating cluster in $real"
	jb_as_pg "$JB_PGBIN/initdb" -D "$real" -U postgres --auth=trust \
		--encoding=UTF8 --locale=C.UTF-8 --no-instructions >"${TMPDIR:-/tmp}/jobboard-initdb.$$.log" 2>&1 || {
		cat "${TMPDIR:-/tmp}/jobboard-initdb.$$.log" >&2
		rm -f "${TMPDIR:-/tmp}/jobboard-initdb.$$.log"
		jb_die "initdb failed"
	}
	rm -f "${TMPDIR:-/tmp}/jobboard-initdb.$$.log"
	printf "\ninclude_if_exists = 'jobboard.conf'\n" | jb_as_pg tee -a "$real/postgresql.conf" >/dev/null
	;;
start)
	[ -f "$real/PG_VERSION" ] || jb_die "no cluster in $datadir (run create first)"
	if running "$real"; then
		jb_say "already running ($real)"
		exit 0
	fi
	if jb_port_busy "$port"; then
		jb_die "port $port is in use; set JB_PGPORT to another one"
	fi
	prepare_sockdir
	write_settings "$real"
	if ! jb_as_pg "$JB_PGBIN/pg_ctl" -D "$real" -l "$real/postgresql.log" -w -t 60 start >/dev/null; then
		tail -n 30 "$real/postgresql.log" >&2 || true
		jb_die "server did not start (log: $real/postgresql.log)"
	fi
	jb_say "running on port $port, socket directory $sockdir"
	;;
stop)
	if [ -f "$real/PG_VERSION" ] && running "$real"; then
		jb_as_pg "$JB_PGBIN/pg_ctl" -D "$real" -m fast -w -t 60 stop >/dev/null
		jb_say "stopped ($real)"
		remove_sockdir "$real"
	fi
	;;
status)
	[ -f "$real/PG_VERSION" ] || { echo "no cluster in $datadir"; exit 4; }
	if running "$real"; then
		echo "running: $real, port $(sed -n 's/^port = //p' "$real/jobboard.conf" 2>/dev/null)"
	else
		echo "stopped: $real"
		exit 3
	fi
	;;
destroy)
	if [ -f "$real/PG_VERSION" ] && running "$real"; then
		jb_as_pg "$JB_PGBIN/pg_ctl" -D "$real" -m immediate -w -t 60 stop >/dev/null || true
		remove_sockdir "$real"
	fi
	if [ "$real" != "$datadir" ]; then
		rm -rf -- "$real"
		rmdir -- "$(dirname "$real")" 2>/dev/null || true
		rm -f -- "$datadir"
	else
		rm -rf -- "$datadir"
	fi
	;;
datadir)
	echo "$real"
	;;
conninfo)
	[ -f "$real/jobboard.conf" ] || jb_die "no started cluster in $datadir"
	printf 'host=%s port=%s\n' \
		"$(sed -n "s/^unix_socket_directories = '\(.*\)'\$/\1/p" "$real/jobboard.conf")" \
		"$(sed -n 's/^port = //p' "$real/jobboard.conf")"
	;;
*)
	usage
	;;
esac
