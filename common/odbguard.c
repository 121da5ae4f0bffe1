/*
 * odbguard: loose objects read with a check for truncation. The file is
 * inflated in chunks straight into the object's buffer: the end of the
 * file before the end of the zlib stream is an error, never a reason to
 * call inflate() again (which is where libgit2 1.5 spins).
 */
#include "odbguard.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2/sys/odb_backend.h>
#include <zlib.h>

/* Asked before libgit2's own backends (loose 1, packed 2). */
#define GUARD_PRIORITY 100
#define CHUNK (64u << 10)
/* "commit 18446744073709551615" and its NUL fit. */
#define HEADER_MAX 64

/* What is known of a fan-out directory ("ab/" of object "ab..."). */
enum fanout {
	FANOUT_UNKNOWN = 0,
	FANOUT_ABSENT,
	FANOUT_PRESENT,
};

/*
 * An object directory. Which of its fan-out directories exist is looked
 * up once: a big push's quarantine and a packed repository have none,
 * and an open() per object and directory took a tenth of a 1.85 GB
 * push's scan. A fan-out directory made after the look (loose objects of
 * a concurrent push) holds objects this reader does not need, and any
 * object missed here is still read by libgit2's own backends: the cache
 * can only cost the truncation check, never an object.
 */
struct gdir {
	char *path;
	unsigned char fanout[256];	/* enum fanout */
};

struct odbguard {
	git_odb_backend parent;	/* first: libgit2 hands this back */
	struct gdir *dirs;
	size_t ndirs;
};

/* The state of one object's inflation. */
struct loose {
	git_odb_backend *b;
	const char *path;
	char hex[GIT_OID_HEXSZ + 1];
	int fd;
	z_stream z;
	unsigned char in[CHUNK];
	bool eof;
};

/* Sets libgit2's error for a bad loose object; returns -1. */
static int
bad(const struct loose *l, const char *why)
{
	char msg[512];

	(void)snprintf(msg, sizeof(msg), "loose object file '%s' is %s "
	    "(run 'git fsck')", l->path, why);
	(void)git_error_set_str(GIT_ERROR_ODB, msg);
	return -1;
}

/* Refills the input when it is used up; at the end of the file, eof. */
static int
refill(struct loose *l)
{
	ssize_t n;

	if (l->z.avail_in > 0 || l->eof)
		return 0;
	do {
		n = read(l->fd, l->in, sizeof(l->in));
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		char msg[512];

		(void)snprintf(msg, sizeof(msg), "cannot read '%s': %s",
		    l->path, strerror(errno));
		(void)git_error_set_str(GIT_ERROR_OS, msg);
		return -1;
	}
	l->eof = n == 0;
	l->z.next_in = l->in;
	l->z.avail_in = (uInt)n;
	return 0;
}

/*
 * Inflates into out[0..len) until it is full or the stream ends. *end
 * says whether the stream ended. No progress at the end of the file is
 * truncation (zlib may still have output to give with no input left,
 * so that is asked first).
 */
static int
inflate_into(struct loose *l, unsigned char *out, size_t len, size_t *got,
    bool *end)
{
	uInt room;
	int zr;

	*got = 0;
	*end = false;
	while (*got < len) {
		room = len - *got > UINT32_MAX ? UINT32_MAX :
		    (uInt)(len - *got);
		if (refill(l) < 0)
			return -1;
		l->z.next_out = out + *got;
		l->z.avail_out = room;
		zr = inflate(&l->z, Z_NO_FLUSH);
		*got += room - l->z.avail_out;
		if (zr == Z_STREAM_END) {
			*end = true;
			return 0;
		}
		if (zr == Z_MEM_ERROR) {
			git_error_set_oom();
			return -1;
		}
		if (zr == Z_BUF_ERROR && l->eof)
			return bad(l, "truncated");
		if (zr != Z_OK && zr != Z_BUF_ERROR)
			return bad(l, "corrupt (zlib data error)");
	}
	return 0;
}

