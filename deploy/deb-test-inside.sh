#!/usr/bin/env bash
# Runs inside a fresh debian:bookworm-slim container (deploy/deb-test.sh):
# installs postgresql-15-jobboard and jobboard-http from /debs with apt,
# creates the extension in a new cluster, starts the server from the
# installed files the way its systemd unit does, serves requests directly and
# through the packaged nginx example, verifies the unit with
# systemd-analyze, purges both packages and checks that nothing is left.
# Prints TAP-like lines and ends with "N passed, M failed".
set -uo pipefail
export DEBIAN_FRONTEND=noninteractive
PGPORT=56432
HTTP_PORT=56080
NGINX_PORT=56081
PGBIN=/usr/lib/postgresql/15/bin
version=${JB_VERSION:?}
arch=$(dpkg --print-architecture)
passed=0 failed=0 n=0
ok() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
finish() {
	echo
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}
bail() { not_ok "$*"; finish; }

echo "# apt-get install ./postgresql-15-jobboard_${version}_$arch.deb ./jobboard-http_${version}_$arch.deb"
# the slim image leaves out /usr/share/doc (the nginx example is checked there)
# and deletes downloaded packages (the host keeps them between runs)
rm -f /etc/dpkg/dpkg.cfg.d/docker /etc/apt/apt.conf.d/docker-clean
# no main cluster on 5432 when postgresql-common is installed
mkdir -p /etc/postgresql-common
echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf
apt-get update -q >/tmp/apt.log 2>&1 || { tail -n 20 /tmp/apt.log; bail "apt-get update"; }
if apt-get install -y -q --no-install-recommends \
	"/debs/postgresql-15-jobboard_${version}_$arch.deb" \
	"/debs/jobboard-http_${version}_$arch.deb" >>/tmp/apt.log 2>&1; then
	ok "apt-get install of both packages (their dependencies from the archive)"
else
	tail -n 30 /tmp/apt.log
	bail "apt-get install of both packages"
fi
# the test's own tools, not dependencies of the packages
apt-get install -y -q --no-install-recommends curl jq nginx-light systemd >>/tmp/apt.log 2>&1 ||
	{ tail -n 20 /tmp/apt.log; bail "apt-get install curl jq nginx-light systemd"; }

files=$(dpkg -L postgresql-15-jobboard jobboard-http | sort -u)
check "extension library installed" test -f /usr/lib/postgresql/15/lib/jobboard.so
check "extension control and script installed" \
	test -f /usr/share/postgresql/15/extension/jobboard.control -a \
	-f "/usr/share/postgresql/15/extension/jobboard--$version.sql"
check "server binary installed" test -x /usr/bin/jobboard-http
check "system user jobboard created" sh -c "getent passwd jobboard >/dev/null"
check "system user has no login shell" \
	sh -c 'getent passwd jobboard | cut -d: -f7 | grep -qE "(nologin|false)$"'
check "/etc/jobboard/http.env is root-only (0600 root:root)" \
	sh -c '[ "$(stat -c %a:%U:%G /etc/jobboard/http.env)" = 600:root:root ]'
unit=/lib/systemd/system/jobboard-http.service
check "systemd unit installed" test -f "$unit"
for d in NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes Restart=on-failure \
	User=jobboard EnvironmentFile=/etc/jobboard/http.env; do
	check "unit has $d" grep -qx "$d" "$unit"
done
check "unit not enabled by the package (needs configuring first)" \
	test ! -e /etc/systemd/system/multi-user.target.wants/jobboard-http.service
site=$(ls /usr/share/doc/jobboard-http/examples/jobboard-site.conf* 2>/dev/null | head -n1)
check "nginx site example installed" test -n "$site"

echo "# systemd-analyze verify $unit"
if out=$(systemd-analyze verify "$unit" 2>&1); then
	ok "systemd-analyze verify: no complaints"
else
	echo "$out" | sed 's/^/#   /'
	not_ok "systemd-analyze verify"
fi
[ -z "${out:-}" ] || echo "$out" | sed 's/^/#   /'

echo "# a fresh cluster on port $PGPORT with shared_preload_libraries = jobboard"
pgdata=/tmp/pgdata
sock=/tmp/pgsock
mkdir -p "$pgdata" "$sock"
chown postgres: "$pgdata" "$sock"
runuser -u postgres -- "$PGBIN/initdb" -D "$pgdata" -U postgres --auth-local=peer \
	--auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/tmp/initdb.log 2>&1 ||
	{ cat /tmp/initdb.log; bail "initdb"; }
