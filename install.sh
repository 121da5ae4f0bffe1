#!/bin/sh
# install.sh: installs tokenguard's build and test dependencies (Debian
# packages, with apt-get), builds tokenguard and installs it; optionally
# sets up tokenguard-watch (--with-watcher) and the pre-receive hook of a
# git server (--hook-server PATH); --uninstall undoes it. `./install.sh
# --help` says everything.
#
# Idempotent: only missing packages are installed (apt-get update runs
# only then), an existing user, configuration or hook is kept, and a
# second run changes nothing. apt-get, useradd and writes to directories
# that are not writable run through sudo when not root. Exit status: 0
# done, 1 packages could not be installed, the build or an install step
# failed, 2 bad usage.
set -eu

# Build dependencies, then what the tests and checks use: git, python3
# and its modules, rg (the benchmark's baseline), Alertmanager, and the
# git servers of the pre-receive scenarios (gitolite3 over OpenSSH's sshd,
# lighttpd for git http-backend) for the integration tests; groff-base (man page check), dpkg-dev (make deb),
# openssl (TLS tests); clang with its libFuzzer runtime (make fuzz),
# valgrind (make valgrind), cppcheck and clang-tidy (make lint);
# podman, buildah, skopeo, busybox-static and zstd (container image
# scans: images built in the tests, layers compressed for make bench);
# debootstrap and systemd-container (t-watch-systemd boots a Debian
# root), prometheus (promtool), prometheus-node-exporter and acl.
BUILD_PACKAGES="build-essential pkg-config libgit2-dev libpcre2-dev \
libcurl4-openssl-dev libssl-dev zlib1g-dev libjansson-dev libcmocka-dev \
libzxcvbn-dev libarchive-dev"
TEST_PACKAGES="git python3 python3-jsonschema python3-yaml ripgrep \
gitolite3 openssh-server lighttpd \
prometheus-alertmanager groff-base dpkg-dev openssl clang \
libclang-rt-14-dev valgrind cppcheck clang-tidy podman buildah skopeo \
busybox-static zstd debootstrap systemd-container prometheus \
prometheus-node-exporter acl"

# The hook-manager scenarios: Debian's pre-commit (the framework), and
# npm, from which they install husky and lefthook: Debian's npm, unless
# an npm is there already, such as the one in a NodeSource nodejs
# package (it conflicts with Debian's).
TEST_PACKAGES="$TEST_PACKAGES pre-commit"
command -v npm >/dev/null 2>&1 || TEST_PACKAGES="$TEST_PACKAGES npm"

# What --with-watcher sets up.
USER_NAME=tokenguard
STATE_DIR=/var/lib/tokenguard
CONF_DIR=/etc/tokenguard
UNIT=/etc/systemd/system/tokenguard-watch.service
UNIT_MARKER="# Installed by tokenguard's install.sh --with-watcher."

prog=install.sh
prefix=/usr/local
root=
deps=1
deps_only=0
with_watcher=0
hook_server=
uninstall=0
purge=0

