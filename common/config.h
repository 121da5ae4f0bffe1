/*
 * config: the engine's settings, read from git-config syntax through
 * libgit2, and the one loader of the configuration every program sees:
 * the levels git reads (system, global, repository, worktree, git -c)
 * and a file named on the command line (highest priority).
 *
 * Keys read here:
 *   tokenguard.checksum      bool, default true: false reports every
 *                            token-shaped string, valid checksum or not
 *   tokenguard.inlineAllow   bool, default true: honour tokenguard:allow
 *   tokenguard.maxFileSize   size (k/m/g suffixes), default 64m
 *   tokenguard.allow         fingerprint, several allowed
 *   rule.<id>.pattern        PCRE2 pattern of a user rule
 *   rule.<id>.description    its one-line description
 *   rule.<id>.keyword        literal prefilter, several allowed
 */
#ifndef TOKENGUARD_CONFIG_H
#define TOKENGUARD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <git2.h>

#include "err.h"

#define CONFIG_DEFAULT_MAX_FILE_SIZE (64ULL << 20)

struct user_rule {
	char *id;
	char *pattern;
	char *description;	/* NULL when not configured */
	char **keywords;
	size_t nkeywords;
};

struct config {
	bool checksum;
	bool inline_allow;
	uint64_t max_file_size;
	char **allow;		/* "sha256:<hex>" fingerprints */
	size_t nallow;
	struct user_rule *rules;
	size_t nrules;
};

/* Sets the defaults. */
void config_init(struct config *c);

/* Frees what c owns and leaves it as config_init() does. */
void config_release(struct config *c);

/*
 * Reads the engine's keys from cfg on top of what c holds. Unknown
 * tokenguard.* keys are ignored (programs read their own); a malformed
 * value is an error naming the key.
 */
int config_read(struct config *c, git_config *cfg, struct err *e);

/*
 * The levels above libgit2's own: git's worktree config, git's command
 * line (git -c, GIT_CONFIG_COUNT), and a file named on tokenguard's
 * command line, each overriding the ones before it.
 */
#define CONFIG_LEVEL_WORKTREE ((git_config_level_t)(GIT_CONFIG_LEVEL_APP))
#define CONFIG_LEVEL_COMMAND ((git_config_level_t)(GIT_CONFIG_LEVEL_APP + 1))
#define CONFIG_LEVEL_FILE ((git_config_level_t)(GIT_CONFIG_LEVEL_APP + 2))

/* What the loader skipped as git skips it, for the caller to mention. */
#define CONFIG_NOTES_MAX 4
struct config_notes {
	size_t n;
	char msg[CONFIG_NOTES_MAX][ERR_MAX];
};

/*
 * Opens the configuration git itself would see, lowest level first:
 *   system    GIT_CONFIG_SYSTEM, else libgit2's system file
 *             (/etc/gitconfig); none when GIT_CONFIG_NOSYSTEM is true
 *   global    GIT_CONFIG_GLOBAL alone when set; else
 *             $XDG_CONFIG_HOME/git/config (or ~/.config/git/config) and
 *             ~/.gitconfig, from the HOME variable
 *   local     the repository's config (repo may be NULL: none)
 *   worktree  $GIT_DIR/config.worktree when extensions.worktreeConfig
 *   command   GIT_CONFIG_COUNT/KEY_n/VALUE_n, then GIT_CONFIG_PARAMETERS
 *   file      file (may be NULL), which must exist
 * Includes (include.path, includeIf) are followed as libgit2 1.5 does.
 * A missing file is an empty level. A global file that may not be read
 * (such as /root/.gitconfig for a hook that git daemon runs as another
 * user with HOME=/root), and an unset HOME, are skipped as git skips
 * them, each with a line in notes (may be NULL); any other unreadable or
 * malformed file or variable is an error, as in git. *out belongs to the
 * caller (git_config_free()). repo is borrowed, not changed.
 */
int config_open_repo(git_config **out, struct config_notes *notes,
    git_repository *repo, const char *file, struct err *e);

