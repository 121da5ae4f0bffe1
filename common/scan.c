/*
 * scan: the detection engine of RULES.md, and its driver.
 *
 * One pass over the bytes finds anchors (npm, _auth, _pass, gh?_, BEGIN,
 * ://, bnBtX, Secret) with a vectorised pair filter (filter.c); only the
 * places it finds are looked at further, so clean text runs at memory
 * speed. Each anchor has a handler: checksummed tokens (here),
 * credential keys and their values (keys.c, judged in judge.c), private
 * keys, URL credentials, base64 tokens, and Kubernetes Secret data maps
 * (decode.c). Work per line is capped; token checks are not.
 *
 * This file owns the public API of scan.h (set-up, scanner_scan()), the
 * pass and its dispatch to the handlers, the current line and its
 * claims, the findings emitted, and the user rules (PCRE2).
 */
#include "scan.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
	/*
	 * A value set aside is no finding: what is done with a value that
	 * gave one (Secret data, decoded text) is not done with it.
	 */
	if (dummy == NULL)
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
size_t
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
	s->simd = filter_simd_level();
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
