/*
 * installcmd: tokenguard install. The installed hook is a small POSIX sh
 * script rather than a copy of (or a link to) the hook binary: a script
 * can chain the hook that was there before, survives the binary being
 * upgraded in place, and says what to do when the binary is gone. It
 * runs the tokenguard-pre-commit that sat next to the tokenguard binary
 * at install time, by absolute path, and falls back to PATH.
 *
 * For each of pre-commit and pre-merge-commit in the hooks directory:
 *   NAME                       our script (its second line is the marker)
 *   NAME.tokenguard-chained    the hook that was there, run after ours
 *   NAME.tokenguard-saved      the hook --force replaced, not run
 * --uninstall removes our script and renames the other file back.
 *
 * --server PATH installs the pre-receive hook instead: as "pre-receive"
 * in a repository's hooks directory, or as "tokenguard" in a
 * pre-receive.d directory (GitLab's custom_hooks/pre-receive.d, Gitea's
 * hooks/pre-receive.d), or as "pre-receive" in gitolite's hooks/common
 * (gitolite links it into every repository). A chained pre-receive gets
 * the same standard input, which the script keeps in a temporary file.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>
#include <git2/sys/repository.h>

#include "cli.h"
#include "config.h"
#include "fileio.h"
#include "gitsrc.h"
#include "installcmd.h"
#include "managers.h"

#define HOOK_PROGRAM "tokenguard-pre-commit"
#define SERVER_PROGRAM "tokenguard-pre-receive"
#define MARKER "# tokenguard-hook: "
#define CHAINED ".tokenguard-chained"
#define SAVED ".tokenguard-saved"
#define TMP ".tokenguard-tmp"
/* Our script is about 1.5 KiB; a bigger file is not ours. */
#define SCRIPT_MAX 65536

static const char *const HOOK_NAMES[] = { "pre-commit", "pre-merge-commit" };

const char INSTALL_HELP[] =
"NAME\n"
"    tokenguard install - install the pre-commit hook\n"
"\n"
"SYNOPSIS\n"
"    tokenguard install [--global] [--force] [--uninstall]\n"
"    tokenguard install --server PATH [--force] [--uninstall]\n"
"\n"
"DESCRIPTION\n"
"    Installs tokenguard's git hook as pre-commit and pre-merge-commit in\n"
"    the current repository's hooks directory: core.hooksPath when set\n"
"    (relative to the top of the work tree), else .git/hooks (linked\n"
"    worktrees share it). Before every commit and every merge commit,\n"
"    the hook scans what is staged and blocks the commit when it holds\n"
"    npm token material. It is silent when nothing is found.\n"
"\n"
"    The hook is a short sh script that runs tokenguard-pre-commit from\n"
"    the directory this tokenguard program is in (its path at install\n"
"    time), or from PATH when it is no longer there.\n"
"\n"
"    A hook of the same name that is already there is kept: it is\n"
"    renamed NAME.tokenguard-chained and runs after tokenguard's check,\n"
"    with the same arguments and standard input, when the check passes,\n"
"    under its own name (an sh or bash script sees $0 as the path git\n"
"    ran).\n"
"    Installing again changes nothing; it updates a hook installed by an\n"
"    older tokenguard or from another path.\n"
"\n"
"HOOK MANAGERS\n"
"    When a hook manager runs the repository's hooks, tokenguard joins it\n"
"    instead of writing into the hooks directory it owns (the manager\n"
"    would drop tokenguard's hook, or stop running its own):\n"
"    husky (core.hooksPath in .husky, or a .husky directory)\n"
"        adds the line 'tokenguard-pre-commit' at the top of\n"
"        .husky/pre-commit and .husky/pre-merge-commit (creating them),\n"
"        which husky's prepare script leaves alone. Commit the change.\n"
"    lefthook (lefthook.yml and its other names, or its hook scripts)\n"
"        adds a tokenguard command for pre-commit and pre-merge-commit\n"
"        to lefthook-local.yml, the clone's own file that lefthook\n"
"        merges over lefthook.yml (and keeps it out of commits with a\n"
"        line in .git/info/exclude); then run 'lefthook install'. When\n"
"        that file already has such a section, or is not YAML, it\n"
"        changes nothing and prints the lines to add.\n"
"    the pre-commit framework (.pre-commit-config.yaml, or its hook)\n"
"        changes nothing and exits 2 after printing a 'repo: local'\n"
"        entry for .pre-commit-config.yaml (or use tokenguard's\n"
"        .pre-commit-hooks.yaml: see docs/pre-commit.md).\n"
"    A tokenguard hook that an older install put into the manager's\n"
"    hooks directory is removed, and the manager's hook put back.\n"
"    --uninstall takes out what install added.\n"
"\n"
"OPTIONS\n"
"    --global\n"
"        Installs into the hooks directory of every repository of the\n"
"        user instead: the directory named by core.hooksPath in the\n"
"        user's git configuration, or when it is not set,\n"
"        ~/.config/tokenguard/hooks ($XDG_CONFIG_HOME/tokenguard/hooks),\n"
"        which is then set as core.hooksPath in ~/.gitconfig (or the file\n"
"        named by GIT_CONFIG_GLOBAL). git then ignores the hooks in each\n"
"        repository's .git/hooks: the hooks installed there run the\n"
"        repository's own pre-commit or pre-merge-commit after the check,\n"
"        but other hooks in .git/hooks (commit-msg, pre-push, ...) stop\n"
"        running. A repository whose own configuration sets\n"
"        core.hooksPath (husky does) keeps its own hooks directory: run\n"
"        'tokenguard install' in it (see HOOK MANAGERS).\n"
"\n"
"    --server PATH\n"
"        Installs the server-side pre-receive hook, which rejects pushes\n"
"        that add npm token material (see 'tokenguard-pre-receive\n"
"        --help'), instead of the pre-commit hook. PATH is a bare (or\n"
"        any) repository: the hook goes into its hooks directory as\n"
"        pre-receive, chaining a pre-receive that is there (it gets the\n"
"        same standard input), or as hooks/pre-receive.d/tokenguard when\n"
"        that directory exists (Gitea). PATH may also be a pre-receive.d\n"
"        directory (GitLab: <repo>.git/custom_hooks/pre-receive.d, or\n"
"        the server-wide custom_hooks_dir's pre-receive.d; Gitea:\n"
"        <repo>.git/hooks/pre-receive.d) or a GitLab custom_hooks\n"
"        directory, which get a hook named tokenguard. gitolite: PATH\n"
"        is ~/.gitolite/hooks/common (or LOCAL_CODE's hooks/common),\n"
"        then 'gitolite setup --hooks-only' links it into every\n"
"        repository; gitolite's repositories themselves are refused\n"
"        (gitolite replaces their hooks). Run it as the server's\n"
"        account, which owns the repositories.\n"
"\n"
"    --force\n"
"        Replaces a hook of the same name instead of chaining it. The\n"
"        old hook is kept as NAME.tokenguard-saved and does not run.\n"
"\n"
"    --uninstall\n"
"        Removes tokenguard's hooks and puts back what was there before\n"
"        (a chained or saved hook). With --global, also unsets\n"
"        core.hooksPath when it names ~/.config/tokenguard/hooks and\n"
"        removes that directory when it is empty. A hook that is not\n"
"        tokenguard's is left alone.\n"
"\n"
"    -h, --help\n"
"        Prints this help.\n"
"\n"
"SETTINGS\n"
"    The hook reads git configuration: tokenguard.onError (block or\n"
"    allow), tokenguard.onSkip (allow or reject a staged file over\n"
"    tokenguard.maxFileSize), tokenguard.blockPreexisting, and the\n"
"    scanner's keys; see 'tokenguard-pre-commit --help'.\n"
"\n"
"EXIT STATUS\n"
"    0  done (or nothing to do)\n"
"    2  trouble: bad usage, not in a repository, a file that could not\n"
"       be written or moved, or a hook manager's config to edit by hand\n"
"       (the lines are printed)\n"
"\n"
"EXAMPLES\n"
"    Protect the current repository:\n"
"        tokenguard install\n"
"    Protect every repository of the user:\n"
"        tokenguard install --global\n"
"    Skip the check for one commit:\n"
"        git commit --no-verify\n";

