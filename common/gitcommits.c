/*
 * gitcommits: the commits a history walk is about. A set of object ids;
 * the commits the existing refs point at; the new commits of a set of
 * tips, in one revision walk; which tip brings each (the first that
 * reaches it); and the check that a tip with nothing new is part of the
 * known history.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gitsrcint.h"

void
oidset_release(struct oidset *s)
{
	free(s->slots);
	free(s->used);
	memset(s, 0, sizeof(*s));
}

static size_t
oid_hash(const git_oid *id)
{
	size_t h;

	memcpy(&h, id->id, sizeof(h));
	return h;
}

static int
oidset_grow(struct oidset *s, struct err *e)
{
	struct oidset ns = { 0 };

	ns.cap = s->cap == 0 ? 1024 : s->cap * 2;
	ns.slots = malloc(ns.cap * sizeof(*ns.slots));
	ns.used = calloc(ns.cap, 1);
	if (ns.slots == NULL || ns.used == NULL) {
		oidset_release(&ns);
		return err_set(e, "out of memory");
	}
	for (size_t i = 0; i < s->cap; i++) {
		size_t j;

		if (!s->used[i])
			continue;
		j = oid_hash(&s->slots[i]) & (ns.cap - 1);
		while (ns.used[j])
			j = (j + 1) & (ns.cap - 1);
		ns.used[j] = 1;
		git_oid_cpy(&ns.slots[j], &s->slots[i]);
	}
	ns.n = s->n;
	oidset_release(s);
	*s = ns;
	return 0;
}

/* Adds id; *added tells whether it was new. */
int
oidset_add(bool *added, struct oidset *s, const git_oid *id, struct err *e)
{
	size_t j;

	if ((s->n + 1) * 2 > s->cap && oidset_grow(s, e) < 0)
		return -1;
	j = oid_hash(id) & (s->cap - 1);
	while (s->used[j]) {
		if (git_oid_equal(&s->slots[j], id)) {
			*added = false;
			return 0;
		}
		j = (j + 1) & (s->cap - 1);
	}
	s->used[j] = 1;
	git_oid_cpy(&s->slots[j], id);
	s->n++;
	*added = true;
	return 0;
}

int
tipwalk_add(struct tipwalk *t, const git_oid *id, struct err *e)
{
	if (t->n == t->cap) {
		size_t cap = t->cap == 0 ? 64 : t->cap * 2;
		git_oid *nv = realloc(t->ids, cap * sizeof(*nv));

		if (nv == NULL)
			return err_set(e, "out of memory");
		t->ids = nv;
		t->cap = cap;
	}
	git_oid_cpy(&t->ids[t->n++], id);
	return 0;
}

/*
 * Lists in *t the new commits of all the commit tips, parents first:
 * reachable from a tip, and from none of hide[] and the commits of the
 * refs (refs, NULL when not hidden). One walk for all tips: a walk per
 * tip, each hiding the earlier tips, went over the shared history again
 * for every tip (a tenth of a 1,390-ref first push).
 */
