/*
 * gitstaged: what a commit is about to add. The trees it is compared
 * with (HEAD's, and the other parents of a merge), and the walk that
 * merges the parsed index (gitindex.c) with a tree one directory at a
 * time, skipping the directories whose cache-tree entry names the
 * tree's own subtree. Deleted paths are kept when renames are wanted,
 * for gitrenames.c to pair.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gitsrcint.h"

int
gitsrc_head_tree(git_tree **out, git_repository *repo, struct err *e)
{
	git_object *obj = NULL;
	int rc;

	rc = git_repository_head_unborn(repo);
	if (rc < 0)
		return git_err(e, "HEAD");
	if (rc == 1) {
		*out = NULL;
		return 0;
	}
	if (git_revparse_single(&obj, repo, "HEAD^{tree}") < 0)
		return git_err(e, "HEAD");
	*out = (git_tree *)obj;
	return 0;
}

/* What collecting MERGE_HEAD's trees needs. */
struct merge_trees {
	git_repository *repo;
	git_tree **v;
	size_t n;
	struct err *e;
	bool failed;
};

static int
add_merge_tree(const git_oid *id, void *payload)
{
	struct merge_trees *m = payload;
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	git_tree **nv;

	m->failed = true;
	if (git_commit_lookup(&commit, m->repo, id) < 0)
		return git_err(m->e, "MERGE_HEAD");
	if (git_commit_tree(&tree, commit) < 0) {
		git_commit_free(commit);
		return git_err(m->e, "MERGE_HEAD");
	}
	git_commit_free(commit);
	nv = realloc(m->v, (m->n + 1) * sizeof(*nv));
	if (nv == NULL) {
		git_tree_free(tree);
		return err_set(m->e, "out of memory");
	}
	nv[m->n++] = tree;
	m->v = nv;
	m->failed = false;
	return 0;
}

/*
 * Adds the commit that word names, if it names one: otherwise fewer
 * findings are pre-existing, never more.
 */
static int
add_named_merge(struct merge_trees *m, const char *word)
{
	git_object *obj = NULL, *commit = NULL;
	int rc = 0;

	if (git_revparse_single(&obj, m->repo, word) == 0 &&
	    git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) == 0)
		rc = add_merge_tree(git_object_id(commit), m);
	if (rc == 0)
		git_error_clear();
	git_object_free(commit);
	git_object_free(obj);
	return rc;
}

/* Adds the commits that GIT_REFLOG_ACTION "merge A B ..." names. */
static int
add_reflog_merges(struct merge_trees *m, const char *action)
{
	const char *p = action + strlen("merge");
	char word[1024];
	size_t len;

	for (p += strspn(p, " "); *p != '\0'; p += strspn(p, " ")) {
		len = strcspn(p, " ");
		if (len < sizeof(word)) {
			memcpy(word, p, len);
			word[len] = '\0';
			if (add_named_merge(m, word) < 0)
				return -1;
		}
		p += len;
	}
	return 0;
}

static int
add_fetch_merge(const char *ref, const char *url, const git_oid *id,
    unsigned int is_merge, void *payload)
{
	(void)ref;
	(void)url;
	if (is_merge == 0)
		return 0;
	return add_merge_tree(id, payload);
}

int
gitsrc_merge_trees(git_tree ***out, size_t *n, git_repository *repo,
    struct err *e)
{
	struct merge_trees m = { repo, NULL, 0, e, false };
	const char *action = env("GIT_REFLOG_ACTION");
	int rc;

	rc = git_repository_mergehead_foreach(repo, add_merge_tree, &m);
	if (rc == GIT_ENOTFOUND && !m.failed && action != NULL) {
		/*
		 * No MERGE_HEAD: git merge runs pre-merge-commit before it
		 * writes one, but puts its commit arguments in
		 * GIT_REFLOG_ACTION; git pull leaves "pull ..." there and
		 * the commits to merge in FETCH_HEAD.
		 */
		git_error_clear();
		rc = 0;
		if (strncmp(action, "merge ", 6) == 0) {
			rc = add_reflog_merges(&m, action);
		} else if (strncmp(action, "pull", 4) == 0 &&
		    (action[4] == ' ' || action[4] == '\0')) {
			rc = git_repository_fetchhead_foreach(repo,
			    add_fetch_merge, &m);
			if (rc == GIT_ENOTFOUND && !m.failed)
				rc = 0;
		}
	}
	if (m.failed || (rc < 0 && rc != GIT_ENOTFOUND)) {
		if (!m.failed)
			git_err(e, "MERGE_HEAD");
		gitsrc_trees_free(m.v, m.n);
		return -1;
	}
	*out = m.v;
	*n = m.n;
	return 0;
}