struct opts {
	const char *server;	/* --server PATH */
	bool global;
	bool force;
	bool uninstall;
};

/* Where the hooks go, and what they run. */
struct target {
	char *dir;		/* the hooks directory, absolute */
	char *prog;		/* tokenguard-pre-commit, absolute */
	bool passthrough;	/* run the repository's own hook too */
	bool server;		/* the pre-receive hook */
	const char *progname;	/* HOOK_PROGRAM or SERVER_PROGRAM */
};

enum { OPT_GLOBAL = 256, OPT_FORCE, OPT_UNINSTALL, OPT_SERVER };

static const struct option OPTIONS[] = {
	{ "global", no_argument, NULL, OPT_GLOBAL },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "uninstall", no_argument, NULL, OPT_UNINSTALL },
	{ "server", required_argument, NULL, OPT_SERVER },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int
git_fail(const char *what)
{
	const git_error *ge = git_error_last();

	return cli_error("install: %s: %s", what,
	    ge != NULL && ge->message != NULL ? ge->message : "libgit2 error");
}

/*
 * tokenguard-pre-commit next to this program. It need not exist yet:
 * the hook falls back to PATH, and says so.
 */
static int
hook_program(char **out, const char *name)
{
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0) {
		*out = strdup(name);
		return *out == NULL ? cli_error("install: out of memory") : 0;
	}
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash != NULL)
		slash[1] = '\0';
	*out = cli_join3(slash != NULL ? self : "", name, "");
	if (*out == NULL)
		return cli_error("install: out of memory");
	if (access(*out, X_OK) != 0)
		printf("tokenguard: note: %s is not there (yet); the hook will "
		    "look for %s in PATH\n", *out, name);
	return 0;
}

/* ~/.config/tokenguard/hooks, or under $XDG_CONFIG_HOME. */
static int
default_global_dir(char **out)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	if (xdg != NULL && xdg[0] == '/')
		*out = cli_join3(xdg, "/tokenguard/hooks", "");
	else if (home != NULL && home[0] == '/')
		*out = cli_join3(home, "/.config/tokenguard/hooks", "");
	else
		return cli_error("install: --global: HOME is not set");
	return *out == NULL ? cli_error("install: out of memory") : 0;
}

static bool
file_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/*
 * The file git writes `git config --global` to: GIT_CONFIG_GLOBAL, else
 * ~/.gitconfig, unless only $XDG_CONFIG_HOME/git/config exists.
 */
static int
global_config_file(char **out)
{
	const char *env = getenv("GIT_CONFIG_GLOBAL");
	const char *home = getenv("HOME");
	const char *xdg = getenv("XDG_CONFIG_HOME");
	char *dot = NULL, *x = NULL;

	if (env != NULL && env[0] != '\0') {
		*out = strdup(env);
		return *out == NULL ? cli_error("install: out of memory") : 0;
	}
	if (home == NULL || home[0] == '\0')
		return cli_error("install: --global: HOME is not set");
	dot = cli_join3(home, "/.gitconfig", "");
	if (xdg != NULL && xdg[0] != '\0')
		x = cli_join3(xdg, "/git/config", "");
	else
		x = cli_join3(home, "/.config/git/config", "");
	if (dot == NULL || x == NULL) {
		free(dot);
		free(x);
		return cli_error("install: out of memory");
	}
	if (!file_exists(dot) && file_exists(x)) {
		free(dot);
		*out = x;
	} else {
		free(x);
		*out = dot;
	}
	return 0;
}

/*
 * The user's core.hooksPath as git sees it outside a repository
 * (system, XDG and global files; "~/" expanded), or NULL.
 */
