/*
 * walk: enumerating and reading files. Directories are opened relative
 * to their parent's descriptor with O_NOFOLLOW, so that a symbolic link
 * swapped in during the walk is never followed; a directory's names are
 * read whole and sorted before any is visited, which keeps the order
 * independent of the file system.
 */
#include "walk.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The first buffer for a file whose size fstat() does not tell. */
#define READ_CHUNK (64U << 10)

/* One name in a directory and its type as readdir() saw it. */
struct name {
	char *name;
	unsigned char type;	/* DT_* */
};

struct walker {
	walk_fn *fn;
	void *payload;
	struct err *e;
	char *path;		/* the entry being visited */
	size_t len;
	size_t cap;
	size_t rel;		/* where the part below root starts */
};

static int
path_set_len(struct walker *w, size_t len)
{
	char *np;
	size_t cap;

	if (w->path == NULL || len + 1 > w->cap) {
		cap = w->cap != 0 ? w->cap : 256;
		while (cap < len + 1)
			cap *= 2;
		np = realloc(w->path, cap);
		if (np == NULL)
			return err_set(w->e, "out of memory");
		w->path = np;
		w->cap = cap;
	}
	w->len = len;
	return 0;
}

/* Appends "/" (unless path ends in one) and name to the current path. */
static int
path_push(struct walker *w, const char *name)
{
	size_t old = w->len, n = strlen(name);
	bool slash = old > 0 && w->path[old - 1] != '/';

	if (path_set_len(w, old + slash + n) < 0)
		return -1;
	if (slash)
		w->path[old] = '/';
	memcpy(w->path + old + slash, name, n + 1);
	return 0;
}

static void
path_pop(struct walker *w, size_t len)
{
	w->len = len;
	w->path[len] = '\0';
}

static int
report(struct walker *w, enum walk_type type, int error, bool top)
{
	struct walk_entry ent = {
		.path = w->path,
		.rel = w->path + (top ? w->len : w->rel),
		.type = type,
		.error = error,
		.top = top,
	};

	return w->fn(&ent, w->payload);
}

static enum walk_type
mode_type(mode_t mode)
{
	if (S_ISDIR(mode))
		return WALK_DIR;
	if (S_ISREG(mode))
		return WALK_REGULAR;
	return WALK_SPECIAL;
}

static int
name_cmp(const void *a, const void *b)
{
	const struct name *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static void
names_free(struct name *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/*
 * Reads every name of dir but "." and "..", sorted. *error receives the
 * errno of a failed readdir() (what was read before it is kept).
 */
static int
read_names(struct name **out, size_t *count, int *error, DIR *dir,
    struct err *e)
{
	struct name *v = NULL, *nv;
	size_t n = 0, cap = 0;
	struct dirent *d;

	*error = 0;
	for (;;) {
		errno = 0;
		d = readdir(dir);
		if (d == NULL)
			break;
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap != 0 ? 2 * cap : 32;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL)
				goto oom;
			v = nv;
		}
		v[n].name = strdup(d->d_name);
		if (v[n].name == NULL)
			goto oom;
		v[n].type = d->d_type;
		n++;
	}
	*error = errno;
	if (n > 1)
		qsort(v, n, sizeof(*v), name_cmp);
	*out = v;
	*count = n;
	return 0;
oom:
	names_free(v, n);
	return err_set(e, "out of memory");
}

static int walk_dir(struct walker *w, int fd, int depth);

