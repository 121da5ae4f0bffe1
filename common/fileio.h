/*
 * fileio: reading a small file whole: an allow file, the webhook
 * secret, a queue record, a hook manager's configuration. These are the
 * files the programs read about their own work, not the files they scan
 * (walk_read() reads those); what they add is a path relative to a
 * directory descriptor, a missing file that may be no error, and the
 * file's mode for callers that judge it.
 */
#ifndef TOKENGUARD_FILEIO_H
#define TOKENGUARD_FILEIO_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "err.h"

enum fileio_flags {
	FILEIO_NOFOLLOW = 1 << 0,	/* a symbolic link is an error */
	FILEIO_MISSING_OK = 1 << 1,	/* no such file is FILEIO_MISSING */
	FILEIO_PRIVATE = 1 << 2,	/* group or others may read: not read */
	FILEIO_LINK_MISSING = 1 << 3,	/* a symbolic link is FILEIO_MISSING */
};

/* What fileio_read() found at the path. */
enum fileio_state {
	FILEIO_READ,		/* a regular file, read into data */
	FILEIO_MISSING,		/* no such file (with FILEIO_MISSING_OK) */
	FILEIO_NOT_REGULAR,	/* a directory, FIFO, device...: not read */
	FILEIO_TOO_BIG,		/* over the cap: not read */
	FILEIO_NOT_PRIVATE,	/* FILEIO_PRIVATE, mode & 077: not read */
};

struct fileio_text {
	enum fileio_state state;
	char *data;	/* FILEIO_READ: len bytes and a NUL; else NULL */
	size_t len;
	mode_t mode;	/* the file's st_mode; 0 when missing */
};

/*
 * Opens path, relative to dirfd, as fileio_read() does, and says what is
 * there: FILEIO_READ when it is a regular file (*fd open, *st its
 * status; the caller closes *fd), else FILEIO_MISSING (no such file with
 * FILEIO_MISSING_OK, a symbolic link with FILEIO_LINK_MISSING) or
 * FILEIO_NOT_REGULAR, *fd being -1. On -1, e says why, naming path.
 */
int fileio_open(int *fd, struct stat *st, int dirfd, const char *path,
    unsigned flags, struct err *e);

/*
 * Reads the file at path, relative to dirfd (AT_FDCWD for the working
 * directory), whole when it is a regular file of at most max bytes. It
 * is opened O_RDONLY | O_NONBLOCK | O_CLOEXEC, with O_NOFOLLOW under
 * FILEIO_NOFOLLOW. What is not read is no error: out->state says why,
 * for the caller to word in its own terms. On -1 (the file cannot be
 * opened, examined or read; out of memory) e says why, naming path:
 * "'path': Permission denied". out->data belongs to the caller: free().
 */
int fileio_read(struct fileio_text *out, int dirfd, const char *path,
    size_t max, unsigned flags, struct err *e);

#endif
