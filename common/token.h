/*
 * token: the checksummed token format shared by npm ("npm_") and GitHub
 * ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"): a 4-byte prefix, 30 random
 * base62 characters and a 6-character checksum, the CRC-32 (zlib) of the
 * 30 random characters written in base62, most significant digit first.
 */
#ifndef TOKENGUARD_TOKEN_H
#define TOKENGUARD_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOKEN_LEN 40
#define TOKEN_BODY 30
#define TOKEN_CHECK 6

enum token_kind {
	TOKEN_NONE = 0,
	TOKEN_NPM,
	TOKEN_GITHUB,
};

/* Writes the 6-character base62 checksum of body[0..30) and a NUL. */
void token_checksum(char out[TOKEN_CHECK + 1], const char *body);

/*
 * The kind of token whose 4-byte prefix starts at p, when p[0..40) has
 * the token shape (prefix and 36 base62 characters); TOKEN_NONE
 * otherwise. Boundaries are the caller's business.
 */
enum token_kind token_shape(const char *p, size_t avail);

/* True when the token at p (of token_shape() != TOKEN_NONE) checks out. */
bool token_checksum_ok(const char *p);

/* True for [A-Za-z0-9]. */
static inline bool
token_is_base62(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z');
}

/*
 * Makes a checksum-valid token from a seed, for tests: prefix is "npm_"
 * or one of the gh?_ prefixes; out receives 40 characters and a NUL.
 * The same seed always gives the same token.
 */
void token_generate(char out[TOKEN_LEN + 1], const char *prefix,
    uint64_t seed);

#endif
