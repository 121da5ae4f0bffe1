/*
 * scan: the detection engine of RULES.md.
 *
 * One pass over the bytes finds anchors (npm, _auth, _pass, gh?_, BEGIN,
 * ://, bnBtX, Secret) with a vectorised pair filter; only the places it
 * finds are looked at further, so clean text runs at memory speed. Each
 * anchor has a handler: checksummed tokens, credential keys and their
 * values, private keys, URL credentials, base64 tokens, and Kubernetes
 * Secret data maps. Work per line is capped; token checks are not.
 */
#include "scan.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <immintrin.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "b64.h"
#include "guess.h"
#include "token.h"
#include "value.h"

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

static const struct scan_rule_info BUILTIN[R_COUNT] = {
	[R_NPM_TOKEN] = { "npm-token",
	    "npm access token: revoke it (npm token revoke) and publish "
	    "with a short-lived granular token or trusted publishing",
	    false },
	[R_GITHUB_TOKEN] = { "github-token",
	    "GitHub token (GitHub Packages credential): revoke it in "
	    "GitHub settings and use the workflow's GITHUB_TOKEN", false },
	[R_LEGACY] = { "npm-legacy-token",
	    "legacy npm token (UUID) in a credential slot: revoke it "
	    "(npm token revoke) and read the token from the environment",
	    false },
	[R_NPMRC_AUTH] = { "npmrc-auth",
	    "_auth holds base64 user:password: change the password and "
	    "use a token from the environment (${NPM_TOKEN})", false },
	[R_NPMRC_PASSWORD] = { "npmrc-password",
	    "_password holds a base64 password: change it and read it "
	    "from the environment", false },
	[R_NPMRC_AUTHTOKEN] = { "npmrc-authtoken",
	    "_authToken with a literal value: revoke the token and write "
	    "_authToken=${NPM_TOKEN} instead", false },
	[R_YARN_TOKEN] = { "yarn-auth-token",
	    "npmAuthToken with a literal value: revoke the token and use "
	    "npmAuthToken: \"${NPM_TOKEN}\"", false },
	[R_YARN_IDENT] = { "yarn-auth-ident",
	    "npmAuthIdent with literal credentials: change the password "
	    "and use a token from the environment", false },
	[R_PRIVATE_KEY] = { "private-key",
	    "private key: rotate the key pair and keep the key out of "
	    "files that are committed or built", false },
	[R_URL] = { "url-credentials",
	    "password in a URL: rotate it and configure registry "
	    "auth through the environment", false },
	[R_ENV] = { "env-npm-token",
	    "npm credential variable with a literal value: revoke the "
	    "token and inject it from a CI secret", false },
	[R_BUNFIG] = { "bunfig-token",
	    "token or password in bunfig.toml [install]: revoke it and "
	    "use \"$NPM_TOKEN\" instead", false },
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
	bool avx2;
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
	size_t found;		/* findings emitted through this context */
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

	/* the candidates of the last 32-byte block looked at */
	size_t cand_base;
	unsigned cand_mask;

	/* Secret data values already judged, ahead of the scan */
	size_t (*done)[2];
	size_t ndone;

	pcre2_match_data *md;
};

static size_t dispatch(struct ctx *c, size_t p);

/* ---- small helpers ---------------------------------------------------- */

/* Bytes that end an unquoted value. */
static const bool VALUE_STOP[256] = {
	[' '] = true, ['\t'] = true, ['\r'] = true, ['\n'] = true,
	[','] = true, [';'] = true, ['}'] = true, [']'] = true, [')'] = true,
	['"'] = true, ['\''] = true, ['`'] = true, ['<'] = true,
	['\\'] = true, ['&'] = true,
};

/* Bytes that end the userinfo of a URL ('@' ends it on purpose). */
static const bool USERINFO_STOP[256] = {
	['@'] = true, ['/'] = true, ['?'] = true, ['#'] = true, [' '] = true,
	['\t'] = true, ['\r'] = true, ['\n'] = true, ['"'] = true,
	['\''] = true, ['<'] = true, ['>'] = true, ['`'] = true,
	['\\'] = true,
};

static bool
is_ident_char(unsigned char c)
{
	return token_is_base62(c) || c == '_';
}

static bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* ASCII case-insensitive equality of n bytes (no locale, no NUL stop). */
static bool
ascii_ncaseeq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return false;
	}
	return true;
}

static bool
at(const struct ctx *c, size_t p, const char *lit)
{
	size_t n = strlen(lit);

	return p + n <= c->len && memcmp(c->buf + p, lit, n) == 0;
}

static bool
at_ci(const struct ctx *c, size_t p, const char *lit)
{
	size_t n = strlen(lit);

	return p + n <= c->len && ascii_ncaseeq(c->buf + p, lit, n);
}

static const char *
base_name(const char *path)
{
	const char *slash;

	if (path == NULL)
		return "";
	slash = strrchr(path, '/');
	return slash != NULL ? slash + 1 : path;
}

/* Files that get every rule even when they hold a NUL (RULES.md 6). */
static bool
always_text(const char *path)
{
	const char *b = base_name(path);
	size_t n = strlen(b);

	if (strcmp(b, ".npmrc") == 0 || strncmp(b, ".yarnrc", 7) == 0 ||
	    strncmp(b, ".env", 4) == 0)
		return true;
	return n >= 8 && strcmp(b + n - 8, ".tfstate") == 0;
}

static bool
is_bunfig(const char *path)
{
	const char *b = base_name(path);

	return strcmp(b, "bunfig.toml") == 0 || strcmp(b, ".bunfig.toml") == 0;
}

/*
 * Printable text, as decoded base64 must be to be scanned as text: valid
 * UTF-8 without control characters other than tab, CR and LF.
 */
static bool
is_text(const unsigned char *p, size_t n)
{
	size_t i = 0;

	if (n == 0)
		return false;
	while (i < n) {
		unsigned char ch = p[i];
		size_t more;

		if (ch < 0x80) {
			if ((ch < 0x20 && ch != '\n' && ch != '\r' &&
			    ch != '\t') || ch == 0x7f)
				return false;
			i++;
			continue;
		}
		if (ch >= 0xc2 && ch <= 0xdf)
			more = 1;
		else if (ch >= 0xe0 && ch <= 0xef)
			more = 2;
		else if (ch >= 0xf0 && ch <= 0xf4)
			more = 3;
		else
			return false;
		if (i + more >= n)
			return false;
		for (size_t k = 1; k <= more; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
		}
		i += more + 1;
	}
	return true;
}

/* ---- the anchor filter ------------------------------------------------ */

/*
 * A candidate is a place where one of these starts, compared with ASCII
 * letters folded to lower case (which maps '_' to 0x7f): "npm", "_au",
 * "_pas", "gh?_", "-beg", "://", "bnbt", "secr". The handlers check the
 * exact bytes.
 */
static bool
candidate_at(const unsigned char *b, size_t i, size_t len)
{
	unsigned char c0, c1, c2, c3;

	if (i + 3 > len)
		return false;
	c0 = b[i] | 0x20;
	c1 = b[i + 1] | 0x20;
	c2 = b[i + 2] | 0x20;
	c3 = i + 3 < len ? b[i + 3] | 0x20 : 0;
	switch (c0) {
	case 'n':
		/* a token (npm_) or a key (NPM_TOKEN, npmAuthToken) */
		return c1 == 'p' && c2 == 'm' && ((c3 >= '0' && c3 <= '9') ||
		    (c3 >= 'a' && c3 <= 'z') || c3 == 0x7f);
	case 0x7f:
		return (c1 == 'a' && c2 == 'u') || (c1 == 'p' && c2 == 'a' &&
		    c3 == 's');
	case 'g':
		return c1 == 'h' && c3 == 0x7f;
	case '-':
		return c1 == 'b' && c2 == 'e' && c3 == 'g';
	case ':':
		return c1 == '/' && c2 == '/';
	case 'b':
		return c1 == 'n' && c2 == 'b' && c3 == 't';
	case 's':
		return c1 == 'e' && c2 == 'c' && c3 == 'r';
	default:
		return false;
	}
}

/*
 * The vector filter is Teddy, as in Hyperscan and ripgrep: each anchor
 * is a bucket (a bit of a byte), and for each of the first three
 * positions two 16-entry tables, indexed by a byte's low and high
 * nibble, give the buckets whose anchor may have that byte there (both
 * cases of a letter: the high-nibble table folds them). Each 32-byte
 * block is loaded once; the lookups for positions 0 and 1 are shifted
 * by two and one bytes, carrying the previous block's last bytes, and a
 * match ends where the AND of the three is not zero. The cost does not
 * grow with the number of anchors, up to eight. The fourth byte of the
 * longer anchors is checked by candidate_at() on the few places that
 * pass.
 */
static const char TEDDY_ANCHORS[8][4] = {
	"npm", "\x7f" "au", "\x7f" "pa", "gh?", "-be", "://", "bnb", "sec",
};

static void
teddy_init(unsigned char lo[3][32], unsigned char hi[3][32])
{
	memset(lo, 0, 3 * 32);
	memset(hi, 0, 3 * 32);
	for (unsigned k = 0; k < 8; k++) {
		for (unsigned j = 0; j < 3; j++) {
			unsigned char ch = (unsigned char)TEDDY_ANCHORS[k][j];
			unsigned char bit = (unsigned char)(1u << k);

			for (unsigned n = 0; n < 16; n++) {
				/*
				 * '?' is any byte. Anchors are folded, bit
				 * 0x20 set: the byte without it (upper case
				 * for letters) has the high nibble less 2.
				 * Tables are repeated for both 128-bit lanes.
				 */
				if (ch == '?' || (ch & 15) == n) {
					lo[j][n] |= bit;
					lo[j][n + 16] |= bit;
				}
				if (ch == '?' || (ch >> 4) == n ||
				    ((ch >> 4) & ~2u) == n) {
					hi[j][n] |= bit;
					hi[j][n + 16] |= bit;
				}
			}
		}
	}
}

/*
 * The first place in the mask m of the 32-byte block at base that
 * candidate_at() confirms, from lim's view; clears the bits it passes
 * in *m. Returns SIZE_MAX when none does.
 */
static size_t
confirm(const unsigned char *b, size_t base, unsigned *m, size_t lim)
{
	while (*m != 0) {
		size_t p = base + (size_t)__builtin_ctz(*m);

		*m &= *m - 1;
		if (candidate_at(b, p, lim))
			return p;
	}
	return SIZE_MAX;
}

/* The buckets whose anchor may have the bytes of v at a position. */
#define TEDDY_LOOKUP(l, h, lo, hi) _mm256_and_si256( \
	_mm256_shuffle_epi8((lo), (l)), _mm256_shuffle_epi8((hi), (h)))

/* cur moved up by n bytes (1 or 2), prev's last bytes shifted in. */
#define TEDDY_SHIFT(cur, prev, n) _mm256_alignr_epi8((cur), \
	_mm256_permute2x128_si256((prev), (cur), 0x21), 16 - (n))

