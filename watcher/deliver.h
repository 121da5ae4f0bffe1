/*
 * deliver: the delivery thread. It takes the oldest queued event, posts
 * it, and removes it on a 2xx; on a permanent refusal (4xx other than
 * 408 and 429) it moves it to the dead-letter directory; on anything
 * else it puts it at the back and waits before the next attempt, with
 * capped exponential backoff and full jitter (webhook.retryBase,
 * webhook.retryMax), or longer when the answer said Retry-After. The
 * wait applies to the whole queue: an outage is not hammered, and the
 * first success resumes full speed. A reload makes it start over with
 * the new settings at once.
 */
#ifndef TOKENGUARD_WATCH_DELIVER_H
#define TOKENGUARD_WATCH_DELIVER_H

#include <stddef.h>

#include "daemon.h"

/* The thread function; arg is the struct daemon. */
void *deliver_main(void *arg);

/* Something was queued, or the configuration changed: look again. */
void deliver_kick(struct daemon *d);

/* Makes the delivery thread stop (after d->stopping is set). */
void deliver_stop(struct daemon *d);

/*
 * For --once, on the calling thread: tries each queued event once.
 * Returns the number of events still queued (not delivered).
 */
size_t deliver_once(struct daemon *d);

#endif
