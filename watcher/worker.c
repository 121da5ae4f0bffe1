/*
 * worker: walking and scanning. A walk watches each directory before it
 * lists it, so that nothing created in it can slip between the listing
 * and the watch: `mkdir -p a/b && echo ... > a/b/.npmrc` is either seen
 * by the listing or makes an event. Walks never follow a symbolic link:
 * directories are opened relative to their root without links
 * (tree_open()), files relative to their directory with O_NOFOLLOW.
 */
#include "worker.h"

#include <dirent.h>	/* DT_* */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "deliver.h"
#include "filescan.h"
#include "log.h"
#include "report.h"

/* One finding of a scan, its strings borrowed from the scanner. */
struct hit {
	size_t line;
	size_t column;
	const char *rule;
	const char *description;
	char redacted[REDACTED_SIZE];
	char fingerprint[FINGERPRINT_SIZE];
};

struct hits {
	struct hit *v;
	size_t n, cap;
	bool failed;
};

/* A directory waiting to be walked, too deep for an open descriptor. */
struct pending {
	char *path;
	bool nowatch;		/* below a directory the limit left unwatched */
};

/* Subdirectory names of one directory, NUL-separated. */
struct names {
	char *buf;
	size_t len, cap;
};

/* One scanner thread's reusable state. */
struct walker {
	struct daemon *d;
	struct conf *c;		/* of the job at hand */
	struct filescan fs;
	char *dents;		/* getdents64 buffer */
	int rootfd;		/* of the walk at hand */
	size_t rel_off;		/* where paths below the root start */
	unsigned flags;
	struct pending *later;
	size_t nlater, caplater;
	char path[PATH_MAX];
};

