#!/bin/sh
# install.sh --uninstall removes what install.sh installed: programs, man
# pages, the unit (--with-watcher), the configuration while it is still
# the example; it keeps an edited configuration, the queue, the user
# and the signing secret and says so; --uninstall --purge removes those
# too. Uninstalling twice is fine. As root, into a scratch --root (useradd/userdel --root); not
# root, the --prefix part only.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/installlib.sh"

# --prefix, no watcher: everything goes, the prefix's other files stay.
prefix=$scratch/prefix
mkdir -p "$prefix/bin" && echo mine >"$prefix/bin/other" || fail "mkdir"
install_ok --no-deps --prefix "$prefix"
assert_installed "$prefix"
install_ok --uninstall --prefix "$prefix"
assert_not_installed "$prefix"
[ -f "$prefix/bin/other" ] || fail "removed a file it did not install"
install_ok --uninstall --prefix "$prefix"

[ "$(id -u)" = 0 ] || {
	note "t-install-uninstall: not root: --with-watcher part skipped"
	exit 0
}
need_root

# --with-watcher, then --uninstall: the unit and the unedited
# configuration go; the user, the queue and the signing secret stay.
root=$scratch/root
unit=$root/etc/systemd/system/tokenguard-watch.service
install_ok --no-deps --root "$root" --with-watcher
[ -f "$unit" ] || fail "no unit"
install_ok --uninstall --root "$root"
assert_not_installed "$root/usr/local"
[ ! -e "$unit" ] || fail "the unit is still there"
# The signing secret stays (receivers verify with it), alone.
[ "$(ls -A "$root/etc/tokenguard")" = webhook.secret ] ||
    fail "etc/tokenguard: $(ls -A "$root/etc/tokenguard")"
assert_contains "$IOUT" "kept $root/etc/tokenguard/webhook.secret (--purge removes it)"
grep -q '^tokenguard:' "$root/etc/passwd" || fail "the user was removed"
[ -d "$root/var/lib/tokenguard/queue" ] || fail "the queue was removed"
assert_contains "$IOUT" "kept the user tokenguard (--purge removes it)"
assert_contains "$IOUT" "--purge removes it"

# An edited configuration is kept by --uninstall.
install_ok --no-deps --root "$root" --with-watcher
echo "# edited" >>"$root/etc/tokenguard/watch.conf" || fail "edit"
install_ok --uninstall --root "$root"
assert_contains "$IOUT" "kept $root/etc/tokenguard/watch.conf (edited"
assert_contains "$root/etc/tokenguard/watch.conf" "# edited"
[ ! -e "$unit" ] || fail "the unit is still there"

# A unit install.sh did not write is left alone.
mkdir -p "$(dirname "$unit")" &&
    echo "[Service]" >"$unit" || fail "unit"
# --purge: the configuration, the secret, the queue, the user and group
# go too.
install_ok --uninstall --purge --root "$root"
[ -f "$unit" ] || fail "removed a unit install.sh did not write"
[ ! -e "$root/etc/tokenguard" ] || fail "etc/tokenguard is still there"
[ ! -e "$root/var/lib/tokenguard" ] || fail "the queue is still there"
! grep -q '^tokenguard:' "$root/etc/passwd" || fail "the user is there"
! grep -q '^tokenguard:' "$root/etc/group" || fail "the group is there"
install_ok --uninstall --purge --root "$root"
exit 0
