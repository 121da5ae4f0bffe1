/*
 * metrics: counters for the Prometheus text file (metrics.file), for
 * node_exporter's textfile collector. Counters are atomics any thread
 * bumps; the reader thread writes the file, at most once a second and
 * only after a change, through a temporary file and rename(), so that a
 * collector never reads half a file.
 */
#ifndef TOKENGUARD_WATCH_METRICS_H
#define TOKENGUARD_WATCH_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"

struct metrics {
	atomic_uint_fast64_t findings;	/* new findings queued as events */
	atomic_uint_fast64_t events;	/* inotify events read */
	atomic_uint_fast64_t overflows;	/* inotify or work queue overflows */
	atomic_uint_fast64_t rescans;	/* whole-tree rescans finished */
	atomic_uint_fast64_t scanned;	/* files scanned */
	atomic_uint_fast64_t unchanged;	/* files skipped by rescans */
	atomic_uint_fast64_t unreadable; /* files or directories not read */
	atomic_uint_fast64_t oversize;	/* files cut at watch.maxFileSize */
	atomic_uint_fast64_t delivered;	/* deliveries by outcome */
	atomic_uint_fast64_t retried;
	atomic_uint_fast64_t rejected;
	atomic_uint_fast64_t refused;	/* findings the full queue refused */
	atomic_uint_fast64_t reloads;
	atomic_uint_fast64_t reload_failures;
	atomic_bool dirty;
	int wake_fd;		/* eventfd written when dirty is set; or -1 */
};

/* The gauges, read by the writer when it writes. */
struct metrics_gauges {
	uint64_t watches;
	uint64_t unwatched;
	uint64_t queue_events;
	uint64_t queue_bytes;
	uint64_t pending;	/* paths waiting to be scanned */
	uint64_t held;		/* files holding findings */
	double start_time;
};

/*
 * Adds n to counter c and marks the metrics changed, waking the writer
 * when they were not already.
 */
void metrics_add(struct metrics *m, atomic_uint_fast64_t *c, uint64_t n);

/* Writes the metrics and gauges g to file, atomically. */
int metrics_write(struct metrics *m, const struct metrics_gauges *g,
    const char *file, struct err *e);

#endif