void
gitsrc_trees_free(git_tree **trees, size_t n)
{
	for (size_t i = 0; i < n; i++)
		git_tree_free(trees[i]);
	free(trees);
}

static struct change *
changes_add(struct changes *c, struct err *e)
{
	struct change *nv;

	if (c->n == c->cap) {
		size_t cap = c->cap == 0 ? 64 : c->cap * 2;

		nv = realloc(c->v, cap * sizeof(*nv));
		if (nv == NULL) {
			err_set(e, "out of memory");
			return NULL;
		}
		c->v = nv;
		c->cap = cap;
	}
	memset(&c->v[c->n], 0, sizeof(c->v[c->n]));
	return &c->v[c->n++];
}

/* Appends name and "/" to the walk's prefix; returns the old length. */
static int
prefix_push(struct walk *w, const char *name, size_t len, size_t *old)
{
	*old = w->prefix.len;
	strbuf_add(&w->prefix, name, len);
	strbuf_add(&w->prefix, "/", 1);
	return w->prefix.failed ? err_set(w->e, "out of memory") : 0;
}

static void
prefix_pop(struct walk *w, size_t old)
{
	strbuf_cut(&w->prefix, old);
}

/* git's order of names in a tree: a directory sorts as "name/". */
static int
name_cmp(const char *a, size_t al, bool adir, const char *b, size_t bl,
    bool bdir)
{
	size_t n = al < bl ? al : bl;
	int c = memcmp(a, b, n);
	unsigned ca, cb;

	if (c != 0)
		return c;
	ca = n < al ? (unsigned char)a[n] : adir ? '/' : 0;
	cb = n < bl ? (unsigned char)b[n] : bdir ? '/' : 0;
	return (int)ca - (int)cb;
}

static int
tree_err(struct walk *w, const char *name, size_t len)
{
	return err_set(w->e, "tree '%s%.*s': %s", w->prefix.p != NULL ?
	    w->prefix.p : "", (int)len, name, git_msg());
}

static int gone_entry(struct walk *w, const git_tree_entry *te);

/* Records every blob below tree (at the walk's prefix) as deleted. */
static int
walk_gone(struct walk *w, git_tree *tree)
{
	size_t nt = git_tree_entrycount(tree);

	for (size_t k = 0; k < nt; k++) {
		if (gone_entry(w, git_tree_entry_byindex(tree, k)) < 0)
			return -1;
	}
	return 0;
}

/*
 * One tree entry that the index does not have: a blob is recorded as
 * deleted, and so is every blob below a subtree.
 */
static int
gone_entry(struct walk *w, const git_tree_entry *te)
{
	uint32_t mode = (uint32_t)git_tree_entry_filemode(te);
	const char *name = git_tree_entry_name(te);
	struct change *c;
	git_tree *sub = NULL;
	size_t old;
	int rc;

	if (mode == GIT_FILEMODE_TREE) {
		if (git_tree_lookup(&sub, w->repo, git_tree_entry_id(te)) < 0)
			return tree_err(w, name, strlen(name));
		if (prefix_push(w, name, strlen(name), &old) < 0) {
			git_tree_free(sub);
			return -1;
		}
		rc = walk_gone(w, sub);
		prefix_pop(w, old);
		git_tree_free(sub);
		return rc;
	}
	if (!is_blob_mode(mode))
		return 0;
	c = changes_add(&w->gone, w->e);
	if (c == NULL)
		return -1;
	c->status = STATUS_DELETED;
	c->path = concat(w->prefix.p != NULL ? w->prefix.p : "", name);
	if (c->path == NULL) {
		w->gone.n--;
		return err_set(w->e, "out of memory");
	}
	git_oid_cpy(&c->old_id, git_tree_entry_id(te));
	c->old_mode = mode;
	return 0;
}

/* The id of an index entry, from the mapped file. */
static void
entry_id(git_oid *out, const struct gitsrc_index *ix,
    const struct ientry *en)
{
	git_oid_fromraw(out, (const unsigned char *)ix->buf + en->at + 40);
}

