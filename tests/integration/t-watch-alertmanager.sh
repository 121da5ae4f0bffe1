# tokenguard-watch and a real Alertmanager (Debian's
# prometheus-alertmanager) on 127.0.0.1: findings posted in the
# alertmanager format show up in its /api/v2/alerts with our labels and
# annotations, and without the token. Skipped with a note when
# Alertmanager is not installed.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/watchlib.sh"

AM=
for p in prometheus-alertmanager alertmanager; do
	if command -v "$p" >/dev/null 2>&1; then
		AM=$(command -v "$p")
		break
	fi
done
if [ -z "$AM" ]; then
	note "skipped: no Alertmanager (apt-get install prometheus-alertmanager)"
	exit 0
fi

gen_tokens 9500 2 >tokens || fail "gen_tokens"
mkdir -p am/data tree || fail "mkdir"
cat >am/am.yml <<'YML'
route:
  receiver: blackhole
  group_wait: 1s
receivers:
  - name: blackhole
YML
port=$(free_port) || fail "no free port"
"$AM" --config.file="$scratch/am/am.yml" \
    --storage.path="$scratch/am/data" \
    --web.listen-address="127.0.0.1:$port" \
    --cluster.listen-address= >am/am.log 2>&1 &
watch_bg $!
AM_URL=http://127.0.0.1:$port
# GET URL into FILE (no proxies: loopback only).
get()
{
	python3 - "$1" "$2" <<'PY'
import sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
with opener.open(sys.argv[1], timeout=5) as r:
    data = r.read()
with open(sys.argv[2], "wb") as fh:
    fh.write(data)
PY
}
tries=300
until get "$AM_URL/-/ready" ready.out 2>/dev/null; do
	tries=$((tries - 1))
	if [ "$tries" = 0 ]; then
		_show alertmanager am/am.log
		fail "Alertmanager did not get ready"
	fi
	sleep 0.1
done

printf 'NPM_TOKEN=%s\n' "$(tok 1)" >tree/before.env
: >watch.conf
git config -f watch.conf watch.path "$scratch/tree"
git config -f watch.conf webhook.url "$AM_URL"
git config -f watch.conf webhook.format alertmanager
git config -f watch.conf queue.dir "$scratch/queue"
git config -f watch.conf metrics.file "$scratch/metrics.prom"
start_watch watch.conf "$scratch/watch.log"
printf '//registry.npmjs.org/:_authToken=%s\n' "$(tok 2)" \
    >tree/.npmrc

# Both alerts, as Alertmanager has them.
tries=200
while :; do
	get "$AM_URL/api/v2/alerts" alerts.json ||
	    fail "GET /api/v2/alerts"
	n=$(python3 -c 'import json, sys
print(len([a for a in json.load(open(sys.argv[1]))
           if a["labels"].get("alertname") == "TokenguardSecretFound"]))' \
	    alerts.json)
	[ "$n" -ge 2 ] && break
	tries=$((tries - 1))
	if [ "$tries" = 0 ]; then
		_show log "$scratch/watch.log"
		fail "Alertmanager has $n of 2 alerts"
	fi
	sleep 0.1
done
python3 - alerts.json "$scratch" "$(sha256_of "$(tok 1)")" \
    "$(sha256_of "$(tok 2)")" "$(hostname)" <<'PY' ||
import json, sys
alerts, scratch, fp1, fp2, host = sys.argv[1:]
got = {}
for a in json.load(open(alerts)):
    lab = a["labels"]
    if lab.get("alertname") != "TokenguardSecretFound":
        continue
    got[lab["path"]] = a
def die(m):
    print("FAIL: " + m, file=sys.stderr)
    sys.exit(1)
want = {scratch + "/tree/before.env": fp1, scratch + "/tree/.npmrc": fp2}
if set(got) != set(want):
    die("alerts for %r" % sorted(got))
for path, fp in want.items():
    a = got[path]
    lab, ann = a["labels"], a["annotations"]
    if lab["fingerprint"] != fp or lab["rule"] != "npm-token":
        die("labels %r" % lab)
    if lab["severity"] != "critical" or lab["host"] != host:
        die("labels %r" % lab)
    for k in ("summary", "description", "redacted", "line", "id", "source"):
        if not ann.get(k):
            die("annotation %s missing: %r" % (k, ann))
    if a["status"]["state"] != "active":
        die("state %r" % a["status"])
if got[scratch + "/tree/before.env"]["annotations"]["source"] != \
        "initial-scan":
    die("source of the initial finding")
PY
    fail "alerts differ"
stop_watch
while read -r t; do
	assert_nowhere "$t"
	assert_no_secret "$t" alerts.json am/am.log
done <tokens