/*
 * Looks for a candidate at i or after, block by block while a block of
 * 32 bytes fits before lim and may hold a start before end, confirming
 * the filter's hits with candidate_at(). Returns the first candidate,
 * *base being the start of its block (which covers the starts *base to
 * *base + 31) and *rest the hits after it there, not yet confirmed; or
 * SIZE_MAX, *base being the first start it did not look at. i must be
 * at least 2.
 */
__attribute__((target("avx2"))) static size_t
teddy_find(const struct scanner *s, const unsigned char *b, size_t i,
    size_t lim, size_t end, size_t *base, unsigned *rest)
{
	const __m256i nib = _mm256_set1_epi8(0x0f);
	const __m256i zero = _mm256_setzero_si256();
	const __m256i lo0 = _mm256_loadu_si256((const __m256i *)s->teddy_lo[0]);
	const __m256i lo1 = _mm256_loadu_si256((const __m256i *)s->teddy_lo[1]);
	const __m256i lo2 = _mm256_loadu_si256((const __m256i *)s->teddy_lo[2]);
	const __m256i hi0 = _mm256_loadu_si256((const __m256i *)s->teddy_hi[0]);
	const __m256i hi1 = _mm256_loadu_si256((const __m256i *)s->teddy_hi[1]);
	const __m256i hi2 = _mm256_loadu_si256((const __m256i *)s->teddy_hi[2]);
	__m256i prev0 = zero, prev1 = zero;
	size_t bs = i, stop, p;
	unsigned m;

	assert(i >= 2);
	/* Blocks start below stop: 32 bytes fit, a start may be < end. */
	stop = lim >= 32 ? lim - 32 + 1 : 0;
	if (stop > end + 2)
		stop = end + 2;
#define TEDDY_BLOCK(at, mv) do { \
		__m256i v = _mm256_loadu_si256((const __m256i *)(b + (at))); \
		__m256i l = _mm256_and_si256(v, nib); \
		__m256i h = _mm256_and_si256(_mm256_srli_epi16(v, 4), nib); \
		__m256i r0 = TEDDY_LOOKUP(l, h, lo0, hi0); \
		__m256i r1 = TEDDY_LOOKUP(l, h, lo1, hi1); \
		(mv) = _mm256_and_si256(_mm256_and_si256( \
		    TEDDY_SHIFT(r0, prev0, 2), TEDDY_SHIFT(r1, prev1, 1)), \
		    TEDDY_LOOKUP(l, h, lo2, hi2)); \
		prev0 = r0; \
		prev1 = r1; \
	} while (0)
	/*
	 * A match ending at bs + k starts at bs - 2 + k: block bs covers the
	 * starts from bs - 2. The hits are confirmed here, so that the
	 * filter goes on over false ones with its state.
	 */
#define TEDDY_HITS(mv, from) do { \
		m = ~(unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8((mv), \
		    zero)); \
		p = m != 0 ? confirm(b, (from), &m, lim) : SIZE_MAX; \
		if (p != SIZE_MAX) { \
			*base = (from); \
			*rest = m; \
			return p; \
		} \
	} while (0)
	/* Two blocks per test: most of the text has no candidate. */
	while (bs + 32 < stop) {
		__m256i m1, m2;

		TEDDY_BLOCK(bs, m1);
		TEDDY_BLOCK(bs + 32, m2);
		if (!_mm256_testz_si256(_mm256_or_si256(m1, m2),
		    _mm256_or_si256(m1, m2))) {
			TEDDY_HITS(m1, bs - 2);
			TEDDY_HITS(m2, bs + 30);
		}
		bs += 64;
	}
	if (bs < stop) {
		__m256i m1;

		TEDDY_BLOCK(bs, m1);
		TEDDY_HITS(m1, bs - 2);
		bs += 32;
	}
#undef TEDDY_HITS
#undef TEDDY_BLOCK
	/* Starts before bs - 2 were looked at, and none before i exists. */
	*base = bs - 2 > i ? bs - 2 : i;
	return SIZE_MAX;
}

static size_t
min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

static size_t
next_candidate_scalar(const unsigned char *b, size_t i, size_t len)
{
	for (; i < len; i++) {
		if (candidate_at(b, i, len))
			return i;
	}
	return len;
}

/*
 * The next candidate at or after i and before end; end when there is
 * none. Patterns are checked with up to 3 bytes past end when present.
 * The unconfirmed rest of the last 32-byte block's mask is kept, so
 * that dense candidates cost a bit scan each, not a reload.
 */
static size_t
next_candidate(struct ctx *c, size_t i, size_t end)
{
	const unsigned char *b = (const unsigned char *)c->buf;
	size_t lim = end + 3 < c->len ? end + 3 : c->len, p, base;

	if (!c->s->avx2)
		return min_size(next_candidate_scalar(b, i, lim), end);
	if (c->cand_mask != 0 && i >= c->cand_base && i < c->cand_base + 32) {
		c->cand_mask &= ~0u << (i - c->cand_base);
		p = confirm(b, c->cand_base, &c->cand_mask, lim);
		if (p != SIZE_MAX)
			return min_size(p, end);
		i = c->cand_base + 32;
	}
	c->cand_mask = 0;
	/* The vector search starts at 2: a block reports two bytes back. */
	for (; i < 2 && i < end; i++) {
		if (candidate_at(b, i, lim))
			return i;
	}
	if (i >= end)
		return end;
	p = teddy_find(c->s, b, i, lim, end, &base, &c->cand_mask);
	if (p != SIZE_MAX) {
		c->cand_base = base;
		return min_size(p, end);
	}
	return min_size(next_candidate_scalar(b, base, lim), end);
}

__attribute__((target("avx2"))) static size_t
count_newlines_avx2(const unsigned char *b, size_t n)
{
	const __m256i nl = _mm256_set1_epi8('\n');
	size_t count = 0, i = 0;

	for (; i + 32 <= n; i += 32) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(b + i));

		count += (size_t)__builtin_popcount(
		    (unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, nl)));
	}
	for (; i < n; i++)
		count += b[i] == '\n';
	return count;
}

static size_t
count_newlines(const struct ctx *c, size_t from, size_t to)
{
	const unsigned char *b = (const unsigned char *)c->buf + from;
	size_t count = 0;

	if (c->s->avx2)
		return count_newlines_avx2(b, to - from);
	for (size_t i = 0; i < to - from; i++)
		count += b[i] == '\n';
	return count;
}

/* ---- lines ------------------------------------------------------------ */

static size_t
line_start_before(const struct ctx *c, size_t lo, size_t p)
{
	const char *nl;

	if (p <= lo)
		return lo;
	nl = memrchr(c->buf + lo, '\n', p - lo);
	return nl != NULL ? (size_t)(nl - c->buf) + 1 : lo;
}

static size_t
line_end_from(const struct ctx *c, size_t p)
{
	const char *nl = memchr(c->buf + p, '\n', c->len - p);

	return nl != NULL ? (size_t)(nl - c->buf) : c->len;
}

/* Makes [ls, le) the line holding p; resets the per-line state. */
static void
line_enter(struct ctx *c, size_t p)
{
	size_t lo;

	if (c->ln.have && p >= c->ln.ls && p <= c->ln.le)
		return;
	lo = c->ln.have && p > c->ln.le ? c->ln.le : c->start;
	c->ln.ls = line_start_before(c, lo, p);
	c->ln.le = line_end_from(c, p);
	c->ln.have = true;
	c->ln.evals = 0;
	c->ln.capped = false;
	c->ln.marker = -1;
	c->ln.key_end = 0;
	c->ln.nclaims = 0;
}

/* The content end of the line: without a trailing '\r'. */
static size_t
line_content_end(const struct ctx *c)
{
	const struct line *l = &c->ln;

	return l->le > l->ls && c->buf[l->le - 1] == '\r' ? l->le - 1 : l->le;
}

/* Counts one evaluation on the current line; false past the cap. */
static bool
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

static size_t
line_number(struct ctx *c, size_t pos)
{
	if (pos >= c->cnt_pos) {
		c->cnt_line += count_newlines(c, c->cnt_pos, pos);
	} else {
		c->cnt_line -= count_newlines(c, pos, c->cnt_pos);
	}
	c->cnt_pos = pos;
	return c->cnt_line;
}

static bool
claimed(const struct ctx *c, size_t s, size_t e)
{
	for (size_t i = 0; i < c->ln.nclaims; i++) {
		if (s < c->ln.claim_e[i] && c->ln.claim_s[i] < e)
			return true;
	}
	return false;
}

static void
claim(struct ctx *c, size_t s, size_t e)
{
	if (c->ln.nclaims < CLAIMS_MAX) {
		c->ln.claim_s[c->ln.nclaims] = s;
		c->ln.claim_e[c->ln.nclaims] = e;
		c->ln.nclaims++;
	}
}

/* True when [s, e) overlaps a Secret data value judged already. */
static bool
is_done(const struct ctx *c, size_t s, size_t e)
{
	for (size_t i = 0; i < c->ndone; i++) {
		if (s < c->done[i][1] && c->done[i][0] < e)
			return true;
	}
	return false;
}

/* ---- findings ---------------------------------------------------------- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
allowlisted(const struct scanner *s, const char *fp)
{
	const char *key = fp;

	return s->nallow > 0 && bsearch(&key, s->allow, s->nallow,
	    sizeof(*s->allow), cmp_str) != NULL;
}

static bool
line_has_marker(struct ctx *c, size_t ls, size_t le)
{
	return memmem(c->buf + ls, le - ls, "tokenguard:allow", 16) != NULL;
}

/*
 * Reports value[0..vn) under rule at pos; dummy is NULL, or why the
 * value is set aside as made up (counted, and reported only when asked
 * to). Decoded text reports through its parent, at the place of the
 * encoded value.
 */
static void
emit(struct ctx *c, size_t pos, const struct scan_rule_info *rule,
    const char *value, size_t vn, const char *dummy)
{
	struct finding f;
	size_t ls, le;
	int rc;

	if (c->rc != 0)
		return;
	c->found++;
	if (c->parent != NULL) {
		emit(c->parent, c->parent_pos, rule, value, vn, dummy);
		c->rc = c->parent->rc;
		return;
	}
	memset(&f, 0, sizeof(f));
	if (finding_fingerprint(f.fingerprint, value, vn, c->e) != 0) {
		c->rc = -1;
		return;
	}
	if (allowlisted(c->s, f.fingerprint)) {
		if (c->st != NULL)
			c->st->allowed++;
		return;
	}
	if (c->ln.have && pos >= c->ln.ls && pos <= c->ln.le) {
		ls = c->ln.ls;
		le = c->ln.le;
		if (c->ln.marker < 0)
			c->ln.marker = line_has_marker(c, ls, le);
		f.allowed_inline = c->ln.marker == 1;
	} else {
		ls = line_start_before(c, c->start, pos);
		le = line_end_from(c, pos);
		f.allowed_inline = line_has_marker(c, ls, le);
	}
	if (!c->s->inline_allow)
		f.allowed_inline = false;
	if (f.allowed_inline && (c->flags & SCAN_REPORT_ALLOWED) == 0) {
		if (c->st != NULL)
			c->st->allowed++;
		return;
	}
	if (dummy != NULL) {
		if (c->st != NULL)
			c->st->dummies++;
		if ((c->flags & SCAN_REPORT_DUMMIES) == 0)
			return;
	}
	f.dummy = dummy;
	f.path = c->origin != NULL && c->origin->path != NULL ?
	    c->origin->path : "-";
	f.commit = c->origin != NULL ? c->origin->commit : NULL;
	f.line = line_number(c, pos);
	f.column = pos - ls + 1 + (ls == 0 ? c->col_base : 0);
	f.rule = rule->id;
	f.description = rule->description;
	finding_redact(f.redacted, value, vn);
	rc = c->fn(&f, c->payload);
	if (rc != 0)
		c->rc = rc;
}

