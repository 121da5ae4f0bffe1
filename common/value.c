/* value: reference, placeholder and literal judgement (RULES.md 3). */
#include "value.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "token.h"

static bool
has_prefix(const char *v, size_t n, const char *p)
{
	size_t pn = strlen(p);

	return n >= pn && memcmp(v, p, pn) == 0;
}

static bool
has_suffix(const char *v, size_t n, const char *s)
{
	size_t sn = strlen(s);

	return n >= sn && memcmp(v + n - sn, s, sn) == 0;
}

static bool
contains(const char *v, size_t n, const char *w)
{
	return memmem(v, n, w, strlen(w)) != NULL;
}

static bool
is_ident_char(unsigned char c)
{
	return token_is_base62(c) || c == '_';
}

/* NAME made of [A-Za-z0-9_], at least one character. */
static bool
is_ident(const char *v, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!is_ident_char((unsigned char)v[i]))
			return false;
	}
	return true;
}

/*
 * Reference prefixes that name a secret kept elsewhere: secret managers,
 * template and CI expression languages, Terraform and Ansible lookups.
 */
struct prefix {
	const char *s;
	size_t n;
};

#define PREFIX(lit) { lit, sizeof(lit) - 1 }

static const struct prefix REF_PREFIXES[] = {
	PREFIX("op://"), PREFIX("vault:"), PREFIX("arn:aws:"), PREFIX("ENC["),
	PREFIX("process.env."), PREFIX("var."), PREFIX("local."),
	PREFIX("data."), PREFIX("module."), PREFIX("secrets."), PREFIX("env."),
	PREFIX("vars."), PREFIX("inputs."), PREFIX("needs."), PREFIX("steps."),
	PREFIX("ref+"), PREFIX("sops:"), PREFIX("gcp:"), PREFIX("azure:"),
	PREFIX("awssm:"), PREFIX("ssm:"), PREFIX("akv:"), PREFIX("sm://"),
	PREFIX("projects/"), PREFIX("{{"), PREFIX("#{"), PREFIX("$"),
	PREFIX("`"), PREFIX("os.environ"), PREFIX("ENV["),
	PREFIX("System.getenv"), PREFIX("getenv"), PREFIX("{env:"),
	PREFIX("{secret:"),
};
bool
value_is_reference(const char *v, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < sizeof(REF_PREFIXES) / sizeof(*REF_PREFIXES);
	    i++) {
		const struct prefix *p = &REF_PREFIXES[i];

		if (n >= p->n && memcmp(v, p->s, p->n) == 0)
			return true;
	}
	/* A YAML tag: !vault, !Ref, !!str */
	if (v[0] == '!') {
		size_t i = n > 1 && v[1] == '!' ? 2 : 1;

		while (i < n && ((v[i] >= 'a' && v[i] <= 'z') ||
		    (v[i] >= 'A' && v[i] <= 'Z')))
			i++;
		if (i == n && n > 1)
			return true;
	}
	/* %NAME% (Windows), __NAME__ and @@NAME@@ (token replacement) */
	if (n >= 3 && v[0] == '%' && v[n - 1] == '%' &&
	    is_ident(v + 1, n - 2))
		return true;
	if (n >= 5 && has_prefix(v, n, "__") && has_suffix(v, n, "__"))
		return true;
	if (n >= 5 && has_prefix(v, n, "@@") && has_suffix(v, n, "@@"))
		return true;
	/* credentials('id'), lookup('env', 'X'): an expression */
	if (memchr(v, '(', n) != NULL)
		return true;
	return false;
}

static const char *const PLACEHOLDER_WORDS[] = {
	"your", "example", "placeholder", "changeme", "change_me",
	"change-me", "replace", "redacted", "dummy", "fake", "sample",
	"todo", "fixme", "insert", "secret_here", "token_here",
};

/* Values are compared in lower case over at most this many bytes. */
#define FOLD_MAX 1024

bool
value_is_placeholder(const char *v, size_t n)
{
	char low[FOLD_MAX];
	size_t ln = n < FOLD_MAX ? n : FOLD_MAX;
	unsigned char first, second = 0;
	bool two = false;
	const char *lt;

	lt = memchr(v, '<', n);
	if (lt != NULL && memchr(lt, '>', n - (size_t)(lt - v)) != NULL)
		return true;
	for (size_t i = 0; i < ln; i++)
		low[i] = (char)tolower((unsigned char)v[i]);
	if (contains(low, ln, "xxxx") || contains(v, n, "***") ||
	    contains(v, n, "...") || contains(v, n, "\xe2\x80\xa6"))
		return true;
	for (size_t i = 0;
	    i < sizeof(PLACEHOLDER_WORDS) / sizeof(*PLACEHOLDER_WORDS); i++) {
		if (contains(low, ln, PLACEHOLDER_WORDS[i]))
			return true;
	}
	/*
	 * An all-caps identifier names a variable: NPM_TOKEN, MYTOKEN,
	 * TOKEN2. Digits only at the end, so that random upper-case keys
	 * are not taken for names.
	 */
	if (n > 0 && v[0] >= 'A' && v[0] <= 'Z') {
		size_t i = 0;

		while (i < n && ((v[i] >= 'A' && v[i] <= 'Z') || v[i] == '_'))
			i++;
		while (i < n && v[i] >= '0' && v[i] <= '9')
			i++;
		if (i == n)
			return true;
	}
	/* Two or fewer distinct characters: 0000..., the nil UUID. */
	if (n == 0)
		return true;
	first = (unsigned char)v[0];
	for (size_t i = 1; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == first || (two && c == second))
			continue;
		if (two)
			return false;
		second = c;
		two = true;
	}
	return true;
}

static bool
is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

