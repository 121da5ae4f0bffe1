#!/bin/sh
# install.sh --with-watcher, into a scratch --root: the system user
# tokenguard (in the root's /etc/passwd, made by useradd --root: the
# machine's users are untouched), the unit in etc/systemd/system running
# PREFIX/bin/tokenguard-watch and not enabled, etc/tokenguard/watch.conf
# from the example (0644: no secret in it), the signing secret
# etc/tokenguard/webhook.secret (root's, 0600), the queue directory
# (0700, the user's), and how to enable it printed. A second run keeps
# the user, never overwrites the configuration or the secret, and
# changes nothing else.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/installlib.sh"
need_root

host_user=$(getent passwd tokenguard)
root=$scratch/root
install_ok --no-deps --root "$root" --with-watcher
assert_installed "$root/usr/local"
assert_contains "$IOUT" "user tokenguard: created"
assert_contains "$IOUT" "tokenguard-watch is not enabled"
assert_contains "$IOUT" "systemctl enable --now tokenguard-watch"

# The user: a system account without a login, its own group.
line=$(grep '^tokenguard:' "$root/etc/passwd") || fail "no user"
uid=$(echo "$line" | cut -d: -f3)
gid=$(grep '^tokenguard:' "$root/etc/group" | cut -d: -f3)
[ -n "$gid" ] || fail "no group tokenguard"
[ "$uid" -lt 1000 ] || fail "not a system user: $line"
[ "$(echo "$line" | cut -d: -f4,6,7)" = \
    "$gid:/var/lib/tokenguard:/usr/sbin/nologin" ] || fail "user: $line"
[ "$(getent passwd tokenguard)" = "$host_user" ] ||
    fail "the machine's users changed"

# The unit: this prefix's program, the user, not enabled.
unit=$root/etc/systemd/system/tokenguard-watch.service
[ -f "$unit" ] || fail "no unit"
assert_contains "$unit" \
    "ExecStart=/usr/local/bin/tokenguard-watch -c /etc/tokenguard/watch.conf"
assert_contains "$unit" \
    "ExecReload=/usr/local/bin/tokenguard-watch -c /etc/tokenguard/watch.conf --check"
assert_contains "$unit" "User=tokenguard"
for link in "$root"/etc/systemd/system/*.wants/*; do
	[ -e "$link" ] || [ -L "$link" ] || continue
	fail "enabled: $link"
done
if command -v systemctl >/dev/null 2>&1; then
	state=$(systemctl --root="$root" is-enabled tokenguard-watch.service \
	    2>/dev/null)
	[ "$state" = disabled ] || fail "systemctl is-enabled: $state"
fi

# The configuration and the queue.
conf=$root/etc/tokenguard/watch.conf
cmp -s "$TOP/watcher/watch.conf.example" "$conf" ||
    fail "watch.conf is not the example"
[ "$(stat -c '%a %u %g' "$conf")" = "644 0 0" ] ||
    fail "watch.conf: $(stat -c '%a %u %g' "$conf")"
secret=$root/etc/tokenguard/webhook.secret
[ "$(stat -c '%a %u %g' "$secret")" = "600 0 0" ] ||
    fail "webhook.secret: $(stat -c '%a %u %g' "$secret")"
grep -E -q '^whsec_[A-Za-z0-9+/]{43}=$' "$secret" ||
    fail "webhook.secret is not a whsec_ key"
for d in /var/lib/tokenguard /var/lib/tokenguard/queue; do
	[ "$(stat -c '%a %u %g' "$root$d")" = "700 $uid $gid" ] ||
	    fail "$d: $(stat -c '%a %u %g' "$root$d")"
done

# Again, with the configuration edited: kept, one user, same files.
echo "# edited" >>"$conf" || fail "edit"
(cd "$root" && find . -path ./etc/.pwd.lock -prune -o -type f \
    -exec md5sum {} + | sort) >before || fail "md5sum"
install_ok --no-deps --root "$root" --with-watcher
assert_contains "$IOUT" "user tokenguard: already there"
assert_contains "$IOUT" "kept $conf"
(cd "$root" && find . -path ./etc/.pwd.lock -prune -o -type f \
    -exec md5sum {} + | sort) >after || fail "md5sum"
cmp -s before after || fail "the second run changed files:
$(diff before after)"
[ "$(grep -c '^tokenguard:' "$root/etc/passwd")" = 1 ] || fail "two users"

# Another prefix: the unit runs that one.
install_ok --no-deps --root "$root" --prefix /opt/tg --with-watcher
assert_contains "$unit" "ExecStart=/opt/tg/bin/tokenguard-watch "
assert_contains "$unit" "ExecReload=/opt/tg/bin/tokenguard-watch "
assert_installed "$root/opt/tg"
exit 0
