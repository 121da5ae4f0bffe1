# tokenguard-watch delivering over TLS to a receiver on 127.0.0.1 with a
# self-signed certificate made here by `openssl req`. Without
# webhook.caFile the certificate is refused: the attempt fails, the log
# says why (curl's "SSL certificate problem"), nothing reaches the
# receiver and the event stays queued, retried. With webhook.caFile
# naming a certificate for another host name the peer is still refused.
# With webhook.caFile naming the receiver's certificate (applied by a
# reload) the queued event is delivered, signed.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/watchlib.sh"

command -v openssl >/dev/null 2>&1 || fail "openssl(1) is not installed"
# cert NAME SAN: a self-signed certificate NAME.pem (key NAME.key).
cert()
{
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -days 2 -subj "/CN=tokenguard test $1" \
	    -addext "subjectAltName=$2" -keyout "$1.key" -out "$1.pem" \
	    >"$1.openssl.log" 2>&1 || {
		_show openssl "$1.openssl.log"
		fail "openssl req failed"
	}
}
cert good IP:127.0.0.1
cert other DNS:tokenguard.invalid

gen_tokens 13000 2 >tokens || fail "gen_tokens"
watch_tree --tls good.pem good.key
case $RECV_URL in
https://127.0.0.1:*) ;;
*) fail "receiver URL $RECV_URL" ;;
esac
start_watch watch.conf "$scratch/watch.log"
printf 'NPM_TOKEN=%s\n' "$(tok 1)" >tree/a.env || fail "write"

# Refused: logged with the reason, retried, queued, nothing received.
wait_count "$scratch/watch.log" "SSL certificate problem" 2
assert_contains "$scratch/watch.log" \
    "to https://127.0.0.1:$(cat "$R/port")/... failed (SSL certificate problem: self-signed certificate)"
[ ! -s "$R/requests.jsonl" ] ||
    fail "a request got through an unverified TLS peer"
q=$(find "$scratch/queue" -maxdepth 1 -name 'msg_*.json')
[ -n "$q" ] || fail "the event is not queued"
assert_contains "$q" "$scratch/tree/a.env"

# A CA file, but the certificate names another host: still refused.
git config -f watch.conf webhook.caFile "$scratch/other.pem" ||
    fail "git config"
restart_receiver "$R" --tls other.pem other.key
kill -HUP "$WATCH_PID"
wait_count "$scratch/watch.log" "reloaded 'watch.conf'" 1
wait_grep "$scratch/watch.log" "failed \\(SSL: no alternative certificate subject name matches target host name '127\\.0\\.0\\.1'\\)"
[ ! -s "$R/requests.jsonl" ] ||
    fail "a request got through a TLS peer of another name"

# The receiver's own certificate as the CA file: delivered, signed.
git config -f watch.conf webhook.caFile "$scratch/good.pem" ||
    fail "git config"
restart_receiver "$R" --tls good.pem good.key
kill -HUP "$WATCH_PID"
wait_delivered "$R" 1 30
printf 'NPM_TOKEN=%s\n' "$(tok 2)" >tree/b.env || fail "write"
wait_delivered "$R" 2 30
recv_check "$R" "
if len(reqs) != 2 or len(ok) != 2:
    die('%d requests, %d answered 2xx; want 2 and 2' % (len(reqs), len(ok)))
"
stop_watch
assert_tokens_nowhere
