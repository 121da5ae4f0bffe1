/*
 * judge: judging the value given to a credential key (RULES.md 3 and
 * 3.1): references, placeholders and ciphertext are passed over; a
 * literal is reported, or set aside as made up (common/guess.c) with
 * the reason; base64 values are decoded and scanned again.
 */
#include <stdlib.h>
#include <string.h>

#include "guess.h"
#include "scanctx.h"
#include "value.h"

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
	size_t ls = c->ln.ls, ind = keys_indent(c, c->ln.ls, c->ln.le);
	size_t lo = ls > LOOKBACK_MAX ? ls - LOOKBACK_MAX : 0;
	int depth = 0;

	if (lo < c->start)
		lo = c->start;
	/* YAML: the nearest line above with less indentation */
	while (ind > 0 && ls > lo) {
		size_t pe = ls - 1, ps = line_start_before(c, lo, pe);
		size_t pind = keys_indent(c, ps, pe);

		if (!keys_blank_line(c, ps, pe) && pind < ind) {
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
void
judge_report_or_aside(struct ctx *c, size_t pos, enum rule r, const char *value,
    size_t n, const char *why)
{
	if (why != NULL)
		scan_emit_dummy(c, pos, r, value, n, why);
	else
		scan_emit_builtin(c, pos, r, value, n);
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
		/* A value set aside hides no token in it (RULES.md 1.1). */
		if (why == NULL)
			claim(c, vs, ve);
		judge_report_or_aside(c, vs, keys_rule(k), v, n, why);
	}
	free(dec);
}

/*
 * Judges the value [vs, ve) of a key of kind k and reports it (section
 * 3), decoding base64 values and scanning what they hold (section 4).
 * Literals are judged by their slot (section 3.1).
 */
void
judge_value(struct ctx *c, enum key_kind k, size_t vs, size_t ve)
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
		if (!c->example_host)
			claim(c, vs, ve);
		if (!in_cipher_container(c, vs))
			judge_report_or_aside(c, vs + off, R_LEGACY, v + off,
			    len, c->example_host ? WHY_HOST : NULL);
		return;
	case VALUE_GITHUB_PAT:
		if (!c->example_host)
			claim(c, vs, ve);
		if (!in_cipher_container(c, vs))
			judge_report_or_aside(c, vs + off, R_GITHUB_TOKEN,
			    v + off, len, c->example_host ? WHY_HOST : NULL);
		return;
	case VALUE_LITERAL:
		break;
	}
	cipher = in_cipher_container(c, vs);
	dec = all_b64(v + off, len) ? decode_text(v + off, len, &dn) : NULL;
	if (dec != NULL && c->depth < DEPTH_MAX) {
		size_t o2, l2;

		if (!cipher)
			claim(c, vs, ve);
		/* A base64 value: what it holds decides (section 4). */
		if (scan_child(c, vs + off, dec, dn, true) == 0) {
			cls = value_classify(dec, dn, &o2, &l2);
			if (!cipher && cls == VALUE_UUID)
				judge_report_or_aside(c, vs + off, R_LEGACY,
				    dec + o2, l2, c->example_host ?
				    WHY_HOST : NULL);
			else if (!cipher && (cls == VALUE_LITERAL ||
			    cls == VALUE_GITHUB_PAT))
				judge_report_or_aside(c, vs + off, keys_rule(k),
				    dec + o2, l2, cls == VALUE_LITERAL ?
				    made_up(c, k, dec + o2, l2) :
				    c->example_host ? WHY_HOST : NULL);
		}
		free(dec);
		return;
	}
	free(dec);
	if (!cipher) {
		const char *why = made_up(c, k, v + off, len);

		/* A value set aside hides no token in it (RULES.md 1.1). */
		if (why == NULL)
			claim(c, vs, ve);
		judge_report_or_aside(c, vs + off, keys_rule(k), v + off, len,
		    why);
	}
}

/* Judges a value on another line than the current one. */
void
judge_elsewhere(struct ctx *c, enum key_kind k, size_t vs, size_t ve)
{
	struct line saved = c->ln;

	line_enter(c, vs);
	judge_value(c, k, vs, ve);
	c->ln = saved;
}
