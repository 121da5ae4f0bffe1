/*
 * managers: joining husky, lefthook and the pre-commit framework rather
 * than writing into a hooks directory that they own. Each of them
 * replaces or moves away a hook file it did not write (husky rewrites
 * .husky/_ on every 'npx husky'; lefthook moves a foreign hook to
 * <hook>.old whenever its config changes), so tokenguard goes where
 * each expects its users' commands: the user's hook files for husky,
 * the config file for lefthook. What install adds is marked, so that
 * installing again changes nothing and --uninstall removes just that.
 */
#include "managers.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fileio.h"
#include "filewrite.h"

/* Hook scripts and config files: anything bigger is not one. */
#define TEXT_MAX (1U << 20)

#define ADDED "# added by 'tokenguard install'"
#define HUSKY_LINE "tokenguard-pre-commit  " ADDED
#define BEGIN "# tokenguard-hook: begin "
#define END "# tokenguard-hook: end "

/* lefthook's config files, in the order lefthook 2 looks for them. */
static const char *const LEFTHOOK_FILES[] = {
	"lefthook.yml", ".lefthook.yml", "lefthook.yaml", ".lefthook.yaml",
	"lefthook.json", ".lefthook.json", "lefthook.jsonc", ".lefthook.jsonc",
	"lefthook.toml", ".lefthook.toml", ".config/lefthook.yml",
	".config/lefthook.yaml",
};

/*
 * Its per-clone file, merged over the main one: tokenguard goes there
 * (YAML), leaving the team's committed config alone.
 */
static const char *const LEFTHOOK_LOCAL[] = {
	"lefthook-local.yml", ".lefthook-local.yml", "lefthook-local.yaml",
	".lefthook-local.yaml", "lefthook-local.json", ".lefthook-local.json",
	"lefthook-local.jsonc", ".lefthook-local.jsonc", "lefthook-local.toml",
	".lefthook-local.toml", ".config/lefthook-local.yml",
	".config/lefthook-local.yaml",
};

/* What to add to .pre-commit-config.yaml, under repos:. */
static const char PRECOMMIT_LINES[] =
"  - repo: local\n"
"    hooks:\n"
"      - id: tokenguard\n"
"        name: tokenguard (npm token material)\n"
"        entry: tokenguard-pre-commit --files --\n"
"        language: system\n"
"        pass_filenames: true\n"
"        always_run: true\n"
"        require_serial: true\n"
"        verbose: true\n";

static bool
ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * Reads a small regular file whole. *out is NULL when there is no such
 * file; *mode receives its permission bits (0755 when absent).
 */
static int
read_text(char **out, size_t *len, mode_t *mode, const char *path)
{
	struct fileio_text f;
	struct err e = { 0 };

	*out = NULL;
	*len = 0;
	*mode = 0755;
	if (fileio_read(&f, AT_FDCWD, path, TEXT_MAX,
	    FILEIO_NOFOLLOW | FILEIO_MISSING_OK, &e) < 0)
		return cli_error("install: cannot read %s", e.msg);
	if (f.state == FILEIO_MISSING)
		return EXIT_CLEAN;
	if (f.state != FILEIO_READ)
		return cli_error("install: '%s': not a small regular file",
		    path);
	*out = f.data;
	*len = f.len;
	*mode = f.mode & 07777;
	return EXIT_CLEAN;
}

/* Opens *f, a stream into memory (open_memstream()) of *out and *olen. */
static int
new_stream(FILE **f, char **out, size_t *olen)
{
	*f = open_memstream(out, olen);
	if (*f == NULL)
		return cli_error("install: out of memory");
	return EXIT_CLEAN;
}

/*
 * Closes *f, an open_memstream() of *out and *olen, and sets it to NULL;
 * then, when write is true, replaces path with what it holds, with mode.
 */
