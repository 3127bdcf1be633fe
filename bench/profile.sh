#!/usr/bin/env bash
# Where the time goes: perf profiles of the shim and of the PostgreSQL
# backends serving it, under wrk load, one workload at a time.
#
#   bench/profile.sh [WORKLOAD...]     (default: list search job me note)
#
# Needs the data set of make bench (run it once). Starts the bench cluster if
# it is stopped (and stops it again), starts the release shim on
# 127.0.0.1:18340 with rate limits off, mints a few tokens, then for each
# workload: wrk with 64 connections; after 2 s of warm-up, perf record
# (DWARF call graphs, 8 s) on the shim and, at the same time, on the pooled
# backends (application_name jobboard-http). Reports land in
# bench/out/profile/: <workload>-shim.txt and <workload>-backend.txt (flat,
# self time), <workload>-*-children.txt (inclusive time), and
# <workload>-syscalls.txt (syscalls of the shim per request, from strace -c).
#
# The shim runs with its response cache off (JOBBOARD_CACHE_SIZE=0), so the
# database does the work of every request, as in the table of make bench.
#
# Knobs: JB_BENCH_PGPORT, JB_BENCH_HTTP_PORT, JB_BENCH_PGDATA as for
# bench.sh; JB_PROFILE_SECONDS (8); JB_BENCH_SHIM_ENV (KEY=VALUE file).
set -euo pipefail
JB_PROG=profile
. "$(dirname "$0")/../scripts/common.sh"
cd "$JB_ROOT"

port=${JB_BENCH_PGPORT:-54340}
http_port=${JB_BENCH_HTTP_PORT:-18340}
datadir=${JB_BENCH_PGDATA:-$JB_ROOT/bench/.pgdata}
seconds=${JB_PROFILE_SECONDS:-8}
out=$JB_ROOT/bench/out/profile
shim=$JB_ROOT/shim/jobboard-http
url=http://127.0.0.1:$http_port
lua=$JB_ROOT/bench/wrk/bench.lua
workloads=("$@")
[ ${#workloads[@]} -gt 0 ] || workloads=(list search job me note)

command -v perf >/dev/null || jb_die "perf is not installed (Debian: linux-perf)"
perf stat -e instructions true >/dev/null 2>&1 || jb_die "perf cannot count here (perf stat -e instructions true fails)"
[ -x "$shim" ] || jb_die "$shim is not built (make shim)"
! jb_port_busy "$http_port" || jb_die "port $http_port is in use"
mkdir -p "$out" "$out/shim-run"

cluster() { scripts/cluster.sh "$1" -D "$datadir" -p "$port" "${@:2}"; }
started=0
shim_pid=
wrk_pid=
cleanup() {
	[ -z "$wrk_pid" ] || { kill "$wrk_pid" 2>/dev/null || true; wait "$wrk_pid" 2>/dev/null || true; }
	if [ -n "$shim_pid" ]; then
		kill -TERM "$shim_pid" 2>/dev/null || true
		wait "$shim_pid" 2>/dev/null || true
	fi
	[ "$started" = 0 ] || cluster stop || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

st=0
cluster status >/dev/null || st=$?
case $st in
0) ;;
3) cluster start -c "$JB_ROOT/bench/postgresql.conf"; started=1 ;;
*) jb_die "no bench cluster in $datadir: run make bench first" ;;
esac
conninfo=$(cluster conninfo)
sockdir=${conninfo#host=}; sockdir=${sockdir%% *}
psql_su() { "$JB_PGBIN/psql" -h "$sockdir" -p "$port" -U postgres -d jobboard -X -q -At -v ON_ERROR_STOP=1 "$@"; }
case $(psql_su -c "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = 'jobboard'" 2>/dev/null) in
'jobboard bench data:'*) ;;
*) jb_die "the bench database has no data set: run make bench first" ;;
esac

psql_su -c "SELECT jobboard.login(NULL, jsonb_build_object('email', 'user' || k || '@bench.example',
	'password', 'bench-password-1')) ->> 'access_token' FROM generate_series(1, 10) AS k" >"$out/tokens.txt"
