/*
 * support: helpers shared by the unit tests. Tokens are made at run time
 * (token_generate()), so that no source file holds a checksum-valid
 * token; test texts name them with placeholders that support_expand()
 * replaces.
 *
 * Placeholders, written @NAME@ in a template:
 *   NPM NPM2 NPM3          valid npm tokens (seeds 1, 2, 3)
 *   GHP GHO GHU GHS GHR    valid GitHub tokens (seed 1)
 *   BAD                    npm token shape, checksum wrong (last char)
 *   BADPRE                 npm token shape, checksum starts with '9'
 *                          (fails the 0-4 pre-check)
 *   BADGHP                 ghp_ shape, checksum wrong
 *   GHA                    "gha_" and 36 base62: not a token prefix
 *   GHPAT                  github_pat_ + 22 + _ + 59 (no checksum)
 *   B64NPM                 base64 of NPM
 *   PEM_BEGIN_RSA ..._PK ..._EC ..._SSH ..._ENC, PEM_END_* likewise:
 *                          the BEGIN/END lines of private keys
 *   PEM_BODY_RSA ..._PK ..._SSH: five lines of realistic base64 body
 *   PEM_BODY_PK4           the same, lines after the first indented by 4
 *   PEM_INLINE             a PKCS#8 key on one line, "\n" escaped as
 *                          backslash-n, BEGIN to END
 *   NUL                    one NUL byte
 *   BOM                    the UTF-8 byte order mark
 * and @B64{text}@: base64 of text, itself expanded first (text may not
 * contain "}@").
 * An '@' that does not start a known placeholder is copied as it is
 * ("user:pw@host", "@@NAME@@").
 */
#ifndef TOKENGUARD_TEST_SUPPORT_H
#define TOKENGUARD_TEST_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* A byte string (may hold NULs), NUL-terminated for convenience. */
struct support_text {
	char *buf;
	size_t len;
};

/*
 * Expands the placeholders of tmpl into out (malloc'd: release with
 * support_text_release()). Aborts the test program on out of memory.
 */
void support_expand(struct support_text *out, const char *tmpl);

void support_text_release(struct support_text *t);

/*
 * The value of placeholder name (without the '@'s), or NULL when there
 * is none. Borrowed; valid until the program ends.
 */
const char *support_placeholder(const char *name);

/* Base64 (RFC 4648, padded) of p[0..len); malloc'd, caller frees. */
char *support_base64(const void *p, size_t len);

enum support_config_flags {
	SUPPORT_NO_CHECKSUM = 1 << 0,	/* tokenguard.checksum = false */
	SUPPORT_NO_INLINE = 1 << 1,	/* tokenguard.inlineAllow = false */
};

/* config_init(c), then the settings the flags ask for. */
void support_config(struct config *c, unsigned flags);

/*
 * Adds a user rule to c as config_read() would (all strings copied;
 * description may be NULL; keywords is a NULL-terminated list, may be
 * NULL). Aborts on out of memory.
 */
void support_config_rule(struct config *c, const char *id,
    const char *pattern, const char *description,
    const char *const *keywords);

/*
 * The member key of the JSON object obj is the string want (jansson; a
 * macro, so that a failure names the caller's line).
 */
#define assert_json_string(obj, key, want)				\
	assert_string_equal(json_string_value(json_object_get((obj), (key))), \
	    (want))

/* Deterministic pseudo-random numbers (splitmix64) for test data. */
uint64_t support_random(uint64_t *state);

/* Writes text with control bytes escaped (\n, \r, \t, \0, \xNN). */
void support_print_escaped(const char *prefix, const char *text,
    size_t len);

/*
 * Scratch files. support_path() writes dir + "/" + name to out[size];
 * the test fails when it does not fit. support_write_file() creates or
 * truncates the file path and writes text into it; the test fails when
 * any step fails.
 */
void support_path(char *out, size_t size, const char *dir, const char *name);
void support_write_file(const char *path, const char *text);

/*
 * Removes path and everything below it, without following links: 0, or
 * -1 when something could not be removed (errno set). For teardowns,
 * which report failure by their return value.
 */
int support_remove_tree(const char *path);

#endif
