/*
 * githistory: gitsrc_history(), what new commits add. Tags are peeled
 * and reported, the new commits listed and given to their tips
 * (gitcommits.c), then each commit's message is reported and its tree
 * compared with its parents' trees, subtrees of an equal id pruned; a
 * blob or tree already seen is not looked at again.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "gitsrcint.h"

/* One history walk. */
struct history {
	git_repository *repo;
	struct oidset seen;	/* blobs, trees and tags already handled */
	struct gitsrc_item item;
	struct gitsrc_history_stats *stats;
	struct strbuf path;	/* the directory being compared, "a/b/" */
	gitsrc_item_fn *fn;
	void *payload;
	int stop;		/* the callback's value */
	struct err *e;
};

static int
history_emit(struct history *h)
{
	int rc = h->fn(&h->item, h->payload);

	if (rc != 0) {
		h->stop = rc;
		return -1;
	}
	return 0;
}

/* Reports a commit's or a tag's message. */
static int
emit_message(struct history *h, enum gitsrc_item_kind kind,
    const git_oid *id, const char *msg)
{
	h->item.kind = kind;
	git_oid_cpy(&h->item.commit, id);
	h->item.message = msg != NULL ? msg : "";
	h->item.message_len = strlen(h->item.message);
	h->item.path = NULL;
	h->item.nold = 0;
	return history_emit(h);
}

/* Makes the item blob id at path, with no older versions yet. */
static void
blob_item(struct history *h, const git_oid *id, const char *path,
    uint32_t mode)
{
	h->item.kind = GITSRC_ITEM_BLOB;
	h->item.message = NULL;
	h->item.message_len = 0;
	h->item.path = path;
	git_oid_cpy(&h->item.id, id);
	h->item.mode = mode;
	h->item.nold = 0;
	if (h->stats != NULL)
		h->stats->blobs++;
}

static int
path_push(struct history *h, const char *name, size_t *old)
{
	*old = h->path.len;
	strbuf_puts(&h->path, name);
	return h->path.failed ? err_set(h->e, "out of memory") : 0;
}

/* A blob of the new tree that differs from every parent's version. */
static int
history_blob(struct history *h, const git_tree_entry *te,
    git_tree *const *parents, size_t nparents)
{
	bool added;
	size_t old;

	if (oidset_add(&added, &h->seen, git_tree_entry_id(te), h->e) < 0)
		return -1;
	if (!added)
		return 0;
	if (path_push(h, git_tree_entry_name(te), &old) < 0)
		return -1;
	blob_item(h, git_tree_entry_id(te), h->path.p,
	    (uint32_t)git_tree_entry_filemode(te));
	for (size_t i = 0; i < nparents && h->item.nold < GITSRC_MAX_OLD;
	    i++) {
		const git_tree_entry *pe;

		if (parents[i] == NULL)
			continue;
		pe = git_tree_entry_byname(parents[i],
		    git_tree_entry_name(te));
		if (pe != NULL && is_blob_mode(git_tree_entry_filemode(pe)))
			git_oid_cpy(&h->item.old[h->item.nold++],
			    git_tree_entry_id(pe));
	}
	if (history_emit(h) < 0)
		return -1;
	strbuf_cut(&h->path, old);
	return 0;
}

static int history_tree(struct history *h, git_tree *tree,
    git_tree *const *parents, size_t nparents);

/*
 * A subtree of the new tree that differs from every parent's version:
 * compared with those of the parents' versions that are trees.
 */
