/*
 * tokenguard-watch: watches directory trees with inotify, scans files as
 * they are written, and delivers each new finding to a webhook, signed,
 * at least once (through an on-disk queue that survives outages,
 * restarts and kill -9).
 *
 * Usage: tokenguard-watch [-c FILE] [--once|--check] [--help] [--version]
 *
 * Running as a daemon it exits 0 when stopped by SIGTERM or SIGINT, and
 * 2 on trouble at start (a bad configuration names the key). With
 * --once it scans every root once, tries to deliver every queued event
 * once and exits: 0 nothing found and nothing left undelivered, 1
 * findings (all delivered), 2 trouble (including events that stay
 * queued because delivery failed). With --check it reads the
 * configuration as a start or a reload would, and exits 0 when it is
 * good, 2 otherwise (the unit's ExecReload= runs it first, so that
 * `systemctl reload` fails on a broken file).
 *
 * This file is the reader thread: it starts everything, then reads
 * inotify events and signals and turns events into work, never waiting
 * for scanning or delivery.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <git2.h>

#include "daemon.h"
#include "deliver.h"
#include "log.h"
#include "progress.h"
#include "settle.h"
#include "version.h"
#include "worker.h"

#define EXIT_CLEAN 0
#define EXIT_FOUND 1
#define EXIT_TROUBLE 2

/* How long a directory's IN_MOVED_FROM waits for its IN_MOVED_TO. */
#define MOVE_WAIT_MS 20
#define MOVES_MAX 64

/* The metrics file is written at most this often. */
#define METRICS_EVERY_MS 1000

static const char USAGE[] =
    "usage: tokenguard-watch [-c FILE] [--once|--check] [--help] "
    "[--version]\n";

static const char HELP[] =
    "Watches directory trees with inotify, scans files as they are\n"
    "written, and delivers every new finding to a webhook, signed, at\n"
    "least once.\n"
    "\n"
    "  -c, --config FILE  configuration in git-config syntax\n"
    "                     (default " CONF_DEFAULT_FILE ")\n"
    "      --once         scan every root once, try to deliver what is\n"
    "                     queued once, and exit: 0 clean, 1 findings,\n"
    "                     2 trouble or undelivered events\n"
    "      --check        read the configuration and exit: 0 good,\n"
    "                     2 broken (the message says why)\n"
    "  -h, --help         this help\n"
    "      --version      the version\n"
    "\n"
    "Signals: SIGHUP reloads the configuration (a broken one is logged\n"
    "and the running one stays); SIGTERM and SIGINT stop, leaving\n"
    "undelivered events queued on disk.\n"
    "\n"
    "When standard error is a terminal (a run in the foreground), scans\n"
    "of whole trees (the initial scan, rescans, roots added by a reload)\n"
    "show their progress on one line there, updated in place.\n";

/* A directory's IN_MOVED_FROM waiting for its IN_MOVED_TO. */
struct move {
	uint32_t cookie;
	int wd;
	char name[NAME_MAX + 1];
	char path[PATH_MAX];
	uint64_t until;
};

struct reader {
	struct daemon *d;
	struct conf *c;		/* the reader's reference */
	struct settle settle;
	struct move moves[MOVES_MAX];
	size_t nmoves;
	bool overflowing;	/* an overflow was logged; no rescan yet */
	uint64_t metrics_due;	/* 0: not scheduled */
	uint64_t metrics_last;
	uint64_t periodic_due;	/* unwatched and missing roots */
	double start_time;

	/* The progress line of a scan of whole trees, on a terminal. */
	bool tty;		/* standard error is a terminal */
	const char *scanning;	/* what is scanned; NULL: no line */
	struct progress prog;
	uint64_t files0, bytes0;	/* the counters when it started */
};

/* sd_notify(3)'s datagram, without libsystemd. */
static void
notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	size_t len;
	int fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@'))
		return;
	len = strlen(path);
	if (len >= sizeof(sa.sun_path))
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';	/* an abstract socket */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	(void)sendto(fd, msg, strlen(msg), MSG_NOSIGNAL,
	    (struct sockaddr *)&sa,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	(void)close(fd);
}

