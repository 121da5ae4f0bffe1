/*
 * queue: the watcher's on-disk, at-least-once delivery queue. Each event
 * is one JSON record in its own file, "<id>.json" in the queue
 * directory, written 0600 through a temporary file, fsync(), rename()
 * and an fsync() of the directory before queue_put() returns: once it
 * has, the event survives a crash, a kill -9 or a power cut. An event
 * leaves the queue only through queue_done() (delivered: the file is
 * removed) or queue_dead() (refused for good: the file moves to the
 * "dead" subdirectory, where an operator can read it).
 *
 * Removal is not fsync'd: after a crash a delivered event may come back
 * and be delivered again, with the same id. That is what at least once
 * means; receivers deduplicate by the id (webhook-id).
 *
 * Records are never secrets: callers queue redacted values and
 * fingerprints only.
 *
 * Ids are "msg_" followed by 32 hex digits: 16 of the creation time in
 * nanoseconds, so that ids sort in the order events were made, and 16
 * random ones. Events are handed out oldest first; an event that could
 * not be delivered goes to the back (queue_retry()).
 *
 * The queue deduplicates by (path, fingerprint), the "path" and
 * "fingerprint" members of each record: while an event for a pair is
 * queued, another one for the same pair is not added.
 *
 * Size: queue_put() refuses a new event (QUEUE_FULL, nothing written)
 * when the files already queued take max_bytes or more, so that a
 * webhook outage cannot fill the disk. What is queued is always kept;
 * the caller decides what to do with what was refused. Events found in
 * the directory at queue_open() are all kept even when they exceed the
 * limit.
 *
 * Run by root in a queue directory another user owns (the service
 * user's, from `tokenguard-watch --once` by hand), the files and the
 * dead/ directory it makes are given to that owner.
 *
 * Every function is thread-safe. The directory is locked (flock()) while
 * the queue is open: a second process cannot use it at the same time.
 */
#ifndef TOKENGUARD_QUEUE_H
#define TOKENGUARD_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

/* "msg_" + 32 hex digits + NUL */
#define QUEUE_ID_SIZE 37

/* The subdirectory of refused events. */
#define QUEUE_DEAD_DIR "dead"

struct queue;

/* What queue_open() found in the directory. */
struct queue_loaded {
	size_t events;		/* events loaded, to be delivered */
	size_t bad;		/* unreadable records moved to dead/ */
	size_t temporaries;	/* half-written files of a crash, removed */
};

enum queue_put_result {
	QUEUE_ADDED = 0,	/* written and durable */
	QUEUE_FULL,		/* over max_bytes: nothing written */
	QUEUE_DUPLICATE,	/* the (path, fingerprint) is queued already */
};

/*
 * Opens the queue in dir, creating dir (mode 0700; its parent must
 * exist) and dir/dead when missing (an existing one open to group or
 * others is made 0700, or refused when not ours), locks it, removes
 * the temporary files of an interrupted write and loads the events
 * that are there.
 * loaded (may be NULL) says what was found. *out belongs to the caller:
 * queue_free().
 */
int queue_open(struct queue **out, struct queue_loaded *loaded,
    const char *dir, uint64_t max_bytes, struct err *e);

/* Closes the queue; the files stay. q may be NULL. */
void queue_free(struct queue *q);

/* Changes the size limit. */
void queue_set_max_bytes(struct queue *q, uint64_t max_bytes);

/*
 * Adds record (a JSON object with string members "path" and
 * "fingerprint") as a new event: sets its "id" member to a new id,
 * which is also written to id, and writes it durably. *result says
 * whether it was added; record and id are changed only when it was.
 * Returns -1 with e set on an I/O error (nothing is queued then).
 */
int queue_put(enum queue_put_result *result, char id[QUEUE_ID_SIZE],
    struct queue *q, json_t *record, struct err *e);

/* True while an event for (path, fingerprint) is queued. */
bool queue_has(struct queue *q, const char *path, const char *fingerprint);

/*
 * Hands out the oldest event that is not already handed out: copies its
 * id to id and returns true, or returns false when there is none. The
 * event stays queued until queue_done(), queue_dead() or queue_retry().
 */
bool queue_next(struct queue *q, char id[QUEUE_ID_SIZE]);

/* Reads the record of event id. *out belongs to the caller. */
int queue_read(json_t **out, struct queue *q, const char *id,
    struct err *e);

/*
 * Parses the bytes of a record file, buf[0..len), as queue_open() reads
 * the files it finds: a JSON object without duplicate members whose
 * "path", "fingerprint" and "id" members are strings, "id" being id
 * (the file's name without ".json"). With id NULL only the object is
 * checked, as queue_read() does. *out belongs to the caller.
 */
int queue_record_parse(json_t **out, const char *buf, size_t len,
    const char *id, struct err *e);

/*
 * Event id was delivered: removes it. When its file cannot be removed
 * (a read-only directory) it returns -1 but the queue forgets the event
 * all the same: the file is loaded, and the event sent again, by the
 * next queue_open().
 */
int queue_done(struct queue *q, const char *id, struct err *e);

/* Event id is to be tried again later: puts it at the back. */
void queue_retry(struct queue *q, const char *id);

/*
 * Event id was refused for good: moves it to dead/. Forgotten even when
 * that fails (-1), as by queue_done().
 */
int queue_dead(struct queue *q, const char *id, struct err *e);

/* Called by queue_each() for each queued event. */
typedef void queue_each_fn(const char *path, const char *fingerprint,
    void *payload);

/*
 * Calls fn for the path and fingerprint of every queued event (in
 * delivery order), with q locked: fn must not call back into q.
 */
void queue_each(struct queue *q, queue_each_fn *fn, void *payload);

/* Events queued (handed out or not) and the bytes their files take. */
void queue_stats(struct queue *q, size_t *events, uint64_t *bytes);

/* True when the queued files take max_bytes or more. */
bool queue_full(struct queue *q);

#endif
