#!/usr/bin/env bash
# make images: build jobboard-postgres and jobboard-http, and jobboard-nginx
# for deploy/k8s (deploy/{postgres,http,nginx}.Containerfile) with podman, or
# docker when podman is absent, from a clean copy of the work tree (tracked
# and new files, no build outputs). Tags: localhost/jobboard-<name>:<version>
# and :latest. The base image debian:bookworm-slim is made with debootstrap
# when no registry has it (CONTAINERS.md).
set -euo pipefail
JB_PROG=images
. "$(dirname "$0")/lib.sh"

engine=$(jb_engine)
jb_base_image "$engine"
version=$(jb_extversion)

ctx=$(mktemp -d "${TMPDIR:-/tmp}/jobboard-images.XXXXXX")
trap 'rm -rf -- "$ctx"' EXIT
(cd "$JB_ROOT" && git ls-files -co --exclude-standard -z -- extension shim deploy |
	xargs -0 tar -c --no-recursion --ignore-failed-read -f - 2>/dev/null) | tar -x -C "$ctx"

pull=()
# docker format: the OCI format has no HEALTHCHECK
[ "$engine" = podman ] && pull=(--pull=never --format docker)
for name in postgres http nginx; do
	start=$(date +%s)
	jb_say "building localhost/jobboard-$name:$version ($engine)"
	if ! "$engine" build "${pull[@]}" -f "$ctx/deploy/$name.Containerfile" \
		--build-arg JOBBOARD_VERSION="$version" \
		-t "localhost/jobboard-$name:$version" -t "localhost/jobboard-$name:latest" \
		"$ctx" >"$ctx/build-$name.log" 2>&1; then
		tail -n 40 "$ctx/build-$name.log" >&2
		jb_die "building jobboard-$name failed"
	fi
	size=$("$engine" image inspect --format '{{.Size}}' "localhost/jobboard-$name:$version")
	jb_say "built localhost/jobboard-$name:$version in $(( $(date +%s) - start )) s ($((size / 1024 / 1024)) MiB)"
done
