#!/usr/bin/env bash
# make bench: the shim under load, side by side with pgbench calling the same
# SQL functions directly (the ceiling the shim can approach).
#
#   bench/bench.sh            (make bench: installs, builds, then this)
#
# 1. A dedicated cluster (bench/.pgdata, port 54340, bench/postgresql.conf)
#    holding the large data set: 10,000 companies, 1,000,000 jobs, 100,000
#    users, 5,000,000 applications, made set-based by jobboard.generate_*
#    (a few minutes, once). A comment on the database records what was
#    loaded, with a hash of the extension's install script: the next run
#    reuses it, and a changed script rebuilds it (JB_BENCH_REUSE=1 keeps
#    stale data instead).
# 2. Each run: leftovers of earlier runs (notes, sessions) are deleted, the
#    tables are prewarmed, 100 access tokens are minted by logging in through
#    SQL, the cursor of the page 100,000 rows deep is walked once, and the
#    release build of the shim starts on 127.0.0.1:18340 (rate limits off,
#    response cache off: pgbench has none).
# 3. Each workload: wrk with 64 connections (req/s, p50, p99) and with 1
#    (p50); pgbench -M prepared with the same call at 1, 2, 4, 8 and 64
#    clients; the ceiling is the best of 1..8. CPU per request of the shim
#    and its backends, and of pgbench's backends, from /proc.
# 4. The shim restarted as shipped (cache on): list and search through the
#    response cache, and 20 probes that a change committed by psql shows in
#    the next GET /jobs.
# 5. The RSS run: 1,000 idle keep-alive connections (bench/idle-conns.pl)
#    plus wrk with 256 busy ones, until the shim has answered 1,000,000
#    requests (or a time bound), sampling its VmRSS every second.
# 6. One report on stdout; a full-size run puts it into bench/RESULTS.md
#    between the bench.sh markers (with the date, the machine and the
#    targets of issue 6); bench/out/ keeps the raw numbers.
#
# Tokens: wrk picks a random token of bench/out/tokens.txt per request in
# Lua; pgbench gets one script per token (-f me-1.sql -f me-2.sql ...; it
# picks a script at random per transaction) with the token as a literal, so
# neither side pays a lookup on the server.
#
# Knobs (environment): JB_BENCH_PGPORT (54340), JB_BENCH_HTTP_PORT (18340),
# JB_BENCH_PGDATA (bench/.pgdata), JB_BENCH_DURATION (10: seconds of wrk at
# 64 connections), JB_BENCH_ROUNDS (3: side-by-side rounds of wrk at 64
# connections and pgbench at its best client count; the table quotes their
# medians), JB_BENCH_SHORT (5: seconds of wrk at 1 connection and of
# each pgbench run), JB_BENCH_ONLY (what to run: workload names list search
# job deep me note login, and cache, rss; e.g. "list me"),
# JB_BENCH_RSS_REQUESTS (1000000), JB_BENCH_RSS_SECONDS (300: bound of the
# RSS run; 0 skips it), JB_BENCH_SHIM_ENV (a file of KEY=VALUE lines for the
# shim), JB_BENCH_SHIM_LOG (a file for the shim's whole log, access lines
# included; by default bench/out/shim-*.log gets all but those),
# JB_BENCH_REUSE=1, JB_BENCH_JOBS / _COMPANIES / _USERS /
# _APPLICATIONS (data set size, for a quick trial on a small set),
# JB_BENCH_KEEP_RUNNING=1 (leave the cluster running afterwards).
set -euo pipefail
JB_PROG=bench
. "$(dirname "$0")/../scripts/common.sh"
cd "$JB_ROOT"

port=${JB_BENCH_PGPORT:-54340}
http_port=${JB_BENCH_HTTP_PORT:-18340}
datadir=${JB_BENCH_PGDATA:-$JB_ROOT/bench/.pgdata}
duration=${JB_BENCH_DURATION:-10}
short=${JB_BENCH_SHORT:-5}
rounds=${JB_BENCH_ROUNDS:-3}
conns=64
only=${JB_BENCH_ONLY:-}
n_companies=${JB_BENCH_COMPANIES:-10000}
n_jobs=${JB_BENCH_JOBS:-1000000}
n_users=${JB_BENCH_USERS:-100000}
n_apps=${JB_BENCH_APPLICATIONS:-5000000}
n_tokens=100
password=bench-password-1
rss_requests=${JB_BENCH_RSS_REQUESTS:-1000000}
rss_seconds=${JB_BENCH_RSS_SECONDS:-300}
rss_idle=1000
rss_active=256
out=$JB_ROOT/bench/out
shim=$JB_ROOT/shim/jobboard-http
pgbench=$JB_PGBIN/pgbench

