#!/bin/sh
# Progress lines on a terminal: `tokenguard scan --git`, `tokenguard scan`
# of a directory and tokenguard-watch's scans of whole trees draw one on
# standard error when it is a terminal (a real pseudo-terminal here), and
# erase it: what the terminal finally shows is exactly what the same run
# prints without a terminal. None with -q, with TERM=dumb, or when
# standard error is a file; standard output is the same byte for byte
# with and without a terminal. TOKENGUARD_PROGRESS_DELAY=0 makes the
# first update come at once, so that a small run shows one whatever the
# speed of the machine (no timing is asserted).
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/watchlib.sh"

TOKENGUARD_PROGRESS_DELAY=0
export TOKENGUARD_PROGRESS_DELAY
TERM=xterm
export TERM

command -v script >/dev/null 2>&1 ||
    fail "script(1) from util-linux is needed (a pseudo-terminal)"

# on_tty LOG STDOUT CMD...: runs CMD with standard error on a new
# pseudo-terminal (script(1)), and standard output there too (STDOUT
# "tty") or in the file STDOUT; LOG gets what the terminal received.
on_tty()
{
	_log=$1
	_where=$2
	shift 2
	_cmd=exec
	for _a in "$@"; do
		_cmd="$_cmd '$(printf '%s' "$_a" | sed "s/'/'\\\\''/g")'"
	done
	[ "$_where" = tty ] || _cmd="$_cmd >'$_where'"
	run_cmd script -qfec "$_cmd" /dev/null
	cp "$OUT" "$_log"
}

# screen LOG: the lines a terminal shows after receiving LOG ("\r" goes
# back to the start of the line, ESC [ K erases to its end; any other
# escape sequence fails), empty lines left out.
screen()
{
	awk 'BEGIN { esc = sprintf("%c", 27) }
	{
		line = ""
		col = 0
		for (i = 1; i <= length($0); i++) {
			c = substr($0, i, 1)
			if (c == esc) {
				if (substr($0, i, 3) != esc "[K") {
					print "unexpected escape sequence" \
					    >"/dev/stderr"
					exit 2
				}
				line = substr(line, 1, col)
				i += 2
			} else if (c == "\r") {
				col = 0
			} else {
				line = substr(line, 1, col) c \
				    substr(line, col + 2)
				col++
			}
		}
		if (line != "")
			print line
	}' "$1"
}

# Progress updates in LOG (lines drawn in place).
updates()
{
	tr '\r' '\n' <"$1" | grep -c -e "$2"
}

git config --global user.name t
git config --global user.email t@example.invalid
tok=$(gen_token 1301) || fail "gen_token"
tok2=$(gen_token 1302) || fail "gen_token"

# A history of 40 commits (one git fast-import); the 20th adds a token,
# the 31st another.
git init -q -b main repo && cd repo || fail "init"
i=1
while [ "$i" -le 40 ]; do
	printf 'commit refs/heads/main\n'
	printf 'committer t <t@example.invalid> %d +0000\n' $((1700000000 + i))
	printf 'data <<EOM\ncommit %d\nEOM\n' "$i"
	printf 'M 644 inline f%d.txt\ndata <<EOM\nline %d\nEOM\n' "$i" "$i"
	[ "$i" = 20 ] &&
	    printf 'M 644 inline .env\ndata <<EOM\nNPM_TOKEN=%s\nEOM\n' "$tok"
	[ "$i" = 31 ] &&
	    printf 'M 644 inline sub.npmrc\ndata <<EOM\n//r/:_authToken=%s\nEOM\n' \
	    "$tok2"
	printf '\n'
	i=$((i + 1))
done >history
git fast-import --quiet <history || fail "fast-import"
rm -f history

# Without a terminal: the reference output; no progress on stderr.
assert_status 1 "$TOKENGUARD" scan --git
cp "$OUT" "$scratch/git.out"
cp "$ERR" "$scratch/git.err"
assert_lines 2 "$scratch/git.out"
if grep -q "$(printf '\r')" "$scratch/git.err" ||
    grep -q "$(printf '\033')" "$scratch/git.err"; then
	fail "progress on standard error that is a file"
