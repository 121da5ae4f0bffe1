#!/bin/sh
# tests/lint.sh: the style checks of STYLE.md that a compiler does not
# make, over the C files given as arguments (`make lint` passes common/*.c
# and cli/*.c). It flags:
#   - calls to banned functions (strcpy strcat sprintf vsprintf gets strtok
#     atoi atol system popen alloca);
#   - // comments;
#   - lines over 80 columns (tabs are 8 wide);
#   - indentation with spaces: leading whitespace must be tabs, then
#     nothing or the 4 spaces of a continuation line;
#   - in common/*.c, any call that prints, exits or aborts (printf,
#     fprintf, vprintf, vfprintf, dprintf, puts, putchar, perror, exit,
#     _exit, _Exit, quick_exit, abort): common/ never prints or exits.
# Comments and string and character literals are ignored for the call and
# comment checks. Prints `file:line: message` for each and exits 1 if
# there was any, 0 if none, 2 if a file cannot be read.

LC_ALL=C
export LC_ALL
status=0
for f in "$@"; do
	if [ ! -r "$f" ]; then
		echo "$f: cannot read" >&2
		status=2
		continue
	fi
	noprint=0
	case $f in
	common/*.c | */common/*.c) noprint=1 ;;
	esac
	awk -v file="$f" -v noprint="$noprint" '
	BEGIN {
		banned = "strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|" \
		    "atol|system|popen|alloca"
		printing = "printf|fprintf|vprintf|vfprintf|dprintf|puts|" \
		    "putchar|perror|exit|_exit|_Exit|quick_exit|abort"
		incomment = 0
		bad = 0
	}
	function report(msg) {
		printf "%s:%d: %s\n", file, FNR, msg
		bad = 1
	}
	# Display width, tabs to the next multiple of 8, UTF-8
	# continuation bytes taking no room.
	function width(s,    i, c, col) {
		col = 0
		for (i = 1; i <= length(s); i++) {
			c = substr(s, i, 1)
			if (c == "\t")
				col = int(col / 8) * 8 + 8
			else if (c < "\200" || c >= "\300")
				col++
		}
		return col
	}
	# Reports each NAME in the alternation names called in code.
	function calls(code, names, what,    rest, m, name) {
		rest = code
		while (match(rest, "(^|[^A-Za-z0-9_.])(" names ")[ \t]*\\(")) {
			m = substr(rest, RSTART, RLENGTH)
			name = m
			sub(/^[^A-Za-z_]/, "", name)
			sub(/[ \t]*\($/, "", name)
			report(what " " name "()")
			rest = substr(rest, RSTART + RLENGTH)
		}
	}
	{
		line = $0
		sub(/\r$/, "", line)
		startcomment = incomment

		w = width(line)
		if (w > 80)
			report("line is " w " columns (max 80)")

		# Indentation, unless the line continues a block comment.
		if (!startcomment && line ~ /^[ \t]*[^ \t]/) {
			lead = line
			sub(/[^ \t].*$/, "", lead)
			tabs = lead
			sub(/[^\t].*$/, "", tabs)
			spaces = substr(lead, length(tabs) + 1)
			if (spaces ~ /\t/)
				report("space before tab in indentation")
			else if (spaces != "" && spaces != "    ")
				report("indent with tabs (continuation lines" \
				    " take 4 spaces)")
		}

		# The code of the line: comments and literals removed.
		code = ""
		n = length(line)
		i = 1
		while (i <= n) {
			c = substr(line, i, 1)
			two = substr(line, i, 2)
			if (incomment) {
				if (two == "*/") {
					incomment = 0
					code = code " "
					i += 2
				} else {
					i++
				}
			} else if (two == "/*") {
				incomment = 1
				i += 2
			} else if (two == "//") {
				report("// comment (use /* */)")
				break
			} else if (c == "\"" || c == "\047") {
				q = c
				code = code q q
				i++
				while (i <= n) {
					c = substr(line, i, 1)
					if (c == "\\")
						i += 2
					else if (c == q) {
						i++
						break
					} else
						i++
				}
			} else {
				code = code c
				i++
			}
		}
		gsub(/->/, ".", code)
		calls(code, banned, "banned function")
		if (noprint)
			calls(code, printing, "common/ never prints or exits:")
	}
	END { exit bad }
	' "$f" || { [ "$status" = 0 ] && status=1; }
done
exit "$status"
