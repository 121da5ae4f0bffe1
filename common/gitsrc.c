/*
 * gitsrc: the repository a hook or command works on, opened as git opens
 * it from the environment (GIT_DIR, GIT_WORK_TREE, core.worktree,
 * discovery), and the paths git derives from it: the index a commit
 * records, the hooks directory, the object format. The rest of the
 * module is split by source: gitobjects.c (object directories, reading
 * objects), gitindex.c (the index file), gitstaged.c and gitrenames.c
 * (what the index stages), gitdiff.c (the same, listed by git),
 * gitcommits.c and githistory.c (what new commits add); gitsrcint.h is
 * what they share.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gitsrcint.h"

int
gitsrc_absolute(char **out, const char *path, struct err *e)
{
	char *cwd;

	if (path[0] == '/') {
		*out = strdup(path);
		return *out == NULL ? err_set(e, "out of memory") : 0;
	}
	cwd = getcwd(NULL, 0);
	if (cwd == NULL)
		return err_errno(e, "current directory");
	*out = strbuf_join3(cwd, strcmp(cwd, "/") == 0 ? "" : "/", path);
	free(cwd);
	return *out == NULL ? err_set(e, "out of memory") : 0;
}

/* The string value of key in repo's config, malloc'd; NULL when unset. */
static int
config_string(char **out, git_repository *repo, const char *key,
    struct err *e)
{
	git_config *cfg = NULL;
	git_buf buf = { 0 };
	int rc = -1, grc;

	*out = NULL;
	if (git_repository_config_snapshot(&cfg, repo) < 0)
		return git_err(e, "repository config");
	grc = git_config_get_string_buf(&buf, cfg, key);
	if (grc == GIT_ENOTFOUND) {
		rc = 0;
		goto out;
	}
	if (grc < 0) {
		git_err(e, "repository config");
		goto out;
	}
	*out = strdup(buf.ptr);
	if (*out == NULL) {
		err_set(e, "out of memory");
		goto out;
	}
	rc = 0;
out:
	git_buf_dispose(&buf);
	git_config_free(cfg);
	return rc;
}

