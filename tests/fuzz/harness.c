/* harness: invariant checks and token splicing for the fuzz harnesses. */
#include "harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "report.h"

static const char ELLIPSIS[] = "\xe2\x80\xa6";
static const char *const PREFIXES[] = {
	"npm_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_",
};

void
harness_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "invariant broken: %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n != 0 ? n : 1);

	if (q == NULL)
		harness_fail(__FILE__, __LINE__, "out of memory");
	return q;
}

static void
add_token(struct harness_input *in, size_t pos, const char *text)
{
	struct harness_token *t;

	in->tokens = xrealloc(in->tokens, (in->ntokens + 1) *
	    sizeof(*in->tokens));
	t = &in->tokens[in->ntokens++];
	t->pos = pos;
	memcpy(t->text, text, TOKEN_LEN + 1);
}

void
harness_splice(struct harness_input *in, const uint8_t *data, size_t n)
{
	/* A marker of 2 bytes grows to 56 at most (base64 of 40 + 4). */
	size_t cap = n * 28 + 1, o = 0;

	memset(in, 0, sizeof(*in));
	in->buf = xrealloc(NULL, cap);
	for (size_t i = 0; i < n; i++) {
		char tok[TOKEN_LEN + 1];
		unsigned s;

		if (data[i] < 1 || data[i] > 3 || i + 1 >= n) {
			in->buf[o++] = (char)data[i];
			continue;
		}
		s = data[i + 1];
		switch (data[i]) {
		case 1:
			token_generate(tok, PREFIXES[s % 6], s / 6);
			add_token(in, o, tok);
			memcpy(in->buf + o, tok, TOKEN_LEN);
			o += TOKEN_LEN;
			break;
		case 2:
			token_generate(tok, "npm_", s);
			o += b64_encode(in->buf + o, (const unsigned char *)tok,
			    TOKEN_LEN);
			break;
		default:
			token_generate(tok, "npm_", s);
			tok[TOKEN_LEN - 1] = tok[TOKEN_LEN - 1] == 'a' ? 'b' :
			    'a';
			memcpy(in->buf + o, tok, TOKEN_LEN);
			o += TOKEN_LEN;
			break;
		}
		i++;
	}
	/* Exactly len bytes: ASan sees any read past the end. */
	in->buf = xrealloc(in->buf, o);
	in->len = o;
}

void
harness_input_release(struct harness_input *in)
{
	free(in->buf);
	free(in->tokens);
	memset(in, 0, sizeof(*in));
}

size_t
harness_line_of(const char *buf, size_t pos)
{
	size_t line = 1;

	for (size_t i = 0; i < pos; i++)
		line += buf[i] == '\n';
	return line;
}

void
harness_findings_init(struct harness_findings *fs, const struct scanner *s,
    const char *path, const char *buf, size_t len)
{
	memset(fs, 0, sizeof(*fs));
	fs->scanner = s;
	fs->path = path;
	fs->lines = harness_line_of(buf, len);
}

void
harness_findings_release(struct harness_findings *fs)
{
	free(fs->v);
	fs->v = NULL;
	fs->n = fs->cap = 0;
}

/*
 * Valid UTF-8, strictly (no overlong forms, surrogates or > U+10FFFF):
 * report_utf8() leaves such a string as it is, and replaces any byte
 * that is not part of it.
 */
static bool
valid_utf8(const char *s)
{
	char *fixed = NULL;
	struct err e = { 0 };
	bool same;

	HARNESS_CHECK(report_utf8(&fixed, s, &e) == 0, "%s", e.msg);
	same = strcmp(fixed, s) == 0;
	free(fixed);
	return same;
}

