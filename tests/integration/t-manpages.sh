# The man pages in man/ cannot silently drift from the programs:
#  - groff -ww -z -man prints no warning for any page (also when
#    formatted for a terminal, where over-long lines show up);
#  - each page's .TH matches its file name, and it has the sections a
#    reader looks for;
#  - each program (tokenguard, tokenguard-NAME for hooks/NAME.c,
#    tokenguard-watch) has a page;
#  - every option a program's --help prints (for tokenguard: the help of
#    every command too) is in the program's page, and every option the
#    page lists under OPTIONS is in --help;
#  - every git-config key a hook's --help names is in its page;
#  - every configuration key in the sources ("tokenguard.xxx" literals,
#    "rule.%s.xxx", the watcher's KNOWN keys) is in tokenguard-config(5),
#    and every key that page describes is in the sources;
#  - every environment variable the sources read is in some page.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$TESTS_DIR/../.." && pwd) || fail "no source tree"
MAN=$ROOT/man
[ -d "$MAN" ] || fail "no man/ directory in $ROOT"
command -v groff >/dev/null 2>&1 ||
    fail "groff is not installed (Debian: apt-get install groff-base)"
SOURCES=$(ls "$ROOT"/common/*.c "$ROOT"/cli/*.c "$ROOT"/hooks/*.c \
    "$ROOT"/watcher/*.c) || fail "no sources"

# The page's text with font escapes and the escapes of '-', '\' and
# zero-width characters undone, so that options and keys can be found.
plain()
{
	sed -e 's/\\f[BIRP]//g' -e 's/\\f(..//g' -e 's/\\f\[[A-Z]*\]//g' \
	    -e 's/\\-/-/g' -e 's/\\&//g' -e 's/\\%//g' -e 's/\\(dq/"/g' \
	    -e 's/\\(aq/'\''/g' -e 's/\\e/\\/g' "$1"
}

# Options (-x, --long-name) in a text, one a line, sorted.
options_in()
{
	grep -o -E '(^|[][ (,|"'\''=])--?[A-Za-z][A-Za-z0-9-]*' "$1" |
	    sed 's/^[^-]*//' | sort -u
}

# missing FILE [-i]: prints the words of standard input (one a line)
# that FILE does not hold as whole words, with no letter, digit, '-' or
# '_' right before or after; -i ignores case (configuration keys do).
# One process for many words: the test stays cheap.
missing()
{
	cat >words.txt
	[ -s words.txt ] || return 0
	awk -v ic="${2-}" '
	function found(text, word,    start, i, b, a) {
		start = 1
		while ((i = index(substr(text, start), word)) > 0) {
			i += start - 1
			b = substr(text, i - 1, 1)
			a = substr(text, i + length(word), 1)
			if (b !~ /[A-Za-z0-9_-]/ && a !~ /[A-Za-z0-9_-]/)
				return 1
			start = i + 1
		}
		return 0
	}
	NR == FNR { if ($0 != "") words[++n] = $0; next }
	{ text = text "\n" $0 }
	END {
		text = text "\n"
		if (ic == "-i")
			text = tolower(text)
		for (k = 1; k <= n; k++)
			if (!found(text, ic == "-i" ? tolower(words[k]) : \
			    words[k]))
				print words[k]
	}' words.txt "$1"
}

# expect_in FILE [-i] MESSAGE...: fails with MESSAGE and the words
# missing from FILE, when missing says some are. Give it the words with a
# redirection, not a pipe: fail must not run in a subshell.
expect_in()
{
	missing "$1" "$2" >missing.txt
	[ -s missing.txt ] || return 0
	shift 2
	fail "$*: $(tr '\n' ' ' <missing.txt)"
}

# 1. groff warnings, .TH, sections.
npages=0
for page in "$MAN"/*; do
	name=$(basename "$page")
	case $name in
	*.1 | *.5 | *.8) ;;
	*) fail "man/$name: not a page of section 1, 5 or 8" ;;
	esac
	npages=$((npages + 1))
	for dev in ps utf8; do
		groff -ww -z -man -T"$dev" "$page" >groff.out 2>&1 ||
		    fail "groff -T$dev failed on man/$name"
		if [ -s groff.out ]; then
			sed 's/^/    /' groff.out >&2
			fail "groff -ww -z -man -T$dev warns about man/$name"
		fi
	done
	want=$(printf '%s %s' "${name%.*}" "${name##*.}" |
	    tr '[:lower:]' '[:upper:]')
	got=$(plain "$page" |
	    sed -n 's/^\.TH  *\([^ ]*\)  *\([^ ]*\).*/\1 \2/p')
	[ "$got" = "$want" ] || fail "man/$name: .TH says '$got', want '$want'"
	case $name in
	*.5) sections="NAME SYNOPSIS DESCRIPTION FILES EXAMPLES" ;;
	*) sections="NAME SYNOPSIS DESCRIPTION OPTIONS EXIT_STATUS \
	    ENVIRONMENT FILES EXAMPLES" ;;
	esac
	for s in $sections SEE_ALSO; do
		s=$(printf '%s' "$s" | tr _ ' ')
		grep -q -x -e "\.SH $s" -e "\.SH \"$s\"" "$page" ||
		    fail "man/$name: no $s section"
	done
done
[ "$npages" -ge 5 ] || fail "only $npages man pages"

# The configuration keys of the sources.
# shellcheck disable=SC2086
{
	grep -h -o -E '"tokenguard\.[a-z][A-Za-z]*' $SOURCES | tr -d '"'
	grep -h -o -E '"rule\.%s\.[a-z]+"' $SOURCES |
	    sed 's/"rule\.%s\.\([a-z]*\)"/rule.<id>.\1/'
} | sort -u >keys.src
awk '/KNOWN\[\] = \{/, /\};/' "$ROOT/watcher/conf.c" |
    grep -o -E '"[a-z]+\.[a-z]+"' | tr -d '"' | sort -u >keys.watch
