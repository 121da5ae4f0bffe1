/*
 * b64: base64 decoding (standard and URL-safe alphabets, padding
 * optional) for the scanner's decode-and-rescan step, and encoding for
 * tests and tools.
 */
#ifndef TOKENGUARD_B64_H
#define TOKENGUARD_B64_H

#include <stdbool.h>
#include <stddef.h>

/* The decoded size of n base64 characters, at most. */
static inline size_t
b64_decoded_max(size_t n)
{
	return n / 4 * 3 + 3;
}

/*
 * Decodes src[0..n) into out (room for b64_decoded_max(n) bytes) and
 * returns the decoded length, or -1 when src is not base64: a character
 * outside the alphabets, padding anywhere but the end, or a length that
 * leaves a single dangling character.
 */
long b64_decode(unsigned char *out, const char *src, size_t n);

/* True for a character of either base64 alphabet (not '='). */
bool b64_is_char(unsigned char c);

/*
 * Encodes src[0..n) with padding into out (room for 4 * ((n + 2) / 3) + 1
 * bytes, NUL-terminated). Returns the encoded length.
 */
size_t b64_encode(char *out, const unsigned char *src, size_t n);

#endif
