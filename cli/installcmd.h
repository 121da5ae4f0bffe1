/*
 * installcmd: `tokenguard install`, which installs the pre-commit hook
 * (also as pre-merge-commit) into a repository's hooks directory or a
 * global one, chaining a hook that is already there, and takes it out
 * again with --uninstall.
 */
#ifndef TOKENGUARD_INSTALLCMD_H
#define TOKENGUARD_INSTALLCMD_H

/*
 * Runs `tokenguard install [--global] [--force] [--uninstall]`; argv[0]
 * is "install". Needs git_libgit2_init(). Prints what it does on
 * standard output, errors on standard error; returns the exit status
 * (0 done, 2 trouble).
 */
int installcmd_run(int argc, char **argv);

/* The text of `tokenguard help install`. */
extern const char INSTALL_HELP[];

#endif
