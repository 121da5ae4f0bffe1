/*
 * config: the engine's settings, read from git-config syntax through
 * libgit2: the system, XDG and global files, a repository's config, and
 * a file named on the command line (highest priority).
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
 * Opens the configuration a program sees from directory dir: system,
 * XDG and global files, the config of the repository containing dir
 * (when dir is inside one; dir may be NULL), and file (may be NULL) as
 * the highest level. *out belongs to the caller (git_config_free()).
 * When repo_root is not NULL it receives the repository's work tree
 * root (malloc'd, or NULL outside a repository or in a bare one).
 */
int config_open(git_config **out, char **repo_root, const char *dir,
    const char *file, struct err *e);

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

/*
 * Reads key as one of two settings, each spelt one of two words (case
 * does not matter): no or no2 set *out false, yes or yes2 true. An unset
 * key leaves *out alone; any other value is an error naming the key.
 */
int config_read_choice(bool *out, git_config *cfg, const char *key,
    const char *no, const char *no2, const char *yes, const char *yes2,
    struct err *e);

#endif
