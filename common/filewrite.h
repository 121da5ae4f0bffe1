/*
 * filewrite: writing the files the programs keep about their own work
 * (a hook script, a hook manager's configuration, an audit record): all
 * of a buffer, and a file replaced whole through a temporary file, so
 * that a reader sees the old content or the new, never a part.
 */
#ifndef TOKENGUARD_FILEWRITE_H
#define TOKENGUARD_FILEWRITE_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/*
 * Writes buf[0..len) to fd, again after EINTR and short writes. Returns
 * 0, or -1 with errno set by the write that failed.
 */
int filewrite_all(int fd, const void *buf, size_t len);

enum filewrite_flags {
	/* The file gets mode exactly (fchmod()), not mode less the umask. */
	FILEWRITE_EXACT_MODE = 1 << 0,
};

/*
 * Replaces path with buf[0..len): writes the new file tmp (removed
 * first when it is there; created O_EXCL | O_NOFOLLOW with mode), then
 * renames it over path. On -1 tmp is gone and e says what failed:
 * "cannot create 'TMP': ...", "cannot write 'TMP': ..." or "cannot
 * write 'PATH': ..." (closing or renaming).
 */
int filewrite_replace(const char *path, const char *tmp, const void *buf,
    size_t len, mode_t mode, unsigned flags, struct err *e);

#endif
