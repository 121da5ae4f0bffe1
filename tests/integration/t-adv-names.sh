#!/bin/sh
# t-adv-names: file names that could be misread, beyond t-filenames.
# Pairs that must not look alike: a newline and a literal "\x0a", a
# backslash, invalid UTF-8 and the U+FFFD it is shown as in JSON (JSON
# adds path_base64, the name's bytes), names with leading dashes. In text,
# JSON and SARIF every finding names its own file. `--` ends the
# options: "-x.env" and "--format=sarif" are then files; "-" stays
# standard input ("./-" is the file). The pre-commit hook as a hook
# manager runs it with the staged files as arguments (lefthook's
# {staged_files}): a staged file named --help or -h used to end the hook
# with its usage and exit 0, committing a token unscanned; one named -x
# blocked every commit. The hooks print such names escaped, one finding
# a line.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/advhelpers.sh"
. "$TESTS_DIR/githelpers.sh"

# One token per name; NAMES holds the names as python literals.
mkdir names
python3 - "$TOKGEN" names <<'PY' >names.json || fail "making the names"
import json, os, subprocess, sys
tokgen, d = sys.argv[1], sys.argv[2]
names = [b"nl\nx.env", b"nl\\x0ax.env", b"back\\slash.env", b"bad\xff.env",
         b"bad\xef\xbf\xbd.env", b"-x.env", b"--format=sarif", b"-",
         b"--help", b"-h"]
toks = subprocess.run([tokgen, "3801", str(len(names))], check=True,
                      capture_output=True).stdout.decode().split()
for n, t in zip(names, toks):
    with open(os.path.join(d.encode(), n), "wb") as f:
        f.write(b"NPM_TOKEN=" + t.encode() + b"\n")
json.dump([n.decode("latin-1") for n in names], sys.stdout)
PY
gen_tokens 3801 10 >/dev/null || fail "gen_tokens"
[ "$(ls -A names | wc -l)" -ge 10 ] || fail "names were not created"

# Text: one line per file, each name told apart.
assert_status 1 "$TOKENGUARD" scan names
assert_lines 10 "$OUT"
grep -E -v -e "$TEXT_RE" "$OUT" >bad && [ -s bad ] &&
    fail "lines not in the text format: $(cat -v bad)"
for want in 'names/nl\x0ax.env:1:11:' 'names/nl\x5cx0ax.env:1:11:' \
    'names/back\x5cslash.env:1:11:' 'names/-x.env:1:11:' \
    'names/--format=sarif:1:11:' 'names/-:1:11:' 'names/--help:1:11:'; do
	assert_contains "$OUT" "$want"
done
[ "$(cut -d: -f1 "$OUT" | sort -u | wc -l)" = 10 ] ||
	fail "two findings name the same file: $(cat -v "$OUT")"

# JSON: path, and path_base64 when the name is not UTF-8.
assert_status 1 "$TOKENGUARD" scan --format json names
json_check "$OUT" "
import base64
names = json.load(open('names.json'))
want = sorted(('names/' + n).encode('latin-1') for n in names)
got = []
for d in f:
    raw = base64.b64decode(d['path_base64']) if 'path_base64' in d \\
        else d['path'].encode('utf-8')
    if 'path_base64' in d and raw.decode('utf-8', 'replace') != d['path']:
        die('path %r does not match path_base64 %r' % (d['path'], raw))
    got.append(raw)
if sorted(got) != want:
    die('names %r, expected %r' % (sorted(got), want))
plain = [d for d in f if 'path_base64' not in d]
if len(plain) != 9:
    die('path_base64 where the name is UTF-8: %r' % f)
" || exit 1

# SARIF: each URI decodes to its file's bytes.
assert_status 1 "$TOKENGUARD" scan --format sarif names
python3 - "$OUT" <<'PY' || fail "SARIF names"
import json, sys, urllib.parse
d = json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))
names = json.load(open("names.json"))
want = sorted(("names/" + n).encode("latin-1") for n in names)
got = sorted(urllib.parse.unquote_to_bytes(
    r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
    for r in d["runs"][0]["results"])
if got != want:
    sys.exit("FAIL: SARIF URIs %r, expected %r" % (got, want))
PY

# Leading dashes on the command line.
cd names || fail "cd"
assert_status 2 "$TOKENGUARD" scan -x.env
assert_contains "$ERR" "unknown option '-x'"
assert_contains "$ERR" "a PATH that starts with '-' goes after --"
assert_status 1 "$TOKENGUARD" scan -- -x.env --format=sarif ./- --help
assert_lines 4 "$OUT"
assert_contains "$OUT" "-x.env:1:11: npm-token: "
assert_contains "$OUT" "--format=sarif:1:11: npm-token: "
assert_contains "$OUT" "./-:1:11: npm-token: "
assert_contains "$OUT" "--help:1:11: npm-token: "
# "-" is standard input, after -- too.
printf 'nothing\n' >"$scratch/in.txt"
assert_status 0 "$TOKENGUARD" scan -- - <"$scratch/in.txt"
# Without a PATH the directory is walked: names shown as they are.
assert_status 1 "$TOKENGUARD" scan </dev/null
assert_contains "$OUT" "-:1:11: npm-token: "
assert_contains "$OUT" "--help:1:11: npm-token: "
cd "$scratch" || fail "cd"

# The pre-commit hook, run with the staged files as arguments by a hook
# manager (a pre-commit script as lefthook writes one, roughly).
new_repo "$scratch/repo"
cp -R "$scratch/names/." . || fail "cp"
git add -A || fail "git add"
cat >.git/hooks/pre-commit <<EOS || fail "hook"
#!/bin/sh
exec "$HOOK" --help -h --version -x.env
EOS
chmod +x .git/hooks/pre-commit
commit_blocked -m "names"
assert_contains "$ERR" "commit blocked: 10 secrets"
for want in '    nl\x0ax.env:1: npm-token: ' '    nl\x5cx0ax.env:1: ' \
    '    -x.env:1: ' '    --help:1: ' '    -h:1: ' '    -:1: '; do
	assert_contains "$ERR" "$want"
done
# Outside git (no GIT_INDEX_FILE), --help is help.
assert_status 0 "$HOOK" --help
assert_contains "$OUT" "Usage: tokenguard-pre-commit"

# The pre-receive hook prints them the same way.
git init -q --bare "$scratch/srv.git" || fail "git init"
cp "$BUILD/tokenguard-pre-receive" "$scratch/srv.git/hooks/pre-receive"
rm .git/hooks/pre-commit
git commit -q -m names --no-verify || fail "commit"
assert_status 1 git push "$scratch/srv.git" HEAD:refs/heads/main
assert_contains "$ERR" "push rejected: 10 secrets"
for want in ' nl\x0ax.env:1: npm-token: ' ' nl\x5cx0ax.env:1: ' \
    ' -x.env:1: ' ' --help:1: ' ' -:1: '; do
	assert_contains "$ERR" "$want"
done