bool
value_is_uuid(const char *v, size_t n)
{
	if (n != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (v[i] != '-')
				return false;
		} else if (!is_hex((unsigned char)v[i])) {
			return false;
		}
	}
	return true;
}

static bool
is_github_pat(const char *v, size_t n)
{
	if (n != 11 + 22 + 1 + 59 || !has_prefix(v, n, "github_pat_"))
		return false;
	for (size_t i = 11; i < n; i++) {
		if (i == 33) {
			if (v[i] != '_')
				return false;
		} else if (!token_is_base62((unsigned char)v[i])) {
			return false;
		}
	}
	return true;
}

int
value_classes(const char *v, size_t n)
{
	int lower = 0, upper = 0, digit = 0, other = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c >= 'a' && c <= 'z')
			lower = 1;
		else if (c >= 'A' && c <= 'Z')
			upper = 1;
		else if (c >= '0' && c <= '9')
			digit = 1;
		else
			other = 1;
	}
	return lower + upper + digit + other;
}

/*
 * ${NAME...}: finds the operator after NAME. For a literal fallback
 * (":-", "-", ":=", "=") sets *fb and *fbn to it and returns true; for
 * any other form returns false (a plain reference).
 */
static bool
fallback_of(const char *v, size_t n, size_t *fb, size_t *fbn)
{
	size_t i = 2, depth = 1, start;

	while (i < n && is_ident_char((unsigned char)v[i]))
		i++;
	if (i == 2 || i >= n)
		return false;
	if (v[i] == ':' && i + 1 < n && (v[i + 1] == '-' || v[i + 1] == '='))
		i += 2;
	else if (v[i] == '-' || v[i] == '=')
		i += 1;
	else
		return false;
	start = i;
	for (; i < n; i++) {
		if (v[i] == '{')
			depth++;
		else if (v[i] == '}' && --depth == 0)
			break;
	}
	if (i >= n)
		return false;
	*fb = start;
	*fbn = i - start;
	return true;
}

enum value_class
value_classify(const char *v, size_t n, size_t *off, size_t *len)
{
	size_t fb, fbn;

	*off = 0;
	*len = n;
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	*len = n;
	if (n == 0)
		return VALUE_NONE;
	if (has_prefix(v, n, "${") && !has_prefix(v, n, "${{") &&
	    fallback_of(v, n, &fb, &fbn)) {
		enum value_class c;
		size_t o2, l2;

		c = value_classify(v + fb, fbn, &o2, &l2);
		*off = fb + o2;
		*len = l2;
		return c;
	}
	if (n == TOKEN_LEN && token_shape(v, n) != TOKEN_NONE)
		return VALUE_TOKEN;
	/* Nexus writes legacy tokens as NpmToken.<uuid> */
	if (n == 9 + 36 && memcmp(v, "NpmToken.", 9) == 0 &&
	    value_is_uuid(v + 9, 36)) {
		*off = 9;
		*len = 36;
		return VALUE_UUID;
	}
	if (value_is_reference(v, n) || value_is_placeholder(v, n))
		return VALUE_NONE;
	/*
	 * Tokens and keys hold no blanks; a value that does is prose that
	 * happens to follow a key name ("the _authToken= setting is ...").
	 */
	if (memchr(v, ' ', n) != NULL || memchr(v, '\t', n) != NULL)
		return VALUE_NONE;
	if (value_is_uuid(v, n))
		return VALUE_UUID;
	if (is_github_pat(v, n))
		return VALUE_GITHUB_PAT;
	if (n >= 16 && value_classes(v, n) >= 2)
		return VALUE_LITERAL;
	return VALUE_NONE;
}

static bool
is_ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    c == '$';
}

bool
value_is_member_access(const char *v, size_t n)
{
	size_t i = 0, parts = 0;

	if (has_prefix(v, n, "eyJ"))
		return false;
	while (i < n) {
		if (!is_ident_start((unsigned char)v[i]))
			return false;
		while (i < n && (is_ident_char((unsigned char)v[i]) ||
		    v[i] == '$'))
			i++;
		parts++;
		if (i == n)
			break;
		if (v[i] != '.' || i + 1 == n)
			return false;
		i++;
	}
	return parts >= 2;
}

/* h ends with suffix, at a label boundary or whole. */
static bool
domain_is(const char *h, size_t n, const char *suffix)
{
	size_t sn = strlen(suffix);

	if (n < sn || strncasecmp(h + n - sn, suffix, sn) != 0)
		return false;
	return n == sn || h[n - sn - 1] == '.';
}

bool
value_host_is_example(const char *h, size_t n)
{
	if (n > 0 && h[n - 1] == '.')
		n--;
	return domain_is(h, n, "example.com") ||
	    domain_is(h, n, "example.org") ||
	    domain_is(h, n, "example.net") ||
	    (n > 8 && domain_is(h, n, "example")) ||
	    (n > 5 && domain_is(h, n, "test")) ||
	    (n > 8 && domain_is(h, n, "invalid"));
}

bool
value_word_in(const char *w, size_t n, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++) {
		if (strlen(list[i]) == n && strncasecmp(w, list[i], n) == 0)
			return true;
	}
	return false;
}

static const char *const LOGIN_WORDS[] = {
	"user", "username", "password", "pass", "passwd", "pwd", "secret",
	"login", "name", "foo", "bar", "test", "admin", "token", "me", NULL
};

bool
value_is_real_login(const char *v, size_t n)
{
	const char *colon = memchr(v, ':', n);
	const char *pw;
	size_t pn;

	if (colon == NULL)
		return false;
	pw = colon + 1;
	pn = n - (size_t)(pw - v);
	if (pn == 0 || value_word_in(pw, pn, LOGIN_WORDS))
		return false;
	if (value_is_reference(pw, pn) || value_is_placeholder(pw, pn))
		return false;
	return true;
}
