#!/bin/sh
# install.sh: installs tokenguard's build and test dependencies (Debian
# packages, with apt-get), builds tokenguard and installs it.
#
# Usage: ./install.sh [--prefix DIR] [--deps-only] [--help]
#
# Only missing packages are installed (apt-get update runs only then), so
# a second run is quick. apt-get runs through sudo when not root. Exit
# status: 0 done, 1 packages could not be installed or the build failed,
# 2 bad usage.
set -eu

# Build dependencies, then what the tests use.
BUILD_PACKAGES="build-essential pkg-config libgit2-dev libpcre2-dev \
libcurl4-openssl-dev libssl-dev zlib1g-dev libjansson-dev libcmocka-dev"
TEST_PACKAGES="git python3 python3-jsonschema ripgrep prometheus-alertmanager"

prog=install.sh
prefix=/usr/local
deps_only=0

usage() {
	cat <<EOF
usage: ./install.sh [--prefix DIR] [--deps-only] [--help]

Installs the Debian packages tokenguard needs to build and test
(apt-get, only those missing; through sudo when not root), builds it
with make and installs it with make install.

  --prefix DIR  install under DIR (default /usr/local): DIR/bin/tokenguard
  --deps-only   install the packages only; do not build or install
  -h, --help    print this help

Packages: $BUILD_PACKAGES $TEST_PACKAGES
EOF
}

bad_usage() {
	printf '%s: %s\n' "$prog" "$1" >&2
	echo "usage: ./install.sh [--prefix DIR] [--deps-only] [--help]" >&2
	exit 2
}

die() {
	printf '%s: %s\n' "$prog" "$*" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case $1 in
	--prefix)
		[ $# -ge 2 ] || bad_usage "--prefix needs a directory"
		prefix=$2
		shift 2
		;;
	--prefix=*)
		prefix=${1#--prefix=}
		shift
		;;
	--deps-only)
		deps_only=1
		shift
		;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		bad_usage "unknown option: $1"
		;;
	esac
done
[ -n "$prefix" ] || bad_usage "empty --prefix"
case $prefix in
/*) ;;
*) prefix=$(pwd)/$prefix ;;
esac

# Runs its arguments as root: directly, or through sudo.
as_root() {
	if [ "$(id -u)" = 0 ]; then
		"$@"
	else
		sudo "$@"
	fi
}

# True when package $1 is in $installed. Test tools count as installed
# when the command is on PATH (a python3 from pyenv will do).
have_package() {
	case $1 in
	python3 | git) command -v "$1" >/dev/null 2>&1 && return 0 ;;
	ripgrep) command -v rg >/dev/null 2>&1 && return 0 ;;
	esac
	case " $installed " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

install_packages() {
	if ! command -v apt-get >/dev/null 2>&1 ||
	    ! command -v dpkg-query >/dev/null 2>&1; then
		cat >&2 <<EOF
$prog: apt-get not found: this is not a Debian-like system.
Install these by hand (names as in Debian; pkg-config names libgit2,
libpcre2-8, libcurl, libcrypto, zlib, jansson, cmocka), then rerun:
  a C11 compiler and make, pkg-config, libgit2, PCRE2 (8-bit),
  libcurl, OpenSSL libcrypto, zlib, jansson, cmocka, git, python3,
  ripgrep
  ($BUILD_PACKAGES $TEST_PACKAGES)
EOF
		exit 1
	fi
	# One dpkg-query for all: the installed ones, by name.
	# shellcheck disable=SC2086 # lists of words
	installed=$(dpkg-query -W -f='${Package} ${Status}\n' \
	    $BUILD_PACKAGES $TEST_PACKAGES 2>/dev/null |
	    awk '$NF == "installed" && $(NF - 2) == "install" { print $1 }' |
	    tr '\n' ' ')
	missing=
	for p in $BUILD_PACKAGES $TEST_PACKAGES; do
		have_package "$p" || missing="$missing $p"
	done
	if [ -z "$missing" ]; then
		echo "$prog: all packages are installed"
		return 0
	fi
	echo "$prog: installing:$missing"
	if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null 2>&1; then
		die "not root and sudo is missing: as root, run
  apt-get update && apt-get install -y$missing"
	fi
	# shellcheck disable=SC2086 # $missing is a list of words
	if ! as_root apt-get update ||
	    ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y \
	    --no-install-recommends $missing; then
		die "could not install the packages; as root, run
  apt-get update && apt-get install -y$missing"
	fi
}

install_packages
if [ "$deps_only" = 1 ]; then
	exit 0
fi

cd "$(dirname "$0")"
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
echo "$prog: building"
make -j"$jobs" || die "the build failed"

# make install as root only when the prefix is not writable.
dir=$prefix
while [ ! -d "$dir" ]; do
	dir=$(dirname "$dir")
done
echo "$prog: installing into $prefix"
if [ -w "$dir" ] && { [ ! -d "$prefix/bin" ] || [ -w "$prefix/bin" ]; }
then
	make install PREFIX="$prefix" || die "make install failed"
elif [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then
	# sudo drops the environment: pass BUILD on, if it was set.
	sudo make install PREFIX="$prefix" ${BUILD:+BUILD="$BUILD"} ||
		die "make install failed"
else
	die "cannot write to $prefix: choose another --prefix"
fi

# tokenguard-watch: its systemd unit (ExecStart pointing at what was just
# installed), an example configuration and the service user. Not
# enabled: see README.md, "The watcher".
if [ -d /run/systemd/system ] &&
    { [ "$(id -u)" = 0 ] || command -v sudo >/dev/null 2>&1; }; then
	unit=$(mktemp)
	sed "s|/usr/local/bin/tokenguard-watch|$prefix/bin/tokenguard-watch|" \
	    watcher/tokenguard-watch.service >"$unit"
	as_root install -D -m 0644 "$unit" \
	    /etc/systemd/system/tokenguard-watch.service
	rm -f "$unit"
	as_root install -D -m 0644 watcher/watch.conf.example \
	    /etc/tokenguard/watch.conf.example
	if ! getent passwd tokenguard-watch >/dev/null; then
		as_root useradd --system --user-group --no-create-home \
		    --home-dir /var/lib/tokenguard --shell /usr/sbin/nologin \
		    tokenguard-watch
	fi
	as_root systemctl daemon-reload
	echo "$prog: installed tokenguard-watch.service (not enabled)"
fi

echo "$prog: installed:"
for f in "$prefix"/bin/tokenguard*; do
	if [ -f "$f" ]; then
		echo "  $f"
	fi
done
case ":$PATH:" in
*":$prefix/bin:"*) echo "$prog: try: tokenguard scan ." ;;
*) echo "$prog: try: $prefix/bin/tokenguard scan ." ;;
esac
