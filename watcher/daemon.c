/*
 * daemon: what the watcher's threads call on the state they share. The
 * reader thread (main.c) owns the state; the scanner and delivery
 * threads reach it through these, not through main.c.
 */
#include "daemon.h"

#include <unistd.h>

#include "progress.h"

struct conf *
daemon_conf(struct daemon *d)
{
	struct conf *c;

	(void)pthread_mutex_lock(&d->conf_lock);
	c = conf_ref(d->conf);
	(void)pthread_mutex_unlock(&d->conf_lock);
	return c;
}

void
daemon_wake(struct daemon *d)
{
	uint64_t one = 1;
	ssize_t n;

	/*
	 * The eventfd refuses a write only when its counter is full: a
	 * wake-up is pending then anyway. Assigned rather than cast to void:
	 * with _FORTIFY_SOURCE (Debian's build flags) write() is
	 * warn_unused_result, which a cast does not silence.
	 */
	n = write(d->wake, &one, sizeof(one));
	(void)n;
}

uint64_t
daemon_now_ms(void)
{
	return progress_clock();
}