/* No core dumps: a core of a scanner holds what it scanned. */
static void
harden(void)
{
	struct rlimit rl = { 0, 0 };

	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)setrlimit(RLIMIT_CORE, &rl);
}

static void
gauges(struct reader *r, struct metrics_gauges *g)
{
	struct daemon *d = r->d;
	size_t events = 0, cached = 0, held = 0;
	uint64_t bytes = 0;

	queue_stats(d->queue, &events, &bytes);
	state_counts(&d->state, &cached, &held);
	g->watches = tree_watches(&d->tree);
	g->unwatched = tree_unwatched_dirs(&d->tree);
	g->queue_events = events;
	g->queue_bytes = bytes;
	g->pending = work_pending(&d->work);
	g->held = held;
	g->start_time = r->start_time;
}

static void
write_metrics(struct reader *r)
{
	struct metrics_gauges g;
	struct err e = { 0 };

	r->metrics_due = 0;
	if (r->c->metrics_file == NULL)
		return;
	gauges(r, &g);
	if (metrics_write(&r->d->metrics, &g, r->c->metrics_file, &e) < 0)
		log_msg("%s", e.msg);
	r->metrics_last = daemon_now_ms();
}

/* Draws the progress line when an update is due. */
static void
scan_tick(struct reader *r)
{
	struct daemon *d = r->d;
	char size[PROGRESS_SIZE_MAX];
	uint64_t now, files;

	if (r->scanning == NULL)
		return;
	now = daemon_now_ms();
	if (!progress_due(&r->prog, now))
		return;
	files = atomic_load(&d->metrics.scanned) - r->files0;
	(void)progress_size(size, atomic_load(&d->bytes_scanned) - r->bytes0);
	log_progress(progress_format(&r->prog, now, "tokenguard-watch: %s: "
	    "%llu file%s, %s scanned, %zu queued", r->scanning,
	    (unsigned long long)files, files == 1 ? "" : "s", size,
	    work_pending(&d->work)));
}

/*
 * Starts the progress line of a scan of whole trees (what: "initial
 * scan", "rescan", ...) when standard error is a terminal: a foreground
 * run. One at a time; it ends when the scan is done.
 */
static void
scan_begin(struct reader *r, const char *what)
{
	if (!r->tty || r->scanning != NULL)
		return;
	r->scanning = what;
	r->files0 = atomic_load(&r->d->metrics.scanned);
	r->bytes0 = atomic_load(&r->d->bytes_scanned);
	progress_init(&r->prog, STDERR_FILENO, daemon_now_ms());
	scan_tick(r);
}

static void
scan_end(struct reader *r)
{
	if (r->scanning == NULL)
		return;
	r->scanning = NULL;
	log_progress(progress_clear(&r->prog));
}

/* Events were lost (inotify's queue, or ours): rescan every root. */
static void
overflow(struct reader *r, const char *why)
{
	metrics_add(&r->d->metrics, &r->d->metrics.overflows, 1);
	if (!r->overflowing)
		log_msg("%s: events were lost; rescanning every root "
		    "(unchanged files are skipped)", why);
	r->overflowing = true;
	work_rescan(&r->d->work);
	scan_begin(r, "rescan");
}

static void
enqueue(struct reader *r, const char *path, unsigned flags)
{
	if (work_add(&r->d->work, path, flags) < 0)
		overflow(r, "the scan queue is full (watch.maxPending)");
}

static void
settled(const char *path, void *payload)
{
	enqueue(payload, path, WORK_EVENT);
}

/* A directory moved out of the tree, or its move was not paired. */
static void
move_out(struct reader *r, const struct move *m)
{
	tree_retire_child(&r->d->tree, m->wd, m->name);
	state_forget_below(&r->d->state, m->path);
}