usage() {
	cat <<EOF
usage: ./install.sh [--prefix DIR] [--root DIR] [--no-deps]
                    [--with-watcher] [--hook-server PATH]
       ./install.sh --uninstall [--purge] [--prefix DIR] [--root DIR]
                    [--hook-server PATH]
       ./install.sh --deps-only

Without a mode: installs the Debian packages tokenguard needs to build
and test (apt-get, only those missing), builds it with make and installs
the programs and man pages with make install:
  PREFIX/bin/tokenguard, tokenguard-pre-commit, tokenguard-pre-receive,
  tokenguard-watch; PREFIX/share/man/man{1,5,8}/tokenguard*.

  --prefix DIR   install under DIR (default /usr/local)
  --root DIR     install into DIR as if it were / (like make's DESTDIR),
                 for images, staging and tests: DIR/PREFIX/bin, DIR/etc,
                 DIR/var/lib; --with-watcher adds the user to
                 DIR/etc/passwd (useradd --root DIR; the files are
                 created empty when missing) and systemctl is not run
  --no-deps      skip the apt-get step (no network needed); the build
                 needs the packages listed below
  --deps-only    install the packages only; do not build or install

  --with-watcher
      Also sets up tokenguard-watch, the daemon for CI runner hosts:
        the system user tokenguard (no login, home /var/lib/tokenguard);
        the systemd unit /etc/systemd/system/tokenguard-watch.service,
          running PREFIX/bin/tokenguard-watch;
        the configuration /etc/tokenguard/watch.conf, from the example
          when there is none (an existing one is never overwritten;
          mode 0644: it holds no secret);
        the signing secret /etc/tokenguard/webhook.secret (root's, 0600,
          handed to the service by systemd) when there is none;
        the queue directory /var/lib/tokenguard/queue (0700, owned by
          tokenguard).
      Nothing is enabled or started: it prints how.

  --hook-server PATH
      Also installs the pre-receive hook that rejects pushes adding npm
      token material (tokenguard install --server), into PATH:
        a bare repository            PATH/hooks/pre-receive (an existing
                                     pre-receive is chained)
        a GitLab repository          PATH/custom_hooks/pre-receive.d/
          (gitlab.fullpath set in    tokenguard
          its config, or it has
          custom_hooks/)
        a Gitea or Forgejo           PATH/hooks/pre-receive.d/tokenguard
          repository (it has
          hooks/pre-receive.d/)
        a custom_hooks or            PATH/pre-receive.d/tokenguard or
          pre-receive.d directory    PATH/tokenguard (GitLab's
                                     server-wide custom_hooks_dir)
        gitolite's hooks/common     PATH/pre-receive (then run
                                     gitolite setup --hooks-only)
      The hook runs PREFIX/bin/tokenguard-pre-receive. Run as root, it is
      installed as the owner of PATH (the server's account). Not with
      --root.

  --uninstall
      Removes what install.sh installed under PREFIX (and --root): the
      programs, the man pages, the unit when it is install.sh's for this
      PREFIX, the configuration when it is still the example, and with
      --hook-server PATH the hook (putting back a chained one). Keeps the
      user, the queue and an edited configuration; says so.
  --purge        with --uninstall: also removes /etc/tokenguard/watch.conf,
                 /etc/tokenguard/webhook.secret,
                 /var/lib/tokenguard (the queue: undelivered findings
                 are lost) and the user and group tokenguard
  -h, --help     print this help

Examples:
  ./install.sh                          # deps, build, /usr/local
  ./install.sh --prefix ~/.local --no-deps
  sudo ./install.sh --with-watcher      # a CI runner host
  sudo ./install.sh --hook-server /srv/git/project.git
  sudo ./install.sh --uninstall --purge

Packages:
$(echo "$BUILD_PACKAGES $TEST_PACKAGES" | fold -s -w 72 | sed 's/ *$//; s/^/  /')
EOF
}

bad_usage() {
	printf '%s: %s\n' "$prog" "$1" >&2
	echo "usage: ./install.sh [--prefix DIR] [--root DIR] [--no-deps]" \
	    "[--with-watcher] [--hook-server PATH] [--uninstall [--purge]]" \
	    "[--deps-only] [--help]" >&2
	exit 2
}

die() {
	printf '%s: %s\n' "$prog" "$*" >&2
	exit 1
}

say() {
	printf '%s: %s\n' "$prog" "$*"
}

# The absolute form of path $1.
absolute() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s/%s\n' "$(pwd)" "$1" ;;
	esac
}

while [ $# -gt 0 ]; do
	case $1 in
	--prefix | --root | --hook-server)
		[ $# -ge 2 ] || bad_usage "$1 needs a directory"
		opt=$1
		val=$2
		shift 2
		;;
	--prefix=* | --root=* | --hook-server=*)
		opt=${1%%=*}
		val=${1#*=}
		shift
		;;
	--no-deps)
		deps=0
		shift
		continue
		;;
	--deps-only)
		deps_only=1
		shift
		continue
		;;
	--with-watcher)
		with_watcher=1
		shift
		continue
		;;
	--uninstall)
		uninstall=1
		shift
		continue
		;;
	--purge)
		purge=1
		shift
		continue
		;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		bad_usage "unknown option: $1"
		;;
	esac
	[ -n "$val" ] || bad_usage "empty $opt"
	case $opt in
	--prefix) prefix=$(absolute "$val") ;;
	--root) root=$(absolute "$val") ;;
	--hook-server) hook_server=$(absolute "$val") ;;
	esac
