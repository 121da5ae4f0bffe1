/*
 * test_scan: the specification test of the detection engine. Every
 * section of RULES.md is a table of small cases: a path, a text, and the
 * findings expected (rule id and line, sometimes column, value). Tokens
 * are placeholders (support.h) replaced at run time, so that no source
 * file holds a checksum-valid token.
 *
 * A case whose note starts with "DEBATABLE" is one where RULES.md leaves
 * room: the expectation is our reading, and when the case has an
 * alternative (ALT, ALT_NONE) that outcome is accepted too; the run
 * prints a note when the engine chose the alternative.
 * All failing cases of a table are printed before the test fails.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "config.h"
#include "finding.h"
#include "scan.h"
#include "support.h"
#include "token.h"

/* Values used throughout. OPQ has 20 characters and 3 classes. */
#define OPQ "Zq8vR2mK9pLx4TnW7yB3"
#define OPQ2 "Hk3mP9qLw2Xz7RtY5vBn"
#define UUID "5f0c3a4e-8b2d-4c1e-9a7f-2d6b8e1c3f90"
#define UUID_UPPER "5F0C3A4E-8B2D-4C1E-9A7F-2D6B8E1C3F90"
#define UUID_ODD "0a1b2c3d-4e5f-f678-09ab-cdef01234567"	/* version f */
#define UUID_NIL "00000000-0000-0000-0000-000000000000"
#define REG "//registry.npmjs.org/:_authToken="
#define JWT "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." \
    "eyJyZWFsX2dyb3VwcyI6W10sIm5hbWUiOiJjaSJ9." \
    "Qk3xP9vT2mLr8WnY5bHcJd7sFg1aZe4uRo6iKt0yNpA"
#define ARTIFACTORY "cmVmdGtuOjAxOjE3MzU2ODk2MDA6Wm5kT0V4d0FxY1Nx" \
    "Y2ZQbTZLV0RxTmVYb1JM"
#define VAULT_HEX1 "6231346533386634363235333963656132366664376137" \
    "6434373564386261393064656335653232"
#define VAULT_HEX2 "3461383765373938366332333136633832316461303066" \
    "330a363637656637613432623839353466"
#define SEALED "AgBy3i4OJSWK+PiTySYZZA1rO43cGDEqAgBy3i4OJSWK+PiTy" \
    "SYZZA1rO43cGDEq9fC7Lm2Nq8Rs4Tu6Vw0Xy1Za3Bc5De7Fg9Hi2Jk4Lm6No8Pq0Rs=="
#define PGP "wcFMA/xDdHCJBTolAQ//ZQ3kPq8vR2mK9pLx4TnW7yB3Zq8vR2mK9pLx4T" \
    "nW7yB3Hk3mP9qLw2Xz7RtY5vBnQk3xP9vT2mLr8WnY5bHcJd7sFg1aZe4uRo6i"

#define MAXW 4
#define MAXF 16

struct want {
	/*
	 * "a|b": either; "*": any rule id; "~a": rule a, set aside as made
	 * up (finding.dummy set; cases run with O_DUMMIES).
	 */
	const char *rule;
	size_t line;
	size_t column;		/* 0: not checked */
};

#define F(r, l) { (r), (l), 0 }
#define WANT(...) .want = { __VA_ARGS__ }
#define NONE .want = { { NULL, 0, 0 } }
#define ALT(...) .alt = { __VA_ARGS__ }, .has_alt = true
#define ALT_NONE .has_alt = true
#define FC(r, l, c) { (r), (l), (c) }

enum opts {
	O_NOCHECKSUM = 1 << 0,	/* tokenguard.checksum = false */
	O_NOINLINE = 1 << 1,	/* tokenguard.inlineAllow = false */
	O_REPORT_ALLOWED = 1 << 2,	/* SCAN_REPORT_ALLOWED */
	O_FORCE_TEXT = 1 << 3,	/* SCAN_FORCE_TEXT */
	O_DUMMIES = 1 << 4,	/* SCAN_REPORT_DUMMIES */
};

enum binary {
	BIN_TEXT = 0,		/* stats.binary must be false */
	BIN_BINARY,		/* stats.binary must be true */
	BIN_ANY,
};

struct scase {
	const char *name;
	const char *path;
	const char *text;	/* template, see support.h */
	struct want want[MAXW];	/* in order; ends at rule == NULL */
	/*
	 * Template of the first finding's value: its redacted form and
	 * fingerprint must be those of this value (RULES.md 5).
	 */
	const char *secret;
	unsigned opts;
	const char *note;
	struct want alt[MAXW];	/* DEBATABLE: another fine outcome */
	bool has_alt;
	enum binary binary;
	size_t allowed;		/* stats.allowed */
	bool inline_allowed;	/* every finding's allowed_inline */
};

struct got {
	char rule[64];
	size_t line;
	size_t column;
	char redacted[REDACTED_SIZE];
	char fingerprint[FINGERPRINT_SIZE];
	char description[256];
	bool allowed_inline;
	bool dummy;		/* finding.dummy was set */
	const char *problem;	/* a broken invariant, or NULL */
};

struct result {
	struct got f[MAXF];
	size_t n;		/* findings seen (may exceed MAXF) */
	struct scan_stats stats;
	int rc;
	char err[ERR_MAX];
	const struct scan_origin *origin;
	int stop_after;		/* > 0: return 7 after that many */
};

static struct scanner *sc_default;
static struct scanner *sc_nochecksum;
static struct scanner *sc_noinline;

static const char ELLIPSIS[] = "\xe2\x80\xa6";

/* What a finding may show: at most 4 bytes, an ellipsis, 2 bytes. */
static const char *
check_redacted(const char *red)
{
	const char *dots = strstr(red, ELLIPSIS);

	if (strlen(red) >= REDACTED_SIZE)
		return "redacted form too long";
	if (dots == NULL)
		return "redacted form has no ellipsis";
	if (dots - red > 4 || strlen(dots + 3) > 2)
		return "redacted form shows more than 4 + 2 characters";
	return NULL;
}

static int
collect(const struct finding *f, void *payload)
{
	struct result *r = payload;
	struct got *g;

	r->n++;
	if (r->n > MAXF)
		return 0;
	g = &r->f[r->n - 1];
	memset(g, 0, sizeof(*g));
	(void)snprintf(g->rule, sizeof(g->rule), "%s",
	    f->rule == NULL ? "(null)" : f->rule);
	g->line = f->line;
	g->column = f->column;
	(void)snprintf(g->redacted, sizeof(g->redacted), "%s", f->redacted);
	(void)snprintf(g->fingerprint, sizeof(g->fingerprint), "%s",
	    f->fingerprint);
	(void)snprintf(g->description, sizeof(g->description), "%s",
	    f->description == NULL ? "" : f->description);
	g->allowed_inline = f->allowed_inline;
	g->dummy = f->dummy != NULL;
	if (f->rule == NULL)
		g->problem = "no rule id";
	else if (f->path == NULL || strcmp(f->path, r->origin->path) != 0)
		g->problem = "path is not the origin's";
	else if ((f->commit == NULL) != (r->origin->commit == NULL) ||
	    (f->commit != NULL && strcmp(f->commit, r->origin->commit) != 0))
		g->problem = "commit is not the origin's";
	else if (f->description == NULL || f->description[0] == '\0' ||
	    strchr(f->description, '\n') != NULL)
		g->problem = "description is not one non-empty line";
	else if (!finding_is_fingerprint(f->fingerprint))
		g->problem = "malformed fingerprint";
	else if (f->line < 1 || f->column < 1)
		g->problem = "line or column below 1";
	else
		g->problem = check_redacted(f->redacted);
	if (r->stop_after > 0 && (int)r->n >= r->stop_after)
		return 7;
	return 0;
}

/*
 * Scans a copy of buf[0..len) in an allocation of exactly len bytes, so
 * that under SAN=1 a read of buf[len] (a NUL in the test's text) is an
 * error, as it is in a file's window.
 */
static void
scan_buf(struct result *r, const struct scanner *s, const char *path,
    const char *commit, const char *buf, size_t len, unsigned flags)
{
	static _Thread_local struct scan_origin origin;
	struct err e = { 0 };
	char *copy = malloc(len != 0 ? len : 1);

	assert_non_null(copy);
	memcpy(copy, buf, len);
	origin.path = path;
	origin.commit = commit;
	memset(r->f, 0, sizeof(r->f));
	r->n = 0;
	r->err[0] = '\0';
	r->origin = &origin;
	memset(&r->stats, 0xa5, sizeof(r->stats));
	r->rc = scanner_scan(s, &r->stats, &origin, copy, len, flags,
	    collect, r, &e);
	free(copy);
	if (r->rc == -1)
		(void)snprintf(r->err, sizeof(r->err), "%s", e.msg);
}

static bool
rule_matches(const char *want, const char *got)
{
	size_t n = strlen(got);
	const char *p = want;

	if (strcmp(want, "*") == 0)
		return true;
	while (*p != '\0') {
		const char *bar = strchr(p, '|');
		size_t len = bar == NULL ? strlen(p) : (size_t)(bar - p);

		if (len == n && memcmp(p, got, n) == 0)
			return true;
		if (bar == NULL)
			break;
		p = bar + 1;
	}
	return false;
}

static size_t
count_want(const struct want *w)
{
	size_t n = 0;

	while (n < MAXW && w[n].rule != NULL)
		n++;
	return n;
}

/* Do the findings match the wanted list (count, order, rule, place)? */
static bool
findings_match(const struct result *r, const struct want *w, size_t nw)
{
	if (r->n != nw)
		return false;
	for (size_t i = 0; i < nw; i++) {
		bool aside = w[i].rule[0] == '~';

		if (aside != r->f[i].dummy ||
		    !rule_matches(w[i].rule + aside, r->f[i].rule))
			return false;
		if (w[i].line != r->f[i].line)
			return false;
		if (w[i].column != 0 && w[i].column != r->f[i].column)
			return false;
	}
	return true;
}

static void
print_result(const struct result *r)
{
	if (r->rc != 0)
		print_error("    scanner_scan returned %d%s%s\n", r->rc,
		    r->err[0] != '\0' ? ": " : "", r->err);
	if (r->n == 0)
		print_error("    got: no finding\n");
	for (size_t i = 0; i < r->n && i < MAXF; i++)
		print_error("    got: %s%s line %zu col %zu [%s] %.19s...%s%s\n",
		    r->f[i].dummy ? "~" : "", r->f[i].rule, r->f[i].line,
		    r->f[i].column,
		    r->f[i].redacted, r->f[i].fingerprint,
		    r->f[i].allowed_inline ? " allowed_inline" : "",
		    r->f[i].problem != NULL ? " PROBLEM" : "");
	if (r->n > MAXF)
		print_error("    got: ... %zu findings in all\n", r->n);
	print_error("    stats: binary=%d allowed=%zu lines_capped=%zu\n",
	    r->stats.binary, r->stats.allowed, r->stats.lines_capped);
}

static void
print_wants(const char *what, const struct want *w)
{
	size_t nw = count_want(w);

	if (nw == 0)
		print_error("    %s: no finding\n", what);
	for (size_t i = 0; i < nw; i++) {
		if (w[i].column == 0)
			print_error("    %s: %s line %zu\n", what, w[i].rule,
			    w[i].line);
		else
			print_error("    %s: %s line %zu col %zu\n", what,
			    w[i].rule, w[i].line, w[i].column);
	}
}

static void
print_case(const char *table, const struct scase *c, const char *why)
{
	print_error("FAIL [%s] %s: %s\n", table, c->name, why);
	print_error("    path: %s\n", c->path);
	support_print_escaped("    text: ", c->text, strlen(c->text));
	if (c->note != NULL)
		print_error("    note: %s\n", c->note);
	print_wants("want", c->want);
	if (c->has_alt)
		print_wants("or", c->alt);
}

static const struct scanner *
scanner_for(unsigned opts)
{
	if ((opts & O_NOCHECKSUM) != 0)
		return sc_nochecksum;
	if ((opts & O_NOINLINE) != 0)
		return sc_noinline;
	return sc_default;
}

static unsigned
flags_for(unsigned opts)
{
	unsigned flags = 0;

	if ((opts & O_REPORT_ALLOWED) != 0)
		flags |= SCAN_REPORT_ALLOWED;
	if ((opts & O_FORCE_TEXT) != 0)
		flags |= SCAN_FORCE_TEXT;
	if ((opts & O_DUMMIES) != 0)
		flags |= SCAN_REPORT_DUMMIES;
	return flags;
}

/*
 * Does any finding's description hold 8 or more consecutive characters
 * of the secret (RULES.md 5: never more than 4 + 2 are shown)?
 */
static bool
leaks(const struct result *r, const char *secret_tmpl)
{
	struct support_text v;
	bool leak = false;

	support_expand(&v, secret_tmpl);
	for (size_t i = 0; i < r->n && i < MAXF && !leak; i++) {
		const char *d = r->f[i].description;

		for (size_t k = 0; k + 8 <= v.len && !leak; k++)
			leak = memmem(d, strlen(d), v.buf + k, 8) != NULL;
	}
	support_text_release(&v);
	return leak;
}

/* Runs one case; prints it and returns false when it fails. */
static bool
run_case(const char *table, const struct scase *c)
{
	struct support_text text;
	struct result *r = calloc(1, sizeof(*r));
	size_t nw = count_want(c->want);
	const char *why = NULL;
	char buf[160];

	assert_non_null(r);
	support_expand(&text, c->text);
	scan_buf(r, scanner_for(c->opts), c->path, NULL, text.buf, text.len,
	    flags_for(c->opts));
	support_text_release(&text);

	if (r->rc != 0) {
		why = "scan did not return 0";
	} else if (!findings_match(r, c->want, nw)) {
		if (c->has_alt && findings_match(r, c->alt,
		    count_want(c->alt))) {
			print_message("note [%s] %s: DEBATABLE case, the "
			    "engine chose the alternative\n", table, c->name);
		} else {
			why = "findings differ";
		}
	}
	for (size_t i = 0; why == NULL && i < r->n && i < MAXF; i++) {
		if (r->f[i].problem != NULL) {
			why = r->f[i].problem;
		} else if (r->f[i].allowed_inline != c->inline_allowed) {
			why = "allowed_inline is wrong";
		} else if (i > 0 && (r->f[i].line < r->f[i - 1].line ||
		    (r->f[i].line == r->f[i - 1].line &&
		    r->f[i].column < r->f[i - 1].column))) {
			why = "findings are not in order of position";
		}
	}
	if (why == NULL && c->secret != NULL && r->n > 0) {
		struct support_text v;
		char red[REDACTED_SIZE], fp[FINGERPRINT_SIZE];
		struct err e = { 0 };

		support_expand(&v, c->secret);
		finding_redact(red, v.buf, v.len);
		assert_int_equal(finding_fingerprint(fp, v.buf, v.len, &e), 0);
		support_text_release(&v);
		if (strcmp(fp, r->f[0].fingerprint) != 0) {
			(void)snprintf(buf, sizeof(buf), "fingerprint is not "
			    "sha256 of the value (%s); want %.19s..., "
			    "redacted want [%s]", c->secret, fp, red);
			why = buf;
		} else if (strcmp(red, r->f[0].redacted) != 0) {
			(void)snprintf(buf, sizeof(buf), "redacted is not "
			    "[%s]", red);
			why = buf;
		} else if (leaks(r, c->secret)) {
			why = "a description shows part of the secret";
		}
	}
	if (why == NULL && c->binary != BIN_ANY &&
	    r->stats.binary != (c->binary == BIN_BINARY))
		why = c->binary == BIN_BINARY ? "stats.binary should be true" :
		    "stats.binary should be false";
	if (why == NULL && r->stats.allowed != c->allowed) {
		(void)snprintf(buf, sizeof(buf), "stats.allowed is %zu, "
		    "want %zu", r->stats.allowed, c->allowed);
		why = buf;
	}
	if (why != NULL) {
		print_case(table, c, why);
		print_result(r);
	}
	free(r);
	return why == NULL;
}

static void
run_table(const char *table, const struct scase *cases, size_t n)
{
	size_t failed = 0;

	for (size_t i = 0; i < n; i++) {
		if (!run_case(table, &cases[i]))
			failed++;
	}
	if (failed > 0)
		fail_msg("[%s] %zu of %zu cases failed", table, failed, n);
}

#define RUN_TABLE(name, cases) \
	run_table((name), (cases), sizeof(cases) / sizeof((cases)[0]))

/*
 * RULES.md 1.1: checksummed npm tokens, anywhere, with exact boundaries.
 */
