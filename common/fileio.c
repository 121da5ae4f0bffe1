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
fileio_read(struct fileio_text *out, int dirfd, const char *path,
    size_t max, unsigned flags, struct err *e)
{
	struct fileio_text t = { FILEIO_READ, NULL, 0, 0 };
	struct walk_file f = { 0 };
	struct err why = { 0 };
	struct stat st;
	int oflags = O_RDONLY | O_NONBLOCK | O_CLOEXEC;
	int fd, rc = -1;

	if ((flags & FILEIO_NOFOLLOW) != 0)
		oflags |= O_NOFOLLOW;
	fd = openat(dirfd, path, oflags);
	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR) &&
	    (flags & FILEIO_MISSING_OK) != 0) {
		t.state = FILEIO_MISSING;
		*out = t;
		return 0;
	}
	if (fd < 0)
		return err_errno(e, "'%s'", path);
	if (fstat(fd, &st) < 0) {
		err_errno(e, "'%s'", path);
		goto out;
	}
	t.mode = st.st_mode;
	if (!S_ISREG(st.st_mode)) {
		t.state = FILEIO_NOT_REGULAR;
	} else if ((flags & FILEIO_PRIVATE) != 0 && (st.st_mode & 077) != 0) {
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