fi
assert_not_contains "$scratch/git.err" "/40 commits"

# Standard error on a terminal, standard output in a file: progress
# drawn, then erased; standard output byte for byte the same.
on_tty "$scratch/tty.log" "$scratch/tty.out" "$TOKENGUARD" scan --git
[ "$STATUS" = 1 ] || fail "scan --git on a terminal exited $STATUS"
cmp -s "$scratch/git.out" "$scratch/tty.out" ||
    fail "standard output differs with a terminal"
[ "$(updates "$scratch/tty.log" '^tokenguard: [0-9]*/40 commits, ')" -ge 1 ] ||
    fail "no progress line for scan --git on a terminal"
grep -q 'tokenguard: [0-9]*/40 commits, [0-9]* blobs\{0,1\}, [0-9.]* [KMG]*i*B scanned' \
    "$scratch/tty.log" || fail "progress line without counts"
screen "$scratch/tty.log" >"$scratch/tty.screen" ||
    fail "terminal output"
# Only the summary is left on the screen.
diff "$scratch/git.err" "$scratch/tty.screen" >/dev/null ||
    fail "the terminal shows more than the summary: $(cat -v "$scratch/tty.screen")"

# Findings and progress on one terminal: the screen holds exactly the
# findings and the summary, whole.
on_tty "$scratch/both.log" tty "$TOKENGUARD" scan --git
[ "$STATUS" = 1 ] || fail "scan --git on a terminal exited $STATUS"
[ "$(updates "$scratch/both.log" '^tokenguard: [0-9]*/40 commits')" -ge 1 ] ||
    fail "no progress line with both outputs on a terminal"
screen "$scratch/both.log" >"$scratch/both.screen" ||
    fail "terminal output"
cat "$scratch/git.out" "$scratch/git.err" >"$scratch/both.want"
diff "$scratch/both.want" "$scratch/both.screen" ||
    fail "the terminal shows garbled output"

# -q: no progress, no summary: nothing at all on the terminal.
on_tty "$scratch/quiet.log" "$scratch/quiet.out" "$TOKENGUARD" scan --git -q
[ "$STATUS" = 1 ] || fail "scan --git -q exited $STATUS"
[ ! -s "$scratch/quiet.log" ] ||
    fail "output on the terminal with -q: $(cat -v "$scratch/quiet.log")"
cmp -s "$scratch/git.out" "$scratch/quiet.out" ||
    fail "standard output differs with -q"

# TERM=dumb cannot erase a line: no progress.
on_tty "$scratch/dumb.log" "$scratch/dumb.out" env TERM=dumb \
    "$TOKENGUARD" scan --git
[ "$STATUS" = 1 ] || fail "scan --git with TERM=dumb exited $STATUS"
assert_not_contains "$scratch/dumb.log" "/40 commits"
cmp -s "$scratch/git.out" "$scratch/dumb.out" ||
    fail "standard output differs with TERM=dumb"

# A range: the counts are those of the range; SARIF the same bytes.
assert_status 1 "$TOKENGUARD" scan --git --format sarif main~15..main
cp "$OUT" "$scratch/range.sarif"
on_tty "$scratch/range.log" "$scratch/range.out" "$TOKENGUARD" scan --git \
    --format sarif main~15..main
[ "$STATUS" = 1 ] || fail "range on a terminal exited $STATUS"
grep -q 'tokenguard: [0-9]*/15 commits' "$scratch/range.log" ||
    fail "no progress line for a range"
cmp -s "$scratch/range.sarif" "$scratch/range.out" ||
    fail "SARIF differs with a terminal"

# A directory scan: files and bytes; JSON output the same.
cd "$scratch" || fail "cd"
mkdir -p tree/a tree/b
i=1
while [ "$i" -le 60 ]; do
	printf 'x %d\n' "$i" >"tree/a/f$i"
	i=$((i + 1))
done
printf 'NPM_TOKEN=%s\n' "$tok" >tree/b/.env
assert_status 1 "$TOKENGUARD" scan --format json -j 2 tree
cp "$OUT" dir.out
cp "$ERR" dir.err
on_tty "$scratch/dir.log" "$scratch/dir.tty.out" "$TOKENGUARD" scan \
    --format json -j 2 tree