static void
expire_moves(struct reader *r, uint64_t now, bool all)
{
	size_t k = 0;

	for (size_t i = 0; i < r->nmoves; i++) {
		if (all || now >= r->moves[i].until)
			move_out(r, &r->moves[i]);
		else
			r->moves[k++] = r->moves[i];
	}
	r->nmoves = k;
}

static void
dir_event(struct reader *r, const struct inotify_event *ev,
    const char *path)
{
	struct daemon *d = r->d;

	if ((ev->mask & IN_MOVED_FROM) != 0) {
		struct move *m;

		if (r->nmoves == MOVES_MAX)
			expire_moves(r, 0, true);
		m = &r->moves[r->nmoves++];
		m->cookie = ev->cookie;
		m->wd = ev->wd;
		(void)snprintf(m->name, sizeof(m->name), "%s", ev->name);
		(void)snprintf(m->path, sizeof(m->path), "%s", path);
		m->until = daemon_now_ms() + MOVE_WAIT_MS;
		return;
	}
	if ((ev->mask & IN_MOVED_TO) != 0) {
		for (size_t i = 0; i < r->nmoves; i++) {
			struct move *m = &r->moves[i];

			if (m->cookie != ev->cookie)
				continue;
			/* Renamed inside the tree: the watches stay. */
			if (!tree_move(&d->tree, m->wd, m->name, ev->wd,
			    ev->name))
				move_out(r, m);
			state_forget_below(&d->state, m->path);
			r->moves[i] = r->moves[--r->nmoves];
			break;
		}
		/* Its files have new paths: walk it (watching is cheap). */
		enqueue(r, path, WORK_EVENT);
		return;
	}
	if ((ev->mask & IN_CREATE) != 0) {
		enqueue(r, path, WORK_EVENT);
		return;
	}
	if ((ev->mask & IN_DELETE) != 0) {
		state_forget_below(&d->state, path);
		return;
	}
	if ((ev->mask & IN_ATTRIB) != 0) {
		/* Perhaps readable now: walk it, skipping what is known. */
		enqueue(r, path, WORK_SKIP);
	}
}

/* An event about a watched directory itself (no name). */
static void
self_event(struct reader *r, const struct inotify_event *ev)
{
	char path[PATH_MAX], shown[LOG_PATH_MAX];
	struct daemon *d = r->d;

	if ((ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) == 0)
		return;
	if (tree_is_root(&d->tree, ev->wd)) {
		if (!tree_path(&d->tree, ev->wd, NULL, path, sizeof(path),
		    NULL))
			return;
		(void)tree_retire(&d->tree, ev->wd);
		log_msg("root '%s' was %s: looking for it again every %llu s",
		    log_escape(shown, sizeof(shown), path),
		    (ev->mask & IN_UNMOUNT) != 0 ? "unmounted" :
		    (ev->mask & IN_MOVE_SELF) != 0 ? "moved away" : "deleted",
		    (unsigned long long)(r->c->rescan_ms / 1000));
		if (r->periodic_due == 0)
			r->periodic_due = daemon_now_ms() + r->c->rescan_ms;
		return;
	}
	if ((ev->mask & IN_UNMOUNT) != 0)
		(void)tree_retire(&d->tree, ev->wd);
	/* Deleted: IN_IGNORED follows. Moved: the parent's events say. */
}

/*
 * Handles one event; returns false for those about the watcher's own
 * files, which are not counted either: counting them would change the
 * metrics file, which makes more of them.
 */
