/*
 * tree: watch descriptors to paths and back. A node is a watched
 * directory: 40 bytes in one array, linked by 32-bit indexes to its
 * parent, its first child and its next sibling, and chained in two hash
 * tables, by watch descriptor and by (parent, name). Names of up to 15
 * bytes are stored in the node; longer ones on their own. A hundred
 * thousand directories take about five megabytes, tables included.
 *
 * Indexes, not pointers: the array moves when it grows, so no pointer
 * to a node is kept across a call that may add one.
 */
#include "tree.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hash.h"

#define INLINE_NAME 16

struct node {
	int32_t wd;		/* -1 in a free slot */
	nid parent;		/* NONE for a root */
	nid child;		/* first child */
	nid next;		/* next sibling; the next free slot */
	nid next_wd;		/* hash chains */
	nid next_name;
	union {
		char in[INLINE_NAME];	/* when shorter than INLINE_NAME */
		char *out;		/* malloc'd, otherwise */
	} name;
};

/* -1: not known yet, 0: openat2() does not work here, 1: it does. */
static int have_openat2 = -1;

#define N(t, i) (&(t)->nodes[i])

/* A long name is marked by a 1 in the last inline byte (name_set()). */
static const char *
name_of(const struct node *x)
{
	return x->name.in[INLINE_NAME - 1] == 1 ? x->name.out : x->name.in;
}

static size_t
name_bucket(const struct tree *t, nid parent, const char *name)
{
	uint64_t h = hash_str(name, HASH_START ^
	    ((uint64_t)parent * 0x9e3779b97f4a7c15ULL));

	return (size_t)(h ^ (h >> 29)) & (t->nname - 1);
}

static size_t
wd_bucket(const struct tree *t, int wd)
{
	uint64_t h = (uint64_t)(unsigned)wd * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 32) & (t->nwd - 1);
}

static nid
by_wd(const struct tree *t, int wd)
{
	nid x;

	for (x = t->by_wd[wd_bucket(t, wd)]; x != NONE; x = N(t, x)->next_wd) {
		if (N(t, x)->wd == wd)
			return x;
	}
	return NONE;
}

static nid
by_name(const struct tree *t, nid parent, const char *name)
{
	nid x;

	x = t->by_name[name_bucket(t, parent, name)];
	for (; x != NONE; x = N(t, x)->next_name) {
		if (N(t, x)->parent == parent &&
		    strcmp(name_of(N(t, x)), name) == 0)
			return x;
	}
	return NONE;
}

/* The chains a node is on, each through a link of its own. */
enum chain { CHAIN_NAME, CHAIN_WD, CHAIN_SIBLING };

/* Node x's link to the next node on chain c. */
static nid *
link_of(struct tree *t, nid x, enum chain c)
{
	struct node *n = N(t, x);

	if (c == CHAIN_NAME)
		return &n->next_name;
	if (c == CHAIN_WD)
		return &n->next_wd;
	return &n->next;
}

/* Where chain c that x belongs on starts; NULL for a root's siblings. */
static nid *
head_of(struct tree *t, nid x, enum chain c)
{
	struct node *n = N(t, x);

	if (c == CHAIN_NAME)
		return &t->by_name[name_bucket(t, n->parent, name_of(n))];
	if (c == CHAIN_WD)
		return &t->by_wd[wd_bucket(t, n->wd)];
	return n->parent != NONE ? &N(t, n->parent)->child : NULL;
}

/* Takes x off chain c (for siblings: its parent's children). */
static void
chain_remove(struct tree *t, nid x, enum chain c)
{
	nid *pp = head_of(t, x, c);

	if (pp == NULL)
		return;
	while (*pp != NONE && *pp != x)
		pp = link_of(t, *pp, c);
	if (*pp == x)
		*pp = *link_of(t, x, c);
	*link_of(t, x, c) = NONE;
}

/* Puts x at the front of chain c. */
static void
chain_push(struct tree *t, nid x, enum chain c)
{
	nid *pp = head_of(t, x, c);

	if (pp == NULL)
		return;
	*link_of(t, x, c) = *pp;
	*pp = x;
}

static void
name_free(struct node *x)
{
	if (x->name.in[INLINE_NAME - 1] == 1)
		free(x->name.out);
}

/*
 * Sets x's name (it must not be linked by name meanwhile). A long name
 * is malloc'd and marked by a 1 in the last inline byte, which a short
 * name never has there (it ends with a NUL before). False when out of
 * memory; the name is unchanged then.
 */
