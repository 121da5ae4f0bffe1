/*
 * scan: the detection engine of RULES.md, and its driver.
 *
 * One pass over the bytes finds anchors (npm, _auth, _pass, gh?_, BEGIN,
 * ://, bnBtX, Secret) with a vectorised pair filter (filter.c); only the
 * places it finds are looked at further, so clean text runs at memory
 * speed. Each anchor has a handler: checksummed tokens, credential keys
 * and their values (keys.c, judged in judge.c), private keys, URL
 * credentials, base64 tokens, and Kubernetes Secret data maps. Work per
 * line is capped; token checks are not.
 */
#include "scan.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guess.h"
#include "scanctx.h"
#include "token.h"
#include "value.h"

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

static size_t scan_dispatch(struct ctx *c, size_t p);

/* Bytes that end the userinfo of a URL ('@' ends it on purpose). */
static const bool USERINFO_STOP[256] = {
	['@'] = true, ['/'] = true, ['?'] = true, ['#'] = true, [' '] = true,
	['\t'] = true, ['\r'] = true, ['\n'] = true, ['"'] = true,
	['\''] = true, ['<'] = true, ['>'] = true, ['`'] = true,
	['\\'] = true,
};

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

/* ---- lines ------------------------------------------------------------ */

size_t
line_start_before(const struct ctx *c, size_t lo, size_t p)
{
	const char *nl;

	if (p <= lo)
		return lo;
	nl = memrchr(c->buf + lo, '\n', p - lo);
	return nl != NULL ? (size_t)(nl - c->buf) + 1 : lo;
}

size_t
line_end_from(const struct ctx *c, size_t p)
{
	const char *nl = memchr(c->buf + p, '\n', c->len - p);

	return nl != NULL ? (size_t)(nl - c->buf) : c->len;
}

/* Makes [ls, le) the line holding p; resets the per-line state. */
void
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

static size_t
line_number(struct ctx *c, size_t pos)
{
	if (pos >= c->cnt_pos) {
		c->cnt_line += filter_count_newlines(c, c->cnt_pos, pos);
	} else {
		c->cnt_line -= filter_count_newlines(c, pos, c->cnt_pos);
	}
	c->cnt_pos = pos;
	return c->cnt_line;
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

void
scan_emit_builtin(struct ctx *c, size_t pos, enum rule r, const char *value,
    size_t vn)
{
	emit(c, pos, &BUILTIN[r], value, vn, NULL);
}

/* Sets value[0..vn) aside under rule r: made up, for the reason why. */
void
scan_emit_dummy(struct ctx *c, size_t pos, enum rule r, const char *value,
    size_t vn, const char *why)
{
	emit(c, pos, &BUILTIN[r], value, vn, why);
}

/* Scans decoded bytes as a file of their own, reporting at pos. */
size_t
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
		size_t p = filter_next(&child, i, n);

		if (p >= n)
			break;
		i = scan_dispatch(&child, p);
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
char *
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
	scan_emit_builtin(c, p, kind == TOKEN_NPM ? R_NPM_TOKEN :
	    R_GITHUB_TOKEN, c->buf + p, TOKEN_LEN);
	return p + TOKEN_LEN;
}

/* ---- private keys, URL credentials, base64 tokens ---------------------- */

/* "-----BEGIN ... PRIVATE KEY-----" whose '-' before 'B' is at p. */
static size_t
decode_pem(struct ctx *c, size_t p)
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
		scan_emit_builtin(c, h, R_PRIVATE_KEY, body, nbody);
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
decode_url(struct ctx *c, size_t p)
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
		judge_report_or_aside(c, u, R_URL, b + u, un, why);
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
	judge_report_or_aside(c, colon + 1, R_URL, pw, pn, why);
	/* Anchors inside the userinfo (a token as password) are still seen. */
	return p + 3;
}

/* "bnBtX" at p: base64 of text starting with "npm_". */
static size_t
decode_b64token(struct ctx *c, size_t p)
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
		size_t q = filter_next(c, i, e);

		if (q >= e)
			break;
		i = at(c, q, "bnBtX") ? q + 5 : scan_dispatch(c, q);
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
	k = keys_kind(c->buf + iks, ike - iks);
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
		ind = keys_indent(c, ls, le);
		i = ls + ind;
		if (!at(c, i, "data:") || keys_skip_spaces(c, i + 5, le) <
		    le - (le > ls && c->buf[le - 1] == '\r')) {
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
			if (keys_blank_line(c, ls, le)) {
				ls = le + 1;
				continue;
			}
			ind = keys_indent(c, ls, le);
			if (ind <= dind)
				break;
			colon = ls + ind;
			while (colon < lend && c->buf[colon] != ':')
				colon++;
			if (colon < lend) {
				keys_value_extract(c, keys_skip_spaces(c,
				    colon + 1, lend), lend, &vs, &ve);
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
	i = keys_skip_spaces(c, i, de);
	if (i >= de || c->buf[i] != ':')
		return;
	i = keys_skip_spaces(c, i + 1, de);
	if (i >= de || c->buf[i] != '{')
		return;
	end = keys_match_close(c, i, de, '{', '}');
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
		i = keys_skip_spaces(c, i + 1, end);
		/*
		 * A JSON string ends on its line: an unterminated one must
		 * not mark the lines after it as judged Secret data.
		 */
		lend = line_end_from(c, i);
		keys_value_extract(c, i, lend < end ? lend : end, &vs, &ve);
		if (ve > vs)
			secret_entry(c, here, ks, ke, vs, ve);
		i = ve + 1;
	}
}

/* "Secr" at p: `kind: Secret` makes its document's data map base64. */
static size_t
decode_secret(struct ctx *c, size_t p)
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
decode_bunfig(struct ctx *c, size_t from, size_t to)
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
		i = keys_skip_spaces(c, ls, lend);
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
				if (keys_value_after_key(c, k + kn, lend,
				    false, &vs, &ve) &&
				    c->buf[keys_skip_spaces(c, k + kn, lend)] ==
				    '=')
					judge_value(c, K_BUNFIG, vs, ve);
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
		return c->text ? keys_at(c, p) : p + 1;
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
		return keys_at(c, p);
	case '-':
		return decode_pem(c, p);
	case ':':
		return decode_url(c, p);
	case 'b':
		return decode_b64token(c, p);
	case 's':
		return decode_secret(c, p);
	default:
		return p + 1;
	}
}

/* Handles the candidate at p; returns where to look next (past p). */
static size_t
scan_dispatch(struct ctx *c, size_t p)
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
		size_t p = filter_next(&c, i, w->to);

		if (p >= w->to)
			break;
		i = scan_dispatch(&c, p);
	}
	if (c.text && c.rc == 0 && is_bunfig(origin != NULL ? origin->path :
	    NULL))
		decode_bunfig(&c, w->from, w->to);
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
	return filter_count_newlines(&c, 0, len);
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
	filter_init(s->teddy_lo, s->teddy_hi);
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
