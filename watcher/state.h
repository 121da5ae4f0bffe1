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
 * Refused findings: the (path, fingerprint) pairs the queue refused and
 * that are not queued yet, so that a finding refused again and again is
 * logged and counted once, and summed up now and then.
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
	char **refused;		/* path, NUL, fingerprint */
	size_t nrefused;
	size_t refused_cap;
	uint64_t summary_due;	/* monotonic ms; 0: none yet */
	uint64_t summary_gap;
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

/*
 * The queue refused finding fp of path. True the first time, until
 * state_queued() or state_forget(): log and count it then only (also
 * true when out of memory: logged again rather than never).
 */
bool state_refused(struct state *s, const char *path, const char *fp);

/* Finding fp of path is queued: true when it had been refused. */
bool state_queued(struct state *s, const char *path, const char *fp);

/*
 * The number of findings refused and not queued yet, when there are
 * some and a summary of them is due (1 s after the first refusal, then
 * at intervals doubling up to 10 minutes); else 0. now is monotonic ms.
 */
size_t state_refused_summary(struct state *s, uint64_t now);

/*
 * path is gone: forgets its fingerprints, its cache entry and its
 * refused findings.
 */
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