static int
history_subtree(struct history *h, const git_tree_entry *te,
    git_tree *const *parents, size_t nparents)
{
	git_tree *tree = NULL, **sub = NULL;
	size_t old = h->path.len;
	bool added;
	int rc = -1;

	if (oidset_add(&added, &h->seen, git_tree_entry_id(te), h->e) < 0)
		return -1;
	if (!added)
		return 0;
	if (nparents > 0) {
		sub = calloc(nparents, sizeof(*sub));
		if (sub == NULL)
			return err_set(h->e, "out of memory");
	}
	for (size_t i = 0; i < nparents; i++) {
		const git_tree_entry *pe;

		if (parents[i] == NULL)
			continue;
		pe = git_tree_entry_byname(parents[i],
		    git_tree_entry_name(te));
		if (pe == NULL || git_tree_entry_type(pe) != GIT_OBJECT_TREE)
			continue;
		if (git_tree_lookup(&sub[i], h->repo,
		    git_tree_entry_id(pe)) < 0) {
			obj_err(h->e, "tree", git_tree_entry_id(pe));
			goto out;
		}
	}
	if (git_tree_lookup(&tree, h->repo, git_tree_entry_id(te)) < 0) {
		obj_err(h->e, "tree", git_tree_entry_id(te));
		goto out;
	}
	if (path_push(h, git_tree_entry_name(te), &old) < 0 ||
	    path_push(h, "/", &(size_t){ 0 }) < 0)
		goto out;
	rc = history_tree(h, tree, sub, nparents);
out:
	strbuf_cut(&h->path, old);
	git_tree_free(tree);
	for (size_t i = 0; sub != NULL && i < nparents; i++)
		git_tree_free(sub[i]);
	free(sub);
	return rc;
}

/*
 * Compares tree with the parents' trees at the same directory (NULL
 * where a parent has none): an entry whose id one parent has at the
 * same name, as the same kind, is not new.
 */
static int
history_tree(struct history *h, git_tree *tree, git_tree *const *parents,
    size_t nparents)
{
	size_t n = git_tree_entrycount(tree);

	for (size_t i = 0; i < n; i++) {
		const git_tree_entry *te = git_tree_entry_byindex(tree, i);
		git_filemode_t mode = git_tree_entry_filemode(te);
		bool same = false;

		if (mode == GIT_FILEMODE_COMMIT)
			continue;	/* a submodule: another repository */
		for (size_t p = 0; p < nparents && !same; p++) {
			const git_tree_entry *pe;

			if (parents[p] == NULL)
				continue;
			pe = git_tree_entry_byname(parents[p],
			    git_tree_entry_name(te));
			same = pe != NULL && git_oid_equal(
			    git_tree_entry_id(pe), git_tree_entry_id(te)) &&
			    git_tree_entry_type(pe) == git_tree_entry_type(te);
		}
		if (same)
			continue;
		if (mode == GIT_FILEMODE_TREE) {
			if (history_subtree(h, te, parents, nparents) < 0)
				return -1;
		} else if (is_blob_mode(mode)) {
			if (history_blob(h, te, parents, nparents) < 0)
				return -1;
		}
	}
	return 0;
}

/* A root tree compared with its parents' root trees. */
static int
history_root(struct history *h, const git_oid *tree_id,
    git_tree *const *parents, size_t nparents)
{
	git_tree *tree = NULL;
	bool added;
	int rc;

	if (oidset_add(&added, &h->seen, tree_id, h->e) < 0)
		return -1;
	if (!added)
		return 0;
	if (git_tree_lookup(&tree, h->repo, tree_id) < 0)
		return obj_err(h->e, "tree", tree_id);
	strbuf_cut(&h->path, 0);
	if (path_push(h, "", &(size_t){ 0 }) < 0) {
		git_tree_free(tree);
		return -1;
	}
	rc = history_tree(h, tree, parents, nparents);
	git_tree_free(tree);
	return rc;
}