static bool
handle_event(struct reader *r, const struct inotify_event *ev)
{
	char path[PATH_MAX];
	struct daemon *d = r->d;
	size_t rel = 0;

	if ((ev->mask & IN_Q_OVERFLOW) != 0) {
		overflow(r, "the inotify event queue overflowed "
		    "(fs.inotify.max_queued_events)");
		return true;
	}
	if ((ev->mask & IN_IGNORED) != 0) {
		(void)tree_retire(&d->tree, ev->wd);
		return true;
	}
	if (ev->len == 0 || ev->name[0] == '\0') {
		self_event(r, ev);
		return true;
	}
	if (!tree_path(&d->tree, ev->wd, ev->name, path, sizeof(path), &rel))
		return true;	/* a retired watch, or too long a path */
	if (conf_own(r->c, path))
		return false;
	if (conf_excluded_path(r->c, path + rel))
		return true;
	if ((ev->mask & IN_ISDIR) != 0) {
		dir_event(r, ev, path);
		return true;
	}
	if ((ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE |
	    IN_MOVED_FROM)) != 0) {
		/* Scan now; a file gone is forgotten by its worker. */
		settle_cancel(&r->settle, path);
		enqueue(r, path, WORK_EVENT);
		return true;
	}
	if ((ev->mask & (IN_MODIFY | IN_CREATE | IN_ATTRIB)) != 0 &&
	    settle_touch(&r->settle, path, daemon_now_ms()))
		enqueue(r, path, WORK_EVENT);
	return true;
}

/*
 * Reads the inotify events there are now, up to a few buffers: under a
 * flood the loop goes back to poll() now and then, for signals and
 * timers.
 */
static void
read_events(struct reader *r)
{
	char buf[64 * 1024]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	struct daemon *d = r->d;

	for (int reads = 0; reads < 64; reads++) {
		ssize_t n = read(d->ino, buf, sizeof(buf));
		size_t count = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;

			if (handle_event(r, ev))
				count++;
			p += sizeof(*ev) + ev->len;
		}
		if (count > 0)
			metrics_add(&d->metrics, &d->metrics.events, count);
	}
}

/* Directories the watch limit left unwatched, and missing roots. */
static void
periodic(struct reader *r)
{
	const char **back = NULL;
	char shown[LOG_PATH_MAX];
	struct daemon *d = r->d;
	struct err e = { 0 };
	size_t nback = 0, n = 0;
	char **v = NULL;

	r->periodic_due = 0;
	if (tree_reopen_roots(&d->tree, &back, &nback, &e) < 0)
		log_msg("%s", e.msg);
	for (size_t i = 0; i < nback; i++) {
		log_msg("root '%s' is back: watching it again",
		    log_escape(shown, sizeof(shown), back[i]));
		enqueue(r, back[i], WORK_EVENT);
	}
	free(back);
	tree_unwatched_take(&d->tree, &v, &n);
	for (size_t i = 0; i < n; i++) {
		enqueue(r, v[i], WORK_SKIP);
		free(v[i]);
	}
	free(v);
	if (n > 0 || tree_roots_gone(&d->tree))
		r->periodic_due = daemon_now_ms() + r->c->rescan_ms;
}

