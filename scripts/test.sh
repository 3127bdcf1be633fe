#!/usr/bin/env bash
# make test: the four suites against a fresh temporary cluster.
#
#   1. shim      make -C shim check (C unit tests under ASan/UBSan)
#   2. regress   pg_regress: sql/*.sql against expected/*.out
#   3. pgtap     pg_prove over test/pgtap/*.sql, in database jobboard_tap
#   4. http      prove -r test/http through shim/jobboard-http-asan
#
# A failing suite does not stop the others; the exit status is non-zero when
# any failed (a test cluster that cannot be set up counts as one failure).
# A suite with no test files is skipped. The last line is
# "N passed, M failed".
#
# Environment: JB_PGPORT (default: first free port from 54330), JB_HTTP_PORT
# (default: first free port from 18080), JB_PROVE_ARGS (extra prove options,
# e.g. -v). Optional files: test/cluster.conf (appended to the cluster's
# settings), test/http/shim.env (KEY=VALUE lines added to the shim's
# environment).
#
# The HTTP tests get: JB_URL, JB_PSQL (a psql command line running SQL as the
# superuser on database jobboard), JB_SHIM_PID, JB_SHIM_BIN, JB_SHIM_ENV (a
# file of KEY=VALUE lines: the environment that shim was started with),
# JB_SHIM_LOG, JB_PGHOST, JB_PGPORT, JB_TMPDIR (scratch space).
set -uo pipefail
JB_PROG=test
. "$(dirname "$0")/common.sh"
cd "$JB_ROOT"
shopt -s nullglob

export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
MAKE=${MAKE:-make}

if [ -n "${JB_PGPORT:-}" ]; then
	port=$JB_PGPORT
else
	port=$(jb_free_port "$JB_TEST_PORT_DEFAULT") || jb_die "no free port from $JB_TEST_PORT_DEFAULT"
fi
if [ -n "${JB_HTTP_PORT:-}" ]; then
	http_port=$JB_HTTP_PORT
else
	http_port=$(jb_free_port 18080) || jb_die "no free port from 18080"
fi
sockdir=$(jb_sockdir_for "$port")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jobboard-test.XXXXXX")
pgdata=$tmp/pgdata
cluster() { scripts/cluster.sh "$1" -D "$pgdata" -p "$port" "${@:2}"; }
shim_pid=

# Stop the shim with SIGTERM (SIGKILL after 15 s); return its exit status.
stop_shim() {
	[ -n "$shim_pid" ] || return 0
	local pid=$shim_pid i st=0
	shim_pid=
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 1 150); do
		jb_alive "$pid" || break
		sleep 0.1
	done
	if jb_alive "$pid"; then
		echo "the shim did not exit within 15 s of SIGTERM; killing it"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" || st=$?
	return "$st"
}

cleanup() {
	stop_shim >/dev/null 2>&1
	cluster destroy >/dev/null 2>&1
	rm -rf -- "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

passed=0
failed=0
failed_names=()
skipped_names=()

# run_suite NAME FUNCTION: 0 passes, 77 skips, anything else fails.
run_suite() {
	local name=$1 st=0
	echo
	echo "=== $name"
	"$2" || st=$?
	case $st in
	0) echo "=== $name: passed"; passed=$((passed + 1)) ;;
	77) echo "=== $name: skipped"; skipped_names+=("$name") ;;
	*) echo "=== $name: FAILED"; failed=$((failed + 1)); failed_names+=("$name") ;;
	esac
}

# --- the cluster -----------------------------------------------------------

cluster_ok=0
setup_cluster() {
	local conf=()
	[ ! -f test/cluster.conf ] || conf=(-c test/cluster.conf)
	cluster create &&
		cluster start --test "${conf[@]}" &&
		scripts/db-setup.sh -p "$port" -s "$sockdir" -d jobboard
}
echo "=== test cluster: port $port, socket directory $sockdir, data $pgdata"
if setup_cluster; then
	cluster_ok=1
else
	echo "=== the test cluster could not be set up"
	failed=$((failed + 1))
	failed_names+=("cluster-setup")
	log="$(cluster datadir 2>/dev/null)/postgresql.log"
	[ ! -f "$log" ] || tail -n 30 "$log"
fi

