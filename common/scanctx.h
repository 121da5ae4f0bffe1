/*
 * scanctx: the parts of the detection engine (scan.c and the files it is
 * split into: filter.c, keys.c, judge.c, decode.c) share what is here:
 * the engine's limits, the built-in rule and key kinds, the scanner,
 * the state of one scan call (struct ctx), the small helpers all parts
 * use, and the functions one part calls in another. It is internal to
 * the engine: programs and other modules include scan.h, never this.
 */
#ifndef TOKENGUARD_SCANCTX_H
#define TOKENGUARD_SCANCTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

#include "b64.h"
#include "scan.h"
#include "token.h"

/* Evaluations other than token checks allowed on one line. */
#define LINE_EVAL_MAX 1000
/* Longest identifier looked at around an anchor. */
#define KEY_MAX 256
/* Longest value judged. */
#define VALUE_MAX 8192
/* Longest base64 run decoded. */
#define DECODE_MAX (1u << 20)
/* Decoded text is scanned again at most this deep. */
#define DEPTH_MAX 2
/* NUL in this many leading bytes: binary. */
#define BINARY_PROBE 8192
/* How far back a parent key or a document start is looked for. */
#define LOOKBACK_MAX 16384
/* Lines after `- name: NPM_TOKEN` searched for its value. */
#define NAMEVALUE_LINES 3
/* Lines of a Terraform variable block searched for its default. */
#define HCL_LINES 20
/* Private key bodies are read this far at most. */
#define PEM_MAX 65536
/* Value spans remembered per line to report a value once. */
#define CLAIMS_MAX 32
/* Secret data values remembered as already judged. */
#define DONE_MAX 4096
/* PCRE2 limits for user rules, and the longest line they see. */
#define USER_MATCH_LIMIT 1000000
#define USER_DEPTH_LIMIT 10000
#define USER_LINE_MAX (1u << 20)
/*
 * Lines of one scan call (a window of a file) on which a user rule may
 * hit those limits before it is left out for the rest of the call: each
 * hit costs milliseconds, and a file of short lines made to backtrack
 * would otherwise take hours.
 */
#define USER_LIMIT_LINES 16

enum rule {
	R_NPM_TOKEN,
	R_GITHUB_TOKEN,
	R_LEGACY,
	R_NPMRC_AUTH,
	R_NPMRC_PASSWORD,
	R_NPMRC_AUTHTOKEN,
	R_YARN_TOKEN,
	R_YARN_IDENT,
	R_PRIVATE_KEY,
	R_URL,
	R_ENV,
	R_BUNFIG,
	R_COUNT
};

enum key_kind {
	K_NONE,
	K_AUTHTOKEN,
	K_AUTH,
	K_PASSWORD,
	K_YARN_TOKEN,
	K_YARN_IDENT,
	K_ENV,
	K_ENV_PASSWORD,		/* a variable named like NPM_PASSWORD */
	K_NPMRC_BLOB,
	K_BUNFIG,
};

struct user_rule_c {
	pcre2_code *code;
	char **keywords;
	size_t nkeywords;
};

struct scanner {
	bool checksum;
	bool inline_allow;
	/* The filter's vector path (filter.c): 0 none, 1 AVX2, 2 AVX-512. */
	int simd;
	unsigned char teddy_lo[3][32];	/* the filter's tables */
	unsigned char teddy_hi[3][32];
	uint64_t max_file_size;
	char **allow;		/* sorted */
	size_t nallow;
	struct scan_rule_info *info;
	size_t ninfo;
	struct user_rule_c *urules;
	size_t nurules;
	pcre2_match_context *mctx;
};

/* The line being looked at, [ls, le), and what was done on it. */
struct line {
	bool have;
	size_t ls, le;
	size_t evals;
	bool capped;
	int marker;		/* tokenguard:allow on it: -1 unknown */
	size_t key_end;
	size_t claim_s[CLAIMS_MAX], claim_e[CLAIMS_MAX];
	size_t nclaims;
};

/* The state of one scanner_scan() call, or of a decoded rescan in it. */
struct ctx {
	const struct scanner *s;
	struct ctx *parent;	/* decoded text: findings go to the parent */
	size_t parent_pos;	/* where, in the parent */
	size_t found;		/* findings (not set aside) emitted through it */
	const char *buf;
	size_t len;
	size_t start;		/* after a BOM */
	bool text;		/* every rule, else section 1 only */
	int depth;
	unsigned flags;
	const struct scan_origin *origin;
	finding_fn *fn;
	void *payload;
	struct scan_stats *st;
	int rc;			/* non-zero: stop */
	struct err *e;
	/* The key being judged names an example host (RULES.md 3.1). */
	bool example_host;