/* What getdents64(2) returns; glibc 2.36 has no wrapper. */
struct kdirent {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

#define DENTS_SIZE (32U << 10)

/* Open descriptors one walk keeps for its ancestors, at most. */
#define FD_DEPTH 16

static int
collect(const struct finding *f, void *payload)
{
	struct hits *h = payload;
	struct hit *x;

	if (h->n == h->cap) {
		size_t cap = h->cap != 0 ? h->cap * 2 : 8;
		struct hit *v = realloc(h->v, cap * sizeof(*v));

		if (v == NULL) {
			h->failed = true;
			return 1;
		}
		h->v = v;
		h->cap = cap;
	}
	x = &h->v[h->n++];
	x->line = f->line;
	x->column = f->column;
	x->rule = f->rule;
	x->description = f->description;
	memcpy(x->redacted, f->redacted, sizeof(x->redacted));
	memcpy(x->fingerprint, f->fingerprint, sizeof(x->fingerprint));
	return 0;
}

static const char *
source_of(unsigned flags)
{
	if ((flags & (WORK_INITIAL | WORK_NEWROOT)) != 0)
		return "initial-scan";
	if ((flags & (WORK_RESCAN | WORK_SKIP)) != 0 &&
	    (flags & WORK_EVENT) == 0)
		return "rescan";
	return "event";
}

/* Now as RFC 3339 UTC with milliseconds. */
static void
now_rfc3339(char out[32])
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)gmtime_r(&ts.tv_sec, &tm);
	n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	(void)snprintf(out + n, 32 - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

/* The event record of a finding; NULL when out of memory. */
static json_t *
record(struct daemon *d, const char *path, const struct hit *h,
    const char *source)
{
	char *upath = NULL, *udesc = NULL;
	char when[32];
	json_t *r = NULL;

	now_rfc3339(when);
	if (report_utf8(&upath, path, NULL) < 0 ||
	    report_utf8(&udesc, h->description != NULL ? h->description : "",
	    NULL) < 0)
		goto out;
	r = json_pack("{s:s,s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:s}",
	    "time", when, "host", d->host, "path", upath,
	    "line", (json_int_t)h->line, "rule", h->rule,
	    "description", udesc, "redacted", h->redacted,
	    "fingerprint", h->fingerprint, "source", source);
out:
	free(upath);
	free(udesc);
	return r;
}

/* The log line's text for a finding, or a fallback when out of memory. */
static void
log_finding(const char *path, const struct hit *h, const char *what)
{
	struct finding f = { 0 };
	char *text = NULL;

	f.path = path;
	f.line = h->line;
	f.column = h->column;
	f.rule = h->rule;
	f.description = h->description;
	memcpy(f.redacted, h->redacted, sizeof(f.redacted));
	memcpy(f.fingerprint, h->fingerprint, sizeof(f.fingerprint));
	if (report_text(&text, &f, NULL) < 0) {
		log_msg("finding: %s (%s)", h->fingerprint, what);
		return;
	}
	log_msg("finding: %s (%s)", text, what);
	free(text);
}

/*
 * A finding was refused again: now and then, one line for all those
 * that wait (the first refusal of each was logged on its own).
 */
static void
refused_summary(struct daemon *d, const char *why)
{
	size_t n;

	n = state_refused_summary(&d->state, daemon_now_ms());
	if (n > 0)
		log_msg("%zu findings still not queued (%s); their files are "
		    "scanned again later", n, why);
}

/* Queues the findings path holds now that it did not hold before. */
static void
report(struct daemon *d, const char *path,
    const struct hits *hits, unsigned flags)
{
	char (*fps)[FINGERPRINT_SIZE] = NULL;
	size_t *first = NULL, n = 0;
	const char *source = source_of(flags);
	char shown[LOG_PATH_MAX], what[128];
	bool *is_new = NULL;

	if (hits->n != 0) {
		fps = malloc(hits->n * sizeof(*fps));
		first = malloc(hits->n * sizeof(*first));
		is_new = malloc(hits->n * sizeof(*is_new));
		if (fps == NULL || first == NULL || is_new == NULL) {
			log_msg("out of memory: findings in '%s' not queued",
			    log_escape(shown, sizeof(shown), path));
			goto out;
		}
	}
	/* One event per fingerprint: the first place it appears. */
	for (size_t i = 0; i < hits->n; i++) {
		size_t j;

		for (j = 0; j < n; j++) {
			if (strcmp(fps[j], hits->v[i].fingerprint) == 0)
				break;
		}
		if (j < n)
			continue;
		memcpy(fps[n], hits->v[i].fingerprint, FINGERPRINT_SIZE);
		first[n++] = i;
	}
	if ((flags & WORK_INITIAL) != 0)
		atomic_fetch_add(&d->initial_findings, n);
	if (state_hold(&d->state, path, fps, n, is_new) < 0) {
		for (size_t i = 0; i < n; i++)
			is_new[i] = true;
	}
	for (size_t i = 0; i < n; i++) {
		const struct hit *h = &hits->v[first[i]];
		enum queue_put_result res = QUEUE_ADDED;
		char id[QUEUE_ID_SIZE];
		struct err e = { 0 };
		json_t *rec;
		int rc = -1;

		if (!is_new[i])
			continue;
		rec = record(d, path, h, source);
		if (rec == NULL)
			err_set(&e, "out of memory");
		else
			rc = queue_put(&res, id, d->queue, rec, &e);
		json_decref(rec);
		if (rc == 0 && res == QUEUE_ADDED) {
			(void)snprintf(what, sizeof(what), "%s, queued as %s%s",
			    source, id, state_queued(&d->state, path,
			    h->fingerprint) ? " after being refused" : "");
			log_finding(path, h, what);
			metrics_add(&d->metrics, &d->metrics.findings, 1);
			deliver_kick(d);
			continue;
		}
		if (rc == 0 && res == QUEUE_DUPLICATE)
			continue;	/* queued before a restart */
		/* Not queued: forget it was seen, and look again later. */
		state_unhold(&d->state, path, h->fingerprint);
		state_defer(&d->state, path);
		deliver_kick(d);	/* which schedules the next look */
		if (!state_refused(&d->state, path, h->fingerprint)) {
			/* Refused before: logged and counted then. */
			refused_summary(d, rc == 0 ? "the delivery queue is "
			    "full (queue.maxBytes)" : e.msg);
			continue;
		}
		metrics_add(&d->metrics, &d->metrics.refused, 1);
		if (rc == 0) {
			log_finding(path, h, "NOT QUEUED: the delivery queue "
			    "is full (queue.maxBytes); the file is scanned "
			    "again when deliveries make room");
		} else {
			log_finding(path, h, "NOT QUEUED: see the next line");
			log_msg("%s; the file is scanned again later", e.msg);
		}
	}
out:
	free(fps);
	free(first);
	free(is_new);
}

static void
scan_file(struct daemon *d, struct conf *c, struct filescan *fs, int fd,
    const struct stat *st, const char *path, unsigned flags)
{
	struct scan_origin origin = { path, NULL };
	struct filescan_result res;
	struct hits hits = { 0 };
	char shown[LOG_PATH_MAX];
	struct err e = { 0 };

	if ((flags & (WORK_RESCAN | WORK_SKIP)) != 0 &&
	    (flags & WORK_EVENT) == 0 &&
	    state_unchanged(&d->state, path, st)) {
		metrics_add(&d->metrics, &d->metrics.unchanged, 1);
		return;
	}
	if (filescan_fd(&res, fs, c->scanner, fd, c->max_file_size, &origin,
	    0, collect, &hits, &e) < 0 || hits.failed) {
		log_msg("cannot scan '%s': %s",
		    log_escape(shown, sizeof(shown), path),
		    hits.failed ? "out of memory" : e.msg);
		metrics_add(&d->metrics, &d->metrics.unreadable, 1);
		free(hits.v);
		return;
	}
	metrics_add(&d->metrics, &d->metrics.scanned, 1);
	atomic_fetch_add(&d->bytes_scanned, res.bytes);
	if (res.over) {
		log_msg("'%s' is bigger than watch.maxFileSize: only its "
		    "first %llu bytes were scanned",
		    log_escape(shown, sizeof(shown), path),
		    (unsigned long long)c->max_file_size);
		metrics_add(&d->metrics, &d->metrics.oversize, 1);
	}
	state_scanned(&d->state, path, st);
	report(d, path, &hits, flags);
	free(hits.v);
}

/* Logs why path could not be opened, unless that is expected. */
static void
open_failed(struct daemon *d, const char *path, int error, unsigned flags)
{
	char shown[LOG_PATH_MAX];

	switch (error) {
	case ENOENT:
	case ENOTDIR:
		/* Gone: what it held is not held any more. */
		state_forget(&d->state, path);
		if ((flags & WORK_DEFERRED) != 0)
			log_msg("'%s' is gone before its findings could be "
			    "queued (the queue was full)",
			    log_escape(shown, sizeof(shown), path));
		return;
	case ELOOP:
	case EXDEV:
	case ENXIO:
		/* A link (never followed) or a socket: not ours to read. */
		state_forget(&d->state, path);
		return;
	default:
		log_msg("cannot read '%s': %s",
		    log_escape(shown, sizeof(shown), path), strerror(error));
		metrics_add(&d->metrics, &d->metrics.unreadable, 1);
		return;
	}
}

static int
push_later(struct walker *wk, const char *path, bool nowatch)
{
	char *copy = strdup(path);

	if (copy == NULL)
		return -1;
	if (wk->nlater == wk->caplater) {
		size_t cap = wk->caplater != 0 ? wk->caplater * 2 : 16;
		struct pending *v = realloc(wk->later, cap * sizeof(*v));

		if (v == NULL) {
			free(copy);
			return -1;
		}
		wk->later = v;
		wk->caplater = cap;
	}
	wk->later[wk->nlater].path = copy;
	wk->later[wk->nlater].nowatch = nowatch;
	wk->nlater++;
	return 0;
}

static bool
names_add(struct names *n, const char *name)
{
	size_t len = strlen(name) + 1;

	if (n->len + len > n->cap) {
		size_t cap = (n->len + len) * 2;
		char *b = realloc(n->buf, cap);

		if (b == NULL)
			return false;
		n->buf = b;
		n->cap = cap;
	}
	memcpy(n->buf + n->len, name, len);
	n->len += len;
	return true;
}

/* Watches the directory dirfd at path; false when it stays unwatched. */
static bool
watch_dir(struct daemon *d, struct conf *c, const char *path,
    size_t rel_off, int dirfd)
{
	char shown[LOG_PATH_MAX];
	int error = 0;

	switch (tree_watch(&d->tree, path, rel_off, dirfd, &error)) {
	case TREE_WATCHED:
		return true;
	case TREE_NOSPACE:
		if (tree_unwatched_add(&d->tree, path) &&
		    !atomic_exchange(&d->enospc, true))
			log_msg("cannot watch '%s': the inotify watch limit "
			    "is reached (fs.inotify.max_user_watches); "
			    "directories left unwatched are rescanned every "
			    "%llu s; a summary follows the scan",
			    log_escape(shown, sizeof(shown), path),
			    (unsigned long long)(c->rescan_ms / 1000));
		tree_unwatched_count(&d->tree, 1);
		return false;
	case TREE_FAILED:
	default:
		log_msg("cannot watch '%s': %s",
		    log_escape(shown, sizeof(shown), path), strerror(error));
		return true;	/* no limit involved: do not count it */
	}
}

/*
 * Appends "/" and name to wk->path (of length len); returns the new
 * length, or 0 when it does not fit.
 */
static size_t
descend(struct walker *wk, size_t len, const char *name)
{
	size_t n = strlen(name);
	bool slash = !(len == 1 && wk->path[0] == '/');

	if (len + slash + n >= sizeof(wk->path))
		return 0;
	if (slash)
		wk->path[len++] = '/';
	memcpy(wk->path + len, name, n + 1);
	return len + n;
}

/* One entry of a directory being listed: a file is scanned now. */
static void
entry(struct walker *wk, struct names *subdirs, int dirfd,
    const struct kdirent *de, size_t len)
{
	char shown[LOG_PATH_MAX];
	unsigned char type = de->d_type;
	const char *name = de->d_name;
	struct stat st;
	size_t n;
	int fd;

	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return;
	n = descend(wk, len, name);
	if (n == 0) {
		wk->path[len] = '\0';
		log_msg("'%s/...': path too long, not scanned",
		    log_escape(shown, sizeof(shown), wk->path));
		return;
	}
	if (conf_excluded(wk->c, name, wk->path + wk->rel_off) ||
	    conf_own(wk->c, wk->path))
		goto out;
	if (type == DT_UNKNOWN) {
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			goto out;
		type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ?
		    DT_REG : DT_UNKNOWN;
	}
	if (type == DT_DIR) {
		if (!names_add(subdirs, name))
			log_msg("out of memory: '%s' not walked",
			    log_escape(shown, sizeof(shown), wk->path));
		goto out;
	}
	if (type != DT_REG)
		goto out;	/* links, FIFOs, sockets, devices */
	fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0) {
		open_failed(wk->d, wk->path, errno, wk->flags);
		goto out;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		scan_file(wk->d, wk->c, &wk->fs, fd, &st, wk->path, wk->flags);
	(void)close(fd);
out:
	wk->path[len] = '\0';
}

/*
 * Walks the directory open as dirfd (consumed) at wk->path (of length
 * len): watch it, list it (scanning its files), then its subdirectories,
 * each opened relative to dirfd, or handed to an idle thread, or kept
 * for later when too deep.
 */
static void
walk_fd(struct walker *wk, size_t len, int dirfd, int depth, bool nowatch)
{
	struct daemon *d = wk->d;
	struct names subdirs = { 0 };
	char shown[LOG_PATH_MAX];

	/* The root itself is named by its whole path. */
	if (!nowatch)
		nowatch = !watch_dir(d, wk->c, wk->path,
		    len < wk->rel_off ? len : wk->rel_off, dirfd);
	else
		tree_unwatched_count(&d->tree, 1);
	for (;;) {
		long n = syscall(SYS_getdents64, dirfd, wk->dents, DENTS_SIZE);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_msg("cannot list '%s': %s",
			    log_escape(shown, sizeof(shown), wk->path),
			    strerror(errno));
			metrics_add(&d->metrics, &d->metrics.unreadable, 1);
			break;
		}
		if (n == 0 || atomic_load(&d->stopping))
			break;
		for (long off = 0; off < n;) {
			const struct kdirent *de =
			    (const void *)(wk->dents + off);

			entry(wk, &subdirs, dirfd, de, len);
			off += de->d_reclen;
		}
	}
	for (size_t off = 0; off < subdirs.len && !atomic_load(&d->stopping);
	    off += strlen(subdirs.buf + off) + 1) {
		const char *name = subdirs.buf + off;
		size_t n = descend(wk, len, name);
		int fd;

		if (n == 0)
			continue;
		if (!nowatch && work_starving(&d->work, wk->c->threads) &&
		    work_add(&d->work, wk->path,
		    wk->flags & WORK_INHERITED) == 0) {
			wk->path[len] = '\0';
			continue;
		}
		if (depth + 1 >= FD_DEPTH) {
			if (push_later(wk, wk->path, nowatch) < 0)
				log_msg("out of memory: '%s' not walked",
				    log_escape(shown, sizeof(shown),
				    wk->path));
			wk->path[len] = '\0';
			continue;
		}
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			open_failed(d, wk->path, errno, wk->flags);
		else
			walk_fd(wk, n, fd, depth + 1, nowatch);
		wk->path[len] = '\0';
	}
	free(subdirs.buf);
	(void)close(dirfd);
}

