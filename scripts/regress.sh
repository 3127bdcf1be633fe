#!/usr/bin/env bash
# Run the pg_regress suite: sql/*.sql against expected/*.out (found by
# wildcard, run in name order) in a fresh database "jobboard_regress" that has
# the extension, on the server that PGHOST/PGPORT (or -s/-p) point at; with
# neither set, the local cluster of make run (port JB_PGPORT or 54329), never
# a system cluster on the default port.
#
#   scripts/regress.sh [-s host-or-sockdir] [-p port] [-o outputdir]
#
# Results go to <outputdir>/results/ and <outputdir>/regression.diffs
# (default: the repository root); the diffs are printed when a test fails.
set -euo pipefail
JB_PROG=regress
. "$(dirname "$0")/common.sh"

host=${PGHOST:-}
port=${PGPORT:-}
outdir=$JB_ROOT
while [ $# -gt 0 ]; do
	case $1 in
	-s) host=$2; shift 2 ;;
	-p) port=$2; shift 2 ;;
	-o) outdir=$2; shift 2 ;;
	*) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done

if [ -z "$host" ] && [ -z "$port" ]; then
	port=${JB_PGPORT:-$JB_RUN_PORT_DEFAULT}
	host=$(jb_sockdir_for "$port")
fi

cd "$JB_ROOT"
shopt -s nullglob
tests=()
for f in sql/*.sql; do
	tests+=("$(basename "$f" .sql)")
done
if [ ${#tests[@]} -eq 0 ]; then
	jb_say "no tests in sql/*.sql"
	exit 0
fi

pg_regress="$(dirname "$("$PG_CONFIG" --pgxs)")/../../src/test/regress/pg_regress"
[ -x "$pg_regress" ] || jb_die "pg_regress not found at $pg_regress (install postgresql-server-dev-15)"

args=(--inputdir=. --outputdir="$outdir" --bindir="$JB_PGBIN"
	--user=postgres --dbname=jobboard_regress --load-extension=jobboard)
[ -z "$host" ] || args+=(--host="$host")
[ -z "$port" ] || args+=(--port="$port")

mkdir -p "$outdir"
rm -f "$outdir/regression.diffs" "$outdir/regression.out"
if "$pg_regress" "${args[@]}" "${tests[@]}"; then
	exit 0
fi
for t in "${tests[@]}"; do
	[ ! -f "expected/$t.out" ] || continue
	echo "======== no expected/$t.out; sql/$t.sql printed this (check it, then save it as expected/$t.out):"
	cat "$outdir/results/$t.out" 2>/dev/null || true
done
if [ -s "$outdir/regression.diffs" ]; then
	echo "======== $outdir/regression.diffs ========"
	cat "$outdir/regression.diffs"
fi
exit 1