cat >>"$pgdata/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$sock'
CONF
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$pgdata" -l /tmp/pg.log -w start >/dev/null ||
	{ cat /tmp/pg.log; bail "cluster start"; }
ok "cluster started"
export PGHOST=$sock PGPORT
# the steps of README "Deploying" (there: sudo -u postgres psql ...)
runuser -u postgres -- psql -c "ALTER SYSTEM SET shared_preload_libraries = 'jobboard'" &&
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$pgdata" -l /tmp/pg.log -w restart >/dev/null ||
	{ cat /tmp/pg.log; bail "ALTER SYSTEM SET shared_preload_libraries = 'jobboard', restart"; }
ok "ALTER SYSTEM SET shared_preload_libraries = 'jobboard', restart"
password=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
if runuser -u postgres -- psql -c 'CREATE DATABASE jobboard' &&
	runuser -u postgres -- psql -d jobboard -c 'CREATE EXTENSION jobboard' \
		-c "CREATE ROLE jobboard_http LOGIN PASSWORD '$password'" -c 'GRANT jobboard_api TO jobboard_http'
then
	ok "CREATE EXTENSION jobboard, login role jobboard_http in jobboard_api"
else
	bail "CREATE EXTENSION jobboard"
fi
check "extension version is $version" \
	sh -c "[ \"\$(runuser -u postgres -- psql -h $sock -p $PGPORT -d jobboard -XAtc \"SELECT extversion FROM pg_extension WHERE extname = 'jobboard'\")\" = $version ]"
check "background worker running (jobboard launcher)" \
	sh -c "runuser -u postgres -- psql -h $sock -p $PGPORT -d jobboard -XAtc \"SELECT count(*) FROM pg_stat_activity WHERE backend_type LIKE 'jobboard%'\" | grep -qv '^0$'"

echo "# the server, started the way the unit starts it"
cat >/etc/jobboard/http.env <<ENV
JOBBOARD_DATABASE_URL=host=127.0.0.1 port=$PGPORT dbname=jobboard user=jobboard_http password=$password
JOBBOARD_LISTEN=127.0.0.1:$HTTP_PORT
JOBBOARD_TRUST_PROXY=1
JOBBOARD_POOL_SIZE=4
JOBBOARD_LOG_FORMAT=json
ENV
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
user=$(sed -n 's/^User=//p' "$unit")
workdir=$(sed -n 's/^WorkingDirectory=//p' "$unit")
mapfile -t envs < <(grep -vE '^[[:space:]]*(#|$)' /etc/jobboard/http.env)
# setpriv execs (no parent left in between), like systemd's User= and
# NoNewPrivileges=yes
(cd "${workdir:-/}" && exec setpriv --reuid="$user" --regid="$user" --init-groups --no-new-privs \
	env -i PATH=/usr/bin:/bin "${envs[@]}" $exec_start) >/tmp/http.log 2>&1 &
shim=$!
ready=
for _ in $(seq 1 100); do
	if curl -fsS --max-time 2 "http://127.0.0.1:$HTTP_PORT/ready" >/tmp/ready.json 2>/dev/null; then
		ready=1; break
	fi
	kill -0 "$shim" 2>/dev/null || break
	sleep 0.2
done
if [ -n "$ready" ]; then
	ok "GET /ready: $(cat /tmp/ready.json)"
else
	tail -n 20 /tmp/http.log | sed 's/^/#   /'
	bail "GET /ready within 20 s"
fi
check "server runs as user $user, no new privileges" \
	sh -c "awk '/^Uid:/ { print \$2 }' /proc/$shim/status | grep -qx \"\$(id -u $user)\" &&
		grep -qE '^NoNewPrivs:[[:space:]]+1' /proc/$shim/status"
check "/ready reports extension $version" \
	sh -c "jq -e --arg v $version '.status == \"ready\" and .extension == \$v' /tmp/ready.json >/dev/null"