/* Reads /proc/sys/fs/inotify/max_user_watches; 0 if it cannot. */
static unsigned long
max_user_watches(void)
{
	char buf[32] = { 0 };
	unsigned long v = 0;
	int fd;

	fd = open("/proc/sys/fs/inotify/max_user_watches",
	    O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (read(fd, buf, sizeof(buf) - 1) > 0)
		v = strtoul(buf, NULL, 10);
	(void)close(fd);
	return v;
}

/* After a scan of everything: say what the watch limit left out. */
static void
limit_summary(struct reader *r)
{
	size_t unwatched = tree_unwatched_dirs(&r->d->tree);
	size_t watches = tree_watches(&r->d->tree);
	unsigned long limit = max_user_watches();

	if (unwatched == 0) {
		/* Below the limit again: a new shortage is logged again. */
		atomic_store(&r->d->enospc, false);
		return;
	}
	log_msg("inotify watch limit: %zu directories are not watched "
	    "(%zu are), so this watcher needs %zu watches; the limit is "
	    "per user, fs.inotify.max_user_watches = %lu: raise it, e.g. "
	    "`sysctl -w fs.inotify.max_user_watches=%lu` (and in "
	    "/etc/sysctl.d/); until then the unwatched directories are "
	    "rescanned every %llu s, and watched once there is room",
	    unwatched, watches, unwatched + watches, limit,
	    limit + 2 * (unsigned long)unwatched,
	    (unsigned long long)(r->c->rescan_ms / 1000));
	if (r->periodic_due == 0)
		r->periodic_due = daemon_now_ms() + r->c->rescan_ms;
}

static void
apply_reload(struct reader *r, struct conf *nc)
{
	const char **added = NULL;
	char shown[LOG_PATH_MAX];
	struct daemon *d = r->d;
	struct err e = { 0 };
	size_t nadded = 0;
	struct conf *old;

	if (tree_set_roots(&d->tree, nc->paths, nc->npaths, &added, &nadded,
	    &e) < 0) {
		log_error("reload of '%s' failed: %s; the running "
		    "configuration stays", d->conf_file, e.msg);
		metrics_add(&d->metrics, &d->metrics.reload_failures, 1);
		conf_unref(nc);
		return;
	}
	if (strcmp(nc->queue_dir, r->c->queue_dir) != 0)
		log_msg("queue.dir changed: the new one is used after a "
		    "restart; events still go to '%s'", r->c->queue_dir);
	if (nc->threads != r->c->threads)
		log_msg("watch.threads changed: takes effect after a restart");
	queue_set_max_bytes(d->queue, nc->queue_max_bytes);
	work_set_max(&d->work, nc->max_pending);
	(void)pthread_mutex_lock(&d->conf_lock);
	old = d->conf;
	d->conf = nc;
	(void)pthread_mutex_unlock(&d->conf_lock);
	conf_unref(old);
	conf_unref(r->c);
	r->c = conf_ref(nc);
	r->settle.ms = nc->settle_ms;
	for (size_t i = 0; i < nadded; i++) {
		log_msg("new root '%s'", log_escape(shown, sizeof(shown),
		    added[i]));
		enqueue(r, added[i], WORK_NEWROOT);
	}
	if (nadded > 0)
		scan_begin(r, "scan of new roots");
	free(added);
	metrics_add(&d->metrics, &d->metrics.reloads, 1);
	log_msg("reloaded '%s': %zu roots, delivering %s to %s",
	    d->conf_file, nc->npaths, webhook_format_name(nc->format),
	    nc->url_shown);
	deliver_kick(d);
}

static void
reload(struct reader *r)
{
	struct err e = { 0 };
	struct conf *nc = NULL;

	notify("RELOADING=1");
	if (conf_load(&nc, r->d->conf_file, 0, &e) < 0) {
		log_error("reload of '%s' failed: %s; the running "
		    "configuration stays", r->d->conf_file, e.msg);
		metrics_add(&r->d->metrics, &r->d->metrics.reload_failures,
		    1);
	} else {
		apply_reload(r, nc);
	}
	notify("READY=1");
}

static void
ready(struct reader *r)
{
	struct daemon *d = r->d;

	log_msg("ready: watching %zu directories under %zu roots; the "
	    "initial scan found %zu findings", tree_watches(&d->tree),
	    r->c->npaths, atomic_load(&d->initial_findings));
	limit_summary(r);
	notify("READY=1");
}

/* Handles the signals waiting on sfd; false when it is time to stop. */
static bool
read_signals(struct reader *r, int sfd)
{
	struct signalfd_siginfo si;
	bool go_on = true;

	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			reload(r);
		} else {
			log_msg("%s: stopping", strsignal((int)si.ssi_signo));
			go_on = false;
		}
	}
	return go_on;
}

/* The poll timeout: the earliest timer, or -1 when none is set. */
static int
timeout(struct reader *r, uint64_t now)
{
	uint64_t due = 0, t;

	if (r->nmoves > 0)
		due = r->moves[0].until;
	for (size_t i = 1; i < r->nmoves; i++) {
		if (r->moves[i].until < due)
			due = r->moves[i].until;
	}
	t = settle_next(&r->settle);
	if (t != 0 && (due == 0 || t < due))
		due = t;
	if (r->metrics_due != 0 && (due == 0 || r->metrics_due < due))
		due = r->metrics_due;
	if (r->periodic_due != 0 && (due == 0 || r->periodic_due < due))
		due = r->periodic_due;
	if (r->scanning != NULL && (due == 0 || r->prog.due < due))
		due = r->prog.due;
	if (due == 0)
		return -1;
	if (due <= now)
		return 0;
	return due - now > 60 * 1000 ? 60 * 1000 : (int)(due - now);
}