static const struct scase TOKENS[] = {
	{ "valid token in code", "src/index.js",
	    "const token = \"@NPM@\";\n",
	    WANT(FC("npm-token", 1, 16)), .secret = "@NPM@" },
	{ "valid token in a C comment", "src/app.c",
	    "int x;\n/* @NPM@ */\n",
	    WANT(FC("npm-token", 2, 4)), .secret = "@NPM@" },
	{ "valid token in docs", "docs/publishing.md",
	    "Publish with\n\n    NPM_TOKEN=@NPM@ npm publish\n",
	    WANT(F("npm-token", 3)), .secret = "@NPM@" },
	{ "valid token in a test file", "test/auth.test.js",
	    "// fixture\nexpect(parse('@NPM@')).toBe(true);\n",
	    WANT(F("npm-token", 2)) },
	{ "valid token in a lockfile URL", "package-lock.json",
	    "  \"resolved\": \"https://r.corp.internal/a.tgz?t=@NPM@\",\n",
	    WANT(F("npm-token", 1)) },
	{ "second seed", "x.txt", "@NPM2@\n", WANT(FC("npm-token", 1, 1)),
	    .secret = "@NPM2@" },
	{ "invalid checksum in code", "src/index.js",
	    "const token = \"@BAD@\";\n", NONE },
	{ "invalid checksum, pre-check fails", "src/index.js",
	    "const token = \"@BADPRE@\";\n", NONE },
	{ "invalid checksum as _authToken value", ".npmrc",
	    REG "@BAD@\n",
	    .note = "3.5: a token of the exact shape is decided by 1 only" },
	{ "invalid checksum as NPM_TOKEN value", ".env",
	    "NPM_TOKEN=@BAD@\n",
	    .note = "3.5: a token of the exact shape is decided by 1 only" },
	{ "npm_ and 36 x", ".env",
	    "NPM_TOKEN=npm_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", NONE },
	{ "checksum off: invalid reported", "src/index.js",
	    "const token = \"@BAD@\";\n",
	    WANT(FC("npm-token", 1, 16)), .secret = "@BAD@",
	    .opts = O_NOCHECKSUM },
	{ "checksum off: pre-check failure reported", "src/index.js",
	    "t = '@BADPRE@'\n", WANT(F("npm-token", 1)), .secret = "@BADPRE@",
	    .opts = O_NOCHECKSUM },
	{ "checksum off: valid still reported", "x.txt", "@NPM@\n",
	    WANT(F("npm-token", 1)), .opts = O_NOCHECKSUM },
	{ "checksum off: invalid _authToken once", ".npmrc", REG "@BAD@\n",
	    WANT(F("npm-token", 1)), .secret = "@BAD@", .opts = O_NOCHECKSUM },
	/* Boundaries: the byte before. */
	{ "preceded by a letter", "x.txt", "a@NPM@\n", NONE },
	{ "preceded by an upper-case letter", "x.txt", "Z@NPM@\n", NONE },
	{ "preceded by a digit", "x.txt", "9@NPM@\n", NONE },
	{ "preceded by '_'", "x.txt", "_@NPM@\n", NONE },
	{ "preceded by npm_", "x.txt", "npm_@NPM@\n", NONE },
	{ "preceded by '-'", "run.sh", "npm whoami --token=@NPM@\n",
	    WANT(FC("npm-token", 1, 20)) },
	{ "preceded by '/'", "x.txt", "path/@NPM@\n",
	    WANT(FC("npm-token", 1, 6)) },
	{ "preceded by '.'", "x.txt", "x.@NPM@\n",
	    WANT(FC("npm-token", 1, 3)) },
	{ "preceded by '$'", "x.txt", "$@NPM@\n", WANT(FC("npm-token", 1, 2)) },
	{ "preceded by a tab", "x.txt", "\t@NPM@\n",
	    WANT(FC("npm-token", 1, 2)) },
	{ "preceded by a UTF-8 letter", "x.txt", "\xc3\xa9@NPM@\n",
	    WANT(FC("npm-token", 1, 3)) },
	/* The byte after. */
	{ "followed by a letter", "x.txt", "@NPM@a\n", NONE },
	{ "followed by an upper-case letter", "x.txt", "@NPM@Q\n", NONE },
	{ "followed by a digit", "x.txt", "@NPM@0\n", NONE },
	{ "followed by '_'", "x.txt", "@NPM@_\n", NONE },
	{ "followed by ','", "x.json", "[\"@NPM@\",1]\n",
	    WANT(FC("npm-token", 1, 3)) },
	{ "followed by ',' directly", "x.txt", "@NPM@,x\n",
	    WANT(FC("npm-token", 1, 1)) },
	{ "followed by '}'", "x.sh", "echo ${X:-@NPM@}\n",
	    WANT(FC("npm-token", 1, 11)) },
	{ "followed by ')'", "x.js", "f(@NPM@)\n",
	    WANT(FC("npm-token", 1, 3)) },
	{ "followed by '&'", "x.txt",
	    "https://r.corp.internal/-/login?token=@NPM@&x=1\n",
	    WANT(FC("npm-token", 1, 39)) },
	{ "followed by an escaped quote", "terraform.tfstate",
	    "      \"value\": \"{\\\"t\\\":\\\"@NPM@\\\"}\",\n",
	    WANT(F("npm-token", 1)) },
	{ "followed by '''", "x.py", "t = '@NPM@'\n",
	    WANT(FC("npm-token", 1, 6)) },
	{ "followed by a box-drawing bar", "README.md",
	    "\xe2\x94\x82 prod \xe2\x94\x82 @NPM@\xe2\x94\x82\n",
	    WANT(FC("npm-token", 1, 14)) },
	{ "between box-drawing bars", "x.txt",
	    "\xe2\x94\x82@NPM@\xe2\x94\x82\n", WANT(FC("npm-token", 1, 4)) },
	{ "followed by a space", "x.txt", "@NPM@ x\n",
	    WANT(F("npm-token", 1)) },
	{ "followed by ';'", "x.js", "t=@NPM@;\n", WANT(F("npm-token", 1)) },
	{ "followed by ']'", "x.txt", "[@NPM@]\n", WANT(F("npm-token", 1)) },
	{ "followed by '.'", "x.txt", "@NPM@.\n", WANT(F("npm-token", 1)) },
	{ "followed by '-'", "x.txt", "@NPM@-x\n", WANT(F("npm-token", 1)) },
	/* Start and end of input. */
	{ "whole input, no newline", "x.txt", "@NPM@",
	    WANT(FC("npm-token", 1, 1)), .secret = "@NPM@" },
	{ "at end of input, no newline", "x.txt", "t=@NPM@",
	    WANT(FC("npm-token", 1, 3)), .secret = "@NPM@" },
	{ "fallback in a shell default", "x.sh",
	    "npm publish --token \"${X:-@NPM@}\"\n", WANT(F("npm-token", 1)) },
	{ "query string", "x.log",
	    "GET /-/whoami?token=@NPM@&x=1 HTTP/1.1\n",
	    WANT(F("npm-token", 1)) },
	{ "two tokens split by ','", "x.txt", "@NPM@,@NPM2@\n",
	    WANT(FC("npm-token", 1, 1), FC("npm-token", 1, 42)) },
	{ "in a URL password", ".npmrc",
	    "registry=https://u:@NPM@@registry.corp.internal/\n",
	    WANT(FC("npm-token", 1, 20)), .secret = "@NPM@",
	    .note = "1.1: valid checksum, finding in any context" },
	{ "in a commented-out .npmrc line", ".npmrc", "# " REG "@NPM@\n",
	    WANT(FC("npm-token", 1, 36)), .secret = "@NPM@" },
	{ "after a JSON-escaped newline", "x.json",
	    "{\"c\": \"line1\\n@NPM@\"}\n", NONE,
	    ALT(F("npm-token", 1)),
	    .note = "DEBATABLE: the byte before is the 'n' of \\n, so the "
	    "letter of 1.1 says no finding; a person would revoke it" },
	{ "after a percent-encoded '='", "x.log",
	    "GET /x?q=t%3D@NPM@ HTTP/1.1\n", NONE, ALT(F("npm-token", 1)),
	    .note = "DEBATABLE: the byte before is the 'D' of %3D" },
};

static void
test_1_1_tokens(void **state)
{
	(void)state;
	RUN_TABLE("1.1 tokens", TOKENS);
}

/* RULES.md 1.2: GitHub tokens used as npm credentials. */
static const struct scase GITHUB[] = {
	{ "ghp_ in code", "x.js", "t = '@GHP@'\n",
	    WANT(FC("github-token", 1, 6)), .secret = "@GHP@" },
	{ "gho_ in code", "x.js", "t = '@GHO@'\n", WANT(F("github-token", 1)),
	    .secret = "@GHO@" },
	{ "ghu_ in code", "x.js", "t = '@GHU@'\n", WANT(F("github-token", 1)),
	    .secret = "@GHU@" },
	{ "ghs_ in code", "x.js", "t = '@GHS@'\n", WANT(F("github-token", 1)),
	    .secret = "@GHS@" },
	{ "ghr_ in code", "x.js", "t = '@GHR@'\n", WANT(F("github-token", 1)),
	    .secret = "@GHR@" },
	{ "ghp_ invalid checksum", "x.js", "t = '@BADGHP@'\n", NONE },
	{ "ghp_ invalid, checksum off", "x.js", "t = '@BADGHP@'\n",
	    WANT(F("github-token", 1)), .opts = O_NOCHECKSUM },
	{ "gha_ is no prefix", "x.js", "t = '@GHA@'\n", NONE },
	{ "gha_ is no prefix, checksum off", "x.js", "t = '@GHA@'\n",
	    .opts = O_NOCHECKSUM },
	{ "ghp_ preceded by a letter", "x.txt", "x@GHP@\n", NONE },
	{ "ghp_ followed by '_'", "x.txt", "@GHP@_\n", NONE },
	{ "ghp_ followed by ','", "x.txt", "@GHP@,\n",
	    WANT(F("github-token", 1)) },
	{ "ghp_ as _authToken, once", ".npmrc",
	    "//npm.pkg.github.com/:_authToken=@GHP@\n",
	    WANT(FC("github-token", 1, 34)), .secret = "@GHP@" },
	{ "gho_ as NODE_AUTH_TOKEN, once", ".env",
	    "NODE_AUTH_TOKEN=@GHO@\n", WANT(F("github-token", 1)),
	    .secret = "@GHO@" },
	{ "ghp_ in a URL, once", "clone.sh",
	    "git clone https://x-access-token:@GHP@@github.com/o/r.git\n",
	    WANT(F("github-token", 1)), .secret = "@GHP@",
	    .note = "3.5: token shape decided by section 1 only, so not "
	    "also url-credentials" },
	{ "github_pat_ as NODE_AUTH_TOKEN", ".env",
	    "NODE_AUTH_TOKEN=@GHPAT@\n",
	    WANT(F("github-token|env-npm-token", 1)), .secret = "@GHPAT@",
	    .note = "DEBATABLE: rule id of github_pat_ not named; either "
	    "accepted" },
	{ "github_pat_ as _authToken", ".npmrc",
	    "//npm.pkg.github.com/:_authToken=@GHPAT@\n",
	    WANT(F("github-token|npmrc-authtoken", 1)), .secret = "@GHPAT@",
	    .note = "DEBATABLE: rule id of github_pat_ not named" },
	{ "github_pat_ in a workflow env", ".github/workflows/ci.yml",
	    "        env:\n          NODE_AUTH_TOKEN: @GHPAT@\n",
	    WANT(F("github-token|env-npm-token", 2)),
	    .note = "DEBATABLE: rule id of github_pat_ not named" },
	{ "github_pat_ alone in prose", "README.md",
	    "Fine-grained tokens look like @GHPAT@ and expire.\n", NONE },
	{ "github_pat_ in code", "x.js", "const pat = \"@GHPAT@\";\n", NONE },
};

static void
test_1_2_github(void **state)
{
	(void)state;
	RUN_TABLE("1.2 github", GITHUB);
}

/* RULES.md 1.3: UUIDs only as values of npm credential keys. */
static const struct scase LEGACY[] = {
	{ "uuid as scoped _authToken", ".npmrc", REG UUID "\n",
	    WANT(F("npm-legacy-token", 1)), .secret = UUID },
	{ "uuid as _authToken", ".npmrc", "_authToken=" UUID "\n",
	    WANT(F("npm-legacy-token", 1)), .secret = UUID },
	{ "uuid as NPM_TOKEN", ".env", "NPM_TOKEN=" UUID "\n",
	    WANT(F("npm-legacy-token", 1)), .secret = UUID },
	{ "upper-case uuid, quoted", ".env",
	    "NPM_TOKEN=\"" UUID_UPPER "\"\n",
	    WANT(F("npm-legacy-token", 1)), .secret = UUID_UPPER },
	{ "uuid of any version", ".npmrc", REG UUID_ODD "\n",
	    WANT(F("npm-legacy-token", 1)), .secret = UUID_ODD },
	{ "uuid as npmAuthToken", ".yarnrc.yml", "npmAuthToken: " UUID "\n",
	    WANT(F("npm-legacy-token", 1)), .secret = UUID },
	{ "Nexus NpmToken.uuid", ".npmrc",
	    "//nexus.corp.internal/repository/npm-group/:_authToken=NpmToken."
	    UUID "\n", WANT(F("npm-legacy-token", 1)),
	    .note = "1.3: Nexus writes legacy tokens so; the fingerprint "
	    "may cover the prefix or not, so it is not checked" },
	{ "Nexus NpmToken.uuid as NPM_TOKEN", ".env",
	    "NPM_TOKEN=NpmToken." UUID "\n", WANT(F("npm-legacy-token", 1)) },
	{ "uuid fallback", ".npmrc", REG "${NPM_TOKEN:-" UUID "}\n",
	    WANT(F("npm-legacy-token", 1)), .secret = UUID },
	{ "bare uuid in code", "src/id.js", "const id = \"" UUID "\";\n",
	    NONE },
	{ "k8s uid", "deploy.yaml",
	    "metadata:\n  name: app\n  uid: " UUID "\n", NONE },
	{ "tfstate lineage", "terraform.tfstate",
	    "{\n  \"version\": 4,\n  \"lineage\": \"" UUID "\",\n", NONE },
	{ "request id", "app.log", "X-Request-Id: " UUID "\n", NONE },
	{ "uuid under a non-credential key", ".env",
	    "REQUEST_ID=" UUID "\n", NONE },
	{ "nil uuid as _authToken", ".npmrc", REG UUID_NIL "\n", NONE },
	{ "nil uuid as NPM_TOKEN", ".env", "NPM_TOKEN=" UUID_NIL "\n", NONE },
};

static void
test_1_3_legacy(void **state)
{
	(void)state;
	RUN_TABLE("1.3 legacy", LEGACY);
}