[ "$port" != 5432 ] || jb_die "refusing port 5432: it belongs to the system cluster"
command -v wrk >/dev/null || jb_die "wrk is not installed (scripts/deps.sh installs it)"
command -v jq >/dev/null || jb_die "jq is not installed (scripts/deps.sh installs it)"
[ -x "$pgbench" ] || jb_die "no pgbench in $JB_PGBIN"
[ -x "$shim" ] || jb_die "$shim is not built (make shim)"
if jb_port_busy "$http_port"; then
	jb_die "port $http_port is in use; set JB_BENCH_HTTP_PORT"
fi

mkdir -p "$out"
rm -rf "$out/pgbench" "$out/shim" "$out"/wrk-*.log "$out"/check-*.json "$out/generate-seconds"
mkdir -p "$out/pgbench" "$out/shim"
: >"$out/results.jsonl"

cluster() { scripts/cluster.sh "$1" -D "$datadir" -p "$port" "${@:2}"; }
shim_pid=
idle_pid=
wrk_pid=
cluster_started=0

cleanup() {
	local pid
	for pid in "$wrk_pid" "$idle_pid"; do
		[ -n "$pid" ] || continue
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	stop_shim
	if [ "$cluster_started" = 1 ] && [ "${JB_BENCH_KEEP_RUNNING:-0}" != 1 ]; then
		cluster_started=0
		cluster stop || true
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

shim_exit=
stop_shim() {
	[ -n "$shim_pid" ] || return 0
	local pid=$shim_pid i st=0
	shim_pid=
	if ! jb_alive "$pid"; then
		wait "$pid" 2>/dev/null || st=$?
		shim_exit="the shim had exited by itself (status $st) before the end of the run"
		jb_say "$shim_exit"
		return 0
	fi
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 1 150); do
		jb_alive "$pid" || break
		sleep 0.1
	done
	jb_alive "$pid" && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
}

# --- the cluster and the data set ------------------------------------------

machine_load=$(cut -d' ' -f1-3 /proc/loadavg)
cluster create
st=0
cluster status >/dev/null || st=$?
if [ "$st" -eq 0 ]; then
	jb_say "the bench cluster is already running; it stays running"
else
	cluster start -c "$JB_ROOT/bench/postgresql.conf"
	cluster_started=1