static int
global_hooks_path(char **out)
{
	git_config *cfg = NULL, *snap = NULL;
	git_buf buf = { 0 };
	const char *env = getenv("GIT_CONFIG_GLOBAL");
	char *file = NULL;
	int rc = EXIT_TROUBLE, grc;

	*out = NULL;
	if (git_config_open_default(&cfg) < 0)
		return git_fail("git configuration");
	/* libgit2 does not know GIT_CONFIG_GLOBAL: add it as git does. */
	if (env != NULL && env[0] != '\0') {
		if (global_config_file(&file) != 0)
			goto out;
		if (file_exists(file) && git_config_add_file_ondisk(cfg, file,
		    GIT_CONFIG_LEVEL_APP, NULL, 0) < 0) {
			git_fail(file);
			goto out;
		}
	}
	if (git_config_snapshot(&snap, cfg) < 0) {
		git_fail("git configuration");
		goto out;
	}
	grc = git_config_get_path(&buf, snap, "core.hooksPath");
	if (grc < 0 && grc != GIT_ENOTFOUND) {
		git_fail("core.hooksPath");
		goto out;
	}
	if (grc == 0 && buf.ptr != NULL && buf.ptr[0] != '\0') {
		if (buf.ptr[0] != '/') {
			cli_error("install: --global: core.hooksPath '%s' is "
			    "relative: each repository has its own; run "
			    "'tokenguard install' in each, or make it absolute",
			    buf.ptr);
			goto out;
		}
		*out = strdup(buf.ptr);
		if (*out == NULL) {
			cli_error("install: out of memory");
			goto out;
		}
	}
	rc = EXIT_CLEAN;
out:
	free(file);
	git_buf_dispose(&buf);
	git_config_free(snap);
	git_config_free(cfg);
	return rc;
}

/* Sets (value not NULL) or unsets core.hooksPath in the global file. */
static int
set_global_hooks_path(const char *value)
{
	git_config *cfg = NULL;
	char *file = NULL;
	int rc = EXIT_TROUBLE, grc;

	if (global_config_file(&file) != 0)
		return EXIT_TROUBLE;
	if (git_config_open_ondisk(&cfg, file) < 0) {
		git_fail(file);
		goto out;
	}
	if (value != NULL)
		grc = git_config_set_string(cfg, "core.hooksPath", value);
	else
		grc = git_config_delete_entry(cfg, "core.hooksPath");
	if (grc < 0 && !(value == NULL && grc == GIT_ENOTFOUND)) {
		git_fail(file);
		goto out;
	}
	if (value != NULL)
		printf("tokenguard: set core.hooksPath = %s in %s\n", value,
		    file);
	else
		printf("tokenguard: unset core.hooksPath in %s\n", file);
	rc = EXIT_CLEAN;
out:
	git_config_free(cfg);
	free(file);
	return rc;
}