/* Walks the directory open as dirfd (consumed) at path. */
static void
walk_dir(struct walker *wk, int rootfd, const char *path, size_t rel_off,
    int dirfd)
{
	size_t len = strlen(path);
	bool nowatch = false;

	if (len >= sizeof(wk->path)) {
		(void)close(dirfd);
		return;
	}
	wk->rootfd = rootfd;
	/* rel_off points at "" for the root: its entries start after '/'. */
	wk->rel_off = path[rel_off] == '\0' && !(rel_off == 1 &&
	    path[0] == '/') ? rel_off + 1 : rel_off;
	memcpy(wk->path, path, len + 1);
	for (;;) {
		walk_fd(wk, len, dirfd, 0, nowatch);
		dirfd = -1;
		while (dirfd < 0 && wk->nlater > 0) {
			struct pending *p = &wk->later[--wk->nlater];

			nowatch = p->nowatch;
			len = strlen(p->path);
			memcpy(wk->path, p->path, len + 1);
			free(p->path);
			if (atomic_load(&wk->d->stopping))
				continue;
			dirfd = tree_open(rootfd, wk->path + wk->rel_off,
			    O_RDONLY | O_DIRECTORY | O_NONBLOCK);
			if (dirfd < 0)
				open_failed(wk->d, wk->path, errno, wk->flags);
		}
		if (dirfd < 0)
			break;
	}
}

