/*
 * hookcfg: what a git hook reads its settings from: the repository git
 * runs it in, the configuration git reads for that repository, and the
 * engine's settings and scanner made from it.
 */
#ifndef TOKENGUARD_HOOKCFG_H
#define TOKENGUARD_HOOKCFG_H

#include <stdbool.h>

#include <git2.h>

#include "config.h"
#include "err.h"
#include "scan.h"

struct hookcfg {
	git_repository *repo;
	git_config *git;	/* what git reads for repo; also repo's own */
	struct config cfg;	/* the engine's settings, for scanner */
	struct scanner *scanner;
};

/* Empties h, for hookcfg_release() whatever happens next. */
void hookcfg_init(struct hookcfg *h);

/*
 * Opens the repository git runs the hook in (gitsrc_open()) and the
 * configuration git reads for it (config_open_repo(), notes as there),
 * which becomes the repository's own, so that libgit2's lookups see
 * the levels git sees. Call config_isolate_libgit2() first.
 */
int hookcfg_open(struct hookcfg *h, struct config_notes *notes,
    struct err *e);

/*
 * Reads key as a boolean as libgit2 parses it. An unset key leaves *out
 * alone; an error says "config 'KEY': " and libgit2's reason.
 */
int hookcfg_read_bool(bool *out, git_config *cfg, const char *key,
    struct err *e);

/*
 * Reads key's value into buf (git_buf_dispose() it): returns 1 when the
 * key is set, 0 when not, -1 with an error as hookcfg_read_bool()'s.
 */
int hookcfg_read_string(git_buf *buf, git_config *cfg, const char *key,
    struct err *e);

/* Frees what h holds. */
void hookcfg_release(struct hookcfg *h);

#endif
