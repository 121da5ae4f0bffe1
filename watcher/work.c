/* work: the bounded, coalescing queue of paths to look at. */
#include "work.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

enum state { WAITING, RUNNING, RUNNING_AGAIN };

struct work_item {
	char *path;
	unsigned flags;		/* of the run waiting or running */
	unsigned again;		/* of the run after this one */
	enum state state;
	struct work_item *next;		/* waiting list */
	struct work_item *next_hash;
};

/* The flags whose pieces are counted until done. */
#define COUNTED (WORK_INITIAL | WORK_RESCAN)

int
work_init(struct work *w, size_t max)
{
	memset(w, 0, sizeof(*w));
	w->max = max;
	w->ntable = 1024;
	w->table = calloc(w->ntable, sizeof(*w->table));
	if (w->table == NULL)
		return -1;
	if (pthread_mutex_init(&w->lock, NULL) != 0) {
		free(w->table);
		return -1;
	}
	if (pthread_cond_init(&w->cond, NULL) != 0) {
		(void)pthread_mutex_destroy(&w->lock);
		free(w->table);
		return -1;
	}
	return 0;
}

void
work_release(struct work *w)
{
	for (size_t i = 0; i < w->ntable; i++) {
		struct work_item *x = w->table[i], *next;

		for (; x != NULL; x = next) {
			next = x->next_hash;
			free(x->path);
			free(x);
		}
	}
	free(w->table);
	(void)pthread_cond_destroy(&w->cond);
	(void)pthread_mutex_destroy(&w->lock);
	memset(w, 0, sizeof(*w));
}

void
work_set_max(struct work *w, size_t max)
{
	(void)pthread_mutex_lock(&w->lock);
	w->max = max;
	(void)pthread_mutex_unlock(&w->lock);
}

static void
count(struct work *w, unsigned had, unsigned want)
{
	unsigned add = want & ~had & COUNTED;

	if ((add & WORK_INITIAL) != 0)
		w->initial++;
	if ((add & WORK_RESCAN) != 0)
		w->rescan++;
}

static void
append(struct work *w, struct work_item *x)
{
	w->waiting++;
	x->next = NULL;
	if (w->tail != NULL)
		w->tail->next = x;
	else
		w->head = x;
	w->tail = x;
}

static void
grow(struct work *w)
{
	struct work_item **t;
	size_t n = w->ntable * 2;

	if (w->count < w->ntable)
		return;
	t = calloc(n, sizeof(*t));
	if (t == NULL)
		return;
	for (size_t i = 0; i < w->ntable; i++) {
		struct work_item *x = w->table[i], *next;

		for (; x != NULL; x = next) {
			size_t b = hash_bucket(x->path, n);

			next = x->next_hash;
			x->next_hash = t[b];
			t[b] = x;
		}
	}
	free(w->table);
	w->table = t;
	w->ntable = n;
}

int
work_add(struct work *w, const char *path, unsigned flags)
{
	struct work_item *x, **head;
	int rc = -1;

	(void)pthread_mutex_lock(&w->lock);
	head = &w->table[hash_bucket(path, w->ntable)];
	x = *head;
	while (x != NULL && strcmp(x->path, path) != 0)
		x = x->next_hash;
	if (x != NULL && x->state == WAITING) {
		count(w, x->flags, flags);
		x->flags |= flags;
		rc = 0;
		goto out;
	}
	if (x != NULL) {
		count(w, x->again, flags);
		x->again |= flags;
		x->state = RUNNING_AGAIN;
		rc = 0;
		goto out;
	}
	if (w->count >= w->max)
		goto out;
	x = calloc(1, sizeof(*x));
	if (x == NULL)
		goto out;
	x->path = strdup(path);
	if (x->path == NULL) {
		free(x);
		goto out;
	}
	x->flags = flags;
	count(w, 0, flags);
	x->next_hash = *head;
	*head = x;
	append(w, x);
	w->count++;
	grow(w);
	(void)pthread_cond_signal(&w->cond);
	rc = 0;
out:
	(void)pthread_mutex_unlock(&w->lock);
	return rc;
}