/* One new commit: its message, then what its tree adds. */
static int
history_commit(struct history *h, const git_oid *id)
{
	git_commit *c = NULL, *pc = NULL;
	git_tree **ptrees = NULL;
	size_t np = 0;
	const char *msg;
	int rc = -1;

	if (git_commit_lookup(&c, h->repo, id) < 0)
		return obj_err(h->e, "commit", id);
	np = git_commit_parentcount(c);
	if (np > 0) {
		ptrees = calloc(np, sizeof(*ptrees));
		if (ptrees == NULL) {
			err_set(h->e, "out of memory");
			goto out;
		}
	}
	for (size_t i = 0; i < np; i++) {
		if (git_commit_parent(&pc, c, (unsigned)i) < 0) {
			obj_err(h->e, "parent of commit", id);
			goto out;
		}
		if (git_commit_tree(&ptrees[i], pc) < 0) {
			obj_err(h->e, "tree of commit", git_commit_id(pc));
			goto out;
		}
		git_commit_free(pc);
		pc = NULL;
	}
	if (h->stats != NULL)
		h->stats->commits++;
	h->item.commits_done++;
	msg = git_commit_raw_header(c) != NULL ? git_commit_message_raw(c) :
	    NULL;
	if (emit_message(h, GITSRC_ITEM_COMMIT, id, msg) < 0)
		goto out;
	rc = history_root(h, git_commit_tree_id(c), ptrees, np);
out:
	git_commit_free(pc);
	for (size_t i = 0; ptrees != NULL && i < np; i++)
		git_tree_free(ptrees[i]);
	free(ptrees);
	git_commit_free(c);
	return rc;
}

/* A tag's target that is not a commit: a tree, or a blob. */
static int
history_object(struct history *h, git_object *obj, const char *ref)
{
	bool added;

	if (git_object_type(obj) == GIT_OBJECT_TREE) {
		git_oid_cpy(&h->item.commit, git_object_id(obj));
		return history_root(h, git_object_id(obj), NULL, 0);
	}
	if (git_object_type(obj) != GIT_OBJECT_BLOB)
		return 0;
	if (oidset_add(&added, &h->seen, git_object_id(obj), h->e) < 0)
		return -1;
	if (!added)
		return 0;
	git_oid_cpy(&h->item.commit, git_object_id(obj));
	blob_item(h, git_object_id(obj), ref, GIT_FILEMODE_BLOB);
	return history_emit(h);
}

/*
 * Peels tip to a commit, reporting each annotated tag on the way.
 * *commit is set to the commit id and *is_commit to true when there is
 * one; a tree or blob target is walked here.
 */
static int
history_peel(struct history *h, bool *is_commit, git_oid *commit,
    const struct gitsrc_tip *tip)
{
	git_object *obj = NULL, *next = NULL;
	bool added;
	int rc = -1;

	*is_commit = false;
	if (git_object_lookup(&obj, h->repo, &tip->id, GIT_OBJECT_ANY) < 0)
		return obj_err(h->e, "object", &tip->id);
	while (git_object_type(obj) == GIT_OBJECT_TAG) {
		git_tag *tag = (git_tag *)obj;

		if (oidset_add(&added, &h->seen, git_object_id(obj), h->e) < 0)
			goto out;
		if (added && h->stats != NULL)
			h->stats->tags++;
		if (added && emit_message(h, GITSRC_ITEM_TAG,
		    git_object_id(obj), git_tag_message(tag)) < 0)
			goto out;
		if (git_tag_target(&next, tag) < 0) {
			obj_err(h->e, "target of tag", git_object_id(obj));
			goto out;
		}
		git_object_free(obj);
		obj = next;
		next = NULL;
	}
	if (git_object_type(obj) == GIT_OBJECT_COMMIT) {
		git_oid_cpy(commit, git_object_id(obj));
		*is_commit = true;
		rc = 0;
	} else {
		rc = history_object(h, obj, tip->ref);
	}
out:
	git_object_free(obj);
	return rc;
}

int
gitsrc_history(struct gitsrc_history_stats *stats, git_repository *repo,
    const struct gitsrc_tip *tips, size_t ntips, const git_oid *hide,
    size_t nhide, unsigned flags, gitsrc_item_fn *fn, void *payload,
    struct err *e)
{
	struct history h;
	struct tipwalk *walks = NULL, refs = { 0 };
	const struct tipwalk *hidden_refs = NULL;
	struct tipwalk all = { 0 };	/* the new commits, parents first */
	struct owners own = { 0 };
	git_oid *commit_tips = NULL;
	size_t *tip_of = NULL;		/* a commit tip's index in tips */
	size_t ncommit_tips = 0;
	bool *is_commit = NULL;
	int rc = -1;

