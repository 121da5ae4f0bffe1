/*
 * cmdconfig: the configuration git takes from its environment rather
 * than from files: GIT_CONFIG_COUNT with GIT_CONFIG_KEY_<n> and
 * GIT_CONFIG_VALUE_<n> (git --config-env, and scripts), then
 * GIT_CONFIG_PARAMETERS ('git -c key=value', which git passes on to the
 * hooks it runs). libgit2 1.5 reads neither; this module parses them as
 * git 2.39 does and serves them as a read-only libgit2 config backend.
 */
#ifndef TOKENGUARD_CMDCONFIG_H
#define TOKENGUARD_CMDCONFIG_H

#include <git2.h>
#include <git2/sys/config.h>

#include "err.h"

/*
 * Builds a backend holding the entries of the two variables, in git's
 * order (the COUNT entries, then the PARAMETERS ones; for a single-valued
 * key the last one wins). Names are canonical: section and variable in
 * lower case, a subsection as given. A key given without '=' has a NULL
 * value (true, as in git). *out is NULL when neither variable is set.
 * Malformed content is an error naming the variable, as git refuses to
 * run with it. *out belongs to the caller until it is added to a
 * git_config with git_config_add_backend(), which then owns it.
 */
int cmdconfig_new(git_config_backend **out, struct err *e);

/*
 * Canonicalises a configuration key as git does: "Section.Sub.Var" gives
 * "section.Sub.var". A name without a dot, an empty section or variable,
 * a variable not starting with a letter, or characters other than
 * letters, digits and '-' in the section or variable are errors. *out is
 * malloc'd, the caller's.
 */
int cmdconfig_canonical_key(char **out, const char *key, struct err *e);

#endif