bool
work_starving(struct work *w, size_t n)
{
	bool starving;

	(void)pthread_mutex_lock(&w->lock);
	starving = w->waiting < n && w->count < w->max / 2;
	(void)pthread_mutex_unlock(&w->lock);
	return starving;
}

void
work_rescan(struct work *w)
{
	(void)pthread_mutex_lock(&w->lock);
	w->rescan_wanted = true;
	(void)pthread_cond_signal(&w->cond);
	(void)pthread_mutex_unlock(&w->lock);
}

void
work_hold_initial(struct work *w)
{
	(void)pthread_mutex_lock(&w->lock);
	w->initial++;
	(void)pthread_mutex_unlock(&w->lock);
}

unsigned
work_hold_release(struct work *w)
{
	unsigned done;

	(void)pthread_mutex_lock(&w->lock);
	done = --w->initial == 0 ? WORK_INITIAL_DONE : 0;
	(void)pthread_mutex_unlock(&w->lock);
	return done;
}

bool
work_take(struct work *w, struct work_job *job)
{
	struct work_item *x;

	(void)pthread_mutex_lock(&w->lock);
	for (;;) {
		if (w->stopping) {
			(void)pthread_mutex_unlock(&w->lock);
			return false;
		}
		/* A whole-tree rescan covers whatever is waiting. */
		if (w->rescan_wanted && w->rescan == 0) {
			w->rescan_wanted = false;
			w->rescan++;
			job->item = NULL;
			job->path = NULL;
			job->flags = WORK_ALL | WORK_RESCAN;
			break;
		}
		x = w->head;
		if (x != NULL) {
			w->head = x->next;
			if (w->head == NULL)
				w->tail = NULL;
			w->waiting--;
			x->next = NULL;
			x->state = RUNNING;
			job->item = x;
			job->path = x->path;
			job->flags = x->flags;
			break;
		}
		(void)pthread_cond_wait(&w->cond, &w->lock);
	}
	(void)pthread_mutex_unlock(&w->lock);
	return true;
}

unsigned
work_done(struct work *w, struct work_job *job)
{
	struct work_item *x = job->item, **pp;
	unsigned done = 0;

	(void)pthread_mutex_lock(&w->lock);
	if ((job->flags & WORK_INITIAL) != 0 && --w->initial == 0)
		done |= WORK_INITIAL_DONE;
	if ((job->flags & WORK_RESCAN) != 0 && --w->rescan == 0)
		done |= WORK_RESCAN_DONE;
	if (x != NULL && x->state == RUNNING_AGAIN && !w->stopping) {
		x->flags = x->again;
		x->again = 0;
		x->state = WAITING;
		append(w, x);
		(void)pthread_cond_signal(&w->cond);
	} else if (x != NULL) {
		if ((x->again & WORK_INITIAL) != 0)
			w->initial--;
		if ((x->again & WORK_RESCAN) != 0)
			w->rescan--;
		pp = &w->table[hash_bucket(x->path, w->ntable)];
		while (*pp != NULL && *pp != x)
			pp = &(*pp)->next_hash;
		if (*pp == x)
			*pp = x->next_hash;
		w->count--;
		free(x->path);
		free(x);
	}
	/* A rescan asked for while one ran starts now. */
	if (w->rescan_wanted && w->rescan == 0)
		(void)pthread_cond_signal(&w->cond);
	(void)pthread_mutex_unlock(&w->lock);
	job->item = NULL;
	job->path = NULL;
	return done;
}

size_t
work_pending(struct work *w)
{
	size_t n;

	(void)pthread_mutex_lock(&w->lock);
	n = w->count;
	(void)pthread_mutex_unlock(&w->lock);
	return n;
}

void
work_stop(struct work *w)
{
	(void)pthread_mutex_lock(&w->lock);
	w->stopping = true;
	(void)pthread_cond_broadcast(&w->cond);
	(void)pthread_mutex_unlock(&w->lock);
}