static int
save_stream(FILE **f, char **out, size_t *olen, const char *path,
    mode_t mode, bool write)
{
	int rc = fclose(*f);

	*f = NULL;
	if (rc != 0)
		return cli_error("install: out of memory");
	if (!write)
		return EXIT_CLEAN;
	return cli_replace_file(path, *out, *olen, mode,
	    FILEWRITE_EXACT_MODE);
}

/* The line starting at p, without its newline: its length. */
static size_t
line_len(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl != NULL ? (size_t)(nl - p) : strlen(p);
}

/* The start of the line after the one at p, or the end of the text. */
static const char *
next_line(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl != NULL ? nl + 1 : p + strlen(p);
}

/* Whether a line other than a comment runs tokenguard-pre-commit. */
static bool
runs_tokenguard(const char *text)
{
	const char *p, *hit;
	size_t len;

	for (p = text; *p != '\0'; p = next_line(p)) {
		len = line_len(p);
		while (len > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		if (len == 0 || *p == '#')
			continue;
		hit = strstr(p, "tokenguard-pre-commit");
		if (hit != NULL && hit < p + len)
			return true;
	}
	return false;
}

static bool
file_has(const char *path, const char *needle)
{
	char *text = NULL;
	size_t len;
	mode_t mode;
	bool has;

	if (read_text(&text, &len, &mode, path) != EXIT_CLEAN ||
	    text == NULL)
		return false;
	has = strstr(text, needle) != NULL;
	free(text);
	return has;
}

/*
 * The local lefthook config to edit: the one there is, or a new
 * lefthook-local.yml; NULL when the one there is not YAML.
 */
static int
lefthook_local(char **out, const char *workdir)
{
	const size_t n = sizeof(LEFTHOOK_LOCAL) / sizeof(LEFTHOOK_LOCAL[0]);
	char *path;

	*out = NULL;
	for (size_t i = 0; i < n; i++) {
		path = cli_join3(workdir, "/", LEFTHOOK_LOCAL[i]);
		if (path == NULL)
			return cli_error("install: out of memory");
		if (access(path, F_OK) == 0) {
			if (strstr(LEFTHOOK_LOCAL[i], ".y") != NULL)
				*out = path;
			else
				free(path);
			return EXIT_CLEAN;
		}
		free(path);
	}
	*out = cli_join3(workdir, "/", LEFTHOOK_LOCAL[0]);
	return *out == NULL ? cli_error("install: out of memory") : EXIT_CLEAN;
}

int
manager_detect(struct manager *out, const char *workdir,
    const char *hooks_dir)
{
	char *path = NULL, *hook = NULL;
	const char *why = "";
	int rc = EXIT_TROUBLE;

	memset(out, 0, sizeof(*out));
	if (workdir == NULL)
		return EXIT_CLEAN;
	hook = cli_join3(hooks_dir, "/pre-commit", "");
	path = cli_join3(workdir, "/.husky", "");
	if (hook == NULL || path == NULL) {
		cli_error("install: out of memory");
		goto out;
	}
	if (strstr(hooks_dir, "/.husky/") != NULL ||
	    ends_with(hooks_dir, "/.husky")) {
		out->kind = MANAGER_HUSKY;
		why = "core.hooksPath points into .husky";
	} else if (is_dir(path)) {
		out->kind = MANAGER_HUSKY;
		why = "the work tree has a .husky directory";
	}
	for (size_t i = 0; out->kind == MANAGER_NONE &&
	    i < sizeof(LEFTHOOK_FILES) / sizeof(LEFTHOOK_FILES[0]); i++) {
		free(path);
		path = cli_join3(workdir, "/", LEFTHOOK_FILES[i]);
		if (path == NULL) {
			cli_error("install: out of memory");
			goto out;
		}
		if (access(path, F_OK) == 0) {
			out->kind = MANAGER_LEFTHOOK;
			why = LEFTHOOK_FILES[i];
		}
	}
	if (out->kind == MANAGER_NONE && file_has(hook, "lefthook")) {
		out->kind = MANAGER_LEFTHOOK;
		why = "the pre-commit hook is lefthook's";
	}
	if (out->kind == MANAGER_LEFTHOOK &&
	    lefthook_local(&out->config, workdir) != EXIT_CLEAN)
		goto out;
	free(path);
	path = cli_join3(workdir, "/.pre-commit-config.yaml", "");
	if (path == NULL) {
		cli_error("install: out of memory");
		goto out;
	}
	if (out->kind == MANAGER_NONE && access(path, F_OK) == 0) {
		out->kind = MANAGER_PRECOMMIT;
		why = ".pre-commit-config.yaml";
		out->config = path;
		path = NULL;
	} else if (out->kind == MANAGER_NONE &&
	    file_has(hook, "generated by pre-commit")) {
		out->kind = MANAGER_PRECOMMIT;
		why = "the pre-commit hook is the pre-commit framework's";
	}
	if (out->kind != MANAGER_NONE) {
		static const char *const names[] = {
			"", "husky", "lefthook", "the pre-commit framework",
		};

		out->name = names[out->kind];
		out->why = strdup(why);
		if (out->why == NULL) {
			cli_error("install: out of memory");
			goto out;
		}
	}
	rc = EXIT_CLEAN;
out:
	free(path);
	free(hook);
	if (rc != EXIT_CLEAN)
		manager_release(out);
	return rc;
}

void
manager_release(struct manager *m)
{
	free(m->why);
	free(m->config);
	memset(m, 0, sizeof(*m));
}

/*
 * Where the husky line goes: after a leading shebang, comments, blank
 * lines and ". file" lines (husky 4 to 8 source husky.sh there), so that
 * it runs before the user's commands, which may end with 'exit'.
 */
static size_t
husky_insert_at(const char *text)
{
	const char *p = text;

	while (*p != '\0' && (*p == '#' || *p == '\n' ||
	    strncmp(p, ". ", 2) == 0))
		p = next_line(p);
	return (size_t)(p - text);
}

/* Adds (or removes) the tokenguard line of one .husky/NAME file. */
static int
husky_one(const char *workdir, const char *name, bool uninstall)
{
	char *path = NULL, *text = NULL, *out = NULL;
	size_t len = 0, at, olen = 0;
	mode_t mode;
	int rc = EXIT_TROUBLE;
	FILE *f = NULL;

	path = cli_join3(workdir, "/.husky/", name);
	if (path == NULL)
		return cli_error("install: out of memory");
	if (read_text(&text, &len, &mode, path) != EXIT_CLEAN)
		goto out;
	if (new_stream(&f, &out, &olen) != EXIT_CLEAN)
		goto out;
	if (uninstall) {
		bool found = false;

		for (const char *p = text != NULL ? text : ""; *p != '\0';
		    p = next_line(p)) {
			if (line_len(p) == strlen(HUSKY_LINE) &&
			    strncmp(p, HUSKY_LINE, strlen(HUSKY_LINE)) == 0) {
				found = true;
				continue;
			}
			fwrite(p, 1, (size_t)(next_line(p) - p), f);
		}
		if (save_stream(&f, &out, &olen, path, mode, found) !=
		    EXIT_CLEAN)
			goto out;
		if (!found) {
			printf("tokenguard: %s: .husky/%s does not run "
			    "tokenguard\n", name, name);
			rc = EXIT_CLEAN;
			goto out;
		}
		printf("tokenguard: %s: removed tokenguard's line from "
		    ".husky/%s\n", name, name);
		rc = EXIT_CLEAN;
		goto out;
	}
	if (text != NULL && runs_tokenguard(text)) {
		(void)fclose(f);
		f = NULL;
		printf("tokenguard: %s: .husky/%s already runs "
		    "tokenguard-pre-commit\n", name, name);
		rc = EXIT_CLEAN;
		goto out;
	}
	if (text == NULL) {
		fputs("#!/bin/sh\n" HUSKY_LINE "\n", f);
	} else {
		at = husky_insert_at(text);
		fwrite(text, 1, at, f);
		if (at > 0 && text[at - 1] != '\n')
			fputc('\n', f);
		fputs(HUSKY_LINE "\n", f);
		fputs(text + at, f);
	}
	if (save_stream(&f, &out, &olen, path, mode, true) != EXIT_CLEAN)
		goto out;
	printf("tokenguard: %s: %s .husky/%s to run tokenguard-pre-commit "
	    "first\n", name, text != NULL ? "changed" : "created", name);
	rc = EXIT_CLEAN;
out:
	if (f != NULL)
		(void)fclose(f);
	free(out);
	free(text);
	free(path);
	return rc;
}

/* The lefthook block for hook name, between our markers. */
static void
lefthook_block(FILE *f, const char *name, const char *indent)
{
	fprintf(f, "%s" BEGIN "%s " ADDED "\n"
	    "%s%s:\n"
	    "%s  commands:\n"
	    "%s    tokenguard:\n"
	    "%s      run: tokenguard-pre-commit\n"
	    "%s" END "%s\n", indent, name, indent, name, indent, indent,
	    indent, indent, name);
}

/* The top-level key "name:" of a YAML text: the line, or NULL. */
static const char *
yaml_key(const char *text, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = text; *p != '\0'; p = next_line(p)) {
		if (strncmp(p, name, n) == 0 && p[n] == ':')
			return p;
	}
	return NULL;
}

