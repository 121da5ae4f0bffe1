/*
 * worker: the scanner threads. Each takes paths from the work queue and
 * looks at what is there now: a directory is watched, then walked (its
 * files scanned, its subdirectories walked or handed to other threads);
 * a regular file is scanned; anything else (a link, a FIFO, a device) is
 * left alone; a path that is gone is forgotten. New findings become
 * events in the on-disk queue, and the delivery thread is told.
 */
#ifndef TOKENGUARD_WATCH_WORKER_H
#define TOKENGUARD_WATCH_WORKER_H

#include "daemon.h"

/* The thread function; arg is the struct daemon. */
void *worker_main(void *arg);

#endif