static void
emit_builtin(struct ctx *c, size_t pos, enum rule r, const char *value,
    size_t vn)
{
	emit(c, pos, &BUILTIN[r], value, vn, NULL);
}

/* Sets value[0..vn) aside under rule r: made up, for the reason why. */
static void
emit_dummy(struct ctx *c, size_t pos, enum rule r, const char *value,
    size_t vn, const char *why)
{
	emit(c, pos, &BUILTIN[r], value, vn, why);
}

/* Scans decoded bytes as a file of their own, reporting at pos. */
static size_t
scan_child(struct ctx *c, size_t pos, const char *data, size_t n,
    bool text)
{
	struct ctx child;

	if (c->depth >= DEPTH_MAX || c->rc != 0)
		return 0;
	memset(&child, 0, sizeof(child));
	child.s = c->s;
	child.parent = c;
	child.parent_pos = pos;
	child.buf = data;
	child.len = n;
	child.text = text;
	child.depth = c->depth + 1;
	child.flags = c->flags;
	child.origin = c->origin;
	child.fn = c->fn;
	child.payload = c->payload;
	child.st = c->st;
	child.e = c->e;
	child.cnt_line = 1;
	child.md = c->md;
	for (size_t i = 0; i < n && child.rc == 0;) {
		size_t p = next_candidate(&child, i, n);

		if (p >= n)
			break;
		i = dispatch(&child, p);
	}
	if (child.rc != 0)
		c->rc = child.rc;
	free(child.done);
	return child.found;
}

/*
 * Decodes a base64 value to text; returns a malloc'd buffer (the caller
 * frees it) and its length, or NULL when the value is not base64 of
 * printable text.
 */
static char *
decode_text(const char *v, size_t n, size_t *outn)
{
	unsigned char *out;
	long dn;

	if (n < 8 || n > DECODE_MAX)
		return NULL;
	out = malloc(b64_decoded_max(n));
	if (out == NULL)
		return NULL;
	dn = b64_decode(out, v, n);
	if (dn <= 0 || !is_text(out, (size_t)dn)) {
		free(out);
		return NULL;
	}
	*outn = (size_t)dn;
	return (char *)out;
}

/* ---- checksummed tokens (section 1) ------------------------------------ */

static bool
is_hex_digit(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
	    (ch >= 'A' && ch <= 'F');
}

/*
 * An escape sequence ends right before p: "\n" (JSON-escaped text) or
 * "%3D" (URL encoding). Its last byte is a letter or digit, yet it
 * separates a token from what comes before.
 */
static bool
after_escape(const struct ctx *c, size_t p)
{
	const unsigned char *b = (const unsigned char *)c->buf;

	if (p >= 2 && b[p - 2] == '\\' && strchr("ntr", b[p - 1]) != NULL &&
	    (p < 3 || b[p - 3] != '\\'))
		return true;
	return p >= 3 && b[p - 3] == '%' && is_hex_digit(b[p - 2]) &&
	    is_hex_digit(b[p - 1]);
}

/* Returns the end of a token at p, reported or not, or 0 when none. */
static size_t
token_at(struct ctx *c, size_t p)
{
	enum token_kind kind = token_shape(c->buf + p, c->len - p);

	if (kind == TOKEN_NONE)
		return 0;
	if (p > 0 && is_ident_char((unsigned char)c->buf[p - 1]) &&
	    !after_escape(c, p))
		return 0;
	if (p + TOKEN_LEN < c->len &&
	    is_ident_char((unsigned char)c->buf[p + TOKEN_LEN]))
		return 0;
	if (c->s->checksum && !token_checksum_ok(c->buf + p))
		return p + TOKEN_LEN;
	line_enter(c, p);
	if (claimed(c, p, p + TOKEN_LEN))
		return p + TOKEN_LEN;
	claim(c, p, p + TOKEN_LEN);
	emit_builtin(c, p, kind == TOKEN_NPM ? R_NPM_TOKEN : R_GITHUB_TOKEN,
	    c->buf + p, TOKEN_LEN);
	return p + TOKEN_LEN;
}

/* ---- credential keys (section 2) --------------------------------------- */

/*
 * Splits an identifier into lower-case words at '_', '-' and camelCase
 * humps; returns the number of words (at most max).
 */
static size_t
split_words(const char *id, size_t n, char words[][24], size_t max)
{
	size_t nw = 0, wl = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)id[i];
		bool hump = i > 0 && ch >= 'A' && ch <= 'Z' &&
		    id[i - 1] >= 'a' && id[i - 1] <= 'z';

		if (ch == '_' || ch == '-' || hump) {
			if (wl > 0 && nw < max) {
				words[nw][wl] = '\0';
				nw++;
			}
			wl = 0;
			if (ch == '_' || ch == '-')
				continue;
		}
		if (nw < max && wl < 23)
			words[nw][wl++] = (char)lower(ch);
	}
	if (wl > 0 && nw < max) {
		words[nw][wl] = '\0';
		nw++;
	}
	return nw;
}

static bool
word_in(const char *w, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++) {
		if (strcmp(w, list[i]) == 0)
			return true;
	}
	return false;
}

static bool
ends_with_ci(const char *id, size_t n, const char *suffix)
{
	size_t sn = strlen(suffix);

	return n >= sn && ascii_ncaseeq(id + n - sn, suffix, sn);
}

static bool
equals_ci(const char *id, size_t n, const char *s)
{
	return strlen(s) == n && ascii_ncaseeq(id, s, n);
}

/*
 * Every credential key ends with one of these words: a cheap test that
 * turns away "npm", "npmjs", "npm_config_cache" and the like. Most
 * identifiers fail on their last letter alone.
 */
static bool
ends_like_key(const char *id, size_t n)
{
	static const struct {
		const char *s;
		size_t n;
	} endings[] = {
		{ "token", 5 }, { "auth", 4 }, { "password", 8 },
		{ "passwd", 6 }, { "pwd", 3 }, { "secret", 6 }, { "pat", 3 },
		{ "apikey", 6 }, { "ident", 5 }, { "npmrc", 5 },
	};

	if (n == 0 || strchr("nhdtyc", lower((unsigned char)id[n - 1])) ==
	    NULL)
		return false;
	for (size_t i = 0; i < sizeof(endings) / sizeof(*endings); i++) {
		if (n >= endings[i].n && ascii_ncaseeq(id + n - endings[i].n,
		    endings[i].s, endings[i].n))
			return true;
	}
	return false;
}

/* Section 2: which credential key an identifier is, if any. */
static enum key_kind
key_kind(const char *id, size_t n)
{
	static const char *const secret_words[] = { "token", "auth",
	    "authtoken", "password", "passwd", "pwd", "secret", "pat",
	    "apikey", "accesstoken", NULL };
	static const char *const glued[] = { "npmtoken", "npmauth",
	    "npmauthtoken", "npmpassword", "npmsecret", "nodeauthtoken", NULL };
	char words[16][24];
	size_t nw;
	bool npm = false;

	if (!ends_like_key(id, n))
		return K_NONE;
	if (ends_with_ci(id, n, "_authtoken"))
		return K_AUTHTOKEN;
	if (equals_ci(id, n, "_auth") || equals_ci(id, n, "npm_config__auth"))
		return K_AUTH;
	if (equals_ci(id, n, "_password") ||
	    equals_ci(id, n, "npm_config__password"))
		return K_PASSWORD;
	if (equals_ci(id, n, "npmAuthToken") ||
	    equals_ci(id, n, "yarn_npm_auth_token"))
		return K_YARN_TOKEN;
	if (equals_ci(id, n, "npmAuthIdent") ||
	    equals_ci(id, n, "yarn_npm_auth_ident"))
		return K_YARN_IDENT;
	nw = split_words(id, n, words, 16);
	if (nw == 0)
		return K_NONE;
	if (nw == 1 && word_in(words[0], glued))
		return strcmp(words[0], "npmpassword") == 0 ? K_ENV_PASSWORD :
		    K_ENV;
	if (strcmp(words[nw - 1], "npmrc") == 0)
		return K_NPMRC_BLOB;
	for (size_t i = 0; i < nw; i++) {
		if (strcmp(words[i], "npm") == 0 ||
		    strcmp(words[i], "npmjs") == 0)
			npm = true;
	}
	if (!npm && !(strcmp(words[0], "node") == 0 && nw >= 3 &&
	    strcmp(words[1], "auth") == 0))
		return K_NONE;
	if (nw < 2 || !word_in(words[nw - 1], secret_words))
		return K_NONE;
	if (strcmp(words[nw - 1], "password") == 0 ||
	    strcmp(words[nw - 1], "passwd") == 0 ||
	    strcmp(words[nw - 1], "pwd") == 0)
		return K_ENV_PASSWORD;
	return K_ENV;
}

static enum rule
rule_of(enum key_kind k)
{
	switch (k) {
	case K_AUTHTOKEN:
		return R_NPMRC_AUTHTOKEN;
	case K_AUTH:
		return R_NPMRC_AUTH;
	case K_PASSWORD:
		return R_NPMRC_PASSWORD;
	case K_YARN_TOKEN:
		return R_YARN_TOKEN;
	case K_YARN_IDENT:
		return R_YARN_IDENT;
	case K_BUNFIG:
		return R_BUNFIG;
	default:
		return R_ENV;
	}
}

/* Indentation of the line starting at ls, '-' list markers included. */
static size_t
indent_of(const struct ctx *c, size_t ls, size_t le)
{
	size_t i = ls;

	while (i < le && (is_space((unsigned char)c->buf[i]) ||
	    (c->buf[i] == '-' && i + 1 < le && c->buf[i + 1] == ' ')))
		i++;
	return i - ls;
}

static bool
blank_line(const struct ctx *c, size_t ls, size_t le)
{
	for (size_t i = ls; i < le; i++) {
		if (!is_space((unsigned char)c->buf[i]) && c->buf[i] != '\r')
			return false;
	}
	return true;
}

/* True when the text before end (on its line) ends with word + quotes. */
static bool
parent_key_is(const struct ctx *c, size_t ls, size_t end, const char *key)
{
	size_t kn = strlen(key);

	while (end > ls && (c->buf[end - 1] == '"' || c->buf[end - 1] == '\'' ||
	    c->buf[end - 1] == '\\' ||
	    is_space((unsigned char)c->buf[end - 1])))
		end--;
	return end - ls >= kn && memcmp(c->buf + end - kn, key, kn) == 0 &&
	    (end - kn == ls || !is_ident_char((unsigned char)c->buf[end - kn -
	    1]));
}

