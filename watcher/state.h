/*
 * state: what the scanner threads remember between scans of a file.
 *
 * Held fingerprints: for each file with findings, the fingerprints it
 * held at its last scan. A finding is new (and becomes an event) when
 * its fingerprint was not held by that path: this is the deduplication
 * by (path, fingerprint) "while the file still holds it". A file that
 * loses a fingerprint and gets it back reports it again.
 *
 * The stat cache: for each file scanned, a hash of (device, inode, size,
 * modification time), so that rescans skip files that did not change.
 * Entries are 16 bytes, keyed by a 64-bit hash of the path.
 *
 * Deferred paths: files whose findings the delivery queue refused (it
 * was full); they are scanned again when it has room.
 *
 * Thread-safe.
 */
#ifndef TOKENGUARD_WATCH_STATE_H
#define TOKENGUARD_WATCH_STATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "finding.h"

struct held;

struct state {
	pthread_mutex_t lock;
	struct held **held;	/* hash table by path */
	size_t nheld_table;
	size_t nheld;
	uint64_t *cache;	/* open addressing: key, value pairs */
	size_t ncache;		/* slots, a power of two */
	size_t cached;
	char **deferred;
	size_t ndeferred;
	size_t deferred_cap;
};

int state_init(struct state *s);
void state_release(struct state *s);

/*
 * Replaces the fingerprints path holds by fps[0..n) and marks in
 * is_new[0..n) those it did not hold before. Returns -1 when out of
 * memory (then every one is marked new).
 */
int state_hold(struct state *s, const char *path,
    char (*fps)[FINGERPRINT_SIZE], size_t n, bool *is_new);

/*
 * path held fp when an event was queued for it before a restart: adds
 * fp to what path holds, so that the initial scan does not make a
 * second event (with a new id) for a finding whose event is queued or
 * was delivered meanwhile. Returns -1 when out of memory.
 */
int state_seed(struct state *s, const char *path, const char *fp);

/* path does not hold fp any more (its event could not be queued). */
void state_unhold(struct state *s, const char *path, const char *fp);

/* path is gone: forgets its fingerprints and its cache entry. */
void state_forget(struct state *s, const char *path);

/* Forgets the fingerprints of every path below dir (a moved tree). */
void state_forget_below(struct state *s, const char *dir);

/* True when path was scanned with exactly this st (unchanged). */
bool state_unchanged(struct state *s, const char *path,
    const struct stat *st);

/* Remembers st as path's at its last scan. */
void state_scanned(struct state *s, const char *path,
    const struct stat *st);

/* Files remembered in the stat cache, and files holding findings. */
void state_counts(struct state *s, size_t *cached, size_t *holding);

/* Adds path (copied) to the deferred paths. */
void state_defer(struct state *s, const char *path);

/* True when paths are deferred. */
bool state_has_deferred(struct state *s);

/* Hands over the deferred paths (*v malloc'd, each path too). */
void state_take_deferred(struct state *s, char ***v, size_t *n);

#endif
