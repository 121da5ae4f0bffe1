/*
 * strbuf: a growing NUL-terminated string for building messages and
 * payloads. Appends do not fail one by one: running out of memory sets
 * failed, later appends do nothing, and the builder checks once at the
 * end. p is NULL until something is appended; the owner frees it, also
 * after a failure.
 */
#ifndef TOKENGUARD_STRBUF_H
#define TOKENGUARD_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *p;
	size_t len, cap;
	bool failed;
};

/* Appends s[0..n). */
void strbuf_add(struct strbuf *b, const char *s, size_t n);

/* Appends the string s. */
void strbuf_puts(struct strbuf *b, const char *s);

/* a + b + c, malloc'd (the caller frees it); NULL when out of memory. */
char *strbuf_join3(const char *a, const char *b, const char *c);

/* Cuts the string back to its first len bytes (len <= b->len). */
void strbuf_cut(struct strbuf *b, size_t len);

#endif
