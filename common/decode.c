/*
 * decode: the anchors whose secret must be decoded or taken apart:
 * private keys (PEM), credentials in URLs, base64 of npm tokens, the
 * base64 data of Kubernetes Secrets, and the [install] tables of
 * bunfig.toml; and the base64 decoding of values to text that the
 * engine scans again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guess.h"
#include "scanctx.h"
#include "utf8.h"
#include "value.h"

/* Bytes that end the userinfo of a URL ('@' ends it on purpose). */
static const bool USERINFO_STOP[256] = {
	['@'] = true, ['/'] = true, ['?'] = true, ['#'] = true, [' '] = true,
	['\t'] = true, ['\r'] = true, ['\n'] = true, ['"'] = true,
	['\''] = true, ['<'] = true, ['>'] = true, ['`'] = true,
	['\\'] = true,
};

/*
 * Printable text, as decoded base64 must be to be scanned as text: valid
 * UTF-8 without control characters other than tab, CR and LF.
 */
static bool
is_text(const unsigned char *p, size_t n)
{
	size_t i = 0, k;

	if (n == 0)
		return false;
	while (i < n) {
		unsigned char ch = p[i];

		if (ch < 0x80) {
			if ((ch < 0x20 && ch != '\n' && ch != '\r' &&
			    ch != '\t') || ch == 0x7f)
				return false;
			i++;
			continue;
		}
		k = utf8_len(p + i, n - i);
		if (k == 0)
			return false;
		i += k;
	}
	return true;
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

/* ---- private keys, URL credentials, base64 tokens ---------------------- */

/* "-----BEGIN ... PRIVATE KEY-----" whose '-' before 'B' is at p. */
size_t
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
size_t
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
		if (why == NULL)
			claim(c, u, colon);
		judge_report_or_aside(c, u, R_URL, b + u, un, why);
		return p + 3;
	}
	if (!url_secret_ok(pw, pn, 8) || value_is_reference(b + u, un))
		return p + 3;
	if (value_word_in(b + u, un, TOKEN_USERS))
		why = guess_token_made_up(pw, pn) ? WHY_TOKEN : NULL;
	else
		why = guess_login_made_up(b + u, un, pw, pn) ? WHY_PASSWORD :
		    NULL;
	if (example)
		why = WHY_HOST;
	/* A value set aside hides no token in it (RULES.md 1.1). */
	if (why == NULL)
		claim(c, colon + 1, at_sign);
	judge_report_or_aside(c, colon + 1, R_URL, pw, pn, why);
	/* Anchors inside the userinfo (a token as password) are still seen. */
	return p + 3;
}

/* "bnBtX" at p: base64 of text starting with "npm_". */
size_t
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

/*
 * The start of the JSON object that holds position p: the '{' not
 * closed before p, looking back no further than lo. Braces inside
 * strings are counted too: they come balanced in what kubectl and its
 * kin write (an annotation holding JSON), so the depth comes out right.
 */
static bool
json_object_start(const struct ctx *c, size_t p, size_t lo, size_t *os)
{
	size_t depth = 0;

	for (size_t j = p; j > lo; j--) {
		char ch = c->buf[j - 1];

		if (ch == '}') {
			depth++;
		} else if (ch == '{') {
			if (depth == 0) {
				*os = j - 1;
				return true;
			}
			depth--;
		}
	}
	return false;
}

/* Spaces at the start of the line [ls, le) (no "- " counted). */
static size_t
yaml_spaces(const struct ctx *c, size_t ls, size_t le)
{
	size_t i = ls;

	while (i < le && c->buf[i] == ' ')
		i++;
	return i - ls;
}

/* Whether the line [ls, le) starts a list item whose first key is at kc. */
static bool
yaml_item_start(const struct ctx *c, size_t ls, size_t le, size_t kc)
{
	return kc >= 2 && keys_indent(c, ls, le) == kc &&
	    c->buf[ls + kc - 2] == '-';
}

/*
 * The YAML mapping whose key at i is `kind`, when it is an item of a
 * list or a nested mapping (`kubectl get secrets -o yaml` prints a List
 * of Secrets, each an item "- apiVersion: v1 ... kind: Secret"): the
 * lines from the item's "- " line, or the first line of the mapping, to
 * the first line indented less than its keys, in [*ds, *de). False for
 * a mapping at the top of its document, or a key not first on its line.
 */
static bool
yaml_mapping_bounds(const struct ctx *c, size_t i, size_t lo, size_t hi,
    size_t *ds, size_t *de)
{
	size_t ls = line_start_before(c, lo, i), le = line_end_from(c, i);
	size_t kc = keys_indent(c, ls, le), s = ls, se = le, e;

	if (kc == 0 || ls + kc != i)
		return false;
	/* Back to the item's "- " line, or the first line at this depth. */
	while (!yaml_item_start(c, s, se, kc) && s > lo) {
		size_t ps = line_start_before(c, lo, s - 1), pe = s - 1;

		if (!keys_blank_line(c, ps, pe) && (at(c, ps, "---") ||
		    (yaml_spaces(c, ps, pe) < kc &&
		    !yaml_item_start(c, ps, pe, kc))))
			break;
		s = ps;
		se = pe;
	}
	/* On to the first line indented less than the keys. */
	for (e = le + 1; e < hi;) {
		size_t ne = line_end_from(c, e);

		if (!keys_blank_line(c, e, ne) && yaml_spaces(c, e, ne) < kc)
			break;
		e = ne + 1;
	}
	*ds = s;
	*de = e < hi ? e : hi;
	return true;
}

/*
 * "Secr" at p: `kind: Secret` makes its object's (JSON), mapping's or
 * document's (YAML) data map base64. The JSON object is found by its
 * braces and a nested YAML mapping by its indentation, so that a list
 * of many Secrets (`kubectl get secrets -o json` or `-o yaml`) costs
 * each one its own size, not a search over a megabyte around it.
 */
size_t
decode_secret(struct ctx *c, size_t p)
{
	const char *b = c->buf;
	size_t i = p, ds, de, lo, hi;
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
	hi = c->len - p < DECODE_MAX ? c->len : p + DECODE_MAX;
	if (i >= 5 && b[i - 5] == '"') {
		if (json_object_start(c, i - 5, lo, &ds))
			secret_json_data(c, p, ds, keys_match_close(c, ds, hi,
			    '{', '}'));
		return p + 6;
	}
	if (yaml_mapping_bounds(c, i - 4, lo, hi, &ds, &de)) {
		secret_yaml_data(c, p, ds, de);
		return p + 6;
	}
	ds = lo;
	for (size_t j = p; j > lo; j--) {
		if (b[j - 1] == '\n' && at(c, j, "---")) {
			ds = j + 3;
			break;
		}
	}
	q = memmem(b + p, hi - p, "\n---", 4);
	de = q != NULL ? (size_t)(q - b) : hi;
	secret_yaml_data(c, p, ds, de);
	return p + 6;
}

/* ---- bunfig.toml ------------------------------------------------------- */

/*
 * Judges the token and password keys of the [install] tables on the
 * lines that start in [from, to); the lines before are read for the
 * table headers only (a window's context holds them).
 */
void
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