/* Reacts to flags the other threads set before waking us. */
static bool
read_wake(struct reader *r)
{
	struct daemon *d = r->d;
	uint64_t v;
	bool stop = false;

	while (read(d->wake, &v, sizeof(v)) == (ssize_t)sizeof(v))
		;
	if (atomic_exchange(&d->initial_done, false)) {
		scan_end(r);
		if (d->once)
			stop = true;
		else
			ready(r);
	}
	if (atomic_exchange(&d->rescan_done, false)) {
		scan_end(r);
		log_msg("rescan finished");
		r->overflowing = false;
		limit_summary(r);
	}
	if (atomic_load(&d->metrics.dirty) && r->metrics_due == 0 &&
	    r->c->metrics_file != NULL) {
		uint64_t now = daemon_now_ms();

		r->metrics_due = r->metrics_last + METRICS_EVERY_MS > now ?
		    r->metrics_last + METRICS_EVERY_MS : now;
	}
	return !stop;
}

/* The reader's loop; returns when it is time to stop. */
static void
loop(struct reader *r, int sfd)
{
	struct daemon *d = r->d;
	struct pollfd pfd[3] = {
		{ .fd = d->ino, .events = POLLIN },
		{ .fd = sfd, .events = POLLIN },
		{ .fd = d->wake, .events = POLLIN },
	};

	for (;;) {
		uint64_t now = daemon_now_ms();
		int n = poll(pfd, 3, timeout(r, now));

		if (n < 0 && errno != EINTR) {
			log_msg("poll: %s", strerror(errno));
			return;
		}
		if (n > 0 && (pfd[0].revents & POLLIN) != 0)
			read_events(r);
		if (n > 0 && (pfd[1].revents & POLLIN) != 0 &&
		    !read_signals(r, sfd))
			return;
		if (n > 0 && (pfd[2].revents & POLLIN) != 0 && !read_wake(r))
			return;
		now = daemon_now_ms();
		expire_moves(r, now, false);
		settle_expire(&r->settle, now, settled, r);
		if (r->periodic_due != 0 && now >= r->periodic_due)
			periodic(r);
		if (r->metrics_due != 0 && now >= r->metrics_due)
			write_metrics(r);
		if (r->scanning != NULL && work_pending(&d->work) == 0)
			scan_end(r);
		scan_tick(r);
	}
}

/* Starts n threads running fn; returns how many started. */
static size_t
start(pthread_t *v, size_t n, void *(*fn)(void *), struct daemon *d)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (pthread_create(&v[i], NULL, fn, d) != 0)
			break;
	}
	return i;
}

static int
parse_args(int argc, char **argv, struct daemon *d)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "once", no_argument, NULL, 'o' },
		{ "check", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	d->conf_file = CONF_DEFAULT_FILE;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			d->conf_file = optarg;
			break;
		case 'o':
			d->once = true;
			break;
		case 'k':
			d->check = true;
			break;
		case 'h':
			printf("%s\n%s", USAGE, HELP);
			return EXIT_CLEAN;
		case 'V':
			printf("tokenguard-watch %s\n", TOKENGUARD_VERSION);
			return EXIT_CLEAN;
		default:
			fputs(USAGE, stderr);
			return EXIT_TROUBLE;
		}
	}
	if (optind != argc || (d->once && d->check)) {
		fputs(USAGE, stderr);
		return EXIT_TROUBLE;
	}
	return -1;
}

/*
 * The events queued before a restart count as held by their files:
 * delivered or not by the time the initial scan reaches the file, they
 * keep their ids and are not made again.
 */