/* Looks at whatever is at path now. */
static void
look(struct walker *wk, const char *path, unsigned flags)
{
	struct daemon *d = wk->d;
	struct conf *c = wk->c;
	struct stat st;
	size_t rel = 0;
	int rootfd = -1, fd;

	wk->flags = flags;
	if (tree_root_fd(&d->tree, path, &rootfd, &rel) < 0)
		return;		/* no root of ours any more */
	if ((path[rel] != '\0' && conf_excluded_path(c, path + rel)) ||
	    conf_own(c, path))
		goto out;
	fd = tree_open(rootfd, path + rel, O_RDONLY | O_NONBLOCK);
	if (fd < 0) {
		open_failed(d, path, errno, flags);
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		open_failed(d, path, errno, flags);
		(void)close(fd);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		walk_dir(wk, rootfd, path, rel, fd);
		goto out;
	}
	if (S_ISREG(st.st_mode))
		scan_file(d, c, &wk->fs, fd, &st, path, flags);
	else
		state_forget(&d->state, path);	/* FIFOs are never read */
	(void)close(fd);
out:
	(void)close(rootfd);
}

/* Rescans every root, skipping files unchanged since their last scan. */
static void
rescan_all(struct walker *wk)
{
	struct daemon *d = wk->d;
	struct conf *c = wk->c;
	const char **back = NULL;
	size_t nback = 0;
	struct err e = { 0 };
	char **v = NULL;
	size_t n = 0;

	/* What is still unwatched is found again by the walks. */
	tree_unwatched_take(&d->tree, &v, &n);
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	if (tree_reopen_roots(&d->tree, &back, &nback, &e) < 0)
		log_msg("%s", e.msg);
	free(back);
	for (size_t i = 0; i < c->npaths && !atomic_load(&d->stopping); i++)
		look(wk, c->paths[i], WORK_RESCAN);
}