void
harness_check_finding(const struct harness_findings *fs,
    const struct finding *f)
{
	const char *dots, *red = f->redacted;
	char shown[REDACTED_SIZE], fp[FINGERPRINT_SIZE];
	size_t rlen, head, tail;
	bool known = false;
	struct err e = { 0 };

	HARNESS_CHECK(f->rule != NULL, "finding without a rule id");
	for (size_t i = 0; i < scanner_rule_count(fs->scanner); i++)
		known = known || strcmp(scanner_rule(fs->scanner, i)->id,
		    f->rule) == 0;
	HARNESS_CHECK(known, "rule id '%s' is not one of the scanner's",
	    f->rule);
	HARNESS_CHECK(f->description != NULL && f->description[0] != '\0' &&
	    strchr(f->description, '\n') == NULL,
	    "rule '%s': description is not one line", f->rule);
	HARNESS_CHECK(f->path != NULL && strcmp(f->path, fs->path) == 0,
	    "finding path is not the origin's");
	HARNESS_CHECK(f->commit == NULL, "commit set without history");
	HARNESS_CHECK(f->line >= 1 && f->line <= fs->lines,
	    "line %zu outside 1..%zu", f->line, fs->lines);
	HARNESS_CHECK(f->column >= 1, "column %zu", f->column);
	HARNESS_CHECK(finding_is_fingerprint(f->fingerprint),
	    "malformed fingerprint");

	/* RULES.md 5: "npm_...Ab" at most. */
	rlen = strnlen(red, REDACTED_SIZE);
	HARNESS_CHECK(rlen < REDACTED_SIZE, "redacted form not terminated");
	dots = strstr(red, ELLIPSIS);
	HARNESS_CHECK(dots != NULL, "redacted form without an ellipsis");
	head = (size_t)(dots - red);
	tail = rlen - head - 3;
	HARNESS_CHECK(head <= 4 && tail <= 2,
	    "redacted form shows %zu + %zu bytes", head, tail);
	for (size_t i = 0; i < rlen; i++) {
		unsigned char c = (unsigned char)red[i];

		HARNESS_CHECK(c >= 0x20 && c != 0x7f,
		    "control byte 0x%02x in a redacted form", c);
	}
	HARNESS_CHECK(valid_utf8(red),
	    "redacted form is not valid UTF-8 (rule '%s')", f->rule);

	/* What is shown is never the whole secret, nor is it empty. */
	memcpy(shown, red, head);
	memcpy(shown + head, dots + 3, tail);
	HARNESS_CHECK(finding_fingerprint(fp, shown, head + tail, &e) == 0,
	    "%s", e.msg);
	HARNESS_CHECK(strcmp(fp, f->fingerprint) != 0,
	    "redacted form '%s' shows the whole secret (rule '%s')", red,
	    f->rule);
	HARNESS_CHECK(finding_fingerprint(fp, "", 0, &e) == 0, "%s", e.msg);
	HARNESS_CHECK(strcmp(fp, f->fingerprint) != 0,
	    "empty secret reported (rule '%s')", f->rule);
}

int
harness_collect(const struct finding *f, void *payload)
{
	struct harness_findings *fs = payload;
	struct harness_finding *h;

	harness_check_finding(fs, f);
	if (fs->n == fs->cap) {
		fs->cap = fs->cap != 0 ? fs->cap * 2 : 16;
		fs->v = xrealloc(fs->v, fs->cap * sizeof(*fs->v));
	}
	h = &fs->v[fs->n++];
	memset(h, 0, sizeof(*h));
	(void)snprintf(h->rule, sizeof(h->rule), "%s", f->rule);
	h->line = f->line;
	h->column = f->column;
	memcpy(h->redacted, f->redacted, sizeof(h->redacted));
	memcpy(h->fingerprint, f->fingerprint, sizeof(h->fingerprint));
	h->allowed_inline = f->allowed_inline;
	return 0;
}

static bool
same_finding(const struct harness_finding *a, const struct harness_finding *b)
{
	return strcmp(a->rule, b->rule) == 0 && a->line == b->line &&
	    a->column == b->column && strcmp(a->redacted, b->redacted) == 0 &&
	    strcmp(a->fingerprint, b->fingerprint) == 0 &&
	    a->allowed_inline == b->allowed_inline;
}

static void
show(const char *name, const struct harness_findings *fs)
{
	fprintf(stderr, "%s: %zu finding(s)\n", name, fs->n);
	for (size_t i = 0; i < fs->n; i++)
		fprintf(stderr, "  %zu:%zu %s %s %.15s%s\n", fs->v[i].line,
		    fs->v[i].column, fs->v[i].rule, fs->v[i].redacted,
		    fs->v[i].fingerprint,
		    fs->v[i].allowed_inline ? " (allowed)" : "");
}

void
harness_same(const struct harness_findings *a,
    const struct harness_findings *b, const char *what)
{
	bool same = a->n == b->n;

	for (size_t i = 0; same && i < a->n; i++)
		same = same_finding(&a->v[i], &b->v[i]);
	if (same)
		return;
	show("first", a);
	show("second", b);
	harness_fail(__FILE__, __LINE__, "%s: findings differ", what);
}

static int
cmp_finding(const void *x, const void *y)
{
	const struct harness_finding *a = x, *b = y;
	int c;

	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->column != b->column)
		return a->column < b->column ? -1 : 1;
	c = strcmp(a->rule, b->rule);
	if (c != 0)
		return c;
	c = strcmp(a->fingerprint, b->fingerprint);
	if (c != 0)
		return c;
	return (int)a->allowed_inline - (int)b->allowed_inline;
}

void
harness_sort(struct harness_findings *fs)
{
	if (fs->n > 1)
		qsort(fs->v, fs->n, sizeof(*fs->v), cmp_finding);
}

void
harness_unique(struct harness_findings *fs)
{
	size_t o = 0;

	for (size_t i = 0; i < fs->n; i++) {
		if (o > 0 && same_finding(&fs->v[o - 1], &fs->v[i]))
			continue;
		fs->v[o++] = fs->v[i];
	}
	fs->n = o;
}

bool
harness_has_fingerprint(const struct harness_findings *fs, const char *fp)
{
	for (size_t i = 0; i < fs->n; i++) {
		if (strcmp(fs->v[i].fingerprint, fp) == 0)
			return true;
	}
	return false;
}