# register -> login -> /me, directly and through nginx
round_trip() {
	local base=$1 tag=$2 email="deb-$2-$$@example.com" pw='correct horse battery staple' code tok
	code=$(curl -sS -o /tmp/reg.json -w '%{http_code}' -H 'Content-Type: application/json' \
		-d "{\"email\":\"$email\",\"password\":\"$pw\",\"name\":\"Deb Test\"}" "$base/auth/register")
	check "$tag: POST /auth/register -> 201 (got $code)" [ "$code" = 201 ]
	code=$(curl -sS -o /tmp/login.json -w '%{http_code}' -H 'Content-Type: application/json' \
		-d "{\"email\":\"$email\",\"password\":\"$pw\"}" "$base/auth/login")
	check "$tag: POST /auth/login -> 200 (got $code)" [ "$code" = 200 ]
	tok=$(jq -r .access_token /tmp/login.json 2>/dev/null)
	code=$(curl -sS -o /tmp/me.json -w '%{http_code}' -H "Authorization: Bearer $tok" "$base/me")
	check "$tag: GET /me -> 200 (got $code)" [ "$code" = 200 ]
	check "$tag: /me is the registered user" \
		sh -c "jq -e --arg e $email '.email == \$e' /tmp/me.json >/dev/null"
}
round_trip "http://127.0.0.1:$HTTP_PORT" direct

echo "# nginx with the packaged site example (port $NGINX_PORT -> $HTTP_PORT)"
# README: cp the example to sites-available, link it, nginx -t (the ports
# here are the test's: 80 -> $NGINX_PORT, 8080 -> $HTTP_PORT)
cp "$site" /etc/nginx/sites-available/jobboard
sed -i -e "s/listen 80;/listen 127.0.0.1:$NGINX_PORT;/" -e '/listen \[::\]:80;/d' \
	-e "s/server 127.0.0.1:8080 /server 127.0.0.1:$HTTP_PORT /" /etc/nginx/sites-available/jobboard
rm -f /etc/nginx/sites-enabled/default
ln -s ../sites-available/jobboard /etc/nginx/sites-enabled/jobboard
if nginx -t >/tmp/nginx-t.log 2>&1; then ok "nginx -t accepts the site example"
else sed 's/^/#   /' /tmp/nginx-t.log; not_ok "nginx -t accepts the site example"; fi
if nginx; then
	round_trip "http://127.0.0.1:$NGINX_PORT" nginx
	# a client on 127.0.0.2 that claims another address: the server must log
	# the address nginx appends (127.0.0.2), not the claim nor nginx's own
	curl -sS -o /dev/null --interface 127.0.0.2 -H 'X-Forwarded-For: 198.51.100.7' -H 'X-Request-Id: xff-probe-1' \
		"http://127.0.0.1:$NGINX_PORT/health"
	sleep 0.3
	check "nginx: the server logs the client address nginx forwards (127.0.0.2)" \
		sh -c "grep 'xff-probe-1' /tmp/http.log | grep -q '\"ip\":\"127.0.0.2\"'"
	nginx -s quit 2>/dev/null
	sleep 0.5
else
	not_ok "nginx starts"
fi

echo "# stopping"
kill -TERM "$shim"
st=0; wait "$shim" || st=$?
check "server exits 0 on SIGTERM (got $st)" [ "$st" = 0 ]
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null
ok "cluster stopped"

echo "# apt-get purge postgresql-15-jobboard jobboard-http"
if apt-get purge -y -q postgresql-15-jobboard jobboard-http >>/tmp/apt.log 2>&1; then
	ok "apt-get purge of both packages"
else
	tail -n 20 /tmp/apt.log
	not_ok "apt-get purge of both packages"
fi
check "dpkg knows neither package any more" \
	sh -c '! dpkg -l postgresql-15-jobboard jobboard-http 2>/dev/null | grep -q "^[a-z][a-z] "'
left=
while IFS= read -r f; do
	[ -n "$f" ] || continue
	# directories shared with other packages stay, files must go
	if [ -e "$f" ] && ! [ -d "$f" ]; then left+="$f "; fi
done <<<"$files"
check "no file of the packages is left${left:+: $left}" [ -z "$left" ]
check "no /usr/lib/postgresql/15/lib/jobboard* or bitcode left" \
	sh -c '! ls -d /usr/lib/postgresql/15/lib/jobboard* /usr/lib/postgresql/15/lib/bitcode/jobboard* 2>/dev/null | grep -q .'
check "no /usr/share/postgresql/15/extension/jobboard* left" \
	sh -c '! ls /usr/share/postgresql/15/extension/jobboard* 2>/dev/null | grep -q .'
check "/etc/jobboard removed" test ! -e /etc/jobboard
check "system user and group jobboard removed" sh -c '! getent passwd jobboard && ! getent group jobboard'
check "no leftover unit state" sh -c '! ls /etc/systemd/system/*/jobboard-http.service /var/lib/systemd/deb-systemd-helper-enabled/jobboard-http.service 2>/dev/null | grep -q .'
finish
