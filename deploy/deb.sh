#!/usr/bin/env bash
# make deb: build the Debian packages postgresql-15-jobboard and jobboard-http
# with debhelper (debian/), from a copy of the work tree (tracked and new,
# not ignored files), so the build neither cleans nor dirties the developer's
# tree. The .deb files land in deploy/out/deb/.
set -euo pipefail
JB_PROG=deb
. "$(dirname "$0")/lib.sh"

"$JB_ROOT/scripts/deps.sh"           # the build dependencies of the project
jb_deploy_deps                       # debhelper, devscripts, lintian, ...

version=$(jb_extversion)
changelog_version=$(dpkg-parsechangelog -l "$JB_ROOT/debian/changelog" -S Version)
if [ "$changelog_version" != "$version" ]; then
	jb_die "debian/changelog is at $changelog_version but extension/jobboard.control at $version; add an entry: dch -c debian/changelog -v $version 'New upstream version.'"
fi

out=$JB_DEPLOY/out/deb
work=$(mktemp -d "${TMPDIR:-/tmp}/jobboard-deb.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
src=$work/jobboard-$version
mkdir -p "$src"
(cd "$JB_ROOT" && git ls-files -co --exclude-standard -z |
	xargs -0 tar -c --no-recursion --ignore-failed-read -f - 2>/dev/null) | tar -x -C "$src"

jb_say "building $version in $src"
(cd "$src" && dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1 || {
	tail -n 40 "$work/build.log" >&2
	jb_die "dpkg-buildpackage failed"
}
rm -rf "$out"
mkdir -p "$out"
cp "$work"/*.deb "$work"/*.buildinfo "$work"/*.changes "$out"/
cp "$work/build.log" "$out/build.log"

# lintian's findings are printed, not fatal: the project has no license yet
# and no real maintainer address, which it reports.
if command -v lintian >/dev/null; then
	lintian --tag-display-limit 0 "$out"/*.changes >"$out/lintian.txt" 2>&1 || true
	if [ -s "$out/lintian.txt" ]; then
		jb_say "lintian says (deploy/out/deb/lintian.txt):"
		sed 's/^/  /' "$out/lintian.txt" >&2
	fi
fi
for d in "$out"/*.deb; do
	jb_say "built ${d#"$JB_ROOT"/} ($(du -k "$d" | cut -f1) KiB)"
done