	memset(&h, 0, sizeof(h));
	h.repo = repo;
	h.fn = fn;
	h.payload = payload;
	h.e = e;
	h.stats = stats;
	if (stats != NULL)
		memset(stats, 0, sizeof(*stats));
	if (ntips == 0)
		return 0;
	walks = calloc(ntips, sizeof(*walks));
	commit_tips = calloc(ntips, sizeof(*commit_tips));
	is_commit = calloc(ntips, sizeof(*is_commit));
	tip_of = calloc(ntips, sizeof(*tip_of));
	if (walks == NULL || commit_tips == NULL || is_commit == NULL ||
	    tip_of == NULL) {
		err_set(e, "out of memory");
		goto out;
	}
	if ((flags & GITSRC_HIDE_REFS) != 0) {
		if (commits_of_refs(&refs, repo, e) < 0)
			goto out;
		hidden_refs = &refs;
	}
	/*
	 * Tags first (their messages, and tree or blob targets), then every
	 * tip's commits are listed before any is scanned, so that the total
	 * is known for progress and the timeout message.
	 */
	for (size_t i = 0; i < ntips; i++) {
		h.item.ref = tips[i].ref;
		if (history_peel(&h, &is_commit[i], &commit_tips[ncommit_tips],
		    &tips[i]) < 0)
			goto out;
		if (is_commit[i])
			tip_of[ncommit_tips++] = i;
	}
	if (ncommit_tips > 0 && commits_list_new(&all, repo, commit_tips,
	    ncommit_tips, hide, nhide, hidden_refs, e) < 0)
		goto out;
	if (owners_init(&own, &all, e) < 0)
		goto out;
	for (size_t c = 0; c < ncommit_tips; c++) {
		size_t i = tip_of[c];

		/*
		 * A tip that is no new commit must be known: reachable from
		 * what is hidden or an earlier tip (checked, so that objects
		 * the walk could not see never pass for nothing new).
		 */
		if (owners_find(&own, &commit_tips[c]) == 0) {
			if (commits_check_known(repo, &commit_tips[c],
			    tips[i].ref, commit_tips, c, hide, nhide,
			    hidden_refs, e) < 0)
				goto out;
			continue;
		}
		if (owners_claim(&own, repo, i, &commit_tips[c], e) < 0)
			goto out;
	}
	/* Each tip's commits in the walk's order: parents first. */
	for (size_t k = 0; k < all.n; k++) {
		if (own.owner[k] == 0) {
			char hex[GIT_OID_HEXSZ + 1];

			/* The walk and the claims disagree: never "clean". */
			git_oid_tostr(hex, sizeof(hex), &all.ids[k]);
			err_set(e, "commit %s: listed as new, yet no tip "
			    "reaches it", hex);
			goto out;
		}
		if (tipwalk_add(&walks[own.owner[k] - 1], &all.ids[k], e) < 0)
			goto out;
	}
	h.item.commits_total = all.n;
	for (size_t i = 0; i < ntips; i++) {
		h.item.ref = tips[i].ref;
		for (size_t j = 0; j < walks[i].n; j++) {
			if (history_commit(&h, &walks[i].ids[j]) < 0)
				goto out;
		}
	}
	rc = 0;
out:
	if (h.stop != 0)
		rc = h.stop;
	for (size_t i = 0; walks != NULL && i < ntips; i++)
		free(walks[i].ids);
	free(walks);
	free(refs.ids);
	free(all.ids);
	owners_release(&own);
	free(commit_tips);
	free(tip_of);
	free(is_commit);
	free(h.path.p);
	oidset_release(&h.seen);
	return rc;
}
