/*
 * cli: what the parts of the tokenguard program share: exit statuses,
 * the commands, help texts and messages on standard error.
 */
#ifndef TOKENGUARD_CLI_H
#define TOKENGUARD_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include <git2.h>

#include "config.h"
#include "err.h"

#define PROG "tokenguard"

enum {
	EXIT_CLEAN = 0,
	EXIT_FOUND = 1,
	EXIT_TROUBLE = 2,
};

/*
 * The commands. argv[0] is the command's name; each returns an exit
 * status and prints its own messages.
 */
int scancmd_run(int argc, char **argv);
int rulescmd_run(int argc, char **argv);

/* The configuration a command runs with. */
struct settings {
	struct config cfg;
	git_config *git;	/* for keys the programs read themselves */
	char *repo_root;	/* NULL outside a repository's work tree */
};

/*
 * Reads the configuration seen from dir, with file (may be NULL) as the
 * highest level, into s; settings_release() frees it, also after a
 * failure.
 */
int settings_load(struct settings *s, const char *dir, const char *file,
    struct err *e);

void settings_release(struct settings *s);

/*
 * Prints the help on topic (NULL: the program; or a command name) to f.
 * Returns -1 when there is no such topic.
 */
int help_print(FILE *f, const char *topic);

/* The help on topic, as help_print() prints it, or NULL. */
const char *help_text(const char *topic);

/*
 * Prints "tokenguard: " and the message to standard error, then, when
 * cmd is not NULL, a line pointing at "tokenguard help cmd". Returns
 * EXIT_TROUBLE, for use in return statements.
 */
int cli_usage(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Reports getopt_long()'s ':' (missing value) or '?' (unknown option)
 * for command cmd, as cli_usage() does. Expects opterr = 0 and an
 * optstring starting with ":".
 */
int cli_bad_option(const char *cmd, int opt, char **argv);

/* a + b + c, malloc'd (the caller frees it); NULL when out of memory. */
char *cli_join3(const char *a, const char *b, const char *c);

/*
 * Replaces path with text[0..len) through PATH.tokenguard-tmp, as
 * filewrite_replace() does with mode and flags, and says why not as
 * "tokenguard: install: ...". Returns EXIT_CLEAN or EXIT_TROUBLE.
 */
int cli_replace_file(const char *path, const char *text, size_t len,
    mode_t mode, unsigned flags);

/*
 * Prints "tokenguard: " and the message to standard error. Returns
 * EXIT_TROUBLE.
 */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Says where callers see it that cli_error() returns EXIT_TROUBLE, so
 * that static analysers, which do not look into variadic functions,
 * follow `return cli_error(...)` without reporting impossible paths.
 */
static inline int
cli_trouble(int rc)
{
	(void)rc;
	return EXIT_TROUBLE;
}
#define cli_error(...) cli_trouble(cli_error(__VA_ARGS__))

#endif