fi
conninfo=$(cluster conninfo)
sockdir=${conninfo#host=}; sockdir=${sockdir%% *}

psql_su() {
	PGOPTIONS='-c client_min_messages=warning' \
	"$JB_PGBIN/psql" -h "$sockdir" -p "$port" -U postgres -X -q -v ON_ERROR_STOP=1 "$@"
}

ext_script=$("$PG_CONFIG" --sharedir)/extension/jobboard--$(jb_extversion).sql
[ -f "$ext_script" ] || jb_die "the extension is not installed ($ext_script; make install)"
ext_hash=$(sha256sum "$ext_script" | cut -c1-16)
sizes="companies=$n_companies jobs=$n_jobs users=$n_users applications=$n_apps"
marker="jobboard bench data: $sizes extension=$ext_hash"
loaded=$(psql_su -d postgres -At -c \
	"SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = 'jobboard'")

generate() {
	local t0=$SECONDS t pids=() p st=0 half_c=$((n_companies / 2)) half_j=$((n_jobs / 2))
	step() { jb_say "data: $1 ($((SECONDS - t)) s)"; t=$SECONDS; }
	t=$SECONDS
	jb_say "generating the data set ($sizes); this takes several minutes, once"
	psql_su -d postgres -c 'DROP DATABASE IF EXISTS jobboard WITH (FORCE)'
	scripts/db-setup.sh -p "$port" -s "$sockdir" -d jobboard
	# Two sessions (two cores): each makes half of the companies and their
	# jobs. A session's jobs point into the id range of its own companies, so
	# the second one starts once the first has drawn all its company ids
	# (sequence values are visible at once; the rows only at commit).
	local seq0 seq
	seq0=$(psql_su -d jobboard -At -c "SELECT coalesce(last_value, 0) FROM pg_sequences WHERE schemaname = 'jobboard' AND sequencename = 'companies_id_seq'")
	psql_su -d jobboard -c "SELECT jobboard.generate_jobs($half_c, $half_j)" >/dev/null & pids+=($!)
	for _ in $(seq 1 1200); do
		seq=$(psql_su -d jobboard -At -c "SELECT coalesce(last_value, 0) FROM pg_sequences WHERE schemaname = 'jobboard' AND sequencename = 'companies_id_seq'")
		[ "$seq" -lt $((seq0 + half_c)) ] || break
		jb_alive "${pids[0]}" || break
		sleep 0.1
	done
	psql_su -d jobboard -c "SELECT jobboard.generate_jobs($((n_companies - half_c)), $((n_jobs - half_j)))" >/dev/null & pids+=($!)
	for p in "${pids[@]}"; do wait "$p" || st=1; done
	[ "$st" = 0 ] || jb_die "generate_jobs failed"
	step "$n_jobs jobs of $n_companies companies"
	# Drafts answer 404 to the public: GET /jobs/{id} draws ids from the whole
	# range on both sides, so the bench set publishes them (as closed jobs).
	psql_su -d jobboard -c "UPDATE jobboard.jobs SET status = 'closed', posted_at = created_at + interval '1 hour' WHERE status = 'draft'"
	step "drafts closed"
	psql_su -d jobboard -c "SELECT jobboard.generate_users($n_users, '$password')" >/dev/null
	step "$n_users users"
	pids=()
	psql_su -d jobboard -c "SELECT jobboard.generate_applications($n_apps, 1, 2)" >/dev/null & pids+=($!)
	psql_su -d jobboard -c "SELECT jobboard.generate_applications($n_apps, 2, 2)" >/dev/null & pids+=($!)
	for p in "${pids[@]}"; do wait "$p" || st=1; done
	[ "$st" = 0 ] || jb_die "generate_applications failed"
	step "$n_apps applications"
	psql_su -d jobboard -c 'VACUUM (FREEZE, ANALYZE)'
	step "vacuum, analyze"
	psql_su -d jobboard -c 'CHECKPOINT'
	psql_su -d jobboard -v marker="$marker" <<'SQL'
SELECT format('COMMENT ON DATABASE jobboard IS %L', :'marker') \gexec
SQL
	jb_say "data set ready in $((SECONDS - t0)) s"
	echo "$((SECONDS - t0))" >"$out/generate-seconds"
}

if [ "$loaded" = "$marker" ]; then
	jb_say "reusing the data set ($sizes)"
	scripts/db-setup.sh -p "$port" -s "$sockdir" -d jobboard
elif [ "${JB_BENCH_REUSE:-0}" = 1 ] && [ "${loaded% extension=*}" = "${marker% extension=*}" ]; then
	jb_say "reusing the data set made by another version of the extension script (JB_BENCH_REUSE=1)"
else
	[ -z "$loaded" ] || jb_say "the data set does not match ($loaded); making it again"
	generate
fi

# --- per run: a clean slate, warm caches, tokens, the deep cursor ----------

jb_say "preparing the run: clean slate, prewarm, $n_tokens tokens, deep cursor"
psql_su -d jobboard <<'SQL'
DELETE FROM jobboard.notes;
DELETE FROM jobboard.spent_refresh_tokens;
DELETE FROM jobboard.sessions;
DELETE FROM jobboard.events;
DELETE FROM jobboard.idempotency_keys;
UPDATE jobboard.users SET failed_logins = 0, lockouts = 0, locked_until = NULL
 WHERE failed_logins > 0 OR lockouts > 0 OR locked_until IS NOT NULL;
VACUUM ANALYZE jobboard.notes, jobboard.sessions, jobboard.spent_refresh_tokens,
	jobboard.events, jobboard.idempotency_keys, jobboard.users;
CREATE EXTENSION IF NOT EXISTS pg_prewarm;
-- Everything the workloads read (tables, their TOAST and indexes) into
-- shared_buffers; applications and their history are not read.
WITH t AS (
	SELECT oid, reltoastrelid FROM pg_class
	 WHERE relnamespace = 'jobboard'::regnamespace AND relkind = 'r'
	   AND oid NOT IN ('jobboard.applications'::regclass, 'jobboard.application_history'::regclass)),
r AS (
	SELECT oid FROM t
	UNION ALL SELECT reltoastrelid FROM t WHERE reltoastrelid <> 0
	UNION ALL SELECT indexrelid FROM pg_index
	           WHERE indrelid IN (SELECT oid FROM t UNION ALL SELECT reltoastrelid FROM t))
SELECT sum(pg_prewarm(oid)) AS prewarmed_blocks FROM r \gset
SQL

step_users=$((n_users / n_tokens))
psql_su -d jobboard -At -c "
	SELECT jobboard.login(NULL, jsonb_build_object('email', 'user' || (1 + (k - 1) * $step_users) || '@bench.example',
	                                              'password', '$password')) ->> 'access_token'
	  FROM generate_series(1, $n_tokens) AS k" >"$out/tokens.txt"
[ "$(grep -c . "$out/tokens.txt")" -eq "$n_tokens" ] || jb_die "could not mint $n_tokens tokens"

read -r job_first job_last drafts < <(psql_su -d jobboard -At -F ' ' -c \
	"SELECT min(id), max(id), count(*) FILTER (WHERE status = 'draft') FROM jobboard.jobs")
[ "$drafts" = 0 ] || jb_die "the bench data has $drafts draft jobs (made before drafts were closed?); JB_BENCH_REUSE=0 to rebuild"

deep_rows=100000
deep_cursor=$(psql_su -d jobboard -At -c "
	WITH RECURSIVE walk(n, c) AS (
		SELECT 1, jobboard.jobs_list(NULL, '{\"limit\": 100}') ->> 'next_cursor'
		UNION ALL
		SELECT n + 1, jobboard.jobs_list(NULL, jsonb_build_object('limit', 100, 'cursor', c)) ->> 'next_cursor'
		  FROM walk WHERE n < $((deep_rows / 100)) AND c IS NOT NULL)
	SELECT c FROM walk WHERE n = $((deep_rows / 100))")
[ -n "$deep_cursor" ] || jb_say "no cursor $deep_rows rows deep (fewer open jobs); the deep workload is skipped"

# --- the shim ---------------------------------------------------------------

# The workloads run against a shim with its response cache off: the targets
# compare it with pgbench, where the database does the work every time. The
# cache runs and the RSS run use the shim as shipped (cache on).
shim_env=(
	"JOBBOARD_DATABASE_URL=$conninfo user=jobboard_http dbname=jobboard"
	"JOBBOARD_LISTEN=127.0.0.1:$http_port"
	"JOBBOARD_RATE_LIMIT=0"
	"JOBBOARD_AUTH_RATE_LIMIT=0"
)
if [ -n "${JB_BENCH_SHIM_ENV:-}" ]; then
	mapfile -t -O "${#shim_env[@]}" shim_env < <(sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' "$JB_BENCH_SHIM_ENV")
fi
printf '%s\n' "${shim_env[@]}" >"$out/shim.env"

# start_shim TAG [KEY=VALUE...]: in a directory of its own (so no .env file
# is read); its log minus the access lines (one per request) goes to
# bench/out/shim-TAG.log (JB_BENCH_SHIM_LOG=file keeps everything there).
start_shim() {
	local tag=$1 ready=0
	shift
	if [ -n "${JB_BENCH_SHIM_LOG:-}" ]; then
		exec 3>>"$JB_BENCH_SHIM_LOG"
	else
		exec 3> >(grep --line-buffered -v '"level":"info","request_id"' >"$out/shim-$tag.log")
	fi
	(trap - EXIT INT TERM; cd "$out/shim" && exec env "${shim_env[@]}" "$@" "$shim") >&3 2>&1 &
	shim_pid=$!
	exec 3>&-
	for _ in $(seq 1 100); do
		jb_alive "$shim_pid" || break
		if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$http_port/ready" 2>/dev/null; then
			ready=1
			break
		fi
		sleep 0.2
	done
	[ "$ready" = 1 ] || { sleep 0.5; tail -n 20 "$out/shim-$tag.log" >&2; jb_die "the shim did not become ready"; }
}
start_shim uncached JOBBOARD_CACHE_SIZE=0
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$shim_pid/status" 2>/dev/null || echo 0; }

# CPU per request, measured in a window in the middle of a run (so neither
# connection set-up nor the tail counts): clock ticks of the processes that
# serve the load, read from /proc at the window's two ends, divided by the
# requests answered in between. On the shim side: the shim and its pooled
# backends (application_name jobboard-http), requests from its /metrics
# counter. On the pgbench side: its backends (application_name pgbench),
# transactions from pgbench's per-transaction log (-l). Other work on the
# machine distorts this far less than it distorts throughput.
hz=$(getconf CLK_TCK)
pids_of() {
	psql_su -d jobboard -At -c "SELECT string_agg(pid::text, ' ') FROM pg_stat_activity WHERE application_name = '$1'"
}
ticks() {
	local p
	for p in "$@"; do
		awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || true
	done | awk '{ s += $1 } END { print s + 0 }'
}
now_us() { echo $(( $(date +%s%N) / 1000 )); }
answered() {
	{ curl -s --max-time 5 --interface 127.0.0.9 "$url/metrics" || true; } |
		awk '/^jobboard_http_requests_total\{/ { s += $2 } END { print s + 0 }'
}

# --- the workloads ----------------------------------------------------------

url=http://127.0.0.1:$http_port
lua=$JB_ROOT/bench/wrk/bench.lua
search_path='/jobs?q=python&remote=true&employment_type=full_time'
search_args='{"q": "python", "remote": "true", "employment_type": "full_time"}'

# name | label | HTTP path | wrk mode and arguments
workloads=(
	"list|GET /jobs|/jobs|path"
	"search|GET /jobs?q=python&remote=true&employment_type=full_time|$search_path|path"
	"job|GET /jobs/{id}|/jobs/$job_first|job $job_first $job_last"
	"deep|GET /jobs?cursor=(100,000 deep)|/jobs?cursor=$deep_cursor|path"
	"me|GET /me|/me|me $out/tokens.txt"
	"note|POST /notes|/notes|note $out/tokens.txt"
	"login|POST /auth/login|/auth/login|login $n_users $password"
)

# pgbench scripts: the same call the shim prepares,
# SELECT jobboard.<function>($1::text, $2::jsonb), with the args the shim builds.
write_pgbench() {
	local name=$1 d=$out/pgbench k=0 t
	case $name in
	list) echo "SELECT jobboard.jobs_list(NULL, '{}');" >"$d/list.sql" ;;
	search) echo "SELECT jobboard.jobs_list(NULL, '$search_args');" >"$d/search.sql" ;;
	deep) echo "SELECT jobboard.jobs_list(NULL, '{\"cursor\": \"$deep_cursor\"}');" >"$d/deep.sql" ;;
	job)
		printf '%s\n' "\\set id random($job_first, $job_last)" \
			"SELECT jobboard.job_get(NULL, ('{\"id\": ' || :id || '}')::jsonb);" >"$d/job.sql" ;;
	login)
		printf '%s\n' "\\set u random(1, $n_users)" \
			"SELECT jobboard.login(NULL, ('{\"email\": \"user' || :u || '@bench.example\", \"password\": \"$password\"}')::jsonb);" >"$d/login.sql" ;;
	me | note)
		while read -r t; do
			k=$((k + 1))
			if [ "$name" = me ]; then
				echo "SELECT jobboard.me('$t', '{}');"
			else
				echo "SELECT jobboard.note_create('$t', '{\"title\": \"bench note\"}');"
			fi >"$d/$name-$k.sql"
		done <"$out/tokens.txt" ;;
	esac
}