/* Whether the top-level section at key runs tokenguard-pre-commit. */
static bool
section_runs_tokenguard(const char *key)
{
	const char *p, *hit;

	for (p = next_line(key); *p != '\0'; p = next_line(p)) {
		if (*p != ' ' && *p != '\t' && *p != '#' && *p != '\n')
			break;
		hit = strstr(p, "tokenguard-pre-commit");
		if (hit != NULL && hit < p + line_len(p))
			return true;
	}
	return false;
}

/* Removes every marked block; *found says whether there was one. */
static void
lefthook_strip(FILE *f, const char *text, bool *found)
{
	bool inside = false;

	*found = false;
	for (const char *p = text; *p != '\0'; p = next_line(p)) {
		if (strncmp(p, BEGIN, strlen(BEGIN)) == 0) {
			inside = true;
			*found = true;
			continue;
		}
		if (inside) {
			if (strncmp(p, END, strlen(END)) == 0)
				inside = false;
			continue;
		}
		fwrite(p, 1, (size_t)(next_line(p) - p), f);
	}
}

static int
lefthook_by_hand(const struct manager *m, const char *const *names,
    int nnames, const char *why)
{
	cli_error("install: this repository's hooks are run by lefthook "
	    "(%s), and %s: tokenguard was not installed. Add this to "
	    "lefthook-local.yml (or to the team's lefthook.yml), then run "
	    "'lefthook install':", m->why, why);
	for (int i = 0; i < nnames; i++)
		lefthook_block(stderr, names[i], "");
	return EXIT_TROUBLE;
}

