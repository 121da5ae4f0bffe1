/*
 * gitsrc: git as a source of bytes for the scanner. The hooks open the
 * repository the way git found it for them, list what a commit is about
 * to add, and read blobs by id.
 *
 * Objects, trees, config and repositories go through libgit2. The index
 * is read here: libgit2 1.5 takes about 170 ms to load an index of 50,000
 * entries and its tree-to-index diff half a second more, cold, where a
 * commit hook has 50 ms. Reading the index file directly and pruning the
 * comparison with the index's cache tree (the TREE extension, from which
 * git writes the commit's trees) reads only the trees along the changed
 * paths. One fallback shells out: an index this reader does not know (a
 * split index, core.splitIndex; a sparse index, index.sparse; a newer
 * format) is listed by `git diff --cached --raw -z --no-renames`, and its
 * blobs are then read with libgit2 as usual.
 *
 * Nothing here prints or exits. The caller has called git_libgit2_init().
 */
#ifndef TOKENGUARD_GITSRC_H
#define TOKENGUARD_GITSRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <git2.h>

#include "err.h"

/*
 * Opens the repository that git runs a hook in, or that a command run
 * from the current directory works on, as git itself finds it (libgit2
 * 1.5's GIT_REPOSITORY_OPEN_FROM_ENV fails when GIT_WORK_TREE or
 * GIT_COMMON_DIR is set, so the environment is read here):
 *
 * - GIT_DIR set: that git directory (or the ".git" file it names), no
 *   search. The work tree is GIT_WORK_TREE when set, else core.worktree,
 *   else, as git does, the current directory, unless the repository is
 *   bare.
 * - GIT_DIR unset: discovery from the current directory upwards, so that
 *   subdirectories, linked worktrees and submodules (".git" files) work;
 *   GIT_CEILING_DIRECTORIES and GIT_DISCOVERY_ACROSS_FILESYSTEM are
 *   honoured. GIT_WORK_TREE, when set, is the work tree.
 * - GIT_COMMON_DIR, when set, must name the common directory that the git
 *   directory already has (libgit2 cannot use another): otherwise this is
 *   an error rather than a look at the wrong repository.
 * - GIT_QUARANTINE_PATH, GIT_OBJECT_DIRECTORY and each entry of
 *   GIT_ALTERNATE_OBJECT_DIRECTORIES (':'-separated, git's quoting) are
 *   added as alternate object directories, so that objects a hook is
 *   shown before git moves them into place (the receive quarantine) can
 *   be read.
 *
 * Relative paths in these variables are relative to the current
 * directory, as in git. Outside a repository the error says so.
 * *out belongs to the caller (git_repository_free()).
 */
int gitsrc_open(git_repository **out, struct err *e);

/*
 * The directory git runs repo's hooks from, as `git rev-parse --git-path
 * hooks` names it: core.hooksPath when set (a leading "~/" is the home
 * directory; a relative path is relative to the work tree root, where
 * git runs hooks, or to the git directory of a bare repository), else
 * "hooks" in the common git directory (linked worktrees share it).
 * *out is absolute, without a trailing slash, malloc'd; the caller frees
 * it.
 */
int gitsrc_hooks_dir(char **out, git_repository *repo, struct err *e);

/*
 * The path of the index a commit is about to record: GIT_INDEX_FILE when
 * set (git sets it for every commit hook: the temporary index of
 * `git commit -a`, `git commit PATH...`, and the repository's index
 * otherwise; a relative value is relative to the current directory,
 * which git makes the work tree root before it runs a hook), else the
 * repository's own index file. *out is an absolute path, malloc'd; the
 * caller frees it.
 */
int gitsrc_index_path(char **out, git_repository *repo, struct err *e);

/* An index file, read whole. */
struct gitsrc_index;

/*
 * Reads the index at path (from gitsrc_index_path()): index format
 * versions 2, 3 and 4, its cache tree kept for gitsrc_staged(). Like
 * git (outside git fsck), it checks the structure, not the trailing
 * checksum. A missing file is an empty index, as in git. On failure the
 * error names the file and *unsupported tells why: true for a valid
 * index in a form this reader does not know (a split index, "link"
 * extension; a sparse index, "sdir"; another required extension; a
 * newer version), which the caller can list with gitsrc_staged_git()
 * instead; false for a truncated or corrupt file, or a system error.
 * *out belongs to the caller (gitsrc_index_free()).
 */
int gitsrc_index_open(struct gitsrc_index **out, bool *unsupported,
    const char *path, struct err *e);

