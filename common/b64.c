/* b64: base64 for the decode-and-rescan step. */
#include "b64.h"

static const char ALPHABET[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
value_of(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

bool
b64_is_char(unsigned char c)
{
	return value_of(c) >= 0;
}

long
b64_decode(unsigned char *out, const char *src, size_t n)
{
	unsigned long acc = 0;
	size_t bits = 0, o = 0, chars;

	while (n > 0 && src[n - 1] == '=')
		n--;
	chars = n;
	if (chars % 4 == 1)
		return -1;
	for (size_t i = 0; i < chars; i++) {
		int v = value_of((unsigned char)src[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1UL << bits) - 1;
		}
	}
	return (long)o;
}

size_t
b64_encode(char *out, const unsigned char *src, size_t n)
{
	size_t o = 0, i = 0;

	for (; i + 2 < n; i += 3) {
		unsigned long v = (unsigned long)src[i] << 16 |
		    (unsigned long)src[i + 1] << 8 | src[i + 2];

		out[o++] = ALPHABET[v >> 18];
		out[o++] = ALPHABET[(v >> 12) & 63];
		out[o++] = ALPHABET[(v >> 6) & 63];
		out[o++] = ALPHABET[v & 63];
	}
	if (i < n) {
		unsigned long v = (unsigned long)src[i] << 16;

		if (i + 1 < n)
			v |= (unsigned long)src[i + 1] << 8;
		out[o++] = ALPHABET[v >> 18];
		out[o++] = ALPHABET[(v >> 12) & 63];
		out[o++] = i + 1 < n ? ALPHABET[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}
