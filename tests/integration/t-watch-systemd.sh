#!/bin/sh
# tokenguard-watch under real systemd, set up as docs/watcher.md says. A Debian
# 12 root (debootstrap, cached under the build folder) boots with
# systemd-nspawn; in it:
#  - the .deb of `make deb` installs with apt; the set-up lines of
#    docs/watcher.md ("Setting it up") run as they are, as a script (only the
#    webhook URL becomes the local receiver's), ending with `systemctl
#    enable --now tokenguard-watch`;
#  - tokens written the way producers write them — `npm config set
#    --userconfig` into a project (npm makes the file 0600), a second
#    `npm config set` into that 0600 file, a 0600 file, a 0600 file made
#    elsewhere and renamed into place — each reach the receiver signed
#    (Standard Webhooks) and redacted: the service reads 0600 files it
#    does not own (CAP_DAC_READ_SEARCH) and holds no other capability;
#  - `systemctl reload` after a good edit applies it (a new root), even
#    with watch.conf made root's 0600; after a broken one it fails, the
#    journal says why at priority err, and the running configuration
#    stays;
#  - stop/start keeps an undelivered finding, sent after the start with
#    its id;
#  - a configuration error at start is not restarted (exit 2);
#  - `systemd-analyze security` rates the unit 2.0 or better; only the
#    queue and node_exporter's directory are writable in its namespace;
#  - node_exporter (Debian's, its own user) serves the metrics of the
#    textfile collector (no scrape error), and promtool accepts the file.
# Needs root, systemd-nspawn (systemd-container), debootstrap (or the
# cached root), unshare/nsenter/setpriv (util-linux), npm. When the
# container cannot be made or booted, the script says SKIP with the
# reason (exit 77), never passes. Not under sanitizers (the container
# has no sanitizer runtime) or VALGRIND=1 (wrappers, not programs).
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/watchlib.sh"

TOP=$(cd "$TESTS_DIR/../.." && pwd) || fail "no source tree"

skip()
{
	echo "SKIP: $*"
	exit 77
}

[ "$(id -u)" = 0 ] || skip "not root"
[ -f "$BUILD/libtokenguard.a" ] ||
    skip "$BUILD is not a build directory (VALGRIND=1 wrappers)"
[ "$SAN_BUILD" = 0 ] ||
    skip "sanitizer build: the container has no sanitizer runtime"
for tool in systemd-nspawn:systemd-container debootstrap:debootstrap \
    nsenter:util-linux unshare:util-linux setpriv:util-linux \
    dpkg-deb:dpkg npm:npm; do
	command -v "${tool%%:*}" >/dev/null 2>&1 ||
	    skip "${tool%%:*} is missing (Debian: ${tool#*:})"
done

# The root, made once per build folder: 1 to 2 minutes and 440 MB.
PACKAGES=systemd,systemd-sysv,dbus,libgit2-1.5,libpcre2-8-0,libcurl4,\
libjansson4,libssl3,python3,git,acl,procps,ca-certificates,\
prometheus-node-exporter
cache=$(dirname "$BUILD")/nspawn-cache
stamp=$(printf '%s\n' "$PACKAGES" | cksum | cut -d' ' -f1)
mkdir -p "$cache" || fail "mkdir $cache"
(
	flock 9 || exit 1
	[ -f "$cache/bookworm.$stamp/etc/os-release" ] && exit 0
	rm -rf "$cache/bookworm.tmp"
	if ! debootstrap --variant=minbase --include="$PACKAGES" bookworm \
	    "$cache/bookworm.tmp" >"$cache/debootstrap.log" 2>&1; then
		rm -rf "$cache/bookworm.tmp"
		exit 3
	fi
	mv "$cache/bookworm.tmp" "$cache/bookworm.$stamp"
) 9>"$cache/lock"
case $? in
0) ;;
3) skip "debootstrap failed: $(tail -n 1 "$cache/debootstrap.log")" ;;
*) fail "cannot lock $cache" ;;
esac

# The package.
CMD_TIMEOUT=600 assert_status 0 make -C "$TOP" --no-print-directory \
    BUILD="$BUILD" DEBDIR="$scratch/deb" deb
deb=$(tail -n 1 "$OUT")
[ -f "$deb" ] || fail "make deb made no package: $deb"

# A copy of the root for this run.
root=$scratch/root
cp -a --reflink=auto "$cache/bookworm.$stamp" "$root" || fail "cp root"
ne_port=$(free_port) || fail "no port"
printf 'ARGS="--web.listen-address=127.0.0.1:%s"\n' "$ne_port" \
    >"$root/etc/default/prometheus-node-exporter" || fail "node_exporter"
cp "$deb" "$root/root/" || fail "cp deb"

