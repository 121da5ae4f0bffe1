/*
 * utf8: what valid UTF-8 is, for the places that check text before they
 * show or scan it (report.c, decode.c).
 */
#ifndef TOKENGUARD_UTF8_H
#define TOKENGUARD_UTF8_H

#include <stddef.h>

/*
 * The length of the valid UTF-8 sequence at s (1 to 4), of the n bytes
 * there (n > 0), or 0 when the bytes there are not one: overlong forms,
 * surrogates, code points past U+10FFFF and sequences cut short are
 * invalid, as in jansson.
 */
size_t utf8_len(const unsigned char *s, size_t n);

#endif