/*
 * Ciphertext containers (RULES.md 3): the YAML parent key or the JSON
 * object around a value is encryptedData (SealedSecret) or encrypted
 * (Renovate).
 */
static bool
in_cipher_container(struct ctx *c, size_t vs)
{
	size_t ls = c->ln.ls, ind = indent_of(c, c->ln.ls, c->ln.le);
	size_t lo = ls > LOOKBACK_MAX ? ls - LOOKBACK_MAX : 0;
	int depth = 0;

	if (lo < c->start)
		lo = c->start;
	/* YAML: the nearest line above with less indentation */
	while (ind > 0 && ls > lo) {
		size_t pe = ls - 1, ps = line_start_before(c, lo, pe);
		size_t pind = indent_of(c, ps, pe);

		if (!blank_line(c, ps, pe) && pind < ind) {
			size_t colon = ps + pind;

			while (colon < pe && c->buf[colon] != ':')
				colon++;
			if (colon < pe && (parent_key_is(c, ps, colon,
			    "encryptedData") || parent_key_is(c, ps, colon,
			    "encrypted")))
				return true;
			break;
		}
		ls = ps;
	}
	/* JSON: the nearest unclosed '{' before the value */
	for (size_t i = vs; i > lo; i--) {
		char ch = c->buf[i - 1];

		if (ch == '}') {
			depth++;
		} else if (ch == '{') {
			size_t colon;

			if (depth > 0) {
				depth--;
				continue;
			}
			colon = i - 1;
			while (colon > lo && is_space((unsigned char)
			    c->buf[colon - 1]))
				colon--;
			if (colon > lo && c->buf[colon - 1] == ':') {
				size_t k = line_start_before(c, lo, colon);

				return parent_key_is(c, k, colon - 1,
				    "encryptedData") || parent_key_is(c, k,
				    colon - 1, "encrypted");
			}
			return false;
		}
	}
	return false;
}

static bool
cipher_value(const char *v, size_t n)
{
	return (n > 5 && memcmp(v, "{AQAA", 5) == 0 && v[n - 1] == '}') ||
	    (n >= 7 && memcmp(v, "secure:", 7) == 0) ||
	    (n >= 14 && memcmp(v, "$ANSIBLE_VAULT", 14) == 0);
}

static bool
all_b64(const char *v, size_t n)
{
	size_t i = 0;

	while (i < n && b64_is_char((unsigned char)v[i]))
		i++;
	while (i < n && v[i] == '=')
		i++;
	return i == n;
}

/* Why a value is set aside (finding.dummy). */
#define WHY_TOKEN "made-up value in a token slot"
#define WHY_PASSWORD "test or example password"
#define WHY_HOST "credential for an example host"

/* The value starting at vs is in quotes. */
static bool
quoted(const struct ctx *c, size_t vs)
{
	return vs > 0 && (c->buf[vs - 1] == '"' || c->buf[vs - 1] == '\'');
}

/*
 * The file is an npm or Yarn configuration file: .npmrc, npmrc,
 * NAME.npmrc, .yarnrc, .yarnrc.yml.
 */
static bool
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

/*
 * RULES.md 3.1: whether the literal v[0..n) given to a key of kind k is
 * made up, and why (NULL: it looks issued or chosen by a person).
 */
static const char *
made_up(const struct ctx *c, enum key_kind k, const char *v, size_t n)
{
	if (c->example_host)
		return WHY_HOST;
	if (k == K_PASSWORD || k == K_ENV_PASSWORD)
		return guess_password_made_up(v, n) ? WHY_PASSWORD : NULL;
	return guess_token_made_up(v, n) ? WHY_TOKEN : NULL;
}

/* A user:password pair: made up, and why, or NULL. */
static const char *
login_made_up(const struct ctx *c, const char *v, size_t n)
{
	const char *colon = memchr(v, ':', n);

	if (c->example_host)
		return WHY_HOST;
	if (colon == NULL)
		return NULL;
	return guess_login_made_up(v, (size_t)(colon - v), colon + 1,
	    n - (size_t)(colon - v) - 1) ? WHY_PASSWORD : NULL;
}

/* Reports value[0..n) at pos under r, or sets it aside (why). */
static void
report_or_aside(struct ctx *c, size_t pos, enum rule r, const char *value,
    size_t n, const char *why)
{
	if (why != NULL)
		emit_dummy(c, pos, r, value, n, why);
	else
		emit_builtin(c, pos, r, value, n);
}

/*
 * Judges the pair or password of _auth, _password and npmAuthIdent:
 * base64 is decoded first; _auth outside npm files counts only then.
 */
static void
judge_login(struct ctx *c, enum key_kind k, size_t vs, size_t ve)
{
	const char *v = c->buf + vs, *why = NULL;
	size_t n = ve - vs, off, len, dn = 0;
	char *dec;
	bool real;

	if (value_is_reference(v, n) || value_is_placeholder(v, n) ||
	    (n == TOKEN_LEN && token_shape(v, n) != TOKEN_NONE))
		return;
	dec = all_b64(v, n) ? decode_text(v, n, &dn) : NULL;
	if (k == K_PASSWORD) {
		if (dec != NULL)
			real = !value_is_placeholder(dec, dn) &&
			    !value_is_reference(dec, dn);
		else
			real = value_classify(v, n, &off, &len) ==
			    VALUE_LITERAL;
		if (real)
			why = made_up(c, k, dec != NULL ? dec : v,
			    dec != NULL ? dn : n);
	} else if (dec != NULL || k == K_YARN_IDENT) {
		real = value_is_real_login(dec != NULL ? dec : v,
		    dec != NULL ? dn : n);
		if (real)
			why = login_made_up(c, dec != NULL ? dec : v,
			    dec != NULL ? dn : n);
	} else {
		/* _auth that is not base64: npm cannot use it elsewhere */
		real = npm_file(c) && value_classify(v, n, &off, &len) ==
		    VALUE_LITERAL;
		if (real)
			why = made_up(c, K_PASSWORD, v, n);
	}
	/*
	 * Ciphertext is not claimed: a valid token in it is still a
	 * finding (RULES.md 1.1: any context).
	 */
	if (real && !in_cipher_container(c, vs)) {
		claim(c, vs, ve);
		report_or_aside(c, vs, rule_of(k), v, n, why);
	}
	free(dec);
}

/*
 * Judges the value [vs, ve) of a key of kind k and reports it (section
 * 3), decoding base64 values and scanning what they hold (section 4).
 * Literals are judged by their slot (section 3.1).
 */
static void
judge(struct ctx *c, enum key_kind k, size_t vs, size_t ve)
{
	const char *v = c->buf + vs;
	size_t n = ve - vs, off, len, dn = 0;
	enum value_class cls;
	char *dec = NULL;
	bool cipher;

	if (n == 0 || n > VALUE_MAX || claimed(c, vs, ve))
		return;
	/* Jenkins {AQAA...}: the brace ends an unquoted value */
	if (cipher_value(v, n) || (n > 5 && memcmp(v, "{AQAA", 5) == 0 &&
	    ve < c->len && c->buf[ve] == '}'))
		return;
	/* FirebaseAuth.instance, creds.auth_token: code, not a value */
	if (!quoted(c, vs) && value_is_member_access(v, n))
		return;
	if (k == K_AUTH || k == K_PASSWORD || k == K_YARN_IDENT) {
		judge_login(c, k, vs, ve);
		return;
	}
	if (k == K_NPMRC_BLOB) {
		dec = all_b64(v, n) ? decode_text(v, n, &dn) : NULL;
		if (dec != NULL) {
			claim(c, vs, ve);
			(void)scan_child(c, vs, dec, dn, true);
		}
		free(dec);
		return;
	}
	cls = value_classify(v, n, &off, &len);
	switch (cls) {
	case VALUE_NONE:
	case VALUE_TOKEN:
		/* A token is reported by the token rule at its own place. */
		return;
	case VALUE_UUID:
		/* Issued whatever it looks like (RULES.md 3.1 item 5). */
		claim(c, vs, ve);
		if (!in_cipher_container(c, vs))
			report_or_aside(c, vs + off, R_LEGACY, v + off, len,
			    c->example_host ? WHY_HOST : NULL);
		return;
	case VALUE_GITHUB_PAT:
		claim(c, vs, ve);
		if (!in_cipher_container(c, vs))
			report_or_aside(c, vs + off, R_GITHUB_TOKEN, v + off,
			    len, c->example_host ? WHY_HOST : NULL);
		return;
	case VALUE_LITERAL:
		break;
	}
	cipher = in_cipher_container(c, vs);
	if (!cipher)
		claim(c, vs, ve);
	dec = all_b64(v + off, len) ? decode_text(v + off, len, &dn) : NULL;
	if (dec != NULL && c->depth < DEPTH_MAX) {
		size_t o2, l2;

		/* A base64 value: what it holds decides (section 4). */
		if (scan_child(c, vs + off, dec, dn, true) == 0) {
			cls = value_classify(dec, dn, &o2, &l2);
			if (!cipher && cls == VALUE_UUID)
				report_or_aside(c, vs + off, R_LEGACY,
				    dec + o2, l2, c->example_host ?
				    WHY_HOST : NULL);
			else if (!cipher && (cls == VALUE_LITERAL ||
			    cls == VALUE_GITHUB_PAT))
				report_or_aside(c, vs + off, rule_of(k),
				    dec + o2, l2, cls == VALUE_LITERAL ?
				    made_up(c, k, dec + o2, l2) :
				    c->example_host ? WHY_HOST : NULL);
		}
		free(dec);
		return;
	}
	free(dec);
	if (!cipher)
		report_or_aside(c, vs + off, rule_of(k), v + off, len,
		    made_up(c, k, v + off, len));
}

/* Judges a value on another line than the current one. */
static void
judge_elsewhere(struct ctx *c, enum key_kind k, size_t vs, size_t ve)
{
	struct line saved = c->ln;

	line_enter(c, vs);
	judge(c, k, vs, ve);
	c->ln = saved;
}

/* Finds the end of a bracketed reference starting at p, within lim. */
static size_t
match_close(const struct ctx *c, size_t p, size_t lim, char open, char close)
{
	int depth = 0;

	for (size_t i = p; i < lim; i++) {
		if (c->buf[i] == open)
			depth++;
		else if (c->buf[i] == close && --depth == 0)
			return i + 1;
	}
	return lim;
}

/*
 * Extracts the value starting at j on the line (quotes stripped):
 * [*vs, *ve). Unquoted values end at whitespace or , ; } ] ) and
 * quotes, except references, which run to their closing bracket.
 */
