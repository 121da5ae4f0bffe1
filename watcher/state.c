/* state: held fingerprints, the stat cache and deferred paths. */
#include "state.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"

struct held {
	char *path;
	char (*fps)[FINGERPRINT_SIZE];
	size_t n;
	struct held *next;
};

static uint64_t
hash(const char *s)
{
	uint64_t h = hash_str(s, HASH_START);

	/* Mix the high bits down (splitmix64's finalizer). */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h != 0 ? h : 1;	/* 0 marks an empty slot */
}

static uint64_t
stat_hash(const struct stat *st)
{
	uint64_t v[5] = {
		(uint64_t)st->st_dev, (uint64_t)st->st_ino,
		(uint64_t)st->st_size, (uint64_t)st->st_mtim.tv_sec,
		(uint64_t)st->st_mtim.tv_nsec,
	};
	uint64_t h = 0x9e3779b97f4a7c15ULL;

	for (size_t i = 0; i < 5; i++) {
		h ^= v[i] + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
		h *= 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 29;
	}
	return h;
}

int
state_init(struct state *s)
{
	memset(s, 0, sizeof(*s));
	s->nheld_table = 256;
	s->held = calloc(s->nheld_table, sizeof(*s->held));
	s->ncache = 1024;
	s->cache = calloc(s->ncache * 2, sizeof(*s->cache));
	if (s->held == NULL || s->cache == NULL ||
	    pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s->held);
		free(s->cache);
		return -1;
	}
	return 0;
}

static void
held_free(struct held *h)
{
	free(h->path);
	free(h->fps);
	free(h);
}

void
state_release(struct state *s)
{
	for (size_t i = 0; i < s->nheld_table; i++) {
		struct held *h = s->held[i], *next;

		for (; h != NULL; h = next) {
			next = h->next;
			held_free(h);
		}
	}
	for (size_t i = 0; i < s->ndeferred; i++)
		free(s->deferred[i]);
	free(s->deferred);
	for (size_t i = 0; i < s->nrefused; i++)
		free(s->refused[i]);
	free(s->refused);
	free(s->held);
	free(s->cache);
	(void)pthread_mutex_destroy(&s->lock);
	memset(s, 0, sizeof(*s));
}

static struct held **
held_slot(struct state *s, const char *path)
{
	struct held **pp = &s->held[hash(path) & (s->nheld_table - 1)];

	while (*pp != NULL && strcmp((*pp)->path, path) != 0)
		pp = &(*pp)->next;
	return pp;
}

static void
held_grow(struct state *s)
{
	size_t n = s->nheld_table * 2;
	struct held **t;

	if (s->nheld < s->nheld_table)
		return;
	t = calloc(n, sizeof(*t));
	if (t == NULL)
		return;
	for (size_t i = 0; i < s->nheld_table; i++) {
		struct held *h = s->held[i], *next;

		for (; h != NULL; h = next) {
			size_t b = hash(h->path) & (n - 1);

			next = h->next;
			h->next = t[b];
			t[b] = h;
		}
	}
	free(s->held);
	s->held = t;
	s->nheld_table = n;
}

static bool
holds(const struct held *h, const char *fp)
{
	for (size_t i = 0; h != NULL && i < h->n; i++) {
		if (strcmp(h->fps[i], fp) == 0)
			return true;
	}
	return false;
}

int
state_hold(struct state *s, const char *path, char (*fps)[FINGERPRINT_SIZE],
    size_t n, bool *is_new)
{
	struct held **pp, *h;
	int rc = 0;

	(void)pthread_mutex_lock(&s->lock);
	pp = held_slot(s, path);
	h = *pp;
	for (size_t i = 0; i < n; i++)
		is_new[i] = !holds(h, fps[i]);
	if (n == 0) {
		if (h != NULL) {
			*pp = h->next;
			held_free(h);
			s->nheld--;
		}
		goto out;
	}
	if (h == NULL) {
		h = calloc(1, sizeof(*h));
		if (h == NULL || (h->path = strdup(path)) == NULL) {
			free(h);
			rc = -1;
			goto out;
		}
		h->next = *pp;
		*pp = h;
		s->nheld++;
	}
	free(h->fps);
	h->fps = malloc(n * sizeof(*h->fps));
	h->n = h->fps != NULL ? n : 0;
	if (h->fps == NULL)
		rc = -1;
	else
		memcpy(h->fps, fps, n * sizeof(*fps));
	held_grow(s);
out:
	(void)pthread_mutex_unlock(&s->lock);
	return rc;
}