void *
worker_main(void *arg)
{
	struct daemon *d = arg;
	struct walker *wk;
	struct work_job job;

	wk = calloc(1, sizeof(*wk));
	if (wk != NULL)
		wk->dents = malloc(DENTS_SIZE);
	if (wk == NULL || wk->dents == NULL) {
		log_msg("out of memory: a scanner thread stops");
		free(wk);
		return NULL;
	}
	wk->d = d;
	filescan_init(&wk->fs);
	while (work_take(&d->work, &job)) {
		unsigned done;

		wk->c = daemon_conf(d);
		if ((job.flags & WORK_ALL) != 0)
			rescan_all(wk);
		else
			look(wk, job.path, job.flags);
		conf_unref(wk->c);
		wk->c = NULL;
		done = work_done(&d->work, &job);
		if ((done & WORK_INITIAL_DONE) != 0) {
			atomic_store(&d->initial_done, true);
			daemon_wake(d);
		}
		if ((done & WORK_RESCAN_DONE) != 0) {
			metrics_add(&d->metrics, &d->metrics.rescans, 1);
			atomic_store(&d->rescan_done, true);
			daemon_wake(d);
		}
	}
	filescan_release(&wk->fs);
	free(wk->dents);
	free(wk->later);
	free(wk);
	return NULL;
}