pgbench_files() {
	local f
	for f in "$out/pgbench/$1.sql" "$out/pgbench/$1"-*.sql; do
		[ -f "$f" ] && printf -- '-f\n%s\n' "$f"
	done
}

# run_pgbench NAME CLIENTS: prints the tps (empty when the run failed): the
# time-weighted mean of the progress reports after the first one, so that
# new backends warming their caches (the shim's connections are warm) and
# preparing their statements do not count; the summary tps if the run was
# too short for that. Writes the backends' CPU per transaction (µs) to
# NAME-cCLIENTS.cpu.
run_pgbench() {
	local name=$1 c=$2 files log=$out/pgbench/$1-c$2.log st=0 dir=$out/pgbench/tx-$1-c$2
	local pid pids t1 t2 k1 k2 n
	mapfile -t files < <(pgbench_files "$name")
	mkdir -p "$dir"
	(cd "$dir" && exec "$pgbench" -n -M prepared -h "$sockdir" -p "$port" -U jobboard_http -c "$c" -j 1 \
		-P 1 -l -T "$short" "${files[@]}" jobboard) >"$log" 2>&1 &
	pid=$!
	sleep 1.5
	pids=$(pids_of pgbench)
	t1=$(now_us); k1=$(ticks $pids)
	sleep "$((short - 3)).5"
	t2=$(now_us); k2=$(ticks $pids)
	wait "$pid" || st=$?
	# pgbench_log.*: client tx time script epoch_s epoch_us ...
	n=$(cat "$dir"/pgbench_log.* 2>/dev/null |
		awk -v a="$t1" -v b="$t2" '{ t = $5 * 1000000 + $6; if (t >= a && t < b) n++ } END { print n + 0 }')
	rm -rf "$dir"
	[ "$n" -gt 0 ] &&
		awk -v d="$((k2 - k1))" -v hz="$hz" -v n="$n" 'BEGIN { printf "%.1f\n", d / hz * 1e6 / n }' \
			>"$out/pgbench/$name-c$c.cpu"
	if [ "$st" -ne 0 ] || grep -q 'aborted' "$log"; then
		jb_say "pgbench $name at $c clients failed (log: $log):"
		grep -m3 -i 'error\|abort' "$log" >&2 || true
		return 0
	fi
	awk '/^progress: / { t = $2 + 0; n++; if (n > 1) { sum += $4 * (t - prev); span += t - prev }; prev = t }
	     /^tps = / { total = $3 }
	     END { if (span > 0) printf "%.1f\n", sum / span; else if (total != "") print total }' "$log"
}

