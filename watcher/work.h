/*
 * work: the paths waiting to be looked at, between the thread that reads
 * inotify events and the scanner threads. Bounded, and coalesced by
 * path: a path waiting already is not added twice, and a path being
 * scanned while a new event for it comes is scanned once more after.
 * The reader never waits here: work_add() fails when the queue is full,
 * and the reader then asks for a rescan (work_rescan()), as it does when
 * inotify's own queue overflows.
 *
 * Two kinds of work are counted until they are done: the initial scan
 * of every root, and a rescan of every root. work_done() says when the
 * last piece of either is finished.
 */
#ifndef TOKENGUARD_WATCH_WORK_H
#define TOKENGUARD_WATCH_WORK_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

enum work_flags {
	WORK_INITIAL = 1 << 0,	/* part of the initial scan (counted) */
	WORK_RESCAN = 1 << 1,	/* part of a whole-tree rescan (counted) */
	WORK_ALL = 1 << 2,	/* the whole-tree rescan itself (no path) */
	WORK_DEFERRED = 1 << 3,	/* refused by a full delivery queue */
	WORK_SKIP = 1 << 4,	/* skip files unchanged since last scan */
	WORK_EVENT = 1 << 5,	/* an inotify event: never skip the file */
	WORK_NEWROOT = 1 << 6,	/* a root added by a reload */
};

/* The flags a directory's walk passes on to its subdirectories. */
#define WORK_INHERITED (WORK_INITIAL | WORK_RESCAN | WORK_SKIP | \
    WORK_EVENT | WORK_NEWROOT)

/* What work_done() finished. */
enum work_finished {
	WORK_INITIAL_DONE = 1 << 0,
	WORK_RESCAN_DONE = 1 << 1,
};

struct work_item;

struct work {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct work_item **table;
	size_t ntable;
	struct work_item *head, *tail;	/* waiting, oldest first */
	size_t count;		/* waiting and running */
	size_t waiting;
	size_t max;
	size_t initial;		/* initial-scan pieces not done */
	size_t rescan;		/* rescan pieces not done */
	bool rescan_wanted;
	bool stopping;
};

/* What a scanner thread is given. */
struct work_job {
	struct work_item *item;	/* NULL for the whole-tree rescan */
	const char *path;	/* borrowed from the item; NULL for WORK_ALL */
	unsigned flags;
};

int work_init(struct work *w, size_t max);
void work_release(struct work *w);

/* Changes the bound (a reload). */
void work_set_max(struct work *w, size_t max);

/*
 * Queues path (copied) with flags. Returns 0, or -1 when the queue is
 * full (or out of memory): nothing was queued.
 */
int work_add(struct work *w, const char *path, unsigned flags);

/*
 * True when fewer than n paths wait (some of n threads may be idle) and
 * the queue is less than half full: a walk then hands a subdirectory to
 * another thread instead of walking it itself.
 */
bool work_starving(struct work *w, size_t n);

/*
 * Asks for a rescan of every root (coalesced: one at a time, and one
 * more if asked while one runs).
 */
void work_rescan(struct work *w);

/*
 * Holds the initial scan open while its roots are being added, so that
 * it cannot finish early; work_hold_release() lets it finish.
 */
void work_hold_initial(struct work *w);
unsigned work_hold_release(struct work *w);

/* Waits for a job; false when stopping. */
bool work_take(struct work *w, struct work_job *job);

/* Finishes a job from work_take(); returns enum work_finished bits. */
unsigned work_done(struct work *w, struct work_job *job);

/* Paths waiting or running. */
size_t work_pending(struct work *w);

/* Wakes every thread waiting in work_take(); they return false. */
void work_stop(struct work *w);

#endif
