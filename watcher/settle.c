/* settle: the quiet-time wait for files modified without a close. */
#include "settle.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"

struct settle_entry {
	char *path;
	uint64_t first;		/* first change since the last scan */
	uint64_t last;		/* latest change */
	struct settle_entry *prev, *next;
	struct settle_entry *next_hash;
};

int
settle_init(struct settle *s, uint64_t ms)
{
	memset(s, 0, sizeof(*s));
	s->ms = ms;
	s->ntable = 256;
	s->table = calloc(s->ntable, sizeof(*s->table));
	return s->table == NULL ? -1 : 0;
}

static void
unlink_list(struct settle *s, struct settle_entry *x)
{
	if (x->prev != NULL)
		x->prev->next = x->next;
	else
		s->head = x->next;
	if (x->next != NULL)
		x->next->prev = x->prev;
	else
		s->tail = x->prev;
	x->prev = x->next = NULL;
}

static void
append(struct settle *s, struct settle_entry *x)
{
	x->next = NULL;
	x->prev = s->tail;
	if (s->tail != NULL)
		s->tail->next = x;
	else
		s->head = x;
	s->tail = x;
}

static struct settle_entry **
slot(struct settle *s, const char *path)
{
	struct settle_entry **pp = &s->table[hash_bucket(path, s->ntable)];

	while (*pp != NULL && strcmp((*pp)->path, path) != 0)
		pp = &(*pp)->next_hash;
	return pp;
}

static void
remove_at(struct settle *s, struct settle_entry **pp)
{
	struct settle_entry *x = *pp;

	*pp = x->next_hash;
	unlink_list(s, x);
	s->count--;
	free(x->path);
	free(x);
}

void
settle_release(struct settle *s)
{
	while (s->head != NULL)
		remove_at(s, slot(s, s->head->path));
	free(s->table);
	memset(s, 0, sizeof(*s));
}

static void
grow(struct settle *s)
{
	size_t n = s->ntable * 2;
	struct settle_entry **t;

	if (s->count < s->ntable)
		return;
	t = calloc(n, sizeof(*t));
	if (t == NULL)
		return;
	free(s->table);
	s->table = t;
	s->ntable = n;
	for (struct settle_entry *x = s->head; x != NULL; x = x->next) {
		size_t b = hash_bucket(x->path, s->ntable);

		x->next_hash = t[b];
		t[b] = x;
	}
}

bool
settle_touch(struct settle *s, const char *path, uint64_t now)
{
	struct settle_entry **pp, *x;

	if (s->ms == 0)
		return true;
	pp = slot(s, path);
	x = *pp;
	if (x != NULL) {
		if (now - x->first >= 10 * s->ms) {
			remove_at(s, pp);
			return true;
		}
		x->last = now;
		unlink_list(s, x);
		append(s, x);
		return false;
	}
	x = calloc(1, sizeof(*x));
	if (x == NULL)
		return true;
	x->path = strdup(path);
	if (x->path == NULL) {
		free(x);
		return true;
	}
	x->first = x->last = now;
	x->next_hash = *pp;
	*pp = x;
	append(s, x);
	s->count++;
	grow(s);
	return false;
}

void
settle_cancel(struct settle *s, const char *path)
{
	struct settle_entry **pp;

	if (s->count == 0)
		return;
	pp = slot(s, path);
	if (*pp != NULL)
		remove_at(s, pp);
}

void
settle_expire(struct settle *s, uint64_t now,
    void (*fn)(const char *path, void *payload), void *payload)
{
	while (s->head != NULL && now - s->head->last >= s->ms) {
		struct settle_entry **pp = slot(s, s->head->path);

		if (*pp == NULL)
			break;	/* cannot be: every entry is in the table */
		fn((*pp)->path, payload);
		remove_at(s, pp);
	}
}

uint64_t
settle_next(const struct settle *s)
{
	return s->head != NULL ? s->head->last + s->ms : 0;
}