/* mkdir -p, for the hooks directory. */
static int
make_dirs(const char *dir)
{
	char *copy = strdup(dir);
	int rc = EXIT_CLEAN;
	char c;

	if (copy == NULL)
		return cli_error("install: out of memory");
	for (char *p = copy + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		c = *p;
		*p = '\0';
		if (mkdir(copy, 0777) < 0 && errno != EEXIST) {
			rc = cli_error("install: cannot create '%s': %s", copy,
			    strerror(errno));
			break;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	free(copy);
	return rc;
}

/* Writes s single-quoted for sh. */
static void
sh_quote(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	}
	fputc('\'', f);
}

/*
 * The pre-receive script: runs tokenguard-pre-receive with the push's
 * standard input; with a chained hook, keeps the input in a temporary
 * file so that both read it. malloc'd.
 */
static int
make_server_script(char **out, size_t *len, const struct target *t,
    const char *name, bool chain)
{
	char *buf = NULL;
	FILE *f;

	f = open_memstream(&buf, len);
	if (f == NULL)
		return cli_error("install: out of memory");
	fprintf(f, "#!/bin/sh\n"
	    MARKER "%s\n"
	    "# Installed by 'tokenguard install --server': rejects pushes "
	    "that add\n"
	    "# npm token material. 'tokenguard install --server PATH "
	    "--uninstall'\n"
	    "# removes it and puts back the hook that was here before.\n"
	    "want=", name);
	sh_quote(f, t->prog);
	fputs("\n"
	    "tg=$want\n"
	    "if [ ! -x \"$tg\" ]; then\n"
	    "\ttg=$(command -v " SERVER_PROGRAM " 2>/dev/null) || tg=\n"
	    "fi\n"
	    "if [ -z \"$tg\" ]; then\n"
	    "\tcase $(git config tokenguard.onError 2>/dev/null) in\n"
	    "\t[Aa][Ll][Ll][Oo][Ww])\n"
	    "\t\techo \"tokenguard: warning: " SERVER_PROGRAM " not found "
	    "(not at $want, not in PATH); not checked\" \\\n"
	    "\t\t    \"(tokenguard.onError = allow)\" >&2\n"
	    "\t\ttg=true\n"
	    "\t\t;;\n"
	    "\t*)\n"
	    "\t\techo \"tokenguard: " SERVER_PROGRAM " not found (not at "
	    "$want, not in PATH): the push is rejected\" >&2\n"
	    "\t\texit 2\n"
	    "\t\t;;\n"
	    "\tesac\n"
	    "fi\n", f);
	if (chain)
		fputs("# The hook that was here before runs after the check, "
		    "on the same input.\n"
		    "in=$(mktemp \"${TMPDIR:-/tmp}/tokenguard-push.XXXXXX\") "
		    "|| exit 2\n"
		    "trap 'rm -f \"$in\"' EXIT\n"
		    "trap 'exit 2' HUP INT TERM\n"
		    "cat >\"$in\" || exit 2\n"
		    "\"$tg\" <\"$in\" || exit $?\n"
		    "if [ -x \"$0" CHAINED "\" ]; then\n"
		    "\t\"$0" CHAINED "\" \"$@\" <\"$in\"\n"
		    "\texit $?\n"
		    "fi\n"
		    "exit 0\n", f);
	else
		fputs("exec \"$tg\"\n", f);
	if (fclose(f) != 0) {
		free(buf);
		return cli_error("install: out of memory");
	}
	*out = buf;
	return 0;
}

/*
 * The end of a hook script that chains the hook that was there before.
 * That hook runs under its own name, the path git ran ("$0"): a hook
 * that dispatches on basename "$0" or finds files next to dirname "$0"
 * (husky's do) would do nothing, or the wrong thing, as NAME.tokenguard-
 * chained. An sh or bash script is read by its interpreter with $0 set
 * to that path (its shebang options kept); anything else, which cannot
 * see the difference, is run as it is.
 */
#define CHAIN_SCRIPT \
    "# The hook that was here before, run after the check under its own\n" \
    "# name (\"$0\"), which hooks that dispatch on their name need.\n" \
    "chained=\"$0" CHAINED "\"\n" \
    "if [ -x \"$chained\" ]; then\n" \
    "\tIFS= read -r first <\"$chained\" || first=\n" \
    "\tcase $first in\n" \
    "\t'#!/bin/sh' | '#!/bin/sh '* | '#!/bin/bash' | '#!/bin/bash '* | \\\n" \
    "\t'#!/usr/bin/bash' | '#!/usr/bin/bash '* | \\\n" \
    "\t'#!/usr/bin/env sh' | '#!/usr/bin/env sh '* | \\\n" \
    "\t'#!/usr/bin/env bash' | '#!/usr/bin/env bash '*)\n" \
    "\t\tinterp=${first#??}\n" \
    "\t\tinterp=${interp#/usr/bin/env }\n" \
    "\t\t# shellcheck disable=SC2086 # the interpreter and its options\n" \
    "\t\texec $interp -c \\\n" \
    "\t\t    'tokenguard_hook=$1; shift; . \"$tokenguard_hook\"' \\\n" \
    "\t\t    \"$0\" \"$chained\" \"$@\"\n" \
    "\t\t;;\n" \
    "\tesac\n" \
    "\texec \"$chained\" \"$@\"\n" \
    "fi\n"

/* The hook script for hook name; malloc'd. */
static int
make_script(char **out, size_t *len, const struct target *t,
    const char *name, bool chain)
{
	char *buf = NULL;
	FILE *f;

	if (t->server)
		return make_server_script(out, len, t, name, chain);
	f = open_memstream(&buf, len);
	if (f == NULL)
		return cli_error("install: out of memory");
	fprintf(f, "#!/bin/sh\n"
	    MARKER "%s\n"
	    "# Installed by 'tokenguard install': blocks commits that add\n"
	    "# npm token material. 'tokenguard install --uninstall' removes\n"
	    "# it and puts back the hook that was here before.\n"
	    "want=", name);
	sh_quote(f, t->prog);
	fputs("\n"
	    "tg=$want\n"
	    "if [ ! -x \"$tg\" ]; then\n"
	    "\ttg=$(command -v " HOOK_PROGRAM " 2>/dev/null) || tg=\n"
	    "fi\n"
	    "# A global tokenguard hook that runs this one has checked "
	    "already.\n"
	    "if [ \"${TOKENGUARD_CHECKED-}\" = \"$PPID\" ]; then\n"
	    "\t:\n"
	    "elif [ -n \"$tg\" ]; then\n"
	    "\t\"$tg\" </dev/null || exit $?\n"
	    "else\n"
	    "\tcase $(git config tokenguard.onError 2>/dev/null) in\n"
	    "\t[Aa][Ll][Ll][Oo][Ww])\n"
	    "\t\techo \"tokenguard: warning: " HOOK_PROGRAM " not found "
	    "(not at $want, not in PATH); not checked\" \\\n"
	    "\t\t    \"(tokenguard.onError = allow)\" >&2\n"
	    "\t\t;;\n"
	    "\t*)\n"
	    "\t\techo \"tokenguard: " HOOK_PROGRAM " not found (not at $want,"
	    " not in PATH):\" \\\n"
	    "\t\t    \"the commit is blocked. Reinstall tokenguard, or skip\" "
	    "\\\n"
	    "\t\t    \"the check once with 'git commit --no-verify'.\" >&2\n"
	    "\t\texit 2\n"
	    "\t\t;;\n"
	    "\tesac\n"
	    "fi\n", f);
	if (t->passthrough)
		fprintf(f, "# core.hooksPath hides the repository's own hooks: "
		    "run its %s.\n"
		    "own=$(git rev-parse --git-common-dir 2>/dev/null)"
		    "/hooks/%s\n"
		    "if [ -x \"$own\" ] && [ ! \"$own\" -ef \"$0\" ]; then\n"
		    "\tTOKENGUARD_CHECKED=$$ \"$own\" \"$@\" || exit $?\n"
		    "fi\n", name, name);
	if (chain)
		fputs(CHAIN_SCRIPT, f);
	fputs("exit 0\n", f);
	if (fclose(f) != 0) {
		free(buf);
		return cli_error("install: out of memory");
	}
	*out = buf;
	return 0;
}

/*
 * Reads a hook file whole when it is small and regular: *out is NULL
 * for anything else (a link, a big binary).
 */
static int
read_hook(char **out, size_t *len, const char *path)
{
	struct fileio_text f;
	struct err e = { 0 };

	*out = NULL;
	*len = 0;
	/* Missing, a link, not a regular file, too big: not a hook of ours. */
	if (fileio_read(&f, AT_FDCWD, path, SCRIPT_MAX, FILEIO_MISSING_OK |
	    FILEIO_LINK_MISSING, &e) < 0)
		return cli_error("install: cannot read %s", e.msg);
	*out = f.data;
	*len = f.len;
	return 0;
}

/* Ours: a script whose second line is the marker. */
static bool
is_ours(const char *content)
{
	const char *nl;

	if (content == NULL || strncmp(content, "#!", 2) != 0)
		return false;
	nl = strchr(content, '\n');
	return nl != NULL && strncmp(nl + 1, MARKER, strlen(MARKER)) == 0;
}

/* A link to (or a copy named like) the hook binary itself. */
static bool
is_our_binary(const char *path, const char *name)
{
	char *real = realpath(path, NULL);
	const char *base;
	bool ours;

	if (real == NULL)
		return false;
	base = strrchr(real, '/');
	ours = strcmp(base != NULL ? base + 1 : real, name) == 0;
	free(real);
	return ours;
}

static int
move(const char *from, const char *to)
{
	if (rename(from, to) < 0)
		return cli_error("install: cannot rename '%s' to '%s': %s",
		    from, to, strerror(errno));
	return EXIT_CLEAN;
}

/* A hook's file, the names a hook it replaces is kept under, its content. */
struct hookfile {
	char *path;		/* DIR/NAME */
	char *chained;		/* path CHAINED: runs after tokenguard's */
	char *saved;		/* path SAVED: kept, not run */
	char *old;		/* path's content (read_hook()), or NULL */
	size_t old_len;
};

/*
 * Fills f for hook name in dir and reads what is there; f is for
 * hookfile_release() afterwards, also after a failure.
 */
static int
hookfile_read(struct hookfile *f, const char *dir, const char *name)
{
	memset(f, 0, sizeof(*f));
	f->path = cli_join3(dir, "/", name);
	if (f->path == NULL)
		return cli_error("install: out of memory");
	f->chained = cli_join3(f->path, CHAINED, "");
	f->saved = cli_join3(f->path, SAVED, "");
	if (f->chained == NULL || f->saved == NULL)
		return cli_error("install: out of memory");
	return read_hook(&f->old, &f->old_len, f->path);
}

static void
hookfile_release(struct hookfile *f)
{
	free(f->old);
	free(f->saved);
	free(f->chained);
	free(f->path);
}

/* Installs hook name into t->dir. */
static int
install_one(const struct target *t, const struct opts *o, const char *name)
{
	struct hookfile f;
	char *script = NULL;
	size_t len = 0;
	bool chain, ours;
	int rc = EXIT_TROUBLE;

	if (hookfile_read(&f, t->dir, name) != 0)
		goto out;
	ours = is_ours(f.old);
	if (file_exists(f.path) && !ours) {
		bool replace = o->force || is_our_binary(f.path, t->progname);

		if (file_exists(replace ? f.saved : f.chained)) {
			rc = cli_error("install: '%s' is not tokenguard's, and "
			    "'%s' is taken: move one of them away first",
			    f.path, replace ? f.saved : f.chained);
			goto out;
		}
		if (move(f.path, replace ? f.saved : f.chained) != 0)
			goto out;
		if (replace)
			printf("tokenguard: %s: replaced the existing hook "
			    "(kept, not run, as %s" SAVED ")\n", name, name);
		else
			printf("tokenguard: %s: the existing hook now runs "
			    "after tokenguard's check (renamed %s" CHAINED
			    ")\n", name, name);
	} else if (ours && o->force && file_exists(f.chained)) {
		if (file_exists(f.saved)) {
			rc = cli_error("install: '%s' is taken: move it away "
			    "first", f.saved);
			goto out;
		}
		if (move(f.chained, f.saved) != 0)
			goto out;
		printf("tokenguard: %s: no longer runs %s" CHAINED " (kept as "
		    "%s" SAVED ")\n", name, name, name);
	}
	chain = file_exists(f.chained);
	if (make_script(&script, &len, t, name, chain) != 0)
		goto out;
	if (ours && f.old_len == len && memcmp(f.old, script, len) == 0) {
		printf("tokenguard: %s: already installed in %s\n", name,
		    t->dir);
		rc = EXIT_CLEAN;
		goto out;
	}
	if (cli_replace_file(f.path, script, len, 0755, 0) != 0)
		goto out;
	printf("tokenguard: %s: %s %s\n", name, ours ? "updated" : "installed",
	    f.path);
	rc = EXIT_CLEAN;
out:
	free(script);
	hookfile_release(&f);
	return rc;
}

/* Takes hook name out of dir, putting back what was there. */
static int
uninstall_one(const char *dir, const char *name)
{
	struct hookfile f;
	int rc = EXIT_TROUBLE;

	if (hookfile_read(&f, dir, name) != 0)
		goto out;
	if (file_exists(f.path) && !is_ours(f.old)) {
		printf("tokenguard: %s: not tokenguard's hook, left alone "
		    "(%s)\n", name, f.path);
		if (file_exists(f.chained) || file_exists(f.saved))
			printf("tokenguard: %s: note: %s" CHAINED " or %s" SAVED
			    " is still there\n", name, name, name);
		rc = EXIT_CLEAN;
		goto out;
	}
	if (file_exists(f.path)) {
		if (unlink(f.path) < 0) {
			rc = cli_error("install: cannot remove '%s': %s",
			    f.path, strerror(errno));
			goto out;
		}
		printf("tokenguard: %s: removed %s\n", name, f.path);
	}
	if (file_exists(f.chained) || file_exists(f.saved)) {
		const char *back = file_exists(f.chained) ? f.chained : f.saved;

		if (move(back, f.path) != 0)
			goto out;
		printf("tokenguard: %s: restored the previous hook from %s\n",
		    name, back);
	}
	rc = EXIT_CLEAN;
out:
	hookfile_release(&f);
	return rc;
}

/*
 * The hooks directory of the current repository, and its work tree
 * (*workdir: malloc'd, without a trailing slash; NULL when bare).
 */
static int
repo_target(struct target *t, char **workdir)
{
	git_repository *repo = NULL;
	struct err e = { 0 };
	const char *wd;
	size_t len;
	int rc = EXIT_TROUBLE;

	*workdir = NULL;
	if (gitsrc_open(&repo, &e) < 0)
		return cli_error("install: %s", e.msg);
	if (gitsrc_hooks_dir(&t->dir, repo, &e) < 0) {
		cli_error("install: %s", e.msg);
		goto out;
	}
	wd = git_repository_workdir(repo);
	if (wd != NULL) {
		len = strlen(wd);
		while (len > 1 && wd[len - 1] == '/')
			len--;
		*workdir = strndup(wd, len);
		if (*workdir == NULL) {
			cli_error("install: out of memory");
			goto out;
		}
	}
	rc = EXIT_CLEAN;
out:
	git_repository_free(repo);
	return rc;
}

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/*
 * The gitolite common hooks directory that dir's update hook links to,
 * malloc'd, or NULL when dir is no gitolite repository's hooks: gitolite
 * links each file of ~/.gitolite/hooks/common (and of LOCAL_CODE's
 * hooks/common) into every repository, its own update hook first.
 */
static char *
gitolite_common(const char *dir)
{
	char *update = cli_join3(dir, "/update", "");
	char target[PATH_MAX];
	ssize_t n;

	if (update == NULL)
		return NULL;
	n = readlink(update, target, sizeof(target) - 1);
	free(update);
	if (n <= 0)
		return NULL;
	target[n] = '\0';
	if (!ends_with(target, "/hooks/common/update"))
		return NULL;
	target[n - (ssize_t)strlen("/update")] = '\0';
	return strdup(target);
}

/*
 * Where --server PATH puts the hook: *name is "pre-receive" in a
 * repository's hooks directory or in gitolite's hooks/common (*gitolite
 * set), or "tokenguard" in a pre-receive.d.
 */
static int
server_target(struct target *t, const char **name, bool *gitolite,
    const char *path)
{
	git_repository *repo = NULL;
	git_config *cfg = NULL;
	struct err e = { 0 };
	char *dir = NULL, *d = NULL;
	size_t len = strlen(path);
	int rc = EXIT_TROUBLE;

	dir = strndup(path, len);
	while (dir != NULL && len > 1 && dir[len - 1] == '/')
		dir[--len] = '\0';
	if (dir == NULL)
		return cli_error("install: out of memory");
	*name = "tokenguard";
	*gitolite = false;
	if (ends_with(dir, "/hooks/common") ||
	    strcmp(dir, "hooks/common") == 0) {
		*name = "pre-receive";
		*gitolite = true;
		t->dir = dir;
		dir = NULL;
		rc = EXIT_CLEAN;
		goto out;
	}
	if (ends_with(dir, "pre-receive.d")) {
		t->dir = dir;
		dir = NULL;
		rc = EXIT_CLEAN;
		goto out;
	}
	if (ends_with(dir, "custom_hooks")) {
		t->dir = cli_join3(dir, "/pre-receive.d", "");
		rc = t->dir == NULL ? cli_error("install: out of memory") :
		    EXIT_CLEAN;
		goto out;
	}
	/*
	 * The server's account may run this with root's HOME (sudo, a root
	 * shell): libgit2 would fail on /root/.gitconfig where git skips
	 * it. The repository gets the configuration git reads instead.
	 */
	if (config_isolate_libgit2(&e) < 0) {
		rc = cli_error("install: %s", e.msg);
		goto out;
	}
	if (git_repository_open_ext(&repo, dir, GIT_REPOSITORY_OPEN_NO_SEARCH,
	    NULL) < 0) {
		rc = cli_error("install: '%s': not a git repository, a "
		    "pre-receive.d or a custom_hooks directory (%s)", path,
		    git_error_last() != NULL ? git_error_last()->message :
		    "libgit2 error");
		goto out;
	}
	if (config_open_repo(&cfg, NULL, repo, NULL, &e) < 0 ||
	    git_repository_set_config(repo, cfg) < 0) {
		rc = cli_error("install: %s", e.msg[0] != '\0' ? e.msg :
		    git_error_last() != NULL ? git_error_last()->message :
		    "libgit2 error");
		goto out;
	}
	if (gitsrc_hooks_dir(&t->dir, repo, &e) < 0) {
		rc = cli_error("install: %s", e.msg);
		goto out;
	}
	/* gitolite setup --hooks-only would replace a hook put here. */
	d = gitolite_common(t->dir);
	if (d != NULL) {
		rc = cli_error("install: '%s' is a gitolite repository: "
		    "'gitolite setup --hooks-only' replaces its hooks with "
		    "gitolite's common ones, and a hook installed here would "
		    "silently stop running. Install it for every repository "
		    "instead, as gitolite's user: tokenguard install --server "
		    "%s, then gitolite setup --hooks-only", path, d);
		goto out;
	}
	/* Gitea runs its own pre-receive, then each in pre-receive.d. */
	d = cli_join3(t->dir, "/pre-receive.d", "");
	if (d == NULL) {
		rc = cli_error("install: out of memory");
		goto out;
	}
	if (is_dir(d)) {
		free(t->dir);
		t->dir = d;
		d = NULL;
	} else {
		*name = "pre-receive";
	}
	rc = EXIT_CLEAN;
out:
	free(d);
	free(dir);
	git_config_free(cfg);
	git_repository_free(repo);
	return rc;
}

/* Copies the name of user uid, or its number, into buf. */
static const char *
user_name(uid_t uid, char *buf, size_t size)
{
	struct passwd *pw = getpwuid(uid);

	if (pw != NULL && pw->pw_name != NULL)
		(void)snprintf(buf, size, "%s", pw->pw_name);
	else
		(void)snprintf(buf, size, "%lu", (unsigned long)uid);
	return buf;
}

/*
 * A server's repositories and hooks belong to its account (git, gitlab,
 * gitea...), which runs the hooks: installing as another user (root)
 * makes git refuse the repository ("dubious ownership") or leaves files
 * its owner cannot replace. Says whose path is and how to run as them.
 * Returns 0 when path (or, when it does not exist yet, its nearest
 * existing parent) is the caller's, EXIT_TROUBLE after the message.
 */
static int
check_owner(const char *path, const char *arg)
{
	char *p = strdup(path), *slash;
	char owner[64], me[64];
	struct stat st;
	int rc;

	if (p == NULL)
		return cli_error("install: out of memory");
	while ((rc = stat(p, &st)) < 0 && errno == ENOENT &&
	    (slash = strrchr(p, '/')) != NULL && slash != p)
		*slash = '\0';
	free(p);
	if (rc < 0 || st.st_uid == geteuid())
		return 0;
	(void)user_name(st.st_uid, owner, sizeof(owner));
	(void)user_name(geteuid(), me, sizeof(me));
	return cli_error("install: '%s' belongs to '%s', not to '%s' who runs "
	    "this: git refuses to work in another user's repository, and its "
	    "hooks must be files the server's account owns. Run it as that "
	    "user: runuser -u %s -- tokenguard install --server %s (or sudo "
	    "-u %s ...)", arg, owner, me, owner, arg, owner);
}

/* tokenguard install --server PATH [--force] [--uninstall] */
static int
install_server(const struct opts *o)
{
	struct target t = { NULL, NULL, false, true, SERVER_PROGRAM };
	const char *name = NULL;
	bool gitolite = false;
	int rc = EXIT_TROUBLE;

	if (check_owner(o->server, o->server) != 0 ||
	    server_target(&t, &name, &gitolite, o->server) != 0 ||
	    check_owner(t.dir, o->server) != 0)
		goto out;
	if (o->uninstall) {
		rc = uninstall_one(t.dir, name);
	} else if (hook_program(&t.prog, SERVER_PROGRAM) == 0 &&
	    make_dirs(t.dir) == 0) {
		rc = install_one(&t, o, name);
	}
	if (rc == EXIT_CLEAN && gitolite)
		printf("tokenguard: gitolite links hooks/common into each "
		    "repository: run 'gitolite setup --hooks-only' now, as "
		    "this user (new repositories get it when gitolite "
		    "creates them)\n");
out:
	free(t.prog);
	free(t.dir);
	return rc;
}

/* Whether the hook file name in dir is tokenguard's script. */
static bool
ours_in(const char *dir, const char *name)
{
	char *path = cli_join3(dir, "/", name), *text = NULL;
	size_t len;
	bool ours;

	if (path == NULL || read_hook(&text, &len, path) != 0) {
		free(path);
		return false;
	}
	ours = is_ours(text);
	free(text);
	free(path);
	return ours;
}

/* Appends a copy of dir to *v unless it is there already. */
static int
add_dir(char ***v, size_t *n, const char *dir)
{
	char **nv, *copy;

	for (size_t i = 0; i < *n; i++) {
		if (strcmp((*v)[i], dir) == 0)
			return EXIT_CLEAN;
	}
	copy = strdup(dir);
	nv = copy != NULL ? realloc(*v, (*n + 1) * sizeof(*nv)) : NULL;
	if (nv == NULL) {
		free(copy);
		return cli_error("install: out of memory");
	}
	nv[*n] = copy;
	*v = nv;
	(*n)++;
	return EXIT_CLEAN;
}

/* Adds the hooks directory git uses in repo, when it differs. */
static int
add_repo_dir(char ***v, size_t *n, git_repository *repo, const char *what)
{
	struct err e = { 0 };
	char *dir = NULL;
	int rc;

	if (gitsrc_hooks_dir(&dir, repo, &e) < 0) {
		printf("tokenguard: note: %s: %s\n", what, e.msg);
		return EXIT_CLEAN;
	}
	rc = add_dir(v, n, dir);
	free(dir);
	return rc;
}

/*
 * The hooks directories of the repository's other worktrees, when they
 * differ from t->dir: a relative core.hooksPath names a directory in
 * each work tree, and git looks for hooks only in the one it commits in.
 * *v holds t->dir first. Worktrees that cannot be opened (moved or
 * deleted without 'git worktree prune') are mentioned and passed over.
 */
static int
worktree_dirs(char ***v, size_t *n, const char *first)
{
	git_repository *repo = NULL, *other = NULL;
	git_worktree *wt = NULL;
	git_strarray names = { NULL, 0 };
	struct err e = { 0 };
	int rc = EXIT_TROUBLE;

	if (add_dir(v, n, first) != EXIT_CLEAN)
		return EXIT_TROUBLE;
	if (gitsrc_open(&repo, &e) < 0)
		return cli_error("install: %s", e.msg);
	if (git_repository_is_worktree(repo) &&
	    git_repository_open(&other, git_repository_commondir(repo)) ==
	    0 && !git_repository_is_bare(other) &&
	    add_repo_dir(v, n, other, "the main worktree") != EXIT_CLEAN)
		goto out;
	git_repository_free(other);
	other = NULL;
	if (git_worktree_list(&names, repo) < 0) {
		git_fail("worktrees");
		goto out;
	}
	for (size_t i = 0; i < names.count; i++) {
		if (git_worktree_lookup(&wt, repo, names.strings[i]) < 0 ||
		    git_worktree_validate(wt) < 0 ||
		    git_repository_open_from_worktree(&other, wt) < 0) {
			printf("tokenguard: note: worktree '%s' could not be "
			    "opened ('git worktree prune'?): not installed "
			    "there\n", names.strings[i]);
		} else if (add_repo_dir(v, n, other, names.strings[i]) !=
		    EXIT_CLEAN) {
			goto out;
		}
		git_repository_free(other);
		other = NULL;
		git_worktree_free(wt);
		wt = NULL;
	}
	rc = EXIT_CLEAN;
out:
	git_repository_free(other);
	git_worktree_free(wt);
	git_strarray_dispose(&names);
	git_repository_free(repo);
	return rc;
}

/*
 * The directories the hooks go in: dir alone for a global install, else
 * dir in each worktree (worktree_dirs()).
 */
static int
hook_dirs(char ***v, size_t *n, const char *dir, bool global)
{
	if (global)
		return add_dir(v, n, dir);
	return worktree_dirs(v, n, dir);
}

/*
 * Keeps the file path (in the work tree workdir) out of commits with a
 * line in .git/info/exclude, unless git ignores it already: a per-clone
 * file that names tokenguard-pre-commit would, once committed, block the
 * commits of a teammate who does not have tokenguard.
 */
static int
exclude(const char *workdir, const char *path)
{
	git_repository *repo = NULL;
	struct err e = { 0 };
	git_buf info = { 0 };
	char *file = NULL;
	const char *rel;
	int ignored = 0, rc = EXIT_TROUBLE;
	FILE *f;

	if (workdir == NULL || strncmp(path, workdir, strlen(workdir)) != 0 ||
	    path[strlen(workdir)] != '/')
		return EXIT_CLEAN;
	rel = path + strlen(workdir) + 1;
	if (gitsrc_open(&repo, &e) < 0)
		return cli_error("install: %s", e.msg);
	if (git_ignore_path_is_ignored(&ignored, repo, rel) < 0) {
		git_fail(rel);
		goto out;
	}
	if (ignored != 0) {
		rc = EXIT_CLEAN;
		goto out;
	}
	if (git_repository_item_path(&info, repo, GIT_REPOSITORY_ITEM_INFO) <
	    0) {
		git_fail("info directory");
		goto out;
	}
	file = cli_join3(info.ptr, "exclude", "");
	if (file == NULL) {
		cli_error("install: out of memory");
		goto out;
	}
	if (make_dirs(info.ptr) != 0)
		goto out;
	f = fopen(file, "ae");
	if (f == NULL) {
		cli_error("install: cannot write '%s': %s", file,
		    strerror(errno));
		goto out;
	}
	fprintf(f, "# tokenguard install: this clone's own file\n/%s\n", rel);
	if (fclose(f) != 0) {
		cli_error("install: cannot write '%s': %s", file,
		    strerror(errno));
		goto out;
	}
	printf("tokenguard: added /%s to %s\n", rel, file);
	rc = EXIT_CLEAN;
out:
	free(file);
	git_buf_dispose(&info);
	git_repository_free(repo);
	return rc;
}

/*
 * A repository whose hooks a manager runs: tokenguard joins the manager
 * (managers.h) instead of writing into the hooks directory, where the
 * manager would drop it or stop running its own hook. A tokenguard hook
 * that an earlier install put there is taken out, and the manager's
 * hook it had renamed is put back.
 */
static int
with_manager(const struct manager *m, const struct target *t,
    const char *workdir, bool uninstall)
{
	int rc = EXIT_CLEAN;
	const int n = (int)(sizeof(HOOK_NAMES) / sizeof(*HOOK_NAMES));

	printf("tokenguard: this repository's hooks are run by %s (%s)\n",
	    m->name, m->why);
	for (int i = 0; i < n; i++) {
		if (ours_in(t->dir, HOOK_NAMES[i]) &&
		    uninstall_one(t->dir, HOOK_NAMES[i]) != 0)
			rc = EXIT_TROUBLE;
	}
	if (manager_install(m, workdir, HOOK_NAMES, n, uninstall) != 0)
		rc = EXIT_TROUBLE;
	if (rc == EXIT_CLEAN && !uninstall && m->kind == MANAGER_LEFTHOOK &&
	    m->config != NULL && access(m->config, F_OK) == 0 &&
	    exclude(workdir, m->config) != 0)
		rc = EXIT_TROUBLE;
	if (rc == EXIT_CLEAN && !uninstall && m->kind == MANAGER_HUSKY &&
	    strstr(t->dir, "/.husky") == NULL)
		printf("tokenguard: note: git does not run husky's hooks in "
		    "this clone yet (core.hooksPath is not .husky/_): 'npm "
		    "install' (husky's prepare script) or 'npx husky' sets "
		    "it up\n");
	return rc;
}

static int
parse_opts(struct opts *o, int argc, char **argv)
{
	int opt;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", OPTIONS, NULL)) != -1) {
		switch (opt) {
		case OPT_GLOBAL:
			o->global = true;
			break;
		case OPT_FORCE:
			o->force = true;
			break;
		case OPT_UNINSTALL:
			o->uninstall = true;
			break;
		case OPT_SERVER:
			o->server = optarg;
			break;
		case 'h':
			fputs(INSTALL_HELP, stdout);
			return fflush(stdout) == 0 ? EXIT_CLEAN : EXIT_TROUBLE;
		default:
			return cli_bad_option("install", opt, argv);
		}
	}
	if (optind < argc)
		return cli_usage("install", "install: unexpected argument "
		    "'%s'", argv[optind]);
	if (o->server != NULL && o->global)
		return cli_usage("install", "install: --server and --global "
		    "do not go together");
	if (o->force && o->uninstall)
		return cli_usage("install", "install: --force and --uninstall "
		    "do not go together");
	return -1;
}