int
commits_list_new(struct tipwalk *t, git_repository *repo,
    const git_oid *tips, size_t ntips, const git_oid *hide, size_t nhide,
    const struct tipwalk *refs, struct err *e)
{
	git_revwalk *w = NULL;
	git_oid id;
	int rc = -1, r;

	if (git_revwalk_new(&w, repo) < 0)
		return git_err(e, "revision walk");
	git_revwalk_sorting(w, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
	for (size_t i = 0; i < ntips; i++) {
		if (git_revwalk_push(w, &tips[i]) < 0) {
			obj_err(e, "commit", &tips[i]);
			goto out;
		}
	}
	for (size_t i = 0; refs != NULL && i < refs->n; i++) {
		if (git_revwalk_hide(w, &refs->ids[i]) < 0) {
			obj_err(e, "hiding the commit of a ref", &refs->ids[i]);
			goto out;
		}
	}
	for (size_t i = 0; i < nhide; i++) {
		if (git_revwalk_hide(w, &hide[i]) < 0) {
			obj_err(e, "hiding commit", &hide[i]);
			goto out;
		}
	}
	while ((r = git_revwalk_next(&id, w)) == 0) {
		if (tipwalk_add(t, &id, e) < 0)
			goto out;
	}
	if (r != GIT_ITEROVER) {
		git_err(e, "revision walk");
		goto out;
	}
	rc = 0;
out:
	git_revwalk_free(w);
	return rc;
}

/* The index + 1 of id in o->all, or 0 when it is no new commit. */
size_t
owners_find(const struct owners *o, const git_oid *id)
{
	size_t j = oid_hash(id) & o->mask;

	while (o->slot[j] != 0) {
		if (git_oid_equal(&o->all->ids[o->slot[j] - 1], id))
			return o->slot[j];
		j = (j + 1) & o->mask;
	}
	return 0;
}

int
owners_init(struct owners *o, const struct tipwalk *all, struct err *e)
{
	size_t cap = 16;

	while (cap < all->n * 2)
		cap *= 2;
	o->all = all;
	o->mask = cap - 1;
	o->slot = calloc(cap, sizeof(*o->slot));
	o->owner = calloc(all->n + 1, sizeof(*o->owner));
	if (o->slot == NULL || o->owner == NULL)
		return err_set(e, "out of memory");
	for (size_t k = 0; k < all->n; k++) {
		size_t j = oid_hash(&all->ids[k]) & o->mask;

		while (o->slot[j] != 0)
			j = (j + 1) & o->mask;
		o->slot[j] = k + 1;
	}
	return 0;
}

void
owners_release(struct owners *o)
{
	free(o->slot);
	free(o->owner);
}

/*
 * Gives tip number ti the new commits it reaches that no earlier tip
 * has: a depth-first walk from tip that stops at commits already given
 * and at commits that are not new.
 */
int
owners_claim(struct owners *o, git_repository *repo, size_t ti,
    const git_oid *tip, struct err *e)
{
	struct tipwalk stack = { 0 };
	git_commit *c = NULL;
	git_oid id;
	size_t k;
	int rc = -1;

	if (tipwalk_add(&stack, tip, e) < 0)
		goto out;
	while (stack.n > 0) {
		git_oid_cpy(&id, &stack.ids[--stack.n]);
		k = owners_find(o, &id);
		if (k == 0 || o->owner[k - 1] != 0)
			continue;
		o->owner[k - 1] = ti + 1;
		if (git_commit_lookup(&c, repo, &id) < 0) {
			obj_err(e, "commit", &id);
			goto out;
		}
		for (unsigned p = 0; p < git_commit_parentcount(c); p++) {
			if (tipwalk_add(&stack, git_commit_parent_id(c, p),
			    e) < 0)
				goto out;
		}
		git_commit_free(c);
		c = NULL;
	}
	rc = 0;
out:
	git_commit_free(c);
	free(stack.ids);
	return rc;
}

/*
 * The ids the existing refs peel to, when they are commits, each once.
 * Read once per history walk: a server may have 100,000 refs on a few
 * thousand commits, and every tip's walk hides them all.
 */
int
commits_of_refs(struct tipwalk *t, git_repository *repo, struct err *e)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	git_object *obj = NULL;
	struct oidset seen = { 0 };
	bool added;
	int rc = -1, r;

	if (git_reference_iterator_glob_new(&it, repo, "refs/*") < 0)
		return git_err(e, "listing refs");
	while ((r = git_reference_next(&ref, it)) == 0) {
		if (git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT) == 0 &&
		    (oidset_add(&added, &seen, git_object_id(obj), e) < 0 ||
		    (added && tipwalk_add(t, git_object_id(obj), e) < 0)))
			goto out;
		git_object_free(obj);
		obj = NULL;
		git_reference_free(ref);
		ref = NULL;
	}
	if (r != GIT_ITEROVER) {
		git_err(e, "listing refs");
		goto out;
	}
	rc = 0;
out:
	git_object_free(obj);
	git_reference_free(ref);
	git_reference_iterator_free(it);
	oidset_release(&seen);
	return rc;
}

/*
 * A commit tip that brought no new commit must be known: reachable from
 * a hidden commit, a ref, or an earlier tip.
 */
int
commits_check_known(git_repository *repo, const git_oid *tip,
    const char *ref, const git_oid *earlier, size_t nearlier,
    const git_oid *hide, size_t nhide, const struct tipwalk *refs,
    struct err *e)
{
	struct tipwalk known = { 0 };
	int rc = -1, r;

	for (size_t i = 0; refs != NULL && i < refs->n; i++) {
		if (tipwalk_add(&known, &refs->ids[i], e) < 0)
			goto out;
	}
	for (size_t i = 0; i < nhide; i++) {
		if (tipwalk_add(&known, &hide[i], e) < 0)
			goto out;
	}
	for (size_t i = 0; i < nearlier; i++) {
		if (tipwalk_add(&known, &earlier[i], e) < 0)
			goto out;
	}
	r = known.n == 0 ? 0 : git_graph_reachable_from_any(repo, tip,
	    known.ids, known.n);
	if (r < 0) {
		obj_err(e, "checking whether it is known: commit", tip);
		goto out;
	}
	if (r == 0) {
		char hex[GIT_OID_HEXSZ + 1];

		git_oid_tostr(hex, sizeof(hex), tip);
		err_set(e, "'%s': the walk from %s found no commit, yet it is "
		    "not part of the existing history (objects not visible?)",
		    ref, hex);
		goto out;
	}
	rc = 0;
out:
	free(known.ids);
	return rc;
}
