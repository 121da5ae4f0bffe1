/*
 * imagescan: the layers of an image on worker threads, the config on
 * the calling thread. A layer's findings, messages and whiteouts are
 * kept until every layer is read: whether a file is deleted is known
 * only once the layers above it are, and reports come in layer order
 * whatever the order the threads finish in. What is kept is small (the
 * findings and the deleted paths, capped), never the layers' files.
 */
#include "imagescan.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "filescan.h"
#include "image.h"
#include "report.h"

/* Longest instruction shown in text. */
#define CREATED_BY_SHOWN 160

enum item_kind {
	ITEM_HIT,
	ITEM_MESSAGE,		/* trouble: a hostile entry */
	ITEM_SKIPPED,		/* a file over the size cap */
	ITEM_WARNING,		/* a file not fully checked: message */
};

/* What a layer reported, in entry order. */
struct item {
	enum item_kind kind;
	struct finding f;	/* ITEM_HIT: its strings are below */
	char *path;		/* in the image */
	char *rule;
	char *description;
	char *message;		/* ITEM_MESSAGE, ITEM_WARNING */
	uint64_t size;		/* ITEM_SKIPPED: the size the tar gives */
};

struct whiteout {
	char *path;
	bool opaque;
};

struct layer_job {
	const struct image_layer *l;
	struct item *items;
	size_t nitems;
	size_t cap;
	size_t nhits;
	struct whiteout *wh;
	size_t nwh;
	size_t whcap;
	size_t files;
	size_t dummies;		/* values set aside as made up */
	bool failed;
	char why[ERR_MAX];
	atomic_uint_fast64_t *bytes;	/* the run's, for progress */
};

/* One image of the file, scanned. */
struct imgrun {
	const struct image *im;
	const struct image_manifest *m;
	const struct scanner *s;
	uint64_t max;
	unsigned flags;		/* scanner_scan() flags */
	struct layer_job *jobs;
	size_t njobs;
	size_t *order;		/* the jobs, biggest layer first */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t next;		/* the next layer to take; under mu */
	size_t done;		/* layers finished; under mu */
	atomic_uint_fast64_t bytes;
};

static void
item_release(struct item *it)
{
	free(it->path);
	free(it->rule);
	free(it->description);
	free(it->message);
}

static void
job_release(struct layer_job *j)
{
	for (size_t i = 0; i < j->nitems; i++)
		item_release(&j->items[i]);
	free(j->items);
	for (size_t i = 0; i < j->nwh; i++)
		free(j->wh[i].path);
	free(j->wh);
}

/* A new item at the end of j's, zeroed; NULL when out of memory. */
static struct item *
add_item(struct layer_job *j)
{
	struct item *nv;
	size_t cap;

	if (j->nitems == j->cap) {
		cap = j->cap != 0 ? 2 * j->cap : 16;
		nv = realloc(j->items, cap * sizeof(*nv));
		if (nv == NULL)
			return NULL;
		j->items = nv;
		j->cap = cap;
	}
	memset(&j->items[j->nitems], 0, sizeof(*nv));
	return &j->items[j->nitems++];
}

static int
fail(struct layer_job *j, const char *why)
{
	(void)snprintf(j->why, sizeof(j->why), "%s", why);
	j->failed = true;
	return 1;
}

/* The scanner's callback on a worker: keeps a copy of the finding. */
static int
collect(const struct finding *f, void *payload)
{
	struct layer_job *j = payload;
	struct item *it;
	char why[64];

	if (j->nhits == IMAGESCAN_HITS_MAX) {
		(void)snprintf(why, sizeof(why), "over %d findings: not read "
		    "further", IMAGESCAN_HITS_MAX);
		return fail(j, why);
	}
	it = add_item(j);
	if (it == NULL)
		return fail(j, "out of memory");
	it->kind = ITEM_HIT;
	it->f = *f;
	it->path = strdup(f->path);
	it->rule = strdup(f->rule);
	it->description = strdup(f->description != NULL ? f->description :
	    "");
	if (it->path == NULL || it->rule == NULL || it->description == NULL)
		return fail(j, "out of memory");
	it->f.path = it->path;
	it->f.commit = NULL;
	it->f.rule = it->rule;
	it->f.description = it->description;
	j->nhits++;
	return 0;
}