[ "$STATUS" = 1 ] || fail "directory scan on a terminal exited $STATUS"
cmp -s dir.out dir.tty.out || fail "JSON output differs with a terminal"
[ "$(updates dir.log '^tokenguard: [0-9]* files\{0,1\}, [0-9.]* [KMG]*i*B scanned')" -ge 1 ] ||
    fail "no progress line for a directory scan"
screen dir.log >dir.screen || fail "terminal output"
diff dir.err dir.screen >/dev/null ||
    fail "the terminal shows more than the summary: $(cat -v dir.screen)"
on_tty "$scratch/dirq.log" "$scratch/dirq.out" "$TOKENGUARD" scan \
    --quiet -j 2 tree
[ "$STATUS" = 1 ] || fail "directory scan --quiet exited $STATUS"
[ ! -s dirq.log ] || fail "output on the terminal with --quiet"

# tokenguard-watch --once in the foreground: the initial scan's line,
# erased before it exits; none when standard error is a file. The trees
# hold no secret: the webhook is never called.
(umask 077 && printf 'whsec_%s\n' "$(head -c 32 /dev/urandom | base64)" \
    >whsec) || fail "secret"
git config -f watch.conf watch.path "$scratch/tree/a" &&
git config -f watch.conf webhook.url http://127.0.0.1:9/hook &&
git config -f watch.conf webhook.secretFile "$scratch/whsec" &&
git config -f watch.conf queue.dir "$scratch/queue" || fail "git config"
on_tty "$scratch/once.log" "$scratch/once.out" "$WATCH" -c watch.conf --once
[ "$STATUS" = 0 ] || fail "tokenguard-watch --once exited $STATUS: $(cat -v once.log)"
[ "$(updates once.log '^tokenguard-watch: initial scan: [0-9]* files\{0,1\}, ')" -ge 1 ] ||
    fail "no progress line for the watcher's initial scan"
screen once.log >once.screen || fail "terminal output"
[ ! -s once.screen ] || fail "the terminal is left with: $(cat -v once.screen)"
assert_status 0 "$WATCH" -c watch.conf --once
assert_not_contains "$ERR" "initial scan"

# The daemon in the foreground: the initial scan, then a root added by
# SIGHUP; log lines stay whole on the terminal.
mkdir -p tree2/c && printf 'y\n' >tree2/c/g || fail "tree2"
script -qfec "echo \$\$ >'$scratch/wpid'; exec '$WATCH' -c watch.conf \
    >'$scratch/daemon.out'" /dev/null >daemon.log 2>daemon.err &
runner=$!
watch_bg "$runner"
wait_for daemon.log ": ready: " 60
wpid=$(cat wpid) || fail "no watcher pid"
watch_bg "$wpid"
git config -f watch.conf --add watch.path "$scratch/tree2" || fail "conf"
kill -HUP "$wpid" || fail "SIGHUP"
wait_for daemon.log "reloaded " 30
kill -TERM "$wpid" || fail "SIGTERM"
wait "$runner"
[ $? = 0 ] || fail "the watcher exited non-zero: $(cat -v daemon.log)"
_grep_secrets "$scratch/.secrets" daemon.log
check_log daemon.log
[ "$(updates daemon.log '^tokenguard-watch: initial scan: ')" -ge 1 ] ||
    fail "no initial scan line from the daemon"
[ "$(updates daemon.log '^tokenguard-watch: scan of new roots: ')" -ge 1 ] ||
    fail "no progress line for the roots a reload added"
screen daemon.log >daemon.screen || fail "terminal output"
# Every line left on the screen is one whole log line.
if grep -v '^tokenguard-watch: ' daemon.screen | grep -q . ||
    grep -q 'tokenguard-watch: .*tokenguard-watch: ' daemon.screen; then
	fail "garbled log lines: $(cat -v daemon.screen)"
fi
if grep -q -E 'scan: [0-9]+ files?,' daemon.screen; then
	fail "a progress line was left on the screen"
fi
assert_contains daemon.screen "tokenguard-watch: ready: "
assert_contains daemon.screen "new root '$scratch/tree2'"
exit 0