static void
value_extract(const struct ctx *c, size_t j, size_t lim, size_t *vs,
    size_t *ve)
{
	const char *b = c->buf;
	size_t i;

	if (lim - j > VALUE_MAX)
		lim = j + VALUE_MAX;
	*vs = *ve = j;
	if (j >= lim)
		return;
	if (b[j] == '\\' && j + 1 < lim && b[j + 1] == '"') {
		const char *q = memmem(b + j + 2, lim - j - 2, "\\\"", 2);

		*vs = j + 2;
		*ve = q != NULL ? (size_t)(q - b) : lim;
		return;
	}
	/*
	 * A backquote opens command substitution (shell) or closes a code
	 * span (Markdown): neither is a literal. It is a stop byte, so the
	 * value comes out empty.
	 */
	if (b[j] == '"' || b[j] == '\'') {
		char quote = b[j];

		for (i = j + 1; i < lim; i++) {
			if (b[i] == '\\' && quote == '"') {
				if (i + 1 < lim && b[i + 1] == '"')
					break;
				i++;
				continue;
			}
			if (b[i] == quote)
				break;
		}
		*vs = j + 1;
		*ve = i < lim ? i : lim;
		return;
	}
	if (at(c, j, "${{") || at(c, j, "{{")) {
		const char *q = memmem(b + j, lim - j, "}}", 2);

		*ve = q != NULL ? (size_t)(q - b) + 2 : lim;
		return;
	}
	if (at(c, j, "${")) {
		*ve = match_close(c, j + 1, lim, '{', '}');
		return;
	}
	if (at(c, j, "$(")) {
		*ve = match_close(c, j + 1, lim, '(', ')');
		return;
	}
	for (i = j; i < lim; i++) {
		if (VALUE_STOP[(unsigned char)b[i]])
			break;
	}
	*ve = i;
}

/* Skips spaces from i on, up to lim. */
static size_t
skip_spaces(const struct ctx *c, size_t i, size_t lim)
{
	while (i < lim && is_space((unsigned char)c->buf[i]))
		i++;
	return i;
}

/* The next line after the one ending at le: [*ns, *ne), false at EOF. */
static bool
next_line(const struct ctx *c, size_t le, size_t *ns, size_t *ne)
{
	if (le >= c->len)
		return false;
	*ns = le + 1;
	*ne = line_end_from(c, *ns);
	if (*ne > *ns && c->buf[*ne - 1] == '\r')
		(*ne)--;
	return true;
}

/*
 * A YAML block scalar (key: | or key: >): the value is the first line
 * of the block.
 */
static bool
block_scalar(const struct ctx *c, size_t vs, size_t ve, size_t lend,
    size_t *bs, size_t *be)
{
	size_t ns, ne;

	if (ve - vs < 1 || ve - vs > 2 || (c->buf[vs] != '|' &&
	    c->buf[vs] != '>'))
		return false;
	if (!next_line(c, lend, &ns, &ne))
		return false;
	ns = skip_spaces(c, ns, ne);
	*bs = ns;
	*be = ne;
	while (*be > *bs && is_space((unsigned char)c->buf[*be - 1]))
		(*be)--;
	return true;
}

/*
 * After a key's name ends at j on a line ending at lend: finds the
 * separator and the value. ws_ok allows a bare whitespace separator
 * (Dockerfile ENV K V, Yarn 1 "key" "value", npm config set K V).
 * Returns false when no value follows.
 */
static bool
value_after_key(const struct ctx *c, size_t j, size_t lend, bool ws_ok,
    size_t *vs, size_t *ve)
{
	const char *b = c->buf;
	size_t k;

	while (j < lend && (b[j] == '"' || b[j] == '\'' || (b[j] == '\\' &&
	    j + 1 < lend && b[j + 1] == '"')))
		j += b[j] == '\\' ? 2 : 1;
	k = skip_spaces(c, j, lend);
	if (k + 1 < lend && (b[k] == '?' || b[k] == '+') && b[k + 1] == '=')
		k++;	/* Makefile ?= and += */
	if (k < lend && b[k] == '=' && !(k + 1 < lend && b[k + 1] == '=')) {
		k++;
		if (k < lend && b[k] == '>')
			k++;
	} else if (k < lend && b[k] == ':' && !(k + 1 < lend &&
	    b[k + 1] == ':')) {
		k++;
		if (k < lend && b[k] == '=')
			k++;
	} else if (ws_ok && k > j && k < lend) {
		/* whitespace alone separates */
	} else {
		return false;
	}
	k = skip_spaces(c, k, lend);
	value_extract(c, k, lend, vs, ve);
	if (block_scalar(c, *vs, *ve, lend, vs, ve))
		return *ve > *vs;
	return *ve > *vs;
}

/*
 * Whether a key whose identifier starts at ks may take a value after
 * whitespace: it starts its line (Yarn 1, .npmrc written with spaces),
 * follows ENV/ARG (Dockerfile) or "config set" (npm, yarn).
 */
static bool
ws_separator_ok(const struct ctx *c, size_t ls, size_t ks)
{
	size_t i = ks, first;

	/* back over the rest of the key: //host/path/:, quotes, dashes */
	while (i > ls && ks - i < KEY_MAX && !is_space((unsigned char)
	    c->buf[i - 1]))
		i--;
	first = skip_spaces(c, ls, ks);
	if (i == first)
		return true;
	if (first + 4 <= ks && (at_ci(c, first, "ENV ") ||
	    at_ci(c, first, "ARG ") || at(c, first, "set ")))
		return skip_spaces(c, first + 4, ks) == i;
	if (first + 5 <= ks && (at(c, first, "setx ") ||
	    at(c, first, "export")))
		return skip_spaces(c, first + 6, ks) == i ||
		    skip_spaces(c, first + 5, ks) == i;
	return i >= ls + 11 && memcmp(c->buf + i - 11, "config set ", 11) == 0;
}

/*
 * The name/value form: `- name: NPM_TOKEN` with `value: V` on the same or
 * a following line; {"name": "NPM_TOKEN", "value": "V"}; Terraform
 * secret_name = "NPM_TOKEN" with plaintext_value = "V".
 */
static bool
preceded_by_name_key(const struct ctx *c, size_t ls, size_t ks)
{
	size_t i = ks;

	while (i > ls && (c->buf[i - 1] == '"' || c->buf[i - 1] == '\'' ||
	    c->buf[i - 1] == '\\' || is_space((unsigned char)c->buf[i - 1])))
		i--;
	if (i == ls || (c->buf[i - 1] != ':' && c->buf[i - 1] != '='))
		return false;
	i--;
	while (i > ls && (c->buf[i - 1] == '"' || c->buf[i - 1] == '\'' ||
	    c->buf[i - 1] == '\\' || is_space((unsigned char)c->buf[i - 1])))
		i--;
	return i - ls >= 4 && ascii_ncaseeq(c->buf + i - 4, "name", 4) &&
	    (i - 4 == ls || !token_is_base62((unsigned char)c->buf[i - 5]));
}

/* Finds a key named value (or *_value) in [from, lim): its name's end. */
static size_t
find_value_key(const struct ctx *c, size_t from, size_t lim)
{
	for (size_t i = from; i + 5 <= lim; i++) {
		size_t e = i + 5;

		if (!ascii_ncaseeq(c->buf + i, "value", 5))
			continue;
		if (e < lim && is_ident_char((unsigned char)c->buf[e]))
			continue;
		if (i > from && token_is_base62((unsigned char)c->buf[i - 1]))
			continue;
		return e;
	}
	return 0;
}

static void
name_value(struct ctx *c, enum key_kind k, size_t ke)
{
	size_t lend = line_content_end(c), ls, le = c->ln.le, vk, vs, ve;

	vk = find_value_key(c, ke, lend);
	if (vk != 0 && value_after_key(c, vk, lend, false, &vs, &ve)) {
		judge(c, k, vs, ve);
		return;
	}
	for (int i = 0; i < NAMEVALUE_LINES; i++) {
		if (!next_line(c, le, &ls, &lend))
			return;
		le = line_end_from(c, ls);
		/* An empty last line ends at the buffer's end: read nothing. */
		if (skip_spaces(c, ls, lend) < lend &&
		    c->buf[skip_spaces(c, ls, lend)] == '-')
			return;		/* the next list item */
		vk = find_value_key(c, ls, lend);
		if (vk == 0)
			continue;
		if (value_after_key(c, vk, lend, false, &vs, &ve))
			judge_elsewhere(c, k, vs, ve);
		return;
	}
}

/* variable "npm_token" { ... default = "V" ... } */
static bool
hcl_variable(const struct ctx *c, size_t ls, size_t ks)
{
	size_t i = ks;

	if (i == ls || c->buf[i - 1] != '"')
		return false;
	i = skip_spaces(c, ls, ks);
	return at(c, i, "variable") && skip_spaces(c, i + 8, ks) == ks - 1;
}

static void
hcl_default(struct ctx *c, enum key_kind k, size_t ke)
{
	size_t ls = c->ln.ls, le = c->ln.le, lend = line_content_end(c);
	size_t vs, ve, d;

	for (int i = 0; i <= HCL_LINES; i++) {
		size_t from = i == 0 ? ke : ls;

		for (d = from; d + 7 <= lend; d++) {
			if (memcmp(c->buf + d, "default", 7) == 0 &&
			    (d == 0 || !is_ident_char((unsigned char)
			    c->buf[d - 1])) && value_after_key(c, d + 7,
			    lend, false, &vs, &ve)) {
				judge_elsewhere(c, k, vs, ve);
				return;
			}
		}
		if (i > 0 && skip_spaces(c, ls, lend) < lend &&
		    c->buf[skip_spaces(c, ls, lend)] == '}')
			return;
		if (!next_line(c, le, &ls, &lend))
			return;
		le = line_end_from(c, ls);
	}
}

/*
 * The key starting at ks is scoped to a registry, //host[:port]/path/:
 * KEY (npm's form, also after NPM_CONFIG_ or --): whether that host is
 * an example host.
 */
static bool
key_host_is_example(const struct ctx *c, size_t ks)
{
	const char *b = c->buf;
	size_t i = ks, h, e;

	if (i < 3 || b[i - 1] != ':')
		return false;
	while (i >= 2 && ks - i < KEY_MAX && !(b[i - 1] == '/' &&
	    b[i - 2] == '/')) {
		if (is_space((unsigned char)b[i - 1]) || b[i - 1] == '\n' ||
		    b[i - 1] == '"' || b[i - 1] == '\'')
			return false;
		i--;
	}
	if (i < 2 || b[i - 1] != '/' || b[i - 2] != '/')
		return false;
	h = i;
	for (e = h; e < ks && b[e] != '/' && b[e] != ':'; e++)
		;
	return value_host_is_example(b + h, e - h);
}

/*
 * 'key': name in a program's map literal: the value is a variable
 * (RULES.md 3.1 item 4). YAML allows a quoted key before a plain
 * scalar, so there the value is judged.
 */
static bool
identifier_after_quoted_key(const struct ctx *c, size_t ke, size_t vs,
    size_t ve)
{
	const char *b;

	if (ke >= c->len || (c->buf[ke] != '"' && c->buf[ke] != '\'') ||
	    quoted(c, vs) || vs >= ve)
		return false;
	if (c->origin != NULL && c->origin->path != NULL) {
		b = base_name(c->origin->path);
		if (strstr(b, ".yml") != NULL || strstr(b, ".yaml") != NULL ||
		    npm_file(c))
			return false;
	}
	if (!((c->buf[vs] >= 'a' && c->buf[vs] <= 'z') ||
	    (c->buf[vs] >= 'A' && c->buf[vs] <= 'Z') || c->buf[vs] == '_'))
		return false;
	for (size_t i = vs; i < ve; i++) {
		if (!is_ident_char((unsigned char)c->buf[i]))
			return false;
	}
	return true;
}