/* RULES.md 1.4: _auth, _password, opaque _authToken, keys, URLs. */
static const struct scase OTHER[] = {
	{ "_auth", ".npmrc", "_auth=@B64{ci-bot:Wq7vLp2Kd9s}@\n",
	    WANT(F("npmrc-auth", 1)) },
	{ "scoped _auth", ".npmrc",
	    "//registry.corp.internal/:_auth=@B64{ci-bot:Wq7vLp2Kd9s}@\n",
	    WANT(F("npmrc-auth", 1)) },
	{ "_auth quoted, spaces", ".npmrc",
	    "_auth = \"@B64{ci-bot:Wq7vLp2Kd9s}@\"\n",
	    WANT(F("npmrc-auth", 1)) },
	{ "_auth of user:password", ".npmrc", "_auth=@B64{user:password}@\n",
	    NONE },
	{ "_auth of username:password", ".npmrc",
	    "_auth=@B64{username:password}@\n", NONE },
	{ "_auth of your-username:your-password", ".npmrc",
	    "_auth=@B64{your-username:your-password}@\n", NONE },
	{ "_auth of USERNAME:PASSWORD", ".npmrc",
	    "_auth=@B64{USERNAME:PASSWORD}@\n",
	    .note = "interpretation: placeholder words in any case" },
	{ "_password", ".npmrc",
	    "username=ci-bot\n_password=@B64{Wq7vLp2Kd9sLong}@\n",
	    WANT(F("npmrc-password", 2)) },
	{ "scoped _password", ".npmrc",
	    "//registry.corp.internal/:username=ci-bot\n"
	    "//registry.corp.internal/:_password=@B64{Wq7vLp2Kd9sLong}@\n",
	    WANT(F("npmrc-password", 2)) },
	{ "Azure PAT as _password", ".npmrc",
	    "//pkgs.dev.azure.com/org/_packaging/feed/npm/registry/"
	    ":_password=@B64{k2j4h5g6f7d8s9a0q1w2e3r4t5y6u7i8o9p0l1k2j3h4g5"
	    "f6d7s8}@\n", WANT(F("npmrc-password", 1)) },
	{ "Verdaccio JWT", ".npmrc", "//localhost:4873/:_authToken=" JWT "\n",
	    WANT(F("npmrc-authtoken", 1)), .secret = JWT },
	{ "GitLab glpat-", ".npmrc",
	    "//gitlab.corp.internal/api/v4/projects/42/packages/npm/"
	    ":_authToken=glpat-xY7kLm9QwErT2uVb3NcD\n",
	    WANT(F("npmrc-authtoken", 1)),
	    .secret = "glpat-xY7kLm9QwErT2uVb3NcD" },
	{ "Artifactory reference token", ".npmrc",
	    "//acme.jfrog.io/artifactory/api/npm/npm/:_authToken="
	    ARTIFACTORY "\n", WANT(F("npmrc-authtoken", 1)),
	    .note = "the value is also valid base64 of printable text, so "
	    "whether the fingerprint is of the value as written or decoded "
	    "is DEBATABLE; not checked here" },
	/* Private keys: the finding is on the BEGIN line. */
	{ "RSA private key", "id_rsa",
	    "@PEM_BEGIN_RSA@\n@PEM_BODY_RSA@\n@PEM_END_RSA@\n",
	    WANT(F("private-key", 1)),
	    .note = "interpretation: reported on the BEGIN line" },
	{ "PKCS#8 private key", "certs/key.pem",
	    "@PEM_BEGIN_PK@\n@PEM_BODY_PK@\n@PEM_END_PK@\n",
	    WANT(F("private-key", 1)) },
	{ "OpenSSH private key", "id_ed25519",
	    "@PEM_BEGIN_SSH@\n@PEM_BODY_SSH@\n@PEM_END_SSH@\n",
	    WANT(F("private-key", 1)) },
	{ "EC private key", "ec.key",
	    "@PEM_BEGIN_EC@\n@PEM_BODY_PK@\n@PEM_END_EC@\n",
	    WANT(F("private-key", 1)) },
	{ "encrypted private key", "enc.key",
	    "@PEM_BEGIN_ENC@\n@PEM_BODY_PK@\n@PEM_END_ENC@\n",
	    WANT(F("private-key", 1)), ALT_NONE,
	    .note = "DEBATABLE: 'any BEGIN ... PRIVATE KEY block' includes "
	    "ENCRYPTED; it still needs its passphrase" },
	{ "private key in a template literal", "src/sign.js",
	    "const a = 1;\nconst key = `\n@PEM_BEGIN_PK@\n@PEM_BODY_PK@\n"
	    "@PEM_END_PK@\n`;\n", WANT(F("private-key", 3)) },
	{ "private key in YAML block scalar", "values.yaml",
	    "tls:\n  key: |\n    @PEM_BEGIN_PK@\n    @PEM_BODY_PK4@\n"
	    "    @PEM_END_PK@\n", WANT(F("private-key", 3)) },
	{ "BEGIN line with a '...' body", "docs/keys.md",
	    "@PEM_BEGIN_RSA@\n...\n@PEM_END_RSA@\n", NONE },
	{ "BEGIN line alone in prose", "docs/keys.md",
	    "Paste the key (it starts with `@PEM_BEGIN_PK@`) here.\n", NONE },
	{ "BEGIN line with a <placeholder> body", "docs/keys.md",
	    "@PEM_BEGIN_PK@\n<your private key>\n@PEM_END_PK@\n",
	    .note = "interpretation: section 3 placeholders apply" },
	{ "public key", "key.pub",
	    "-----BEGIN PUBLIC KEY-----\n@PEM_BODY_PK@\n"
	    "-----END PUBLIC KEY-----\n", NONE },
	{ "certificate", "cert.pem",
	    "-----BEGIN CERTIFICATE-----\n@PEM_BODY_PK@\n"
	    "-----END CERTIFICATE-----\n", NONE },
	{ "inline key= in .npmrc", ".npmrc",
	    "key=\"@PEM_INLINE@\"\n", WANT(F("private-key", 1)) },
	{ "inline key= after cert=", ".npmrc",
	    "cert=\"-----BEGIN CERTIFICATE-----\\nMIIBszCCAVmgAwIBAgIU\\n"
	    "-----END CERTIFICATE-----\"\nkey=\"@PEM_INLINE@\"\n",
	    WANT(F("private-key", 2)) },
	{ "escaped key in tfstate", "terraform.tfstate",
	    "            \"private_key_pem\": \"@PEM_INLINE@\",\n",
	    WANT(F("private-key", 1)) },
	/* URL credentials. */
	{ "registry URL with password", ".npmrc",
	    "registry=https://user:Wq7vLp2Kd9sLong@registry.corp.internal/\n",
	    WANT(F("url-credentials", 1)) },
	{ "scoped registry URL with password", ".npmrc",
	    "@myorg:registry=https://ci:" OPQ "@npm.corp.internal/\n",
	    WANT(F("url-credentials", 1)) },
	{ "--registry URL with password", "ci.sh",
	    "npm install --registry=https://ci:" OPQ "@npm.corp.internal/ "
	    "left-pad\n", WANT(F("url-credentials", 1)) },
	{ "lockfile URL with password", "package-lock.json",
	    "      \"resolved\": \"https://ci:" OPQ "@npm.corp.internal/x/-/"
	    "x-1.0.0.tgz\",\n", WANT(F("url-credentials", 1)) },
	{ "URL with ${USER}:${PASS}", ".npmrc",
	    "registry=https://${USER}:${PASS}@registry.corp.internal/\n", NONE },
	{ "URL with $USER:$PASS", ".npmrc",
	    "registry=https://$NPM_USER:$NPM_PASS@registry.corp.internal/\n",
	    NONE },
	{ "URL with a <password> placeholder", ".npmrc",
	    "registry=https://user:<password>@registry.corp.internal/\n", NONE },
	{ "URL without credentials", ".npmrc",
	    "registry=https://registry.corp.internal/\n", NONE },
	{ "URL with a user only", ".npmrc",
	    "registry=https://user@registry.corp.internal/\n", NONE },
	{ "URL with a short password", ".npmrc",
	    "registry=http://user:pass@localhost:4873/\n",
	    .note = "interpretation: section 3 judges the password; 4 "
	    "characters of one class is no value" },
	{ "git+ssh URL", "package.json",
	    "    \"x\": \"git+ssh://git@github.com/o/r.git\"\n", NONE },
};

static void
test_1_4_other(void **state)
{
	(void)state;
	RUN_TABLE("1.4 other", OTHER);
}