# Wait until the shim has answered everything queued (wrk stops sending at
# its deadline; calls queued for a worker or a pooled connection are still
# served).
drain() {
	local i m
	for i in $(seq 1 300); do
		m=$({ curl -s --max-time 2 --interface 127.0.0.9 "$url/metrics" || true; } | awk '
			/^jobboard_pool_connections\{.*state="in_use"\}/ { busy += $2 }
			/^jobboard_pool_waiting\{/ { busy += $2 }
			/^jobboard_calls_queued / { busy += $2 }
			END { print busy + 0 }')
		[ "$m" = 0 ] && return 0
		sleep 0.1
	done
	jb_say "the shim still has requests in flight after 30 s"
}

# run_wrk CONNS SECONDS PATH MODE ARGS...: prints the WRK json.
# The json gets shim_cpu_us and db_cpu_us: CPU per request of the shim and
# of its backends in a window from 1.5 s after the start to 1.5 s before the end.
run_wrk() {
	local c=$1 s=$2 path=$3 log pid pids j a1 a2 s1 s2 k1 k2
	shift 3
	log=$out/wrk-$c-$(date +%s%N).log
	pids=$(pids_of jobboard-http)
	wrk -t1 -c"$c" -d"${s}s" --timeout 10s -s "$lua" "$url$path" -- "$@" >"$log" 2>&1 &
	pid=$!
	sleep 1.5
	a1=$(answered); s1=$(ticks "$shim_pid"); k1=$(ticks $pids)
	sleep "$((s - 3))"
	a2=$(answered); s2=$(ticks "$shim_pid"); k2=$(ticks $pids)
	wait "$pid" || true
	drain
	j=$(sed -n 's/^WRK //p' "$log")
	[ -n "$j" ] || return 0
	jq -c --argjson s "$((s2 - s1))" --argjson d "$((k2 - k1))" --argjson n "$((a2 - a1 - 1))" --argjson hz "$hz" \
		'. + (if $n > 0 then {shim_cpu_us: ($s / $hz * 1e6 / $n), db_cpu_us: ($d / $hz * 1e6 / $n)} else {} end)' <<<"$j"
}

for w in "${workloads[@]}"; do
	IFS='|' read -r name label path mode <<<"$w"
	if [ -n "$only" ] && ! grep -qw -- "$name" <<<"$only"; then
		continue
	fi
	[ "$name" != deep ] || [ -n "$deep_cursor" ] || continue
	read -r -a margs <<<"$mode"
	# One request first: a workload that fails is reported, not timed.
	case $name in
	me) check=(-H "Authorization: Bearer $(head -n1 "$out/tokens.txt")") ;;
	note) check=(-X POST -H "Authorization: Bearer $(head -n1 "$out/tokens.txt")" -H 'Content-Type: application/json' --data '{"title": "bench note"}') ;;
	login) check=(-X POST -H 'Content-Type: application/json' --data "{\"email\": \"user1@bench.example\", \"password\": \"$password\"}") ;;
	*) check=() ;;
	esac
	code=$(curl -s -o "$out/check-$name.json" -w '%{http_code}' --max-time 10 "${check[@]}" "$url$path" || true)
	case $code in
	2??) ;;
	*) jb_say "$label answers $code: $(head -c 300 "$out/check-$name.json")"; continue ;;
	esac
	write_pgbench "$name"
	jb_say "$label: wrk $conns connections ${duration}s, 1 connection ${short}s, pgbench 1/2/4/8/$conns clients ${short}s each, then $((rounds - 1)) more rounds of both"
	w64=$(run_wrk "$conns" "$duration" "$path" "${margs[@]}")
	w1=$(run_wrk 1 "$short" "$path" "${margs[@]}")
	pg='{}'
	pgcpu='{}'
	for c in 1 2 4 8 "$conns"; do
		tps=$(run_pgbench "$name" "$c")
		[ -n "$tps" ] || continue
		pg=$(jq -c --arg c "$c" --argjson t "$tps" '. + {($c): $t}' <<<"$pg")
		[ -f "$out/pgbench/$name-c$c.cpu" ] &&
			pgcpu=$(jq -c --arg c "$c" --argjson t "$(cat "$out/pgbench/$name-c$c.cpu")" '. + {($c): $t}' <<<"$pgcpu")
	done
	# Side by side: more rounds of wrk at 64 connections, each followed by
	# pgbench at its best client count of the sweep (the first round is the
	# sweep's), so that a slow minute of the shared machine hits both sides.
	best_c=$(jq -r --arg n "$conns" 'to_entries | map(select(.key != $n)) | max_by(.value) | .key // empty' <<<"$pg")
	runs=$(jq -c -n --argjson w "${w64:-null}" --argjson t "$(jq --arg c "$best_c" '.[$c] // null' <<<"$pg")" \
		'[{wrk64: $w, tps: $t}]')
	if [ -n "$best_c" ]; then
		for _ in $(seq 2 "$rounds"); do
			wr=$(run_wrk "$conns" "$duration" "$path" "${margs[@]}")
			tps=$(run_pgbench "$name" "$best_c")
			runs=$(jq -c --argjson w "${wr:-null}" --argjson t "${tps:-null}" '. + [{wrk64: $w, tps: $t}]' <<<"$runs")
		done
	fi
	jq -c -n --arg name "$name" --arg lbl "$label" --argjson w64 "${w64:-null}" \
		--argjson w1 "${w1:-null}" --argjson pg "$pg" --argjson pgcpu "$pgcpu" --argjson runs "$runs" \
		'{name: $name, label: $lbl, wrk64: $w64, wrk1: $w1, pgbench: $pg, pgbench_cpu_us: $pgcpu, rounds: $runs}' >>"$out/results.jsonl"
