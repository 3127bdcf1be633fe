#!/usr/bin/env bash
# make run: the local cluster in .pgdata (created once, kept between runs),
# the database with demo data, then the shim in the foreground until Ctrl-C.
# The cluster is stopped when the shim exits; its data stays.
#
# Environment: JB_PGPORT (54329), JB_PGCONF (extra postgresql.conf files,
# colon-separated), JOBBOARD_* for the shim (API.md §5) except
# JOBBOARD_DATABASE_URL, which points at the local cluster.
set -euo pipefail
JB_PROG=run
. "$(dirname "$0")/common.sh"

port=${JB_PGPORT:-$JB_RUN_PORT_DEFAULT}
cluster=$JB_ROOT/scripts/cluster.sh
shim=$JB_ROOT/shim/jobboard-http
[ -x "$shim" ] || jb_die "$shim is not built (make all)"

"$cluster" create -p "$port"
status=0
"$cluster" status >/dev/null || status=$?
if [ "$status" -ne 0 ]; then
	"$cluster" start -p "$port"
	trap '"$cluster" stop' EXIT
	trap 'exit 130' INT TERM
else
	jb_say "cluster already running; it stays running after the shim exits"
fi
conninfo=$("$cluster" conninfo)
sockdir=${conninfo#host=}; sockdir=${sockdir%% *}
port=${conninfo##*port=}
"$JB_ROOT/scripts/db-setup.sh" -p "$port" -s "$sockdir" --demo

listen=${JOBBOARD_LISTEN:-127.0.0.1:8080}
cat <<MSG

  jobboard is starting on  http://$listen
  SQL as the superuser:    psql -h $sockdir -p $port -U postgres jobboard   (or: make psql)
  demo accounts:           see "Demo data" in README.md
  Ctrl-C stops the server and the cluster; the data stays in .pgdata.

MSG
export JOBBOARD_DATABASE_URL="$conninfo user=jobboard_http dbname=jobboard"
cd "$JB_ROOT"
status=0
"$shim" || status=$?
# 130 (Ctrl-C while starting) and 0 are normal ends
[ "$status" -eq 0 ] || [ "$status" -eq 130 ] || jb_say "jobboard-http exited with status $status"
exit "$status"