static size_t key_value(struct ctx *c, enum key_kind k, size_t ks,
    size_t ke);

/* A credential key anchor at p: judge the value it is given. */
static size_t
key_at(struct ctx *c, size_t p)
{
	const char *b = c->buf;
	size_t ks = p, ke = p, next;
	enum key_kind k;

	/*
	 * The identifier first: most are no key ("npm", "npmjs"), and that
	 * needs no line. A newline is no identifier byte, so the walk stays
	 * on the line without knowing where it starts.
	 */
	if (c->ln.have && p >= c->ln.ls && p < c->ln.key_end)
		return c->ln.key_end;
	while (ks > c->start && is_ident_char((unsigned char)b[ks - 1]) &&
	    p - ks < KEY_MAX)
		ks--;
	while (ke < c->len && is_ident_char((unsigned char)b[ke]) &&
	    ke - p < KEY_MAX)
		ke++;
	k = key_kind(b + ks, ke - ks);
	if (k == K_NONE)
		return ke;
	line_enter(c, p);
	c->ln.key_end = ke;
	if (!line_budget(c))
		return ke;
	c->example_host = key_host_is_example(c, ks);
	next = key_value(c, k, ks, ke);
	c->example_host = false;
	return next;
}

/*
 * Judges the value given to the key [ks, ke) of kind k; returns where
 * to look on.
 */
static size_t
key_value(struct ctx *c, enum key_kind k, size_t ks, size_t ke)
{
	const char *b = c->buf;
	size_t lend, vs, ve;
	char prev;

	lend = line_content_end(c);
	prev = ks > c->ln.ls ? b[ks - 1] : '\n';

	/* Nexus: NpmToken.<uuid> */
	if (ke - ks == 8 && ascii_ncaseeq(b + ks, "NpmToken", 8) &&
	    ke + 37 <= lend && b[ke] == '.' && value_is_uuid(b + ke + 1, 36)) {
		if (!claimed(c, ke + 1, ke + 37)) {
			claim(c, ke + 1, ke + 37);
			emit_builtin(c, ke + 1, R_LEGACY, b + ke + 1, 36);
		}
		return ke + 37;
	}
	/* ${NPM_TOKEN:-fallback}: a reference with a literal fallback */
	if (prev == '{' && ks >= c->ln.ls + 2 && b[ks - 2] == '$') {
		size_t end = match_close(c, ks - 1, lend, '{', '}');

		judge(c, k, ks - 2, end);
		return ke;
	}
	if (prev == '$' || prev == '%' || prev == '@')
		return ke;
	if (preceded_by_name_key(c, c->ln.ls, ks)) {
		name_value(c, k, ke);
		return ke;
	}
	if (hcl_variable(c, c->ln.ls, ks)) {
		hcl_default(c, k, ke);
		return ke;
	}
	if (prev == '<') {
		/* XML: <npmToken>V</npmToken> */
		if (ke < lend && b[ke] == '>') {
			const char *lt = memchr(b + ke + 1, '<', lend - ke - 1);

			judge(c, k, ke + 1, lt != NULL ? (size_t)(lt - b) :
			    lend);
		}
		return ke;
	}
	if (!value_after_key(c, ke, lend, ws_separator_ok(c, c->ln.ls, ks),
	    &vs, &ve) || is_done(c, vs, ve) ||
	    identifier_after_quoted_key(c, ke, vs, ve))
		return ke;
	if (ve - vs == 1 && b[vs] == '{')
		/* an object: its "value" member (Terraform state outputs) */
		name_value(c, k, vs + 1);
	else if (vs <= c->ln.le)
		judge(c, k, vs, ve);
	else
		judge_elsewhere(c, k, vs, ve);
	return ke;
}

/* ---- private keys, URL credentials, base64 tokens ---------------------- */

/* "-----BEGIN ... PRIVATE KEY-----" whose '-' before 'B' is at p. */
static size_t
pem_at(struct ctx *c, size_t p)
{
	const char *b = c->buf;
	size_t h, lab, lim, i, nbody = 0;
	char *body;
	bool placeholder = false;
	unsigned char first = 0, second = 0;
	int distinct = 0;

	if (p < 4 || !at(c, p - 4, "-----BEGIN "))
		return p + 1;
	h = p - 4;
	lab = h + 11;
	lim = lab + 64 < c->len ? lab + 64 : c->len;
	for (i = lab; i + 5 <= lim && !at(c, i, "-----"); i++)
		;
	if (i + 5 > lim || !(i - lab >= 11 && (memcmp(b + i - 11,
	    "PRIVATE KEY", 11) == 0 || (i - lab >= 17 && memcmp(b + i - 17,
	    "PRIVATE KEY BLOCK", 17) == 0))))
		return p + 1;
	line_enter(c, h);
	if (!line_budget(c))
		return i + 5;
	i += 5;
	lim = i + PEM_MAX < c->len ? i + PEM_MAX : c->len;
	body = malloc(PEM_MAX);
	if (body == NULL) {
		c->rc = err_set(c->e, "out of memory");
		return c->len;
	}
	while (i < lim && !at(c, i, "-----END")) {
		unsigned char ch = (unsigned char)b[i];

		if (ch == '\\' && i + 1 < lim && (b[i + 1] == 'n' ||
		    b[i + 1] == 'r')) {
			i += 2;
		} else if (b64_is_char(ch) || ch == '=') {
			if (distinct == 0 || (ch != first && distinct == 1)) {
				if (distinct == 0)
					first = ch;
				else
					second = ch;
				distinct++;
			} else if (ch != first && ch != second) {
				distinct = 3;
			}
			body[nbody++] = (char)ch;
			i++;
		} else if (ch == ':') {
			/* Proc-Type:, DEK-Info: headers */
			nbody = 0;
			i = line_end_from(c, i);
		} else if (ch == '.' || ch == '<' || ch == '*') {
			placeholder = true;
			break;
		} else if (is_space(ch) || ch == '\n' || ch == '\r' ||
		    ch == '"' || ch == '\'' || ch == ',') {
			i++;
		} else {
			break;
		}
	}
	if (!placeholder && nbody >= 64 && distinct > 2 &&
	    !claimed(c, h, h + 11)) {
		claim(c, h, h + 11);
		emit_builtin(c, h, R_PRIVATE_KEY, body, nbody);
	}
	free(body);
	return h + 11;
}

/* The length of a percent-encoded string once decoded. */
static size_t
decoded_length(const char *v, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++, len++) {
		if (v[i] == '%' && i + 2 < n && is_hex_digit((unsigned char)
		    v[i + 1]) && is_hex_digit((unsigned char)v[i + 2]))
			i += 2;
	}
	return len;
}

/* Users whose password half is a token (x-access-token:TOKEN@). */
static const char *const TOKEN_USERS[] = {
	"x-access-token", "oauth2", "gitlab-ci-token", "x-token-auth",
	"oauth", "token", "x-auth-token", "private-token", NULL
};

static bool
word_is_one_of(const char *w, size_t n, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++) {
		if (strlen(list[i]) == n && ascii_ncaseeq(w, list[i], n))
			return true;
	}
	return false;
}

/*
 * The host after a URL's '@' at a: sets *example, and returns false when
 * the URL is a template rather than an address (a port that is not a
 * number: proxy-host.com:port).
 */
static bool
url_host(const struct ctx *c, size_t a, bool *example)
{
	const char *b = c->buf;
	size_t h = a + 1, e = h;

	/* {authority}, ${HOST}, %s, <host>: a format string's hole */
	if (h < c->len && strchr("{$%<", b[h]) != NULL)
		return false;
	while (e < c->len && e - h < 256 && !USERINFO_STOP[(unsigned char)
	    b[e]] && b[e] != ':' && b[e] != '@')
		e++;
	*example = value_host_is_example(b + h, e - h);
	if (e < c->len && b[e] == ':') {
		size_t d = e + 1;

		while (d < c->len && b[d] >= '0' && b[d] <= '9')
			d++;
		if (d == e + 1 || (d < c->len && !USERINFO_STOP[(unsigned char)
		    b[d]]))
			return false;
	}
	return true;
}

/*
 * Whether [s, s + n) may be a credential at all: long enough, two
 * character classes, neither a reference nor a placeholder nor an exact
 * token shape (that is section 1's).
 */
static bool
url_secret_ok(const char *v, size_t n, size_t min)
{
	return decoded_length(v, n) >= min && value_classes(v, n) >= 2 &&
	    !value_is_reference(v, n) && !value_is_placeholder(v, n) &&
	    !(n == TOKEN_LEN && token_shape(v, n) != TOKEN_NONE);
}

/*
 * "://" at p: user:password@ in an http(s) URL. The password is judged
 * as a person's (RULES.md 3.1 item 2), except where the user names a
 * token (x-access-token:TOKEN, oauth2:TOKEN) or the password is the
 * constant x-oauth-basic (TOKEN:x-oauth-basic): there the token is
 * judged as issued or made up (item 1).
 */
static size_t
url_at(struct ctx *c, size_t p)
{
	const char *b = c->buf, *why;
	size_t s = p, u, at_sign, colon = 0, pn, un;
	const char *pw;
	bool example;

	while (s > 0 && p - s < 32 && (token_is_base62((unsigned char)b[s - 1])
	    || b[s - 1] == '+' || b[s - 1] == '.' || b[s - 1] == '-'))
		s--;
	if (!(p - s >= 4 && (ascii_ncaseeq(b + p - 4, "http", 4) ||
	    (p - s >= 5 && ascii_ncaseeq(b + p - 5, "https", 5)))))
		return p + 3;
	u = p + 3;
	for (at_sign = u; at_sign < c->len && at_sign - u < 256; at_sign++) {
		char ch = b[at_sign];

		if (USERINFO_STOP[(unsigned char)ch])
			break;
		if (ch == ':' && colon == 0)
			colon = at_sign;
	}
	if (at_sign >= c->len || b[at_sign] != '@' || colon == 0)
		return p + 3;
	pw = b + colon + 1;
	pn = at_sign - colon - 1;
	un = colon - u;
	line_enter(c, p);
	if (!line_budget(c) || claimed(c, colon + 1, at_sign) ||
	    claimed(c, u, colon) || !url_host(c, at_sign, &example))
		return p + 3;
	if (pn == 13 && ascii_ncaseeq(pw, "x-oauth-basic", 13)) {
		/* the user is the token */
		if (!url_secret_ok(b + u, un, 16))
			return p + 3;
		why = example ? WHY_HOST : guess_token_made_up(b + u, un) ?
		    WHY_TOKEN : NULL;
		claim(c, u, colon);
		report_or_aside(c, u, R_URL, b + u, un, why);
		return p + 3;
	}
	if (!url_secret_ok(pw, pn, 8) || value_is_reference(b + u, un))
		return p + 3;
	if (word_is_one_of(b + u, un, TOKEN_USERS))
		why = guess_token_made_up(pw, pn) ? WHY_TOKEN : NULL;
	else
		why = guess_login_made_up(b + u, un, pw, pn) ? WHY_PASSWORD :
		    NULL;
	if (example)
		why = WHY_HOST;
	claim(c, colon + 1, at_sign);
	report_or_aside(c, colon + 1, R_URL, pw, pn, why);
	/* Anchors inside the userinfo (a token as password) are still seen. */
	return p + 3;
}

