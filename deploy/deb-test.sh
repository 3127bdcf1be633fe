#!/usr/bin/env bash
# make deb-test: install the packages of "make deb" (deploy/out/deb/) into a
# fresh debian:bookworm-slim container, use them there, remove them and check
# that nothing is left (deploy/deb-test-inside.sh does the work).
#
# Why a container: the packages own /usr/lib/postgresql/15/lib/jobboard.so and
# the extension's files in /usr/share/postgresql/15/extension/, which
# "make install" also writes and which other work on this machine (make test
# in other clones) uses while this test runs. Installing and purging them on
# the host would pull the extension out from under those; in a container the
# host is never touched, and the packages' dependencies are resolved from a
# bare system, which also checks Depends.
#
# Environment: JB_ENGINE (podman or docker), JB_DEPLOY_CACHE (apt archives
# kept between runs), JB_DEBTEST_TIMEOUT (seconds, default 900).
set -euo pipefail
JB_PROG=deb-test
. "$(dirname "$0")/lib.sh"

debs=$JB_DEPLOY/out/deb
version=$(jb_extversion)
for p in postgresql-15-jobboard jobboard-http; do
	[ -f "$debs/${p}_${version}_$(dpkg --print-architecture).deb" ] ||
		jb_die "no $debs/${p}_${version}_*.deb: run make deb first"
done

engine=$(jb_engine)
jb_base_image "$engine"
cache=$JB_DEPLOY_CACHE/apt-archives
mkdir -p "$cache/partial"
name=jobboard-deb-test-$$
trap '"$engine" rm -f "$name" >/dev/null 2>&1 || true' EXIT

jb_say "installing the packages in a fresh debian:bookworm-slim container ($engine)"
start=$(date +%s)
st=0
timeout "${JB_DEBTEST_TIMEOUT:-900}" "$engine" run --rm --name "$name" \
	--pull=never \
	-v "$debs:/debs:ro" \
	-v "$JB_DEPLOY/deb-test-inside.sh:/deb-test-inside.sh:ro" \
	-v "$cache:/var/cache/apt/archives" \
	-e JB_VERSION="$version" \
	docker.io/library/debian:bookworm-slim bash /deb-test-inside.sh || st=$?
jb_say "finished in $(( $(date +%s) - start )) s with status $st"
exit "$st"
