/*
 * walk: files as a source of bytes. walk_path() enumerates a path the
 * way a scanner should see it: recursively, in a fixed order, skipping
 * .git directories, never following a symbolic link below the root and
 * never opening anything but a regular file. walk_read() then reads one
 * file safely and whole, within a size cap.
 */
#ifndef TOKENGUARD_WALK_H
#define TOKENGUARD_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * Deeper directories are reported as errors (ENAMETOOLONG). Each level
 * adds at least two bytes ("/" and a name) to a path, so a directory
 * this deep has a path longer than PATH_MAX (4096): no file below it
 * could be opened by its path anyway. The walk holds a descriptor per
 * level: programs raise RLIMIT_NOFILE's soft limit to allow for it.
 */
#define WALK_MAX_DEPTH 2048

enum walk_type {
	WALK_DIR,	/* a directory, reported before what it holds */
	WALK_REGULAR,	/* a regular file: read it with walk_read() */
	WALK_SPECIAL,	/* FIFO, socket, device or symbolic link: not read */
	WALK_ERROR,	/* could not be examined or listed: see error */
};

struct walk_entry {
	const char *path;	/* root, then "/" and the names below it */
	const char *rel;	/* the part of path below root, in path */
	enum walk_type type;
	int error;		/* an errno value, for WALK_ERROR */
	bool top;		/* root itself */
};

/*
 * Called for each entry; the entry and its strings are borrowed for the
 * duration of the call. Return 0 to go on; any other value stops the
 * walk, and walk_path() returns it.
 */
typedef int walk_fn(const struct walk_entry *ent, void *payload);

/*
 * Walks root and calls fn for it and, when it is a directory, for
 * everything below it, depth first, the entries of each directory in
 * byte order of their names. root itself is followed when it is a
 * symbolic link (it was named on purpose); nothing below it is.
 * Directories named ".git" are left out with what they hold. Trailing
 * slashes of root are not repeated in paths ("dir/" gives "dir/x").
 *
 * Problems with single entries (a missing root, an unreadable directory)
 * are WALK_ERROR entries, never the end of the walk. Returns 0 when
 * done, the callback's non-zero value when it stopped the walk, or -1
 * with e set when out of memory.
 */
int walk_path(const char *root, walk_fn *fn, void *payload, struct err *e);

enum walk_read_flags {
	/* Follow a symbolic link at path (for paths named on purpose). */
	WALK_FOLLOW = 1 << 0,
};

/* A file's contents, or the news that it was over the size cap. */
struct walk_file {
	char *data;	/* len bytes and a NUL; NULL when skipped */
	size_t len;
	bool skipped;	/* over the cap: not read */
	uint64_t size;	/* the size seen: of the file, or read so far */
};

/*
 * Opens the regular file at path for reading, as walk_read() does, and
 * gives its descriptor (*fd, the caller closes it) and size (*size, as
 * fstat() saw it). On -1, e holds only the reason, as for walk_read().
 */
int walk_open(int *fd, uint64_t *size, const char *path, unsigned flags,
    struct err *e);

/*
 * Reads the regular file at path whole into out, opening it with
 * O_NOFOLLOW (unless WALK_FOLLOW), O_NONBLOCK and O_CLOEXEC. A file of
 * more than max bytes is not an error: out->skipped is set and
 * out->size says how big it was. A file that grows or shrinks while it
 * is read gives what was read. On -1, e holds only the reason ("not a
 * regular file", strerror()), without the path: callers show paths in
 * their own way. out->data belongs to the caller: walk_file_release().
 */
int walk_read(struct walk_file *out, const char *path, uint64_t max,
    unsigned flags, struct err *e);

/*
 * Like walk_read() for an open descriptor of any kind (stdin), read to
 * its end. The descriptor stays open.
 */
int walk_read_fd(struct walk_file *out, int fd, uint64_t max,
    struct err *e);

/* Frees what f holds and clears it; f may be empty. */
void walk_file_release(struct walk_file *f);

#endif
