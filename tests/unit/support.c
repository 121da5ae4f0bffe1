/*
 * support: helpers shared by the unit tests: run-time tokens and the
 * placeholders that name them, base64 for test inputs, configs, scratch
 * files.
 */
#include "support.h"

#include <assert.h>
#include <ftw.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "token.h"

static const char B62[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
static const char B64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

struct placeholder {
	const char *name;
	char *value;
};

static struct placeholder placeholders[48];
static size_t nplaceholders;
static pthread_once_t placeholders_once = PTHREAD_ONCE_INIT;

static void *
xmalloc(size_t n)
{
	void *p = malloc(n == 0 ? 1 : n);

	if (p == NULL) {
		fprintf(stderr, "support: out of memory\n");
		abort();
	}
	return p;
}

static char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = xmalloc(n);

	memcpy(p, s, n);
	return p;
}

uint64_t
support_random(uint64_t *state)
{
	uint64_t z;

	*state += 0x9e3779b97f4a7c15ULL;
	z = *state;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

char *
support_base64(const void *p, size_t len)
{
	const unsigned char *in = p;
	char *out = xmalloc((len + 2) / 3 * 4 + 1);
	size_t i, n = 0;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];

		out[n++] = B64[v >> 18 & 63];
		out[n++] = B64[v >> 12 & 63];
		out[n++] = B64[v >> 6 & 63];
		out[n++] = B64[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;

		out[n++] = B64[v >> 18 & 63];
		out[n++] = B64[v >> 12 & 63];
		out[n++] = '=';
		out[n++] = '=';
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;

		out[n++] = B64[v >> 18 & 63];
		out[n++] = B64[v >> 12 & 63];
		out[n++] = B64[v >> 6 & 63];
		out[n++] = '=';
	}
	out[n] = '\0';
	return out;
}

static void
add(const char *name, char *value)
{
	assert(nplaceholders < sizeof(placeholders) / sizeof(placeholders[0]));
	placeholders[nplaceholders].name = name;
	placeholders[nplaceholders].value = value;
	nplaceholders++;
}

static char *
make_token(const char *prefix, uint64_t seed)
{
	char *t = xmalloc(TOKEN_LEN + 1);

	token_generate(t, prefix, seed);
	return t;
}

static char *
make_base62(const char *prefix, size_t n, uint64_t seed)
{
	size_t plen = strlen(prefix);
	char *s = xmalloc(plen + n + 1);
	uint64_t state = seed;

	memcpy(s, prefix, plen);
	for (size_t i = 0; i < n; i++)
		s[plen + i] = B62[support_random(&state) % 62];
	s[plen + n] = '\0';
	return s;
}

/*
 * Five 64-column lines of base64 over a real DER (or OpenSSH) header and
 * pseudo-random bytes: looks like a key, is none.
 */
static char *
make_pem_body(const unsigned char *head, size_t headlen, uint64_t seed,
    const char *sep)
{
	unsigned char raw[240];
	uint64_t state = seed;
	size_t seplen = strlen(sep);
	char *b64, *out;
	size_t n = 0;

	memcpy(raw, head, headlen);
	for (size_t i = headlen; i < sizeof(raw); i++)
		raw[i] = (unsigned char)support_random(&state);
	b64 = support_base64(raw, sizeof(raw));	/* 320 characters */
	out = xmalloc(320 + 4 * seplen + 1);
	for (size_t line = 0; line < 5; line++) {
		if (line > 0) {
			memcpy(out + n, sep, seplen);
			n += seplen;
		}
		memcpy(out + n, b64 + 64 * line, 64);
		n += 64;
	}
	out[n] = '\0';
	free(b64);
	return out;
}

static char *
make_pem_line(const char *what, const char *kind)
{
	char buf[128];

	/* Assembled so that no source line reads like a key's BEGIN line. */
	(void)snprintf(buf, sizeof(buf), "-----%s %s%s-----", what, kind,
	    "PRIVATE KEY");
	return xstrdup(buf);
}