/* RULES.md 2: credential keys in every syntax. */
static const struct scase KEYS[] = {
	/* .npmrc */
	{ ".npmrc token", ".npmrc", REG "@NPM@\n",
	    WANT(FC("npm-token", 1, 34)), .secret = "@NPM@" },
	{ ".npmrc opaque, path in host", ".npmrc",
	    "//npm.pkg.github.com/myorg/:_authToken=" OPQ "\n",
	    WANT(F("npmrc-authtoken", 1)), .secret = OPQ },
	{ ".npmrc uuid", ".npmrc",
	    "//r.corp.internal/npm/:_authToken=" UUID "\n",
	    WANT(F("npm-legacy-token", 1)), .secret = UUID },
	{ ".npmrc spaces around =", ".npmrc", "//registry.npmjs.org/"
	    ":_authToken = " OPQ "\n", WANT(F("npmrc-authtoken", 1)),
	    .secret = OPQ },
	{ ".npmrc quoted", ".npmrc", REG "\"" OPQ "\"\n",
	    WANT(F("npmrc-authtoken", 1)), .secret = OPQ },
	{ ".npmrc unscoped", ".npmrc", "_authToken=" OPQ "\n",
	    WANT(F("npmrc-authtoken", 1)), .secret = OPQ },
	{ ".npmrc host with port", ".npmrc",
	    "//localhost:4873/:_authToken=" OPQ "\n",
	    WANT(F("npmrc-authtoken", 1)) },
	{ ".npmrc among other lines", ".npmrc",
	    "registry=https://registry.npmjs.org/\n" REG OPQ "\n"
	    "always-auth=true\n", WANT(F("npmrc-authtoken", 2)) },
	/* .yarnrc (Yarn 1) */
	{ ".yarnrc quoted key and value", ".yarnrc",
	    "\"//registry.npmjs.org/:_authToken\" \"" OPQ "\"\n",
	    WANT(F("npmrc-authtoken", 1)), .secret = OPQ },
	{ ".yarnrc token", ".yarnrc",
	    "\"//registry.npmjs.org/:_authToken\" \"@NPM@\"\n",
	    WANT(F("npm-token", 1)), .secret = "@NPM@" },
	{ ".yarnrc bare key", ".yarnrc", "_authToken " OPQ "\n",
	    WANT(F("npmrc-authtoken", 1)), .secret = OPQ },
	{ ".yarnrc unquoted scoped key", ".yarnrc",
	    "//registry.npmjs.org/:_authToken \"" OPQ "\"\n",
	    WANT(F("npmrc-authtoken", 1)) },
	{ ".yarnrc _auth", ".yarnrc",
	    "\"_auth\" \"@B64{ci:Wq7vLp2Kd9s}@\"\n",
	    WANT(F("npmrc-auth", 1)) },
	/* npm config set, CLI flags */
	{ "npm config set K V", "scripts/publish.sh",
	    "npm config set //registry.npmjs.org/:_authToken " OPQ "\n",
	    WANT(F("npmrc-authtoken", 1)), .secret = OPQ },
	{ "npm config set K=V", "scripts/publish.sh",
	    "npm config set " REG OPQ "\n", WANT(F("npmrc-authtoken", 1)),
	    .secret = OPQ },
	{ "npm config set quoted", "scripts/publish.sh",
	    "npm config set '//registry.npmjs.org/:_authToken' \"" OPQ "\"\n",
	    WANT(F("npmrc-authtoken", 1)), .secret = OPQ },
	{ "npm config set reference", "scripts/publish.sh",
	    "npm config set //registry.npmjs.org/:_authToken "
	    "\"${NPM_TOKEN}\"\n", NONE },
	{ "npm config set _auth", "scripts/publish.sh",
	    "npm config set _auth @B64{ci:Wq7vLp2Kd9s}@\n",
	    WANT(F("npmrc-auth", 1)) },
	{ "yarn config set _authToken", "scripts/publish.sh",
	    "yarn config set _authToken " OPQ "\n",
	    WANT(F("npmrc-authtoken", 1)) },
	{ "--//host/:_authToken=V", "ci.sh",
	    "npm publish --" REG OPQ "\n", WANT(F("npmrc-authtoken", 1)),
	    .secret = OPQ },
	{ "--//host/:_authToken=$REF", "ci.sh",
	    "npm whoami --" REG "$NPM_TOKEN\n", NONE },
	/* npm_config_ environment */
	{ "npm_config__auth", ".env",
	    "npm_config__auth=@B64{ci-bot:Wq7vLp2Kd9s}@\n",
	    WANT(F("npmrc-auth", 1)) },
	{ "NPM_CONFIG__AUTH exported", "ci.sh",
	    "export NPM_CONFIG__AUTH=@B64{ci-bot:Wq7vLp2Kd9s}@\n",
	    WANT(F("npmrc-auth", 1)) },
	{ "NPM_CONFIG_//host/:_authToken", ".env",
	    "NPM_CONFIG_" REG OPQ "\n", WANT(F("npmrc-authtoken", 1)),
	    .secret = OPQ },
	{ "npm_config_//host/:_authToken", ".env",
	    "npm_config_" REG OPQ "\n", WANT(F("npmrc-authtoken", 1)) },
	/* .yarnrc.yml */
	{ "npmAuthToken top level", ".yarnrc.yml",
	    "npmRegistryServer: \"https://r.corp.internal\"\nnpmAuthToken: "
	    OPQ "\n", WANT(F("yarn-auth-token", 2)), .secret = OPQ },
	{ "npmAuthToken token", ".yarnrc.yml", "npmAuthToken: \"@NPM@\"\n",
	    WANT(F("npm-token", 1)), .secret = "@NPM@" },
	{ "npmAuthToken under npmScopes", ".yarnrc.yml",
	    "npmScopes:\n  myorg:\n    npmAlwaysAuth: true\n"
	    "    npmAuthToken: " OPQ "\n"
	    "    npmRegistryServer: \"https://r.corp.internal\"\n",
	    WANT(F("yarn-auth-token", 4)), .secret = OPQ },
	{ "npmAuthToken under npmRegistries", ".yarnrc.yml",
	    "npmRegistries:\n  \"https://r.corp.internal\":\n"
	    "    npmAuthToken: " OPQ "\n", WANT(F("yarn-auth-token", 3)),
	    .secret = OPQ },
	{ "npmAuthIdent", ".yarnrc.yml",
	    "npmAuthIdent: \"user:longsecretvalue123\"\n",
	    WANT(F("yarn-auth-ident", 1)),
	    .secret = "user:longsecretvalue123" },
	{ "npmAuthIdent under npmScopes", ".yarnrc.yml",
	    "npmScopes:\n  myorg:\n    npmAuthIdent: "
	    "\"user:longsecretvalue123\"\n", WANT(F("yarn-auth-ident", 3)) },
	{ "npmAuthIdent base64", ".yarnrc.yml",
	    "npmAuthIdent: \"@B64{ci:longsecretvalue123}@\"\n",
	    WANT(F("yarn-auth-ident", 1)) },
	{ "npmAuthToken reference", ".yarnrc.yml",
	    "npmAuthToken: \"${NPM_TOKEN}\"\n", NONE },
	{ "npmAuthToken reference with empty default", ".yarnrc.yml",
	    "npmAuthToken: \"${NPM_TOKEN-}\"\n", NONE },
	{ "npmAlwaysAuth", ".yarnrc.yml", "npmAlwaysAuth: true\n", NONE },
	{ "YARN_NPM_AUTH_TOKEN", ".env", "YARN_NPM_AUTH_TOKEN=" OPQ "\n",
	    WANT(F("yarn-auth-token", 1)), .secret = OPQ },
	{ "YARN_NPM_AUTH_IDENT", ".env",
	    "YARN_NPM_AUTH_IDENT=user:longsecretvalue123\n",
	    WANT(F("yarn-auth-ident", 1)) },
	{ "YARN_NPM_AUTH_TOKEN in a workflow", ".github/workflows/ci.yml",
	    "        env:\n          YARN_NPM_AUTH_TOKEN: " OPQ "\n",
	    WANT(F("yarn-auth-token", 2)) },
	/* Variable names, in a .env file. */
	{ "NPM_TOKEN", ".env", "NPM_TOKEN=" OPQ "\n",
	    WANT(FC("env-npm-token", 1, 0)), .secret = OPQ },
	{ "NPM_AUTH_TOKEN", ".env", "NPM_AUTH_TOKEN=" OPQ "\n",
	    WANT(F("env-npm-token", 1)), .secret = OPQ },
	{ "NODE_AUTH_TOKEN", ".env", "NODE_AUTH_TOKEN=" OPQ "\n",
	    WANT(F("env-npm-token", 1)), .secret = OPQ },
	{ "NPM_PASSWORD", ".env", "NPM_PASSWORD=" OPQ "\n",
	    WANT(F("env-npm-token", 1)) },
	{ "NPM_SECRET", ".env", "NPM_SECRET=" OPQ "\n",
	    WANT(F("env-npm-token", 1)) },
	{ "npm_token", ".env", "npm_token=" OPQ "\n",
	    WANT(F("env-npm-token", 1)) },
	{ "npmToken", ".env", "npmToken=" OPQ "\n",
	    WANT(F("env-npm-token", 1)) },
	{ "npmAuth", ".env", "npmAuth=" OPQ "\n", WANT(F("env-npm-token", 1)) },
	{ "Npm_Token (case-insensitive)", ".env", "Npm_Token=" OPQ "\n",
	    WANT(F("env-npm-token", 1)) },
	{ "NPMTOKEN (npmToken, case-insensitive)", ".env",
	    "NPMTOKEN=" OPQ "\n", WANT(F("env-npm-token", 1)),
	    .note = "interpretation: 'case-insensitive where it is a "
	    "variable name' applies to npmToken too" },
	{ "NPM_TOKEN token, once", ".env", "NPM_TOKEN=@NPM@\n",
	    WANT(FC("npm-token", 1, 11)), .secret = "@NPM@" },
	{ "NODE_AUTH_TOKEN token, once", ".env", "NODE_AUTH_TOKEN=@NPM2@\n",
	    WANT(F("npm-token", 1)), .secret = "@NPM2@" },
	/* Shell */
	{ "export, double quotes", "deploy.sh",
	    "#!/bin/sh\nexport NPM_TOKEN=\"" OPQ "\"\n",
	    WANT(F("env-npm-token", 2)), .secret = OPQ },
	{ "export, single quotes", "deploy.sh",
	    "export NPM_TOKEN='" OPQ "'\n", WANT(F("env-npm-token", 1)),
	    .secret = OPQ },
	{ "assignment before a command", "deploy.sh",
	    "NPM_TOKEN=" OPQ " npm publish\n", WANT(F("env-npm-token", 1)),
	    .secret = OPQ },
	{ "export from a command", "deploy.sh",
	    "export NPM_TOKEN=$(vault kv get -field=token secret/npm)\n",
	    NONE },
	{ "echo into .npmrc", "deploy.sh",
	    "echo \"" REG OPQ "\" > ~/.npmrc\n", WANT(F("npmrc-authtoken", 1)),
	    .secret = OPQ },
	{ "echo reference into .npmrc", "deploy.sh",
	    "echo \"" REG "${NPM_TOKEN}\" > ~/.npmrc\n", NONE },
	{ "echo $REF into .npmrc", "deploy.sh",
	    "echo \"" REG "$NPM_TOKEN\" >> .npmrc\n", NONE },
	{ "docker build --build-arg", "build.sh",
	    "docker build --build-arg NPM_TOKEN=" OPQ " .\n",
	    WANT(F("env-npm-token", 1)), .secret = OPQ },
	{ "docker build --build-arg reference", "build.sh",
	    "docker build --build-arg NPM_TOKEN=$NPM_TOKEN .\n", NONE },
	{ "docker build --build-arg name only", "build.sh",
	    "docker build --build-arg NPM_TOKEN .\n", NONE },
	{ "docker run -e", "run.sh",
	    "docker run -e NPM_TOKEN=" OPQ " node:20\n",
	    WANT(F("env-npm-token", 1)) },
	/* Dockerfile */
	{ "ENV K=V", "Dockerfile", "FROM node:20\nENV NPM_TOKEN=" OPQ "\n",
	    WANT(F("env-npm-token", 2)), .secret = OPQ },
	{ "ENV K V", "Dockerfile", "FROM node:20\nENV NPM_TOKEN " OPQ "\n",
	    WANT(F("env-npm-token", 2)), .secret = OPQ },
	{ "ENV K V token", "Dockerfile", "ENV NPM_TOKEN @NPM@\n",
	    WANT(F("npm-token", 1)), .secret = "@NPM@" },
	{ "ARG K=V", "Dockerfile", "FROM node:20\nARG NPM_TOKEN=" OPQ "\n",
	    WANT(F("env-npm-token", 2)), .secret = OPQ },
	{ "ARG K", "Dockerfile", "FROM node:20\nARG NPM_TOKEN\n", NONE },
	{ "ENV reference", "Dockerfile", "ENV NPM_TOKEN=${NPM_TOKEN}\n", NONE },
	{ "ENV with several pairs", "docker/app.Dockerfile",
	    "ENV NODE_ENV=production NPM_TOKEN=" OPQ "\n",
	    WANT(F("env-npm-token", 1)), .secret = OPQ },
	{ "RUN echo into .npmrc", "Dockerfile",
	    "RUN echo \"" REG OPQ "\" > .npmrc && npm ci\n",
	    WANT(F("npmrc-authtoken", 1)) },
	{ "RUN secret mount", "Dockerfile",
	    "RUN --mount=type=secret,id=npm,env=NPM_TOKEN npm ci\n", NONE },
	/* Compose */
	{ "compose args list", "docker-compose.yml",
	    "services:\n  app:\n    build:\n      context: .\n      args:\n"
	    "        - NPM_TOKEN=" OPQ "\n", WANT(F("env-npm-token", 6)),
	    .secret = OPQ },
	{ "compose args map", "docker-compose.yml",
	    "services:\n  app:\n    build:\n      context: .\n      args:\n"
	    "        NPM_TOKEN: " OPQ "\n", WANT(F("env-npm-token", 6)),
	    .secret = OPQ },
	{ "compose environment list", "compose.yaml",
	    "services:\n  app:\n    environment:\n      - NPM_TOKEN=" OPQ
	    "\n", WANT(F("env-npm-token", 4)), .secret = OPQ },
	{ "compose environment map", "compose.yaml",
	    "services:\n  app:\n    environment:\n      NPM_TOKEN: \"" OPQ
	    "\"\n", WANT(F("env-npm-token", 4)), .secret = OPQ },
	{ "compose environment list uuid", "compose.yaml",
	    "    environment:\n      - NPM_TOKEN=" UUID "\n",
	    WANT(F("npm-legacy-token", 2)) },
	{ "compose environment reference", "compose.yaml",
	    "    environment:\n      - NPM_TOKEN=${NPM_TOKEN}\n", NONE },
	{ "compose environment name only", "compose.yaml",
	    "    environment:\n      - NPM_TOKEN\n", NONE },
	/* CI files */
	{ "GitHub Actions literal", ".github/workflows/release.yml",
	    "      - run: npm publish\n        env:\n"
	    "          NODE_AUTH_TOKEN: " OPQ "\n",
	    WANT(F("env-npm-token", 3)), .secret = OPQ },
	{ "GitHub Actions secret", ".github/workflows/release.yml",
	    "      - run: npm publish\n        env:\n"
	    "          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}\n", NONE },
	{ "GitHub Actions secret, no spaces", ".github/workflows/release.yml",
	    "          NODE_AUTH_TOKEN: ${{secrets.NPM_TOKEN}}\n", NONE },
	{ "GitLab CI variables", ".gitlab-ci.yml",
	    "variables:\n  NPM_TOKEN: \"" OPQ "\"\n",
	    WANT(F("env-npm-token", 2)), .secret = OPQ },
	{ "GitLab CI script reference", ".gitlab-ci.yml",
	    "publish:\n  script:\n    - echo \"" REG "${NPM_TOKEN}\" > "
	    ".npmrc\n", NONE },
	{ "GitLab CI script literal", ".gitlab-ci.yml",
	    "publish:\n  script:\n    - npm config set "
	    "//registry.npmjs.org/:_authToken " OPQ "\n",
	    WANT(F("npmrc-authtoken", 3)) },
	{ "GitLab CI $CI_JOB_TOKEN", ".gitlab-ci.yml",
	    "variables:\n  NPM_TOKEN: $CI_JOB_TOKEN\n", NONE },
	{ "Jenkinsfile credentials()", "Jenkinsfile",
	    "pipeline {\n  environment {\n"
	    "    NPM_TOKEN = credentials('npm-token')\n  }\n}\n", NONE },
	{ "Jenkinsfile literal", "Jenkinsfile",
	    "  environment {\n    NPM_TOKEN = '" OPQ "'\n  }\n",
	    WANT(F("env-npm-token", 2)), .secret = OPQ },
	{ "Jenkinsfile withCredentials", "Jenkinsfile",
	    "withCredentials([string(credentialsId: 'npm', variable: "
	    "'NPM_TOKEN')]) {\n  sh 'npm publish --" REG "$NPM_TOKEN'\n}\n",
	    NONE },
	/* Terraform */
	{ "tfvars", "prod.tfvars", "npm_token = \"" OPQ "\"\n",
	    WANT(F("env-npm-token", 1)), .secret = OPQ },
	{ "terraform.tfvars uuid", "terraform.tfvars",
	    "npm_token = \"" UUID "\"\n", WANT(F("npm-legacy-token", 1)),
	    .secret = UUID },
	{ "variable default", "variables.tf",
	    "variable \"npm_token\" {\n  type      = string\n"
	    "  sensitive = true\n  default   = \"" OPQ "\"\n}\n",
	    WANT(F("env-npm-token", 4)), .secret = OPQ },
	{ "variable without default", "variables.tf",
	    "variable \"npm_token\" {\n  type      = string\n"
	    "  sensitive = true\n}\n", NONE },
	{ "variable with empty default", "variables.tf",
	    "variable \"npm_token\" {\n  default = \"\"\n}\n", NONE },
	{ "default of another variable", "variables.tf",
	    "variable \"npm_token\" {\n  type = string\n}\n\n"
	    "variable \"region_id\" {\n  default = \"" OPQ "\"\n}\n", NONE },
	{ "resource argument", "main.tf",
	    "module \"ci\" {\n  source    = \"./ci\"\n  npm_token = \"" OPQ
	    "\"\n}\n", WANT(F("env-npm-token", 3)), .secret = OPQ },
	{ "secret_name is no value", "main.tf",
	    "resource \"github_actions_secret\" \"npm\" {\n"
	    "  secret_name = \"NPM_TOKEN\"\n}\n", NONE },
	{ "tfstate attribute", "terraform.tfstate",
	    "        \"attributes\": {\n          \"npm_token\": \"" OPQ
	    "\",\n", WANT(F("env-npm-token", 2)), .secret = OPQ },
	{ "tfstate escaped JSON", "terraform.tfstate",
	    "      \"value\": \"{\\\"npm_token\\\":\\\"" OPQ "\\\"}\",\n",
	    WANT(F("env-npm-token", 1)), .secret = OPQ,
	    .note = "interpretation: escaped quotes are not part of the "
	    "value" },
	{ "tfstate output value", "terraform.tfstate",
	    "  \"outputs\": {\n    \"npm_token\": {\n      \"value\": \"" OPQ
	    "\",\n      \"type\": \"string\",\n      \"sensitive\": true\n",
	    WANT(F("env-npm-token", 3)), ALT_NONE,
	    .note = "DEBATABLE: the output's name and its value are on "
	    "different lines" },
	/* Ansible */
	{ "group_vars", "group_vars/all.yml", "npm_token: " OPQ "\n",
	    WANT(F("env-npm-token", 1)), .secret = OPQ },
	{ "host_vars", "host_vars/build1.yml", "npm_token: \"" OPQ "\"\n",
	    WANT(F("env-npm-token", 1)), .secret = OPQ },
	{ "role vars", "roles/npm/vars/main.yml", "npm_token: '" OPQ "'\n",
	    WANT(F("env-npm-token", 1)), .secret = OPQ },
	{ "inventory group vars", "inventory/hosts.ini",
	    "[ci:vars]\nnpm_token=" OPQ "\n", WANT(F("env-npm-token", 2)),
	    .secret = OPQ },
	{ "inventory host line", "inventory/hosts",
	    "build1 ansible_host=10.0.0.5 npm_token=" OPQ "\n",
	    WANT(F("env-npm-token", 1)), .secret = OPQ },
	{ "Ansible vault inline", "group_vars/all/vault.yml",
	    "npm_token: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n"
	    "          " VAULT_HEX1 "\n          " VAULT_HEX2 "\n", NONE },
	{ "Ansible Jinja reference", "group_vars/all.yml",
	    "npm_token: \"{{ vault_npm_token }}\"\n", NONE },
	{ "Ansible lookup", "group_vars/all.yml",
	    "npm_token: \"{{ lookup('env', 'NPM_TOKEN') }}\"\n", NONE },
	/* Kubernetes */
	{ "k8s env two-line form", "deploy.yaml",
	    "      containers:\n        - name: app\n          env:\n"
	    "            - name: NPM_TOKEN\n              value: " OPQ "\n"
	    "            - name: LOG_LEVEL\n              value: " OPQ2 "\n",
	    WANT(F("env-npm-token", 5)), .secret = OPQ },
	{ "k8s env two-line form, quoted", "deploy.yaml",
	    "- name: NPM_TOKEN\n  value: \"" OPQ "\"\n",
	    WANT(F("env-npm-token", 2)), .secret = OPQ },
	{ "k8s env two-line form, token", "deploy.yaml",
	    "- name: NPM_TOKEN\n  value: @NPM@\n", WANT(F("npm-token", 2)),
	    .secret = "@NPM@" },
	/*
	 * Found by fuzz_scan: with no value on the name's line and an empty
	 * last line, the look at the next lines read one byte past the
	 * buffer (scan_buf() copies texts to exact-size buffers, so SAN=1
	 * catches it).
	 */
	{ "k8s env name, empty last line", "deploy.yaml",
	    "- name: NPM_TOKEN\n", NONE },
	/*
	 * Found by fuzz_scan: a value of one '!' at the end of the input
	 * (a YAML tag without a name) was read one byte past its end.
	 */
	{ "lone YAML tag at the end", "vars.yml", "npm_token: !", NONE },
	/*
	 * Found by fuzz_scan: a "bnBtX" run that decodes to nothing was
	 * skipped whole, and '-' and '_' are URL-safe base64: the valid
	 * token in the run was never looked at.
	 */
	{ "valid token inside a base64url run", "src/app.js",
	    "x=bnBtX2FiY2RlZmdoaWprbG1----@NPM@-BEGIN\n",
	    WANT(F("npm-token", 1)), .secret = "@NPM@" },
	{ "k8s env valueFrom", "deploy.yaml",
	    "- name: NPM_TOKEN\n  valueFrom:\n    secretKeyRef:\n"
	    "      name: npm\n      key: token\n", NONE },
	{ "k8s env flow style", "deploy.yaml",
	    "          env:\n            - {name: NPM_TOKEN, value: " OPQ
	    "}\n", WANT(F("env-npm-token", 2)), ALT_NONE,
	    .note = "DEBATABLE: flow-style env entry, not named in RULES.md" },
	{ "k8s Secret stringData", "secret.yaml",
	    "kind: Secret\nstringData:\n  NPM_TOKEN: " OPQ "\n",
	    WANT(F("env-npm-token", 3)), .secret = OPQ },
	{ "kustomize literals", "kustomization.yaml",
	    "secretGenerator:\n  - name: npm\n    literals:\n"
	    "      - NPM_TOKEN=" OPQ "\n", WANT(F("env-npm-token", 4)),
	    .secret = OPQ },
	{ "kustomize literals uuid", "kustomization.yaml",
	    "secretGenerator:\n  - name: npm\n    literals:\n"
	    "      - npm_token=" UUID "\n", WANT(F("npm-legacy-token", 4)) },
	{ "kustomize envs", "kustomization.yaml",
	    "secretGenerator:\n  - name: npm\n    envs:\n      - npm.env\n",
	    NONE },
	/* bunfig.toml */
	{ "bunfig scope table token", "bunfig.toml",
	    "[install.scopes.myorg]\nurl = \"https://r.corp.internal/\"\n"
	    "token = \"" OPQ "\"\n", WANT(F("*", 3)), .secret = OPQ,
	    .note = "RULES.md names no rule id for bunfig; any accepted" },
	{ "bunfig inline scope token", "bunfig.toml",
	    "[install.scopes]\nmyorg = { url = \"https://r.corp.internal/\", "
	    "token = \"" OPQ "\" }\n", WANT(F("*", 2)), .secret = OPQ },
	{ "bunfig password", "bunfig.toml",
	    "[install.scopes.corp]\nusername = \"ci\"\npassword = \"" OPQ
	    "\"\n", WANT(F("*", 3)), .secret = OPQ },
	{ "bunfig registry token", "bunfig.toml",
	    "[install.registry]\nurl = \"https://r.corp.internal/\"\n"
	    "token = \"" OPQ "\"\n", WANT(F("*", 3)), .secret = OPQ },
	{ "bunfig token reference", "bunfig.toml",
	    "[install.scopes.myorg]\ntoken = \"$NPM_TOKEN\"\n", NONE },
	{ "bunfig npm token", "bunfig.toml",
	    "[install.scopes.myorg]\ntoken = \"@NPM@\"\n",
	    WANT(F("npm-token", 2)) },
	{ "token outside [install] of bunfig", "bunfig.toml",
	    "[test]\ntoken = \"" OPQ "\"\n",
	    .note = "interpretation: token is a credential key only under "
	    "[install...]" },
	{ "token in another TOML file", "settings.toml",
	    "[server]\ntoken = \"" OPQ "\"\n",
	    .note = "interpretation: token is a credential key only in "
	    "bunfig.toml" },
	/* Whole identifiers only; not secrets. */
	{ "NPM_TOKEN_FILE", ".env", "NPM_TOKEN_FILE=" OPQ "\n", NONE },
	{ "NPM_TOKEN_FILE path", ".env",
	    "NPM_TOKEN_FILE=/run/secrets/npm_token\n", NONE },
	{ "npm_token_required", "group_vars/all.yml",
	    "npm_token_required: " OPQ "\n", NONE },
	{ "npm_config_user_agent", ".env", "npm_config_user_agent=" OPQ "\n",
	    NONE },
	{ "npm_package_version", ".env", "npm_package_version=" OPQ "\n",
	    NONE },
	{ "MY_NPM_TOKEN_PATH", ".env", "MY_NPM_TOKEN_PATH=" OPQ "\n", NONE },
	{ "non-secret .npmrc keys", ".npmrc",
	    "always-auth=true\nusername=ci-bot-publisher2024\n"
	    "email=dev.person1234@corp.internal\n"
	    "certfile=/home/ci/certs/client-2024.pem\n"
	    "keyfile=/home/ci/certs/client-2024.key\n", NONE },
	{ "non-secret scoped keys", ".npmrc",
	    "//registry.corp.internal/:username=ci-bot-publisher2024\n"
	    "//registry.corp.internal/:email=dev.person1234@corp.internal\n"
	    "//registry.corp.internal/:always-auth=true\n", NONE },
	{ "JS variable named npmToken", "src/publish.js",
	    "const npmToken = \"" OPQ "\";\n", WANT(F("env-npm-token", 1)),
	    ALT_NONE,
	    .note = "DEBATABLE: JS assignment not among the listed places" },
	{ "commented-out .npmrc line", ".npmrc", "; " REG OPQ "\n",
	    WANT(F("npmrc-authtoken", 1)), ALT_NONE,
	    .note = "DEBATABLE: a commented-out credential is still one" },
	{ "export with ';'", "deploy.sh", "export NPM_TOKEN=" OPQ ";\n",
	    WANT(F("env-npm-token", 1)), .secret = OPQ },
	{ ".env trailing comment", ".env", "NPM_TOKEN=" OPQ " # prod\n",
	    WANT(F("env-npm-token", 1)), .secret = OPQ,
	    .note = "interpretation: ' #' starts a comment in .env" },
	{ "ENV quoted", "Dockerfile", "ENV NPM_TOKEN=\"" OPQ "\"\n",
	    WANT(F("env-npm-token", 1)), .secret = OPQ },
	{ "GitHub Actions quoted secret", ".github/workflows/ci.yml",
	    "          NODE_AUTH_TOKEN: '${{ secrets.NPM_TOKEN }}'\n", NONE },
	{ "GitHub Actions expression in run", ".github/workflows/ci.yml",
	    "      - run: NPM_TOKEN=${{ secrets.NPM_TOKEN }} npm publish\n",
	    NONE },
	{ "PowerShell $env:", "publish.ps1",
	    "$env:NPM_TOKEN = \"" OPQ "\"\n", WANT(F("env-npm-token", 1)),
	    ALT_NONE, .note = "DEBATABLE: PowerShell is not listed" },
	{ "cmd set", "publish.bat", "set NPM_TOKEN=" OPQ "\n",
	    WANT(F("env-npm-token", 1)), ALT_NONE,
	    .note = "DEBATABLE: cmd.exe is not listed" },
	{ "Makefile ?=", "Makefile", "NPM_TOKEN ?= " OPQ "\n",
	    WANT(F("env-npm-token", 1)), ALT_NONE,
	    .note = "DEBATABLE: Makefiles are not listed" },
	{ "Python assignment", "publish.py", "NPM_TOKEN = \"" OPQ "\"\n",
	    WANT(F("env-npm-token", 1)), ALT_NONE,
	    .note = "DEBATABLE: code assignments are not listed" },
	{ "YAML folded scalar", "ci.yml", "NPM_TOKEN: >-\n  " OPQ "\n",
	    WANT(F("env-npm-token", 2)), ALT_NONE,
	    .note = "DEBATABLE: the value is on the next line" },
	{ "JSON key NPM_TOKEN", ".vscode/settings.json",
	    "{\n  \"NPM_TOKEN\": \"" OPQ "\",\n}\n",
	    WANT(F("env-npm-token", 2)), .secret = OPQ },
	{ "JSON key npmToken", "config.json",
	    "{\n  \"npmToken\": \"" OPQ "\"\n}\n", WANT(F("env-npm-token", 2)),
	    .secret = OPQ },
};