static int
lefthook_install(const struct manager *m, const char *const *names,
    int nnames, bool uninstall)
{
	char *text = NULL, *out = NULL;
	size_t len = 0, olen = 0;
	mode_t mode;
	bool found = false, changed = false;
	int rc = EXIT_TROUBLE;
	FILE *f = NULL;

	if (m->config == NULL) {
		if (uninstall) {
			printf("tokenguard: lefthook's local config is not "
			    "YAML: remove tokenguard from it by hand\n");
			return EXIT_CLEAN;
		}
		return lefthook_by_hand(m, names, nnames,
		    "its local config is not YAML (only YAML is edited)");
	}
	if (read_text(&text, &len, &mode, m->config) != EXIT_CLEAN)
		goto out;
	if (text == NULL) {
		text = strdup("");
		if (text == NULL) {
			cli_error("install: out of memory");
			goto out;
		}
		mode = 0644;
		if (uninstall) {
			printf("tokenguard: there is no %s\n", m->config);
			rc = EXIT_CLEAN;
			goto out;
		}
	}
	if (new_stream(&f, &out, &olen) != EXIT_CLEAN)
		goto out;
	if (uninstall) {
		lefthook_strip(f, text, &found);
		changed = found;
	} else {
		fputs(text, f);
		for (int i = 0; i < nnames; i++) {
			const char *key = yaml_key(text, names[i]);

			if (key != NULL && section_runs_tokenguard(key)) {
				printf("tokenguard: %s: %s already runs "
				    "tokenguard-pre-commit\n", names[i],
				    m->config);
				continue;
			}
			if (key != NULL) {
				(void)fclose(f);
				f = NULL;
				rc = lefthook_by_hand(m, names + i, 1,
				    "it has a section for this hook already");
				goto out;
			}
			if (!changed && len > 0 && text[len - 1] != '\n')
				fputc('\n', f);
			lefthook_block(f, names[i], "");
			changed = true;
			printf("tokenguard: %s: added a tokenguard command to "
			    "%s\n", names[i], m->config);
		}
	}
	if (save_stream(&f, &out, &olen, m->config, mode, changed) !=
	    EXIT_CLEAN)
		goto out;
	if (uninstall)
		printf("tokenguard: %s\n", found ? "removed tokenguard's "
		    "commands from lefthook's config" : "lefthook's config "
		    "has no tokenguard commands of tokenguard install's");
	else if (changed)
		printf("tokenguard: note: now run 'lefthook install' (or 'npx "
		    "lefthook install') so that lefthook installs its "
		    "pre-commit and pre-merge-commit hooks; %s is this clone's "
		    "own file (keep it out of commits)\n", m->config);
	rc = EXIT_CLEAN;
out:
	if (f != NULL)
		(void)fclose(f);
	free(out);
	free(text);
	return rc;
}

