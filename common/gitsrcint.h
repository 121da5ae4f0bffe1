/*
 * gitsrcint: what the parts of the git source share. gitsrc.c opens the
 * repository; gitobjects.c adds object directories and reads objects;
 * gitindex.c reads the index file; gitstaged.c compares it with a tree,
 * and gitrenames.c pairs the result into renames; gitdiff.c lists what
 * an index it cannot read stages, with git; gitcommits.c finds the new
 * commits of a history walk and the tip each belongs to; githistory.c
 * walks them. Here: libgit2 error messages and small string helpers, the
 * parsed index, the staged walk's state, the commit sets and lists, and
 * the functions one part calls in another. It is internal to the module:
 * programs and other modules include gitsrc.h, never this.
 */
#ifndef TOKENGUARD_GITSRCINT_H
#define TOKENGUARD_GITSRCINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "err.h"
#include "gitsrc.h"
#include "strbuf.h"

/* The message of libgit2's last error; never NULL. */
static inline const char *
git_msg(void)
{
	const git_error *ge = git_error_last();

	return ge != NULL && ge->message != NULL ? ge->message :
	    "libgit2 error";
}

/* Sets e from libgit2's last error, prefixed with what was being done. */
static inline int
git_err(struct err *e, const char *what)
{
	return err_set(e, "%s: %s", what, git_msg());
}

/* Sets e from libgit2's last error about object id ("what ID: ..."). */
static inline int
obj_err(struct err *e, const char *what, const git_oid *id)
{
	char hex[GIT_OID_HEXSZ + 1];

	git_oid_tostr(hex, sizeof(hex), id);
	return err_set(e, "%s %s: %s", what, hex, git_msg());
}

/* getenv() that treats an empty value as unset, as git does. */
static inline const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* a + b, malloc'd; NULL when out of memory. */
static inline char *
concat(const char *a, const char *b)
{
	return strbuf_join3(a, b, "");
}

/* A mode whose object is content: a blob, executable or not, or a link. */
static inline bool
is_blob_mode(uint32_t mode)
{
	return mode == GIT_FILEMODE_BLOB ||
	    mode == GIT_FILEMODE_BLOB_EXECUTABLE || mode == GIT_FILEMODE_LINK;
}

/* ---- gitsrc.c ------------------------------------------------------- */

/*
 * path made absolute against the current directory, without resolving
 * links (git does not either); malloc'd.
 */
int gitsrc_absolute(char **out, const char *path, struct err *e);

/* ---- gitobjects.c ---------------------------------------------------- */

/*
 * Adds the object directories the environment names (the receive
 * quarantine) to repo, and a guard in front of every object directory
 * (odbguard.h).
 */
int gitobjects_add_env(git_repository *repo, struct err *e);

/* ---- gitindex.c: the index, as gitsrc_index_open() parsed it -------- */

/*
 * One index entry. Its id stays in the mapped file (at): copying 20
 * bytes per entry up front costs more than the few lookups need.
 */
struct ientry {
	const char *path;	/* NUL-terminated */
	uint32_t len;
	uint32_t at;		/* the entry's offset in the file */
	uint32_t mode;
	uint8_t stage;
	bool ita;		/* intent to add: not committed */
};

/* One node of the cache tree (the TREE extension). */
struct ctree {
	const char *name;	/* path component, not NUL-terminated */
	size_t len;
	long count;		/* index entries below; -1 when invalid */
	git_oid id;		/* their tree, when valid */
	size_t *sub;		/* indexes of the children in nodes */
	size_t nsub;
};

struct gitsrc_index {
	char *path;
	char *buf;		/* the file, mapped */
	size_t size;
	char *names;		/* version 4: the expanded paths */
	struct ientry *e;	/* mapped, populated: see map_file() */
	size_t n, e_size;
	struct ctree *nodes;	/* root first; none without a cache tree */
	size_t nnodes, ncap;
	bool unsupported;	/* refused for its format, not corruption */
};

/* ---- gitstaged.c and gitrenames.c: the walk of index and tree ------ */

/* A change found by the walk; deleted paths are kept for renames. */
struct change {
	char status;		/* an enum gitsrc_status, or 'D' */
	const char *path;	/* index paths borrowed; deleted ones owned */
	git_oid id;
	uint32_t mode;
	const struct change *source;	/* the rename source */
	git_oid old_id;
	uint32_t old_mode;
	bool paired;		/* deleted: used as a rename source */
};

struct changes {
	struct change *v;
	size_t n, cap;
};

/* What the walk of index and tree carries along. */
struct walk {
	git_repository *repo;
	const struct gitsrc_index *ix;
	struct changes found;	/* added, modified, type-changed */
	struct changes gone;	/* deleted, when renames are wanted */
	bool want_gone;
	struct strbuf prefix;	/* the directory being walked, with '/' */
	struct err *e;
};

#define STATUS_DELETED 'D'

/* Pairs added blobs with deleted ones of the same id as renames. */
int rename_pair_exact(struct walk *w, struct err *e);

/* Pairs added blobs with similar deleted ones as renames. */
int rename_pair_similar(struct walk *w, struct err *e);

/* ---- gitcommits.c: the new commits of a history walk ---------------- */

/*
 * A set of object ids: open addressing over the ids' first bytes, which
 * are uniformly distributed.
 */
struct oidset {
	git_oid *slots;
	unsigned char *used;
	size_t cap;		/* a power of two */
	size_t n;
};

void oidset_release(struct oidset *s);

/* Adds id; *added tells whether it was new. */
int oidset_add(bool *added, struct oidset *s, const git_oid *id,
    struct err *e);

/* The commits of each tip, in order: a revwalk per tip. */
struct tipwalk {
	git_oid *ids;
	size_t n, cap;
};

int tipwalk_add(struct tipwalk *t, const git_oid *id, struct err *e);

/*
 * Lists in *t the new commits of all the commit tips, parents first:
 * reachable from a tip, and from none of hide[] and the commits of the
 * refs (refs, NULL when not hidden).
 */
int commits_list_new(struct tipwalk *t, git_repository *repo,
    const git_oid *tips, size_t ntips, const git_oid *hide, size_t nhide,
    const struct tipwalk *refs, struct err *e);

/*
 * Which tip brings each new commit: the first, in the tips' order, that
 * reaches it. slot is a hash table of indices + 1 into all->ids (0:
 * empty), mask + 1 slots; owner[k] is the tip's index + 1 (0: none yet).
 */
struct owners {
	const struct tipwalk *all;
	size_t *slot;
	size_t mask;
	size_t *owner;
};

/* The index + 1 of id in o->all, or 0 when it is no new commit. */
size_t owners_find(const struct owners *o, const git_oid *id);
int owners_init(struct owners *o, const struct tipwalk *all, struct err *e);
void owners_release(struct owners *o);

/*
 * Gives tip number ti the new commits it reaches that no earlier tip
 * has.
 */
int owners_claim(struct owners *o, git_repository *repo, size_t ti,
    const git_oid *tip, struct err *e);

/* The ids the existing refs peel to, when they are commits, each once. */
int commits_of_refs(struct tipwalk *t, git_repository *repo, struct err *e);

/*
 * A commit tip that brought no new commit must be known: reachable from
 * a hidden commit, a ref, or an earlier tip.
 */
int commits_check_known(git_repository *repo, const git_oid *tip,
    const char *ref, const git_oid *earlier, size_t nearlier,
    const git_oid *hide, size_t nhide, const struct tipwalk *refs,
    struct err *e);

#endif