/*
 * Stops libgit2 from reading global files on its own: when it opens a
 * repository it looks for ~/.gitconfig through its search path, and
 * fails (libgit2 1.5: "failed to stat") where git skips the file, such
 * as /root/.gitconfig in a hook that git daemon --user runs with
 * HOME=/root. Call it after git_libgit2_init(), before opening any
 * repository; then give each repository the configuration of
 * config_open_repo() with git_repository_set_config(), so that libgit2's
 * own lookups (core.*) see the levels git sees.
 */
int config_isolate_libgit2(struct err *e);

/*
 * config_open_repo() for the repository containing directory dir (dir
 * may be NULL, and need not be in a repository; one owned by another
 * user counts as none). When repo_root is not NULL it receives the
 * repository's work tree root (malloc'd, or NULL outside a repository or
 * in a bare one).
 */
int config_open(git_config **out, char **repo_root,
    struct config_notes *notes, const char *dir, const char *file,
    struct err *e);

/*
 * Adds the fingerprints listed in an allow file (one "sha256:..." per
 * line, '#' comments and blank lines ignored). A missing file is not an
 * error; a malformed line is, naming path and line.
 */
int config_read_allow_file(struct config *c, const char *path,
    struct err *e);

/* Adds one fingerprint to the allowlist (copied). */
int config_add_allow(struct config *c, const char *fingerprint,
    struct err *e);

/*
 * Parses a size with an optional k, m or g suffix (powers of 1024).
 * Returns -1 on anything else.
 */
int config_parse_size(uint64_t *out, const char *s);

/* A unit a number may carry: its suffix and what it multiplies by. */
struct config_unit {
	const char *suffix;	/* "" for a bare number; NULL ends a list */
	uint64_t mult;		/* not 0 */
};

/*
 * Parses decimal digits followed by exactly one of the suffixes of
 * units (a list ended by a NULL suffix) into the number times that
 * unit's multiplier. Returns -1 on anything else (a sign, blanks,
 * another suffix) or a result over UINT64_MAX.
 */
int config_parse_unit(uint64_t *out, const char *s,
    const struct config_unit *units);

/*
 * Reads key as a git boolean (true/false, yes/no, on/off, 1/0; a key
 * with no value is true). An unset key leaves *out alone; a bad value
 * is an error naming the key.
 */
int config_read_bool(bool *out, git_config *cfg, const char *key,
    struct err *e);

/*
 * Reads key as one of two settings, each spelt one of two words (case
 * does not matter): no or no2 set *out false, yes or yes2 true. An unset
 * key leaves *out alone; any other value is an error naming the key.
 */
int config_read_choice(bool *out, git_config *cfg, const char *key,
    const char *no, const char *no2, const char *yes, const char *yes2,
    struct err *e);

/*
 * Helpers for programs that read keys of their own from the same
 * configuration (the watcher's watch.conf).
 */

/*
 * Reads key as a string: *out is a copy, the caller's to free, or NULL
 * when the key is not set. A key with no value reads as "".
 */
int config_get_string(char **out, git_config *cfg, const char *key,
    struct err *e);

/*
 * Called for each entry of a configuration; the entry is borrowed for
 * the call. Returns 0 to go on, or -1 with e set to stop.
 */
typedef int config_entry_fn(const git_config_entry *ent, void *payload,
    struct err *e);

/*
 * Calls fn for every entry of cfg, lowest level first and in file
 * order within a level. Returns 0, or -1 when fn or libgit2 failed.
 */
int config_each(git_config *cfg, config_entry_fn *fn, void *payload,
    struct err *e);

/* Sets e to "what: " and libgit2's last error message; returns -1. */
int config_git_error(struct err *e, const char *what);

/* Appends a copy of s to the string vector *v of *n elements. */
int config_strv_add(char ***v, size_t *n, const char *s, struct err *e);

/* Frees the n strings of v, then v. */
void config_strv_free(char **v, size_t n);

#endif