	/* line numbering, advanced lazily */
	size_t cnt_pos;
	size_t cnt_line;
	size_t col_base;	/* bytes of the first line before buf[0] */

	struct line ln;		/* the current line */

	/* the candidates of the last block looked at: bit k is cand_base + k */
	size_t cand_base;
	size_t cand_end;	/* the block's starts end here */
	uint64_t cand_mask;

	/* Secret data values already judged, ahead of the scan */
	size_t (*done)[2];
	size_t ndone;

	pcre2_match_data *md;
};

/* Why a value is set aside (finding.dummy). */
#define WHY_TOKEN "made-up value in a token slot"
#define WHY_PASSWORD "test or example password"
#define WHY_HOST "credential for an example host"

/* ---- small helpers ---------------------------------------------------- */

static inline bool
is_ident_char(unsigned char c)
{
	return token_is_base62(c) || c == '_';
}

static inline bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static inline unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* ASCII case-insensitive equality of n bytes (no locale, no NUL stop). */
static inline bool
ascii_ncaseeq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return false;
	}
	return true;
}

static inline bool
at(const struct ctx *c, size_t p, const char *lit)
{
	size_t n = strlen(lit);

	return p + n <= c->len && memcmp(c->buf + p, lit, n) == 0;
}

static inline bool
at_ci(const struct ctx *c, size_t p, const char *lit)
{
	size_t n = strlen(lit);

	return p + n <= c->len && ascii_ncaseeq(c->buf + p, lit, n);
}

static inline const char *
base_name(const char *path)
{
	const char *slash;

	if (path == NULL)
		return "";
	slash = strrchr(path, '/');
	return slash != NULL ? slash + 1 : path;
}

static inline bool
is_hex_digit(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
	    (ch >= 'A' && ch <= 'F');
}

static inline bool
all_b64(const char *v, size_t n)
{
	size_t i = 0;

	while (i < n && b64_is_char((unsigned char)v[i]))
		i++;
	while (i < n && v[i] == '=')
		i++;
	return i == n;
}

/* The value starting at vs is in quotes. */
static inline bool
quoted(const struct ctx *c, size_t vs)
{
	return vs > 0 && (c->buf[vs - 1] == '"' || c->buf[vs - 1] == '\'');
}

/*
 * The file is an npm or Yarn configuration file: .npmrc, npmrc,
 * NAME.npmrc, .yarnrc, .yarnrc.yml.
 */
static inline bool
npm_file(const struct ctx *c)
{
	const char *b;
	size_t n;

	if (c->origin == NULL || c->origin->path == NULL)
		return false;
	b = base_name(c->origin->path);
	n = strlen(b);
	return strcmp(b, "npmrc") == 0 || (n >= 6 &&
	    strcmp(b + n - 6, ".npmrc") == 0) || strncmp(b, ".yarnrc", 7) == 0;
}

/* The content end of the line: without a trailing '\r'. */
static inline size_t
line_content_end(const struct ctx *c)
{
	const struct line *l = &c->ln;

	return l->le > l->ls && c->buf[l->le - 1] == '\r' ? l->le - 1 : l->le;
}

/* Counts one evaluation on the current line; false past the cap. */
static inline bool
line_budget(struct ctx *c)
{
	if (c->ln.evals < LINE_EVAL_MAX) {
		c->ln.evals++;
		return true;
	}
	if (!c->ln.capped) {
		c->ln.capped = true;
		if (c->st != NULL)
			c->st->lines_capped++;
	}
	return false;
}

static inline bool
claimed(const struct ctx *c, size_t s, size_t e)
{
	for (size_t i = 0; i < c->ln.nclaims; i++) {
		if (s < c->ln.claim_e[i] && c->ln.claim_s[i] < e)
			return true;
	}
	return false;
}

static inline void
claim(struct ctx *c, size_t s, size_t e)
{
	if (c->ln.nclaims < CLAIMS_MAX) {
		c->ln.claim_s[c->ln.nclaims] = s;
		c->ln.claim_e[c->ln.nclaims] = e;
		c->ln.nclaims++;
	}
}

/* True when [s, e) overlaps a Secret data value judged already. */
static inline bool
is_done(const struct ctx *c, size_t s, size_t e)
{
	for (size_t i = 0; i < c->ndone; i++) {
		if (s < c->done[i][1] && c->done[i][0] < e)
			return true;
	}
	return false;
}

/* ---- scan.c: lines, findings, the pass --------------------------------- */

/*
 * The start of the line holding p, looking back no further than lo, and
 * the end of the line holding p (its '\n', or the end of the buffer).
 */