/*
 * A file that a user rule could not fully check (the PCRE2 match limit):
 * a warning, as the file scan gives.
 */
static int
warn_limits(struct layer_job *j, const struct image_event *ev)
{
	const struct scan_stats *st = ev->stats;
	char msg[ERR_MAX];
	struct item *it;

	if (st == NULL || st->user_rule_limits == 0)
		return 0;
	(void)snprintf(msg, sizeof(msg), "warning: user rule '%s' hit the "
	    "PCRE2 match limit on %zu line%s (catastrophic backtracking?): "
	    "the file was not fully checked by it", st->limit_rule != NULL ?
	    st->limit_rule : "?", st->user_rule_limits,
	    st->user_rule_limits == 1 ? "" : "s");
	it = add_item(j);
	if (it == NULL || (it->path = strdup(ev->path)) == NULL ||
	    (it->message = strdup(msg)) == NULL)
		return fail(j, "out of memory");
	it->kind = ITEM_WARNING;
	return 0;
}

/* image_layer_scan()'s events on a worker. */
static int
on_event(const struct image_event *ev, void *payload)
{
	struct layer_job *j = payload;
	struct whiteout *nw;
	struct item *it;
	size_t cap;
	char msg[ERR_MAX];
	char *esc = NULL;

	switch (ev->kind) {
	case IMAGE_FILE:
		j->files++;
		j->dummies += ev->stats != NULL ? ev->stats->dummies : 0;
		atomic_fetch_add(j->bytes, ev->bytes);
		return warn_limits(j, ev);
	case IMAGE_SKIPPED:
		j->files++;
		j->dummies += ev->stats != NULL ? ev->stats->dummies : 0;
		atomic_fetch_add(j->bytes, ev->bytes);
		if (warn_limits(j, ev) != 0)
			return 1;
		it = add_item(j);
		if (it == NULL || (it->path = strdup(ev->path)) == NULL)
			return fail(j, "out of memory");
		it->kind = ITEM_SKIPPED;
		it->size = ev->size;
		return 0;
	case IMAGE_BAD_ENTRY:
		if (report_escape(&esc, ev->path, NULL) < 0)
			return fail(j, "out of memory");
		(void)snprintf(msg, sizeof(msg), "entry '%s': %s", esc,
		    ev->why);
		free(esc);
		it = add_item(j);
		if (it == NULL || (it->message = strdup(msg)) == NULL)
			return fail(j, "out of memory");
		it->kind = ITEM_MESSAGE;
		return 0;
	case IMAGE_WHITEOUT:
	case IMAGE_OPAQUE:
		break;
	}
	if (j->nwh == IMAGESCAN_WHITEOUTS_MAX)
		return fail(j, "over 1000000 deleted paths: not read further");
	if (j->nwh == j->whcap) {
		cap = j->whcap != 0 ? 2 * j->whcap : 16;
		nw = realloc(j->wh, cap * sizeof(*nw));
		if (nw == NULL)
			return fail(j, "out of memory");
		j->wh = nw;
		j->whcap = cap;
	}
	j->wh[j->nwh].path = strdup(ev->path);
	if (j->wh[j->nwh].path == NULL)
		return fail(j, "out of memory");
	j->wh[j->nwh].opaque = ev->kind == IMAGE_OPAQUE;
	j->nwh++;
	return 0;
}

static void *
worker(void *arg)
{
	struct imgrun *r = arg;
	struct filescan fs;
	struct layer_job *j;
	struct err e = { 0 };
	int rc;

	filescan_init(&fs);
	for (;;) {
		(void)pthread_mutex_lock(&r->mu);
		j = r->next < r->njobs ? &r->jobs[r->order[r->next++]] : NULL;
		(void)pthread_mutex_unlock(&r->mu);
		if (j == NULL)
			break;
		rc = image_layer_scan(r->im, j->l, &fs, r->s, r->max, r->flags,
		    collect, on_event, j, &e);
		if (rc < 0)
			(void)fail(j, e.msg);
		(void)pthread_mutex_lock(&r->mu);
		r->done++;
		(void)pthread_cond_signal(&r->cv);
		(void)pthread_mutex_unlock(&r->mu);
	}
	filescan_release(&fs);
	return NULL;
}

