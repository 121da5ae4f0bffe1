/* token: checksum and shape of npm and GitHub tokens. */
#include "token.h"

#include <string.h>

#include <zlib.h>

static const char B62[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

void
token_checksum(char out[TOKEN_CHECK + 1], const char *body)
{
	uLong crc = crc32(0L, (const Bytef *)body, TOKEN_BODY);

	for (int i = TOKEN_CHECK - 1; i >= 0; i--) {
		out[i] = B62[crc % 62];
		crc /= 62;
	}
	out[TOKEN_CHECK] = '\0';
}

enum token_kind
token_shape(const char *p, size_t avail)
{
	enum token_kind kind;

	if (avail < TOKEN_LEN)
		return TOKEN_NONE;
	if (p[0] == 'n' && p[1] == 'p' && p[2] == 'm' && p[3] == '_') {
		kind = TOKEN_NPM;
	} else if (p[0] == 'g' && p[1] == 'h' && p[3] == '_' &&
	    strchr("pousr", p[2]) != NULL && p[2] != '\0') {
		kind = TOKEN_GITHUB;
	} else {
		return TOKEN_NONE;
	}
	for (size_t i = 4; i < TOKEN_LEN; i++) {
		if (!token_is_base62((unsigned char)p[i]))
			return TOKEN_NONE;
	}
	return kind;
}

bool
token_checksum_ok(const char *p)
{
	char check[TOKEN_CHECK + 1];
	const char *given = p + 4 + TOKEN_BODY;

	/* The largest CRC-32 in base62 is "4gfFC3": a cheap pre-check. */
	if (given[0] < '0' || given[0] > '4')
		return false;
	token_checksum(check, p + 4);
	return memcmp(check, given, TOKEN_CHECK) == 0;
}

void
token_generate(char out[TOKEN_LEN + 1], const char *prefix, uint64_t seed)
{
	uint64_t x = (seed ^ 0x632be59bd9b4e019ULL) * 0xbf58476d1ce4e5b9ULL;

	x ^= x >> 29;
	x *= 0x94d049bb133111ebULL;

	memcpy(out, prefix, 4);
	for (size_t i = 0; i < TOKEN_BODY; i++) {
		/* splitmix64: deterministic, well spread */
		uint64_t z;

		x += 0x9e3779b97f4a7c15ULL;
		z = x;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		z ^= z >> 31;
		out[4 + i] = B62[z % 62];
	}
	token_checksum(out + 4 + TOKEN_BODY, out + 4);
	out[TOKEN_LEN] = '\0';
}