static void
init_placeholders(void)
{
	static const unsigned char rsa_head[] = {
		0x30, 0x82, 0x04, 0xa4, 0x02, 0x01, 0x00, 0x02, 0x82, 0x01,
		0x01, 0x00,
	};
	static const unsigned char pk_head[] = {
		0x30, 0x82, 0x04, 0xbe, 0x02, 0x01, 0x00, 0x30, 0x0d, 0x06,
		0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
		0x05, 0x00, 0x04, 0x82, 0x04, 0xa8,
	};
	static const unsigned char ssh_head[] =
	    "openssh-key-v1\0\0\0\0\4none\0\0\0\4none\0\0\0\0\0\0\0\1";
	char *t, *body, *inline_key;
	size_t n;

	add("NPM", make_token("npm_", 1));
	add("NPM2", make_token("npm_", 2));
	add("NPM3", make_token("npm_", 3));
	add("GHP", make_token("ghp_", 1));
	add("GHO", make_token("gho_", 1));
	add("GHU", make_token("ghu_", 1));
	add("GHS", make_token("ghs_", 1));
	add("GHR", make_token("ghr_", 1));

	t = make_token("npm_", 4);
	t[TOKEN_LEN - 1] = t[TOKEN_LEN - 1] == 'A' ? 'B' : 'A';
	add("BAD", t);
	t = make_token("npm_", 5);
	t[4 + TOKEN_BODY] = '9';
	add("BADPRE", t);
	t = make_token("ghp_", 2);
	t[TOKEN_LEN - 1] = t[TOKEN_LEN - 1] == 'A' ? 'B' : 'A';
	add("BADGHP", t);
	add("GHA", make_base62("gha_", 36, 7));

	t = make_base62("github_pat_", 22, 8);
	body = make_base62("_", 59, 9);
	n = strlen(t);
	inline_key = xmalloc(n + strlen(body) + 1);
	memcpy(inline_key, t, n);
	memcpy(inline_key + n, body, strlen(body) + 1);
	free(t);
	free(body);
	add("GHPAT", inline_key);

	add("B64NPM", support_base64(placeholders[0].value, TOKEN_LEN));

	add("PEM_BEGIN_RSA", make_pem_line("BEGIN", "RSA "));
	add("PEM_END_RSA", make_pem_line("END", "RSA "));
	add("PEM_BEGIN_PK", make_pem_line("BEGIN", ""));
	add("PEM_END_PK", make_pem_line("END", ""));
	add("PEM_BEGIN_EC", make_pem_line("BEGIN", "EC "));
	add("PEM_END_EC", make_pem_line("END", "EC "));
	add("PEM_BEGIN_SSH", make_pem_line("BEGIN", "OPENSSH "));
	add("PEM_END_SSH", make_pem_line("END", "OPENSSH "));
	add("PEM_BEGIN_ENC", make_pem_line("BEGIN", "ENCRYPTED "));
	add("PEM_END_ENC", make_pem_line("END", "ENCRYPTED "));
	add("PEM_BODY_RSA", make_pem_body(rsa_head, sizeof(rsa_head), 11,
	    "\n"));
	add("PEM_BODY_PK", make_pem_body(pk_head, sizeof(pk_head), 12, "\n"));
	add("PEM_BODY_PK4", make_pem_body(pk_head, sizeof(pk_head), 15,
	    "\n    "));
	add("PEM_BODY_SSH", make_pem_body(ssh_head, sizeof(ssh_head) - 1, 13,
	    "\n"));

	/* BEGIN line, \n, body lines joined by \n, \n, END line */
	body = make_pem_body(pk_head, sizeof(pk_head), 14, "\\n");
	t = make_pem_line("BEGIN", "");
	n = strlen(t) + 2 + strlen(body) + 2 + strlen(t) + 1;
	inline_key = xmalloc(n);
	(void)snprintf(inline_key, n, "%s\\n%s\\n", t, body);
	free(t);
	t = make_pem_line("END", "");
	memcpy(inline_key + strlen(inline_key), t, strlen(t) + 1);
	free(t);
	free(body);
	add("PEM_INLINE", inline_key);

	add("BOM", xstrdup("\xef\xbb\xbf"));
}

const char *
support_placeholder(const char *name)
{
	(void)pthread_once(&placeholders_once, init_placeholders);
	for (size_t i = 0; i < nplaceholders; i++) {
		if (strcmp(placeholders[i].name, name) == 0)
			return placeholders[i].value;
	}
	return NULL;
}

struct buf {
	char *p;
	size_t len, cap;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap == 0 ? 256 : b->cap;
		char *p;

