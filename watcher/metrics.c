/* metrics: the Prometheus text file. */
#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PREFIX "tokenguard_watch_"

struct out {
	char buf[8192];
	size_t len;
};

static void
put(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->len >= sizeof(o->buf))
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, sizeof(o->buf) - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

static void
metric(struct out *o, const char *name, const char *type, const char *help,
    uint64_t v)
{
	put(o, "# HELP " PREFIX "%s %s\n# TYPE " PREFIX "%s %s\n"
	    PREFIX "%s %llu\n", name, help, name, type, name,
	    (unsigned long long)v);
}

void
metrics_add(struct metrics *m, atomic_uint_fast64_t *c, uint64_t n)
{
	uint64_t one = 1;
	ssize_t w;

	atomic_fetch_add(c, n);
	/* As in daemon_wake(): a full eventfd means a wake-up is pending. */
	if (!atomic_exchange(&m->dirty, true) && m->wake_fd >= 0) {
		w = write(m->wake_fd, &one, sizeof(one));
		(void)w;
	}
}

static uint64_t
get(atomic_uint_fast64_t *c)
{
	return (uint64_t)atomic_load(c);
}

int
metrics_write(struct metrics *m, const struct metrics_gauges *g,
    const char *file, struct err *e)
{
	static struct out o;	/* only the reader thread writes */
	char tmp[4096];
	int fd;

	atomic_store(&m->dirty, false);
	o.len = 0;
	metric(&o, "findings_total", "counter",
	    "New findings queued for delivery.", get(&m->findings));
	metric(&o, "events_total", "counter", "Inotify events read.",
	    get(&m->events));
	metric(&o, "overflows_total", "counter",
	    "Event queue overflows (each causes a rescan).",
	    get(&m->overflows));
	metric(&o, "rescans_total", "counter",
	    "Whole-tree rescans finished.", get(&m->rescans));
	metric(&o, "files_scanned_total", "counter", "Files scanned.",
	    get(&m->scanned));
	metric(&o, "files_unchanged_total", "counter",
	    "Files a rescan skipped as unchanged.", get(&m->unchanged));
	metric(&o, "unreadable_total", "counter",
	    "Files or directories that could not be read.",
	    get(&m->unreadable));
	metric(&o, "oversize_total", "counter",
	    "Files scanned only up to watch.maxFileSize.", get(&m->oversize));
	metric(&o, "queue_refused_total", "counter",
	    "Findings the full queue refused (scanned again later).",
	    get(&m->refused));
	metric(&o, "reloads_total", "counter", "Configuration reloads.",
	    get(&m->reloads));
	metric(&o, "reload_failures_total", "counter",
	    "Configuration reloads refused (the old one kept running).",
	    get(&m->reload_failures));
	put(&o, "# HELP " PREFIX "deliveries_total Delivery attempts by "
	    "outcome.\n# TYPE " PREFIX "deliveries_total counter\n"
	    PREFIX "deliveries_total{outcome=\"delivered\"} %llu\n"
	    PREFIX "deliveries_total{outcome=\"retry\"} %llu\n"
	    PREFIX "deliveries_total{outcome=\"rejected\"} %llu\n",
	    (unsigned long long)get(&m->delivered),
	    (unsigned long long)get(&m->retried),
	    (unsigned long long)get(&m->rejected));
	metric(&o, "watches", "gauge", "Directories watched with inotify.",
	    g->watches);
	metric(&o, "unwatched_directories", "gauge",
	    "Directories not watched (inotify limit): rescanned "
	    "periodically.", g->unwatched);
	metric(&o, "queue_depth", "gauge", "Events waiting for delivery.",
	    g->queue_events);
	metric(&o, "queue_bytes", "gauge", "Bytes of the delivery queue.",
	    g->queue_bytes);
	metric(&o, "pending_paths", "gauge", "Paths waiting to be scanned.",
	    g->pending);
	metric(&o, "files_holding_findings", "gauge",
	    "Files whose last scan had findings.", g->held);
	put(&o, "# HELP " PREFIX "start_time_seconds When the watcher "
	    "started.\n# TYPE " PREFIX "start_time_seconds gauge\n"
	    PREFIX "start_time_seconds %.3f\n", g->start_time);
	if (o.len >= sizeof(o.buf))
		return err_set(e, "metrics: too long");

	/*
	 * 0644 whatever the umask: counts only, no secret, and a textfile
	 * collector runs as a user of its own (Debian's node_exporter as
	 * prometheus) that must read it.
	 */
	(void)snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0)
		return err_errno(e, "metrics file '%s'", tmp);
	if (fchmod(fd, 0644) < 0) {
		err_errno(e, "metrics file '%s'", tmp);
		(void)close(fd);
		(void)unlink(tmp);
		return -1;
	}
	for (size_t off = 0; off < o.len;) {
		ssize_t n = write(fd, o.buf + off, o.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_errno(e, "metrics file '%s'", tmp);
			(void)close(fd);
			(void)unlink(tmp);
			return -1;
		}
		off += (size_t)n;
	}
	if (close(fd) < 0 || rename(tmp, file) < 0) {
		err_errno(e, "metrics file '%s'", file);
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}