size_t line_start_before(const struct ctx *c, size_t lo, size_t p);
size_t line_end_from(const struct ctx *c, size_t p);

/* Makes the line holding p the current line (c->ln), new or kept. */
void line_enter(struct ctx *c, size_t p);

/*
 * Reports value[0..vn) at pos under built-in rule r, or sets it aside as
 * made up for the reason why. The value is borrowed; decoded text
 * reports through its parent. Sets c->rc when the callback stops.
 */
void scan_emit_builtin(struct ctx *c, size_t pos, enum rule r,
    const char *value, size_t vn);
void scan_emit_dummy(struct ctx *c, size_t pos, enum rule r,
    const char *value, size_t vn, const char *why);

/*
 * Scans decoded bytes data[0..n) (borrowed) as a file of their own,
 * every rule when text, reporting at pos of c; returns the number of
 * findings, none below DEPTH_MAX.
 */
size_t scan_child(struct ctx *c, size_t pos, const char *data, size_t n,
    bool text);

/* Handles the candidate at p; returns where to look next (past p). */
size_t scan_dispatch(struct ctx *c, size_t p);

/* ---- filter.c: the candidate filter ------------------------------------ */

/* Fills the filter's tables of a scanner. */
void filter_init(unsigned char lo[3][32], unsigned char hi[3][32]);

/* The next candidate at or after i and before end; end when none. */
size_t filter_next(struct ctx *c, size_t i, size_t end);
int filter_simd_level(void);

/* The number of '\n' in [from, to) of c's buffer. */
size_t filter_count_newlines(const struct ctx *c, size_t from, size_t to);

/* ---- keys.c: credential keys and their values --------------------------- */

/* Which credential key the identifier id[0..n) is, K_NONE if none. */
enum key_kind keys_kind(const char *id, size_t n);

/* The built-in rule that reports a value of a key of kind k. */
enum rule keys_rule(enum key_kind k);

/*
 * The indentation of the line [ls, le), '-' list markers included, and
 * whether the line holds only white space.
 */
size_t keys_indent(const struct ctx *c, size_t ls, size_t le);
bool keys_blank_line(const struct ctx *c, size_t ls, size_t le);

/* The end of the bracketed text opening at p; lim if it is not closed. */
size_t keys_match_close(const struct ctx *c, size_t p, size_t lim,
    char open, char close);

/* The value starting at j (quoted or not), before lim: [*vs, *ve). */
void keys_value_extract(const struct ctx *c, size_t j, size_t lim,
    size_t *vs, size_t *ve);

/* The first byte from i on, before lim, that is not a space or tab. */
size_t keys_skip_spaces(const struct ctx *c, size_t i, size_t lim);

/*
 * The value given to a key ending at j, on the line ending at lend (or
 * a block scalar after it): [*vs, *ve). ws_ok: white space alone may
 * separate key and value. False when no value follows.
 */
bool keys_value_after_key(const struct ctx *c, size_t j, size_t lend,
    bool ws_ok, size_t *vs, size_t *ve);

/* A credential key anchor at p: judges its value; returns where next. */
size_t keys_at(struct ctx *c, size_t p);

/* ---- judge.c: judging values -------------------------------------------- */

/* Reports value[0..n) at pos under r, or sets it aside when why is set. */
void judge_report_or_aside(struct ctx *c, size_t pos, enum rule r,
    const char *value, size_t n, const char *why);

/*
 * Judges the value [vs, ve) given to a key of kind k (RULES.md 3 and
 * 3.1), on the current line or, judge_elsewhere(), on another one.
 */
void judge_value(struct ctx *c, enum key_kind k, size_t vs, size_t ve);
void judge_elsewhere(struct ctx *c, enum key_kind k, size_t vs, size_t ve);

/* ---- decode.c: decoders ------------------------------------------------- */

/*
 * Decodes base64 v[0..n) to printable text: a malloc'd buffer the caller
 * frees, its length in *outn; NULL when it is not base64 of text.
 */
char *decode_text(const char *v, size_t n, size_t *outn);

/*
 * The handlers of the anchors of private keys (at "-BEG"), URL
 * credentials ("://"), base64 tokens ("bnBtX") and Kubernetes Secret
 * data ("Secr"): each returns where to look next.
 */
size_t decode_pem(struct ctx *c, size_t p);
size_t decode_url(struct ctx *c, size_t p);
size_t decode_b64token(struct ctx *c, size_t p);
size_t decode_secret(struct ctx *c, size_t p);

/* Judges the [install] tables of a bunfig.toml, lines from..to. */
void decode_bunfig(struct ctx *c, size_t from, size_t to);

#endif