/* Visits one name of the directory open as dirfd; path names it. */
static int
visit(struct walker *w, int dirfd, const struct name *nm, int depth)
{
	enum walk_type type = WALK_SPECIAL;
	struct stat st;
	int fd, rc;

	if (nm->type == DT_DIR)
		type = WALK_DIR;
	else if (nm->type == DT_REG)
		type = WALK_REGULAR;
	else if (nm->type == DT_UNKNOWN) {
		if (fstatat(dirfd, nm->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return report(w, WALK_ERROR, errno, false);
		type = mode_type(st.st_mode);
	}
	if (type != WALK_DIR)
		return report(w, type, 0, false);
	if (strcmp(nm->name, ".git") == 0)
		return 0;
	if (depth >= WALK_MAX_DEPTH)
		return report(w, WALK_ERROR, ENAMETOOLONG, false);
	fd = openat(dirfd, nm->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return report(w, WALK_ERROR, errno, false);
	rc = report(w, WALK_DIR, 0, false);
	if (rc != 0) {
		close(fd);
		return rc;
	}
	return walk_dir(w, fd, depth + 1);
}

/* Walks what the directory open as fd holds; takes fd over. */
static int
walk_dir(struct walker *w, int fd, int depth)
{
	struct name *names = NULL;
	size_t n = 0, len = w->len;
	DIR *dir;
	int error, rc = 0;

	dir = fdopendir(fd);
	if (dir == NULL) {
		rc = report(w, WALK_ERROR, errno, depth == 0);
		close(fd);
		return rc;
	}
	if (read_names(&names, &n, &error, dir, w->e) < 0) {
		rc = -1;
		goto out;
	}
	if (error != 0)
		rc = report(w, WALK_ERROR, error, depth == 0);
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (path_push(w, names[i].name) < 0) {
			rc = -1;
			break;
		}
		rc = visit(w, dirfd(dir), &names[i], depth);
		path_pop(w, len);
	}
out:
	names_free(names, n);
	closedir(dir);
	return rc;
}

/* Copies root to the path, without trailing slashes but for "/". */
static int
set_root(struct walker *w, const char *root)
{
	size_t len = strlen(root);

	while (len > 1 && root[len - 1] == '/')
		len--;
	if (path_set_len(w, len) < 0)
		return -1;
	assert(w->path != NULL);
	memcpy(w->path, root, len);
	w->path[len] = '\0';
	w->rel = len + (len > 0 && root[len - 1] != '/');
	return 0;
}

int
walk_path(const char *root, walk_fn *fn, void *payload, struct err *e)
{
	struct walker w = { .fn = fn, .payload = payload, .e = e };
	struct stat st;
	int fd, rc;

	if (set_root(&w, root) < 0)
		return -1;
	if (stat(w.path, &st) < 0) {
		rc = report(&w, WALK_ERROR, errno, true);
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		rc = report(&w, mode_type(st.st_mode), 0, true);
		goto out;
	}
	fd = open(w.path, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		rc = report(&w, WALK_ERROR, errno, true);
		goto out;
	}
	rc = report(&w, WALK_DIR, 0, true);
	if (rc != 0) {
		close(fd);
		goto out;
	}
	rc = walk_dir(&w, fd, 0);
out:
	free(w.path);
	return rc;
}

void
walk_file_release(struct walk_file *f)
{
	free(f->data);
	memset(f, 0, sizeof(*f));
}

/* Waits until a non-blocking descriptor has something to read. */
static int
wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (poll(&p, 1, -1) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

/* Sets e to the reason errno gives, alone (see walk_read()). */
static int
why(struct err *e)
{
	return err_set(e, "%s", strerror(errno));
}

/*
 * Reads fd to its end. The buffer is first sized for hint bytes (the
 * size fstat() gave) and one more, so that a file read whole needs no
 * copy; it grows by doubling for files that grow or did not say, up to
 * max + 1 bytes: one byte more than allowed says that the file is over.
 */
static int
read_all(struct walk_file *out, int fd, uint64_t max, uint64_t hint,
    struct err *e)
{
	size_t top = max < SIZE_MAX - 2 ? (size_t)max + 2 : SIZE_MAX;
	size_t cap, n = 0;
	char *buf, *nb;
	ssize_t r;

	if (hint != 0)
		cap = hint < top - 2 ? (size_t)hint + 2 : top;
	else
		cap = READ_CHUNK < top ? READ_CHUNK : top;
	buf = malloc(cap);
	if (buf == NULL)
		return err_set(e, "out of memory");
	for (;;) {
		if (n + 1 == cap) {
			if (cap == top)
				break;
			cap = cap > top / 2 ? top : 2 * cap;
			nb = realloc(buf, cap);
			if (nb == NULL) {
				free(buf);
				return err_set(e, "out of memory");
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EAGAIN && wait_readable(fd) == 0)
			continue;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return why(e);
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	memset(out, 0, sizeof(*out));
	out->size = n;
	if (n > max) {
		free(buf);
		out->skipped = true;
		return 0;
	}
	buf[n] = '\0';
	out->data = buf;
	out->len = n;
	return 0;
}

int
walk_read_fd(struct walk_file *out, int fd, uint64_t max, struct err *e)
{
	struct stat st;
	uint64_t hint = 0;

	if (fstat(fd, &st) < 0)
		return why(e);
	if (S_ISDIR(st.st_mode))
		return err_set(e, "Is a directory");
	if (S_ISREG(st.st_mode) && st.st_size > 0)
		hint = (uint64_t)st.st_size;
	if (hint > max) {
		memset(out, 0, sizeof(*out));
		out->skipped = true;
		out->size = hint;
		return 0;
	}
	return read_all(out, fd, max, hint, e);
}

int
walk_open(int *fd, uint64_t *size, const char *path, unsigned flags,
    struct err *e)
{
	int oflags = O_RDONLY | O_NONBLOCK | O_CLOEXEC;
	struct stat st;
	int f;

	if ((flags & WALK_FOLLOW) == 0)
		oflags |= O_NOFOLLOW;
	f = open(path, oflags);
	if (f < 0 && errno == ELOOP && (flags & WALK_FOLLOW) == 0)
		return err_set(e, "not a regular file (symbolic link)");
	if (f < 0)
		return why(e);
	if (fstat(f, &st) < 0) {
		why(e);
		close(f);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(f);
		return err_set(e, "not a regular file");
	}
	*fd = f;
	*size = (uint64_t)st.st_size;
	return 0;
}

int
walk_read(struct walk_file *out, const char *path, uint64_t max,
    unsigned flags, struct err *e)
{
	uint64_t size = 0;
	int fd = -1, rc;

	if (walk_open(&fd, &size, path, flags, e) < 0)
		return -1;
	rc = walk_read_fd(out, fd, max, e);
	close(fd);
	return rc;
}