static bool
name_set(struct node *x, const char *name)
{
	size_t len = strlen(name);
	char *p;

	if (len < INLINE_NAME - 1) {
		name_free(x);
		memset(x->name.in, 0, INLINE_NAME);
		memcpy(x->name.in, name, len);
		return true;
	}
	p = strdup(name);
	if (p == NULL)
		return false;
	name_free(x);
	memset(x->name.in, 0, INLINE_NAME);
	x->name.out = p;
	x->name.in[INLINE_NAME - 1] = 1;
	return true;
}

/* A new unlinked node for wd named name, or NONE when out of memory. */
static nid
node_new(struct tree *t, int wd, const char *name)
{
	struct node *x;
	nid i;

	if (t->free_head != NONE) {
		i = t->free_head;
		t->free_head = N(t, i)->next;
	} else {
		if (t->used == t->cap) {
			size_t cap = t->cap * 2;
			struct node *v;

			if (cap > UINT32_MAX)
				return NONE;
			v = realloc(t->nodes, cap * sizeof(*v));
			if (v == NULL)
				return NONE;
			t->nodes = v;
			t->cap = cap;
		}
		i = (nid)t->used++;
	}
	x = N(t, i);
	memset(x, 0, sizeof(*x));
	x->wd = wd;
	if (!name_set(x, name)) {
		x->wd = -1;
		x->next = t->free_head;
		t->free_head = i;
		return NONE;
	}
	return i;
}

/* Doubles the hash tables when they are full; on failure they stay. */
static void
grow(struct tree *t)
{
	nid *w, *n, *old_w = t->by_wd, *old_n = t->by_name;
	size_t ow = t->nwd, on = t->nname;

	if (t->count < t->nwd)
		return;
	w = calloc(ow * 2, sizeof(*w));
	n = calloc(on * 2, sizeof(*n));
	if (w == NULL || n == NULL) {
		free(w);
		free(n);
		return;
	}
	t->by_wd = w;
	t->nwd = ow * 2;
	t->by_name = n;
	t->nname = on * 2;
	for (size_t i = 0; i < ow; i++) {
		nid x = old_w[i], next;

		for (; x != NONE; x = next) {
			next = N(t, x)->next_wd;
			chain_push(t, x, CHAIN_WD);
		}
	}
	for (size_t i = 0; i < on; i++) {
		nid x = old_n[i], next;

		for (; x != NONE; x = next) {
			next = N(t, x)->next_name;
			chain_push(t, x, CHAIN_NAME);
		}
	}
	free(old_w);
	free(old_n);
}

/* Frees x, a node without children, and stops its watch. */
static void
drop(struct tree *t, nid x, bool rm_watch)
{
	if (rm_watch)
		(void)inotify_rm_watch(t->ino, N(t, x)->wd);
	chain_remove(t, x, CHAIN_WD);
	chain_remove(t, x, CHAIN_NAME);
	chain_remove(t, x, CHAIN_SIBLING);
	name_free(N(t, x));
	N(t, x)->wd = -1;
	N(t, x)->next = t->free_head;
	t->free_head = x;
	t->count--;
}

/* Drops top and everything below it, children first. */
static void
drop_subtree(struct tree *t, nid top, bool rm_watch)
{
	nid x = top, p;

	for (;;) {
		while (N(t, x)->child != NONE)
			x = N(t, x)->child;
		p = N(t, x)->parent;
		drop(t, x, rm_watch);
		if (x == top)
			return;
		x = p;
	}
}

int
tree_init(struct tree *t, int ino, struct err *e)
{
	memset(t, 0, sizeof(*t));
	t->ino = ino;
	t->nwd = t->nname = 1024;
	t->cap = 1024;
	t->used = 1;		/* index 0 is NONE */
	t->by_wd = calloc(t->nwd, sizeof(*t->by_wd));
	t->by_name = calloc(t->nname, sizeof(*t->by_name));
	t->nodes = malloc(t->cap * sizeof(*t->nodes));
	if (t->by_wd == NULL || t->by_name == NULL || t->nodes == NULL ||
	    pthread_mutex_init(&t->lock, NULL) != 0) {
		free(t->by_wd);
		free(t->by_name);
		free(t->nodes);
		return err_set(e, "out of memory");
	}
	return 0;
}