/* True when the two paths name the same existing directory. */
static bool
same_dir(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * Makes dir (relative to the current directory) repo's work tree. Only
 * when it is not already: libgit2 1.5 leaks a buffer when asked to set
 * the work tree it has.
 */
static int
set_work_tree(git_repository *repo, const char *dir, struct err *e)
{
	const char *have = git_repository_workdir(repo);
	char *real = realpath(dir, NULL);
	size_t len;
	int rc = 0;

	if (real == NULL)
		return err_errno(e, "work tree '%s'", dir);
	len = strlen(real);
	if (have == NULL || strncmp(have, real, len) != 0 ||
	    strcmp(have + len, len > 1 ? "/" : "") != 0) {
		if (git_repository_set_workdir(repo, real, 0) < 0)
			rc = git_err(e, "work tree");
	}
	free(real);
	return rc;
}

static int
open_error(const char *where, struct err *e)
{
	return err_set(e, "cannot open the git repository at '%s': %s", where,
	    git_msg());
}

int
gitsrc_open(git_repository **out, struct err *e)
{
	const char *gitdir = env("GIT_DIR");
	const char *worktree = env("GIT_WORK_TREE");
	const char *common = env("GIT_COMMON_DIR");
	const char *across = env("GIT_DISCOVERY_ACROSS_FILESYSTEM");
	git_repository *repo = NULL;
	char *cwd = NULL, *core_wt = NULL;
	unsigned flags = 0;
	int across_fs = 0, grc, rc = -1;

	cwd = getcwd(NULL, 0);
	if (cwd == NULL)
		return err_errno(e, "current directory");
	if (gitdir != NULL) {
		/* GIT_DIR names the git directory itself, never a work tree. */
		if (git_repository_open_ext(&repo, gitdir,
		    GIT_REPOSITORY_OPEN_NO_SEARCH |
		    GIT_REPOSITORY_OPEN_NO_DOTGIT, NULL) < 0) {
			open_error(gitdir, e);
			goto out;
		}
		if (worktree == NULL && !git_repository_is_bare(repo)) {
			if (config_string(&core_wt, repo, "core.worktree",
			    e) < 0)
				goto out;
			if (core_wt == NULL)
				worktree = cwd;
		}
	} else {
		if (across != NULL && git_config_parse_bool(&across_fs,
		    across) == 0 && across_fs != 0)
			flags |= GIT_REPOSITORY_OPEN_CROSS_FS;
		grc = git_repository_open_ext(&repo, cwd, flags,
		    env("GIT_CEILING_DIRECTORIES"));
		if (grc == GIT_ENOTFOUND) {
			err_set(e, "not in a git repository: '%s' (or any of "
			    "its parents)", cwd);
			goto out;
		}
		if (grc < 0) {
			open_error(cwd, e);
			goto out;
		}
	}
	if (worktree != NULL && set_work_tree(repo, worktree, e) < 0)
		goto out;
	if (common != NULL &&
	    !same_dir(common, git_repository_commondir(repo))) {
		err_set(e, "GIT_COMMON_DIR '%s' is not the common directory "
		    "of '%s' (%s); unset it", common, git_repository_path(repo),
		    git_repository_commondir(repo));
		goto out;
	}
	if (gitobjects_add_env(repo, e) < 0)
		goto out;
	*out = repo;
	repo = NULL;
	rc = 0;
out:
	free(core_wt);
	free(cwd);
	git_repository_free(repo);
	return rc;
}

int
gitsrc_index_path(char **out, git_repository *repo, struct err *e)
{
	const char *v = env("GIT_INDEX_FILE");
	git_buf buf = { 0 };
	int rc;

	if (v != NULL)
		return gitsrc_absolute(out, v, e);
	if (git_repository_item_path(&buf, repo,
	    GIT_REPOSITORY_ITEM_INDEX) < 0)
		return git_err(e, "index");
	rc = gitsrc_absolute(out, buf.ptr, e);
	git_buf_dispose(&buf);
	return rc;
}

int
gitsrc_hooks_dir(char **out, git_repository *repo, struct err *e)
{
	git_config *cfg = NULL;
	git_buf buf = { 0 };
	const char *base;
	char *joined = NULL;
	size_t len;
	int rc = -1, grc;

	if (git_repository_config_snapshot(&cfg, repo) < 0)
		return git_err(e, "repository config");
	grc = git_config_get_path(&buf, cfg, "core.hooksPath");
	if (grc < 0 && grc != GIT_ENOTFOUND) {
		git_err(e, "config 'core.hooksPath'");
		goto out;
	}
	if (grc == GIT_ENOTFOUND || buf.ptr == NULL || buf.ptr[0] == '\0') {
		git_buf_dispose(&buf);
		if (git_repository_item_path(&buf, repo,
		    GIT_REPOSITORY_ITEM_HOOKS) < 0) {
			git_err(e, "hooks directory");
			goto out;
		}
		joined = strdup(buf.ptr);
	} else if (buf.ptr[0] == '/') {
		joined = strdup(buf.ptr);
	} else {
		/* Hooks run in the work tree root (the git dir if bare). */
		base = git_repository_workdir(repo);
		if (base == NULL)
			base = git_repository_path(repo);
		len = strlen(base);
		joined = strbuf_join3(base,
		    len > 0 && base[len - 1] == '/' ? "" : "/", buf.ptr);
	}
	if (joined == NULL) {
		err_set(e, "out of memory");
		goto out;
	}
	len = strlen(joined);
	while (len > 1 && joined[len - 1] == '/')
		joined[--len] = '\0';
	*out = joined;
	joined = NULL;
	rc = 0;
out:
	free(joined);
	git_buf_dispose(&buf);
	git_config_free(cfg);
	return rc;
}

bool
gitsrc_is_sha256(const char *gitdir)
{
	git_config *cfg = NULL;
	git_buf buf = { 0 };
	char *path;
	bool sha256 = false;

	path = concat(gitdir, "/config");
	if (path == NULL)
		return false;
	if (git_config_open_ondisk(&cfg, path) == 0 &&
	    git_config_get_string_buf(&buf, cfg,
	    "extensions.objectformat") == 0)
		sha256 = strcasecmp(buf.ptr, "sha1") != 0;
	git_buf_dispose(&buf);
	git_config_free(cfg);
	free(path);
	return sha256;
}