/* "bnBtX" at p: base64 of text starting with "npm_". */
static size_t
b64token_at(struct ctx *c, size_t p)
{
	size_t e = p, dn = 0, i;
	bool found = false;
	char *dec;

	if (!at(c, p, "bnBtX"))
		return p + 1;
	while (e < c->len && e - p < DECODE_MAX &&
	    b64_is_char((unsigned char)c->buf[e]))
		e++;
	while (e < c->len && c->buf[e] == '=')
		e++;
	line_enter(c, p);
	if (is_done(c, p, e) || claimed(c, p, e))
		return e;
	/* Decode whole groups: the run may go on past the token. */
	dec = line_budget(c) ? decode_text(c->buf + p, (e - p) / 4 * 4 ==
	    e - p ? e - p : (e - p) / 4 * 4, &dn) : NULL;
	if (dec != NULL) {
		found = scan_child(c, p, dec, dn, false) > 0;
		if (found)
			claim(c, p, e);
		free(dec);
	}
	if (found)
		return e;
	/*
	 * Nothing in it: the run is skipped, but '-' and '_' are base64
	 * too (URL-safe), so a raw token, a key or a PEM header may sit in
	 * it: its other anchors are still looked at. A "bnBtX" in it is
	 * not decoded again (that would be quadratic in the run).
	 */
	for (i = p + 5; i < e && c->rc == 0;) {
		size_t q = next_candidate(c, i, e);

		if (q >= e)
			break;
		i = at(c, q, "bnBtX") ? q + 5 : dispatch(c, q);
	}
	return i > e ? i : e;
}

/* ---- Kubernetes Secret data (section 4) -------------------------------- */

static void
mark_done(struct ctx *c, size_t s, size_t e)
{
	size_t (*d)[2];

	if (c->ndone >= DONE_MAX)
		return;
	d = realloc(c->done, (c->ndone + 1) * sizeof(*d));
	if (d == NULL)
		return;
	c->done = d;
	c->done[c->ndone][0] = s;
	c->done[c->ndone][1] = e;
	c->ndone++;
}

/* One entry of a Secret's data map: key [ks, ke), value [vs, ve). */
static void
secret_entry(struct ctx *c, size_t here, size_t ks, size_t ke, size_t vs,
    size_t ve)
{
	enum key_kind k;
	size_t dn = 0, iks = ks, ike = ke, before = c->found;
	char *dec = NULL;
	struct line saved;

	while (iks < ike && !is_ident_char((unsigned char)c->buf[iks]))
		iks++;
	while (ike > iks && !is_ident_char((unsigned char)c->buf[ike - 1]))
		ike--;
	k = key_kind(c->buf + iks, ike - iks);
	/*
	 * Entries before `kind: Secret` were passed already: those with a
	 * credential key were judged; "bnBtX" values were decoded.
	 */
	if (vs < here && (k != K_NONE || at(c, vs, "bnBtX")))
		return;
	if (k != K_NONE) {
		judge_elsewhere(c, k, vs, ve);
	} else {
		dec = all_b64(c->buf + vs, ve - vs) ? decode_text(c->buf + vs,
		    ve - vs, &dn) : NULL;
		if (dec != NULL) {
			saved = c->ln;
			line_enter(c, vs);
			(void)scan_child(c, vs, dec, dn, true);
			c->ln = saved;
		}
		free(dec);
	}
	/*
	 * A value that gave a finding here is done: the pass does not judge
	 * it again. One that gave none is left to the pass: a "bnBtX" run
	 * in it that does not decode as part of the whole value (a stray
	 * byte, misaligned) is still seen there.
	 */
	if (vs >= here && c->found > before)
		mark_done(c, vs, ve);
}

static void
secret_yaml_data(struct ctx *c, size_t here, size_t ds, size_t de)
{
	size_t ls = ds;

	while (ls < de && c->rc == 0) {
		size_t le = line_end_from(c, ls), ind, i, dind;

		if (le > de)
			le = de;
		ind = indent_of(c, ls, le);
		i = ls + ind;
		if (!at(c, i, "data:") || skip_spaces(c, i + 5, le) < le - (le >
		    ls && c->buf[le - 1] == '\r')) {
			ls = le + 1;
			continue;
		}
		dind = ind;
		ls = le + 1;
		while (ls < de && c->rc == 0) {
			size_t colon, vs, ve, lend;

			le = line_end_from(c, ls);
			if (le > de)
				le = de;
			lend = le > ls && c->buf[le - 1] == '\r' ? le - 1 : le;
			if (blank_line(c, ls, le)) {
				ls = le + 1;
				continue;
			}
			ind = indent_of(c, ls, le);
			if (ind <= dind)
				break;
			colon = ls + ind;
			while (colon < lend && c->buf[colon] != ':')
				colon++;
			if (colon < lend) {
				value_extract(c, skip_spaces(c, colon + 1,
				    lend), lend, &vs, &ve);
				if (ve > vs)
					secret_entry(c, here, ls + ind, colon,
					    vs, ve);
			}
			ls = le + 1;
		}
	}
}

static void
secret_json_data(struct ctx *c, size_t here, size_t ds, size_t de)
{
	const char *d = memmem(c->buf + ds, de - ds, "\"data\"", 6);
	size_t i, end;

	if (d == NULL)
		return;
	i = (size_t)(d - c->buf) + 6;
	i = skip_spaces(c, i, de);
	if (i >= de || c->buf[i] != ':')
		return;
	i = skip_spaces(c, i + 1, de);
	if (i >= de || c->buf[i] != '{')
		return;
	end = match_close(c, i, de, '{', '}');
	while (i < end && c->rc == 0) {
		size_t ks, ke, vs, ve, lend;
		const char *q = memchr(c->buf + i, '"', end - i);

		if (q == NULL)
			return;
		ks = (size_t)(q - c->buf) + 1;
		q = memchr(c->buf + ks, '"', end - ks);
		if (q == NULL)
			return;
		ke = (size_t)(q - c->buf);
		i = ke + 1;
		while (i < end && (is_space((unsigned char)c->buf[i]) ||
		    c->buf[i] == '\n' || c->buf[i] == '\r'))
			i++;
		if (i >= end || c->buf[i] != ':')
			return;
		i = skip_spaces(c, i + 1, end);
		/*
		 * A JSON string ends on its line: an unterminated one must
		 * not mark the lines after it as judged Secret data.
		 */
		lend = line_end_from(c, i);
		value_extract(c, i, lend < end ? lend : end, &vs, &ve);
		if (ve > vs)
			secret_entry(c, here, ks, ke, vs, ve);
		i = ve + 1;
	}
}

/* "Secr" at p: `kind: Secret` makes its document's data map base64. */
static size_t
secret_at(struct ctx *c, size_t p)
{
	const char *b = c->buf;
	size_t i = p, ds, de, lo;
	const char *q;

	if (!at(c, p, "Secret") || (p + 6 < c->len &&
	    is_ident_char((unsigned char)b[p + 6])))
		return p + 1;
	while (i > 0 && p - i < 16 && (b[i - 1] == '"' || b[i - 1] == '\\' ||
	    b[i - 1] == ':' || is_space((unsigned char)b[i - 1])))
		i--;
	if (i < 4 || memcmp(b + i - 4, "kind", 4) != 0 || i == p)
		return p + 6;
	line_enter(c, p);
	if (!line_budget(c))
		return p + 6;
	lo = p > DECODE_MAX ? p - DECODE_MAX : 0;
	if (lo < c->start)
		lo = c->start;
	ds = lo;
	for (size_t j = p; j > lo; j--) {
		if (b[j - 1] == '\n' && at(c, j, "---")) {
			ds = j + 3;
			break;
		}
	}
	q = memmem(b + p, c->len - p < DECODE_MAX ? c->len - p : DECODE_MAX,
	    "\n---", 4);
	de = q != NULL ? (size_t)(q - b) : (c->len - p < DECODE_MAX ?
	    c->len : p + DECODE_MAX);
	if (i >= 5 && b[i - 5] == '"')
		secret_json_data(c, p, ds, de);
	else
		secret_yaml_data(c, p, ds, de);
	return p + 6;
}

/* ---- bunfig.toml ------------------------------------------------------- */

/*
 * Judges the token and password keys of the [install] tables on the
 * lines that start in [from, to); the lines before are read for the
 * table headers only (a window's context holds them).
 */
static void
bunfig_scan(struct ctx *c, size_t from, size_t to)
{
	bool install = false;
	size_t ls = c->start;

	/*
	 * Each line is judged afresh: the claims the pass left on the line
	 * it ended on would otherwise hide a value there and not elsewhere
	 * (a window boundary moving that line changed the findings).
	 */
	c->ln.have = false;
	while (ls < to && c->rc == 0) {
		size_t le = line_end_from(c, ls), i, lend;

		lend = le > ls && c->buf[le - 1] == '\r' ? le - 1 : le;
		i = skip_spaces(c, ls, lend);
		if (i < lend && c->buf[i] == '[') {
			install = at(c, i, "[install");
		} else if (install && ls >= from) {
			for (size_t k = i; k < lend; k++) {
				size_t kn, vs, ve;

				if (at(c, k, "token"))
					kn = 5;
				else if (at(c, k, "password"))
					kn = 8;
				else
					continue;
				if ((k > ls && is_ident_char((unsigned char)
				    c->buf[k - 1])) || (k + kn < lend &&
				    is_ident_char((unsigned char)
				    c->buf[k + kn])))
					continue;
				line_enter(c, k);
				if (value_after_key(c, k + kn, lend, false,
				    &vs, &ve) && c->buf[skip_spaces(c, k + kn,
				    lend)] == '=')
					judge(c, K_BUNFIG, vs, ve);
				k += kn;
			}
		}
		ls = le + 1;
	}
}

/* ---- user rules -------------------------------------------------------- */

/*
 * Runs user rule r over the line [ls, le). Returns whether a PCRE2 limit
 * stopped it.
 */