/* Removes our default global directory when nothing else is in it. */
static void
remove_empty_dir(const char *dir)
{
	if (rmdir(dir) == 0)
		printf("tokenguard: removed %s\n", dir);
}

int
installcmd_run(int argc, char **argv)
{
	struct opts o;
	struct target t = { NULL, NULL, false, false, HOOK_PROGRAM };
	struct manager m = { MANAGER_NONE, NULL, NULL, NULL };
	char *global_dir = NULL, *configured = NULL, *workdir = NULL;
	char **dirs = NULL;
	size_t ndirs = 0;
	int rc;

	rc = parse_opts(&o, argc, argv);
	if (rc >= 0)
		return rc;
	if (o.server != NULL)
		return install_server(&o);
	rc = EXIT_TROUBLE;
	if (default_global_dir(&global_dir) != 0 && o.global)
		goto out;
	if (o.global) {
		if (global_hooks_path(&configured) != 0)
			goto out;
		t.dir = strdup(configured != NULL ? configured : global_dir);
		if (t.dir == NULL) {
			cli_error("install: out of memory");
			goto out;
		}
	} else if (repo_target(&t, &workdir) != 0) {
		goto out;
	} else if (manager_detect(&m, workdir, t.dir) != 0) {
		goto out;
	} else if (m.kind != MANAGER_NONE) {
		rc = with_manager(&m, &t, workdir, o.uninstall);
		goto out;
	}
	/* Our own global directory stands in for every .git/hooks. */
	t.passthrough = global_dir != NULL && strcmp(t.dir, global_dir) == 0;
	if (o.uninstall) {
		if (hook_dirs(&dirs, &ndirs, t.dir, o.global) != 0)
			goto out;
		rc = EXIT_CLEAN;
		for (size_t d = 0; d < ndirs; d++) {
			for (size_t i = 0; i < sizeof(HOOK_NAMES) /
			    sizeof(*HOOK_NAMES); i++) {
				if (uninstall_one(dirs[d], HOOK_NAMES[i]) != 0)
					rc = EXIT_TROUBLE;
			}
		}
		if (rc == EXIT_CLEAN && o.global && t.passthrough) {
			if (configured != NULL &&
			    set_global_hooks_path(NULL) != 0)
				rc = EXIT_TROUBLE;
			remove_empty_dir(t.dir);
		}
		goto out;
	}
	if (hook_program(&t.prog, HOOK_PROGRAM) != 0)
		goto out;
	if (hook_dirs(&dirs, &ndirs, t.dir, o.global) != 0)
		goto out;
	rc = EXIT_CLEAN;
	for (size_t d = 0; d < ndirs; d++) {
		struct target each = t;

		each.dir = dirs[d];
		if (make_dirs(each.dir) != 0) {
			rc = EXIT_TROUBLE;
			continue;
		}
		for (size_t i = 0; i < sizeof(HOOK_NAMES) / sizeof(*HOOK_NAMES);
		    i++) {
			if (install_one(&each, &o, HOOK_NAMES[i]) != 0)
				rc = EXIT_TROUBLE;
		}
	}
	if (ndirs > 1)
		printf("tokenguard: note: core.hooksPath is relative, so each "
		    "worktree has hooks of its own: installed in the %zu "
		    "there are now. After 'git worktree add', run 'tokenguard "
		    "install' in the new worktree too (or commit the hook "
		    "files, which find tokenguard-pre-commit in PATH)\n",
		    ndirs);
	if (rc == EXIT_CLEAN && o.global && configured == NULL) {
		rc = set_global_hooks_path(t.dir);
		if (rc == EXIT_CLEAN)
			printf("tokenguard: note: git now runs hooks from %s "
			    "in every repository; each repository's own "
			    "pre-commit and pre-merge-commit still run after "
			    "the check, its other hooks in .git/hooks do "
			    "not\n", t.dir);
	}
out:
	for (size_t d = 0; d < ndirs; d++)
		free(dirs[d]);
	free(dirs);
	manager_release(&m);
	free(workdir);
	free(t.prog);
	free(t.dir);
	free(configured);
	free(global_dir);
	return rc;
}