static void
test_2_keys(void **state)
{
	(void)state;
	RUN_TABLE("2 keys", KEYS);
}

/* RULES.md 3: references, fallbacks, placeholders, short values. */
static const struct scase REFS[] = {
	/* References in a .npmrc value. */
	{ "${NAME}", ".npmrc", REG "${NPM_TOKEN}\n", NONE },
	{ "${NAME?}", ".npmrc", REG "${NPM_TOKEN?}\n", NONE },
	{ "${NAME:?message}", ".npmrc",
	    REG "${NPM_TOKEN:?set NPM_TOKEN first}\n", NONE },
	{ "${NAME-}", ".npmrc", REG "${NPM_TOKEN-}\n", NONE },
	{ "${NAME:-}", ".npmrc", REG "${NPM_TOKEN:-}\n", NONE },
	{ "$NAME", ".npmrc", REG "$NPM_TOKEN\n", NONE },
	{ "$(cmd)", ".npmrc", REG "$(cat /run/secrets/npm_token)\n", NONE },
	{ "`cmd`", ".env", "NPM_TOKEN=`cat /run/secrets/npm_token`\n", NONE },
	{ "key name in Markdown prose", "README.md",
	    "Set `_authToken=` (`//r/:_authToken=`) with a literal value\n",
	    NONE },
	{ "quoted prose after a key", "notes.txt",
	    "NPM_TOKEN: \"read from the CI secret store at build time\"\n",
	    NONE },
	{ "%NAME%", ".npmrc", REG "%NPM_TOKEN%\n", NONE },
	{ "${{ }}", ".npmrc", REG "${{ secrets.NPM_TOKEN }}\n", NONE },
	{ "{{ }}", ".npmrc", REG "{{ npm_token }}\n", NONE },
	{ "#{}#", ".npmrc", REG "#{NpmToken}#\n", NONE },
	{ "__NAME__", ".npmrc", REG "__NPM_TOKEN__\n", NONE },
	{ "@@NAME@@", ".npmrc", REG "@@NPM_TOKEN@@\n", NONE },
	{ "op://", ".npmrc", REG "op://ci/npm-publish/credential\n", NONE },
	{ "vault:", ".npmrc", REG "vault:secret/data/ci/npm#token\n", NONE },
	{ "arn:aws:", ".npmrc", REG "arn:aws:secretsmanager:us-east-1:"
	    "123456789012:secret:ci/npm-token-Ab3dEf\n", NONE },
	{ "ENC[] (SOPS)", ".npmrc", REG "ENC[AES256_GCM,data:q8vR2mK9pLx4Tn"
	    "W7yB3Zq8vR2m,iv:5f0c3a4e8b2d4c1e9a7f2d6b8e1c3f90,tag:Ab3dEfGh1jK"
	    "l2mNo3pQr4s==,type:str]\n", NONE },
	{ "process.env.X", ".npmrc", REG "process.env.NPM_TOKEN\n", NONE },
	{ "secrets.X", ".npmrc", REG "secrets.NPM_TOKEN\n", NONE },
	{ "credentials('id')", ".npmrc", REG "credentials('npm-token')\n",
	    NONE },
	{ "lookup('env', ...)", ".npmrc", REG "lookup('env', 'NPM_TOKEN')\n",
	    NONE },
	/* The same in other syntaxes. */
	{ "${NAME} quoted in .env", ".env", "NPM_TOKEN=\"${NPM_TOKEN}\"\n",
	    NONE },
	{ "$NAME single-quoted in .env", ".env", "NPM_TOKEN='$CI_NPM'\n",
	    NONE },
	{ "${NAME:?} in .env", ".env", "NPM_TOKEN=${NPM_TOKEN:?}\n", NONE },
	{ "$(cmd) in Azure style", "azure-pipelines.yml",
	    "    env:\n      NPM_TOKEN: $(NPM_TOKEN)\n", NONE },
	{ "%NAME% in a batch file", "publish.bat",
	    "set NPM_TOKEN=%NPM_TOKEN%\n", NONE },
	{ "#{}# in .env", ".env", "NPM_TOKEN=#{NpmToken}#\n", NONE },
	{ "__NAME__ in .env", ".env", "NPM_TOKEN=__NPM_TOKEN__\n", NONE },
	{ "@@NAME@@ in .env", ".env", "NPM_TOKEN=@@NPM_TOKEN@@\n", NONE },
	{ "op:// in .env", ".env", "NPM_TOKEN=op://ci/npm/token\n", NONE },
	{ "vault: in YAML", "values.yaml",
	    "npmToken: vault:secret/data/npm#token\n", NONE },
	{ "arn:aws: in YAML", "values.yaml",
	    "npmToken: arn:aws:ssm:us-east-1:123456789012:parameter/npm\n",
	    NONE },
	{ "ENC[] in YAML", "secrets.enc.yaml",
	    "npm_token: ENC[AES256_GCM,data:Tr7oq8vR2mK9pLx4TnW7,"
	    "iv:Ab3dEfGh1jKl2mNo=,type:str]\n", NONE },
	{ "!vault", "group_vars/all.yml",
	    "npm_token: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n"
	    "          " VAULT_HEX1 "\n", NONE },
	{ "process.env.X in JS", "x.js",
	    "const npmToken = process.env.NPM_TOKEN;\n", NONE },
	{ "var.x", "main.tf", "  npm_token = var.npm_token\n", NONE },
	{ "local.x", "main.tf", "  npm_token = local.npm_token\n", NONE },
	{ "data.", "main.tf",
	    "  npm_token = data.aws_ssm_parameter.npm_token.value\n", NONE },
	{ "module.", "main.tf", "  npm_token = module.secrets.npm_token\n",
	    NONE },
	{ "secrets.X in a workflow", ".github/workflows/ci.yml",
	    "          NODE_AUTH_TOKEN: secrets.NPM_TOKEN\n", NONE },
	{ "credentials('id') in Jenkinsfile", "Jenkinsfile",
	    "    NPM_TOKEN = credentials('npm-token')\n", NONE },
	{ "lookup('env') in Ansible", "group_vars/all.yml",
	    "npm_token: \"{{ lookup('env', 'NPM_TOKEN') }}\"\n", NONE },
	/* A literal fallback is a value. */
	{ "${NAME:-literal}", ".npmrc", REG "${NPM_TOKEN:-" OPQ "}\n",
	    WANT(F("npmrc-authtoken", 1)), .secret = OPQ },
	{ "${NAME-token}", ".env", "NPM_TOKEN=${NPM_TOKEN-@NPM@}\n",
	    WANT(F("npm-token", 1)), .secret = "@NPM@" },
	{ "${NAME:-uuid}", ".env", "NPM_TOKEN=${NPM_TOKEN:-" UUID "}\n",
	    WANT(F("npm-legacy-token", 1)), .secret = UUID },
	{ "${NAME:-literal} in compose", "compose.yaml",
	    "    environment:\n      - NPM_TOKEN=${NPM_TOKEN:-" OPQ "}\n",
	    WANT(F("env-npm-token", 2)), .secret = OPQ },
	{ "${NAME-literal} in .env", ".env", "NPM_TOKEN=${NPM_TOKEN-" OPQ
	    "}\n", WANT(F("env-npm-token", 1)), .secret = OPQ },
	{ "${NAME:-placeholder}", ".env",
	    "NPM_TOKEN=${NPM_TOKEN:-changeme-Token-1234567}\n", NONE },
	{ "${NAME:-<token>}", ".env", "NPM_TOKEN=${NPM_TOKEN:-<token>}\n",
	    NONE },
	/* Placeholders. */
	{ "<your-npm-token>", ".env", "NPM_TOKEN=<your-npm-token>\n", NONE },
	{ "<NPM_TOKEN> in .npmrc", ".npmrc", REG "<NPM_TOKEN>\n", NONE },
	{ "xxxx", ".env", "NPM_TOKEN=Ab12xxxxxxxxxxxxxxxx\n", NONE },
	{ "***", ".env", "NPM_TOKEN=Zq8v************yB3\n", NONE },
	{ "...", ".env", "NPM_TOKEN=Zq8vR2mK9p...yB3xx\n", NONE },
	{ "unicode ellipsis", ".env",
	    "NPM_TOKEN=Zq8vR2mK9p\xe2\x80\xa6yB3xx\n", NONE },
	{ "word your", ".env", "NPM_TOKEN=your_npm_token_here1\n", NONE },
	{ "word example", ".env", "NPM_TOKEN=example-token-1234567890\n",
	    NONE },
	{ "word placeholder", ".env",
	    "NPM_TOKEN=placeholder-Token-123456\n", NONE },
	{ "word changeme", ".env", "NPM_TOKEN=changeme-Token-1234567\n", NONE },
	{ "word replace", ".env", "NPM_TOKEN=replace-with-Token-12345\n",
	    NONE },
	{ "word redacted", ".env", "NPM_TOKEN=redacted-token-1234567890\n",
	    NONE },
	{ "word dummy", ".env", "NPM_TOKEN=dummy-token-1234567890ab\n", NONE },
	{ "word fake", ".env", "NPM_TOKEN=fake-token-1234567890ab\n", NONE },
	{ "word sample", ".env", "NPM_TOKEN=sample-token-1234567890a\n", NONE },
	{ "word todo", ".env", "NPM_TOKEN=todo-add-Token-1234567\n", NONE },
	{ "word REDACTED upper-case", ".env",
	    "NPM_TOKEN=REDACTED-1234567890abc\n",
	    .note = "interpretation: placeholder words in any case" },
	{ "word Your capitalised", ".npmrc", REG "YourTokenHere12345678\n",
	    .note = "interpretation: placeholder words in any case" },
	{ "placeholder in docs", "README.md",
	    "```\n" REG "your-token-goes-here\n```\n", NONE },
	{ "all-caps identifier, short", ".env", "NPM_TOKEN=MYTOKEN\n", NONE },
	{ "all-caps identifier, long", ".env",
	    "NPM_TOKEN=MY_NPM_PUBLISH_TOKEN\n", NONE },
	{ "all-caps identifier in .npmrc", ".npmrc", REG "YOUR_NPM_TOKEN\n",
	    NONE },
	{ "token shape of X", ".npmrc",
	    REG "npm_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\n", NONE },
	{ "two distinct characters", ".env",
	    "NPM_TOKEN=a1a1a1a1a1a1a1a1a1a1\n", NONE },
	{ "one distinct character", ".env",
	    "NPM_TOKEN=0000000000000000000000000000\n", NONE },
	{ "nil uuid", ".env", "NPM_TOKEN=" UUID_NIL "\n", NONE },
	/* Length and classes. */
	{ "15 characters", ".env", "NPM_TOKEN=Zq8vR2mK9pLx4Tn\n", NONE },
	{ "16 characters", ".env", "NPM_TOKEN=Zq8vR2mK9pLx4TnW\n",
	    WANT(F("env-npm-token", 1)), .secret = "Zq8vR2mK9pLx4TnW" },
	{ "15 characters in .npmrc", ".npmrc", REG "Zq8vR2mK9pLx4Tn\n", NONE },
	{ "lower-case only", ".env", "NPM_TOKEN=abcdefghijklmnopqrstuv\n",
	    NONE },
	{ "digits only", ".env", "NPM_TOKEN=12345678901234567890\n", NONE },
	{ "upper-case only", ".env", "NPM_TOKEN=QWERTYUIOPASDFGHJKLZX\n",
	    NONE },
	{ "hex digest (two classes)", ".env",
	    "NPM_TOKEN=9f86d081884c7d659a2feaa0c55ad015\n",
	    WANT(F("env-npm-token", 1)),
	    .secret = "9f86d081884c7d659a2feaa0c55ad015" },
	/* Empty. */
	{ "empty", ".env", "NPM_TOKEN=\n", NONE },
	{ "empty double quotes", ".env", "NPM_TOKEN=\"\"\n", NONE },
	{ "empty single quotes", ".env", "NPM_TOKEN=''\n", NONE },
	{ "empty YAML", "ci.yml", "NPM_TOKEN:\n", NONE },
	{ "empty YAML quotes", "ci.yml", "NPM_TOKEN: \"\"\n", NONE },
	{ "empty .npmrc", ".npmrc", REG "\n", NONE },
	/* Ciphertext containers. */
	{ "SealedSecret encryptedData", "sealed-secret.yaml",
	    "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\n"
	    "metadata:\n  name: npm\nspec:\n  encryptedData:\n"
	    "    NPM_TOKEN: " SEALED "\n    .npmrc: " SEALED "\n", NONE },
	/*
	 * Found by fuzz_scan: the value was claimed, then not reported as
	 * ciphertext, and the claim hid the valid token in it (1.1: a valid
	 * token is a finding in any context).
	 */
	{ "valid token inside an encryptedData value", "sealed-secret.yaml",
	    "kind: SealedSecret\nspec:\n  encryptedData:\n"
	    "    NPM_TOKEN: //registry.npmjs.org/:_authToken=@NPM@\n",
	    WANT(F("npm-token", 4)), .secret = "@NPM@" },
	{ "Renovate encrypted", "renovate.json",
	    "{\n  \"encrypted\": {\n    \"npmToken\": \"" PGP "\"\n  }\n}\n",
	    NONE },
	{ "Renovate hostRules encrypted", "renovate.json",
	    "{\n  \"hostRules\": [\n    {\n      \"matchHost\": "
	    "\"registry.npmjs.org\",\n      \"encrypted\": {\n"
	    "        \"token\": \"" PGP "\"\n      }\n    }\n  ]\n}\n", NONE },
	{ "Travis secure", ".travis.yml",
	    "deploy:\n  provider: npm\n  api_key:\n    secure: \"" SEALED
	    "\"\nenv:\n  global:\n    - secure: \"" SEALED "\"\n", NONE },
	{ "Travis secure under NPM_TOKEN", ".travis.yml",
	    "env:\n  NPM_TOKEN:\n    secure: \"" SEALED "\"\n", NONE },
	{ "Jenkins {AQAA...}", "jenkins.yaml",
	    "npmToken: \"{AQAAABAAAAAQxq8vR2mK9pLx4TnW7yB3Zq8vR2mK9pLx4TnW7yB3"
	    "Hk3mP9qLw2Xz7RtY5vBn=}\"\n", NONE },
	{ "Jenkins {AQAA...} in XML", "credentials.xml",
	    "<npmToken>{AQAAABAAAAAQxq8vR2mK9pLx4TnW7yB3Zq8vR2mK9pLx4TnW7yB3"
	    "Hk3mP9qLw2Xz7RtY5vBn=}</npmToken>\n", NONE },
	{ "Ansible vault file", "group_vars/all/vault.yml",
	    "$ANSIBLE_VAULT;1.1;AES256\n" VAULT_HEX1 "\n" VAULT_HEX2 "\n",
	    NONE },
};

static void
test_3_references(void **state)
{
	(void)state;
	RUN_TABLE("3 references", REFS);
}

/*
 * RULES.md 3.1: issued or made up. Made-up values are set aside (run
 * with O_DUMMIES they come out as "~rule"); issued ones, and whatever
 * section 1 and rule 6 decide, stay findings.
 */
