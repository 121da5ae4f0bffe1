# tokenguard-watch: files and directories that arrive by rename. A file
# written elsewhere and renamed into place (IN_MOVED_TO, no close in the
# watched tree) is caught; so is the editor pattern (write a temporary
# file, rename it over the real one). A directory renamed inside the
# tree keeps being watched under its new name; one moved in from outside
# is walked; one moved out is not watched any more.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/watchlib.sh"

gen_tokens 7000 7 >tokens || fail "gen_tokens"
start_receiver "$scratch/recv"
mkdir -p tree/sub tree/a outside/in || fail "mkdir"
watch_conf watch.conf "$scratch/tree"
start_watch watch.conf "$scratch/watch.log"

# 1. Written outside, renamed into the tree.
printf '//registry.npmjs.org/:_authToken=%s\n' "$(tok 1)" >outside/npmrc
mv outside/npmrc tree/.npmrc || fail "mv"
wait_delivered "$scratch/recv" 1
# 2. The editor pattern, inside the tree.
printf 'NPM_TOKEN=%s\n' "$(tok 2)" >tree/sub/.env.tmp
mv tree/sub/.env.tmp tree/sub/.env || fail "mv"
# 3. A directory renamed inside the tree, then written to.
printf 'NPM_TOKEN=%s\n' "$(tok 3)" >tree/a/one.env
wait_for "$scratch/watch.log" "tree/a/one.env"
mv tree/a tree/b || fail "mv"
printf 'NPM_TOKEN=%s\n' "$(tok 4)" >tree/b/two.env
# 4. A directory moved in from outside, with a file in it.
printf 'NPM_TOKEN=%s\n' "$(tok 5)" >outside/in/three.env
mv outside/in tree/in || fail "mv"
wait_for "$scratch/watch.log" "tree/in/three.env"
# 5. A directory moved out: what is written there later is not ours.
mv tree/b outside/b || fail "mv"
printf 'NPM_TOKEN=%s\n' "$(tok 6)" >outside/b/late.env
# A last file inside, to know the watcher got this far.
printf 'NPM_TOKEN=%s\n' "$(tok 7)" >tree/last.env
wait_for "$scratch/watch.log" "tree/last.env"
sleep 1		# time for a wrong event from outside/b to show up

recv_check "$scratch/recv" "
paths = {r['body']['path'] for r in ok}
want = ['$scratch/tree/.npmrc', '$scratch/tree/sub/.env',
        '$scratch/tree/a/one.env', '$scratch/tree/b/two.env',
        '$scratch/tree/in/three.env', '$scratch/tree/last.env']
missing = [p for p in want if p not in paths]
if missing:
    die('not delivered: %r (got %r)' % (missing, sorted(paths)))
for p in paths:
    if '/outside/' in p or p.endswith('late.env'):
        die('delivered a path outside the tree: %r' % p)
fps = {r['body']['fingerprint'] for r in ok}
if '$(sha256_of "$(tok 6)")' in fps:
    die('the token written outside the tree was reported')
"
stop_watch
assert_tokens_nowhere