[ "$(wc -l <keys.src)" -ge 10 ] ||
    fail "found only $(wc -l <keys.src) tokenguard.*/rule.* keys in the" \
    "sources: update this test"
[ "$(wc -l <keys.watch)" -ge 10 ] ||
    fail "found only $(wc -l <keys.watch) watcher keys (KNOWN[] in" \
    "watcher/conf.c): update this test"

# 2. A page for every program, and its options.
programs="tokenguard tokenguard-watch"
for c in "$ROOT"/hooks/*.c; do
	programs="$programs tokenguard-$(basename "$c" .c)"
done
for prog in $programs; do
	page=
	for s in 1 8; do
		[ -f "$MAN/$prog.$s" ] && page=$MAN/$prog.$s
	done
	[ -n "$page" ] || fail "$prog has no man page (man/$prog.1 or .8)"
	[ -x "$BUILD/$prog" ] || fail "$BUILD/$prog is not built"
	plain "$page" >page.txt

	assert_status 0 "$BUILD/$prog" --help
	cp "$OUT" help.txt
	if [ "$prog" = tokenguard ]; then
		# Every command of the COMMANDS list, and its own help.
		cmds=$(sed -n '/^COMMANDS/,/^$/p' help.txt |
		    sed -n 's/^    \([a-z][a-z]*\)  .*/\1/p')
		[ -n "$cmds" ] || fail "tokenguard --help lists no command"
		for cmd in $cmds; do
			assert_status 0 "$BUILD/$prog" "$cmd" --help
			cat "$OUT" >>help.txt
		done
		printf '%s\n' $cmds >cmds.txt
		expect_in page.txt "" "man/$(basename "$page") lacks" \
		    "commands" <cmds.txt
	fi

	options_in help.txt >help.opts
	[ -s help.opts ] || fail "$prog --help printed no option"
	expect_in page.txt "" "man/$(basename "$page") lacks options that" \
	    "$prog --help prints" <help.opts

	# Options listed under OPTIONS (the .TP tags) must exist.
	sed -n '/^\.SH OPTIONS/,/^\.SH /p' page.txt |
	    awk 'tag { print; tag = 0 } /^\.TP/ { tag = 1 }' >tags.txt
	options_in tags.txt >page.opts
	[ -s page.opts ] || fail "man/$(basename "$page"): no option tags"
	expect_in help.txt "" "man/$(basename "$page") lists options that" \
	    "$prog --help does not print" <page.opts

	# Keys a hook's help names are in its page.
	grep -o -E 'tokenguard\.[a-z][A-Za-z]*' help.txt | sort -u |
	    grep -x -F -f keys.src >help.keys
	expect_in page.txt -i "man/$(basename "$page") lacks keys that" \
	    "$prog --help names" <help.keys
done

# The built-in rules that tokenguard rules lists are in tokenguard(1).
assert_status 0 "$TOKENGUARD" rules
plain "$MAN/tokenguard.1" >page.txt
awk '$2 == "built-in" { print $1 }' "$OUT" >rules.txt
nrules=$(wc -l <rules.txt)
[ "$nrules" -ge 10 ] || fail "tokenguard rules listed $nrules built-in rules"
expect_in page.txt "" "man/tokenguard.1 lacks rules" <rules.txt

# 3. Configuration keys: the sources and tokenguard-config(5) agree.
[ -f "$MAN/tokenguard-config.5" ] || fail "no man/tokenguard-config.5"
plain "$MAN/tokenguard-config.5" >config.txt
expect_in config.txt -i "tokenguard-config(5) lacks keys the sources" \
    "read" <keys.src
expect_in config.txt -i "tokenguard-config(5) lacks watcher keys" \
    <keys.watch
# Every key the page describes (its .TP tags) is one of them.
cat keys.src keys.watch | tr '[:upper:]' '[:lower:]' >keys.all
sections='tokenguard|watch|webhook|queue|metrics|rule'
awk 'tag { print; tag = 0 } /^\.TP/ { tag = 1 }' config.txt |
    grep -o -E "(^|[ \"(])($sections)\\.[A-Za-z<>.]*[A-Za-z>]" |
    sed 's/^[ "(]//' | sort -u >keys.page
[ -s keys.page ] || fail "tokenguard-config(5) describes no key"
tr '[:upper:]' '[:lower:]' <keys.page | grep -v -x -F -f keys.all \
    >unknown.txt
[ -s unknown.txt ] && fail "tokenguard-config(5) describes keys no source" \
    "reads: $(tr '\n' ' ' <unknown.txt)"

# 4. Environment variables the sources read are documented somewhere.
for page in "$MAN"/*; do
	plain "$page"
done >all.txt
# shellcheck disable=SC2086
vars=$(grep -h -o -E '(getenv|env)\("[A-Z][A-Z0-9_]*"\)' $SOURCES |
    sed 's/.*("\(.*\)")/\1/' | sort -u)
[ -n "$vars" ] || fail "found no getenv() in the sources: update this test"
printf '%s\n' "$vars" >vars.txt
expect_in all.txt "" "no man page mentions these variables the sources" \
    "read" <vars.txt

nvars=$(printf '%s\n' "$vars" | wc -l)
note "$npages pages; $nrules rules; $(wc -l <keys.src) +" \
    "$(wc -l <keys.watch) keys; $nvars environment variables"
exit 0