done
prefix=${prefix%/}
[ -n "$prefix" ] || bad_usage "--prefix /: use --prefix /usr"
root=${root%/}
if [ "$deps_only" = 1 ]; then
	[ "$deps" = 1 ] || bad_usage "--deps-only and --no-deps"
	if [ "$uninstall" = 1 ] || [ "$with_watcher" = 1 ] ||
	    [ -n "$hook_server" ]; then
		bad_usage "--deps-only goes alone"
	fi
fi
[ "$purge" = 0 ] || [ "$uninstall" = 1 ] ||
	bad_usage "--purge goes with --uninstall"
if [ -n "$hook_server" ] && [ -n "$root" ]; then
	bad_usage "--hook-server with --root: the hook would run programs \
from the --root directory"
fi

# Runs its arguments as root: directly, or through sudo.
as_root() {
	if [ "$(id -u)" = 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		die "not root and sudo is missing: cannot run: $*"
	fi
}

# Prints path $1, or its nearest existing parent when it does not exist.
existing() {
	e=$1
	while [ ! -e "$e" ]; do
		e=$(dirname "$e")
	done
	printf '%s\n' "$e"
}

# Runs its arguments directly when path $1 (or its nearest existing
# parent) is writable, else as root. $1 is not part of the command.
as_writer() {
	d=$(existing "$1")
	shift
	if [ -w "$d" ]; then
		"$@"
	else
		as_root "$@"
	fi
}

# as_owner PATH CMD...: runs CMD as the owner of PATH (or of its nearest
# existing parent): a git server's hooks are its account's files, and
# tokenguard install --server refuses another user's repository.
as_owner() {
	d=$(existing "$1")
	shift
	if [ "$(stat -c %u "$d")" = "$(id -u)" ]; then
		"$@"
	elif [ "$(id -u)" = 0 ]; then
		runuser -u "$(stat -c %U "$d")" -- "$@"
	else
		sudo -u "$(stat -c %U "$d")" -- "$@"
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
libpcre2-8, libcurl, libcrypto, zlib, jansson, cmocka), then rerun with
--no-deps:
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
		say "all packages are installed"
		return 0
	fi
	say "installing:$missing"
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

# make install or uninstall ($1) into $root$prefix, as root only when
# that is not writable. sudo drops the environment: BUILD is passed on.
run_make_install() {
	as_writer "$root$prefix" make --no-print-directory "$1" \
	    PREFIX="$prefix" DESTDIR="$root" ${BUILD:+BUILD="$BUILD"}
}

# True when the system user exists (in $root/etc/passwd with --root).
user_exists() {
	if [ -n "$root" ]; then
		grep -q "^$USER_NAME:" "$root/etc/passwd" 2>/dev/null
	else
		getent passwd "$USER_NAME" >/dev/null
	fi
}

# Prints field $2 of the entry of $USER_NAME in database $1.
user_field() {
	if [ -n "$root" ]; then
		grep "^$USER_NAME:" "$root/etc/$1" | cut -d: -f"$2"
	else
		getent "$1" "$USER_NAME" | cut -d: -f"$2"
	fi
}

add_user() {
	if user_exists; then
		say "user $USER_NAME: already there"
		return 0
	fi
	if [ -n "$root" ]; then
		# useradd --root needs the account files of the root.
		as_root mkdir -p "$root/etc"
		for f in passwd group shadow gshadow; do
			[ -e "$root/etc/$f" ] || as_root touch "$root/etc/$f"
		done
	fi
	group=--user-group
	if [ -n "$(user_field group 3)" ]; then
		group="--gid $USER_NAME"
	fi
	# shellcheck disable=SC2086 # $group is one or two words
	as_root useradd ${root:+--root "$root"} --system $group \
	    --no-create-home --home-dir "$STATE_DIR" \
	    --shell /usr/sbin/nologin --comment "tokenguard-watch daemon" \
	    "$USER_NAME" || die "could not create the user $USER_NAME"
	say "user $USER_NAME: created (system user, no login)"
}

# --with-watcher: the user, the unit, the configuration, the queue; as
# root (or through sudo).
setup_watcher() {
	add_user
	uid=$(user_field passwd 3)
	gid=$(user_field group 3)
	if [ -z "$uid" ] || [ -z "$gid" ]; then
		die "no user $USER_NAME"
	fi

	exec_start=ExecStart=$prefix/bin/tokenguard-watch
	unit=$(mktemp)
	{
		echo "$UNIT_MARKER"
		from=/usr/local/bin/tokenguard-watch
		to=$prefix/bin/tokenguard-watch
		sed "s|^\(Exec[A-Za-z]*=\)$from |\1$to |" \
		    watcher/tokenguard-watch.service
	} >"$unit"
	if ! grep -q "^$exec_start " "$unit"; then
		rm -f "$unit"
		die "watcher/tokenguard-watch.service: no ExecStart line"
	fi
	as_root install -D -m 0644 "$unit" "$root$UNIT"
	rm -f "$unit"
	say "installed $root$UNIT (not enabled)"

	conf=$root$CONF_DIR/watch.conf
	as_root install -d -m 0755 "$root$CONF_DIR"
	if [ -e "$conf" ]; then
		say "kept $conf"
	else
		as_root install -m 0644 -o 0 -g 0 \
		    watcher/watch.conf.example "$conf"
		say "installed $conf (from watcher/watch.conf.example)"
	fi
	secret=$root$CONF_DIR/webhook.secret
	if [ -e "$secret" ] || [ -L "$secret" ]; then
		say "kept $secret"
	else
		key=$(head -c 32 /dev/urandom | base64 -w 0) ||
		    die "cannot make a secret"
		printf 'whsec_%s\n' "$key" |
		    as_root install -m 0600 -o 0 -g 0 /dev/stdin "$secret" ||
		    die "cannot write $secret"
		say "made the signing secret $secret (root's, 0600)"
	fi

	for d in "$root$STATE_DIR" "$root$STATE_DIR/queue"; do
		as_root install -d -m 0700 -o "$uid" -g "$gid" "$d"
	done
	say "queue directory $root$STATE_DIR/queue (0700, $USER_NAME)"

	if [ -z "$root" ] && [ -d /run/systemd/system ]; then
		as_root systemctl daemon-reload
	fi
	cat <<EOF
$prog: tokenguard-watch is not enabled. To run it:
  1. set the trees to watch and the webhook in $CONF_DIR/watch.conf:
       git config -f $CONF_DIR/watch.conf --replace-all watch.path \\
           /home/gitlab-runner/builds
       git config -f $CONF_DIR/watch.conf webhook.url \\
           https://alerts.example.com/hooks/tokenguard
  2. give the receiver the signing secret: cat $CONF_DIR/webhook.secret
  3. systemctl enable --now tokenguard-watch
     (journalctl -u tokenguard-watch shows what it does)
  docs/watcher.md ("Setting it up") has the metrics set-up too.
EOF
}

# The --hook-server target for tokenguard install --server: GitLab
# repositories get custom_hooks/ (Gitaly runs custom_hooks/pre-receive.d/*
# and ignores hooks/); tokenguard finds Gitea's hooks/pre-receive.d itself.
hook_target() {
	p=$hook_server
	case ${p%/} in
	*/pre-receive.d | */custom_hooks)
		kind="a hooks directory"
		;;
	*/hooks/common)
		kind="gitolite's common hooks"
		;;
	*)
		if [ ! -d "$p" ]; then
			die "--hook-server: no directory $p"
		fi
		if [ -d "$p/custom_hooks" ] ||
		    git config -f "$p/config" --get gitlab.fullpath \
		    >/dev/null 2>&1; then
			kind="a GitLab repository"
			p=${p%/}/custom_hooks
		elif [ -d "$p/hooks/pre-receive.d" ]; then
			kind="a Gitea or Forgejo repository"
		else
			kind="a repository"
		fi
		;;
	esac
	target=$p
}