done

# --- the response cache ------------------------------------------------------

# The shim as shipped (cache on): list and search again, answered from the
# cache after the first request, against the uncached rows above; then 20
# probes of "a change is visible on the next request after its commit": a
# title changed by psql (committed when psql returns), then at once GET /jobs.
metric() {
	{ curl -s --max-time 5 --interface 127.0.0.9 "$url/metrics" || true; } |
		awk -v m="$1" '$1 == m { s += $2 } END { print s + 0 }'
}
stop_shim
start_shim shipped
rss_start=$(rss_kib)
cache_json=null
if [ -z "$only" ] || grep -qw cache <<<"$only"; then
	if [ "$(metric jobboard_cache_enabled)" = 1 ]; then
		jb_say "response cache: GET /jobs and the search through the cache; 20 change probes"
		cache_json='{}'
		for w in "list|/jobs" "search|$search_path"; do
			IFS='|' read -r name path <<<"$w"
			curl -s -o /dev/null "$url$path"
			h0=$(metric 'jobboard_cache_lookups_total{result="hit"}')
			m0=$(metric 'jobboard_cache_lookups_total{result="miss"}')
			w64=$(run_wrk "$conns" "$duration" "$path" path)
			w1=$(run_wrk 1 "$short" "$path" path)
			h1=$(metric 'jobboard_cache_lookups_total{result="hit"}')
			m1=$(metric 'jobboard_cache_lookups_total{result="miss"}')
			cache_json=$(jq -c --arg n "$name" --argjson a "${w64:-null}" --argjson b "${w1:-null}" \
				--argjson h "$((h1 - h0))" --argjson m "$((m1 - m0))" \
				'. + {($n): {wrk64: $a, wrk1: $b, hits: $h, misses: $m}}' <<<"$cache_json")
		done
		probe_id=$(curl -s "$url/jobs?limit=1" | jq -r '.data[0].id')
		probe_title=$(psql_su -d jobboard -At -c "SELECT title FROM jobboard.jobs WHERE id = $probe_id")
		seen=0
		for k in $(seq 1 20); do
			curl -s -o /dev/null "$url/jobs?limit=1"
			curl -s -o /dev/null "$url/jobs?limit=1"
			psql_su -d jobboard -c "UPDATE jobboard.jobs SET title = 'Bench cache probe $k' WHERE id = $probe_id"
			t=$(curl -s "$url/jobs?limit=1" | jq -r '.data[0].title')
			[ "$t" != "Bench cache probe $k" ] || seen=$((seen + 1))
		done
		psql_su -d jobboard -v t="$probe_title" -v id="$probe_id" <<'SQL'
