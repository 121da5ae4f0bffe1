/*
 * daemon: the state the watcher's threads share. One reader thread
 * (main) reads inotify events and signals and turns events into work;
 * scanner threads (worker.c) take work, walk directories, scan files and
 * queue new findings on disk; one delivery thread (deliver.c) posts
 * queued events to the webhook. The reader never waits for the others:
 * it only takes short locks.
 */
#ifndef TOKENGUARD_WATCH_DAEMON_H
#define TOKENGUARD_WATCH_DAEMON_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "metrics.h"
#include "queue.h"
#include "state.h"
#include "tree.h"
#include "work.h"

struct daemon {
	const char *conf_file;
	bool once;		/* --once: scan, deliver, exit */
	bool check;		/* --check: read the configuration, exit */
	char host[256];
	int ino;		/* inotify */
	int wake;		/* eventfd: wakes the reader */

	pthread_mutex_t conf_lock;
	struct conf *conf;	/* current: take it with daemon_conf() */

	struct tree tree;
	struct work work;
	struct state state;
	struct queue *queue;
	struct metrics metrics;

	atomic_bool stopping;
	atomic_bool initial_done;	/* the initial scan finished */
	atomic_bool rescan_done;	/* a whole-tree rescan finished */
	atomic_size_t initial_findings;	/* found by the initial scan */
	atomic_uint_fast64_t bytes_scanned;	/* for the progress line */
	atomic_bool enospc;		/* the watch limit was hit */

	/* The delivery thread's: see deliver.h. */
	pthread_mutex_t deliver_lock;
	pthread_cond_t deliver_cond;
	bool deliver_kicked;
	atomic_bool deliver_idle;	/* nothing to deliver (--once) */
	atomic_size_t deliver_failed;	/* attempts that failed (--once) */
};

/* The current configuration, with a reference: conf_unref() it. */
struct conf *daemon_conf(struct daemon *d);

/* Wakes the reader thread (after setting a flag it should look at). */
void daemon_wake(struct daemon *d);

/* The watcher's clock: milliseconds of CLOCK_MONOTONIC. */
uint64_t daemon_now_ms(void);

#endif