static int
precommit_install(const struct manager *m, bool uninstall)
{
	bool listed = m->config != NULL && file_has(m->config,
	    "tokenguard-pre-commit");

	if (uninstall) {
		if (listed)
			printf("tokenguard: note: .pre-commit-config.yaml "
			    "still lists tokenguard: remove it there\n");
		return EXIT_CLEAN;
	}
	if (listed) {
		printf("tokenguard: .pre-commit-config.yaml already runs "
		    "tokenguard-pre-commit; make sure both hook types are "
		    "installed:\n"
		    "    pre-commit install --hook-type pre-commit "
		    "--hook-type pre-merge-commit\n");
		return EXIT_CLEAN;
	}
	cli_error("install: this repository's hooks are run by the "
	    "pre-commit framework (%s): tokenguard was not installed, so "
	    "that the framework's hook keeps running. Add this under "
	    "'repos:' in .pre-commit-config.yaml (or use tokenguard's "
	    ".pre-commit-hooks.yaml, see docs/pre-commit.md):", m->why);
	fputs(PRECOMMIT_LINES, stderr);
	fputs("then run:\n"
	    "    pre-commit install --hook-type pre-commit --hook-type "
	    "pre-merge-commit\n", stderr);
	return EXIT_TROUBLE;
}

int
manager_install(const struct manager *m, const char *workdir,
    const char *const *names, int nnames, bool uninstall)
{
	int rc = EXIT_CLEAN;

	switch (m->kind) {
	case MANAGER_HUSKY:
		for (int i = 0; i < nnames; i++) {
			if (husky_one(workdir, names[i], uninstall) !=
			    EXIT_CLEAN)
				rc = EXIT_TROUBLE;
		}
		return rc;
	case MANAGER_LEFTHOOK:
		return lefthook_install(m, names, nnames, uninstall);
	case MANAGER_PRECOMMIT:
		return precommit_install(m, uninstall);
	case MANAGER_NONE:
	default:
		return EXIT_CLEAN;
	}
}
