/* hash: FNV-1a over bytes and strings. */
#include "hash.h"

#define FNV_PRIME 0x100000001b3ULL

uint64_t
hash_bytes(const void *p, size_t len, uint64_t h)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < len; i++) {
		h ^= s[i];
		h *= FNV_PRIME;
	}
	return h;
}

uint64_t
hash_str(const char *s, uint64_t h)
{
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= FNV_PRIME;
	}
	return h;
}

size_t
hash_bucket(const char *s, size_t n)
{
	uint64_t h = hash_str(s, HASH_START);

	return (size_t)(h ^ (h >> 31)) & (n - 1);
}
