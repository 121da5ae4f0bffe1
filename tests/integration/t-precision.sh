# Precision on labelled snippets of real public code (tests/precision/,
# RULES.md 3.1): every leak in scope is found, and at most 2 of the
# clean snippets are flagged. score.py makes the checksum-valid tokens
# of the corpus at run time.
. "$(dirname "$0")/lib.sh"

corpus=$TESTS_DIR/../precision
python3 "$corpus/score.py" "$corpus" "$TOKENGUARD" >score.out 2>&1 ||
    { cat score.out; fail "score.py failed"; }
line=$(tail -n 1 score.out)
note "$line"
set -- $(echo "$line" | sed -n \
    's/.*leaks found \([0-9]*\)\/\([0-9]*\), clean flagged \([0-9]*\)\/.*/\1 \2 \3/p')
[ $# = 3 ] || fail "no summary line from score.py: $line"
if [ "$1" != "$2" ] || [ "$3" -gt 2 ]; then
	cat score.out
	fail "want every leak found and at most 2 clean flagged: $line"
fi