static bool
user_rule_line(struct ctx *c, size_t r, size_t ls, size_t le)
{
	const struct user_rule_c *u = &c->s->urules[r];
	const struct scan_rule_info *info = &c->s->info[R_COUNT + r];
	size_t off = 0, n = le - ls;

	if (n > USER_LINE_MAX) {
		n = USER_LINE_MAX;
		if (c->st != NULL)
			c->st->lines_capped++;
	}
	while (off <= n && c->rc == 0) {
		int rc = pcre2_match(u->code, (PCRE2_SPTR)(c->buf + ls), n,
		    off, 0, c->md, c->s->mctx);
		PCRE2_SIZE *ov;
		size_t vs, ve;
		int g;

		if (rc == PCRE2_ERROR_NOMATCH)
			return false;
		if (rc < 0) {
			if (c->st != NULL && c->st->limit_rule == NULL)
				c->st->limit_rule = info->id;
			if (c->st != NULL)
				c->st->user_rule_limits++;
			return true;
		}
		ov = pcre2_get_ovector_pointer(c->md);
		g = pcre2_substring_number_from_name(u->code,
		    (PCRE2_SPTR)"secret");
		if (g < 0 || g >= rc || ov[2 * g] == PCRE2_UNSET)
			g = rc > 1 && ov[2] != PCRE2_UNSET ? 1 : 0;
		vs = ov[2 * g];
		ve = ov[2 * g + 1];
		if (ve > vs && !value_is_reference(c->buf + ls + vs, ve - vs) &&
		    !value_is_placeholder(c->buf + ls + vs, ve - vs)) {
			line_enter(c, ls + vs);
			emit(c, ls + vs, info, c->buf + ls + vs, ve - vs,
			    NULL);
		}
		off = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
	}
	return false;
}

static void
user_rules(struct ctx *c, size_t from, size_t to)
{
	if (from < c->start)
		from = c->start;
	for (size_t r = 0; r < c->s->nurules && c->rc == 0; r++) {
		const struct user_rule_c *u = &c->s->urules[r];
		size_t pos = from, limited = 0;

		if (u->nkeywords == 0) {
			while (pos < to && c->rc == 0 &&
			    limited < USER_LIMIT_LINES) {
				size_t le = line_end_from(c, pos);

				if (user_rule_line(c, r, pos, le))
					limited++;
				pos = le + 1;
			}
			continue;
		}
		while (pos < to && c->rc == 0 && limited < USER_LIMIT_LINES) {
			size_t best = c->len, ls, le;

			for (size_t k = 0; k < u->nkeywords; k++) {
				const char *kw = u->keywords[k];
				const char *f = memmem(c->buf + pos,
				    best - pos, kw, strlen(kw));

				if (f != NULL)
					best = (size_t)(f - c->buf);
			}
			if (best >= to)
				break;
			ls = line_start_before(c, pos, best);
			le = line_end_from(c, best);
			if (user_rule_line(c, r, ls, le))
				limited++;
			pos = le + 1;
		}
	}
}

/* ---- the pass ---------------------------------------------------------- */

static size_t
handle(struct ctx *c, size_t p)
{
	unsigned char c0 = (unsigned char)c->buf[p] | 0x20;
	size_t end;

	switch (c0) {
	case 'n':
		end = token_at(c, p);
		if (end != 0)
			return end;
		return c->text ? key_at(c, p) : p + 1;
	case 'g':
		end = token_at(c, p);
		return end != 0 ? end : p + 1;
	default:
		break;
	}
	if (!c->text)
		return p + 1;
	switch (c0) {
	case 0x7f:
		return key_at(c, p);
	case '-':
		return pem_at(c, p);
	case ':':
		return url_at(c, p);
	case 'b':
		return b64token_at(c, p);
	case 's':
		return secret_at(c, p);
	default:
		return p + 1;
	}
}

/* Handles the candidate at p; returns where to look next (past p). */
static size_t
dispatch(struct ctx *c, size_t p)
{
	size_t next = handle(c, p);

	return next > p ? next : p + 1;
}

int
scanner_scan(const struct scanner *s, struct scan_stats *stats,
    const struct scan_origin *origin, const char *buf, size_t len,
    unsigned flags, finding_fn *fn, void *payload, struct err *e)
{
	struct scan_window w = { .from = 0, .to = len, .line = 1,
	    .first = true };

	return scanner_scan_window(s, stats, origin, buf, len, &w, flags, fn,
	    payload, e);
}

int
scanner_scan_window(const struct scanner *s, struct scan_stats *stats,
    const struct scan_origin *origin, const char *buf, size_t len,
    const struct scan_window *w, unsigned flags, finding_fn *fn,
    void *payload, struct err *e)
{
	struct scan_stats local;
	struct ctx c;
	size_t i;

	assert(s != NULL && fn != NULL && (buf != NULL || len == 0));
	assert(w->from <= w->to && w->to <= len);
	if (stats == NULL)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	memset(&c, 0, sizeof(c));
	c.s = s;
	c.buf = buf;
	c.len = len;
	c.flags = flags;
	c.origin = origin;
	c.fn = fn;
	c.payload = payload;
	c.st = stats;
	c.e = e;
	c.cnt_line = w->line;
	c.col_base = w->column;
	if (w->first && len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		c.start = 3;
	c.cnt_pos = c.start;
	if ((flags & SCAN_FORCE_BINARY) != 0)
		stats->binary = true;
	else if ((flags & SCAN_FORCE_TEXT) == 0 && w->first)
		stats->binary = memchr(buf, '\0', len < BINARY_PROBE ? len :
		    BINARY_PROBE) != NULL;
	c.text = !stats->binary || always_text(origin != NULL ?
	    origin->path : NULL);
	if (c.text && s->nurules > 0) {
		c.md = pcre2_match_data_create(32, NULL);
		if (c.md == NULL)
			return err_set(e, "out of memory");
	}
	i = w->from > c.start ? w->from : c.start;
	while (i < w->to && c.rc == 0) {
		size_t p = next_candidate(&c, i, w->to);

		if (p >= w->to)
			break;
		i = dispatch(&c, p);
	}
	if (c.text && c.rc == 0 && is_bunfig(origin != NULL ? origin->path :
	    NULL))
		bunfig_scan(&c, w->from, w->to);
	if (c.text && c.rc == 0)
		user_rules(&c, w->from, w->to);
	pcre2_match_data_free(c.md);
	free(c.done);
	return c.rc;
}

size_t
scanner_count_lines(const struct scanner *s, const char *buf, size_t len)
{
	struct ctx c;

	memset(&c, 0, sizeof(c));
	c.s = s;
	c.buf = buf;
	c.len = len;
	return count_newlines(&c, 0, len);
}

/* ---- set-up ------------------------------------------------------------ */

static char *
dup_str(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

void
scanner_free(struct scanner *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nallow; i++)
		free(s->allow[i]);
	free(s->allow);
	for (size_t i = 0; i < s->nurules; i++) {
		pcre2_code_free(s->urules[i].code);
		for (size_t k = 0; k < s->urules[i].nkeywords; k++)
			free(s->urules[i].keywords[k]);
		free(s->urules[i].keywords);
	}
	free(s->urules);
	for (size_t i = R_COUNT; i < s->ninfo; i++) {
		free((char *)s->info[i].id);
		free((char *)s->info[i].description);
	}
	free(s->info);
	pcre2_match_context_free(s->mctx);
	free(s);
}

static int
compile_rule(struct scanner *s, const struct user_rule *r, struct err *e)
{
	struct user_rule_c *u = &s->urules[s->nurules];
	struct scan_rule_info *info = &s->info[R_COUNT + s->nurules];
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE erroff;
	int errcode;

	for (size_t i = 0; i < s->ninfo; i++) {
		if (strcmp(s->info[i].id, r->id) == 0)
			return err_set(e, "rule '%s': defined twice or clashes "
			    "with a built-in rule", r->id);
	}
	if (r->pattern == NULL || r->pattern[0] == '\0')
		return err_set(e, "rule '%s': no pattern", r->id);
	u->code = pcre2_compile((PCRE2_SPTR)r->pattern, PCRE2_ZERO_TERMINATED,
	    PCRE2_MULTILINE, &errcode, &erroff, NULL);
	if (u->code == NULL) {
		(void)pcre2_get_error_message(errcode, msg, sizeof(msg));
		return err_set(e, "rule '%s': bad pattern at offset %zu: %s",
		    r->id, (size_t)erroff, (const char *)msg);
	}
	/* Without JIT the interpreter runs: slower, never wrong. */
	(void)pcre2_jit_compile(u->code, PCRE2_JIT_COMPLETE);
	s->nurules++;
	info->id = strdup(r->id);
	info->description = r->description != NULL ?
	    strdup(r->description) : strdup("user rule: remove the secret "
	    "and rotate it");
	info->user = true;
	s->ninfo++;
	if (info->id == NULL || info->description == NULL)
		return err_set(e, "out of memory");
	if (r->nkeywords > 0) {
		u->keywords = calloc(r->nkeywords, sizeof(*u->keywords));
		if (u->keywords == NULL)
			return err_set(e, "out of memory");
		for (size_t k = 0; k < r->nkeywords; k++) {
			if (r->keywords[k][0] == '\0')
				continue;
			u->keywords[u->nkeywords] = strdup(r->keywords[k]);
			if (u->keywords[u->nkeywords] == NULL)
				return err_set(e, "out of memory");
			u->nkeywords++;
		}
	}
	return 0;
}

int
scanner_new(struct scanner **out, const struct config *cfg, struct err *e)
{
	struct scanner *s;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return err_set(e, "out of memory");
	s->checksum = cfg->checksum;
	s->inline_allow = cfg->inline_allow;
	s->max_file_size = cfg->max_file_size;
	__builtin_cpu_init();
	s->avx2 = __builtin_cpu_supports("avx2") != 0 &&
	    getenv("TOKENGUARD_NO_AVX2") == NULL;
	s->info = calloc(R_COUNT + cfg->nrules, sizeof(*s->info));
	s->urules = calloc(cfg->nrules + 1, sizeof(*s->urules));
	s->allow = calloc(cfg->nallow + 1, sizeof(*s->allow));
	s->mctx = pcre2_match_context_create(NULL);
	if (s->info == NULL || s->urules == NULL || s->allow == NULL ||
	    s->mctx == NULL)
		goto oom;
	(void)pcre2_set_match_limit(s->mctx, USER_MATCH_LIMIT);
	(void)pcre2_set_depth_limit(s->mctx, USER_DEPTH_LIMIT);
	memcpy(s->info, BUILTIN, sizeof(BUILTIN));
	s->ninfo = R_COUNT;
	for (size_t i = 0; i < cfg->nallow; i++) {
		s->allow[i] = dup_str(cfg->allow[i]);
		if (s->allow[i] == NULL)
			goto oom;
		s->nallow++;
	}
	qsort(s->allow, s->nallow, sizeof(*s->allow), cmp_str);
	for (size_t i = 0; i < cfg->nrules; i++) {
		if (compile_rule(s, &cfg->rules[i], e) != 0) {
			scanner_free(s);
			return -1;
		}
	}
	teddy_init(s->teddy_lo, s->teddy_hi);
	*out = s;
	return 0;
oom:
	scanner_free(s);
	return err_set(e, "out of memory");
}

size_t
scanner_rule_count(const struct scanner *s)
{
	return s->ninfo;
}

const struct scan_rule_info *
scanner_rule(const struct scanner *s, size_t i)
{
	assert(i < s->ninfo);
	return &s->info[i];
}

uint64_t
scanner_max_file_size(const struct scanner *s)
{
	return s->max_file_size;
}
