/*
 * gitobjects: where a repository's objects are read from, and reading
 * them. The object directories that the environment adds (the receive
 * quarantine, GIT_OBJECT_DIRECTORY, GIT_ALTERNATE_OBJECT_DIRECTORIES)
 * join the repository's, each behind a guard against truncated loose
 * objects (odbguard.h); object sizes come from headers, and blobs are
 * read whole, unfiltered.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gitsrcint.h"
#include "odbguard.h"

static int
add_alternate(git_odb *odb, struct odbguard *g, const char *dir,
    const char *var, struct err *e)
{
	char *abs = NULL;
	struct stat st;
	char what[ERR_MAX / 2];
	int rc = -1;

	if (gitsrc_absolute(&abs, dir, e) < 0)
		return -1;
	/*
	 * libgit2 quietly skips a directory that is not there; objects a
	 * hook must see would then be missing without a word.
	 */
	if (stat(abs, &st) < 0) {
		err_errno(e, "%s '%s'", var, dir);
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		err_set(e, "%s '%s': not a directory", var, dir);
		goto out;
	}
	(void)snprintf(what, sizeof(what), "%s '%s'", var, dir);
	if (git_odb_add_disk_alternate(odb, abs) < 0) {
		git_err(e, what);
		goto out;
	}
	rc = odbguard_dir(g, abs, e);
out:
	free(abs);
	return rc;
}

/*
 * Unquotes one C-quoted entry of GIT_ALTERNATE_OBJECT_DIRECTORIES
 * starting after the opening '"' at *p; *p is left after the entry.
 * git writes such entries when a path holds ':' or '"'.
 */
static int
unquote(char **out, const char **p, struct err *e)
{
	/* Pairs of an escape letter and the byte it stands for. */
	static const char ESCAPES[] = "a\ab\bf\fn\nr\rt\tv\v\\\\\"\"";
	const char *s = *p, *esc;
	size_t n = 0;
	char *buf;
	bool ok = true;

	*out = NULL;
	buf = malloc(strlen(s) + 1);
	if (buf == NULL)
		return err_set(e, "out of memory");
	while (ok && *s != '"') {
		unsigned char c = (unsigned char)*s++;

		if (c != '\\') {
			buf[n++] = (char)c;
			ok = c != '\0';
			continue;
		}
		c = (unsigned char)*s++;
		esc = c != '\0' ? strchr(ESCAPES, c) : NULL;
		if (esc != NULL && (esc - ESCAPES) % 2 == 0) {
			buf[n++] = esc[1];
			continue;
		}
		/* Three octal digits, the first 0 to 3. */
		ok = c >= '0' && c <= '3' && s[0] >= '0' && s[0] <= '7' &&
		    s[1] >= '0' && s[1] <= '7';
		if (ok) {
			buf[n++] = (char)(((c - '0') << 6) |
			    ((s[0] - '0') << 3) | (s[1] - '0'));
			s += 2;
		}
	}
	if (!ok) {
		free(buf);
		return err_set(e, "GIT_ALTERNATE_OBJECT_DIRECTORIES: bad "
		    "quoting");
	}
	buf[n] = '\0';
	*p = s + 1;
	*out = buf;
	return 0;
}

static int
add_alternates(git_odb *odb, struct odbguard *g, const char *list,
    struct err *e)
{
	const char *p = list, *end;
	char *dir = NULL;
	int rc;

	while (*p != '\0') {
		if (*p == ':') {
			p++;
			continue;
		}
		if (*p == '"') {
			p++;
			if (unquote(&dir, &p, e) < 0)
				return -1;
		} else {
			end = strchr(p, ':');
			if (end == NULL)
				end = p + strlen(p);
			dir = strndup(p, (size_t)(end - p));
			if (dir == NULL)
				return err_set(e, "out of memory");
			p = end;
		}
		rc = add_alternate(odb, g, dir,
		    "GIT_ALTERNATE_OBJECT_DIRECTORIES", e);
		free(dir);
		dir = NULL;
		if (rc < 0)
			return -1;
	}
	return 0;
}

/*
 * Has g read the loose objects of the repository's object directory and
 * of those its objects/info/alternates names (one level; a relative
 * entry is relative to the object directory).
 */
static int
guard_repo_objects(struct odbguard *g, git_repository *repo,
    struct err *e)
{
	char line[4096];
	char *objects, *list = NULL, *dir;
	FILE *f = NULL;
	size_t n;
	int rc = -1;

	objects = concat(git_repository_commondir(repo), "objects");
	if (objects == NULL || (list = concat(objects,
	    "/info/alternates")) == NULL) {
		err_set(e, "out of memory");
		goto out;
	}
	if (odbguard_dir(g, objects, e) < 0)
		goto out;
	f = fopen(list, "re");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		n = strcspn(line, "\r\n");
		line[n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		if (line[0] == '/') {
			rc = odbguard_dir(g, line, e);
		} else {
			dir = strbuf_join3(objects, "/", line);
			rc = dir != NULL ? odbguard_dir(g, dir, e) :
			    err_set(e, "out of memory");
			free(dir);
		}
		if (rc < 0)
			goto out;
	}
	rc = 0;
out:
	if (f != NULL)
		fclose(f);
	free(list);
	free(objects);
	return rc;
}

int
gitobjects_add_env(git_repository *repo, struct err *e)
{
	git_odb *odb = NULL;
	struct odbguard *g = NULL;
	const char *v;
	int rc = -1;

	if (git_repository_odb(&odb, repo) < 0)
		return git_err(e, "object database");
	if (odbguard_add(&g, odb, e) < 0 || guard_repo_objects(g, repo, e) < 0)
		goto out;
	v = env("GIT_QUARANTINE_PATH");
	if (v != NULL && add_alternate(odb, g, v, "GIT_QUARANTINE_PATH",
	    e) < 0)
		goto out;
	v = env("GIT_OBJECT_DIRECTORY");
	if (v != NULL && add_alternate(odb, g, v, "GIT_OBJECT_DIRECTORY",
	    e) < 0)
		goto out;
	v = env("GIT_ALTERNATE_OBJECT_DIRECTORIES");
	if (v != NULL && add_alternates(odb, g, v, e) < 0)
		goto out;
	rc = 0;
out:
	git_odb_free(odb);
	return rc;
}

int
gitsrc_object_size(uint64_t *out, git_repository *repo, const git_oid *id,
    struct err *e)
{
	git_odb *odb = NULL;
	git_object_t type;
	size_t len;
	int rc;

	if (git_repository_odb(&odb, repo) < 0)
		return git_err(e, "object database");
	rc = git_odb_read_header(&len, &type, odb, id) < 0 ?
	    obj_err(e, "object", id) : 0;
	git_odb_free(odb);
	if (rc == 0)
		*out = len;
	return rc;
}

int
gitsrc_blob(git_blob **out, git_repository *repo, const git_oid *id,
    struct err *e)
{
	if (git_blob_lookup(out, repo, id) < 0)
		return obj_err(e, "blob", id);
	return 0;
}