# Boot. The container dies with the test: the pid namespace of unshare
# (killed at exit) holds nspawn and everything under it.
setpriv --pdeathsig KILL unshare --pid --fork --kill-child --mount-proc \
    systemd-nspawn -b -D "$root" --console=pipe --register=no \
    --keep-unit --resolv-conf=copy-host >"$scratch/boot.log" 2>&1 &
ns=$!
_ns_stop()
{
	kill -9 "$ns" 2>/dev/null
	wait "$ns" 2>/dev/null
}
trap '_ns_stop; _watch_cleanup; _lib_cleanup' EXIT

# PID 1 of the container: nspawn's child, running systemd.
pid1=
tries=300
while [ -z "$pid1" ]; do
	kill -0 "$ns" 2>/dev/null ||
	    skip "systemd-nspawn exited: $(tail -n 3 "$scratch/boot.log" |
	    tr '\n' ' ')"
	for p in $(pgrep -P "$ns" 2>/dev/null); do
		for c in $(pgrep -P "$p" 2>/dev/null); do
			[ "$(cat "/proc/$c/comm" 2>/dev/null)" = systemd ] &&
			    pid1=$c
		done
	done
	tries=$((tries - 1))
	[ "$tries" -gt 0 ] || skip "no systemd in the container after 30 s"
	[ -n "$pid1" ] || sleep 0.1
done

# ct CMD...: runs CMD in the container (as root, a plain environment).
ct()
{
	nsenter -t "$pid1" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	    HOME=/root LANG=C.UTF-8 "$@"
}
# systemctl answers once PID 1 listens on its private socket.
tries=300
while :; do
	state=$(timeout 120 nsenter -t "$pid1" -a systemctl \
	    is-system-running --wait 2>&1)
	case $state in
	*"Failed to connect to bus"*) ;;
	*) break ;;
	esac
	tries=$((tries - 1))
	[ "$tries" -gt 0 ] || break
	sleep 0.1
done
case $state in
running) ;;
degraded)
	note "t-watch-systemd: the container is degraded:" \
	    "$(ct systemctl --failed --plain --no-legend | tr '\n' ' ')"
	;;
*)
	skip "the container did not boot: '$state'"
	;;
esac
note "t-watch-systemd: $(ct systemctl --version | head -n 1)"

# journal [ARG...]: the service's journal, messages only.
journal()
{
	ct journalctl -u tokenguard-watch --no-pager -o cat "$@"
}

# jwait TEXT [N]: waits until N lines of the service's journal hold TEXT.
jwait()
{
	_tries=300
	until [ "$(journal | grep -c -F -e "$1")" -ge "${2:-1}" ]; do
		_tries=$((_tries - 1))
		if [ "$_tries" -le 0 ]; then
			journal | tail -n 30 >&2
			fail "waited for ${2:-1} journal lines with '$1'"
		fi
		sleep 0.1
	done
}

# Install as docs/building.md says, with apt.
ct sh -c 'apt-get install -y /root/tokenguard_*.deb' \
    >"$scratch/apt.log" 2>&1 || { tail -n 20 "$scratch/apt.log" >&2;
    fail "apt-get install failed"; }
ct systemctl is-enabled tokenguard-watch >/dev/null &&
    fail "the package enabled the service"

# The receiver gets the signing secret the package made.
mkdir -p "$scratch/recv" || fail "mkdir"
ct cat /etc/tokenguard/webhook.secret >"$scratch/recv/secret" ||
    fail "no secret"
_run_receiver "$scratch/recv" http
register_secret "$(cat "$scratch/recv/secret")"

# The runner's work directory exists (the runner made it).
B=/home/gitlab-runner/builds
mkdir -p "$root$B" "$root/srv/terraform" || fail "mkdir"