static int
parse_header(git_object_t *type, size_t *size, const unsigned char *h,
    size_t n, size_t *hlen)
{
	static const struct {
		const char *name;
		git_object_t type;
	} types[] = {
		{ "blob ", GIT_OBJECT_BLOB }, { "tree ", GIT_OBJECT_TREE },
		{ "commit ", GIT_OBJECT_COMMIT }, { "tag ", GIT_OBJECT_TAG },
	};
	const unsigned char *nul = memchr(h, '\0', n);
	size_t i, k, v = 0;

	if (nul == NULL)
		return -1;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		k = strlen(types[i].name);
		if ((size_t)(nul - h) > k && memcmp(h, types[i].name, k) == 0)
			break;
	}
	if (i == sizeof(types) / sizeof(types[0]))
		return -1;
	for (const unsigned char *p = h + k; p < nul; p++) {
		if (*p < '0' || *p > '9' || v > (SIZE_MAX - 10) / 10)
			return -1;
		v = v * 10 + (size_t)(*p - '0');
	}
	*type = types[i].type;
	*size = v;
	*hlen = (size_t)(nul - h) + 1;
	return 0;
}

/* Reads the loose object open as l->fd. */
static int
read_loose(void **data, size_t *len, git_object_t *type, struct loose *l)
{
	unsigned char head[HEADER_MAX], extra;
	unsigned char *buf = NULL;
	size_t got, hlen, size, have;
	bool end;
	int rc = -1;

	if (refill(l) < 0)
		return -1;
	/* The old "packlike" loose format is not zlib: libgit2's part. */
	if (l->z.avail_in < 2 || (l->in[0] & 0x8f) != 0x08 ||
	    ((l->in[0] << 8) | l->in[1]) % 31 != 0)
		return GIT_PASSTHROUGH;
	if (inflateInit(&l->z) != Z_OK) {
		git_error_set_oom();
		return -1;
	}
	if (inflate_into(l, head, sizeof(head), &got, &end) < 0)
		goto out;
	if (parse_header(type, &size, head, got, &hlen) < 0) {
		bad(l, "corrupt (bad header)");
		goto out;
	}
	have = got - hlen;
	if (have > size || (end && have < size) || size == SIZE_MAX) {
		bad(l, "corrupt (wrong length)");
		goto out;
	}
	buf = git_odb_backend_data_alloc(l->b, size + 1);
	if (buf == NULL) {
		git_error_set_oom();
		goto out;
	}
	memcpy(buf, head + hlen, have);
	if (!end) {
		if (inflate_into(l, buf + have, size - have, &got, &end) < 0)
			goto out;
		if (got != size - have) {
			bad(l, "corrupt (shorter than its header says)");
			goto out;
		}
	}
	/* The stream must end right after the object. */
	if (!end) {
		if (inflate_into(l, &extra, 1, &got, &end) < 0)
			goto out;
		if (got != 0 || !end) {
			bad(l, "corrupt (longer than its header says)");
			goto out;
		}
	}
	buf[size] = '\0';
	*data = buf;
	*len = size;
	buf = NULL;
	rc = 0;
out:
	if (buf != NULL)
		git_odb_backend_data_free(l->b, buf);
	(void)inflateEnd(&l->z);
	return rc;
}

/*
 * The content read must hash to the id asked for: a file holding another
 * object is corrupt. libgit2 checks this itself unless a program turns
 * GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION off (the pre-receive hook
 * does: index-pack has hashed every pushed packed object already).
 */
static int
check_id(void **data, size_t len, git_object_t type, const struct loose *l,
    const git_oid *id)
{
	git_oid got;

	if (git_odb_hash(&got, *data, len, type) == 0 &&
	    git_oid_equal(&got, id))
		return 0;
	git_odb_backend_data_free(l->b, *data);
	*data = NULL;
	return bad(l, "corrupt (its content is another object)");
}

