#!/usr/bin/env bash
# psql as the superuser on the database "jobboard" of the local cluster in
# .pgdata. Starts the cluster for the session when it is not running (port
# JB_PGPORT or 54329) and stops it again afterwards. Arguments go to psql.
set -euo pipefail
JB_PROG=psql
. "$(dirname "$0")/common.sh"

cluster=$JB_ROOT/scripts/cluster.sh
status=0
"$cluster" status >/dev/null || status=$?
case $status in
0) ;;
3)
	"$cluster" start
	trap '"$cluster" stop' EXIT
	;;
*) jb_die "no cluster in .pgdata yet: run 'make run' once first" ;;
esac
"$JB_PGBIN/psql" "$("$cluster" conninfo) user=postgres dbname=jobboard" "$@"