/* Whether path is dir or inside it ("/" holds everything). */
static bool
under(const char *path, const char *dir, bool self)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return true;
	if (strncmp(path, dir, n) != 0)
		return false;
	return path[n] == '/' || (self && path[n] == '\0');
}

/*
 * The first layer above layer i (0-based) that deletes path: a whiteout
 * of it or of a directory holding it, or an opaque directory holding
 * it. 1-based; 0 when none does.
 */
static size_t
deleted_in(const struct imgrun *r, size_t i, const char *path)
{
	for (size_t k = i + 1; k < r->njobs; k++) {
		const struct layer_job *j = &r->jobs[k];

		for (size_t w = 0; w < j->nwh; w++) {
			if (under(path, j->wh[w].path, !j->wh[w].opaque))
				return k + 1;
		}
	}
	return 0;
}

static void
draw(struct progress *prog, const char *image, size_t done, size_t n,
    uint64_t bytes)
{
	char size[PROGRESS_SIZE_MAX];
	uint64_t now = progress_clock();

	if (prog == NULL || !progress_due(prog, now))
		return;
	(void)progress_size(size, bytes);
	fputs(progress_format(prog, now, PROG ": %s: %zu/%zu layer%s, %s "
	    "scanned", image, done, n, n == 1 ? "" : "s", size), stderr);
}

static void
hide(struct progress *prog)
{
	if (prog != NULL)
		fputs(progress_clear(prog), stderr);
}

/* Waits for every layer, drawing the progress line meanwhile. */
static void
wait_layers(struct imgrun *r, const char *image, struct progress *prog)
{
	struct timespec until;
	size_t done;

	/* Once at the start: with a delay of 0, a line is always drawn. */
	draw(prog, image, 0, r->njobs, 0);
	(void)pthread_mutex_lock(&r->mu);
	while (r->done < r->njobs) {
		(void)clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += PROGRESS_EVERY_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&r->cv, &r->mu, &until);
		done = r->done;
		(void)pthread_mutex_unlock(&r->mu);
		draw(prog, image, done, r->njobs, atomic_load(&r->bytes));
		(void)pthread_mutex_lock(&r->mu);
	}
	(void)pthread_mutex_unlock(&r->mu);
}

