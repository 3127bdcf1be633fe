#!/usr/bin/env bash
# make dist: check META.json (deploy/meta-check.pl, and that the checker
# refuses broken copies), then write jobboard-<version>.zip, the PGXN release
# archive, with git archive from HEAD (committed files only; a warning when
# the work tree has changes), and check that the extension builds from it.
# <version> is META.json's (the control file's X.Y as SemVer X.Y.0).
set -euo pipefail
JB_PROG=dist
. "$(dirname "$0")/lib.sh"
cd "$JB_ROOT"

command -v zip >/dev/null && command -v unzip >/dev/null || jb_deploy_deps zip unzip
deploy/meta-check.pl >"${TMPDIR:-/tmp}/jobboard-meta.$$" 2>&1 || {
	cat "${TMPDIR:-/tmp}/jobboard-meta.$$"; rm -f "${TMPDIR:-/tmp}/jobboard-meta.$$"
	jb_die "META.json does not follow the PGXN meta spec (see above)"
}
tail -n1 "${TMPDIR:-/tmp}/jobboard-meta.$$" | sed 's/^/dist: META.json: /' >&2
rm -f "${TMPDIR:-/tmp}/jobboard-meta.$$"
deploy/meta-check.pl --self-test >/dev/null || jb_die "deploy/meta-check.pl --self-test failed"

version=$(perl -MJSON::PP -e 'local $/; print JSON::PP->new->decode(<STDIN>)->{version}' <META.json)
name=jobboard-$version
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
	jb_say "warning: the work tree has uncommitted changes; the archive holds HEAD ($(git rev-parse --short HEAD)) only"
fi
git archive --format=zip --prefix="$name/" -o "$name.zip" HEAD
jb_say "wrote $name.zip ($(du -k "$name.zip" | cut -f1) KiB, $(unzip -Z1 "$name.zip" | grep -vc '/$') files)"

# the archive alone builds the extension (PGXS), as PGXN's client would
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jobboard-dist.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT
unzip -q "$name.zip" -d "$tmp"
for f in META.json Makefile extension/jobboard.control extension/Makefile README.md; do
	[ -f "$tmp/$name/$f" ] || jb_die "$name.zip lacks $f"
done
pg_config=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
if make -C "$tmp/$name/extension" PG_CONFIG="$pg_config" >"$tmp/build.log" 2>&1 &&
	[ -f "$tmp/$name/extension/jobboard.so" ] &&
	[ -f "$tmp/$name/extension/jobboard--$(jb_extversion).sql" ]; then
	jb_say "the extension builds from $name.zip"
else
	tail -n 30 "$tmp/build.log" >&2
	jb_die "the extension does not build from $name.zip"
fi