#define HEX40 "3feff9243a8f506b40928b5b7a767c76fb008f86"
static const struct scase MADEUP[] = {
	/* token slots: words, sequences, walks, repeats */
	{ "test dummy in .npmrc", ".npmrc",
	    "//localhost:4261/:_authToken=private-reg-token\n",
	    WANT(F("~npmrc-authtoken", 1)), .opts = O_DUMMIES },
	{ "test dummy in a JS map", "config.test.js",
	    "  '//other.registry.npmjs.org/:_authToken': 'test-other-token',\n",
	    WANT(F("~npmrc-authtoken", 1)), .opts = O_DUMMIES },
	{ "camelCase dummy", ".env", "NPM_TOKEN=SyntheticNpmToken123\n",
	    WANT(F("~env-npm-token", 1)), .opts = O_DUMMIES },
	{ "sequences", ".npmrc",
	    "//registry.npmjs.org/:_authToken=abcd-1234-efgh-5678\n",
	    WANT(F("~npmrc-authtoken", 1)), .opts = O_DUMMIES },
	{ "interleaved sequences", ".env",
	    "NPM_TOKEN=npm_1a2b3c4d5e6f7g8h9i0j\n",
	    WANT(F("~env-npm-token", 1)), .opts = O_DUMMIES },
	{ "words in hex", ".npmrc",
	    "//registry.npmjs.org/:_authToken=deadbeefcafebadfoobarbaz42069\n",
	    WANT(F("~npmrc-authtoken", 1)), .opts = O_DUMMIES },
	{ "keyboard walk", "ci.yml", "  NPM_TOKEN: qwerty123456asdfgh\n",
	    WANT(F("~env-npm-token", 1)), .opts = O_DUMMIES },
	{ "placeholder in German", ".npmrc",
	    "//npm.pkg.github.com/:_authToken=ghp_DEIN_TOKEN_HIER\n",
	    WANT(F("~npmrc-authtoken", 1)), .opts = O_DUMMIES },
	{ "not reported without O_DUMMIES", ".npmrc",
	    "//localhost:4261/:_authToken=private-reg-token\n", NONE },
	/* example hosts (RFC 2606, RFC 6761) */
	{ "example.com registry", ".npmrc",
	    "//registry.example.com/:_authToken=" OPQ "\n",
	    WANT(F("~npmrc-authtoken", 1)), .opts = O_DUMMIES },
	{ "example.com with a path and scope", "a.test.js",
	    "'//example.com/npm/:@team:_authToken': '" OPQ "',\n",
	    WANT(F("~npmrc-authtoken", 1)), .opts = O_DUMMIES },
	{ "example.org URL", ".npmrc",
	    "registry=https://ci:" OPQ "@npm.example.org/\n",
	    WANT(F("~url-credentials", 1)), .opts = O_DUMMIES },
	{ ".test URL", "ci.sh",
	    "npm i --registry=https://ci:" OPQ "@registry.corp.test/\n",
	    WANT(F("~url-credentials", 1)), .opts = O_DUMMIES },
	{ "localhost is not an example host", ".npmrc",
	    "//localhost:4873/:_authToken=" OPQ "\n",
	    WANT(F("npmrc-authtoken", 1)) },
	/* URLs whose token is one half */
	{ "x-oauth-basic, zeros", "setup.sh",
	    "git clone https://0000000000000000000000000000000000000000:"
	    "x-oauth-basic@github.com/o/r.git\n", NONE },
	{ "x-oauth-basic, made up", "setup.sh",
	    "git clone https://my-test-token-value:x-oauth-basic@github.com/"
	    "o/r.git\n", WANT(F("~url-credentials", 1)), .opts = O_DUMMIES },
	{ "x-oauth-basic, issued", "setup.sh",
	    "git clone https://" HEX40 ":x-oauth-basic@github.com/o/r.git\n",
	    WANT(FC("url-credentials", 1, 19)), .secret = HEX40 },
	{ "x-access-token, issued", "setup.sh",
	    "git clone https://x-access-token:" OPQ "@github.com/o/r.git\n",
	    WANT(F("url-credentials", 1)), .secret = OPQ },
	{ "x-access-token, made up", "setup.sh",
	    "git clone https://x-access-token:my-test-token-here@github.com/"
	    "o/r.git\n", WANT(F("~url-credentials", 1)), .opts = O_DUMMIES },
	/* password slots */
	{ "textbook _auth", ".npmrc", "_auth=@B64{admin:admin123}@\n",
	    WANT(F("~npmrc-auth", 1)), .opts = O_DUMMIES },
	{ "hello:world _auth", ".npmrc", "_auth=@B64{hello:world}@\n",
	    WANT(F("~npmrc-auth", 1)), .opts = O_DUMMIES },
	{ "short _password", ".npmrc",
	    "//localhost:4261/:_password=@B64{land}@\n",
	    WANT(F("~npmrc-password", 1)), .opts = O_DUMMIES },
	{ "leetspeak textbook _password", ".npmrc",
	    "_password=@B64{P@ssw0rd!}@\n",
	    WANT(F("~npmrc-password", 1)), .opts = O_DUMMIES },
	{ "a phrase that says it is fake", "README.md",
	    "'//h.corp.internal:_auth': '@B64{isaacs:not my real password}@'\n",
	    WANT(F("~npmrc-auth", 1)), .opts = O_DUMMIES },
	{ "login and password words", "proxy.sh",
	    "https://login-on-proxy:passwd-on-proxy@proxy.corp.internal:8080/\n",
	    WANT(F("~url-credentials", 1)), .opts = O_DUMMIES },
	{ "NPM_PASSWORD textbook", ".env", "NPM_PASSWORD=password12345678\n",
	    WANT(F("~env-npm-token", 1)), .opts = O_DUMMIES },
	/* templates and code */
	{ "URL template with a port word", "proxy.md",
	    "http://login-on-proxy:passwd-on-proxy@proxy-host.com:port\n",
	    NONE },
	{ "URL template with a format hole", "auth.rs",
	    "&format!(\"http://basicuser:super-secret-password@{authority}\"),\n",
	    NONE },
	{ "Dart member access", "auth_repository.dart",
	    "  final FirebaseAuth _auth = FirebaseAuth.instance;\n", NONE },
	{ "Rust match arm", "creds.rs",
	    "    \"_authToken\" => creds.auth_token = Some(value),\n", NONE },
	{ "identifier in a map literal", "npmrc.js",
	    "  '_authToken': registryAuthTokenValue,\n", NONE },
	{ "_auth outside npm files, not base64", "config.rs",
	    "_auth=fictional-secret-value\n", NONE },
	/* still found */
	{ "random _authToken", ".npmrc",
	    REG "kY9pF34Qy6nB3Wwd8sLq2TzR\n",
	    WANT(F("npmrc-authtoken", 1)) },
	{ "Summer2024! as _password", ".npmrc",
	    "_password=@B64{Summer2024!}@\n", WANT(F("npmrc-password", 1)) },
	{ "Summer2024! in a URL", "ci.sh",
	    "npm i --registry=https://deploy:Summer2024!x@npm.corp.internal/\n",
	    WANT(F("url-credentials", 1)) },
	{ "person's password in NPM_PASSWORD", ".env",
	    "NPM_PASSWORD=Tr0ub4dor-3x-horse\n", WANT(F("env-npm-token", 1)) },
	{ "UUID with repeats in a token slot", ".npmrc",
	    "//r.corp.internal/:_authToken=12aaeee1-1ee2-101a-1a11-1111aaaa1b23\n",
	    WANT(F("npm-legacy-token", 1)) },
	{ "checksum-valid token in a test file", "redact.test.js",
	    "  const token = 'SyntheticNpmToken' + '@NPM@';\n",
	    WANT(F("npm-token", 1)) },
	{ "checksum-valid token in a token slot", "redact.test.js",
	    "  '//registry.npmjs.org/:_authToken': '@NPM@',\n",
	    WANT(F("npm-token", 1)) },
	{ "JWT in _authToken", ".npmrc", REG JWT "\n",
	    WANT(F("npmrc-authtoken", 1)) },
	{ "quoted key, plain scalar in YAML", ".yarnrc.yml",
	    "\"npmAuthToken\": " OPQ "\n", WANT(F("yarn-auth-token", 1)) },
	{ "random hex token", ".env", "NPM_TOKEN=" HEX40 "\n",
	    WANT(F("env-npm-token", 1)) },
	{ "a token inside a value set aside", ".env",
	    "NPM_TOKEN=\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
	    "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
	    "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
	    "\xff\xff\xff@NPM@\n",
	    WANT(F("~env-npm-token", 1), FC("npm-token", 1, 51)),
	    .opts = O_DUMMIES },
	{ "a token inside a made-up URL password", "ci.sh",
	    "https://user:password-@NPM@@r.corp.internal/\n",
	    WANT(F("~url-credentials", 1), FC("npm-token", 1, 23)),
	    .opts = O_DUMMIES },
};

static void
test_3_1_made_up(void **state)
{
	(void)state;
	RUN_TABLE("3.1 made up", MADEUP);
}

/*
 * Inputs of every length up to a few vector blocks, with a token at
 * every offset that fits: the filter's edges (the first two bytes, the
 * last partial block) find it, and tiny inputs are no trouble.
 */
static void
test_6_short_inputs(void **state)
{
	struct support_text tok;
	struct result *r = calloc(1, sizeof(*r));
	char buf[160];

	(void)state;
	assert_non_null(r);
	support_expand(&tok, "@NPM@");
	for (size_t n = 0; n < sizeof(buf); n++) {
		memset(buf, '.', n);
		scan_buf(r, sc_default, "x.txt", NULL, buf, n, 0);
		assert_int_equal(r->rc, 0);
		assert_int_equal(r->n, 0);
		for (size_t off = 0; off + tok.len <= n; off++) {
			memset(buf, '.', n);
			memcpy(buf + off, tok.buf, tok.len);
			scan_buf(r, sc_default, "x.txt", NULL, buf, n, 0);
			if (r->rc != 0 || r->n != 1 || r->f[0].column != off + 1)
				fail_msg("length %zu, token at %zu: %zu findings",
				    n, off, r->n);
		}
	}
	support_text_release(&tok);
	free(r);
}

/* Set-aside values are counted in the stats, reported or not. */
static void
test_3_1_counted(void **state)
{
	static const char text[] =
	    "//localhost:4261/:_authToken=private-reg-token\n"
	    "//localhost:4262/:_password=bGFuZA==\n";
	struct result *r = calloc(1, sizeof(*r));

	(void)state;
	assert_non_null(r);
	scan_buf(r, sc_default, ".npmrc", NULL, text, sizeof(text) - 1, 0);
	assert_int_equal(r->rc, 0);
	assert_int_equal(r->n, 0);
	assert_int_equal(r->stats.dummies, 2);
	scan_buf(r, sc_default, ".npmrc", NULL, text, sizeof(text) - 1,
	    SCAN_REPORT_DUMMIES);
	assert_int_equal(r->rc, 0);
	assert_int_equal(r->n, 2);
	assert_int_equal(r->stats.dummies, 2);
	assert_true(r->f[0].dummy && r->f[1].dummy);
	free(r);
}

/* RULES.md 4: decode base64, then look again; report the encoded line. */
#define SECRET_HEAD "apiVersion: v1\nkind: Secret\nmetadata:\n" \
    "  name: npmrc\ntype: Opaque\ndata:\n"

static const struct scase DECODE[] = {
	{ "Secret data .npmrc with a token", "secret.yaml",
	    SECRET_HEAD "  .npmrc: @B64{" REG "@NPM@\n}@\n",
	    WANT(F("npm-token", 7)), .secret = "@NPM@",
	    .note = "interpretation: the fingerprint is the decoded token's" },
	{ "Secret data .npmrc, opaque", "secret.yaml",
	    SECRET_HEAD "  .npmrc: @B64{//r.corp.internal/:_authToken=" OPQ
	    "\n}@\n", WANT(F("npmrc-authtoken", 7)) },
	{ "Secret data .npmrc, several lines", "secret.yaml",
	    SECRET_HEAD "  .npmrc: @B64{registry=https://r.corp.internal/\n"
	    "always-auth=true\n//r.corp.internal/:_authToken=" UUID "\n}@\n",
	    WANT(F("npm-legacy-token", 7)) },
	{ "Secret data .npmrc with a reference", "secret.yaml",
	    SECRET_HEAD "  .npmrc: @B64{" REG "${NPM_TOKEN}\n}@\n", NONE },
	{ "Secret data, token at offset 2 mod 3", "secret.yaml",
	    SECRET_HEAD "  .npmrc: @B64{_authToken=@NPM@\n}@\n",
	    WANT(F("npm-token", 7)), .secret = "@NPM@",
	    .note = "the encoded token does not start with bnBtX here" },
	{ "Secret data, token at offset 1 mod 3", "secret.yaml",
	    SECRET_HEAD "  .npmrc: @B64{//r.corp.internal/:_authToken=@NPM@\n}@"
	    "\n", WANT(F("npm-token", 7)), .secret = "@NPM@" },
	{ "Secret data value is a token", "secret.yaml",
	    SECRET_HEAD "  token: @B64NPM@\n", WANT(F("npm-token", 7)),
	    .secret = "@NPM@" },
	{ "Secret data NPM_TOKEN opaque", "secret.yaml",
	    SECRET_HEAD "  NPM_TOKEN: @B64{" OPQ "}@\n",
	    WANT(F("env-npm-token", 7)) },
	{ "Secret data, harmless values", "secret.yaml",
	    SECRET_HEAD "  username: @B64{ci-bot}@\n"
	    "  config.json: @B64{{\"debug\":true,\"level\":\"info\"}}@\n",
	    NONE },
	{ "Secret as kubectl prints it (data before kind)", "secret.yaml",
	    "apiVersion: v1\ndata:\n  .npmrc: @B64{" REG "@NPM@\n}@\n"
	    "kind: Secret\nmetadata:\n  name: npmrc\n",
	    WANT(F("npm-token", 3)), .secret = "@NPM@" },
	{ "Secret data before kind, opaque", "secret.yaml",
	    "apiVersion: v1\ndata:\n  .npmrc: @B64{//r.corp.internal/"
	    ":_authToken=" OPQ "\n}@\nkind: Secret\n",
	    WANT(F("npmrc-authtoken", 3)) },
	{ "Secret in JSON", "secret.json",
	    "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"data\":{\".npmrc\":"
	    "\"@B64{" REG "@NPM@\n}@\"}}\n", WANT(F("npm-token", 1)),
	    .note = "the same Secret data map, written as JSON" },
	{ "Secrets in a JSON list, as kubectl get -o json prints them",
	    "secrets.json",
	    "{\"kind\":\"List\",\"items\":[\n"
	    "{\"data\":{\"u\":\"YWRtaW4=\"},\"kind\":\"Secret\"},\n"
	    "{\"data\":{\".npmrc\":\"@B64{//r.corp.internal/:_authToken="
	    OPQ "\n}@\"},\"kind\":\"Secret\",\"metadata\":{\"annotations\":"
	    "{\"a\":\"{\\\"kind\\\":\\\"Secret\\\"}\"}}},\n"
	    "{\"kind\":\"Secret\",\"data\":{\"t\":\"@B64NPM@\"}}]}\n",
	    WANT(F("npmrc-authtoken", 3), F("npm-token", 4)),
	    .note = "each Secret's own data map, found by its object's braces" },
	{ "Secrets in a YAML list, as kubectl get -o yaml prints them",
	    "secrets.yaml",
	    "apiVersion: v1\nitems:\n"
	    "- apiVersion: v1\n  data:\n    u: YWRtaW4=\n  kind: Secret\n"
	    "- apiVersion: v1\n  data:\n    .npmrc: @B64{//r.corp.internal/"
	    ":_authToken=" OPQ "\n}@\n  kind: Secret\n  metadata:\n"
	    "    name: b\n"
	    "- kind: Secret\n  data:\n    t: @B64NPM@\n"
	    "kind: List\n",
	    WANT(F("npmrc-authtoken", 9), F("npm-token", 15)),
	    .note = "each item's own data map, found by its indentation" },
	/*
	 * Found by fuzz_scan: the unterminated string ran to the end of the
	 * data map and marked the next lines as judged Secret data, so the
	 * NPM_TOKEN line was skipped.
	 */
	{ "Secret in JSON, unterminated string", "secret.json",
	    "{\"kind\":\"Secret\",\"data\":{\"a\":\"QUJD\n"
	    "NPM_TOKEN=" OPQ "\n}}\n", WANT(F("env-npm-token", 2)) },
	/*
	 * Found by fuzz_scan: the value does not decode (a stray byte after
	 * the padding), yet it was marked as judged Secret data, and the
	 * "bnBtX" run in it was skipped.
	 */
	{ "Secret data value with a stray byte", "secret.yaml",
	    SECRET_HEAD "  token: @B64NPM@\x11\n", WANT(F("npm-token", 7)),
	    .secret = "@NPM@" },
	/* Likewise for a key's value that does not decode whole. */
	{ "Secret .npmrc value, base64 token misaligned", "secret.yaml",
	    SECRET_HEAD "  .npmrc: Ly9yZWd@B64NPM@\n", WANT(F("npm-token", 7)),
	    .secret = "@NPM@" },
	{ "Secret after a ConfigMap document", "all.yaml",
	    "kind: ConfigMap\ndata:\n  a: @B64{//r.corp.internal/:_authToken="
	    OPQ "\n}@\n---\nkind: Secret\ndata:\n  .npmrc: @B64{"
	    "//r.corp.internal/:_authToken=" OPQ2 "\n}@\n",
	    WANT(F("npmrc-authtoken", 7)) },
	{ "ConfigMap, opaque .npmrc", "configmap.yaml",
	    "kind: ConfigMap\ndata:\n  npmrc: @B64{//r.corp.internal/"
	    ":_authToken=" OPQ "\n}@\n", NONE, ALT(F("npmrc-authtoken", 3)),
	    .note = "DEBATABLE: 4 requires decoding Secret data and "
	    "credential values only; finding more is no false positive" },
	{ "ConfigMap, .npmrc with a token", "configmap.yaml",
	    "kind: ConfigMap\ndata:\n  npmrc: @B64{" REG "@NPM@\n}@\n",
	    WANT(F("npm-token", 3)), ALT_NONE,
	    .note = "DEBATABLE: 1.1 says a valid token is a finding in any "
	    "context, 4 requires decoding only in Secrets" },
	{ "base64 token in prose", "notes.txt",
	    "the token was @B64NPM@\n", WANT(F("npm-token", 1)),
	    ALT_NONE,
	    .note = "DEBATABLE: not a Secret, not a credential value" },
	{ "NPM_TOKEN is base64 of a token", ".env", "NPM_TOKEN=@B64NPM@\n",
	    WANT(F("npm-token|env-npm-token", 1)),
	    .note = "once: the decoded token decides (3.5); the rule id of "
	    "the encoded value is DEBATABLE" },
	{ "_authToken is base64 of a token", ".npmrc", REG "@B64NPM@\n",
	    WANT(F("npm-token|npmrc-authtoken", 1)),
	    .note = "once; rule id DEBATABLE" },
	{ "NPM_TOKEN is base64 of an opaque value", "values.yaml",
	    "NPM_TOKEN: @B64{" OPQ "}@\n", WANT(F("env-npm-token", 1)) },
	{ "helm b64enc template", "templates/secret.yaml",
	    "kind: Secret\ndata:\n  NPM_TOKEN: {{ .Values.npmToken | b64enc }}"
	    "\n", NONE },
	{ "NPM_TOKEN is base64 of a placeholder", ".env",
	    "NPM_TOKEN=@B64{your-npm-token-here}@\n",
	    .note = "interpretation: 4 runs 3 on the decoded text" },
};

static void
test_4_decode(void **state)
{
	(void)state;
	RUN_TABLE("4 decode", DECODE);
}

