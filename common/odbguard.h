/*
 * odbguard: an object database backend that reads loose objects the way
 * libgit2 does, with one check libgit2 1.5 lacks: a zlib stream that
 * ends early (a loose object file cut short by a crash or a full disk)
 * is an error. libgit2 1.5 loops forever on such a file (libgit2 issue
 * 7342, fixed in later versions), so a hook reading one would hang. The
 * backend is put in front of a repository's own ones; objects it does
 * not hold loose in its directories (packed objects, say) pass through
 * to them. The guard checks each loose object it reads against its id
 * itself, so that this holds with libgit2's own check turned off.
 */
#ifndef TOKENGUARD_ODBGUARD_H
#define TOKENGUARD_ODBGUARD_H

#include <git2.h>

#include "err.h"

struct odbguard;

/*
 * Adds a guard to odb, asked before its other backends. *out is
 * borrowed: odb owns the guard and frees it with itself.
 */
int odbguard_add(struct odbguard **out, git_odb *odb, struct err *e);

/* Adds an object directory (copied) whose loose objects g reads. */
int odbguard_dir(struct odbguard *g, const char *dir, struct err *e);

#endif