/* The refused entry of path and fp (fp NULL: any of path), or n. */
static size_t
refused_find(struct state *s, const char *path, const char *fp)
{
	size_t i;

	for (i = 0; i < s->nrefused; i++) {
		const char *r = s->refused[i];

		if (strcmp(r, path) == 0 &&
		    (fp == NULL || strcmp(r + strlen(r) + 1, fp) == 0))
			break;
	}
	return i;
}

static void
refused_drop(struct state *s, size_t i)
{
	free(s->refused[i]);
	s->refused[i] = s->refused[--s->nrefused];
	if (s->nrefused == 0) {
		s->summary_due = 0;
		s->summary_gap = 0;
	}
}

bool
state_refused(struct state *s, const char *path, const char *fp)
{
	size_t plen = strlen(path), flen = strlen(fp);
	bool first = true;
	char *r;

	(void)pthread_mutex_lock(&s->lock);
	if (refused_find(s, path, fp) < s->nrefused) {
		first = false;
		goto out;
	}
	if (s->nrefused == s->refused_cap) {
		size_t cap = s->refused_cap == 0 ? 16 : 2 * s->refused_cap;
		char **v = realloc(s->refused, cap * sizeof(*v));

		if (v == NULL)
			goto out;
		s->refused = v;
		s->refused_cap = cap;
	}
	r = malloc(plen + flen + 2);
	if (r == NULL)
		goto out;
	memcpy(r, path, plen + 1);
	memcpy(r + plen + 1, fp, flen + 1);
	s->refused[s->nrefused++] = r;
out:
	(void)pthread_mutex_unlock(&s->lock);
	return first;
}

bool
state_queued(struct state *s, const char *path, const char *fp)
{
	bool was = false;
	size_t i;

	(void)pthread_mutex_lock(&s->lock);
	i = refused_find(s, path, fp);
	if (i < s->nrefused) {
		refused_drop(s, i);
		was = true;
	}
	(void)pthread_mutex_unlock(&s->lock);
	return was;
}

size_t
state_refused_summary(struct state *s, uint64_t now)
{
	size_t n = 0;

	(void)pthread_mutex_lock(&s->lock);
	if (s->nrefused == 0)
		goto out;
	if (s->summary_due == 0) {
		s->summary_gap = 1000;
		s->summary_due = now + s->summary_gap;
		goto out;
	}
	if (now < s->summary_due)
		goto out;
	n = s->nrefused;
	if (s->summary_gap < 10 * 60 * 1000)
		s->summary_gap *= 2;
	s->summary_due = now + s->summary_gap;
out:
	(void)pthread_mutex_unlock(&s->lock);
	return n;
}

int
state_seed(struct state *s, const char *path, const char *fp)
{
	struct held **pp, *h;
	char (*fps)[FINGERPRINT_SIZE];
	size_t len;
	int rc = -1;

	(void)pthread_mutex_lock(&s->lock);
	pp = held_slot(s, path);
	h = *pp;
	if (h != NULL && holds(h, fp)) {
		rc = 0;
		goto out;
	}
	if (h == NULL) {
		h = calloc(1, sizeof(*h));
		if (h == NULL || (h->path = strdup(path)) == NULL) {
			free(h);
			goto out;
		}
		h->next = *pp;
		*pp = h;
		s->nheld++;
	}
	fps = realloc(h->fps, (h->n + 1) * sizeof(*fps));
	if (fps == NULL)
		goto out;
	h->fps = fps;
	len = strnlen(fp, FINGERPRINT_SIZE - 1);
	memcpy(h->fps[h->n], fp, len);
	h->fps[h->n++][len] = '\0';
	held_grow(s);
	rc = 0;
out:
	(void)pthread_mutex_unlock(&s->lock);
	return rc;
}

void
state_unhold(struct state *s, const char *path, const char *fp)
{
	struct held *h;

	(void)pthread_mutex_lock(&s->lock);
	h = *held_slot(s, path);
	for (size_t i = 0; h != NULL && i < h->n; i++) {
		if (strcmp(h->fps[i], fp) == 0) {
			memmove(h->fps[i], h->fps[i + 1], (h->n - i - 1) *
			    sizeof(*h->fps));
			h->n--;
			break;
		}
	}
	(void)pthread_mutex_unlock(&s->lock);
}

/* The slot of key in the cache: its own, or the empty one it goes in. */
static size_t
cache_slot(const struct state *s, uint64_t key)
{
	size_t mask = s->ncache - 1, i = key & mask;

	while (s->cache[2 * i] != 0 && s->cache[2 * i] != key)
		i = (i + 1) & mask;
	return i;
}

