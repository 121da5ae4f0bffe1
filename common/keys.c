/*
 * keys: credential keys (RULES.md section 2). Which identifiers are
 * credential keys (keys_kind()), and where the value given to one is: on
 * the key's line (quoted, unquoted, a reference), in a YAML block
 * scalar, after `- name: NPM_TOKEN` as `value:`, in a Terraform
 * variable's default, in XML. Values found go to judge.c.
 */
#include <stdint.h>
#include <string.h>

#include "scanctx.h"
#include "value.h"

/* Bytes that end an unquoted value. */
static const bool VALUE_STOP[256] = {
	[' '] = true, ['\t'] = true, ['\r'] = true, ['\n'] = true,
	[','] = true, [';'] = true, ['}'] = true, [']'] = true, [')'] = true,
	['"'] = true, ['\''] = true, ['`'] = true, ['<'] = true,
	['\\'] = true, ['&'] = true,
};

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

static inline bool
ends_with_ci(const char *id, size_t n, const char *suffix)
{
	size_t sn = strlen(suffix);

	return n >= sn && ascii_ncaseeq(id + n - sn, suffix, sn);
}

static inline bool
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
enum key_kind
keys_kind(const char *id, size_t n)
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

enum rule
keys_rule(enum key_kind k)
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
size_t
keys_indent(const struct ctx *c, size_t ls, size_t le)
{
	size_t i = ls;

	while (i < le && (is_space((unsigned char)c->buf[i]) ||
	    (c->buf[i] == '-' && i + 1 < le && c->buf[i + 1] == ' ')))
		i++;
	return i - ls;
}

bool
keys_blank_line(const struct ctx *c, size_t ls, size_t le)
{
	for (size_t i = ls; i < le; i++) {
		if (!is_space((unsigned char)c->buf[i]) && c->buf[i] != '\r')
			return false;
	}
	return true;
}

/* Finds the end of a bracketed reference starting at p, within lim. */
size_t
keys_match_close(const struct ctx *c, size_t p, size_t lim, char open,
    char close)
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
void
keys_value_extract(const struct ctx *c, size_t j, size_t lim, size_t *vs,
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
		*ve = keys_match_close(c, j + 1, lim, '{', '}');
		return;
	}
	if (at(c, j, "$(")) {
		*ve = keys_match_close(c, j + 1, lim, '(', ')');
		return;
	}
	for (i = j; i < lim; i++) {
		if (VALUE_STOP[(unsigned char)b[i]])
			break;
	}
	*ve = i;
}

/* Skips spaces from i on, up to lim. */
size_t
keys_skip_spaces(const struct ctx *c, size_t i, size_t lim)
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
	ns = keys_skip_spaces(c, ns, ne);
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
bool
keys_value_after_key(const struct ctx *c, size_t j, size_t lend, bool ws_ok,
    size_t *vs, size_t *ve)
{
	const char *b = c->buf;
	size_t k;

	while (j < lend && (b[j] == '"' || b[j] == '\'' || (b[j] == '\\' &&
	    j + 1 < lend && b[j + 1] == '"')))
		j += b[j] == '\\' ? 2 : 1;
	k = keys_skip_spaces(c, j, lend);
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
	k = keys_skip_spaces(c, k, lend);
	keys_value_extract(c, k, lend, vs, ve);
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
	first = keys_skip_spaces(c, ls, ks);
	if (i == first)
		return true;
	if (first + 4 <= ks && (at_ci(c, first, "ENV ") ||
	    at_ci(c, first, "ARG ") || at(c, first, "set ")))
		return keys_skip_spaces(c, first + 4, ks) == i;
	if (first + 5 <= ks && (at(c, first, "setx ") ||
	    at(c, first, "export")))
		return keys_skip_spaces(c, first + 6, ks) == i ||
		    keys_skip_spaces(c, first + 5, ks) == i;
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
	if (vk != 0 && keys_value_after_key(c, vk, lend, false, &vs, &ve)) {
		judge_value(c, k, vs, ve);
		return;
	}
	for (int i = 0; i < NAMEVALUE_LINES; i++) {
		if (!next_line(c, le, &ls, &lend))
			return;
		le = line_end_from(c, ls);
		/* An empty last line ends at the buffer's end: read nothing. */
		if (keys_skip_spaces(c, ls, lend) < lend &&
		    c->buf[keys_skip_spaces(c, ls, lend)] == '-')
			return;		/* the next list item */
		vk = find_value_key(c, ls, lend);
		if (vk == 0)
			continue;
		if (keys_value_after_key(c, vk, lend, false, &vs, &ve))
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
	i = keys_skip_spaces(c, ls, ks);
	return at(c, i, "variable") && keys_skip_spaces(c, i + 8, ks) == ks - 1;
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
			    c->buf[d - 1])) && keys_value_after_key(c, d + 7,
			    lend, false, &vs, &ve)) {
				judge_elsewhere(c, k, vs, ve);
				return;
			}
		}
		if (i > 0 && keys_skip_spaces(c, ls, lend) < lend &&
		    c->buf[keys_skip_spaces(c, ls, lend)] == '}')
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
size_t
keys_at(struct ctx *c, size_t p)
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
	k = keys_kind(b + ks, ke - ks);
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
			scan_emit_builtin(c, ke + 1, R_LEGACY, b + ke + 1, 36);
		}
		return ke + 37;
	}
	/* ${NPM_TOKEN:-fallback}: a reference with a literal fallback */
	if (prev == '{' && ks >= c->ln.ls + 2 && b[ks - 2] == '$') {
		size_t end = keys_match_close(c, ks - 1, lend, '{', '}');

		judge_value(c, k, ks - 2, end);
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

			judge_value(c, k, ke + 1, lt != NULL ?
			    (size_t)(lt - b) : lend);
		}
		return ke;
	}
	if (!keys_value_after_key(c, ke, lend, ws_separator_ok(c, c->ln.ls, ks),
	    &vs, &ve) || is_done(c, vs, ve) ||
	    identifier_after_quoted_key(c, ke, vs, ve))
		return ke;
	if (ve - vs == 1 && b[vs] == '{')
		/* an object: its "value" member (Terraform state outputs) */
		name_value(c, k, vs + 1);
	else if (vs <= c->ln.le)
		judge_value(c, k, vs, ve);
	else
		judge_elsewhere(c, k, vs, ve);
	return ke;
}