# --hook-server: tokenguard install --server, from the installed program.
setup_hook() {
	hook_target
	tg=$prefix/bin/tokenguard
	[ -x "$tg" ] || die "$tg is missing"
	say "$hook_server: $kind"
	# As the repository's owner, who runs its hooks.
	if ! as_owner "$target" "$tg" install --server "$target"; then
		die "could not install the pre-receive hook into $target"
	fi
}

do_uninstall() {
	if [ -n "$hook_server" ]; then
		hook_target
		tg=$root$prefix/bin/tokenguard
		[ -x "$tg" ] || tg=${BUILD:-build/release}/tokenguard
		[ -x "$tg" ] || die "no tokenguard program to uninstall the hook"
		as_owner "$target" "$tg" install --server "$target" \
		    --uninstall || die "could not remove the hook from $target"
	fi

	say "removing the programs and man pages from $root$prefix"
	run_make_install uninstall >/dev/null || die "make uninstall failed"

	# The unit, when it is ours and runs this prefix's program.
	if [ -f "$root$UNIT" ] && grep -q -x -F "$UNIT_MARKER" "$root$UNIT" &&
	    grep -q "^ExecStart=$prefix/bin/tokenguard-watch " "$root$UNIT"
	then
		as_writer "$root$UNIT" rm -f "$root$UNIT"
		say "removed $root$UNIT"
		if [ -z "$root" ] && [ -d /run/systemd/system ]; then
			as_root systemctl daemon-reload
		fi
	fi
	# Older install.sh versions put the example here.
	if cmp -s watcher/watch.conf.example \
	    "$root$CONF_DIR/watch.conf.example"; then
		as_writer "$root$CONF_DIR" rm -f \
		    "$root$CONF_DIR/watch.conf.example"
	fi

	conf=$root$CONF_DIR/watch.conf
	if [ -f "$conf" ]; then
		if [ "$purge" = 1 ] ||
		    as_root cmp -s watcher/watch.conf.example "$conf"; then
			as_writer "$conf" rm -f "$conf"
			say "removed $conf"
		else
			say "kept $conf (edited; --purge removes it)"
		fi
	fi
	secret=$root$CONF_DIR/webhook.secret
	if [ -f "$secret" ]; then
		if [ "$purge" = 1 ]; then
			as_writer "$secret" rm -f "$secret"
			say "removed $secret"
		else
			say "kept $secret (--purge removes it)"
		fi
	fi
	if [ -d "$root$CONF_DIR" ]; then
		as_writer "$root$CONF_DIR" rmdir "$root$CONF_DIR" \
		    2>/dev/null || true
	fi

	if [ "$purge" = 1 ]; then
		if [ -d "$root$STATE_DIR" ]; then
			as_writer "$root$STATE_DIR" rm -rf "$root$STATE_DIR"
			say "removed $root$STATE_DIR"
		fi
		if user_exists; then
			as_root userdel ${root:+--root "$root"} "$USER_NAME" ||
			    die "could not remove the user $USER_NAME"
			say "removed the user $USER_NAME"
		fi
		if [ -n "$(user_field group 3)" ]; then
			as_root groupdel ${root:+--root "$root"} \
			    "$USER_NAME" || die "could not remove the group"
		fi
	else
		if [ -d "$root$STATE_DIR" ]; then
			say "kept $root$STATE_DIR (the queue; --purge removes it)"
		fi
		if user_exists; then
			say "kept the user $USER_NAME (--purge removes it)"
		fi
	fi
}

cd "$(dirname "$0")"

if [ "$uninstall" = 1 ]; then
	do_uninstall
	exit 0
fi

if [ "$deps" = 1 ]; then
	install_packages
else
	say "skipping the packages (--no-deps)"
fi
if [ "$deps_only" = 1 ]; then
	exit 0
fi

jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
say "building"
make --no-print-directory -j"$jobs" programs || die "the build failed"

say "installing into $root$prefix"
run_make_install install || die "make install failed"

if [ "$with_watcher" = 1 ]; then
	setup_watcher
fi
if [ -n "$hook_server" ]; then
	setup_hook
fi

say "installed:"
for f in "$root$prefix"/bin/tokenguard*; do
	if [ -f "$f" ]; then
		echo "  $f"
	fi
done
if [ -z "$root" ]; then
	case ":$PATH:" in
	*":$prefix/bin:"*) say "try: tokenguard scan ." ;;
	*) say "try: $prefix/bin/tokenguard scan ." ;;
	esac
fi