/* RULES.md 5: positions (1-based lines and byte columns) and order. */
static const struct scase FINDINGS[] = {
	{ "line 3, column 36", ".npmrc", "\n\n  " REG "@NPM@\n",
	    WANT(FC("npm-token", 3, 36)), .secret = "@NPM@" },
	{ "after a multi-byte character", "x.md",
	    "\xe2\x94\x82 @NPM@ \xe2\x94\x82\n", WANT(FC("npm-token", 1, 5)) },
	{ "two on one line", "x.txt", "a=@NPM@ b=@NPM2@\n",
	    WANT(FC("npm-token", 1, 3), FC("npm-token", 1, 46)) },
	{ "two lines apart", "x.txt", "@NPM@\n\n@NPM2@\n",
	    WANT(FC("npm-token", 1, 1), FC("npm-token", 3, 1)),
	    .secret = "@NPM@" },
	{ "rules in order of position", "deploy.sh",
	    "export NPM_TOKEN=" OPQ "\n"
	    "echo '//r.corp.internal/:_authToken=" UUID "' > .npmrc\n"
	    "# @NPM@\n",
	    WANT(F("env-npm-token", 1), F("npm-legacy-token", 2),
	    FC("npm-token", 3, 3)), .secret = OPQ },
	{ "two rules on one line", "deploy.sh",
	    "NPM_TOKEN=" OPQ " NODE_AUTH_TOKEN=@NPM@ npm publish\n",
	    WANT(F("env-npm-token", 1), FC("npm-token", 1, 48)),
	    .secret = OPQ },
	{ "value column", ".env", "NPM_TOKEN=" OPQ "\n",
	    WANT(FC("env-npm-token", 1, 11)),
	    .note = "interpretation: the column is where the value starts" },
	{ "value column, quoted", "deploy.sh",
	    "  export NPM_TOKEN=\"" OPQ "\"\n",
	    WANT(FC("env-npm-token", 1, 21)),
	    .note = "interpretation: the column is where the value starts" },
};

static void
test_5_findings(void **state)
{
	(void)state;
	RUN_TABLE("5 findings", FINDINGS);
}

/* RULES.md 6: BOM, CRLF, binary files. */
static const struct scase FILES[] = {
	{ "BOM before a key", ".env", "@BOM@NPM_TOKEN=" OPQ "\n",
	    WANT(F("env-npm-token", 1)), .secret = OPQ },
	{ "BOM before .npmrc", ".npmrc", "@BOM@" REG OPQ "\n",
	    WANT(F("npmrc-authtoken", 1)), .secret = OPQ },
	{ "BOM before a token", "x.txt", "@BOM@@NPM@\n",
	    WANT(F("npm-token", 1)), .secret = "@NPM@" },
	{ "BOM before YAML", ".yarnrc.yml", "@BOM@npmAuthToken: " OPQ "\n",
	    WANT(F("yarn-auth-token", 1)), .secret = OPQ },
	{ "CRLF .env", ".env", "NPM_TOKEN=" OPQ "\r\nOTHER=1\r\n",
	    WANT(F("env-npm-token", 1)), .secret = OPQ },
	{ "CRLF quoted", ".env", "NPM_TOKEN=\"" OPQ "\"\r\n",
	    WANT(F("env-npm-token", 1)), .secret = OPQ },
	{ "CRLF .npmrc token", ".npmrc",
	    "registry=https://registry.npmjs.org/\r\n" REG "@NPM@\r\n",
	    WANT(F("npm-token", 2)), .secret = "@NPM@" },
	{ "CRLF .npmrc opaque", ".npmrc", REG OPQ "\r\n",
	    WANT(F("npmrc-authtoken", 1)), .secret = OPQ },
	{ "CRLF yarnrc.yml nested", ".yarnrc.yml",
	    "npmScopes:\r\n  myorg:\r\n    npmAuthToken: " OPQ "\r\n",
	    WANT(F("yarn-auth-token", 3)), .secret = OPQ },
	{ "CRLF k8s env", "deploy.yaml",
	    "- name: NPM_TOKEN\r\n  value: " OPQ "\r\n",
	    WANT(F("env-npm-token", 2)), .secret = OPQ },
	{ "CR at end of input", ".env", "NPM_TOKEN=" OPQ "\r",
	    WANT(F("env-npm-token", 1)), .secret = OPQ },
	{ "CRLF uuid", ".npmrc", REG UUID "\r\n",
	    WANT(F("npm-legacy-token", 1)), .secret = UUID },
	/* Binary: section 1 only. */
	{ "binary: token only", "layer.tar",
	    "@NUL@@NUL@PK\x03\x04 @NPM@ @NUL@\n" REG OPQ "\n"
	    "NPM_TOKEN=" UUID "\n",
	    WANT(F("npm-token", 1)), .secret = "@NPM@", .binary = BIN_BINARY },
	{ "binary: GitHub token", "app.db", "@NUL@x @GHP@\n",
	    WANT(F("github-token", 1)), .binary = BIN_BINARY },
	{ "binary: invalid checksum", "app.db", "@NUL@x @BAD@\n",
	    .binary = BIN_BINARY },
	{ "binary: no private key", "blob.bin",
	    "@NUL@\n@PEM_BEGIN_RSA@\n@PEM_BODY_RSA@\n@PEM_END_RSA@\n",
	    .binary = BIN_BINARY },
	{ "binary: token boundaries hold", "blob.bin", "@NUL@a@NPM@\n",
	    .binary = BIN_BINARY },
	{ "binary: token next to NUL bytes", "blob.bin", "@NUL@@NPM@@NUL@",
	    WANT(F("npm-token", 1)), .binary = BIN_BINARY },
	{ "binary: forced text", "blob.bin",
	    "@NUL@\n" REG OPQ "\n", WANT(F("npmrc-authtoken", 2)),
	    .opts = O_FORCE_TEXT },
	{ "binary .npmrc gets every rule", ".npmrc", "@NUL@\n" REG OPQ "\n",
	    WANT(F("npmrc-authtoken", 2)), .binary = BIN_ANY },
	{ "binary .npmrc in a directory", "home/ci/.npmrc",
	    "@NUL@\n" REG OPQ "\n", WANT(F("npmrc-authtoken", 2)),
	    .binary = BIN_ANY },
	{ "binary .yarnrc", ".yarnrc", "@NUL@\n_authToken " OPQ "\n",
	    WANT(F("npmrc-authtoken", 2)), .binary = BIN_ANY },
	{ "binary .yarnrc.yml", "app/.yarnrc.yml",
	    "@NUL@\nnpmAuthToken: " OPQ "\n", WANT(F("yarn-auth-token", 2)),
	    .binary = BIN_ANY },
	{ "binary x.tfstate", "x.tfstate",
	    "@NUL@\n  \"npm_token\": \"" OPQ "\",\n",
	    WANT(F("env-npm-token", 2)), .binary = BIN_ANY },
	{ "binary .env", ".env", "@NUL@\nNPM_TOKEN=" OPQ "\n",
	    WANT(F("env-npm-token", 2)), .binary = BIN_ANY },
	{ "binary .env.production", "deploy/.env.production",
	    "@NUL@\nNPM_TOKEN=" OPQ "\n", WANT(F("env-npm-token", 2)),
	    .binary = BIN_ANY },
	{ "binary npmrc without the dot", "config/npmrc",
	    "@NUL@\n" REG OPQ "\n", .binary = BIN_BINARY },
};

static void
test_6_files(void **state)
{
	(void)state;
	RUN_TABLE("6 files", FILES);
}

/* RULES.md 7: inline markers. */
static const struct scase ALLOW[] = {
	{ "marker after a token", "x.js",
	    "const t = '@NPM@'; // tokenguard:allow\n", .allowed = 1 },
	{ "marker before a token", "x.c",
	    "/* tokenguard:allow */ t = \"@NPM@\";\n", .allowed = 1 },
	{ "marker after a key", ".env",
	    "NPM_TOKEN=" OPQ " # tokenguard:allow\n", .allowed = 1 },
	{ "marker in YAML", ".yarnrc.yml",
	    "npmAuthToken: " OPQ " # tokenguard:allow\n", .allowed = 1 },
	{ "marker covers its line only", ".env",
	    "# tokenguard:allow\nNPM_TOKEN=" OPQ "\n",
	    WANT(F("env-npm-token", 2)) },
	{ "marker covers every finding on the line", "x.txt",
	    "@NPM@ @NPM2@ tokenguard:allow\n", .allowed = 2 },
	{ "marker with other lines", "x.txt",
	    "@NPM@ # tokenguard:allow\n@NPM2@\n",
	    WANT(F("npm-token", 2)), .secret = "@NPM2@", .allowed = 1 },
	{ "reported when asked", "x.js",
	    "const t = '@NPM@'; // tokenguard:allow\n",
	    WANT(FC("npm-token", 1, 12)), .secret = "@NPM@",
	    .opts = O_REPORT_ALLOWED, .inline_allowed = true,
	    .note = "stats.allowed counts dropped findings (scan.h); this "
	    "one is reported" },
	{ "inlineAllow = false", "x.js",
	    "const t = '@NPM@'; // tokenguard:allow\n",
	    WANT(FC("npm-token", 1, 12)), .opts = O_NOINLINE },
	{ "inlineAllow = false, report allowed", "x.js",
	    "const t = '@NPM@'; // tokenguard:allow\n",
	    WANT(FC("npm-token", 1, 12)),
	    .opts = O_NOINLINE | O_REPORT_ALLOWED },
	{ "inlineAllow = false, key", ".env",
	    "NPM_TOKEN=" OPQ " # tokenguard:allow\n",
	    WANT(F("env-npm-token", 1)), .opts = O_NOINLINE },
};

static void
test_7_inline_allow(void **state)
{
	(void)state;
	RUN_TABLE("7 inline allow", ALLOW);
}

/* Builds a scanner or fails the test with the error. */
static struct scanner *
build(const struct config *c)
{
	struct scanner *s = NULL;
	struct err e = { 0 };

	if (scanner_new(&s, c, &e) != 0) {
		print_error("scanner_new: %s\n", e.msg);
		fail();
	}
	assert_non_null(s);
	return s;
}

/*
 * Line counting: the vector count (byte counters summed every 127 pairs
 * of blocks) against a byte loop, on lengths around its block and sum
 * boundaries, with newlines sparse, dense and everywhere (so a counter
 * would overflow were it summed too late), and with the scalar path.
 */
static void
test_count_lines(void **state)
{
	static const size_t lens[] = { 0, 1, 31, 32, 63, 64, 65, 127, 8127,
	    8128, 8129, 8191, 8192, 16256, 16257, 100003 };
	static const unsigned every[] = { 1, 2, 7, 80, 5000 };
	char *buf = malloc(100003);
	struct scanner *vec, *plain;
	struct config c;

	(void)state;
	assert_non_null(buf);
	support_config(&c, 0);
	vec = build(&c);
	assert_int_equal(setenv("TOKENGUARD_NO_AVX2", "1", 1), 0);
	plain = build(&c);
	assert_int_equal(unsetenv("TOKENGUARD_NO_AVX2"), 0);
	for (size_t k = 0; k < sizeof(every) / sizeof(every[0]); k++) {
		unsigned x = 12345;

		for (size_t i = 0; i < 100003; i++) {
			x = x * 1103515245u + 12345u;
			buf[i] = (x >> 16) % every[k] == 0 ? '\n' :
			    (char)('a' + (x >> 8) % 26);
		}
		for (size_t j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			size_t want = 0;

			for (size_t i = 0; i < lens[j]; i++)
				want += buf[i] == '\n';
			assert_int_equal(scanner_count_lines(vec, buf,
			    lens[j]), want);
			assert_int_equal(scanner_count_lines(plain, buf,
			    lens[j]), want);
			/* From an odd start too. */
			if (lens[j] > 3)
				assert_int_equal(scanner_count_lines(vec,
				    buf + 3, lens[j] - 3), want -
				    (size_t)(buf[0] == '\n') -
				    (size_t)(buf[1] == '\n') -
				    (size_t)(buf[2] == '\n'));
		}
	}
	scanner_free(vec);
	scanner_free(plain);
	config_release(&c);
	free(buf);
}

static void
scan_template(struct result *r, const struct scanner *s, const char *path,
    const char *tmpl, unsigned flags)
{
	struct support_text t;

	support_expand(&t, tmpl);
	scan_buf(r, s, path, NULL, t.buf, t.len, flags);
	support_text_release(&t);
	if (r->rc != 0)
		print_result(r);
	assert_int_equal(r->rc, 0);
}

static void
fingerprint_of(char fp[FINGERPRINT_SIZE], const char *tmpl)
{
	struct support_text t;
	struct err e = { 0 };

	support_expand(&t, tmpl);
	assert_int_equal(finding_fingerprint(fp, t.buf, t.len, &e), 0);
	support_text_release(&t);
}

/*
 * The three filter paths (AVX-512, AVX2, none) find the same things
 * wherever a secret falls against their 32- and 64-byte blocks: a
 * token and a key at every offset over two blocks, before and after a
 * newline, and ending at the very end of the buffer.
 */
static void
test_filter_paths(void **state)
{
	static const char *const envs[][2] = {
		{ NULL, NULL },
		{ "TOKENGUARD_NO_AVX512", NULL },
		{ "TOKENGUARD_NO_AVX2", NULL },
	};
	static const char *const tmpl[] = {
		"tok @NPM@ end\n", "npm_token: \"" OPQ "\"\n", "@NPM@",
	};
	struct result *r = calloc(1, sizeof(*r));
	struct scanner *sc[3];
	struct support_text t[3];
	struct config c;
	char *buf = malloc(400);

	(void)state;
	assert_non_null(r);
	assert_non_null(buf);
	support_config(&c, 0);
	for (size_t k = 0; k < 3; k++) {
		if (envs[k][0] != NULL)
			assert_int_equal(setenv(envs[k][0], "1", 1), 0);
		sc[k] = build(&c);
	}
	assert_int_equal(unsetenv("TOKENGUARD_NO_AVX512"), 0);
	assert_int_equal(unsetenv("TOKENGUARD_NO_AVX2"), 0);
	for (size_t j = 0; j < 3; j++)
		support_expand(&t[j], tmpl[j]);
	for (size_t j = 0; j < 3; j++) {
		for (size_t off = 0; off < 200; off++) {
			size_t len;

			memset(buf, 'x', off);
			/* A word before the secret, a line before that. */
			if (off > 0)
				buf[off - 1] = ' ';
			if (off > 0)
				buf[off / 2] = '\n';
			memcpy(buf + off, t[j].buf, t[j].len);
			len = off + t[j].len;
			for (size_t k = 0; k < 3; k++) {
				memset(r, 0, sizeof(*r));
				scan_buf(r, sc[k], "f.txt", NULL, buf, len, 0);
				assert_int_equal(r->rc, 0);
				if (r->n != 1 || r->f[0].line != (off > 0 ? 2 :
				    1))
					print_error("path %zu, template %zu, "
					    "offset %zu: %zu findings\n", k, j,
					    off, r->n);
				assert_int_equal(r->n, 1);
				assert_int_equal(r->f[0].line, off > 0 ? 2 : 1);
			}
		}
	}
	for (size_t j = 0; j < 3; j++)
		support_text_release(&t[j]);
	for (size_t k = 0; k < 3; k++)
		scanner_free(sc[k]);
	config_release(&c);
	free(buf);
	free(r);
}

/* RULES.md 7: allowlists by fingerprint, never by line number. */
static void
test_7_fingerprint_allow(void **state)
{
	struct result *r = calloc(1, sizeof(*r));
	struct config c;
	struct scanner *s;
	char fp[FINGERPRINT_SIZE], fp2[FINGERPRINT_SIZE];
	struct err e = { 0 };

	(void)state;
	assert_non_null(r);
	support_config(&c, 0);
	fingerprint_of(fp, "@NPM@");
	fingerprint_of(fp2, OPQ);
	assert_int_equal(config_add_allow(&c, fp, &e), 0);
	assert_int_equal(config_add_allow(&c, fp2, &e), 0);
	s = build(&c);
	config_release(&c);

	/* The same token on two lines, both allowed; another is not. */
	scan_template(r, s, "x.txt", "a @NPM@\nb @NPM2@\nc @NPM@\n", 0);
	if (r->n != 1 || r->f[0].line != 2 || r->stats.allowed != 2)
		print_result(r);
	assert_int_equal(r->n, 1);
	assert_string_equal(r->f[0].rule, "npm-token");
	assert_int_equal(r->f[0].line, 2);
	assert_int_equal(r->stats.allowed, 2);

	/* A key/value finding, by the fingerprint of its value. */
	scan_template(r, s, ".env", "NPM_TOKEN=" OPQ "\n", 0);
	if (r->n != 0)
		print_result(r);
	assert_int_equal(r->n, 0);
	assert_int_equal(r->stats.allowed, 1);

	/*
	 * SCAN_REPORT_ALLOWED is about inline markers (scan.h): a
	 * fingerprint-allowed finding stays hidden. Interpretation.
	 */
	scan_template(r, s, "x.txt", "@NPM@\n", SCAN_REPORT_ALLOWED);
	if (r->n != 0)
		print_result(r);
	assert_int_equal(r->n, 0);
	assert_int_equal(r->stats.allowed, 1);

	scanner_free(s);
	free(r);
}