need_cluster() {
	[ "$cluster_ok" = 1 ] && return 0
	echo "no test cluster"
	return 1
}

# --- the suites ------------------------------------------------------------

suite_shim() {
	"$MAKE" --no-print-directory -C shim check EXTVERSION="$(jb_extversion)"
}

suite_regress() {
	local t=(sql/*.sql)
	[ ${#t[@]} -gt 0 ] || { echo "no sql/*.sql"; return 77; }
	need_cluster || return 1
	scripts/regress.sh -s "$sockdir" -p "$port" -o "$tmp/regress"
}

suite_pgtap() {
	local t=(test/pgtap/*.sql)
	[ ${#t[@]} -gt 0 ] || { echo "no test/pgtap/*.sql"; return 77; }
	need_cluster || return 1
	scripts/db-setup.sh -p "$port" -s "$sockdir" -d jobboard_tap --pgtap || return 1
	pg_prove --psql-bin "$JB_PGBIN/psql" -h "$sockdir" -p "$port" -U postgres \
		-d jobboard_tap "${t[@]}"
}

suite_http() {
	local t st=0
	t=$(find test/http -name '*.t' 2>/dev/null | head -n1)
	[ -n "$t" ] || { echo "no test/http/**/*.t"; return 77; }
	need_cluster || return 1

	local bin=$JB_ROOT/shim/jobboard-http-asan
	local envfile=$tmp/shim.env log=$tmp/shim.log
	[ -x "$bin" ] || { echo "$bin is not built"; return 1; }
	{
		echo "JOBBOARD_DATABASE_URL=host=$sockdir port=$port user=jobboard_http dbname=jobboard"
		echo "JOBBOARD_LISTEN=127.0.0.1:$http_port"
		[ ! -f test/http/shim.env ] || sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' test/http/shim.env
	} >"$envfile"
	local shim_env=()
	mapfile -t shim_env <"$envfile"

	# Started in a directory of its own, so no .env file is read.
	mkdir -p "$tmp/shim"
	(trap - EXIT INT TERM; cd "$tmp/shim" && exec env "${shim_env[@]}" "$bin") >"$log" 2>&1 &
	shim_pid=$!

	local i ready=0
	for i in $(seq 1 100); do
		jb_alive "$shim_pid" || break
		if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$http_port/health" 2>/dev/null; then
			ready=1
			break
		fi
		sleep 0.2
	done
	if [ "$ready" != 1 ]; then
		if jb_alive "$shim_pid"; then
			echo "the shim did not answer /health on 127.0.0.1:$http_port within 20 s; its log:"
		else
			echo "the shim exited before answering /health on 127.0.0.1:$http_port; its log:"
		fi
		stop_shim || true
		tail -n 50 "$log"
		return 1
	fi

	JB_URL=http://127.0.0.1:$http_port \
	JB_PSQL="$JB_PGBIN/psql -h $sockdir -p $port -U postgres -d jobboard -X -q -At -v ON_ERROR_STOP=1" \
	JB_SHIM_PID=$shim_pid JB_SHIM_BIN=$bin JB_SHIM_ENV=$envfile JB_SHIM_LOG=$log \
	JB_PGHOST=$sockdir JB_PGPORT=$port JB_TMPDIR=$tmp \
		prove -r -I test/lib ${JB_PROVE_ARGS:-} test/http || st=1

	local shim_st=0
	stop_shim || shim_st=$?
	if [ "$shim_st" -ne 0 ]; then
		echo "the shim exited with status $shim_st after SIGTERM (expected 0)"
		st=1
	fi
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: [A-Za-z]*Sanitizer' "$log"; then
		echo "sanitizer report in the shim log:"
		grep -nE -A40 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log" | head -n 120
		st=1
	elif [ "$st" -ne 0 ]; then
		echo "last lines of the shim log ($log):"
		tail -n 30 "$log"
	fi
	return "$st"
}

run_suite shim suite_shim
run_suite regress suite_regress
run_suite pgtap suite_pgtap
run_suite http suite_http

echo
[ ${#skipped_names[@]} -eq 0 ] || echo "skipped (no tests yet): ${skipped_names[*]}"
[ ${#failed_names[@]} -eq 0 ] || echo "failed: ${failed_names[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