/* Prints "tokenguard: SHOWN: " and a message, escaped. */
static void
message(struct progress *prog, const char *shown, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
message(struct progress *prog, const char *shown, const char *fmt, ...)
{
	char *esc = NULL;
	va_list ap;

	hide(prog);
	if (report_escape(&esc, shown, NULL) < 0)
		esc = NULL;
	fprintf(stderr, PROG ": %s: ", esc != NULL ? esc : shown);
	free(esc);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* What is reported on the calling thread, and how. */
struct report {
	const char *image;
	const struct image *im;
	const struct image_manifest *m;
	struct imagescan_stats *st;
	bool skip_is_trouble;
	unsigned flags;		/* scanner_scan() flags */
	struct progress *prog;
	imagescan_fn *fn;
	void *payload;
	enum image_part part;	/* of the config being scanned */
	bool *history_secret;	/* history entries holding a finding */
	size_t nhistory;
	char *shown;		/* of the finding being reported */
	char *last;		/* shown of the previous finding */
	int rc;			/* fn's non-zero value */
};

/* "IMAGE:middle" and tail into r->shown; -1 when out of memory. */
static int
set_shown(struct report *r, const char *middle, const char *tail)
{
	size_t n = strlen(r->image) + strlen(middle) + strlen(tail) + 2;

	free(r->shown);
	r->shown = malloc(n);
	if (r->shown == NULL)
		return -1;
	(void)snprintf(r->shown, n, "%s:%s%s", r->image, middle, tail);
	return 0;
}

static int
deliver(struct report *r, const struct finding *f, struct imagescan_hit *h)
{
	h->image = r->image;
	h->name = r->m->name;
	h->format = image_format_name(r->im->format);
	h->shown = r->shown;
	h->new_file = r->last == NULL || strcmp(r->last, r->shown) != 0;
	free(r->last);
	r->last = strdup(r->shown);
	if (r->last == NULL)
		return cli_error("out of memory");
	hide(r->prog);
	r->rc = r->fn(f, h, r->payload);
	return r->rc;
}

/* The config's findings, on the calling thread: reported at once. */
static int
config_hit(const struct finding *f, void *payload)
{
	struct report *r = payload;
	struct imagescan_hit h;

	memset(&h, 0, sizeof(h));
	h.part = image_part_name(r->part);
	if (r->part == IMAGE_HISTORY) {
		if (f->line <= r->nhistory)
			r->history_secret[f->line - 1] = true;
		h.layer = image_history_layer(r->m, f->line);
	}
	if (set_shown(r, f->path, "") < 0)
		return cli_error("out of memory");
	/* The layer it made; its instruction is the finding itself. */
	if (h.layer != 0)
		h.digest = r->m->layers[h.layer - 1].digest;
	return deliver(r, f, &h);
}

static int
scan_config(struct report *r, const struct scanner *s)
{
	struct scan_origin origin = { NULL, NULL };
	struct scan_stats ss;
	struct err e = { 0 };
	char *text = NULL, where[32];
	size_t len = 0;
	int rc = 0;

	r->nhistory = json_array_size(json_object_get(r->m->config,
	    "history"));
	r->history_secret = calloc(r->nhistory + 1, sizeof(bool));
	if (r->history_secret == NULL)
		return cli_error("out of memory");
	for (int p = 0; p < IMAGE_PART_COUNT && rc == 0; p++) {
		if (image_part_text(&text, &len, r->m, (enum image_part)p,
		    &e) < 0)
			return cli_error("%s", e.msg);
		/* "config.Env" ... and "history": paths in the config. */
		r->part = (enum image_part)p;
		(void)snprintf(where, sizeof(where), "%s%s",
		    r->part == IMAGE_HISTORY ? "" : "config.",
		    image_part_name(r->part));
		origin.path = where;
		memset(&ss, 0, sizeof(ss));
		rc = scanner_scan(s, &ss, &origin, text, len,
		    SCAN_FORCE_TEXT | r->flags, config_hit, r, &e);
		r->st->dummies += ss.dummies;
		free(text);
		if (rc < 0) {
			message(r->prog, r->image, "config: %s", e.msg);
			r->st->trouble = true;
			rc = 0;
		}
	}
	return rc;
}

/* The instruction of layer l, unless it holds a secret itself. */
static const char *
created_by(const struct report *r, const struct image_layer *l)
{
	if (l->history == 0 || l->history > r->nhistory ||
	    r->history_secret[l->history - 1])
		return NULL;
	return l->created_by;
}

/* One layer's items, in entry order, then its failure if any. */
static int
report_layer(struct report *r, const struct imgrun *run, size_t i)
{
	const struct layer_job *j = &run->jobs[i];
	const struct image_layer *l = j->l;
	struct imagescan_hit h;
	char middle[64];

	(void)snprintf(middle, sizeof(middle), "layer%zu:", l->index);
	r->st->files += j->files;
	r->st->dummies += j->dummies;
	r->st->layers++;
	for (size_t k = 0; k < j->nitems && r->rc == 0; k++) {
		const struct item *it = &j->items[k];

		if (it->kind == ITEM_MESSAGE) {
			message(r->prog, r->image, "layer %zu (%s): %s",
			    l->index, l->digest, it->message);
			r->st->trouble = true;
			continue;
		}
		if (set_shown(r, middle, it->path) < 0)
			return cli_error("out of memory");
		if (it->kind == ITEM_WARNING) {
			message(r->prog, r->shown, "%s", it->message);
			continue;
		}
		if (it->kind == ITEM_SKIPPED) {
			r->st->skipped++;
			if (r->skip_is_trouble)
				r->st->trouble = true;
			message(r->prog, r->shown, "skipped: %llu bytes, over "
			    "the size limit; only the start was scanned",
			    (unsigned long long)it->size);
			continue;
		}
		memset(&h, 0, sizeof(h));
		h.layer = l->index;
		h.digest = l->digest;
		h.created_by = created_by(r, l);
		h.deleted_in = deleted_in(run, i, it->path);
		if (deliver(r, &it->f, &h) != 0)
			return r->rc;
	}
	if (j->failed) {
		message(r->prog, r->image, "layer %zu (%s): %s", l->index,
		    l->digest, j->why);
		r->st->errors++;
		r->st->trouble = true;
	}
	return r->rc;
}

/*
 * Orders the jobs biggest layer first (by the manifest's sizes, when it
 * gives them), so that the biggest does not start last and keep one
 * thread busy alone at the end. Insertion sort: few layers, stable.
 */
static void
order_jobs(struct imgrun *run)
{
	for (size_t i = 0; i < run->njobs; i++) {
		size_t k = i;

		for (; k > 0 && run->jobs[run->order[k - 1]].l->size <
		    run->jobs[i].l->size; k--)
			run->order[k] = run->order[k - 1];
		run->order[k] = i;
	}
}

/* Scans image m of im: layers on threads, config here, then reports. */
static int
scan_manifest(struct report *r, const struct scanner *s, uint64_t max,
    size_t nthreads)
{
	struct imgrun run;
	pthread_t *th = NULL;
	size_t started = 0;
	int rc = 0;

	memset(&run, 0, sizeof(run));
	run.im = r->im;
	run.m = r->m;
	run.s = s;
	run.max = max;
	run.flags = r->flags;
	run.njobs = r->m->nlayers;
	atomic_init(&run.bytes, 0);
	run.jobs = calloc(run.njobs + 1, sizeof(*run.jobs));
	run.order = calloc(run.njobs + 1, sizeof(*run.order));
	if (nthreads > run.njobs)
		nthreads = run.njobs;
	th = calloc(nthreads + 1, sizeof(*th));
	if (run.jobs == NULL || run.order == NULL || th == NULL) {
		free(run.jobs);
		free(run.order);
		free(th);
		return cli_error("out of memory");
	}
	for (size_t i = 0; i < run.njobs; i++) {
		run.jobs[i].l = &r->m->layers[i];
		run.jobs[i].bytes = &run.bytes;
	}
	order_jobs(&run);
	(void)pthread_mutex_init(&run.mu, NULL);
	(void)pthread_cond_init(&run.cv, NULL);
	for (; started < nthreads; started++) {
		if (pthread_create(&th[started], NULL, worker, &run) != 0)
			break;
	}
	/* The config needs no layer: it is reported first, meanwhile. */
	rc = scan_config(r, s);
	if (started == 0 && run.njobs > 0) {
		/* No thread would start: read the layers here. */
		(void)worker(&run);
	}
	wait_layers(&run, r->image, r->prog);
	for (size_t i = 0; i < started; i++)
		(void)pthread_join(th[i], NULL);
	r->st->bytes += atomic_load(&run.bytes);
	for (size_t i = 0; i < run.njobs && rc == 0; i++)
		rc = report_layer(r, &run, i);
	for (size_t i = 0; i < run.njobs; i++)
		job_release(&run.jobs[i]);
	(void)pthread_cond_destroy(&run.cv);
	(void)pthread_mutex_destroy(&run.mu);
	free(run.jobs);
	free(run.order);
	free(th);
	return rc;
}

int
imagescan_run(struct imagescan_stats *st, const char *path,
    const struct scanner *s, uint64_t max, unsigned flags, size_t nthreads,
    bool skip_is_trouble, struct progress *prog, imagescan_fn *fn,
    void *payload)
{
	struct report r;
	struct image *im = NULL;
	struct err e = { 0 };
	char *label = NULL;
	int rc = 0;

	if (strcmp(path, "-") == 0) {
		message(prog, path, "an image is not read from standard input "
		    "(its layers are read by several threads): save it to a "
		    "file");
		st->errors++;
		st->trouble = true;
		return 0;
	}
	if (image_open(&im, path, &e) < 0) {
		message(prog, path, "%s", e.msg);
		st->errors++;
		st->trouble = true;
		return 0;
	}
	for (size_t i = 0; i < im->nimages && rc == 0; i++) {
		memset(&r, 0, sizeof(r));
		r.im = im;
		r.m = &im->images[i];
		r.st = st;
		r.skip_is_trouble = skip_is_trouble;
		r.flags = flags;
		r.prog = prog;
		r.fn = fn;
		r.payload = payload;
		r.image = path;
		if (im->nimages > 1) {
			size_t n = strlen(path) + 24;

			label = malloc(n);
			if (label == NULL) {
				rc = cli_error("out of memory");
				break;
			}
			(void)snprintf(label, n, "%s#%zu", path, i + 1);
			r.image = label;
		}
		rc = scan_manifest(&r, s, max, nthreads);
		free(r.history_secret);
		free(r.shown);
		free(r.last);
		free(label);
		label = NULL;
	}
	hide(prog);
	image_free(im);
	return rc;
}

/* s escaped and cut to at most max bytes (then "..."), malloc'd. */
static char *
shorten(const char *s, size_t max)
{
	char *esc = NULL;

	if (report_escape(&esc, s, NULL) < 0)
		return NULL;
	if (strlen(esc) > max)
		memcpy(esc + max - 3, "...", 4);
	return esc;
}

int
imagescan_text(char **out, const struct imagescan_hit *h, struct err *e)
{
	char *by = NULL, *buf = NULL;
	size_t cap;
	int n = 0, k;

	if (h->layer == 0) {
		*out = strdup("");
		return *out != NULL ? 0 : err_set(e, "out of memory");
	}
	if (h->created_by != NULL) {
		by = shorten(h->created_by, CREATED_BY_SHOWN);
		if (by == NULL)
			return err_set(e, "out of memory");
	}
	cap = 2 * CREATED_BY_SHOWN + 512;
	buf = malloc(cap);
	if (buf == NULL) {
		free(by);
		return err_set(e, "out of memory");
	}
	if (h->part != NULL)
		k = snprintf(buf, cap, "    this history entry made layer %zu "
		    "(%s)\n", h->layer, h->digest);
	else
		k = snprintf(buf, cap, "    layer %zu (%s)%s%s\n", h->layer,
		    h->digest, by != NULL ? " made by: " : "",
		    by != NULL ? by : "");
	if (k > 0)
		n = k;
	if (h->deleted_in != 0 && (size_t)n < cap)
		(void)snprintf(buf + n, cap - (size_t)n, "    added in layer "
		    "%zu, deleted in layer %zu: still in the image\n",
		    h->layer, h->deleted_in);
	free(by);
	*out = buf;
	return 0;
}

int
imagescan_json(json_t *j, bool sarif, const struct imagescan_hit *h,
    struct err *e)
{
	json_t *props, *loc, *locs;
	char *image = NULL, *name = NULL, *by = NULL, *shown = NULL;
	int rc = -1;

	if (report_utf8(&image, h->image, e) < 0 ||
	    (h->name != NULL && report_utf8(&name, h->name, e) < 0) ||
	    (h->created_by != NULL && report_utf8(&by, h->created_by, e) < 0) ||
	    report_utf8(&shown, h->shown, e) < 0)
		goto out;
	props = json_object();
	if (props == NULL ||
	    json_object_set_new(props, "image", json_string(image)) < 0 ||
	    json_object_set_new(props, "image_format",
	    json_string(h->format)) < 0 ||
	    (name != NULL && json_object_set_new(props, "image_name",
	    json_string(name)) < 0) ||
	    (h->layer != 0 && json_object_set_new(props, "layer",
	    json_integer((json_int_t)h->layer)) < 0) ||
	    (h->digest != NULL && json_object_set_new(props, "layer_digest",
	    json_string(h->digest)) < 0) ||
	    (by != NULL && json_object_set_new(props, "created_by",
	    json_string(by)) < 0) ||
	    (h->part != NULL && json_object_set_new(props, "config",
	    json_string(h->part)) < 0) ||
	    (h->deleted_in != 0 && (json_object_set_new(props,
	    "deleted_in_layer", json_integer((json_int_t)h->deleted_in)) < 0 ||
	    json_object_set_new(props, "still_in_image", json_true()) < 0))) {
		json_decref(props);
		err_set(e, "out of memory");
		goto out;
	}
	if (!sarif) {
		rc = json_object_update(j, props);
		json_decref(props);
		if (rc < 0)
			err_set(e, "out of memory");
		goto out;
	}
	/* SARIF: a logical location for the layer and path, and facts. */
	locs = json_object_get(j, "locations");
	loc = json_array_get(locs, 0);
	if (loc == NULL || json_object_set_new(loc, "logicalLocations",
	    json_pack("[{s:s, s:s}]", "fullyQualifiedName", shown, "kind",
	    h->part != NULL ? "config" : "layer")) < 0 ||
	    json_object_set_new(j, "properties", props) < 0) {
		err_set(e, "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(image);
	free(name);
	free(by);
	free(shown);
	return rc;
}