/* Whether d may hold loose objects whose ids start with byte b. */
static bool
may_hold(struct gdir *d, unsigned char b, const char *hex)
{
	char path[PATH_MAX];
	int fd;

	if (d->fanout[b] == FANOUT_UNKNOWN) {
		(void)snprintf(path, sizeof(path), "%s/%.2s", d->path, hex);
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			(void)close(fd);
		/* Anything but "not there" leaves the look to open(). */
		d->fanout[b] = fd < 0 && (errno == ENOENT || errno == ENOTDIR) ?
		    FANOUT_ABSENT : FANOUT_PRESENT;
	}
	return d->fanout[b] == FANOUT_PRESENT;
}

static int
guard_read(void **data, size_t *len, git_object_t *type, git_odb_backend *b,
    const git_oid *id)
{
	struct odbguard *g = (struct odbguard *)b;
	struct loose *l = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	char *path;
	int rc = GIT_PASSTHROUGH, error, fd;

	git_oid_tostr(hex, sizeof(hex), id);
	for (size_t i = 0; i < g->ndirs; i++) {
		size_t n = strlen(g->dirs[i].path) + GIT_OID_HEXSZ + 3;

		if (!may_hold(&g->dirs[i], id->id[0], hex))
			continue;
		path = malloc(n);
		if (path == NULL) {
			git_error_set_oom();
			rc = -1;
			break;
		}
		(void)snprintf(path, n, "%s/%.2s/%s", g->dirs[i].path, hex,
		    hex + 2);
		/*
		 * Not here: the next directory. Not readable: libgit2's
		 * backends say why. Here: read it, or pass it on when its
		 * format is libgit2's business.
		 */
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		error = fd < 0 ? errno : 0;
		if (fd >= 0) {
			/* Its 64 KiB buffer only for a file that is there. */
			l = calloc(1, sizeof(*l));
			if (l == NULL) {
				git_error_set_oom();
				rc = -1;
			} else {
				l->b = b;
				l->fd = fd;
				l->path = path;
				memcpy(l->hex, hex, sizeof(l->hex));
				rc = read_loose(data, len, type, l);
				if (rc == 0)
					rc = check_id(data, *len, *type, l, id);
			}
			close(fd);
			free(l);
		}
		free(path);
		if (error != ENOENT && error != ENOTDIR)
			break;
	}
	return rc;
}

static void
guard_free(git_odb_backend *b)
{
	struct odbguard *g = (struct odbguard *)b;

	for (size_t i = 0; i < g->ndirs; i++)
		free(g->dirs[i].path);
	free(g->dirs);
	free(g);
}

int
odbguard_add(struct odbguard **out, git_odb *odb, struct err *e)
{
	struct odbguard *g;

	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return err_set(e, "out of memory");
	if (git_odb_init_backend(&g->parent, GIT_ODB_BACKEND_VERSION) < 0) {
		free(g);
		return err_set(e, "object database: %s", git_error_last() !=
		    NULL ? git_error_last()->message : "libgit2 error");
	}
	g->parent.read = guard_read;
	g->parent.free = guard_free;
	if (git_odb_add_backend(odb, &g->parent, GUARD_PRIORITY) < 0) {
		free(g);
		return err_set(e, "object database: %s", git_error_last() !=
		    NULL ? git_error_last()->message : "libgit2 error");
	}
	*out = g;
	return 0;
}

int
odbguard_dir(struct odbguard *g, const char *dir, struct err *e)
{
	struct gdir *nv;
	char *copy;

	copy = strdup(dir);
	nv = copy != NULL ? realloc(g->dirs, (g->ndirs + 1) * sizeof(*nv)) :
	    NULL;
	if (nv == NULL) {
		free(copy);
		return err_set(e, "out of memory");
	}
	g->dirs = nv;
	memset(&g->dirs[g->ndirs], 0, sizeof(g->dirs[g->ndirs]));
	g->dirs[g->ndirs++].path = copy;
	return 0;
}