static nid
root_node(const struct tree *t, const char *path)
{
	return by_name(t, NONE, path);
}

void
tree_release(struct tree *t)
{
	/*
	 * The watches go with the inotify descriptor, closed after this:
	 * removing a hundred thousand one by one would only take time.
	 */
	for (size_t i = 1; i < t->used; i++) {
		if (N(t, i)->wd >= 0)
			name_free(N(t, i));
	}
	for (size_t i = 0; i < t->nroots; i++) {
		if (t->roots[i].fd >= 0)
			(void)close(t->roots[i].fd);
		free(t->roots[i].path);
	}
	for (size_t i = 0; i < t->nunwatched; i++)
		free(t->unwatched[i]);
	free(t->unwatched);
	free(t->roots);
	free(t->nodes);
	free(t->by_wd);
	free(t->by_name);
	(void)pthread_mutex_destroy(&t->lock);
	memset(t, 0, sizeof(*t));
}

static int
open_root(const char *path)
{
	return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

int
tree_set_roots(struct tree *t, char **paths, size_t n, const char ***added,
    size_t *nadded, struct err *e)
{
	struct root *nr;
	const char **add;
	size_t *keep, na = 0;
	int rc = -1;

	nr = calloc(n + 1, sizeof(*nr));
	add = calloc(n + 1, sizeof(*add));
	keep = calloc(n + 1, sizeof(*keep));
	if (nr == NULL || add == NULL || keep == NULL) {
		free(nr);
		free(add);
		free(keep);
		return err_set(e, "out of memory");
	}
	(void)pthread_mutex_lock(&t->lock);
	/* First open what is new, changing nothing. */
	for (size_t i = 0; i < n; i++) {
		nr[i].fd = -1;
		keep[i] = SIZE_MAX;
		for (size_t j = 0; j < t->nroots && keep[i] == SIZE_MAX; j++) {
			if (strcmp(t->roots[j].path, paths[i]) == 0)
				keep[i] = j;
		}
		if (keep[i] != SIZE_MAX)
			continue;
		nr[i].path = strdup(paths[i]);
		if (nr[i].path == NULL) {
			err_set(e, "out of memory");
			goto out;
		}
		nr[i].fd = open_root(paths[i]);
		if (nr[i].fd < 0) {
			err_errno(e, "'%s'", paths[i]);
			goto out;
		}
		add[na++] = nr[i].path;
	}
	/* Then commit: kept roots move over, the others are retired. */
	for (size_t i = 0; i < n; i++) {
		if (keep[i] == SIZE_MAX)
			continue;
		nr[i] = t->roots[keep[i]];
		t->roots[keep[i]].path = NULL;
		t->roots[keep[i]].fd = -1;
	}
	for (size_t j = 0; j < t->nroots; j++) {
		nid x;

		if (t->roots[j].path == NULL)
			continue;
		x = root_node(t, t->roots[j].path);
		if (x != NONE)
			drop_subtree(t, x, true);
		if (t->roots[j].fd >= 0)
			(void)close(t->roots[j].fd);
		free(t->roots[j].path);
	}
	free(t->roots);
	t->roots = nr;
	t->nroots = n;
	nr = NULL;
	*added = add;
	*nadded = na;
	add = NULL;
	rc = 0;
out:
	(void)pthread_mutex_unlock(&t->lock);
	for (size_t i = 0; nr != NULL && i < n; i++) {
		if (keep[i] != SIZE_MAX)
			continue;
		if (nr[i].fd >= 0)
			(void)close(nr[i].fd);
		free(nr[i].path);
	}
	free(nr);
	free(add);
	free(keep);
	return rc;
}

/* The root path is below, or NULL. */
static struct root *
find_root(struct tree *t, const char *path, size_t *rel)
{
	for (size_t i = 0; i < t->nroots; i++) {
		const char *r = t->roots[i].path;
		size_t n = strlen(r);

		if (strncmp(r, path, n) != 0)
			continue;
		if (path[n] == '\0') {
			*rel = n;
			return &t->roots[i];
		}
		if (path[n] == '/') {
			*rel = n + 1;
			return &t->roots[i];
		}
		if (n == 1) {	/* the root is "/" */
			*rel = 1;
			return &t->roots[i];
		}
	}
	return NULL;
}

int
tree_root_fd(struct tree *t, const char *path, int *fd, size_t *rel)
{
	struct root *r;
	int rc = -1;

	(void)pthread_mutex_lock(&t->lock);
	r = find_root(t, path, rel);
	if (r != NULL && !r->gone && r->fd >= 0) {
		*fd = fcntl(r->fd, F_DUPFD_CLOEXEC, 0);
		rc = *fd < 0 ? -1 : 0;
	}
	(void)pthread_mutex_unlock(&t->lock);
	return rc;
}

int
tree_reopen_roots(struct tree *t, const char ***back, size_t *nback,
    struct err *e)
{
	const char **v;
	size_t n = 0;

	(void)pthread_mutex_lock(&t->lock);
	v = calloc(t->nroots != 0 ? t->nroots : 1, sizeof(*v));
	if (v == NULL) {
		(void)pthread_mutex_unlock(&t->lock);
		return err_set(e, "out of memory");
	}
	for (size_t i = 0; i < t->nroots; i++) {
		struct root *r = &t->roots[i];
		int fd;

		if (!r->gone)
			continue;
		fd = open_root(r->path);
		if (fd < 0)
			continue;
		if (r->fd >= 0)
			(void)close(r->fd);
		r->fd = fd;
		r->gone = false;
		v[n++] = r->path;
	}
	(void)pthread_mutex_unlock(&t->lock);
	*back = v;
	*nback = n;
	return 0;
}

bool
tree_roots_gone(struct tree *t)
{
	bool gone = false;

	(void)pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < t->nroots; i++)
		gone = gone || t->roots[i].gone;
	(void)pthread_mutex_unlock(&t->lock);
	return gone;
}