static void
seed(const char *path, const char *fingerprint, void *payload)
{
	struct state *s = payload;

	if (state_seed(s, path, fingerprint) < 0)
		log_msg("out of memory: the event for a finding in a file "
		    "may be made again");
}

/* Sets up what the threads share. */
static int
setup(struct daemon *d, struct err *e)
{
	struct queue_loaded ld = { 0 };
	pthread_condattr_t ca;

	if (conf_load(&d->conf, d->conf_file, 0, e) < 0)
		return -1;
	if (gethostname(d->host, sizeof(d->host) - 1) < 0)
		(void)snprintf(d->host, sizeof(d->host), "unknown");
	if (pthread_mutex_init(&d->conf_lock, NULL) != 0 ||
	    pthread_mutex_init(&d->deliver_lock, NULL) != 0 ||
	    pthread_condattr_init(&ca) != 0 ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&d->deliver_cond, &ca) != 0)
		return err_set(e, "cannot make a mutex");
	(void)pthread_condattr_destroy(&ca);
	if (queue_open(&d->queue, &ld, d->conf->queue_dir,
	    d->conf->queue_max_bytes, e) < 0)
		return -1;
	if (ld.events > 0 || ld.bad > 0 || ld.temporaries > 0)
		log_msg("queue '%s': %zu events waiting from before%s%s",
		    d->conf->queue_dir, ld.events, ld.bad > 0 ?
		    "; some unreadable ones moved to dead/" : "",
		    ld.temporaries > 0 ? "; half-written ones removed" : "");
	d->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (d->ino < 0)
		return err_errno(e, "inotify_init1");
	d->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (d->wake < 0)
		return err_errno(e, "eventfd");
	d->metrics.wake_fd = d->wake;
	if (tree_init(&d->tree, d->ino, e) < 0)
		return -1;
	if (work_init(&d->work, d->conf->max_pending) < 0 ||
	    state_init(&d->state) < 0)
		return err_set(e, "out of memory");
	queue_each(d->queue, seed, &d->state);
	return 0;
}

/* Queues the roots for the initial scan. */
static int
start_scan(struct daemon *d, struct err *e)
{
	const char **added = NULL;
	size_t n = 0;

	if (tree_set_roots(&d->tree, d->conf->paths, d->conf->npaths, &added,
	    &n, e) < 0)
		return -1;
	work_hold_initial(&d->work);
	for (size_t i = 0; i < n; i++)
		(void)work_add(&d->work, added[i], WORK_INITIAL);
	free(added);
	if (work_hold_release(&d->work) != 0) {
		atomic_store(&d->initial_done, true);
		daemon_wake(d);
	}
	return 0;
}

static int
run(struct daemon *d, int sfd)
{
	struct reader r = { 0 };
	pthread_t *workers = NULL, deliverer;
	size_t nworkers = 0, left;
	bool have_deliverer = false;
	struct err e = { 0 };
	struct timespec ts;
	int rc = EXIT_TROUBLE;

	r.d = d;
	r.c = daemon_conf(d);
	r.tty = progress_terminal(STDERR_FILENO);
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	r.start_time = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	if (settle_init(&r.settle, r.c->settle_ms) < 0) {
		log_msg("out of memory");
		goto out;
	}
	workers = calloc(r.c->threads, sizeof(*workers));
	if (workers == NULL) {
		log_msg("out of memory");
		goto out;
	}
	nworkers = start(workers, r.c->threads, worker_main, d);
	if (!d->once)
		have_deliverer = start(&deliverer, 1, deliver_main, d) == 1;
	if (nworkers == 0 || (!d->once && !have_deliverer)) {
		log_msg("cannot start threads");
		goto out;
	}
	if (start_scan(d, &e) < 0) {
		log_msg("%s", e.msg);
		goto out;
	}
	if (!d->once)
		log_msg("tokenguard-watch %s: watching %zu roots, delivering "
		    "%s to %s%s", TOKENGUARD_VERSION, r.c->npaths,
		    webhook_format_name(r.c->format), r.c->url_shown,
		    r.c->key == NULL ? " (unsigned)" : "");
	scan_begin(&r, "initial scan");
	loop(&r, sfd);
	scan_end(&r);
	rc = EXIT_CLEAN;
out:
	atomic_store(&d->stopping, true);
	work_stop(&d->work);
	deliver_stop(d);
	for (size_t i = 0; i < nworkers; i++)
		(void)pthread_join(workers[i], NULL);
	if (have_deliverer)
		(void)pthread_join(deliverer, NULL);
	free(workers);
	if (d->once && rc == EXIT_CLEAN) {
		atomic_store(&d->stopping, false);
		left = deliver_once(d);
		if (left > 0)
			log_msg("%zu events could not be delivered; they stay "
			    "queued in '%s'", left, r.c->queue_dir);
		rc = left > 0 ? EXIT_TROUBLE :
		    atomic_load(&d->initial_findings) > 0 ? EXIT_FOUND :
		    EXIT_CLEAN;
	} else if (d->queue != NULL) {
		queue_stats(d->queue, &left, NULL);
		log_msg("stopped; %zu events stay queued in '%s'", left,
		    r.c->queue_dir);
	}
	notify("STOPPING=1");
	write_metrics(&r);
	settle_release(&r.settle);
	conf_unref(r.c);
	return rc;
}