# The set-up lines of docs/watcher.md, as a script.
awk '/^## Setting it up$/ { s = 1 } s && /^```sh$/ { b = 1; next }
    b && /^```$/ { exit } b { print }' "$TOP/docs/watcher.md" >setup.lines ||
    fail "awk"
grep -q '^sudo systemctl enable --now tokenguard-watch$' setup.lines ||
    fail "docs/watcher.md's set-up has no 'systemctl enable --now': $(cat \
    setup.lines)"
grep -q 'https://alerts.example.com/hooks/tokenguard' setup.lines ||
    fail "docs/watcher.md's set-up names no webhook URL"
{
	echo 'set -ex'
	echo 'sudo() { "$@"; }'
	sed "s|https://alerts.example.com/hooks/tokenguard|$RECV_URL|" \
	    setup.lines
} >"$root/root/setup.sh" || fail "setup.sh"
ct sh /root/setup.sh >setup.log 2>&1 || {
	cat setup.log >&2
	journal | tail -n 20 >&2
	fail "docs/watcher.md's set-up failed"
}
[ "$(ct systemctl is-active tokenguard-watch)" = active ] ||
    fail "not active after the set-up"
jwait ": ready: "
# It signs with the credential: watch.conf names no secret file.
ct git config -f /etc/tokenguard/watch.conf webhook.secretFile &&
    fail "watch.conf names a secret file"

# Its privileges: the service user, one capability.
mainpid=$(ct systemctl show -p MainPID --value tokenguard-watch)
[ "$(ct ps -o user= -p "$mainpid")" = tokenguard ] ||
    fail "runs as $(ct ps -o user= -p "$mainpid")"
ct grep -E '^Cap(Eff|Prm|Bnd|Amb):' "/proc/$mainpid/status" >caps ||
    fail "status"
for c in CapEff CapPrm CapBnd CapAmb; do
	grep -q "^$c:	0000000000000004$" caps ||
	    fail "$c is not CAP_DAC_READ_SEARCH alone: $(cat caps)"
done

# Writable paths, seen by root inside the service's mount namespace.
for d in /home /home/gitlab-runner/builds /root /tmp /var/tmp /run /dev \
    /dev/shm /etc /usr /var /var/lib /srv; do
	msg=$(ct nsenter -t "$mainpid" -m sh -c \
	    "touch '$d/.tg-probe' && rm -f '$d/.tg-probe'" 2>&1) &&
	    fail "$d is writable for the service"
	case $msg in
	*"Read-only file system"*) ;;
	*) fail "$d: $msg" ;;
	esac
done
for d in /var/lib/tokenguard/queue /var/lib/prometheus/node-exporter; do
	ct nsenter -t "$mainpid" -m sh -c \
	    "touch '$d/.tg-probe' && rm -f '$d/.tg-probe'" ||
	    fail "$d is not writable for the service"
done

# The security rating.
ct systemd-analyze security --no-pager tokenguard-watch >security.txt 2>&1 ||
    true
score=$(sed -n \
    's/.*Overall exposure level for tokenguard-watch.service: \([0-9.]*\).*/\1/p' \
    security.txt)
[ -n "$score" ] || fail "no rating: $(tail -n 3 security.txt)"
note "t-watch-systemd: systemd-analyze security: $score"
awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' ||
    fail "systemd-analyze security rates it $score (want <= 2.0)"

# Producers.
gen_tokens 9400 7 >tokens || fail "gen_tokens"
P=$root$B/proj
mkdir -p "$P" "$root$B/ansible/group_vars" || fail "mkdir"
(cd "$P" && npm config set "//registry.npmjs.org/:_authToken=$(tok 1)" \
    --userconfig "$P/.npmrc") >npm.log 2>&1 || fail "npm: $(cat npm.log)"
[ "$(stat -c %a "$P/.npmrc")" = 600 ] ||
    fail "npm made .npmrc $(stat -c %a "$P/.npmrc")"
(umask 077 && printf 'NPM_TOKEN=%s\n' "$(tok 2)" >"$P/.env") ||
    fail "write"
# Made elsewhere (no default ACL, no grant), renamed into place.
(umask 077 && printf 'npm_token: "%s"\n' "$(tok 3)" >"$root/root/all.yml") ||
    fail "write"
mv "$root/root/all.yml" "$root$B/ansible/group_vars/all.yml" || fail "mv"
wait_delivered "$scratch/recv" 3
# A second npm config set writes into the 0600 file.
(cd "$P" && npm config set "//localhost:4873/:_authToken=$(tok 4)" \
    --userconfig "$P/.npmrc") >npm.log 2>&1 || fail "npm: $(cat npm.log)"
wait_delivered "$scratch/recv" 4

# want N PATH: the receiver got token N from PATH, once, signed (every
# request's signature is checked), redacted.
want()
{
	recv_check "$scratch/recv" "
got = [r for r in ok if r['body']['path'] == '$2'
       and r['body']['fingerprint'] == '$(sha256_of "$(tok "$1")")']
if len({r['id'] for r in got}) != 1:
    die('$2: token $1 delivered with ids %s' % [r['id'] for r in got])
b = got[0]['body']
if '$(tok "$1")' in got[0]['raw'] or len(b['redacted']) > 8:
    die('$2: not redacted: %r' % b['redacted'])
"
}
want 1 "$B/proj/.npmrc"
want 2 "$B/proj/.env"
want 3 "$B/ansible/group_vars/all.yml"
want 4 "$B/proj/.npmrc"

# Reload after a good edit: a new root. The file's owner and mode do not
# matter (a Slack URL would make an admin chmod it 600).
ct git config -f /etc/tokenguard/watch.conf --add watch.path /srv/terraform ||
    fail "git config"
ct chmod 0600 /etc/tokenguard/watch.conf || fail "chmod"
ct systemctl reload tokenguard-watch || {
	journal | tail -n 20 >&2
	fail "systemctl reload failed"
}
jwait "reloaded '/etc/tokenguard/watch.conf': 2 roots"
printf 'npm_token = "%s"\n' "$(tok 5)" >"$root/srv/terraform/ci.tfvars" ||
    fail "write"
wait_delivered "$scratch/recv" 5
want 5 /srv/terraform/ci.tfvars

# A broken edit: reload fails, says why at priority err, nothing changes.
ct git config -f /etc/tokenguard/watch.conf webhook.format xml ||
    fail "git config"
ct systemctl reload tokenguard-watch 2>/dev/null &&
    fail "systemctl reload succeeded with a broken file"
ct journalctl -u tokenguard-watch --no-pager -o cat -p err >err.log
assert_contains err.log "config 'webhook.format': bad format 'xml'"
[ "$(ct systemctl show -p MainPID --value tokenguard-watch)" = \
    "$mainpid" ] || fail "the service restarted"
ct git config -f /etc/tokenguard/watch.conf --unset webhook.format ||
    fail "git config"
ct systemctl reload tokenguard-watch || fail "reload after the fix"

# Stop/start with the receiver down keeps the finding, and its id.
kill -9 "$(cat "$scratch/recv/pid")"
wait "$(cat "$scratch/recv/pid")" 2>/dev/null
printf 'NPM_TOKEN=%s\n' "$(tok 6)" >"$P/.env.ci" || fail "write"
jwait "$B/proj/.env.ci:1:"
ct systemctl stop tokenguard-watch || fail "stop"
queued=$(grep -l -F "\"path\":\"$B/proj/.env.ci\"" \
    "$root"/var/lib/tokenguard/queue/msg_*.json) ||
    fail "the finding is not queued after the stop"
id=$(basename "$queued" .json)
restart_receiver "$scratch/recv"
ct systemctl start tokenguard-watch || fail "start"
wait_delivered "$scratch/recv" 6
recv_check "$scratch/recv" "
ids = {r['id'] for r in ok if r['body']['path'] == '$B/proj/.env.ci'}
if ids != {'$id'}:
    die('the queued finding came with ids %s, not $id' % sorted(ids))
"

# Metrics: node_exporter, as its own user, serves them.
prom=$root/var/lib/prometheus/node-exporter/tokenguard_watch.prom
wait_grep "$prom" '^tokenguard_watch_findings_total [1-9]'
[ "$(stat -c %a "$prom")" = 644 ] || fail "$prom is $(stat -c %a "$prom")"
if command -v promtool >/dev/null 2>&1; then
	promtool check metrics <"$prom" >promtool.log 2>&1 ||
	    fail "promtool: $(cat promtool.log)"
else
	note "t-watch-systemd: promtool is missing (Debian: prometheus)"
fi
ct systemctl restart prometheus-node-exporter || fail "node_exporter"
"$PYTHON3" - "$ne_port" >scrape.txt <<'EOF' || fail "no scrape"
import sys, time, urllib.request
url = "http://127.0.0.1:%s/metrics" % sys.argv[1]
end = time.time() + 30
while True:
    try:
        body = urllib.request.urlopen(url, timeout=5).read().decode()
        if "tokenguard_watch_findings_total" in body:
            break
    except OSError:
        pass
    if time.time() > end:
        sys.exit("node_exporter served no tokenguard metrics")
    time.sleep(0.2)
print(body)
EOF
grep -q '^tokenguard_watch_findings_total [1-9]' scrape.txt ||
    fail "findings_total: $(grep tokenguard_watch_findings scrape.txt)"
grep -q '^node_textfile_scrape_error 0$' scrape.txt ||
    fail "$(grep node_textfile_scrape_error scrape.txt)"
[ "$(ct ps -o user= -C prometheus-node-exporter)" = prometheus ] ||
    fail "node_exporter does not run as prometheus"

# A configuration error at start: failed, not restarted every 5 s.
ct git config -f /etc/tokenguard/watch.conf --add watch.path /nonexistent ||
    fail "git config"
ct systemctl restart tokenguard-watch 2>/dev/null &&
    fail "started with a missing root"
[ "$(ct systemctl show -p ActiveState --value tokenguard-watch)" = failed ] ||
    fail "state: $(ct systemctl show -p ActiveState,SubState tokenguard-watch)"
[ "$(ct systemctl show -p NRestarts --value tokenguard-watch)" = 0 ] ||
    fail "restarted after exit 2"

journal >journal.log
ct journalctl -u prometheus-node-exporter --no-pager >node-exporter.log
while read -r t; do
	assert_nowhere "$t"
done <tokens
assert_nowhere "$(cat "$scratch/recv/secret")"
exit 0
