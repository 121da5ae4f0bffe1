/* hits: the findings a hook keeps, and the pre-existing ones marked. */
#include <stdlib.h>
#include <string.h>

#include "gitsrc.h"
#include "hits.h"

int
hits_add(struct hit **out, struct hits *h, const struct finding *f,
    const char *path, struct err *e)
{
	struct hit *x, *nv;

	if (h->n == h->cap) {
		size_t cap = h->cap == 0 ? 16 : h->cap * 2;

		nv = realloc(h->v, cap * sizeof(*nv));
		if (nv == NULL)
			return err_set(e, "out of memory");
		h->v = nv;
		h->cap = cap;
	}
	x = &h->v[h->n];
	memset(x, 0, sizeof(*x));
	if (path != NULL) {
		x->path = strdup(path);
		if (x->path == NULL)
			return err_set(e, "out of memory");
	}
	x->line = f->line;
	x->rule = f->rule;
	x->description = f->description;
	memcpy(x->redacted, f->redacted, sizeof(x->redacted));
	memcpy(x->fingerprint, f->fingerprint, sizeof(x->fingerprint));
	x->inline_allowed = f->allowed_inline;
	h->n++;
	if (out != NULL)
		*out = x;
	return 0;
}

int
hits_skip(struct skip **out, struct hits *h, const char *path,
    uint64_t size, struct err *e)
{
	struct skip *nv;

	nv = realloc(h->skips, (h->nskips + 1) * sizeof(*nv));
	if (nv == NULL)
		return err_set(e, "out of memory");
	h->skips = nv;
	memset(&nv[h->nskips], 0, sizeof(*nv));
	nv[h->nskips].path = strdup(path);
	if (nv[h->nskips].path == NULL)
		return err_set(e, "out of memory");
	nv[h->nskips].size = size;
	if (out != NULL)
		*out = &nv[h->nskips];
	h->nskips++;
	return 0;
}

void
hits_release(struct hits *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->v[i].path);
	free(h->v);
	for (size_t i = 0; i < h->nskips; i++)
		free(h->skips[i].path);
	free(h->skips);
	memset(h, 0, sizeof(*h));
}

bool
hits_all_preexisting(const struct hits *h)
{
	for (size_t i = h->first; i < h->upto; i++) {
		if (!h->v[i].preexisting)
			return false;
	}
	return true;
}

/* Marks the current blob's hits whose fingerprint the old blob holds. */
static int
mark_old(const struct finding *f, void *payload)
{
	struct hits *h = payload;

	for (size_t i = h->first; i < h->upto; i++) {
		if (strcmp(h->v[i].fingerprint, f->fingerprint) == 0)
			h->v[i].preexisting = true;
	}
	return 0;
}

int
hits_check_old(struct hits *h, git_repository *repo,
    const struct scanner *s, const char *path, const git_oid *id,
    const git_oid *new_id, uint64_t max, struct err *e)
{
	struct scan_origin origin = { path, NULL };
	git_blob *blob = NULL;
	uint64_t size;
	int rc;

	if (new_id != NULL && git_oid_equal(id, new_id)) {
		for (size_t i = h->first; i < h->upto; i++)
			h->v[i].preexisting = true;
		return 0;
	}
	if (gitsrc_object_size(&size, repo, id, e) < 0)
		return -1;
	if (size > max)
		return 0;
	if (gitsrc_blob(&blob, repo, id, e) < 0)
		return -1;
	rc = scanner_scan(s, NULL, &origin, git_blob_rawcontent(blob),
	    (size_t)git_blob_rawsize(blob), SCAN_REPORT_ALLOWED, mark_old, h,
	    e);
	git_blob_free(blob);
	return rc < 0 ? -1 : 0;
}

int
hits_check_tree(struct hits *h, git_repository *repo,
    const struct scanner *s, git_tree *tree, const char *where,
    const char *path, const git_oid *new_id, uint64_t max, struct err *e)
{
	git_tree_entry *ent = NULL;
	git_filemode_t mode;
	int rc;

	rc = git_tree_entry_bypath(&ent, tree, path);
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return err_set(e, "'%s' in %s: %s", path, where,
		    git_error_last() != NULL ? git_error_last()->message :
		    "libgit2 error");
	mode = git_tree_entry_filemode(ent);
	rc = 0;
	if (mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE ||
	    mode == GIT_FILEMODE_LINK)
		rc = hits_check_old(h, repo, s, path, git_tree_entry_id(ent),
		    new_id, max, e);
	git_tree_entry_free(ent);
	return rc;
}
