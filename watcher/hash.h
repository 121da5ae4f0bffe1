/*
 * hash: FNV-1a, the hash of the watcher's tables of paths, names and
 * queue keys. Cheap and good enough for keys that are not chosen to
 * collide; tables that see many similar paths mix the result further.
 */
#ifndef TOKENGUARD_WATCH_HASH_H
#define TOKENGUARD_WATCH_HASH_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a's starting value. */
#define HASH_START 0xcbf29ce484222325ULL

/* Hashes len bytes at p, continuing from h (HASH_START to begin). */
uint64_t hash_bytes(const void *p, size_t len, uint64_t h);

/* Hashes the string s (without its NUL), continuing from h. */
uint64_t hash_str(const char *s, uint64_t h);

/*
 * The bucket of the string s in a table of n buckets, n a power of two:
 * its hash with the high bits folded down.
 */
size_t hash_bucket(const char *s, size_t n);

#endif