/* One index entry that the tree does not have. */
static int
entry_added(struct walk *w, const struct ientry *en)
{
	struct change *c;

	if (en->stage != 0 || en->ita)
		return 0;
	c = changes_add(&w->found, w->e);
	if (c == NULL)
		return -1;
	c->status = GITSRC_ADDED;
	c->path = en->path;
	entry_id(&c->id, w->ix, en);
	c->mode = en->mode;
	return 0;
}

/* One index entry at the path of a tree blob. */
static int
entry_changed(struct walk *w, const struct ientry *en,
    const git_tree_entry *te)
{
	uint32_t mode = (uint32_t)git_tree_entry_filemode(te);
	struct change *c;
	git_oid id;

	entry_id(&id, w->ix, en);
	if (en->mode == mode && git_oid_equal(&id, git_tree_entry_id(te)))
		return 0;
	c = changes_add(&w->found, w->e);
	if (c == NULL)
		return -1;
	c->status = (en->mode & S_IFMT) == (mode & S_IFMT) ?
	    GITSRC_MODIFIED : GITSRC_TYPECHANGE;
	c->path = en->path;
	git_oid_cpy(&c->id, &id);
	c->mode = en->mode;
	git_oid_cpy(&c->old_id, git_tree_entry_id(te));
	c->old_mode = mode;
	return 0;
}