UPDATE jobboard.jobs SET title = :'t' WHERE id = :id;
SQL
		cache_json=$(jq -c --argjson s "$seen" '. + {probes: 20, visible: $s}' <<<"$cache_json")
	else
		jb_say "the shim's response cache is off or absent (jobboard_cache_enabled is not 1)"
	fi
fi

# --- the RSS run ------------------------------------------------------------

rss_json=null
if [ "$rss_seconds" -gt 0 ] && { [ -z "$only" ] || grep -qw rss <<<"$only"; }; then
	jb_say "RSS: $rss_idle idle keep-alive connections + wrk with $rss_active until $rss_requests requests (at most ${rss_seconds}s)"
	perl bench/idle-conns.pl "$http_port" "$rss_idle" "$((rss_seconds + 90))" >"$out/idle.txt" 2>&1 &
	idle_pid=$!
	for _ in $(seq 1 600); do
		grep -q '^open ' "$out/idle.txt" && break
		jb_alive "$idle_pid" || break
		sleep 0.1
	done
	idle_open=$(sed -n 's/^open //p' "$out/idle.txt")
	rss_idle_kib=$(rss_kib)
	# wrk runs until the shim has counted rss_requests more answers (or the
	# time bound); every second: milliseconds, VmRSS (KiB), answers so far,
	# KiB held by the response cache (bounded by JOBBOARD_CACHE_SIZE).
	log=$out/wrk-rss.log
	a0=$(answered)
	t0=$(date +%s%N)
	wrk -t1 -c"$rss_active" -d"${rss_seconds}s" --timeout 10s -s "$lua" \
		"$url/jobs" -- mix "$job_first" "$job_last" "$out/tokens.txt" >"$log" 2>&1 &
	wrk_pid=$!
	: >"$out/rss.txt"
	while jb_alive "$wrk_pid"; do
		sleep 1
		jb_alive "$shim_pid" || { jb_say "the shim is gone during the RSS run"; break; }
		n=$(( $(answered) - a0 ))
		printf '%s %s %s %s\n' "$(( ($(date +%s%N) - t0) / 1000000 ))" "$(rss_kib)" "$n" \
			"$(( $(metric jobboard_cache_bytes) / 1024 ))" >>"$out/rss.txt"
		if [ "$n" -ge "$rss_requests" ]; then
			kill -INT "$wrk_pid" 2>/dev/null || true
			break
		fi
	done
	wait "$wrk_pid" 2>/dev/null || true
	wrk_pid=
	kill -TERM "$idle_pid" 2>/dev/null || true
	wait "$idle_pid" 2>/dev/null || true
	idle_pid=
	idle_final=$(grep '^idle-conns:' "$out/idle.txt" | tail -n1)
	wrss=$(sed -n 's/^WRK //p' "$log")
	# Growth: the last sample against the one at 10 % of the answers (after
	# the pools, buffers and arenas of the first requests have been made),
	# without the response cache, which fills up to its configured bound.
	rss_json=$(awk -v start="$rss_start" -v idle="$rss_idle_kib" '
		{ n++; t[n] = $1; r[n] = $2; a[n] = $3; c[n] = $4; if ($2 > peak) peak = $2; if ($4 > cpeak) cpeak = $4 }
		END {
			i = 1
			for (k = 1; k <= n; k++) if (a[k] <= a[n] / 10) i = k
			printf "{\"start_kib\": %d, \"idle_kib\": %d, \"peak_kib\": %d, \"at10_kib\": %d, \"end_kib\": %d, ", start, idle, peak, r[i], r[n]
			printf "\"cache_peak_kib\": %d, \"at10_nocache_kib\": %d, \"end_nocache_kib\": %d, ", cpeak, r[i] - c[i], r[n] - c[n]
			printf "\"answers\": %d, \"seconds\": %.1f, \"samples\": %d}", a[n], t[n] / 1000, n
		}' "$out/rss.txt")
	rss_json=$(jq -c -n --argjson r "$rss_json" --argjson w "${wrss:-null}" \
		--arg open "${idle_open:-0}" --arg final "$idle_final" \
		'$r + {wrk: $w, idle_open: ($open | tonumber), idle_final: $final}')
fi

stop_shim
grep -qi '"level":"error"\|sanitizer' "$out"/shim-*.log 2>/dev/null &&
	jb_say "the shim logged errors (see $out/shim-*.log)"

# --- the report ---------------------------------------------------------------

git_rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git status --porcelain -- extension shim 2>/dev/null)" ] || git_rev="$git_rev+local changes"
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
jq -n \
	--arg date "$(date -u '+%Y-%m-%d %H:%M UTC')" --arg nproc "$(nproc)" --arg mem "$mem" \
	--arg cpu "$cpu" --arg load "$machine_load" --arg load_end "$(cut -d' ' -f1-3 /proc/loadavg)" --arg rev "$git_rev" --arg sizes "$sizes" \
	--arg duration "$duration" --arg short "$short" --arg conns "$conns" --arg rounds "$rounds" \
	--arg gen "$(cat "$out/generate-seconds" 2>/dev/null || true)" \
	--argjson rss "$rss_json" --argjson cache_run "$cache_json" --arg shim_exit "$shim_exit" --arg cache "$(grep -q 'SEAM: caches nothing' shim/cache.c 2>/dev/null && echo none || echo present)" \
	--slurpfile rows "$out/results.jsonl" \
	'{date: $date, nproc: $nproc, mem: $mem, cpu: $cpu, load: $load, load_end: $load_end, rev: $rev, sizes: $sizes,
	  duration: $duration, short: $short, conns: $conns, rounds: $rounds, generate_seconds: $gen,
	  rss: $rss, cache_run: $cache_run, shim_exit: $shim_exit, cache: $cache, rows: $rows}' >"$out/results.json"

perl bench/report.pl "$out/results.json" >"$out/report.md"
cat "$out/report.md"
if [ -z "$only" ] && [ "$sizes" = "companies=10000 jobs=1000000 users=100000 applications=5000000" ] &&
	[ "$duration" = 10 ] && [ "$short" = 5 ] && [ "$rss_requests" = 1000000 ]; then
	perl bench/report.pl --update "$JB_ROOT/bench/RESULTS.md" "$out/report.md"
	jb_say "raw numbers in bench/out/; bench/RESULTS.md updated"
else
	jb_say "raw numbers in bench/out/ (a partial or resized run: bench/RESULTS.md left alone)"
fi
