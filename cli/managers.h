/*
 * managers: the git hook managers that 'tokenguard install' recognises in
 * a repository, and how tokenguard joins each one so that neither the
 * user's hooks nor tokenguard's stop running:
 *   husky       a line in .husky/pre-commit and .husky/pre-merge-commit
 *               (husky's own hooks directory, .husky/_, is rewritten by
 *               every 'npx husky', and dispatches on the hook's name)
 *   lefthook    a tokenguard command in lefthook-local.yml, the clone's
 *               own file that lefthook merges over lefthook.yml
 *               (lefthook moves any other hook away as <hook>.old when
 *               its config changes)
 *   pre-commit  the pre-commit framework: not edited; install prints
 *               the lines for .pre-commit-config.yaml and stops
 * Every function prints what it does, as the install command does.
 */
#ifndef TOKENGUARD_MANAGERS_H
#define TOKENGUARD_MANAGERS_H

#include <stdbool.h>

enum manager_kind {
	MANAGER_NONE,
	MANAGER_HUSKY,
	MANAGER_LEFTHOOK,
	MANAGER_PRECOMMIT,
};

struct manager {
	enum manager_kind kind;
	const char *name;	/* "husky", ...; static */
	char *why;		/* what gave it away, for messages */
	char *config;		/* lefthook: the local YAML file to edit;
				   pre-commit: .pre-commit-config.yaml */
};

/*
 * Looks for a hook manager in the work tree workdir whose hooks
 * directory (as git uses it) is hooks_dir: core.hooksPath pointing into
 * .husky, a .husky directory, a lefthook config file, a
 * .pre-commit-config.yaml, or a hook script that one of them wrote.
 * Fills *out (MANAGER_NONE when none); manager_release() frees it.
 * Returns an exit status.
 */
int manager_detect(struct manager *out, const char *workdir,
    const char *hooks_dir);

void manager_release(struct manager *m);

/*
 * Adds tokenguard to the manager's configuration for the hooks names
 * (pre-commit, pre-merge-commit), or with uninstall removes what an
 * earlier install added. Idempotent. When it cannot edit safely it
 * changes nothing and prints the exact lines to add by hand. Returns
 * EXIT_CLEAN, or EXIT_TROUBLE when tokenguard is not (or no longer)
 * where it should be.
 */
int manager_install(const struct manager *m, const char *workdir,
    const char *const *names, int nnames, bool uninstall);

#endif