/* The child of cache-tree node ct named name, or NULL. */
static const struct ctree *
ctree_child(const struct gitsrc_index *ix, const struct ctree *ct,
    const char *name, size_t len)
{
	size_t lo = 0, hi;

	if (ct == NULL)
		return NULL;
	/* git keeps children sorted by length, then bytes. */
	hi = ct->nsub;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ctree *c = &ix->nodes[ct->sub[mid]];
		int cmp;

		if (c->len != len)
			cmp = c->len < len ? -1 : 1;
		else
			cmp = memcmp(c->name, name, len);
		if (cmp == 0)
			return c;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Whether entry en (below the walk's prefix) is below prefix + name. */
static bool
in_group(const struct walk *w, const struct ientry *en, const char *name,
    size_t len)
{
	size_t base = w->prefix.len;

	return en->len > base + len &&
	    memcmp(en->path + base, name, len) == 0 &&
	    en->path[base + len] == '/';
}

/*
 * The end of the run of entries from lo (< hi, itself in the run) below
 * the directory prefix + name: taken from a valid cache-tree node when
 * it checks out, else found by bisection (the run is contiguous).
 */
static size_t
group_end(const struct walk *w, size_t lo, size_t hi, const char *name,
    size_t len, const struct ctree *ct)
{
	const struct ientry *e = w->ix->e;

	if (ct != NULL && ct->count > 0 && (size_t)ct->count <= hi - lo) {
		size_t end = lo + (size_t)ct->count;

		if (in_group(w, &e[end - 1], name, len) &&
		    (end == hi || !in_group(w, &e[end], name, len)))
			return end;
	}
	lo++;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (in_group(w, &e[mid], name, len))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int walk_dir(struct walk *w, git_tree *tree, const struct ctree *ct,
    size_t lo, size_t hi);

/* A directory of the index: recurse with its subtree (may be NULL). */
static int
walk_sub(struct walk *w, const char *name, size_t len, const git_oid *tid,
    const struct ctree *ct, size_t lo, size_t hi)
{
	git_tree *sub = NULL;
	const struct ctree *cct = ctree_child(w->ix, ct, name, len);
	size_t old;
	int rc;

	/* Unchanged as git will commit it: not even read. */
	if (tid != NULL && cct != NULL && cct->count >= 0 &&
	    (size_t)cct->count == hi - lo && git_oid_equal(&cct->id, tid))
		return 0;
	if (tid != NULL && git_tree_lookup(&sub, w->repo, tid) < 0)
		return tree_err(w, name, len);
	if (prefix_push(w, name, len, &old) < 0) {
		git_tree_free(sub);
		return -1;
	}
	rc = walk_dir(w, sub, cct, lo, hi);
	prefix_pop(w, old);
	git_tree_free(sub);
	return rc;
}

/* Every index entry in [lo, hi) is added. */
static int
all_added(struct walk *w, size_t lo, size_t hi)
{
	for (size_t i = lo; i < hi; i++) {
		if (entry_added(w, &w->ix->e[i]) < 0)
			return -1;
	}
	return 0;
}

/*
 * Merges the index entries [lo, hi), all below the walk's prefix, with
 * tree (NULL: none), one directory level at a time.
 */
static int
walk_dir(struct walk *w, git_tree *tree, const struct ctree *ct, size_t lo,
    size_t hi)
{
	const struct ientry *e = w->ix->e;
	size_t nt = tree != NULL ? git_tree_entrycount(tree) : 0;
	size_t i = lo, k = 0, base = w->prefix.len;

	while (i < hi || k < nt) {
		const git_tree_entry *te = NULL;
		const char *iname = NULL, *tname = NULL, *slash;
		size_t ilen = 0, tlen = 0, j = i;
		bool idir = false, tdir = false;
		int cmp;

		if (i < hi) {
			iname = e[i].path + base;
			slash = memchr(iname, '/', e[i].len - base);
			idir = slash != NULL;
			ilen = idir ? (size_t)(slash - iname) : e[i].len - base;
		}
		if (k < nt) {
			te = git_tree_entry_byindex(tree, k);
			tname = git_tree_entry_name(te);
			tlen = strlen(tname);
			tdir = git_tree_entry_filemode(te) == GIT_FILEMODE_TREE;
		}
		if (i >= hi)
			cmp = 1;
		else if (k >= nt)
			cmp = -1;
		else
			cmp = name_cmp(iname, ilen, idir, tname, tlen, tdir);
		if (cmp <= 0) {
			if (idir) {
				j = group_end(w, i, hi, iname, ilen,
				    ctree_child(w->ix, ct, iname, ilen));
			} else {
				/* Every stage of one path. */
				j = i + 1;
				while (j < hi && e[j].len == e[i].len &&
				    memcmp(e[j].path, e[i].path, e[i].len) == 0)
					j++;
			}
		}
		if (cmp < 0) {
			if (idir ? all_added(w, i, j) < 0 :
			    entry_added(w, &e[i]) < 0)
				return -1;
			i = j;
		} else if (cmp > 0) {
			if (w->want_gone && gone_entry(w, te) < 0)
				return -1;
			k++;
		} else {
			if (idir) {
				if (walk_sub(w, iname, ilen,
				    git_tree_entry_id(te), ct, i, j) < 0)
					return -1;
			} else if (e[i].stage == 0 && !e[i].ita &&
			    entry_changed(w, &e[i], te) < 0) {
				return -1;
			}
			/* An unmerged path is neither added nor deleted. */
			i = j;
			k++;
		}
	}
	return 0;
}

static void
walk_release(struct walk *w)
{
	for (size_t i = 0; i < w->gone.n; i++)
		free((char *)w->gone.v[i].path);
	free(w->gone.v);
	free(w->found.v);
	free(w->prefix.p);
}

int
gitsrc_staged(git_repository *repo, git_tree *tree,
    const struct gitsrc_index *index, unsigned flags, gitsrc_change_fn *fn,
    void *payload, struct err *e)
{
	struct walk w;
	const struct ctree *root;
	int rc = -1;

	memset(&w, 0, sizeof(w));
	w.repo = repo;
	w.ix = index;
	w.want_gone = (flags & GITSRC_RENAMES) != 0;
	w.e = e;
	root = index->nnodes > 0 ? &index->nodes[0] : NULL;
	/* The whole index as HEAD has it: nothing staged. */
	if (tree != NULL && root != NULL && root->count >= 0 &&
	    (size_t)root->count == index->n &&
	    git_oid_equal(&root->id, git_tree_id(tree))) {
		rc = 0;
		goto out;
	}
	if (walk_dir(&w, tree, root, 0, index->n) < 0)
		goto out;
	/* The released paths are rebuilt when they need to be. */
	if (w.want_gone && w.gone.n > 0 && (rename_pair_exact(&w, e) < 0 ||
	    rename_pair_similar(&w, e) < 0))
		goto out;
	for (size_t i = 0; i < w.found.n; i++) {
		const struct change *c = &w.found.v[i];
		struct gitsrc_change out;

		memset(&out, 0, sizeof(out));
		out.status = (enum gitsrc_status)c->status;
		out.path = c->path;
		git_oid_cpy(&out.id, &c->id);
		out.mode = c->mode;
		if (c->status == GITSRC_RENAMED) {
			out.old_path = c->source->path;
			git_oid_cpy(&out.old_id, &c->source->old_id);
			out.old_mode = c->source->old_mode;
		} else if (c->status != GITSRC_ADDED) {
			out.old_path = c->path;
			git_oid_cpy(&out.old_id, &c->old_id);
			out.old_mode = c->old_mode;
		}
		rc = fn(&out, payload);
		if (rc != 0)
			goto out;
	}
	rc = 0;
out:
	walk_release(&w);
	return rc;
}
