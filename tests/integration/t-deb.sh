#!/bin/sh
# make deb builds a Debian package that installs and works:
#  - the control fields: version from common/version.h, architecture from
#    dpkg, Depends on the linked libraries; the contents: the programs,
#    the man pages of man/, the unit, /etc/tokenguard/watch.conf (a
#    conffile, 0644: it holds no secret); Depends has git and acl (the
#    watcher's set-up); the copyright file has the MIT licence of LICENSE;
#  - installed, tokenguard --version runs and a scan finds a generated
#    token (exit 1); the system user tokenguard exists, with the queue
#    directory (0700) and the signing secret (root's, 0600); the unit
#    is there and not enabled;
#  - installing again keeps an edited conffile and the secret, adds no
#    second user;
#  - purging removes the files, the queue, the secret and the user.
# By default the package goes into a scratch root: dpkg --root with
# --force-script-chrootless (the maintainer scripts run outside a chroot
# with DPKG_ROOT set; useradd --root puts the user into the scratch
# root's /etc/passwd) and --force-depends (the scratch root has no
# packages). With TG_TEST_SYSTEM_INSTALL=1 (throwaway machines only) it
# is installed on the machine with dpkg -i and purged at the end.
. "$(dirname "$0")/lib.sh"

TOP=$(cd "$TESTS_DIR/../.." && pwd) || fail "no source tree"
# make deb packages the programs of BUILD: it must be a real build
# directory, not the wrappers of VALGRIND=1 (make would build into it).
if [ ! -f "$BUILD/libtokenguard.a" ]; then
	note "t-deb: $BUILD is not a build directory: skipped"
	exit 0
fi
for tool in dpkg dpkg-deb make; do
	command -v "$tool" >/dev/null 2>&1 || {
		note "t-deb: $tool is missing (Debian: dpkg-dev): skipped"
		exit 0
	}
done
command -v dpkg-shlibdeps >/dev/null 2>&1 ||
    note "t-deb: dpkg-shlibdeps is missing (dpkg-dev): fixed Depends"

# The package, from the programs in $BUILD (make deb rebuilds nothing
# that is up to date), into the scratch directory.
CMD_TIMEOUT=600 assert_status 0 make -C "$TOP" --no-print-directory \
    BUILD="$BUILD" DEBDIR="$scratch/deb" deb
version=$(sed -n 's/^#define TOKENGUARD_VERSION "\([^"]*\)"$/\1/p' \
    "$TOP/common/version.h")
arch=$(dpkg --print-architecture)
deb=$scratch/deb/tokenguard_${version}_${arch}.deb
[ -f "$deb" ] || fail "no $deb"
grep -q -x -F -e "$deb" "$OUT" || fail "make deb did not print $deb"

# Control fields.
[ "$(dpkg-deb -f "$deb" Package)" = tokenguard ] || fail "Package"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "Version"
[ "$(dpkg-deb -f "$deb" Architecture)" = "$arch" ] || fail "Architecture"
dpkg-deb -f "$deb" Depends >depends || fail "Depends"
for lib in libgit2-1.5 libpcre2-8-0 libcurl4 libssl3 zlib1g libjansson4 \
    passwd git acl; do
	grep -E -q "(^|, )$lib( |,|\$)" depends ||
	    fail "Depends lacks $lib: $(cat depends)"
done
dpkg-deb -I "$deb" conffiles >conffiles.out || fail "no conffiles"
[ "$(cat conffiles.out)" = /etc/tokenguard/watch.conf ] ||
    fail "conffiles: $(cat conffiles.out)"

# Contents: names, and the modes that matter.
dpkg-deb -c "$deb" | awk '{ print $1, $2, $6 }' >contents ||
    fail "dpkg-deb -c"
for p in tokenguard tokenguard-pre-commit tokenguard-pre-receive \
    tokenguard-watch; do
	assert_contains contents "-rwxr-xr-x root/root ./usr/bin/$p"
done
assert_contains contents \
    "-rw-r--r-- root/root ./lib/systemd/system/tokenguard-watch.service"
assert_contains contents "-rw-r--r-- root/root ./etc/tokenguard/watch.conf"
assert_contains contents "./usr/share/doc/tokenguard/copyright"
assert_contains contents "./usr/share/doc/tokenguard/README.md.gz"
for f in "$TOP"/docs/*.md; do
	assert_contains contents "./usr/share/doc/tokenguard/docs/${f##*/}.gz"
done
dpkg-deb --fsys-tarfile "$deb" |
    tar -xOf - ./usr/share/doc/tokenguard/copyright >copyright ||
    fail "no copyright file"
