/* filewrite: whole buffers to descriptors, whole files by renaming. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filewrite.h"

int
filewrite_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

int
filewrite_replace(const char *path, const char *tmp, const void *buf,
    size_t len, mode_t mode, unsigned flags, struct err *e)
{
	bool exact = (flags & FILEWRITE_EXACT_MODE) != 0;
	int fd;

	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    exact ? 0600 : mode);
	if (fd < 0)
		return err_errno(e, "cannot create '%s'", tmp);
	if (filewrite_all(fd, buf, len) < 0 ||
	    (exact && fchmod(fd, mode) < 0)) {
		err_errno(e, "cannot write '%s'", tmp);
		close(fd);
		(void)unlink(tmp);
		return -1;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		err_errno(e, "cannot write '%s'", path);
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}
