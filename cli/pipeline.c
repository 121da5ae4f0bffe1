/*
 * pipeline: a ring of jobs shared by the calling thread and the workers.
 * Four counters split it: jobs before head went to the sink; from head
 * to next, workers took them (done or not); from next to ready, they
 * wait for a worker; from ready to tail, they were added but not yet
 * shown to the workers. head and tail belong to the calling thread,
 * next, ready and the done flags are under the mutex.
 *
 * Jobs are shown to workers in batches: handing them over one by one
 * costs a lock and a wake-up each, more than reading a small file.
 */
#include "pipeline.h"

#include <errno.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filescan.h"
#include "walk.h"

/* Jobs in flight per worker: enough to keep workers busy past a slow one. */
#define WINDOW_PER_THREAD 256
/* Jobs added before the workers are told; less than the window. */
#define BATCH 64

struct slot {
	struct job *job;
	bool done;
};

struct pipeline {
	pthread_mutex_t mu;
	pthread_cond_t work;	/* a job is waiting, or stop */
	pthread_cond_t done;	/* a job is finished */
	struct slot *ring;
	size_t cap;
	size_t head;
	size_t next;
	size_t ready;
	size_t tail;
	bool waiting;		/* the calling thread waits for target */
	size_t target;
	bool closing;		/* no more jobs will come */
	bool stopping;		/* leave now */
	pthread_t *threads;
	size_t nthreads;
	job_sink *sink;
	void *payload;
};

int
job_new(struct job **out, enum job_kind kind, const char *path,
    size_t shown_off, struct err *e)
{
	struct job *j;

	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return err_set(e, "out of memory");
	j->path = strdup(path);
	if (j->path == NULL) {
		free(j);
		return err_set(e, "out of memory");
	}
	j->kind = kind;
	j->shown = j->path + shown_off;
	*out = j;
	return 0;
}

void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	for (size_t i = 0; i < j->nhits; i++) {
		free(j->hits[i].rule);
		free(j->hits[i].description);
	}
	free(j->hits);
	free(j->path);
	free(j);
}

/* The scanner's callback: keeps a copy of the finding. */
static int
collect(const struct finding *f, void *payload)
{
	struct job *j = payload;
	struct hit *h, *nh;
	size_t cap;

	if (j->nhits == j->cap) {
		cap = j->cap != 0 ? 2 * j->cap : 8;
		nh = realloc(j->hits, cap * sizeof(*nh));
		if (nh == NULL)
			return ENOMEM;
		j->hits = nh;
		j->cap = cap;
	}
	h = &j->hits[j->nhits];
	h->f = *f;
	h->f.path = NULL;
	h->f.commit = NULL;
	h->rule = strdup(f->rule);
	h->description = strdup(f->description != NULL ? f->description :
	    "");
	if (h->rule == NULL || h->description == NULL) {
		free(h->rule);
		free(h->description);
		return ENOMEM;
	}
	h->f.rule = h->rule;
	h->f.description = h->description;
	j->nhits++;
	return 0;
}

static void
job_fail(struct job *j, const char *why)
{
	j->failed = true;
	(void)snprintf(j->why, sizeof(j->why), "%s", why);
}

/*
 * Opens what job j reads: *fd is -1 (nothing to read: failed, skipped
 * or not a file), the file's descriptor, or standard input's.
 */
static void
job_open(int *fd, uint64_t *known, struct job *j)
{
	struct err e = { 0 };
	struct stat st;
	uint64_t size = 0;

	*fd = -1;
	*known = UINT64_MAX;
	if (j->kind == JOB_FILE) {
		if (walk_open(fd, &size, j->path, j->read_flags, &e) < 0) {
			job_fail(j, e.msg);
			return;
		}
		*known = size;
	} else if (j->kind == JOB_STDIN) {
		*fd = STDIN_FILENO;
		if (fstat(*fd, &st) == 0 && S_ISREG(st.st_mode))
			size = (uint64_t)st.st_size;
	} else {
		return;
	}
	/* Known to be too big: not read at all. */
	if (size > j->max) {
		j->skipped = true;
		j->size = size;
		if (j->kind == JOB_FILE)
			close(*fd);
		*fd = -1;
	}
}

/* Reads and scans one job on a worker, with the worker's buffer. */
static void
run(struct job *j, struct filescan *fs)
{
	struct scan_origin origin = { .path = j->shown, .commit = NULL };
	struct filescan_result res;
	struct err e = { 0 };
	uint64_t size;
	int fd, rc;

	job_open(&fd, &size, j);
	if (fd < 0)
		return;
	rc = filescan_fd_size(&res, fs, j->scanner, fd, size, j->max,
	    &origin, j->scan_flags, collect, j, &e);
	if (j->kind == JOB_FILE)
		close(fd);
	if (rc < 0) {
		job_fail(j, e.msg);
		return;
	}
	if (rc != 0) {
		job_fail(j, "out of memory");
		return;
	}
	j->stats = res.stats;
	j->bytes = res.bytes;
	if (res.shrank)
		j->shrank_from = size;
	/* It grew past the cap while read: what was read was scanned. */
	if (res.over) {
		j->skipped = true;
		j->size = 0;
	}
}