/* Opens rel one component at a time, none of them a link. */
static int
open_by_components(int rootfd, const char *rel, int flags)
{
	char comp[NAME_MAX + 1];
	const char *p = rel;
	int dir, fd;

	dir = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -1;
	for (;;) {
		size_t n = strcspn(p, "/");

		if (n > NAME_MAX) {
			(void)close(dir);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		if (p[n] == '\0') {
			fd = openat(dir, comp, flags);
			(void)close(dir);
			return fd;
		}
		fd = openat(dir, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		(void)close(dir);
		if (fd < 0) {
			/* A link where a directory should be. */
			if (errno == ENOTDIR)
				errno = ELOOP;
			return -1;
		}
		dir = fd;
		p += n + 1;
	}
}

int
tree_open(int rootfd, const char *rel, int flags)
{
	struct open_how how;
	long fd;

	flags |= O_CLOEXEC | O_NOFOLLOW;
	if (rel[0] == '\0')
		return openat(rootfd, ".", flags & ~O_NOFOLLOW);
	if (have_openat2 != 0) {
		memset(&how, 0, sizeof(how));
		how.flags = (uint64_t)flags;
		how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH |
		    RESOLVE_NO_MAGICLINKS;
		fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
		if (fd >= 0 || (errno != ENOSYS && errno != EPERM)) {
			have_openat2 = 1;
			return (int)fd;
		}
		if (have_openat2 == 1)
			return -1;
		/* Not here (old kernel, seccomp): the slower way. */
		have_openat2 = 0;
	}
	return open_by_components(rootfd, rel, flags);
}

/* True when a is x or below it. */
static bool
below(const struct tree *t, nid a, nid x)
{
	for (; a != NONE; a = N(t, a)->parent) {
		if (a == x)
			return true;
	}
	return false;
}

/*
 * The node under which path goes: the deepest existing node along it,
 * and in *rest the part of the path below that node ("" when the node
 * is at path itself). NONE when path is under no root with a node.
 */
static nid
place(struct tree *t, const char *path, size_t rel_off, const char **rest)
{
	char comp[NAME_MAX + 1];
	char root[PATH_MAX];
	const char *p;
	nid cur, child;
	size_t n;

	if (rel_off == 0 || rel_off > sizeof(root))
		return NONE;
	/* The root's name: path up to rel_off, without the '/'. */
	n = path[rel_off] == '\0' && path[rel_off - 1] != '/' ? rel_off :
	    rel_off - 1;
	if (n == 0)
		n = 1;	/* the root is "/" */
	memcpy(root, path, n);
	root[n] = '\0';
	cur = root_node(t, root);
	if (cur == NONE)
		return NONE;
	p = path + rel_off;
	while (*p != '\0') {
		n = strcspn(p, "/");
		if (n > NAME_MAX)
			break;
		memcpy(comp, p, n);
		comp[n] = '\0';
		child = by_name(t, cur, comp);
		if (child == NONE)
			break;
		cur = child;
		p += n;
		if (*p == '/')
			p++;
	}
	*rest = p;
	return cur;
}

/*
 * Puts x, unlinked from its place, at (parent, name) and links it there.
 * False when out of memory: then x and what is below it are retired.
 */
static bool
place_node(struct tree *t, nid x, nid parent, const char *name)
{
	if (strcmp(name_of(N(t, x)), name) != 0 &&
	    !name_set(N(t, x), name)) {
		drop_subtree(t, x, true);
		return false;
	}
	N(t, x)->parent = parent;
	chain_push(t, x, CHAIN_NAME);
	chain_push(t, x, CHAIN_SIBLING);
	return true;
}

enum tree_watch_result
tree_watch(struct tree *t, const char *path, size_t rel_off, int dirfd,
    int *error)
{
	enum tree_watch_result rc = TREE_WATCHED;
	nid x, at, old = NONE, parent = NONE;
	const char *rest = "", *base;
	char proc[64];
	int wd;

	(void)snprintf(proc, sizeof(proc), "/proc/self/fd/%d", dirfd);
	wd = inotify_add_watch(t->ino, proc, TREE_MASK);
	if (wd < 0 && errno == ENOENT)	/* no /proc: by path, less safe */
		wd = inotify_add_watch(t->ino, path,
		    TREE_MASK | IN_DONT_FOLLOW);
	if (wd < 0) {
		*error = errno;
		return errno == ENOSPC ? TREE_NOSPACE : TREE_FAILED;
	}
	(void)pthread_mutex_lock(&t->lock);
	if (path[rel_off] == '\0') {
		/* A root: its name is its path. */
		old = root_node(t, path);
		base = path;
	} else {
		at = place(t, path, rel_off, &rest);
		if (at == NONE) {
			/* Its root went away meanwhile. */
			(void)inotify_rm_watch(t->ino, wd);
			*error = ENOENT;
			rc = TREE_FAILED;
			goto out;
		}
		if (rest[0] == '\0') {
			old = at;
			parent = N(t, at)->parent;
			base = strrchr(path + rel_off, '/');
			base = base != NULL ? base + 1 : path + rel_off;
		} else {
			parent = at;
			base = rest;
		}
	}
	x = by_wd(t, wd);
	/* In place already; or a stale view (x under itself): leave it. */
	if (x != NONE && (x == old || (parent != NONE &&
	    below(t, parent, x))))
		goto out;
	if (x != NONE) {
		chain_remove(t, x, CHAIN_NAME);
		chain_remove(t, x, CHAIN_SIBLING);
		N(t, x)->parent = NONE;
	}
	/* Another directory was at this path: it is not any more. */
	if (old != NONE)
		drop_subtree(t, old, true);
	if (x == NONE) {
		x = node_new(t, wd, base);
		if (x == NONE) {
			(void)inotify_rm_watch(t->ino, wd);
			*error = ENOMEM;
			rc = TREE_FAILED;
			goto out;
		}
		chain_push(t, x, CHAIN_WD);
		t->count++;
		grow(t);
	}
	if (!place_node(t, x, parent, base)) {
		*error = ENOMEM;
		rc = TREE_FAILED;
	}
out:
	(void)pthread_mutex_unlock(&t->lock);
	return rc;
}

bool
tree_path(struct tree *t, int wd, const char *name, char *out, size_t n,
    size_t *rel_off)
{
	nid chain[512], x;
	size_t depth = 0, len = 0;
	bool ok = false;

	(void)pthread_mutex_lock(&t->lock);
	x = by_wd(t, wd);
	for (; x != NONE && depth < sizeof(chain) / sizeof(chain[0]);
	    x = N(t, x)->parent)
		chain[depth++] = x;
	if (depth == 0 || x != NONE)
		goto out;
	for (size_t i = depth; i-- > 0;) {
		const char *s = name_of(N(t, chain[i]));
		size_t sl = strlen(s);
		bool slash = i != depth - 1 && !(len == 1 && out[0] == '/');

		if (len + sl + 2 > n)
			goto out;
		if (slash)
			out[len++] = '/';
		memcpy(out + len, s, sl);
		len += sl;
		if (i == depth - 1 && rel_off != NULL)
			*rel_off = len == 1 ? 1 : len + 1;
	}
	if (name != NULL && name[0] != '\0') {
		size_t sl = strlen(name);

		if (len + sl + 2 > n)
			goto out;
		if (!(len == 1 && out[0] == '/'))
			out[len++] = '/';
		memcpy(out + len, name, sl);
		len += sl;
	}
	out[len] = '\0';
	if (rel_off != NULL && *rel_off > len)
		*rel_off = len;
	ok = true;
out:
	(void)pthread_mutex_unlock(&t->lock);
	return ok;
}

bool
tree_is_root(struct tree *t, int wd)
{
	nid x;
	bool r;

	(void)pthread_mutex_lock(&t->lock);
	x = by_wd(t, wd);
	r = x != NONE && N(t, x)->parent == NONE;
	(void)pthread_mutex_unlock(&t->lock);
	return r;
}

bool
tree_move(struct tree *t, int from_wd, const char *from_name, int to_wd,
    const char *to_name)
{
	nid from, to, x, old;
	bool ok = false;

	(void)pthread_mutex_lock(&t->lock);
	from = by_wd(t, from_wd);
	to = by_wd(t, to_wd);
	x = from != NONE ? by_name(t, from, from_name) : NONE;
	if (x == NONE || to == NONE || below(t, to, x))
		goto out;
	old = by_name(t, to, to_name);
	if (old != NONE && old != x)
		drop_subtree(t, old, true);
	chain_remove(t, x, CHAIN_NAME);
	chain_remove(t, x, CHAIN_SIBLING);
	N(t, x)->parent = NONE;
	ok = place_node(t, x, to, to_name);
out:
	(void)pthread_mutex_unlock(&t->lock);
	return ok;
}

void
tree_retire_child(struct tree *t, int wd, const char *name)
{
	nid p, x;

	(void)pthread_mutex_lock(&t->lock);
	p = by_wd(t, wd);
	x = p != NONE ? by_name(t, p, name) : NONE;
	if (x != NONE)
		drop_subtree(t, x, true);
	(void)pthread_mutex_unlock(&t->lock);
}

bool
tree_retire(struct tree *t, int wd)
{
	bool root = false;
	nid x;

	(void)pthread_mutex_lock(&t->lock);
	x = by_wd(t, wd);
	if (x != NONE) {
		root = N(t, x)->parent == NONE;
		for (size_t i = 0; root && i < t->nroots; i++) {
			if (strcmp(t->roots[i].path, name_of(N(t, x))) == 0)
				t->roots[i].gone = true;
		}
		drop_subtree(t, x, true);
	}
	(void)pthread_mutex_unlock(&t->lock);
	return root;
}

size_t
tree_watches(struct tree *t)
{
	size_t n;

	(void)pthread_mutex_lock(&t->lock);
	n = t->count;
	(void)pthread_mutex_unlock(&t->lock);
	return n;
}

bool
tree_unwatched_add(struct tree *t, const char *path)
{
	char **v, *copy;
	bool added = false;

	(void)pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < t->nunwatched; i++) {
		if (strcmp(t->unwatched[i], path) == 0)
			goto out;
	}
	copy = strdup(path);
	v = copy != NULL ? realloc(t->unwatched, (t->nunwatched + 1) *
	    sizeof(*v)) : NULL;
	if (v == NULL) {
		free(copy);
		goto out;
	}
	v[t->nunwatched++] = copy;
	t->unwatched = v;
	added = true;
out:
	(void)pthread_mutex_unlock(&t->lock);
	return added;
}

void
tree_unwatched_count(struct tree *t, size_t dirs)
{
	(void)pthread_mutex_lock(&t->lock);
	t->unwatched_dirs += dirs;
	(void)pthread_mutex_unlock(&t->lock);
}

void
tree_unwatched_take(struct tree *t, char ***v, size_t *n)
{
	(void)pthread_mutex_lock(&t->lock);
	*v = t->unwatched;
	*n = t->nunwatched;
	t->unwatched = NULL;
	t->nunwatched = 0;
	t->unwatched_dirs = 0;
	(void)pthread_mutex_unlock(&t->lock);
}

size_t
tree_unwatched_dirs(struct tree *t)
{
	size_t n;

	(void)pthread_mutex_lock(&t->lock);
	n = t->unwatched_dirs;
	(void)pthread_mutex_unlock(&t->lock);
	return n;
}
