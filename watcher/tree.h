/*
 * tree: the inotify watches, one per watched directory, kept as a tree
 * of nodes so that an event's watch descriptor and name give the path,
 * and a directory renamed inside a root needs one node moved, not every
 * path below it rewritten. Each node is a watched directory: its parent
 * node and its name (a root's name is its absolute path; the name of a
 * directory whose parent could not be watched holds several components).
 *
 * Roots are opened once; paths below a root are opened relative to its
 * descriptor without following any symbolic link (tree_open()), so that
 * no link leads out of a root.
 *
 * Directories that could not be watched because of the inotify watch
 * limit (ENOSPC) are remembered as the tops of unwatched subtrees, to be
 * rescanned periodically.
 *
 * Every function takes the tree's lock itself and is thread-safe.
 */
#ifndef TOKENGUARD_WATCH_TREE_H
#define TOKENGUARD_WATCH_TREE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* What a directory watch asks for. */
#define TREE_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | \
    IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | \
    IN_ONLYDIR | IN_EXCL_UNLINK)

struct node;

/* A node's index in the tree's array; NONE is no node. */
typedef uint32_t nid;
#define NONE ((nid)0)

struct root {
	char *path;	/* absolute, without a trailing '/' */
	int fd;		/* the directory, O_PATH; -1 while missing */
	bool gone;	/* deleted or moved away: reopened by rescans */
};

struct tree {
	pthread_mutex_t lock;
	int ino;		/* the inotify descriptor (borrowed) */
	struct root *roots;
	size_t nroots;
	struct node *nodes;	/* [0] is unused: index 0 is NONE */
	size_t used;		/* slots used, free ones included */
	size_t cap;
	nid free_head;		/* free slots, linked by next */
	size_t count;		/* nodes in use */
	nid *by_wd;		/* hash tables, sizes powers of two */
	size_t nwd;
	nid *by_name;
	size_t nname;
	char **unwatched;	/* tops of unwatched subtrees */
	size_t nunwatched;
	size_t unwatched_dirs;	/* directories in them, as last walked */
};

int tree_init(struct tree *t, int ino, struct err *e);

/* Removes every watch and frees everything. */
void tree_release(struct tree *t);

/*
 * Makes paths[0..n) the roots: roots no longer listed lose their
 * watches, new ones are opened. *added (malloc'd array of borrowed
 * pointers to the new roots' paths, valid until the next call) lists
 * the roots to walk. A root that cannot be opened is an error and
 * changes nothing.
 */
int tree_set_roots(struct tree *t, char **paths, size_t n,
    const char ***added, size_t *nadded, struct err *e);

/*
 * Finds the root path is in: *fd receives a duplicate of the root's
 * descriptor (the caller closes it) and *rel the offset in path of the
 * part below the root (pointing at "" for the root itself). Returns -1
 * when path is under no root, or the root is gone.
 */
int tree_root_fd(struct tree *t, const char *path, int *fd, size_t *rel);

/*
 * Reopens roots that are gone; *back (malloc'd, borrowed strings as
 * for tree_set_roots()) lists those that are back, to be walked.
 */
int tree_reopen_roots(struct tree *t, const char ***back, size_t *nback,
    struct err *e);

/* True when some root is gone. */
bool tree_roots_gone(struct tree *t);

/*
 * Opens rel (below the root whose descriptor is rootfd) with flags
 * (O_CLOEXEC and O_NOFOLLOW are added), following no symbolic link on
 * the way: a link anywhere in rel fails with ELOOP. Returns the
 * descriptor or -1 with errno set.
 */
int tree_open(int rootfd, const char *rel, int flags);

enum tree_watch_result {
	TREE_WATCHED = 0,
	TREE_NOSPACE,		/* the inotify watch limit: ENOSPC */
	TREE_FAILED,		/* another error: *error has errno */
};

/*
 * Watches the directory open as dirfd, found at path (rel_off as from
 * tree_root_fd()), and places its node at path, moving it when the
 * directory was known under another path. Watch first, then list: what
 * is created in the directory after this returns makes events.
 */
enum tree_watch_result tree_watch(struct tree *t, const char *path,
    size_t rel_off, int dirfd, int *error);

/*
 * The path of the directory of watch wd, with "/" and name appended
 * when name is not NULL or empty, into out (n bytes). *rel_off (may be
 * NULL) receives the offset of the part below the root. Returns false
 * when wd is not known (a retired watch) or the path does not fit.
 */
bool tree_path(struct tree *t, int wd, const char *name, char *out,
    size_t n, size_t *rel_off);

/* True when wd is a root's watch. */
bool tree_is_root(struct tree *t, int wd);

/*
 * A directory named from_name in the directory of from_wd was renamed
 * to to_name in the directory of to_wd: moves its node. Returns false
 * when the source is not known.
 */
bool tree_move(struct tree *t, int from_wd, const char *from_name,
    int to_wd, const char *to_name);

/*
 * The directory named name in the directory of wd left the tree (moved
 * out, or replaced): removes the watches of it and everything below.
 */
void tree_retire_child(struct tree *t, int wd, const char *name);

/*
 * Watch wd ended (IN_IGNORED) or its directory went away (deleted,
 * unmounted, a root moved): removes its node, and the watches of
 * anything still below it. A root's watch ending marks the root gone.
 * Returns true when wd was a root's.
 */
bool tree_retire(struct tree *t, int wd);

/* Watches held. */
size_t tree_watches(struct tree *t);

/*
 * Unwatched subtrees. tree_unwatched_add() notes a top (copied) and
 * returns true when it is new; tree_unwatched_count() adds directories
 * found below tops. tree_unwatched_take() hands the list over (for a
 * rescan, which notes again what is still unwatched; *v malloc'd, the
 * caller frees each and the array) and starts a new count.
 */
bool tree_unwatched_add(struct tree *t, const char *path);
void tree_unwatched_count(struct tree *t, size_t dirs);
void tree_unwatched_take(struct tree *t, char ***v, size_t *n);
size_t tree_unwatched_dirs(struct tree *t);

#endif