void gitsrc_index_free(struct gitsrc_index *ix);

/* The number of entries (every stage counted). */
size_t gitsrc_index_count(const struct gitsrc_index *ix);

/*
 * HEAD^{tree}: *out is the tree, or NULL on an unborn branch (the empty
 * tree). *out belongs to the caller (git_tree_free()).
 */
int gitsrc_head_tree(git_tree **out, git_repository *repo, struct err *e);

/*
 * The trees of the other parents of a merge commit being made (none
 * outside a merge): the commits in MERGE_HEAD (a merge concluded with
 * `git commit`); else, in the pre-merge-commit hook of `git merge A B`,
 * which runs before MERGE_HEAD is written, the commits named by
 * GIT_REFLOG_ACTION ("merge A B": git merge puts its commit arguments
 * there); else for `git pull` (GIT_REFLOG_ACTION "pull ...") the
 * FETCH_HEAD entries marked for merge. A secret that one of them
 * already holds at a path was committed before, like one in HEAD.
 * *out is a malloc'd array of *n trees, NULL when *n is 0; free it with
 * gitsrc_trees_free().
 */
int gitsrc_merge_trees(git_tree ***out, size_t *n, git_repository *repo,
    struct err *e);

void gitsrc_trees_free(git_tree **trees, size_t n);

/* What a staged entry is compared with the tree. */
enum gitsrc_status {
	GITSRC_ADDED = 'A',
	GITSRC_MODIFIED = 'M',
	GITSRC_RENAMED = 'R',
	GITSRC_TYPECHANGE = 'T',
};

/*
 * One path that the index adds or changes compared with a tree. Deleted
 * paths are not reported (nothing is added), nor are unmerged ones (git
 * refuses to commit an index that has them).
 */
struct gitsrc_change {
	enum gitsrc_status status;
	const char *path;	/* the staged path; borrowed */
	git_oid id;		/* staged object: a blob, or a commit */
	/* GIT_FILEMODE_BLOB, _BLOB_EXECUTABLE, _LINK, or _COMMIT (gitlink) */
	uint32_t mode;
	/*
	 * The tree's version of the content: the same path when modified or
	 * type-changed, the rename source when renamed; NULL when added.
	 * old_id is a blob only when old_mode is a blob or link mode.
	 */
	const char *old_path;
	git_oid old_id;
	uint32_t old_mode;
};

/*
 * Called once per change, in path order. The change is borrowed for the
 * duration of the call. Return 0 to go on; any other value stops the
 * listing, and the lister returns that value.
 */
typedef int gitsrc_change_fn(const struct gitsrc_change *c, void *payload);

enum gitsrc_staged_flags {
	/*
	 * Pair deleted and added paths as renames: same blob first, then
	 * content at least 50% similar (libgit2's hashsig, as git's default
	 * threshold), each path paired once, best scores first; inexact
	 * pairing only when neither side has more than 1000 paths (git's
	 * diff.renameLimit) and for blobs up to 8 MiB.
	 */
	GITSRC_RENAMES = 1 << 0,
};

/*
 * Compares index with tree (NULL: the empty tree), as git commits it:
 * a directory whose cache-tree entry is valid and names the tree's
 * subtree is unchanged without a look at its entries. Calls fn for each
 * added, modified, renamed or type-changed path, in path order. Entries
 * marked intent-to-add (git add -N) are not committed and not reported.
 * Returns 0 when done, the callback's non-zero value when it stopped, or
 * -1 with e set.
 */
int gitsrc_staged(git_repository *repo, git_tree *tree,
    const struct gitsrc_index *index, unsigned flags, gitsrc_change_fn *fn,
    void *payload, struct err *e);

/*
 * The fallback for an index that gitsrc_index_open() cannot read: runs
 * `git --git-dir=GITDIR [--work-tree=WORKDIR] diff --cached --raw -z
 * --no-renames --no-abbrev TREE` (fork and execvp; git from PATH, which
 * git puts its own directory first in for hooks) with GIT_INDEX_FILE set
 * to index_path, reads the whole listing, and only once git has exited
 * successfully calls fn for each change as gitsrc_staged() does (no
 * renames: a renamed file is an added one). tree may be NULL (the empty
 * tree). git's own messages go to standard error; a git that fails or
 * dies is an error, never an empty listing.
 */
int gitsrc_staged_git(git_repository *repo, const char *index_path,
    git_tree *tree, gitsrc_change_fn *fn, void *payload, struct err *e);