assert_contains copyright "Copyright: 2026 the tokenguard authors"
assert_contains copyright "License: Expat"
assert_contains "$TOP/LICENSE" "Copyright (c) 2026 the tokenguard authors"
# The licence text, word for word, is the one of LICENSE.
[ "$(sed -n '/^ Permission is hereby/,$p' copyright |
    sed 's/^ //; s/^\.$//' | tr -s ' \n' '  ')" = \
    "$(sed -n '/^Permission is hereby/,$p' "$TOP/LICENSE" |
    tr -s ' \n' '  ')" ] || fail "the copyright file's licence is not LICENSE's"
dpkg-deb -f "$deb" >control.txt || fail "dpkg-deb -f"
assert_not_contains control.txt "Homepage:"
pages=0
for page in "$TOP"/man/*.[158]; do
	[ -f "$page" ] || continue
	name=$(basename "$page")
	assert_contains contents \
	    "./usr/share/man/man${name##*.}/$name.gz"
	pages=$((pages + 1))
done
[ "$pages" -gt 0 ] || note "t-deb: no man pages in man/ yet"
if grep -q -e '/etc/systemd/' -e '\.wants/' contents; then
	fail "the package enables something: $(grep -e '\.wants/' contents)"
fi

tok=$(gen_token 7707) || fail "gen_token"
printf '//registry.npmjs.org/:_authToken=%s\n' "$tok" >leak.npmrc

# dpkg_do ARGS...: dpkg on the scratch root, or on the machine.
if [ "${TG_TEST_SYSTEM_INSTALL-}" = 1 ]; then
	[ "$(id -u)" = 0 ] || fail "TG_TEST_SYSTEM_INSTALL=1 needs root"
	if dpkg-query -W -f='${Status}' tokenguard 2>/dev/null |
	    grep -q -v 'not-installed'; then
		fail "tokenguard is already installed here: not touching it"
	fi
	getent passwd tokenguard >/dev/null &&
	    fail "a user tokenguard already exists here: not touching it"
	root=
	dpkg_do()
	{
		run_cmd dpkg "$@"
	}
	# Purge whatever happens, then the scratch directory.
	trap 'dpkg --purge tokenguard >/dev/null 2>&1; _lib_cleanup' EXIT
	note "t-deb: installing on this machine (TG_TEST_SYSTEM_INSTALL=1)"
else
	if [ "$(id -u)" != 0 ]; then
		note "t-deb: not root: package built, not installed"
		exit 0
	fi
	command -v useradd >/dev/null 2>&1 ||
	    fail "useradd is missing (Debian: passwd)"
	root=$scratch/root
	mkdir -p "$root/etc" "$root/var/lib/dpkg/info" \
	    "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers" ||
	    fail "mkdir"
	: >"$root/var/lib/dpkg/status"
	for f in passwd group shadow gshadow; do
		: >"$root/etc/$f" || fail "$f"
	done
	chmod 0640 "$root/etc/shadow" "$root/etc/gshadow"
	host_user=$(getent passwd tokenguard)
	dpkg_do()
	{
		run_cmd dpkg --root="$root" --log="$scratch/dpkg.log" \
		    --force-script-chrootless --force-depends \
		    --path-include='*' "$@"
	}
fi

# user_field N: field N of the tokenguard user's passwd line.
user_field()
{
	if [ -n "$root" ]; then
		grep '^tokenguard:' "$root/etc/passwd" | cut -d: -f"$1"
	else
		getent passwd tokenguard | cut -d: -f"$1"
	fi
}

group_id()
{
	if [ -n "$root" ]; then
		grep '^tokenguard:' "$root/etc/group" | cut -d: -f3
	else
		getent group tokenguard | cut -d: -f3
	fi
}

# unit_enabled: prints systemctl's view of the unit, when it has one.
unit_enabled()
{
	command -v systemctl >/dev/null 2>&1 || return 0
	if [ -n "$root" ]; then
		systemctl --root="$root" is-enabled tokenguard-watch.service \
		    2>/dev/null
	elif [ -d /run/systemd/system ]; then
		systemctl is-enabled tokenguard-watch.service 2>/dev/null
	fi
}

check_installed()
{
	# The programs, from where the package put them.
	assert_status 0 "$root/usr/bin/tokenguard" --version
	assert_contains "$OUT" "tokenguard $version"
	assert_status 0 "$root/usr/bin/tokenguard-watch" --version
	assert_status 1 "$root/usr/bin/tokenguard" scan leak.npmrc
	assert_contains "$OUT" "leak.npmrc:1:"
	assert_contains "$OUT" "npm-token"
	assert_status 0 "$root/usr/bin/tokenguard-pre-commit" --help
	for page in "$TOP"/man/*.[158]; do
		[ -f "$page" ] || continue
		name=$(basename "$page")
		[ -f "$root/usr/share/man/man${name##*.}/$name.gz" ] ||
		    [ -z "$root" ] || fail "man page $name not installed"
	done

	# The user: a system account that cannot log in.
	uid=$(user_field 3)
	[ -n "$uid" ] || fail "no user tokenguard"
	[ "$uid" -lt 1000 ] || fail "tokenguard is not a system user ($uid)"
	[ "$(user_field 7)" = /usr/sbin/nologin ] ||
	    fail "tokenguard's shell: $(user_field 7)"
	[ "$(user_field 6)" = /var/lib/tokenguard ] ||
	    fail "tokenguard's home: $(user_field 6)"
	gid=$(group_id)
	[ -n "$gid" ] || fail "no group tokenguard"
	[ "$(user_field 4)" = "$gid" ] || fail "tokenguard's group"
	if [ -n "$root" ]; then
		[ "$(getent passwd tokenguard)" = "$host_user" ] ||
		    fail "the machine's users changed"
	fi

	# The queue: the user's alone. The configuration: root's, readable
	# by all. The secret: root's alone, a whsec_ key.
	for d in /var/lib/tokenguard /var/lib/tokenguard/queue; do
		[ "$(stat -c '%a %u %g' "$root$d")" = "700 $uid $gid" ] ||
		    fail "$d: $(stat -c '%a %u %g' "$root$d")"
	done
	[ "$(stat -c '%a %u %g' "$root/etc/tokenguard/watch.conf")" = \
	    "644 0 0" ] || fail "watch.conf: $(stat -c '%a %u %g' \
	    "$root/etc/tokenguard/watch.conf")"
	secret=$root/etc/tokenguard/webhook.secret
	[ "$(stat -c '%a %u %g' "$secret")" = "600 0 0" ] ||
	    fail "webhook.secret: $(stat -c '%a %u %g' "$secret")"
	grep -E -q '^whsec_[A-Za-z0-9+/]{43}=$' "$secret" ||
	    fail "webhook.secret is not a whsec_ key"

	# The unit, installed, running the packaged program, not enabled.
	unit=$root/lib/systemd/system/tokenguard-watch.service
	[ -f "$unit" ] || fail "no $unit"
	assert_contains "$unit" "ExecStart=/usr/bin/tokenguard-watch "
	assert_contains "$unit" "User=tokenguard"
	for link in "$root"/etc/systemd/system/*.wants/tokenguard-watch.service
	do
		[ -e "$link" ] || [ -L "$link" ] || continue
		fail "the unit is enabled: $link"
	done
	state=$(unit_enabled)
	case $state in
	"" | disabled) ;;
	*) fail "systemctl is-enabled tokenguard-watch: $state" ;;
	esac
	if [ -z "$root" ] && [ -d /run/systemd/system ] &&
	    systemctl is-active --quiet tokenguard-watch.service; then
		fail "tokenguard-watch was started"
	fi

	dpkg-query ${root:+--admindir="$root/var/lib/dpkg"} -W \
	    -f='${Status}\n${Conffiles}\n' tokenguard >status ||
	    fail "dpkg-query"
	assert_contains status "install ok installed"
	assert_contains status " /etc/tokenguard/watch.conf "
}

dpkg_do -i "$deb"
[ "$STATUS" = 0 ] || { cat "$ERR" >&2; fail "dpkg -i failed ($STATUS)"; }
check_installed
first_uid=$uid
first_secret=$(cat "$root/etc/tokenguard/webhook.secret")

# Again, with the configuration edited: kept (no question asked: stdin
# is /dev/null), and still one user with the same id.
echo '# edited by the admin' >>"$root/etc/tokenguard/watch.conf" ||
    fail "edit"
dpkg_do -i "$deb"
[ "$STATUS" = 0 ] || { cat "$ERR" >&2; fail "reinstall failed ($STATUS)"; }
check_installed
assert_contains "$root/etc/tokenguard/watch.conf" "# edited by the admin"
[ "$uid" = "$first_uid" ] || fail "the user changed: $first_uid -> $uid"
[ "$(cat "$root/etc/tokenguard/webhook.secret")" = "$first_secret" ] ||
    fail "the secret changed on reinstall"
if [ -n "$root" ]; then
	[ "$(grep -c '^tokenguard:' "$root/etc/passwd")" = 1 ] ||
	    fail "two tokenguard users"
fi

# Purge: the files, the configuration, the queue, the user are gone.
dpkg_do --purge tokenguard
[ "$STATUS" = 0 ] || { cat "$ERR" >&2; fail "purge failed ($STATUS)"; }
for f in /usr/bin/tokenguard /lib/systemd/system/tokenguard-watch.service \
    /etc/tokenguard /var/lib/tokenguard; do
	[ ! -e "$root$f" ] || fail "$f is still there after purge"
done
[ -z "$(user_field 1)" ] || fail "the user is still there after purge"
[ -z "$(group_id)" ] || fail "the group is still there after purge"
exit 0
