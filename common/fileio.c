/*
 * fileio: a small file read whole. The reading itself is walk's
 * (walk_read_fd()); this opens the file as its callers need and sorts
 * out what is not to be read.
 */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "walk.h"

int
fileio_open(int *fd, struct stat *st, int dirfd, const char *path,
    unsigned flags, struct err *e)
{
	int oflags = O_RDONLY | O_NONBLOCK | O_CLOEXEC;

	if ((flags & (FILEIO_NOFOLLOW | FILEIO_LINK_MISSING)) != 0)
		oflags |= O_NOFOLLOW;
	*fd = openat(dirfd, path, oflags);
	if (*fd < 0 && (((errno == ENOENT || errno == ENOTDIR) &&
	    (flags & FILEIO_MISSING_OK) != 0) || (errno == ELOOP &&
	    (flags & FILEIO_LINK_MISSING) != 0)))
		return FILEIO_MISSING;
	if (*fd < 0)
		return err_errno(e, "'%s'", path);
	if (fstat(*fd, st) < 0) {
		err_errno(e, "'%s'", path);
		(void)close(*fd);
		*fd = -1;
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		(void)close(*fd);
		*fd = -1;
		return FILEIO_NOT_REGULAR;
	}
	return FILEIO_READ;
}

int
fileio_read(struct fileio_text *out, int dirfd, const char *path,
    size_t max, unsigned flags, struct err *e)
{
	struct fileio_text t = { FILEIO_READ, NULL, 0, 0 };
	struct walk_file f = { 0 };
	struct err why = { 0 };
	struct stat st;
	int fd, state, rc = -1;

	state = fileio_open(&fd, &st, dirfd, path, flags, e);
	if (state < 0)
		return -1;
	t.mode = state == FILEIO_MISSING ? 0 : st.st_mode;
	if (state != FILEIO_READ) {
		t.state = (enum fileio_state)state;
		*out = t;
		return 0;
	}
	if ((flags & FILEIO_PRIVATE) != 0 && (st.st_mode & 077) != 0) {
		/* A secret others may read is refused unread. */
		t.state = FILEIO_NOT_PRIVATE;
	} else if (walk_read_fd(&f, fd, max, &why) < 0) {
		err_set(e, "'%s': %s", path, why.msg);
		goto out;
	} else if (f.skipped) {
		t.state = FILEIO_TOO_BIG;
	} else {
		t.data = f.data;
		t.len = f.len;
	}
	*out = t;
	rc = 0;
out:
	(void)close(fd);
	return rc;
}