static void *
worker(void *arg)
{
	struct pipeline *p = arg;
	struct slot *s = NULL;
	struct filescan fs;

	filescan_init(&fs);
	(void)pthread_mutex_lock(&p->mu);
	for (;;) {
		/* One critical section ends a job and starts the next. */
		if (s != NULL) {
			s->done = true;
			if (p->waiting && s == &p->ring[p->target % p->cap])
				(void)pthread_cond_signal(&p->done);
		}
		while (!p->closing && !p->stopping && p->next == p->ready)
			(void)pthread_cond_wait(&p->work, &p->mu);
		if (p->stopping || p->next == p->ready)
			break;
		s = &p->ring[p->next % p->cap];
		p->next++;
		(void)pthread_mutex_unlock(&p->mu);
		run(s->job, &fs);
		(void)pthread_mutex_lock(&p->mu);
	}
	(void)pthread_mutex_unlock(&p->mu);
	filescan_release(&fs);
	return NULL;
}

int
pipeline_new(struct pipeline **out, size_t nthreads, job_sink *sink,
    void *payload, struct err *e)
{
	struct pipeline *p;
	int rc = 0;

	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return err_set(e, "out of memory");
	p->sink = sink;
	p->payload = payload;
	p->cap = nthreads * WINDOW_PER_THREAD;
	p->ring = calloc(p->cap, sizeof(*p->ring));
	p->threads = calloc(nthreads, sizeof(*p->threads));
	if (p->ring == NULL || p->threads == NULL) {
		free(p->ring);
		free(p->threads);
		free(p);
		return err_set(e, "out of memory");
	}
	(void)pthread_mutex_init(&p->mu, NULL);
	(void)pthread_cond_init(&p->work, NULL);
	(void)pthread_cond_init(&p->done, NULL);
	for (; p->nthreads < nthreads; p->nthreads++) {
		rc = pthread_create(&p->threads[p->nthreads], NULL, worker, p);
		if (rc != 0)
			break;
	}
	/* Fewer threads than asked for still work; none does not. */
	if (p->nthreads == 0) {
		pipeline_free(p);
		errno = rc;
		return err_errno(e, "cannot start a thread");
	}
	*out = p;
	return 0;
}

/* Shows the workers every job added. Called with p->mu held. */
static void
publish(struct pipeline *p)
{
	if (p->ready == p->tail)
		return;
	p->ready = p->tail;
	(void)pthread_cond_broadcast(&p->work);
}

static bool
is_done(const struct pipeline *p, size_t i)
{
	return p->ring[i % p->cap].done;
}

/*
 * The number of finished jobs at the head, waiting until no more than
 * keep jobs would be left in the ring without them. Called with p->mu
 * held. The wait is for one job, so that workers wake the calling
 * thread when it can go on rather than at every finished job: first the
 * last one needed, then the first one not finished.
 */
static size_t
finished(struct pipeline *p, size_t keep)
{
	size_t n = 0;

	for (;;) {
		while (p->head + n != p->tail && is_done(p, p->head + n))
			n++;
		if (p->tail - p->head - n <= keep)
			break;
		publish(p);
		p->target = p->tail - keep - 1;
		if (is_done(p, p->target))
			p->target = p->head + n;
		p->waiting = true;
		(void)pthread_cond_wait(&p->done, &p->mu);
		p->waiting = false;
	}
	return n;
}

/*
 * Passes finished jobs at the head to the sink, in order, waiting for
 * unfinished ones while more than keep jobs are in the ring. The sink
 * runs without the lock: workers never touch finished slots.
 */
static int
drain(struct pipeline *p, size_t keep)
{
	struct slot *s;
	size_t n;
	int rc = 0;

	while (rc == 0) {
		(void)pthread_mutex_lock(&p->mu);
		n = finished(p, keep);
		(void)pthread_mutex_unlock(&p->mu);
		if (n == 0)
			break;
		for (; n > 0; n--) {
			s = &p->ring[p->head % p->cap];
			p->head++;
			if (rc == 0)
				rc = p->sink(s->job, p->payload);
			job_free(s->job);
			s->job = NULL;
		}
	}
	return rc;
}

int
pipeline_add(struct pipeline *p, struct job *j)
{
	struct slot *s;
	int rc = 0;

	/* A full ring: wait until half of it is free. */
	if (p->tail - p->head == p->cap) {
		rc = drain(p, p->cap / 2);
		if (rc != 0) {
			job_free(j);
			return rc;
		}
	}
	/* Slots past ready are the calling thread's alone. */
	s = &p->ring[p->tail % p->cap];
	s->job = j;
	s->done = false;
	p->tail++;
	if (p->tail - p->ready >= BATCH) {
		(void)pthread_mutex_lock(&p->mu);
		publish(p);
		(void)pthread_mutex_unlock(&p->mu);
		rc = drain(p, SIZE_MAX);
	}
	return rc;
}

int
pipeline_finish(struct pipeline *p)
{
	int rc;

	(void)pthread_mutex_lock(&p->mu);
	publish(p);
	p->closing = true;
	(void)pthread_cond_broadcast(&p->work);
	(void)pthread_mutex_unlock(&p->mu);
	rc = drain(p, 0);
	return rc;
}

void
pipeline_free(struct pipeline *p)
{
	if (p == NULL)
		return;
	(void)pthread_mutex_lock(&p->mu);
	p->stopping = true;
	(void)pthread_cond_broadcast(&p->work);
	(void)pthread_mutex_unlock(&p->mu);
	for (size_t i = 0; i < p->nthreads; i++)
		(void)pthread_join(p->threads[i], NULL);
	for (; p->head != p->tail; p->head++)
		job_free(p->ring[p->head % p->cap].job);
	(void)pthread_cond_destroy(&p->done);
	(void)pthread_cond_destroy(&p->work);
	(void)pthread_mutex_destroy(&p->mu);
	free(p->threads);
	free(p->ring);
	free(p);
}
