/* strbuf: a growing string whose out-of-memory is checked once. */
#include "strbuf.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

void
strbuf_add(struct strbuf *b, const char *s, size_t n)
{
	size_t cap;
	char *np;

	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap != 0 ? b->cap : 128;
		while (cap < b->len + n + 1)
			cap *= 2;
		np = realloc(b->p, cap);
		if (np == NULL) {
			b->failed = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
strbuf_puts(struct strbuf *b, const char *s)
{
	strbuf_add(b, s, strlen(s));
}

char *
strbuf_join3(const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *s = malloc(la + lb + lc + 1);

	if (s == NULL)
		return NULL;
	memcpy(s, a, la);
	memcpy(s + la, b, lb);
	memcpy(s + la + lb, c, lc + 1);
	return s;
}

void
strbuf_cut(struct strbuf *b, size_t len)
{
	assert(len <= b->len);
	b->len = len;
	if (b->p != NULL)
		b->p[len] = '\0';
}