		while (b->len + n + 1 > cap)
			cap *= 2;
		p = realloc(b->p, cap);
		if (p == NULL) {
			fprintf(stderr, "support: out of memory\n");
			abort();
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static bool
is_name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static void
expand(struct buf *b, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		const char *end;
		size_t j;

		if (s[i] != '@') {
			buf_add(b, s + i, 1);
			i++;
			continue;
		}
		if (len - i > 5 && memcmp(s + i, "@B64{", 5) == 0) {
			end = memmem(s + i + 5, len - i - 5, "}@", 2);
			if (end != NULL) {
				struct buf inner = { 0 };
				char *enc;

				expand(&inner, s + i + 5,
				    (size_t)(end - (s + i + 5)));
				enc = support_base64(inner.p == NULL ? "" :
				    inner.p, inner.len);
				buf_add(b, enc, strlen(enc));
				free(enc);
				free(inner.p);
				i = (size_t)(end - s) + 2;
				continue;
			}
		}
		for (j = i + 1; j < len && is_name_char(s[j]); j++)
			;
		if (j > i + 1 && j < len && s[j] == '@') {
			char name[32];
			size_t n = j - i - 1;
			const char *v = NULL;

			if (n < sizeof(name)) {
				memcpy(name, s + i + 1, n);
				name[n] = '\0';
				if (strcmp(name, "NUL") == 0) {
					buf_add(b, "", 1);
					i = j + 1;
					continue;
				}
				v = support_placeholder(name);
			}
			if (v != NULL) {
				buf_add(b, v, strlen(v));
				i = j + 1;
				continue;
			}
		}
		buf_add(b, "@", 1);
		i++;
	}
}

void
support_expand(struct support_text *out, const char *tmpl)
{
	struct buf b = { 0 };

	(void)pthread_once(&placeholders_once, init_placeholders);
	expand(&b, tmpl, strlen(tmpl));
	if (b.p == NULL)
		buf_add(&b, "", 0);
	out->buf = b.p;
	out->len = b.len;
}

void
support_text_release(struct support_text *t)
{
	free(t->buf);
	t->buf = NULL;
	t->len = 0;
}

void
support_config(struct config *c, unsigned flags)
{
	config_init(c);
	if ((flags & SUPPORT_NO_CHECKSUM) != 0)
		c->checksum = false;
	if ((flags & SUPPORT_NO_INLINE) != 0)
		c->inline_allow = false;
}

void
support_config_rule(struct config *c, const char *id, const char *pattern,
    const char *description, const char *const *keywords)
{
	struct user_rule *rules, *r;
	size_t n = 0;

	rules = realloc(c->rules, (c->nrules + 1) * sizeof(*rules));
	if (rules == NULL) {
		fprintf(stderr, "support: out of memory\n");
		abort();
	}
	c->rules = rules;
	r = &rules[c->nrules];
	memset(r, 0, sizeof(*r));
	r->id = xstrdup(id);
	r->pattern = xstrdup(pattern);
	r->description = description == NULL ? NULL : xstrdup(description);
	while (keywords != NULL && keywords[n] != NULL)
		n++;
	if (n > 0) {
		r->keywords = xmalloc(n * sizeof(*r->keywords));
		for (size_t i = 0; i < n; i++)
			r->keywords[i] = xstrdup(keywords[i]);
	}
	r->nkeywords = n;
	c->nrules++;
}

void
support_print_escaped(const char *prefix, const char *text, size_t len)
{
	char out[1024];
	size_t n = 0;

	for (size_t i = 0; i < len && n + 8 < sizeof(out); i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == '\n') {
			out[n++] = '\\';
			out[n++] = 'n';
		} else if (c == '\r') {
			out[n++] = '\\';
			out[n++] = 'r';
		} else if (c == '\t') {
			out[n++] = '\\';
			out[n++] = 't';
		} else if (c < 0x20 || c == 0x7f) {
			n += (size_t)snprintf(out + n, sizeof(out) - n,
			    "\\x%02x", c);
		} else {
			out[n++] = (char)c;
		}
	}
	out[n] = '\0';
	print_error("%s%s%s\n", prefix, out, n + 8 >= sizeof(out) ? "..." :
	    "");
}

void
support_path(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);

	assert_true(n > 0 && (size_t)n < size);
}

void
support_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

static int
remove_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
support_remove_tree(const char *path)
{
	return nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}