/* The big inputs of RULES.md 6. */
static double
seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A NUL in the first 8 KiB makes a file binary; after it, text. */
static void
test_6_nul_offsets(void **state)
{
	static const size_t offsets[] = { 0, 100, 8191, 8192, 9000, 60000 };
	struct result *r = calloc(1, sizeof(*r));
	size_t len = 70000;
	char *buf = malloc(len);
	const char *line = REG OPQ "\n";

	(void)state;
	assert_non_null(r);
	assert_non_null(buf);
	for (size_t k = 0; k < sizeof(offsets) / sizeof(offsets[0]); k++) {
		size_t nul = offsets[k];
		bool binary = nul < 8192;

		/* The credential line first, filler lines, then a NUL. */
		memset(buf, 'x', len);
		for (size_t i = 63; i < len; i += 64)
			buf[i] = '\n';
		memcpy(buf, line, strlen(line));
		buf[nul] = '\0';
		scan_buf(r, sc_default, "data.txt", NULL, buf, len, 0);
		if (r->rc != 0 || r->stats.binary != binary ||
		    r->n != (binary ? 0u : 1u)) {
			print_error("NUL at offset %zu: want binary=%d and %d "
			    "finding(s)\n", nul, binary, binary ? 0 : 1);
			print_result(r);
			fail();
		}
		if (!binary) {
			assert_string_equal(r->f[0].rule, "npmrc-authtoken");
			assert_int_equal(r->f[0].line, 1);
		}
	}
	free(buf);
	free(r);
}

/*
 * A 2 MB single line of minified JavaScript with a token at each end:
 * both found, and the scan returns.
 */
static void
test_6_long_line(void **state)
{
	static const char chunk[] = "function(a,b){return a+b};var x=[1,2];";
	struct result *r = calloc(1, sizeof(*r));
	size_t size = 2u << 20, len = 0;
	char *buf = malloc(size + 256);
	const char *t1 = support_placeholder("NPM2");
	const char *t2 = support_placeholder("NPM");
	size_t col2;
	struct timespec t0;
	double secs;

	(void)state;
	assert_non_null(r);
	assert_non_null(buf);
	len += (size_t)snprintf(buf, 64, "var a=\"%s\";", t1);
	while (len + sizeof(chunk) < size) {
		memcpy(buf + len, chunk, sizeof(chunk) - 1);
		len += sizeof(chunk) - 1;
	}
	len += (size_t)snprintf(buf + len, 64, "var t=\"");
	col2 = len + 1;
	len += (size_t)snprintf(buf + len, 64, "%s\";", t2);

	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	scan_buf(r, sc_default, "dist/app.min.js", NULL, buf, len, 0);
	secs = seconds_since(&t0);
	print_message("2 MB line scanned in %.3f s, lines_capped=%zu\n",
	    secs, r->stats.lines_capped);
	if (r->rc != 0 || r->n != 2)
		print_result(r);
	assert_int_equal(r->rc, 0);
	assert_int_equal(r->n, 2);
	assert_string_equal(r->f[0].rule, "npm-token");
	assert_int_equal(r->f[0].line, 1);
	assert_int_equal(r->f[0].column, 8);
	assert_string_equal(r->f[1].rule, "npm-token");
	assert_int_equal(r->f[1].line, 1);
	assert_int_equal(r->f[1].column, col2);
	assert_true(secs < 30.0);
	free(buf);
	free(r);
}

/* User rules from configuration. */
static void
test_user_rules(void **state)
{
	static const char *const acme_kw[] = { "acme_", NULL };
	static const char *const kw_zzz[] = { "zzz", NULL };
	static const char *const kw_two[] = { "aaa", "bbb", NULL };
	struct result *r = calloc(1, sizeof(*r));
	const struct scan_rule_info *info;
	struct config c;
	struct scanner *s;
	size_t n;

	(void)state;
	assert_non_null(r);
	support_config(&c, 0);
	support_config_rule(&c, "acme-key", "acme_[a-z0-9]{20}",
	    "Acme API key: revoke it at acme.example", acme_kw);
	support_config_rule(&c, "kw-rule", "secret[0-9]{4}", "kw rule",
	    kw_zzz);
	support_config_rule(&c, "two-kw", "token[0-9]{4}", "two keywords",
	    kw_two);
	support_config_rule(&c, "no-kw", "frob[0-9]{4}", NULL, NULL);
	s = build(&c);
	/* The scanner copied what it needs. */
	config_release(&c);

	/* Listed after the built-in rules, flagged as user rules. */
	n = scanner_rule_count(s);
	assert_true(n >= 4);
	info = scanner_rule(s, n - 4);
	assert_string_equal(info->id, "acme-key");
	assert_true(info->user);
	assert_string_equal(scanner_rule(s, n - 1)->id, "no-kw");
	assert_true(scanner_rule(s, n - 1)->user);
	assert_false(scanner_rule(s, 0)->user);

	scan_template(r, s, "x.py",
	    "print(1)\nkey = 'acme_abcdefghij0123456789'\n", 0);
	if (r->n != 1)
		print_result(r);
	assert_int_equal(r->n, 1);
	assert_string_equal(r->f[0].rule, "acme-key");
	assert_int_equal(r->f[0].line, 2);
	assert_int_equal(r->f[0].column, 8);
	assert_null(r->f[0].problem);

	/* No keyword on the line: the pattern never runs. */
	scan_template(r, s, "x.txt", "secret1234\n", 0);
	assert_int_equal(r->n, 0);
	scan_template(r, s, "x.txt", "zzz\nsecret1234\n", 0);
	assert_int_equal(r->n, 0);
	scan_template(r, s, "x.txt", "zzz secret1234\n", 0);
	assert_int_equal(r->n, 1);
	assert_string_equal(r->f[0].rule, "kw-rule");

	/* Any keyword of several will do. */
	scan_template(r, s, "x.txt", "bbb token1234\n", 0);
	assert_int_equal(r->n, 1);
	assert_string_equal(r->f[0].rule, "two-kw");
	scan_template(r, s, "x.txt", "ccc token1234\n", 0);
	assert_int_equal(r->n, 0);

	/* No keyword: runs on every line. */
	scan_template(r, s, "x.txt", "a\nb frob9876\n", 0);
	assert_int_equal(r->n, 1);
	assert_string_equal(r->f[0].rule, "no-kw");
	assert_int_equal(r->f[0].line, 2);
	/* No description configured: a finding still has one. */
	assert_null(r->f[0].problem);

	/* Inline markers apply to user rules too. */
	scan_template(r, s, "x.txt", "frob9876 tokenguard:allow\n", 0);
	assert_int_equal(r->n, 0);
	assert_int_equal(r->stats.allowed, 1);

	/* A binary file gets section 1 only: no user rules. */
	scan_template(r, s, "x.bin", "@NUL@frob9876\n", 0);
	if (r->n != 0)
		print_error("user rule ran on a binary file "
		    "(RULES.md 6: section 1 only)\n");
	assert_int_equal(r->n, 0);

	scanner_free(s);
	free(r);
}

struct bad_pattern {
	const char *id;
	const char *pattern;
};

static void
test_user_rule_bad_pattern(void **state)
{
	static const struct bad_pattern bad[] = {
		{ "acme-key", "acme_[a-z" },
		{ "bad-quant", "a{2,1}" },
		{ "dup-name", "(?<n>a)(?<n>b)" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct scanner *s = NULL;
		struct config c;
		struct err e = { 0 };
		pcre2_code *code;
		PCRE2_SIZE off = 0;
		char offset[32];
		int ec, rc;

		code = pcre2_compile((PCRE2_SPTR)bad[i].pattern,
		    PCRE2_ZERO_TERMINATED, 0, &ec, &off, NULL);
		assert_null(code);
		(void)snprintf(offset, sizeof(offset), "%zu", (size_t)off);

		support_config(&c, 0);
		support_config_rule(&c, "fine", "fine[0-9]+", NULL, NULL);
		support_config_rule(&c, bad[i].id, bad[i].pattern, NULL, NULL);
		rc = scanner_new(&s, &c, &e);
		config_release(&c);
		print_message("bad pattern '%s': %s\n", bad[i].pattern, e.msg);
		assert_int_equal(rc, -1);
		assert_null(s);
		assert_non_null(strstr(e.msg, bad[i].id));
		assert_non_null(strstr(e.msg, "offset"));
		assert_non_null(strstr(strstr(e.msg, "offset"), offset));
	}
}

/* A catastrophic pattern is stopped by the match limit, and counted. */
static void
test_user_rule_limit(void **state)
{
	struct result *r = calloc(1, sizeof(*r));
	size_t as = 5000, len = 0;
	char *buf = malloc(3 * (as + 2) + 64);
	struct config c;
	struct scanner *s;
	struct timespec t0;
	double secs;

	(void)state;
	assert_non_null(r);
	assert_non_null(buf);
	support_config(&c, 0);
	support_config_rule(&c, "redos", "(a+)+$", "catastrophic", NULL);
	s = build(&c);
	config_release(&c);

	for (int l = 0; l < 3; l++) {
		memset(buf + len, 'a', as);
		len += as;
		buf[len++] = 'b';
		buf[len++] = '\n';
	}
	len += (size_t)snprintf(buf + len, 64, "x = %s\n",
	    support_placeholder("NPM"));

	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	scan_buf(r, s, "x.txt", NULL, buf, len, 0);
	secs = seconds_since(&t0);
	print_message("catastrophic pattern: %.3f s, user_rule_limits=%zu\n",
	    secs, r->stats.user_rule_limits);
	if (r->rc != 0 || r->n != 1)
		print_result(r);
	assert_int_equal(r->rc, 0);
	assert_true(secs < 10.0);
	assert_true(r->stats.user_rule_limits >= 1);
	/* The built-in rules still ran on the rest. */
	assert_int_equal(r->n, 1);
	assert_string_equal(r->f[0].rule, "npm-token");
	assert_int_equal(r->f[0].line, 4);
	scanner_free(s);
	free(buf);
	free(r);
}

/* Every rule id RULES.md 5 names is a built-in rule with a description. */
static void
test_rule_list(void **state)
{
	static const char *const ids[] = {
		"npm-token", "npm-legacy-token", "npmrc-auth",
		"npmrc-password", "npmrc-authtoken", "yarn-auth-token",
		"yarn-auth-ident", "github-token", "private-key",
		"url-credentials", "env-npm-token",
	};
	size_t n = scanner_rule_count(sc_default);

	(void)state;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		bool found = false;

		for (size_t j = 0; j < n; j++) {
			const struct scan_rule_info *info =
			    scanner_rule(sc_default, j);

			assert_false(info->user);
			assert_non_null(info->description);
			assert_true(info->description[0] != '\0');
			if (strcmp(info->id, ids[i]) == 0)
				found = true;
		}
		if (!found) {
			print_error("rule '%s' is not listed\n", ids[i]);
			fail();
		}
	}
}

/* Odds and ends of the API. */
static void
test_api(void **state)
{
	struct result *r = calloc(1, sizeof(*r));
	struct support_text t;
	struct config c;
	struct scanner *s;
	struct err e = { 0 };
	int rc;

	(void)state;
	assert_non_null(r);
	scanner_free(NULL);
	assert_int_equal(scanner_max_file_size(sc_default),
	    CONFIG_DEFAULT_MAX_FILE_SIZE);
	support_config(&c, 0);
	c.max_file_size = 1234;
	s = build(&c);
	config_release(&c);
	assert_int_equal(scanner_max_file_size(s), 1234);
	scanner_free(s);

	/* The callback stops the scan; its value is returned. */
	support_expand(&t, "@NPM@\n@NPM2@\n@NPM3@\n");
	r->stop_after = 1;
	scan_buf(r, sc_default, "x.txt", NULL, t.buf, t.len, 0);
	assert_int_equal(r->rc, 7);
	assert_int_equal(r->n, 1);
	r->stop_after = 0;

	/* The commit of the origin is carried; stats may be NULL. */
	scan_buf(r, sc_default, "a/b.txt", "0123456789abcdef0123456789abcdef"
	    "01234567", t.buf, t.len, 0);
	assert_int_equal(r->rc, 0);
	assert_int_equal(r->n, 3);
	assert_null(r->f[0].problem);
	{
		struct scan_origin o = { "x.txt", NULL };

		r->n = 0;
		r->origin = &o;
		rc = scanner_scan(sc_default, NULL, &o, t.buf, t.len, 0,
		    collect, r, &e);
		assert_int_equal(rc, 0);
		assert_int_equal(r->n, 3);
	}
	/* Empty input. */
	scan_buf(r, sc_default, "x.txt", NULL, "", 0, 0);
	assert_int_equal(r->rc, 0);
	assert_int_equal(r->n, 0);
	support_text_release(&t);
	free(r);
}

/*
 * Thread safety: one scanner, four threads, different inputs at once;
 * every run gives what a sequential run gave.
 */
static const char *const THREAD_INPUTS[][2] = {
	{ ".npmrc", REG "@NPM@\n//r.corp.internal/:_authToken=" OPQ "\n"
	    "_auth=@B64{ci-bot:Wq7vLp2Kd9s}@\n" },
	{ "deploy.sh", "export NPM_TOKEN=" OPQ "\n# @GHP@\n"
	    "echo '//r.corp.internal/:_authToken=" UUID "' > .npmrc\n" },
	{ "secret.yaml", SECRET_HEAD "  .npmrc: @B64{" REG "@NPM2@\n}@\n"
	    "  NPM_TOKEN: @B64{" OPQ "}@\n" },
	{ ".yarnrc.yml", "npmScopes:\n  myorg:\n    npmAuthToken: " OPQ "\n"
	    "npmAuthIdent: \"user:longsecretvalue123\"\nx: @NPM3@\n" },
};

struct thread_job {
	struct support_text text;
	const char *path;
	struct result base;
	struct result run;
	int mismatches;
};

static bool
same_results(const struct result *a, const struct result *b)
{
	if (a->rc != b->rc || a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n && i < MAXF; i++) {
		if (strcmp(a->f[i].rule, b->f[i].rule) != 0 ||
		    a->f[i].line != b->f[i].line ||
		    a->f[i].column != b->f[i].column ||
		    strcmp(a->f[i].fingerprint, b->f[i].fingerprint) != 0 ||
		    strcmp(a->f[i].redacted, b->f[i].redacted) != 0)
			return false;
	}
	return true;
}

static void *
thread_main(void *arg)
{
	struct thread_job *job = arg;

	for (int i = 0; i < 300; i++) {
		scan_buf(&job->run, sc_default, job->path, NULL,
		    job->text.buf, job->text.len, 0);
		if (!same_results(&job->base, &job->run))
			job->mismatches++;
	}
	return NULL;
}

static void
test_threads(void **state)
{
	enum { NT = 4 };
	struct thread_job *jobs = calloc(NT, sizeof(*jobs));
	pthread_t tid[NT];

	(void)state;
	assert_non_null(jobs);
	for (int i = 0; i < NT; i++) {
		support_expand(&jobs[i].text, THREAD_INPUTS[i][1]);
		jobs[i].path = THREAD_INPUTS[i][0];
		scan_buf(&jobs[i].base, sc_default, jobs[i].path, NULL,
		    jobs[i].text.buf, jobs[i].text.len, 0);
		assert_int_equal(jobs[i].base.rc, 0);
		print_message("thread input %d: %zu finding(s)\n", i,
		    jobs[i].base.n);
	}
	for (int i = 0; i < NT; i++)
		assert_int_equal(pthread_create(&tid[i], NULL, thread_main,
		    &jobs[i]), 0);
	for (int i = 0; i < NT; i++)
		assert_int_equal(pthread_join(tid[i], NULL), 0);
	for (int i = 0; i < NT; i++) {
		if (jobs[i].mismatches != 0) {
			print_error("thread %d: %d of 300 runs differed from "
			    "the sequential run\n", i, jobs[i].mismatches);
			print_result(&jobs[i].base);
			print_result(&jobs[i].run);
		}
		assert_int_equal(jobs[i].mismatches, 0);
		support_text_release(&jobs[i].text);
	}
	free(jobs);
}

static int
setup(void **state)
{
	struct config c;
	struct err e = { 0 };
	unsigned flags[] = { 0, SUPPORT_NO_CHECKSUM, SUPPORT_NO_INLINE };
	struct scanner **out[] = { &sc_default, &sc_nochecksum, &sc_noinline };

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		support_config(&c, flags[i]);
		if (scanner_new(out[i], &c, &e) != 0) {
			print_error("scanner_new: %s\n", e.msg);
			config_release(&c);
			return -1;
		}
		config_release(&c);
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	scanner_free(sc_default);
	scanner_free(sc_nochecksum);
	scanner_free(sc_noinline);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_1_1_tokens),
		cmocka_unit_test(test_1_2_github),
		cmocka_unit_test(test_1_3_legacy),
		cmocka_unit_test(test_1_4_other),
		cmocka_unit_test(test_2_keys),
		cmocka_unit_test(test_3_references),
		cmocka_unit_test(test_3_1_made_up),
		cmocka_unit_test(test_3_1_counted),
		cmocka_unit_test(test_6_short_inputs),
		cmocka_unit_test(test_4_decode),
		cmocka_unit_test(test_5_findings),
		cmocka_unit_test(test_6_files),
		cmocka_unit_test(test_6_nul_offsets),
		cmocka_unit_test(test_6_long_line),
		cmocka_unit_test(test_7_inline_allow),
		cmocka_unit_test(test_7_fingerprint_allow),
		cmocka_unit_test(test_user_rules),
		cmocka_unit_test(test_user_rule_bad_pattern),
		cmocka_unit_test(test_user_rule_limit),
		cmocka_unit_test(test_rule_list),
		cmocka_unit_test(test_api),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_count_lines),
		cmocka_unit_test(test_filter_paths),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