/*
 * The size of object id from its header (a big blob is not inflated to
 * learn it).
 */
int gitsrc_object_size(uint64_t *out, git_repository *repo,
    const git_oid *id, struct err *e);

/*
 * Reads blob id whole. *out belongs to the caller (git_blob_free()); its
 * bytes are git_blob_rawcontent() and git_blob_rawsize(), never
 * filtered: .gitattributes cannot hide content.
 */
int gitsrc_blob(git_blob **out, git_repository *repo, const git_oid *id,
    struct err *e);

/*
 * History: what a set of new tips adds to a repository, for the
 * pre-receive hook and `tokenguard scan --git`.
 *
 * The new commits are those reachable from a tip and from nothing
 * hidden (with GITSRC_HIDE_REFS: no existing ref, as refs have not moved
 * yet when pre-receive runs). Each is compared with its parents tree by
 * tree, subtrees with an equal id pruned (libgit2 1.5's tree diff does
 * not), and each blob that differs from every parent at its path is
 * reported once, whatever its path and commit later: the first new
 * commit (parents before children) and path that bring it. A tree seen
 * once is not entered again: each of its blobs was reported then or is
 * in a parent. Commit messages and annotated tag messages are reported
 * too; a tag is peeled to its target.
 */

/* A ref update or a starting point. */
struct gitsrc_tip {
	const char *ref;	/* the ref it is for, shown; borrowed */
	git_oid id;		/* any object: commit, tag, tree or blob */
};

enum gitsrc_item_kind {
	GITSRC_ITEM_COMMIT = 'c',	/* a new commit: message */
	GITSRC_ITEM_TAG = 't',		/* an annotated tag: message */
	GITSRC_ITEM_BLOB = 'b',		/* a new blob at a path */
};

/* The most parents whose version of a path is passed along. */
#define GITSRC_MAX_OLD 8

/* One thing to scan, borrowed for the duration of the callback. */
struct gitsrc_item {
	enum gitsrc_item_kind kind;
	const char *ref;	/* the tip's ref that first brings it */
	git_oid commit;		/* the commit (blob, commit) or the tag */
	const char *message;	/* commit or tag message; else NULL */
	size_t message_len;
	const char *path;	/* blob path; for a tagged blob, the ref */
	git_oid id;		/* the blob */
	uint32_t mode;		/* GIT_FILEMODE_BLOB, _EXECUTABLE or _LINK */
	/*
	 * The parents' versions of the path that are blobs or links (the
	 * blob differs from each of them): where a secret already was.
	 */
	git_oid old[GITSRC_MAX_OLD];
	size_t nold;
	size_t commits_done;	/* new commits reported so far, this one too */
	size_t commits_total;	/* new commits of all tips */
};

/*
 * Called once per item. Return 0 to go on; any other value stops the
 * walk, and gitsrc_history() returns that value.
 */
typedef int gitsrc_item_fn(const struct gitsrc_item *it, void *payload);

enum gitsrc_history_flags {
	/* Hide everything reachable from the repository's refs. */
	GITSRC_HIDE_REFS = 1 << 0,
};

/* What a history walk counted. */
struct gitsrc_history_stats {
	size_t commits;		/* new commits */
	size_t blobs;		/* blobs reported */
	size_t tags;		/* annotated tags reported */
};

/*
 * Walks what tips[0..ntips) add, hiding the commits hide[0..nhide) and
 * what they reach (and, with GITSRC_HIDE_REFS, every ref), and calls fn
 * for each item. A commit belongs to the first tip that reaches it.
 * A tip that is a commit and brings no new commit must be reachable
 * from what is hidden or an earlier tip (checked, so that objects the
 * walk could not see never pass for nothing new); otherwise, and on any
 * libgit2 error, this fails. stats (may be NULL) is filled in as far as
 * the walk got. Returns 0 when done, the callback's value when it
 * stopped, or -1 with e set.
 */
int gitsrc_history(struct gitsrc_history_stats *stats, git_repository *repo,
    const struct gitsrc_tip *tips, size_t ntips, const git_oid *hide,
    size_t nhide, unsigned flags, gitsrc_item_fn *fn, void *payload,
    struct err *e);

/*
 * The repository's object format, from extensions.objectFormat: true
 * when it is anything but sha1 (libgit2 1.5 reads only SHA-1 objects).
 * Reads the config file of the git directory gitdir directly, so that it
 * works where opening the repository fails.
 */
bool gitsrc_is_sha256(const char *gitdir);

#endif
