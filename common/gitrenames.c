/*
 * gitrenames: rename pairing for gitsrc_staged() (GITSRC_RENAMES). The
 * walk's added blobs are paired with its deleted ones: the same blob
 * first, then content similar by libgit2's hashsig, best scores first,
 * within git's limits.
 */
#include <stdlib.h>
#include <string.h>

#include <git2/sys/hashsig.h>

#include "gitsrcint.h"

/* Inexact rename pairing limits (see GITSRC_RENAMES). */
#define RENAME_LIMIT 1000
#define RENAME_BLOB_MAX (8u << 20)
#define RENAME_SCORE 50
#define RENAME_BYTES_MAX (256u << 20)	/* read for signatures, in all */

/* Orders deleted paths by blob id, for exact renames. */
static int
cmp_gone_id(const void *a, const void *b)
{
	const struct change *x = *(const struct change *const *)a;
	const struct change *y = *(const struct change *const *)b;
	int c = git_oid_cmp(&x->old_id, &y->old_id);

	if (c != 0)
		return c;
	return strcmp(x->path, y->path);
}

static bool
rename_kind_ok(uint32_t a, uint32_t b)
{
	return (a == GIT_FILEMODE_LINK) == (b == GIT_FILEMODE_LINK);
}

/* Same blob, added and deleted: a rename without an edit. */
int
rename_pair_exact(struct walk *w, struct err *e)
{
	struct change **gone;
	size_t n = w->gone.n;

	gone = malloc(n * sizeof(*gone));
	if (gone == NULL)
		return err_set(e, "out of memory");
	for (size_t i = 0; i < n; i++)
		gone[i] = &w->gone.v[i];
	qsort(gone, n, sizeof(*gone), cmp_gone_id);
	for (size_t i = 0; i < w->found.n; i++) {
		struct change *c = &w->found.v[i];
		size_t lo = 0, hi = n;

		if (c->status != GITSRC_ADDED || !is_blob_mode(c->mode))
			continue;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (git_oid_cmp(&gone[mid]->old_id, &c->id) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < n && git_oid_equal(&gone[lo]->old_id, &c->id);
		    lo++) {
			if (gone[lo]->paired ||
			    !rename_kind_ok(gone[lo]->old_mode, c->mode))
				continue;
			gone[lo]->paired = true;
			c->status = GITSRC_RENAMED;
			c->source = gone[lo];
			break;
		}
	}
	free(gone);
	return 0;
}

/* A candidate rename and its similarity. */
struct pair {
	size_t added, gone;
	int score;
};

static int
cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->added != y->added)
		return x->added < y->added ? -1 : 1;
	if (x->gone != y->gone)
		return x->gone < y->gone ? -1 : 1;
	return 0;
}

/*
 * The similarity signature of a blob, or NULL for one that is empty,
 * too big, or that libgit2 cannot sign.
 */
static int
signature(git_hashsig **out, uint64_t *budget, git_repository *repo,
    const git_oid *id, struct err *e)
{
	git_blob *blob = NULL;
	uint64_t size;

	*out = NULL;
	if (gitsrc_object_size(&size, repo, id, e) < 0)
		return -1;
	if (size == 0 || size > RENAME_BLOB_MAX || size > *budget)
		return 0;
	*budget -= size;
	if (gitsrc_blob(&blob, repo, id, e) < 0)
		return -1;
	if (git_hashsig_create(out, git_blob_rawcontent(blob),
	    (size_t)git_blob_rawsize(blob), GIT_HASHSIG_SMART_WHITESPACE |
	    GIT_HASHSIG_ALLOW_SMALL_FILES) < 0) {
		*out = NULL;
		git_error_clear();
	}
	git_blob_free(blob);
	return 0;
}

/* Content at least RENAME_SCORE% similar: a rename with edits. */
int
rename_pair_similar(struct walk *w, struct err *e)
{
	size_t *added = NULL, *gone = NULL, na = 0, ng = 0, np = 0;
	git_hashsig **sa = NULL, **sg = NULL;
	struct pair *pairs = NULL;
	uint64_t budget = RENAME_BYTES_MAX;
	int rc = -1;

	for (size_t i = 0; i < w->found.n; i++)
		na += w->found.v[i].status == GITSRC_ADDED &&
		    is_blob_mode(w->found.v[i].mode);
	for (size_t i = 0; i < w->gone.n; i++)
		ng += !w->gone.v[i].paired;
	if (na == 0 || ng == 0 || na > RENAME_LIMIT || ng > RENAME_LIMIT)
		return 0;
	added = calloc(na, sizeof(*added));
	gone = calloc(ng, sizeof(*gone));
	sa = calloc(na, sizeof(*sa));
	sg = calloc(ng, sizeof(*sg));
	pairs = calloc(na * ng, sizeof(*pairs));
	if (added == NULL || gone == NULL || sa == NULL || sg == NULL ||
	    pairs == NULL) {
		err_set(e, "out of memory");
		goto out;
	}
	na = ng = 0;
	for (size_t i = 0; i < w->found.n; i++) {
		if (w->found.v[i].status == GITSRC_ADDED &&
		    is_blob_mode(w->found.v[i].mode))
			added[na++] = i;
	}
	for (size_t i = 0; i < w->gone.n; i++) {
		if (!w->gone.v[i].paired)
			gone[ng++] = i;
	}
	for (size_t i = 0; i < na; i++) {
		if (signature(&sa[i], &budget, w->repo,
		    &w->found.v[added[i]].id, e) < 0)
			goto out;
	}
	for (size_t i = 0; i < ng; i++) {
		if (signature(&sg[i], &budget, w->repo,
		    &w->gone.v[gone[i]].old_id, e) < 0)
			goto out;
	}
	for (size_t i = 0; i < na; i++) {
		for (size_t k = 0; k < ng; k++) {
			int score;

			if (sa[i] == NULL || sg[k] == NULL ||
			    !rename_kind_ok(w->found.v[added[i]].mode,
			    w->gone.v[gone[k]].old_mode))
				continue;
			score = git_hashsig_compare(sa[i], sg[k]);
			if (score < RENAME_SCORE)
				continue;
			pairs[np].added = added[i];
			pairs[np].gone = gone[k];
			pairs[np].score = score;
			np++;
		}
	}
	qsort(pairs, np, sizeof(*pairs), cmp_pair);
	for (size_t i = 0; i < np; i++) {
		struct change *c = &w->found.v[pairs[i].added];
		struct change *g = &w->gone.v[pairs[i].gone];

		if (c->status != GITSRC_ADDED || g->paired)
			continue;
		g->paired = true;
		c->status = GITSRC_RENAMED;
		c->source = g;
	}
	rc = 0;
out:
	for (size_t i = 0; sa != NULL && i < na; i++)
		git_hashsig_free(sa[i]);
	for (size_t i = 0; sg != NULL && i < ng; i++)
		git_hashsig_free(sg[i]);
	free(sa);
	free(sg);
	free(pairs);
	free(gone);
	free(added);
	return rc;
}