/* --check: the configuration as a start would read it. */
static int
check(struct daemon *d)
{
	struct err e = { 0 };
	struct conf *c = NULL;

	if (conf_load(&c, d->conf_file, CONF_CHECK, &e) < 0) {
		log_error("%s", e.msg);	/* from ExecReload=: the journal */
		return EXIT_TROUBLE;
	}
	printf("tokenguard-watch: '%s' is good: %zu roots, delivering %s "
	    "to %s%s\n", d->conf_file, c->npaths,
	    webhook_format_name(c->format), c->url_shown,
	    c->key_elsewhere ? " (signed with the credential '"
	    CONF_CREDENTIAL "' of the service)" :
	    c->key == NULL ? " (unsigned)" : "");
	conf_unref(c);
	return EXIT_CLEAN;
}

static void
teardown(struct daemon *d)
{
	tree_release(&d->tree);
	work_release(&d->work);
	state_release(&d->state);
	queue_free(d->queue);
	if (d->ino >= 0)
		(void)close(d->ino);
	if (d->wake >= 0)
		(void)close(d->wake);
	conf_unref(d->conf);
}

int
main(int argc, char **argv)
{
	static struct daemon d;
	struct err e = { 0 };
	sigset_t set;
	int rc, sfd = -1;

	harden();
	d.ino = d.wake = -1;
	d.metrics.wake_fd = -1;
	rc = parse_args(argc, argv, &d);
	if (rc >= 0)
		return rc;
	/* Every thread inherits this mask: signals come through sfd. */
	(void)signal(SIGPIPE, SIG_IGN);
	(void)sigemptyset(&set);
	(void)sigaddset(&set, SIGHUP);
	(void)sigaddset(&set, SIGTERM);
	(void)sigaddset(&set, SIGINT);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0) {
		fprintf(stderr, "tokenguard-watch: cannot block signals\n");
		return EXIT_TROUBLE;
	}
	sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0) {
		fprintf(stderr, "tokenguard-watch: signalfd: %s\n",
		    strerror(errno));
		return EXIT_TROUBLE;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "tokenguard-watch: cannot start libcurl\n");
		return EXIT_TROUBLE;
	}
	(void)git_libgit2_init();
	if (d.check) {
		rc = check(&d);
		(void)close(sfd);
		(void)git_libgit2_shutdown();
		curl_global_cleanup();
		return rc;
	}
	if (setup(&d, &e) < 0) {
		fprintf(stderr, "tokenguard-watch: %s\n", e.msg);
		rc = EXIT_TROUBLE;
	} else {
		rc = run(&d, sfd);
	}
	teardown(&d);
	(void)close(sfd);
	(void)git_libgit2_shutdown();
	curl_global_cleanup();
	return rc;
}
