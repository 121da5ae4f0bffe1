/*
 * settle: files modified without a close (a writer that keeps its file
 * open, mmap, a crash) are scanned once they have been quiet for the
 * settle time, and at least every ten settle times while they keep
 * changing. A close or a rename cancels the wait: those events scan at
 * once. Used by the reader thread alone.
 */
#ifndef TOKENGUARD_WATCH_SETTLE_H
#define TOKENGUARD_WATCH_SETTLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct settle_entry;

struct settle {
	struct settle_entry **table;
	size_t ntable;
	size_t count;
	struct settle_entry *head, *tail;	/* by last change */
	uint64_t ms;
};

int settle_init(struct settle *s, uint64_t ms);
void settle_release(struct settle *s);

/*
 * path changed at now (ms). Returns true when it should be scanned right
 * away (it kept changing for too long, or the settle time is 0).
 */
bool settle_touch(struct settle *s, const char *path, uint64_t now);

/* path was closed or renamed: no need to wait for it any more. */
void settle_cancel(struct settle *s, const char *path);

/*
 * Calls fn for each path quiet since now - ms and forgets it. The path
 * is borrowed for the call.
 */
void settle_expire(struct settle *s, uint64_t now,
    void (*fn)(const char *path, void *payload), void *payload);

/* When the next path settles (ms), or 0 when none waits. */
uint64_t settle_next(const struct settle *s);

#endif