/* Removes slot i, shifting later entries of its run back. */
static void
cache_delete(struct state *s, size_t i)
{
	size_t mask = s->ncache - 1, j = i;

	s->cache[2 * i] = 0;
	s->cached--;
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (s->cache[2 * j] == 0)
			return;
		home = s->cache[2 * j] & mask;
		/* Can the entry at j move to i? Only if i is on its way. */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			s->cache[2 * i] = s->cache[2 * j];
			s->cache[2 * i + 1] = s->cache[2 * j + 1];
			s->cache[2 * j] = 0;
			i = j;
		}
	}
}

static void
cache_grow(struct state *s)
{
	size_t n = s->ncache * 2;
	uint64_t *old = s->cache, *t;
	size_t on = s->ncache;

	if (s->cached * 4 < s->ncache * 3)
		return;
	t = calloc(n * 2, sizeof(*t));
	if (t == NULL)
		return;
	s->cache = t;
	s->ncache = n;
	for (size_t i = 0; i < on; i++) {
		size_t j;

		if (old[2 * i] == 0)
			continue;
		j = cache_slot(s, old[2 * i]);
		t[2 * j] = old[2 * i];
		t[2 * j + 1] = old[2 * i + 1];
	}
	free(old);
}

void
state_forget(struct state *s, const char *path)
{
	struct held **pp, *h;
	size_t i;

	(void)pthread_mutex_lock(&s->lock);
	pp = held_slot(s, path);
	h = *pp;
	if (h != NULL) {
		*pp = h->next;
		held_free(h);
		s->nheld--;
	}
	i = cache_slot(s, hash(path));
	if (s->cache[2 * i] != 0)
		cache_delete(s, i);
	while ((i = refused_find(s, path, NULL)) < s->nrefused)
		refused_drop(s, i);
	(void)pthread_mutex_unlock(&s->lock);
}

void
state_forget_below(struct state *s, const char *dir)
{
	size_t n = strlen(dir);

	(void)pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->nheld_table; i++) {
		struct held **pp = &s->held[i];

		while (*pp != NULL) {
			struct held *h = *pp;

			if (strncmp(h->path, dir, n) == 0 &&
			    h->path[n] == '/') {
				*pp = h->next;
				held_free(h);
				s->nheld--;
			} else {
				pp = &h->next;
			}
		}
	}
	(void)pthread_mutex_unlock(&s->lock);
}

bool
state_unchanged(struct state *s, const char *path, const struct stat *st)
{
	uint64_t key = hash(path);
	bool same;
	size_t i;

	(void)pthread_mutex_lock(&s->lock);
	i = cache_slot(s, key);
	same = s->cache[2 * i] == key && s->cache[2 * i + 1] == stat_hash(st);
	(void)pthread_mutex_unlock(&s->lock);
	return same;
}

void
state_scanned(struct state *s, const char *path, const struct stat *st)
{
	uint64_t key = hash(path);
	size_t i;

	(void)pthread_mutex_lock(&s->lock);
	i = cache_slot(s, key);
	if (s->cache[2 * i] == 0)
		s->cached++;
	s->cache[2 * i] = key;
	s->cache[2 * i + 1] = stat_hash(st);
	cache_grow(s);
	(void)pthread_mutex_unlock(&s->lock);
}

void
state_counts(struct state *s, size_t *cached, size_t *holding)
{
	(void)pthread_mutex_lock(&s->lock);
	*cached = s->cached;
	*holding = s->nheld;
	(void)pthread_mutex_unlock(&s->lock);
}

void
state_defer(struct state *s, const char *path)
{
	char **v, *copy;

	/* Not deduplicated here: the work queue coalesces paths. */
	(void)pthread_mutex_lock(&s->lock);
	copy = strdup(path);
	if (copy == NULL)
		goto out;
	if (s->ndeferred == s->deferred_cap) {
		size_t cap = s->deferred_cap != 0 ? s->deferred_cap * 2 : 64;

		v = realloc(s->deferred, cap * sizeof(*v));
		if (v == NULL) {
			free(copy);
			goto out;
		}
		s->deferred = v;
		s->deferred_cap = cap;
	}
	s->deferred[s->ndeferred++] = copy;
out:
	(void)pthread_mutex_unlock(&s->lock);
}

bool
state_has_deferred(struct state *s)
{
	bool has;

	(void)pthread_mutex_lock(&s->lock);
	has = s->ndeferred > 0;
	(void)pthread_mutex_unlock(&s->lock);
	return has;
}

void
state_take_deferred(struct state *s, char ***v, size_t *n)
{
	(void)pthread_mutex_lock(&s->lock);
	*v = s->deferred;
	*n = s->ndeferred;
	s->deferred = NULL;
	s->ndeferred = 0;
	s->deferred_cap = 0;
	(void)pthread_mutex_unlock(&s->lock);
}