read -r job_first job_last < <(psql_su -F ' ' -c "SELECT min(id), max(id) FROM jobboard.jobs")

env_file=()
if [ -n "${JB_BENCH_SHIM_ENV:-}" ]; then
	mapfile -t env_file < <(sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' "$JB_BENCH_SHIM_ENV")
fi
(trap - EXIT INT TERM; cd "$out/shim-run" && exec env \
	"JOBBOARD_DATABASE_URL=$conninfo user=jobboard_http dbname=jobboard" \
	"JOBBOARD_LISTEN=127.0.0.1:$http_port" JOBBOARD_RATE_LIMIT=0 JOBBOARD_AUTH_RATE_LIMIT=0 JOBBOARD_CACHE_SIZE=0 \
	"${env_file[@]}" "$shim") >/dev/null 2>"$out/shim.err" &
shim_pid=$!
for _ in $(seq 1 100); do
	curl -fsS -o /dev/null --max-time 2 "$url/ready" 2>/dev/null && break
	sleep 0.2
done

report() {
	local data=$1 base=$2
	{ perf report -i "$data" --no-children --sort dso,symbol --percent-limit 0.7 --stdio -g none \
		2>/dev/null || true; } | { grep -v -e '^#' -e '^$' || true; } | head -n 45 >"$base.txt"
	{ perf report -i "$data" --children --sort symbol --percent-limit 3 --stdio -g none \
		2>/dev/null || true; } | { grep -v -e '^#' -e '^$' || true; } | head -n 60 >"$base-children.txt"
}

for w in "${workloads[@]}"; do
	case $w in
	list) args=(/jobs path) ;;
	search) args=('/jobs?q=python&remote=true&employment_type=full_time' path) ;;
	deep) jb_die "deep: use list; the cursor walk lives in bench.sh" ;;
	job) args=(/jobs/1 job "$job_first" "$job_last") ;;
	me) args=(/me me "$out/tokens.txt") ;;
	note) args=(/notes note "$out/tokens.txt") ;;
	health) args=(/health path) ;;
	*) jb_die "unknown workload $w" ;;
	esac
	jb_say "$w: wrk 64 connections, perf on the shim and its backends for ${seconds}s"
	wrk -t1 -c64 -d"$((seconds + 6))s" -s "$lua" "$url${args[0]}" -- "${args[@]:1}" >"$out/$w-wrk.txt" 2>&1 &
	wrk_pid=$!
	sleep 2
	backends=$(psql_su -c "SELECT string_agg(pid::text, ',') FROM pg_stat_activity WHERE application_name = 'jobboard-http'")
	perf record -q -F 499 --call-graph dwarf,16384 -p "$shim_pid" -o "$out/$w-shim.data" -- sleep "$seconds" 2>/dev/null &
	p1=$!
	perf record -q -F 499 --call-graph dwarf,16384 -p "$backends" -o "$out/$w-backend.data" -- sleep "$seconds" 2>/dev/null &
	p2=$!
	wait "$p1" "$p2" || true
	# syscalls of the shim per request: strace -c for 2 s of the same load
	if command -v strace >/dev/null; then
		m0=$(curl -s --interface 127.0.0.9 "$url/metrics" | awk '/^jobboard_http_requests_total/ { s += $2 } END { print s + 0 }')
		timeout -s INT 2 strace -c -f -p "$shim_pid" -o "$out/$w-syscalls.txt" 2>/dev/null || true
		m1=$(curl -s --interface 127.0.0.9 "$url/metrics" | awk '/^jobboard_http_requests_total/ { s += $2 } END { print s + 0 }')
		echo "requests during strace: $((m1 - m0))" >>"$out/$w-syscalls.txt"
	fi
	wait "$wrk_pid" || true
	wrk_pid=
	report "$out/$w-shim.data" "$out/$w-shim"
	report "$out/$w-backend.data" "$out/$w-backend"
	rm -f "$out/$w-shim.data" "$out/$w-backend.data"
	jb_say "$w: $(grep Requests/sec "$out/$w-wrk.txt"); reports in $out/$w-*.txt"
done
