#!/bin/sh
# The README and the guides in docs/ hold together and their commands run:
#
# - every relative link of README.md and docs/*.md resolves: the file or
#   directory exists, and a #anchor names a heading of the target Markdown
#   file by GitHub's rules (lower case, spaces to '-', punctuation other
#   than '-' and '_' dropped, '-1', '-2', ... after a repeated heading);
# - the README's first two commands are `./install.sh && tokenguard scan .`
#   and `make test`, each in a block of its own;
# - every runnable block, a fenced block whose info string is
#   `sh runnable`, runs with `sh -e` in a new empty git repository (no
#   commit) of its own, with the programs of $BUILD first on PATH and a
#   HOME and git configuration of its own, and exits 0.
#
# Every broken link and every failing block is reported, as FILE:LINE of
# the link or of the command that failed, before the test fails.
# docs/building.md ("Tests of the documentation") documents the marker.
. "$(dirname "$0")/lib.sh"

TOP=$(cd "$TESTS_DIR/../.." && pwd) || fail "no top directory"
[ -f "$TOP/README.md" ] || fail "no README.md in $TOP"
[ -d "$TOP/docs" ] || fail "no docs/ directory in $TOP"
set -- "$TOP/README.md" "$TOP"/docs/*.md
[ -f "$2" ] || fail "no guide in docs/"

# The links and the first commands are checked, and the runnable blocks
# written out as blocks/N.sh (with blocks/N.where, FILE:LINE of the block),
# by one pass over the files. A command of a block is preceded by an
# assignment of its line in the file, which the block's EXIT trap writes
# to $TG_DOCS_AT: so a failure names its line. A line ending in '\', '|',
# '&&' or '||' goes on to the next one.
mkdir blocks || fail "mkdir"
python3 - "$TOP" blocks "$@" >problems <<'PY' || fail "checking the documents"
import os
import re
import sys

top, outdir, files = sys.argv[1], sys.argv[2], sys.argv[3:]
problems = []
fence_re = re.compile(r'^ {0,3}(`{3,}|~{3,})(.*)$')
heading_re = re.compile(r'^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$')


def rel(path):
    return os.path.relpath(path, top)


def parse(path):
    """Lines outside fenced blocks (None for those inside) and the fenced
    blocks as (first line number, info string, lines)."""
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    prose = []
    blocks = []
    fence = None
    for n, line in enumerate(lines, 1):
        m = fence_re.match(line)
        if fence is None:
            if m and not (m.group(1)[0] == '`' and '`' in m.group(2)):
                fence = (m.group(1), n, m.group(2).strip(), [])
                prose.append(None)
            else:
                prose.append(line)
            continue
        prose.append(None)
        mark = fence[0]
        if (m and m.group(1)[0] == mark[0] and
                len(m.group(1)) >= len(mark) and m.group(2).strip() == ''):
            blocks.append(fence[1:])
            fence = None
        else:
            fence[3].append(line)
    if fence is not None:
        problems.append('%s:%d: fenced block never closed' %
                        (rel(path), fence[1]))
    return prose, blocks


def slug(text):
    text = re.sub(r'!?\[([^\]]*)\]\([^)]*\)', r'\1', text)
    text = text.lower()
    text = ''.join(c for c in text if c.isalnum() or c in '-_ ')
    return text.replace(' ', '-')


anchors_of = {}


def anchors(path):
    if path not in anchors_of:
        seen = {}
        found = set()
        for line in parse(path)[0]:
            m = heading_re.match(line) if line is not None else None
            if not m:
                continue
            s = slug(m.group(2))
            if s in seen:
                seen[s] += 1
                s = '%s-%d' % (s, seen[s])
            else:
                seen[s] = 0
            found.add(s)
        anchors_of[path] = found
    return anchors_of[path]


def code_spans_out(text):
    # Code spans hold no links; newlines are kept for line numbers.
    return re.sub(r'(`+)(.+?)\1',
                  lambda m: re.sub(r'[^\n]', ' ', m.group(0)), text,
                  flags=re.S)


def check_links(path, prose):
    text = code_spans_out('\n'.join(l if l is not None else ''
                                    for l in prose))
    for m in re.finditer(r'\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)',
                         text):
        target = m.group(1)
        where = '%s:%d' % (rel(path), text.count('\n', 0, m.start()) + 1)
        if target == '':
            problems.append('%s: empty link' % where)
            continue
        if re.match(r'^[A-Za-z][A-Za-z0-9+.-]*:', target) or \
                target.startswith('//'):
            continue
        name, _, anchor = target.partition('#')
        dest = path if name == '' else \
            os.path.normpath(os.path.join(os.path.dirname(path), name))
        if not os.path.exists(dest):
            problems.append('%s: link to %s: no such file' %
                            (where, target))
            continue
        if name.endswith('/') and not os.path.isdir(dest):
            problems.append('%s: link to %s: not a directory' %
                            (where, target))
            continue
        if anchor == '':
            continue
        if not dest.endswith('.md') or not os.path.isfile(dest):
            problems.append('%s: link to %s: an anchor in a file that is '
                            'not Markdown' % (where, target))
        elif anchor not in anchors(dest):
            problems.append('%s: link to %s: %s has no heading with the '
                            'anchor #%s' % (where, target, rel(dest),
                                            anchor))


def write_block(count, path, first, lines):
    out = ['_tg_line=%d' % first,
           "trap '_tg_s=$?; printf \"%s %s\\n\" \"$_tg_line\" \"$_tg_s\" "
           ">\"$TG_DOCS_AT\"' EXIT",
           'set -e']
    going_on = False
    for n, line in enumerate(lines, first + 1):
        if not going_on and line.strip() != '' and \
                not line.lstrip().startswith('#'):
            out.append('_tg_line=%d' % n)
        out.append(line)
        if line.strip() != '':
            going_on = re.search(r'(\\|\||&&)\s*$', line) is not None
    name = os.path.join(outdir, '%d' % count)
    with open(name + '.sh', 'w') as f:
        f.write('\n'.join(out) + '\n')
    with open(name + '.where', 'w') as f:
        f.write('%s:%d\n' % (rel(path), first))


count = 0
for path in files:
    prose, blocks = parse(path)
    check_links(path, prose)
    if os.path.basename(path) == 'README.md' and \
            os.path.dirname(path) == top:
        want = ['./install.sh && tokenguard scan .', 'make test']
        got = ['\n'.join(b[2]).strip() for b in blocks[:2]]
        for i, (w, g) in enumerate(zip(want, got + ['', ''])):
            if w != g:
                problems.append('%s: command %d is %r, not %r' %
                                (rel(path), i + 1, g, w))
    for first, info, lines in blocks:
        if info.split()[:2] == ['sh', 'runnable']:
            count += 1
            write_block(count, path, first, lines)
for p in problems:
    print(p)
PY
blocks=$(find blocks -name '*.sh' | wc -l)
[ "$blocks" -gt 0 ] || echo "no runnable block in the documents" >>problems

# Each block in a directory of its own, as a new user in a new repository.
n=1
while [ -f "blocks/$n.sh" ]; do
	where=$(cat "blocks/$n.where")
	dir=$scratch/run/$n
	mkdir -p "$dir/work" "$dir/home/.config" || fail "mkdir"
	git -C "$dir/work" init -q || fail "git init"
	cd "$dir/work" || fail "cd"
	CMD_TIMEOUT=120 run_cmd env PATH="$BUILD:$PATH" HOME="$dir/home" \
	    XDG_CONFIG_HOME="$dir/home/.config" \
	    GIT_CONFIG_GLOBAL="$dir/home/.gitconfig" \
	    TG_DOCS_AT="$dir/at" sh "$scratch/blocks/$n.sh"
	cd "$scratch" || fail "cd"
	if [ "$STATUS" != 0 ]; then
		line=$(cut -d ' ' -f 1 "$dir/at" 2>/dev/null)
		file=${where%:*}
		if [ -n "$line" ] && [ "$line" != "${where##*:}" ]; then
			cmd=$(sed -n "${line}p" "$TOP/$file")
		else
			line=${where##*:}
			cmd="the block"
		fi
		{
			printf '%s:%s: exit status %s: %s\n' "$file" "$line" \
			    "$STATUS" "$cmd"
			sed 's/^/    stdout: /' "$OUT" | tail -n 10
			sed 's/^/    stderr: /' "$ERR" | tail -n 10
		} >>problems
	fi
	n=$((n + 1))
done

if [ -s problems ]; then
	sed 's/^/  /' problems >&2
	fail "$(grep -c -v '^    std' problems) problem(s) in README.md and docs/"
fi
note "$(ls "$TOP"/docs/*.md | wc -l) guides, $blocks runnable blocks"
exit 0
