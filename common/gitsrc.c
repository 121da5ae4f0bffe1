/*
 * gitsrc: repositories opened as git opens them, staged changes, blobs.
 * libgit2 does the work; this module knows the git facts that libgit2
 * 1.5 leaves to its caller (the environment of hooks, core.hooksPath,
 * indexes it cannot read).
 */
#include "gitsrc.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <spawn.h>
#include <unistd.h>

#include <git2/sys/hashsig.h>

#include "odbguard.h"

/* The id of the empty tree, which git knows without storing it. */
#define EMPTY_TREE "4b825dc642cb6eb9a060e54bf8d69288fbee4904"

/*
 * `git diff --cached --raw` prints about 100 bytes per changed path;
 * this is far more than any index holds, and caps a runaway child.
 */
#define LISTING_MAX (1024u << 20)

extern char **environ;

/* Sets e from libgit2's last error, prefixed with what was being done. */
static int
git_err(struct err *e, const char *what)
{
	const git_error *ge = git_error_last();

	return err_set(e, "%s: %s", what,
	    ge != NULL && ge->message != NULL ? ge->message : "libgit2 error");
}

/* getenv() that treats an empty value as unset, as git does. */
static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* a + b, malloc'd; NULL when out of memory. */
static char *
concat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);

	if (s == NULL)
		return NULL;
	memcpy(s, a, la);
	memcpy(s + la, b, lb + 1);
	return s;
}

/*
 * path made absolute against the current directory, without resolving
 * links (git does not either); malloc'd.
 */
static int
absolute(char **out, const char *path, struct err *e)
{
	char *cwd, *tmp;

	if (path[0] == '/') {
		*out = strdup(path);
		return *out == NULL ? err_set(e, "out of memory") : 0;
	}
	cwd = getcwd(NULL, 0);
	if (cwd == NULL)
		return err_errno(e, "current directory");
	tmp = concat(cwd, strcmp(cwd, "/") == 0 ? "" : "/");
	free(cwd);
	if (tmp == NULL)
		return err_set(e, "out of memory");
	*out = concat(tmp, path);
	free(tmp);
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

static int
add_alternate(git_odb *odb, struct odbguard *g, const char *dir,
    const char *var, struct err *e)
{
	char *abs = NULL;
	struct stat st;
	char what[ERR_MAX / 2];
	int rc = -1;

	if (absolute(&abs, dir, e) < 0)
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
			char *rel = concat("/", line);

			dir = rel != NULL ? concat(objects, rel) : NULL;
			free(rel);
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

/*
 * The object directories the environment adds (the receive quarantine),
 * and a guard in front of every object directory (odbguard.h).
 */
static int
add_env_objects(git_repository *repo, struct err *e)
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
	const git_error *ge = git_error_last();

	return err_set(e, "cannot open the git repository at '%s': %s", where,
	    ge != NULL && ge->message != NULL ? ge->message : "libgit2 error");
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
	if (add_env_objects(repo, e) < 0)
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
		return absolute(out, v, e);
	if (git_repository_item_path(&buf, repo,
	    GIT_REPOSITORY_ITEM_INDEX) < 0)
		return git_err(e, "index");
	rc = absolute(out, buf.ptr, e);
	git_buf_dispose(&buf);
	return rc;
}

int
gitsrc_head_tree(git_tree **out, git_repository *repo, struct err *e)
{
	git_object *obj = NULL;
	int rc;

	rc = git_repository_head_unborn(repo);
	if (rc < 0)
		return git_err(e, "HEAD");
	if (rc == 1) {
		*out = NULL;
		return 0;
	}
	if (git_revparse_single(&obj, repo, "HEAD^{tree}") < 0)
		return git_err(e, "HEAD");
	*out = (git_tree *)obj;
	return 0;
}

/* What collecting MERGE_HEAD's trees needs. */
struct merge_trees {
	git_repository *repo;
	git_tree **v;
	size_t n;
	struct err *e;
	bool failed;
};

static int
add_merge_tree(const git_oid *id, void *payload)
{
	struct merge_trees *m = payload;
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	git_tree **nv;

	m->failed = true;
	if (git_commit_lookup(&commit, m->repo, id) < 0)
		return git_err(m->e, "MERGE_HEAD");
	if (git_commit_tree(&tree, commit) < 0) {
		git_commit_free(commit);
		return git_err(m->e, "MERGE_HEAD");
	}
	git_commit_free(commit);
	nv = realloc(m->v, (m->n + 1) * sizeof(*nv));
	if (nv == NULL) {
		git_tree_free(tree);
		return err_set(m->e, "out of memory");
	}
	nv[m->n++] = tree;
	m->v = nv;
	m->failed = false;
	return 0;
}

/*
 * Adds the commit that word names, if it names one: otherwise fewer
 * findings are pre-existing, never more.
 */
static int
add_named_merge(struct merge_trees *m, const char *word)
{
	git_object *obj = NULL, *commit = NULL;
	int rc = 0;

	if (git_revparse_single(&obj, m->repo, word) == 0 &&
	    git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) == 0)
		rc = add_merge_tree(git_object_id(commit), m);
	if (rc == 0)
		git_error_clear();
	git_object_free(commit);
	git_object_free(obj);
	return rc;
}

/* Adds the commits that GIT_REFLOG_ACTION "merge A B ..." names. */
static int
add_reflog_merges(struct merge_trees *m, const char *action)
{
	const char *p = action + strlen("merge");
	char word[1024];
	size_t len;

	for (p += strspn(p, " "); *p != '\0'; p += strspn(p, " ")) {
		len = strcspn(p, " ");
		if (len < sizeof(word)) {
			memcpy(word, p, len);
			word[len] = '\0';
			if (add_named_merge(m, word) < 0)
				return -1;
		}
		p += len;
	}
	return 0;
}

static int
add_fetch_merge(const char *ref, const char *url, const git_oid *id,
    unsigned int is_merge, void *payload)
{
	(void)ref;
	(void)url;
	if (is_merge == 0)
		return 0;
	return add_merge_tree(id, payload);
}

int
gitsrc_merge_trees(git_tree ***out, size_t *n, git_repository *repo,
    struct err *e)
{
	struct merge_trees m = { repo, NULL, 0, e, false };
	const char *action = env("GIT_REFLOG_ACTION");
	int rc;

	rc = git_repository_mergehead_foreach(repo, add_merge_tree, &m);
	if (rc == GIT_ENOTFOUND && !m.failed && action != NULL) {
		/*
		 * No MERGE_HEAD: git merge runs pre-merge-commit before it
		 * writes one, but puts its commit arguments in
		 * GIT_REFLOG_ACTION; git pull leaves "pull ..." there and
		 * the commits to merge in FETCH_HEAD.
		 */
		git_error_clear();
		rc = 0;
		if (strncmp(action, "merge ", 6) == 0) {
			rc = add_reflog_merges(&m, action);
		} else if (strncmp(action, "pull", 4) == 0 &&
		    (action[4] == ' ' || action[4] == '\0')) {
			rc = git_repository_fetchhead_foreach(repo,
			    add_fetch_merge, &m);
			if (rc == GIT_ENOTFOUND && !m.failed)
				rc = 0;
		}
	}
	if (m.failed || (rc < 0 && rc != GIT_ENOTFOUND)) {
		if (!m.failed)
			git_err(e, "MERGE_HEAD");
		gitsrc_trees_free(m.v, m.n);
		return -1;
	}
	*out = m.v;
	*n = m.n;
	return 0;
}

void
gitsrc_trees_free(git_tree **trees, size_t n)
{
	for (size_t i = 0; i < n; i++)
		git_tree_free(trees[i]);
	free(trees);
}

/*
 * The index file (Documentation/gitformat-index.txt in git): a header,
 * the entries sorted by path and stage, extensions, and the SHA-1 of
 * everything before it.
 */
#define INDEX_HEADER 12
#define INDEX_HASH 20
#define ENTRY_FIXED 62		/* stat data, mode, id, flags */
#define FLAG_EXTENDED 0x4000
#define FLAG_STAGE_SHIFT 12
#define FLAG_NAME_MASK 0x0fff
#define EXT_INTENT_TO_ADD 0x2000
#define CTREE_DEPTH_MAX 4096
/* A bigger index is not something a commit hook can be handed. */
#define INDEX_MAX (UINT32_MAX - 1ULL)

/* Inexact rename pairing limits (see GITSRC_RENAMES). */
#define RENAME_LIMIT 1000
#define RENAME_BLOB_MAX (8u << 20)
#define RENAME_SCORE 50
#define RENAME_BYTES_MAX (256u << 20)	/* read for signatures, in all */

/*
 * One index entry. Its id stays in the mapped file (at): copying 20
 * bytes per entry up front costs more than the few lookups need.
 */
struct ientry {
	const char *path;	/* NUL-terminated */
	uint32_t len;
	uint32_t at;		/* the entry's offset in the file */
	uint32_t mode;
	uint8_t stage;
	bool ita;		/* intent to add: not committed */
};

/* One node of the cache tree (the TREE extension). */
struct ctree {
	const char *name;	/* path component, not NUL-terminated */
	size_t len;
	long count;		/* index entries below; -1 when invalid */
	git_oid id;		/* their tree, when valid */
	size_t *sub;		/* indexes of the children in nodes */
	size_t nsub;
};

struct gitsrc_index {
	char *path;
	char *buf;		/* the file, mapped */
	size_t size;
	char *names;		/* version 4: the expanded paths */
	struct ientry *e;	/* mapped, populated: see map_file() */
	size_t n, e_size;
	struct ctree *nodes;	/* root first; none without a cache tree */
	size_t nnodes, ncap;
	bool unsupported;	/* refused for its format, not corruption */
};

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static unsigned
be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static int
corrupt(struct gitsrc_index *ix, const char *why, struct err *e)
{
	return err_set(e, "cannot read the index '%s': %s", ix->path, why);
}

/* A valid index in a form this reader does not know; git may. */
static int
unknown(struct gitsrc_index *ix, const char *why, struct err *e)
{
	ix->unsupported = true;
	return corrupt(ix, why, e);
}

/*
 * Maps the index file. MAP_POPULATE maps its pages in one go: faulting
 * them in one by one, or copying them into fresh memory, costs more than
 * everything else the hook does with a big index.
 */
static int
map_file(struct gitsrc_index *ix, bool *missing, struct err *e)
{
	struct stat st;
	void *map;
	int fd, rc = -1;

	*missing = false;
	fd = open(ix->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT) {
		*missing = true;
		return 0;
	}
	if (fd < 0)
		return err_errno(e, "cannot read the index '%s'", ix->path);
	if (fstat(fd, &st) < 0) {
		err_errno(e, "cannot read the index '%s'", ix->path);
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > INDEX_MAX) {
		corrupt(ix, S_ISREG(st.st_mode) ? "too big" :
		    "not a regular file", e);
		goto out;
	}
	if (st.st_size < INDEX_HEADER + INDEX_HASH) {
		corrupt(ix, "too short", e);
		goto out;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ,
	    MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (map == MAP_FAILED) {
		err_errno(e, "cannot read the index '%s'", ix->path);
		goto out;
	}
	ix->buf = map;
	ix->size = (size_t)st.st_size;
	rc = 0;
out:
	close(fd);
	return rc;
}

/* git's varint of index version 4 (offset encoding). */
static int
varint(size_t *out, const unsigned char **p, const unsigned char *end)
{
	const unsigned char *s = *p;
	size_t v;

	if (s >= end)
		return -1;
	v = *s & 0x7f;
	while ((*s++ & 0x80) != 0) {
		if (s >= end || v > (SIZE_MAX >> 8))
			return -1;
		v = ((v + 1) << 7) | (*s & 0x7f);
	}
	*p = s;
	*out = v;
	return 0;
}

/* Makes room for want bytes in the version 4 path arena. */
static int
names_grow(struct gitsrc_index *ix, size_t *cap, size_t want)
{
	size_t ncap = *cap == 0 ? 65536 : *cap;
	char *nv;

	if (want <= *cap) {
		assert(ix->names != NULL);
		return 0;
	}
	while (ncap < want) {
		if (ncap > SIZE_MAX / 2)
			return -1;
		ncap *= 2;
	}
	nv = realloc(ix->names, ncap);
	if (nv == NULL)
		return -1;
	ix->names = nv;
	*cap = ncap;
	return 0;
}

/* Paths and stages strictly increase, as git writes them. */
static bool
in_order(const struct ientry *a, const struct ientry *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->path, b->path, n);

	if (c != 0)
		return c < 0;
	if (a->len != b->len)
		return a->len < b->len;
	return a->stage < b->stage;
}

/* What parsing the entries carries from one to the next. */
struct entries {
	unsigned version;
	size_t *offs;		/* version 4: path offsets in names */
	size_t used, cap;	/* version 4: the names arena */
	size_t prev_off, prev_len;	/* version 4: the previous path */
};

/*
 * The path of a version 4 entry at *name: strip bytes of the previous
 * path are dropped, then the NUL-terminated rest follows. *name is left
 * after it.
 */
static int
path_v4(struct gitsrc_index *ix, struct entries *st, size_t i,
    const unsigned char **name, const unsigned char *end, size_t *len,
    struct err *e)
{
	const unsigned char *nul;
	size_t strip, keep, rest;

	if (varint(&strip, name, end) < 0 || strip > st->prev_len)
		return corrupt(ix, "bad path compression", e);
	nul = memchr(*name, '\0', (size_t)(end - *name));
	if (nul == NULL)
		return corrupt(ix, "truncated path", e);
	keep = st->prev_len - strip;
	rest = (size_t)(nul - *name);
	*len = keep + rest;
	if (names_grow(ix, &st->cap, st->used + *len + 1) < 0)
		return err_set(e, "out of memory");
	memcpy(ix->names + st->used, ix->names + st->prev_off, keep);
	memcpy(ix->names + st->used + keep, *name, rest + 1);
	st->offs[i] = st->used;
	st->prev_off = st->used;
	st->prev_len = *len;
	st->used += *len + 1;
	*name = nul + 1;
	return 0;
}

/*
 * The path of a version 2 or 3 entry starting at p, whose name starts
 * hdr bytes in; the entry is padded with 1 to 8 NULs to a multiple of 8
 * bytes. *next is the next entry.
 */
static int
path_v2(struct gitsrc_index *ix, struct ientry *en, const unsigned char *p,
    size_t hdr, unsigned flags, const unsigned char *end,
    const unsigned char **next, struct err *e)
{
	const unsigned char *name = p + hdr, *nul;
	size_t len = flags & FLAG_NAME_MASK, size;

	if (len == FLAG_NAME_MASK) {
		nul = memchr(name, '\0', (size_t)(end - name));
		if (nul == NULL)
			return corrupt(ix, "truncated path", e);
		len = (size_t)(nul - name);
	}
	size = (hdr + len + 8) & ~(size_t)7;
	if ((size_t)(end - p) < size || name[len] != '\0')
		return corrupt(ix, "truncated entry", e);
	en->path = (const char *)name;
	en->len = (uint32_t)len;
	*next = p + size;
	return 0;
}

/*
 * Parses the entries. *soft is set to what is wrong with entries that a
 * split index may have (empty paths, for entries kept in the shared
 * index): whether that is corruption depends on the extensions.
 */
static int
parse_entries(struct gitsrc_index *ix, const char **soft, unsigned version,
    const unsigned char **pos, const unsigned char *end, struct err *e)
{
	struct entries st = { version, NULL, 0, 0, 0, 0 };
	const unsigned char *p = *pos, *name;
	int rc = -1;

	if (version == 4) {
		st.offs = calloc(ix->n > 0 ? ix->n : 1, sizeof(*st.offs));
		if (st.offs == NULL)
			return err_set(e, "out of memory");
	}
	for (size_t i = 0; i < ix->n; i++) {
		struct ientry *en = &ix->e[i];
		size_t hdr = ENTRY_FIXED;
		unsigned flags, ext = 0;

		if ((size_t)(end - p) < ENTRY_FIXED + 1) {
			corrupt(ix, "truncated entry", e);
			goto out;
		}
		en->at = (uint32_t)(p - (const unsigned char *)ix->buf);
		en->mode = be32(p + 24);
		flags = be16(p + 60);
		if ((flags & FLAG_EXTENDED) != 0) {
			if (version < 3) {
				corrupt(ix, "extended flags in version 2", e);
				goto out;
			}
			ext = be16(p + 62);
			hdr += 2;
		}
		en->stage = (uint8_t)((flags >> FLAG_STAGE_SHIFT) & 3);
		en->ita = (ext & EXT_INTENT_TO_ADD) != 0;
		if (version == 4) {
			size_t len = 0;

			name = p + hdr;
			if (path_v4(ix, &st, i, &name, end, &len, e) < 0)
				goto out;
			en->len = (uint32_t)len;
			p = name;
		} else if (path_v2(ix, en, p, hdr, flags, end, &p, e) < 0) {
			goto out;
		}
		/* Only a split index has these: decided by its extensions. */
		if (en->len == 0 && *soft == NULL)
			*soft = "empty path";
		if ((en->mode & S_IFMT) == S_IFDIR) {
			unknown(ix, "sparse directory entry (a sparse index)",
			    e);
			goto out;
		}
	}
	for (size_t i = 0; version == 4 && i < ix->n; i++)
		ix->e[i].path = ix->names + st.offs[i];
	for (size_t i = 1; i < ix->n && *soft == NULL; i++) {
		if (!in_order(&ix->e[i - 1], &ix->e[i]))
			*soft = "entries out of order";
	}
	*pos = p;
	rc = 0;
out:
	free(st.offs);
	return rc;
}

/* Parses one cache-tree node and its children; *idx is its index. */
static int
parse_ctree(struct gitsrc_index *ix, size_t *idx, const unsigned char **pos,
    const unsigned char *end, unsigned depth, struct err *e)
{
	const unsigned char *p = *pos, *nul, *nl;
	struct ctree *node, *nv;
	long count;
	unsigned long nsub;
	char *num_end;
	size_t me;

	if (depth > CTREE_DEPTH_MAX)
		return corrupt(ix, "cache tree too deep", e);
	nul = memchr(p, '\0', (size_t)(end - p));
	if (nul == NULL)
		return corrupt(ix, "bad cache tree", e);
	nl = memchr(nul + 1, '\n', (size_t)(end - nul - 1));
	if (nl == NULL)
		return corrupt(ix, "bad cache tree", e);
	/* "COUNT SUBTREES\n", both decimal; COUNT is -1 when invalid. */
	errno = 0;
	count = strtol((const char *)nul + 1, &num_end, 10);
	if (errno != 0 || *num_end != ' ' || count < -1)
		return corrupt(ix, "bad cache tree", e);
	nsub = strtoul(num_end + 1, &num_end, 10);
	if (errno != 0 || num_end != (const char *)nl ||
	    nsub > (unsigned long)(end - p))
		return corrupt(ix, "bad cache tree", e);
	p = nl + 1;
	if (ix->nnodes == ix->ncap) {
		size_t cap = ix->ncap == 0 ? 256 : ix->ncap * 2;

		nv = realloc(ix->nodes, cap * sizeof(*nv));
		if (nv == NULL)
			return err_set(e, "out of memory");
		ix->nodes = nv;
		ix->ncap = cap;
	}
	me = ix->nnodes++;
	node = &ix->nodes[me];
	memset(node, 0, sizeof(*node));
	node->name = (const char *)*pos;
	node->len = (size_t)(nul - *pos);
	node->count = count;
	if (count >= 0) {
		if ((size_t)(end - p) < GIT_OID_RAWSZ)
			return corrupt(ix, "bad cache tree", e);
		git_oid_fromraw(&node->id, p);
		p += GIT_OID_RAWSZ;
	}
	if (nsub > 0) {
		node->sub = calloc(nsub, sizeof(*node->sub));
		if (node->sub == NULL)
			return err_set(e, "out of memory");
	}
	for (unsigned long i = 0; i < nsub; i++) {
		size_t child;

		if (parse_ctree(ix, &child, &p, end, depth + 1, e) < 0)
			return -1;
		/* The array may have moved. */
		ix->nodes[me].sub[i] = child;
		ix->nodes[me].nsub++;
	}
	*pos = p;
	*idx = me;
	return 0;
}

static int
parse_extensions(struct gitsrc_index *ix, const unsigned char *p,
    const unsigned char *end, struct err *e)
{
	char why[ERR_MAX / 4];

	while (p < end) {
		const unsigned char *data;
		uint32_t len;
		size_t root;

		if ((size_t)(end - p) < 8)
			return corrupt(ix, "truncated extension", e);
		len = be32(p + 4);
		data = p + 8;
		if (len > (size_t)(end - data))
			return corrupt(ix, "truncated extension", e);
		if (memcmp(p, "TREE", 4) == 0 && len > 0) {
			const unsigned char *q = data;

			if (ix->nodes != NULL)
				return corrupt(ix, "two cache trees", e);
			if (parse_ctree(ix, &root, &q, data + len, 0, e) < 0)
				return -1;
			if (q != data + len)
				return corrupt(ix, "bad cache tree", e);
		} else if (p[0] < 'A' || p[0] > 'Z') {
			/* Lowercase: an extension a reader must understand. */
			(void)snprintf(why, sizeof(why), "unsupported "
			    "extension '%.4s'%s", (const char *)p,
			    memcmp(p, "link", 4) == 0 ? " (a split index)" :
			    memcmp(p, "sdir", 4) == 0 ? " (a sparse index)" :
			    "");
			return unknown(ix, why, e);
		}
		p = data + len;
	}
	return 0;
}

static int
parse_index(struct gitsrc_index *ix, struct err *e)
{
	const unsigned char *p = (const unsigned char *)ix->buf, *end;
	const char *soft = NULL;
	unsigned version;
	uint32_t count;

	if (ix->size < INDEX_HEADER + INDEX_HASH ||
	    memcmp(ix->buf, "DIRC", 4) != 0)
		return corrupt(ix, "not an index file", e);
	version = be32(p + 4);
	if (version < 2 || version > 4)
		return unknown(ix, "unsupported version", e);
	count = be32(p + 8);
	end = p + ix->size - INDEX_HASH;
	if (count > (ix->size - INDEX_HEADER) / (ENTRY_FIXED + 2))
		return corrupt(ix, "bad entry count", e);
	ix->n = count;
	ix->e_size = (count > 0 ? count : 1) * sizeof(*ix->e);
	ix->e = mmap(NULL, ix->e_size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (ix->e == MAP_FAILED) {
		ix->e = NULL;
		return err_set(e, "out of memory");
	}
	p += INDEX_HEADER;
	if (parse_entries(ix, &soft, version, &p, end, e) < 0 ||
	    parse_extensions(ix, p, end, e) < 0)
		return -1;
	if (soft != NULL)
		return corrupt(ix, soft, e);
	return 0;
}

int
gitsrc_index_open(struct gitsrc_index **out, bool *unsupported,
    const char *path, struct err *e)
{
	struct gitsrc_index *ix;
	bool missing;

	*unsupported = false;
	ix = calloc(1, sizeof(*ix));
	if (ix == NULL)
		return err_set(e, "out of memory");
	ix->path = strdup(path);
	if (ix->path == NULL) {
		free(ix);
		return err_set(e, "out of memory");
	}
	if (map_file(ix, &missing, e) < 0 ||
	    (!missing && parse_index(ix, e) < 0)) {
		*unsupported = ix->unsupported;
		gitsrc_index_free(ix);
		return -1;
	}
	*out = ix;
	return 0;
}

void
gitsrc_index_free(struct gitsrc_index *ix)
{
	if (ix == NULL)
		return;
	for (size_t i = 0; i < ix->nnodes; i++)
		free(ix->nodes[i].sub);
	free(ix->nodes);
	if (ix->e != NULL)
		(void)munmap(ix->e, ix->e_size);
	free(ix->names);
	if (ix->buf != NULL)
		(void)munmap(ix->buf, ix->size);
	free(ix->path);
	free(ix);
}

size_t
gitsrc_index_count(const struct gitsrc_index *ix)
{
	return ix->n;
}

/* A change found by the walk; deleted paths are kept for renames. */
struct change {
	char status;		/* an enum gitsrc_status, or 'D' */
	const char *path;	/* index paths borrowed; deleted ones owned */
	git_oid id;
	uint32_t mode;
	const struct change *source;	/* the rename source */
	git_oid old_id;
	uint32_t old_mode;
	bool paired;		/* deleted: used as a rename source */
};

struct changes {
	struct change *v;
	size_t n, cap;
};

/* What the walk of index and tree carries along. */
struct walk {
	git_repository *repo;
	const struct gitsrc_index *ix;
	struct changes found;	/* added, modified, type-changed */
	struct changes gone;	/* deleted, when renames are wanted */
	bool want_gone;
	char *prefix;		/* the directory being walked, with '/' */
	size_t plen, pcap;
	struct err *e;
};

#define STATUS_DELETED 'D'

static struct change *
changes_add(struct changes *c, struct err *e)
{
	struct change *nv;

	if (c->n == c->cap) {
		size_t cap = c->cap == 0 ? 64 : c->cap * 2;

		nv = realloc(c->v, cap * sizeof(*nv));
		if (nv == NULL) {
			err_set(e, "out of memory");
			return NULL;
		}
		c->v = nv;
		c->cap = cap;
	}
	memset(&c->v[c->n], 0, sizeof(c->v[c->n]));
	return &c->v[c->n++];
}

/* Appends name and "/" to the walk's prefix; returns the old length. */
static int
prefix_push(struct walk *w, const char *name, size_t len, size_t *old)
{
	size_t want = w->plen + len + 2;
	char *nv;

	if (want > w->pcap) {
		size_t cap = w->pcap == 0 ? 256 : w->pcap;

		while (cap < want)
			cap *= 2;
		nv = realloc(w->prefix, cap);
		if (nv == NULL)
			return err_set(w->e, "out of memory");
		w->prefix = nv;
		w->pcap = cap;
	}
	assert(w->prefix != NULL);
	*old = w->plen;
	memcpy(w->prefix + w->plen, name, len);
	w->plen += len;
	w->prefix[w->plen++] = '/';
	w->prefix[w->plen] = '\0';
	return 0;
}

static void
prefix_pop(struct walk *w, size_t old)
{
	w->plen = old;
	if (w->prefix != NULL)
		w->prefix[old] = '\0';
}

/* git's order of names in a tree: a directory sorts as "name/". */
static int
name_cmp(const char *a, size_t al, bool adir, const char *b, size_t bl,
    bool bdir)
{
	size_t n = al < bl ? al : bl;
	int c = memcmp(a, b, n);
	unsigned ca, cb;

	if (c != 0)
		return c;
	ca = n < al ? (unsigned char)a[n] : adir ? '/' : 0;
	cb = n < bl ? (unsigned char)b[n] : bdir ? '/' : 0;
	return (int)ca - (int)cb;
}

static bool
is_blob_mode(uint32_t mode)
{
	return mode == GIT_FILEMODE_BLOB ||
	    mode == GIT_FILEMODE_BLOB_EXECUTABLE || mode == GIT_FILEMODE_LINK;
}

static int
tree_err(struct walk *w, const char *name, size_t len)
{
	const git_error *ge = git_error_last();

	return err_set(w->e, "tree '%s%.*s': %s", w->prefix != NULL ?
	    w->prefix : "", (int)len, name, ge != NULL && ge->message != NULL ?
	    ge->message : "libgit2 error");
}

/* Records every blob below tree (at the walk's prefix) as deleted. */
static int
walk_gone(struct walk *w, git_tree *tree)
{
	size_t nt = git_tree_entrycount(tree), old;

	for (size_t k = 0; k < nt; k++) {
		const git_tree_entry *te = git_tree_entry_byindex(tree, k);
		const char *name = git_tree_entry_name(te);
		uint32_t mode = (uint32_t)git_tree_entry_filemode(te);
		struct change *c;
		git_tree *sub = NULL;
		int rc;

		if (mode == GIT_FILEMODE_TREE) {
			if (git_tree_lookup(&sub, w->repo,
			    git_tree_entry_id(te)) < 0)
				return tree_err(w, name, strlen(name));
			if (prefix_push(w, name, strlen(name), &old) < 0) {
				git_tree_free(sub);
				return -1;
			}
			rc = walk_gone(w, sub);
			prefix_pop(w, old);
			git_tree_free(sub);
			if (rc < 0)
				return -1;
			continue;
		}
		if (!is_blob_mode(mode))
			continue;
		c = changes_add(&w->gone, w->e);
		if (c == NULL)
			return -1;
		c->status = STATUS_DELETED;
		c->path = concat(w->prefix != NULL ? w->prefix : "", name);
		if (c->path == NULL) {
			w->gone.n--;
			return err_set(w->e, "out of memory");
		}
		git_oid_cpy(&c->old_id, git_tree_entry_id(te));
		c->old_mode = mode;
	}
	return 0;
}

/* The id of an index entry, from the mapped file. */
static void
entry_id(git_oid *out, const struct gitsrc_index *ix,
    const struct ientry *en)
{
	git_oid_fromraw(out, (const unsigned char *)ix->buf + en->at + 40);
}

/* One index entry that the tree does not have. */
static int
entry_added(struct walk *w, const struct ientry *en)
{
	struct change *c;

	if (en->stage != 0 || en->ita)
		return 0;
	c = changes_add(&w->found, w->e);
	if (c == NULL)
		return -1;
	c->status = GITSRC_ADDED;
	c->path = en->path;
	entry_id(&c->id, w->ix, en);
	c->mode = en->mode;
	return 0;
}

/* One index entry at the path of a tree blob. */
static int
entry_changed(struct walk *w, const struct ientry *en,
    const git_tree_entry *te)
{
	uint32_t mode = (uint32_t)git_tree_entry_filemode(te);
	struct change *c;
	git_oid id;

	entry_id(&id, w->ix, en);
	if (en->mode == mode && git_oid_equal(&id, git_tree_entry_id(te)))
		return 0;
	c = changes_add(&w->found, w->e);
	if (c == NULL)
		return -1;
	c->status = (en->mode & S_IFMT) == (mode & S_IFMT) ?
	    GITSRC_MODIFIED : GITSRC_TYPECHANGE;
	c->path = en->path;
	git_oid_cpy(&c->id, &id);
	c->mode = en->mode;
	git_oid_cpy(&c->old_id, git_tree_entry_id(te));
	c->old_mode = mode;
	return 0;
}

/* One tree blob that the index does not have. */
static int
blob_gone(struct walk *w, const git_tree_entry *te)
{
	uint32_t mode = (uint32_t)git_tree_entry_filemode(te);
	const char *name = git_tree_entry_name(te);
	struct change *c;

	if (!w->want_gone || !is_blob_mode(mode))
		return 0;
	c = changes_add(&w->gone, w->e);
	if (c == NULL)
		return -1;
	c->status = STATUS_DELETED;
	c->path = concat(w->prefix != NULL ? w->prefix : "", name);
	if (c->path == NULL) {
		w->gone.n--;
		return err_set(w->e, "out of memory");
	}
	git_oid_cpy(&c->old_id, git_tree_entry_id(te));
	c->old_mode = mode;
	return 0;
}

/* The child of cache-tree node ct named name, or NULL. */
static const struct ctree *
ctree_child(const struct gitsrc_index *ix, const struct ctree *ct,
    const char *name, size_t len)
{
	size_t lo = 0, hi;

	if (ct == NULL)
		return NULL;
	/* git keeps children sorted by length, then bytes. */
	hi = ct->nsub;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ctree *c = &ix->nodes[ct->sub[mid]];
		int cmp;

		if (c->len != len)
			cmp = c->len < len ? -1 : 1;
		else
			cmp = memcmp(c->name, name, len);
		if (cmp == 0)
			return c;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Whether entry en (below the walk's prefix) is below prefix + name. */
static bool
in_group(const struct walk *w, const struct ientry *en, const char *name,
    size_t len)
{
	size_t base = w->plen;

	return en->len > base + len &&
	    memcmp(en->path + base, name, len) == 0 &&
	    en->path[base + len] == '/';
}

/*
 * The end of the run of entries from lo (< hi, itself in the run) below
 * the directory prefix + name: taken from a valid cache-tree node when
 * it checks out, else found by bisection (the run is contiguous).
 */
static size_t
group_end(const struct walk *w, size_t lo, size_t hi, const char *name,
    size_t len, const struct ctree *ct)
{
	const struct ientry *e = w->ix->e;

	if (ct != NULL && ct->count > 0 && (size_t)ct->count <= hi - lo) {
		size_t end = lo + (size_t)ct->count;

		if (in_group(w, &e[end - 1], name, len) &&
		    (end == hi || !in_group(w, &e[end], name, len)))
			return end;
	}
	lo++;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (in_group(w, &e[mid], name, len))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int walk_dir(struct walk *w, git_tree *tree, const struct ctree *ct,
    size_t lo, size_t hi);

/* A directory of the index: recurse with its subtree (may be NULL). */
static int
walk_sub(struct walk *w, const char *name, size_t len, const git_oid *tid,
    const struct ctree *ct, size_t lo, size_t hi)
{
	git_tree *sub = NULL;
	const struct ctree *cct = ctree_child(w->ix, ct, name, len);
	size_t old;
	int rc;

	/* Unchanged as git will commit it: not even read. */
	if (tid != NULL && cct != NULL && cct->count >= 0 &&
	    (size_t)cct->count == hi - lo && git_oid_equal(&cct->id, tid))
		return 0;
	if (tid != NULL && git_tree_lookup(&sub, w->repo, tid) < 0)
		return tree_err(w, name, len);
	if (prefix_push(w, name, len, &old) < 0) {
		git_tree_free(sub);
		return -1;
	}
	rc = walk_dir(w, sub, cct, lo, hi);
	prefix_pop(w, old);
	git_tree_free(sub);
	return rc;
}

/* Every index entry in [lo, hi) is added. */
static int
all_added(struct walk *w, size_t lo, size_t hi)
{
	for (size_t i = lo; i < hi; i++) {
		if (entry_added(w, &w->ix->e[i]) < 0)
			return -1;
	}
	return 0;
}

/*
 * Merges the index entries [lo, hi), all below the walk's prefix, with
 * tree (NULL: none), one directory level at a time.
 */
static int
walk_dir(struct walk *w, git_tree *tree, const struct ctree *ct, size_t lo,
    size_t hi)
{
	const struct ientry *e = w->ix->e;
	size_t nt = tree != NULL ? git_tree_entrycount(tree) : 0;
	size_t i = lo, k = 0, base = w->plen;

	while (i < hi || k < nt) {
		const git_tree_entry *te = NULL;
		const char *iname = NULL, *tname = NULL, *slash;
		size_t ilen = 0, tlen = 0, j = i;
		bool idir = false, tdir = false;
		int cmp;

		if (i < hi) {
			iname = e[i].path + base;
			slash = memchr(iname, '/', e[i].len - base);
			idir = slash != NULL;
			ilen = idir ? (size_t)(slash - iname) : e[i].len - base;
		}
		if (k < nt) {
			te = git_tree_entry_byindex(tree, k);
			tname = git_tree_entry_name(te);
			tlen = strlen(tname);
			tdir = git_tree_entry_filemode(te) == GIT_FILEMODE_TREE;
		}
		if (i >= hi)
			cmp = 1;
		else if (k >= nt)
			cmp = -1;
		else
			cmp = name_cmp(iname, ilen, idir, tname, tlen, tdir);
		if (cmp <= 0) {
			if (idir) {
				j = group_end(w, i, hi, iname, ilen,
				    ctree_child(w->ix, ct, iname, ilen));
			} else {
				/* Every stage of one path. */
				j = i + 1;
				while (j < hi && e[j].len == e[i].len &&
				    memcmp(e[j].path, e[i].path, e[i].len) == 0)
					j++;
			}
		}
		if (cmp < 0) {
			if (idir ? all_added(w, i, j) < 0 :
			    entry_added(w, &e[i]) < 0)
				return -1;
			i = j;
		} else if (cmp > 0) {
			if (tdir && w->want_gone) {
				git_tree *sub = NULL;
				size_t old;
				int rc;

				if (git_tree_lookup(&sub, w->repo,
				    git_tree_entry_id(te)) < 0)
					return tree_err(w, tname, tlen);
				if (prefix_push(w, tname, tlen, &old) < 0) {
					git_tree_free(sub);
					return -1;
				}
				rc = walk_gone(w, sub);
				prefix_pop(w, old);
				git_tree_free(sub);
				if (rc < 0)
					return -1;
			} else if (!tdir && blob_gone(w, te) < 0) {
				return -1;
			}
			k++;
		} else {
			if (idir) {
				if (walk_sub(w, iname, ilen,
				    git_tree_entry_id(te), ct, i, j) < 0)
					return -1;
			} else if (e[i].stage == 0 && !e[i].ita &&
			    entry_changed(w, &e[i], te) < 0) {
				return -1;
			}
			/* An unmerged path is neither added nor deleted. */
			i = j;
			k++;
		}
	}
	return 0;
}

/* Orders deleted paths by blob id, for exact renames. */
static int
cmp_gone_id(const void *a, const void *b)
{
	const struct change *x = *(const struct change *const *)a;
	const struct change *y = *(const struct change *const *)b;
	int c = git_oid_cmp(&x->old_id, &y->old_id);

	if (c != 0)
		return c;
	return strcmp(x->path, y->path);
}

static bool
rename_kind_ok(uint32_t a, uint32_t b)
{
	return (a == GIT_FILEMODE_LINK) == (b == GIT_FILEMODE_LINK);
}

/* Same blob, added and deleted: a rename without an edit. */
static int
pair_exact(struct walk *w, struct err *e)
{
	struct change **gone;
	size_t n = w->gone.n;

	gone = malloc(n * sizeof(*gone));
	if (gone == NULL)
		return err_set(e, "out of memory");
	for (size_t i = 0; i < n; i++)
		gone[i] = &w->gone.v[i];
	qsort(gone, n, sizeof(*gone), cmp_gone_id);
	for (size_t i = 0; i < w->found.n; i++) {
		struct change *c = &w->found.v[i];
		size_t lo = 0, hi = n;

		if (c->status != GITSRC_ADDED || !is_blob_mode(c->mode))
			continue;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (git_oid_cmp(&gone[mid]->old_id, &c->id) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < n && git_oid_equal(&gone[lo]->old_id, &c->id);
		    lo++) {
			if (gone[lo]->paired ||
			    !rename_kind_ok(gone[lo]->old_mode, c->mode))
				continue;
			gone[lo]->paired = true;
			c->status = GITSRC_RENAMED;
			c->source = gone[lo];
			break;
		}
	}
	free(gone);
	return 0;
}

/* A candidate rename and its similarity. */
struct pair {
	size_t added, gone;
	int score;
};

static int
cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->added != y->added)
		return x->added < y->added ? -1 : 1;
	if (x->gone != y->gone)
		return x->gone < y->gone ? -1 : 1;
	return 0;
}

/*
 * The similarity signature of a blob, or NULL for one that is empty,
 * too big, or that libgit2 cannot sign.
 */
static int
signature(git_hashsig **out, uint64_t *budget, git_repository *repo,
    const git_oid *id, struct err *e)
{
	git_blob *blob = NULL;
	uint64_t size;

	*out = NULL;
	if (gitsrc_object_size(&size, repo, id, e) < 0)
		return -1;
	if (size == 0 || size > RENAME_BLOB_MAX || size > *budget)
		return 0;
	*budget -= size;
	if (gitsrc_blob(&blob, repo, id, e) < 0)
		return -1;
	if (git_hashsig_create(out, git_blob_rawcontent(blob),
	    (size_t)git_blob_rawsize(blob), GIT_HASHSIG_SMART_WHITESPACE |
	    GIT_HASHSIG_ALLOW_SMALL_FILES) < 0) {
		*out = NULL;
		git_error_clear();
	}
	git_blob_free(blob);
	return 0;
}

/* Content at least RENAME_SCORE% similar: a rename with edits. */
static int
pair_similar(struct walk *w, struct err *e)
{
	size_t *added = NULL, *gone = NULL, na = 0, ng = 0, np = 0;
	git_hashsig **sa = NULL, **sg = NULL;
	struct pair *pairs = NULL;
	uint64_t budget = RENAME_BYTES_MAX;
	int rc = -1;

	for (size_t i = 0; i < w->found.n; i++)
		na += w->found.v[i].status == GITSRC_ADDED &&
		    is_blob_mode(w->found.v[i].mode);
	for (size_t i = 0; i < w->gone.n; i++)
		ng += !w->gone.v[i].paired;
	if (na == 0 || ng == 0 || na > RENAME_LIMIT || ng > RENAME_LIMIT)
		return 0;
	added = calloc(na, sizeof(*added));
	gone = calloc(ng, sizeof(*gone));
	sa = calloc(na, sizeof(*sa));
	sg = calloc(ng, sizeof(*sg));
	pairs = calloc(na * ng, sizeof(*pairs));
	if (added == NULL || gone == NULL || sa == NULL || sg == NULL ||
	    pairs == NULL) {
		err_set(e, "out of memory");
		goto out;
	}
	na = ng = 0;
	for (size_t i = 0; i < w->found.n; i++) {
		if (w->found.v[i].status == GITSRC_ADDED &&
		    is_blob_mode(w->found.v[i].mode))
			added[na++] = i;
	}
	for (size_t i = 0; i < w->gone.n; i++) {
		if (!w->gone.v[i].paired)
			gone[ng++] = i;
	}
	for (size_t i = 0; i < na; i++) {
		if (signature(&sa[i], &budget, w->repo,
		    &w->found.v[added[i]].id, e) < 0)
			goto out;
	}
	for (size_t i = 0; i < ng; i++) {
		if (signature(&sg[i], &budget, w->repo,
		    &w->gone.v[gone[i]].old_id, e) < 0)
			goto out;
	}
	for (size_t i = 0; i < na; i++) {
		for (size_t k = 0; k < ng; k++) {
			int score;

			if (sa[i] == NULL || sg[k] == NULL ||
			    !rename_kind_ok(w->found.v[added[i]].mode,
			    w->gone.v[gone[k]].old_mode))
				continue;
			score = git_hashsig_compare(sa[i], sg[k]);
			if (score < RENAME_SCORE)
				continue;
			pairs[np].added = added[i];
			pairs[np].gone = gone[k];
			pairs[np].score = score;
			np++;
		}
	}
	qsort(pairs, np, sizeof(*pairs), cmp_pair);
	for (size_t i = 0; i < np; i++) {
		struct change *c = &w->found.v[pairs[i].added];
		struct change *g = &w->gone.v[pairs[i].gone];

		if (c->status != GITSRC_ADDED || g->paired)
			continue;
		g->paired = true;
		c->status = GITSRC_RENAMED;
		c->source = g;
	}
	rc = 0;
out:
	for (size_t i = 0; sa != NULL && i < na; i++)
		git_hashsig_free(sa[i]);
	for (size_t i = 0; sg != NULL && i < ng; i++)
		git_hashsig_free(sg[i]);
	free(sa);
	free(sg);
	free(pairs);
	free(gone);
	free(added);
	return rc;
}

static void
walk_release(struct walk *w)
{
	for (size_t i = 0; i < w->gone.n; i++)
		free((char *)w->gone.v[i].path);
	free(w->gone.v);
	free(w->found.v);
	free(w->prefix);
}

int
gitsrc_staged(git_repository *repo, git_tree *tree,
    const struct gitsrc_index *index, unsigned flags, gitsrc_change_fn *fn,
    void *payload, struct err *e)
{
	struct walk w;
	const struct ctree *root;
	int rc = -1;

	memset(&w, 0, sizeof(w));
	w.repo = repo;
	w.ix = index;
	w.want_gone = (flags & GITSRC_RENAMES) != 0;
	w.e = e;
	root = index->nnodes > 0 ? &index->nodes[0] : NULL;
	/* The whole index as HEAD has it: nothing staged. */
	if (tree != NULL && root != NULL && root->count >= 0 &&
	    (size_t)root->count == index->n &&
	    git_oid_equal(&root->id, git_tree_id(tree))) {
		rc = 0;
		goto out;
	}
	if (walk_dir(&w, tree, root, 0, index->n) < 0)
		goto out;
	/* The released paths are rebuilt when they need to be. */
	if (w.want_gone && w.gone.n > 0 && (pair_exact(&w, e) < 0 ||
	    pair_similar(&w, e) < 0))
		goto out;
	for (size_t i = 0; i < w.found.n; i++) {
		const struct change *c = &w.found.v[i];
		struct gitsrc_change out;

		memset(&out, 0, sizeof(out));
		out.status = (enum gitsrc_status)c->status;
		out.path = c->path;
		git_oid_cpy(&out.id, &c->id);
		out.mode = c->mode;
		if (c->status == GITSRC_RENAMED) {
			out.old_path = c->source->path;
			git_oid_cpy(&out.old_id, &c->source->old_id);
			out.old_mode = c->source->old_mode;
		} else if (c->status != GITSRC_ADDED) {
			out.old_path = c->path;
			git_oid_cpy(&out.old_id, &c->old_id);
			out.old_mode = c->old_mode;
		}
		rc = fn(&out, payload);
		if (rc != 0)
			goto out;
	}
	rc = 0;
out:
	walk_release(&w);
	return rc;
}
/* A copy of environ with name=value in place of any name=... entry. */
static char **
env_with(const char *name, const char *value)
{
	size_t n = 0, len = strlen(name), k = 0;
	char **v, *entry;

	while (environ[n] != NULL)
		n++;
	v = calloc(n + 2, sizeof(*v));
	entry = malloc(len + 1 + strlen(value) + 1);
	if (v == NULL || entry == NULL) {
		free(v);
		free(entry);
		return NULL;
	}
	memcpy(entry, name, len);
	entry[len] = '=';
	memcpy(entry + len + 1, value, strlen(value) + 1);
	for (size_t i = 0; i < n; i++) {
		if (strncmp(environ[i], name, len) == 0 &&
		    environ[i][len] == '=')
			continue;
		v[k++] = environ[i];
	}
	v[k++] = entry;
	v[k] = NULL;
	return v;
}

/* Frees an env_with() array: only its last entry is its own. */
static void
env_free(char **v)
{
	size_t n = 0;

	if (v == NULL)
		return;
	while (v[n] != NULL)
		n++;
	if (n > 0)
		free(v[n - 1]);
	free(v);
}

/* Reads fd to its end into *buf (malloc'd) of *len bytes. */
static int
read_all(char **buf, size_t *len, int fd, struct err *e)
{
	size_t cap = 0, n = 0;
	char *b = NULL, *nb;
	ssize_t r;

	for (;;) {
		if (n == cap) {
			if (cap >= LISTING_MAX) {
				free(b);
				return err_set(e, "git diff --cached: output "
				    "over %u MiB", LISTING_MAX >> 20);
			}
			cap = cap == 0 ? 65536 : cap * 2;
			nb = realloc(b, cap + 1);
			if (nb == NULL) {
				free(b);
				return err_set(e, "out of memory");
			}
			b = nb;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(b);
			return err_errno(e, "git diff --cached: read failed");
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (b == NULL) {
		b = malloc(1);
		if (b == NULL)
			return err_set(e, "out of memory");
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/*
 * Runs argv with envp, standard input from /dev/null, and reads its
 * standard output whole. Fails unless the program exits with 0.
 * posix_spawnp() rather than fork() and exec: nothing runs in a child
 * that could need to exit, and it is safe in a threaded program.
 */
static int
run_capture(char **out, size_t *len, char *const argv[], char *const envp[],
    struct err *e)
{
	posix_spawn_file_actions_t fa;
	bool fa_ready = false;
	int fds[2] = { -1, -1 }, status, rc = -1, src;
	char *buf = NULL;
	pid_t pid, w;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return err_errno(e, "git diff --cached: pipe");
	if (posix_spawn_file_actions_init(&fa) != 0) {
		err_set(e, "out of memory");
		goto out;
	}
	fa_ready = true;
	if (posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
	    O_RDONLY, 0) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO) != 0) {
		err_set(e, "out of memory");
		goto out;
	}
	src = posix_spawnp(&pid, argv[0], &fa, NULL, argv, envp);
	if (src != 0) {
		errno = src;
		err_errno(e, "git diff --cached: cannot run '%s'", argv[0]);
		goto out;
	}
	close(fds[1]);
	fds[1] = -1;
	if (read_all(&buf, len, fds[0], e) < 0) {
		/* Let the child die of the closed pipe rather than block. */
		close(fds[0]);
		fds[0] = -1;
	}
	do
		w = waitpid(pid, &status, 0);
	while (w < 0 && errno == EINTR);
	if (w < 0) {
		err_errno(e, "git diff --cached: wait");
		goto out;
	}
	if (buf == NULL)
		goto out;
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		err_set(e, "git diff --cached failed (exit %d)",
		    WEXITSTATUS(status));
		goto out;
	}
	if (WIFSIGNALED(status)) {
		err_set(e, "git diff --cached died of signal %d",
		    WTERMSIG(status));
		goto out;
	}
	*out = buf;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	if (fa_ready)
		(void)posix_spawn_file_actions_destroy(&fa);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	return rc;
}

static int
parse_mode(uint32_t *out, const char *s, size_t len)
{
	uint32_t m = 0;

	if (len == 0 || len > 6)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '7')
			return -1;
		m = m * 8 + (uint32_t)(s[i] - '0');
	}
	*out = m;
	return 0;
}

/* The fields of one `git diff --raw -z` record. */
struct record {
	const char *f[5];	/* old mode, new mode, old id, new id, status */
	size_t flen[5];
	const char *path;
};

/*
 * Splits the record at *p (of end), ":OLDMODE NEWMODE OLDID NEWID
 * STATUS\0PATH\0", and leaves *p after it.
 */
static bool
split_record(struct record *r, const char **p, const char *end)
{
	const char *s = *p, *head_end, *path_end, *sp;

	head_end = memchr(s, '\0', (size_t)(end - s));
	if (s[0] != ':' || head_end == NULL || head_end + 1 >= end)
		return false;
	r->path = head_end + 1;
	path_end = memchr(r->path, '\0', (size_t)(end - r->path));
	if (path_end == NULL)
		return false;
	s++;
	for (int i = 0; i < 5; i++) {
		sp = i < 4 ? memchr(s, ' ', (size_t)(head_end - s)) : head_end;
		if (sp == NULL)
			return false;
		r->f[i] = s;
		r->flen[i] = (size_t)(sp - s);
		s = sp + 1;
	}
	*p = path_end + 1;
	return true;
}

/* Reads a record's modes and ids into c. */
static bool
record_ids(struct gitsrc_change *c, const struct record *r)
{
	char hex[GIT_OID_HEXSZ + 1];

	if (parse_mode(&c->old_mode, r->f[0], r->flen[0]) < 0 ||
	    parse_mode(&c->mode, r->f[1], r->flen[1]) < 0 ||
	    r->flen[2] != GIT_OID_HEXSZ || r->flen[3] != GIT_OID_HEXSZ)
		return false;
	memcpy(hex, r->f[3], GIT_OID_HEXSZ);
	hex[GIT_OID_HEXSZ] = '\0';
	if (git_oid_fromstr(&c->id, hex) < 0)
		return false;
	if (c->status == GITSRC_ADDED) {
		c->old_mode = 0;
		return true;
	}
	memcpy(hex, r->f[2], GIT_OID_HEXSZ);
	return git_oid_fromstr(&c->old_id, hex) == 0;
}

/* Parses the record at *p and calls fn for what it adds or changes. */
static int
parse_record(const char **p, const char *end, gitsrc_change_fn *fn,
    void *payload, struct err *e)
{
	struct record r;
	struct gitsrc_change c;

	memset(&c, 0, sizeof(c));
	if (!split_record(&r, p, end))
		return err_set(e, "git diff --cached: cannot parse its output");
	switch (r.flen[4] > 0 ? r.f[4][0] : '?') {
	case 'A':
		c.status = GITSRC_ADDED;
		break;
	case 'M':
		c.status = GITSRC_MODIFIED;
		break;
	case 'T':
		c.status = GITSRC_TYPECHANGE;
		break;
	case 'D':
	case 'U':
		/* Deleted, unmerged: nothing is added. */
		return 0;
	default:
		return err_set(e, "git diff --cached: unexpected status "
		    "'%.*s'", (int)(r.flen[4] > 8 ? 8 : r.flen[4]), r.f[4]);
	}
	if (!record_ids(&c, &r))
		return err_set(e, "git diff --cached: cannot parse its output");
	c.path = r.path;
	if (c.status != GITSRC_ADDED)
		c.old_path = r.path;
	return fn(&c, payload);
}

int
gitsrc_staged_git(git_repository *repo, const char *index_path,
    git_tree *tree, gitsrc_change_fn *fn, void *payload, struct err *e)
{
	char tree_hex[GIT_OID_HEXSZ + 1] = EMPTY_TREE;
	char *gitdir_opt = NULL, *worktree_opt = NULL, *buf = NULL;
	char **envp = NULL;
	const char *argv[16], *p, *end, *wd;
	size_t len = 0, n = 0;
	int rc = -1;

	if (tree != NULL)
		git_oid_tostr(tree_hex, sizeof(tree_hex), git_tree_id(tree));
	gitdir_opt = concat("--git-dir=", git_repository_path(repo));
	wd = git_repository_workdir(repo);
	if (wd != NULL)
		worktree_opt = concat("--work-tree=", wd);
	envp = env_with("GIT_INDEX_FILE", index_path);
	if (gitdir_opt == NULL || (wd != NULL && worktree_opt == NULL) ||
	    envp == NULL) {
		err_set(e, "out of memory");
		goto out;
	}
	argv[n++] = "git";
	argv[n++] = gitdir_opt;
	if (worktree_opt != NULL)
		argv[n++] = worktree_opt;
	argv[n++] = "diff";
	argv[n++] = "--cached";
	argv[n++] = "--raw";
	argv[n++] = "-z";
	argv[n++] = "--no-renames";
	argv[n++] = "--no-abbrev";
	argv[n++] = "--no-ext-diff";
	argv[n++] = "--no-textconv";
	argv[n++] = "--ignore-submodules=none";
	argv[n++] = tree_hex;
	argv[n++] = "--";
	argv[n] = NULL;
	if (run_capture(&buf, &len, (char *const *)argv, envp, e) < 0)
		goto out;
	p = buf;
	end = buf + len;
	while (p < end) {
		rc = parse_record(&p, end, fn, payload, e);
		if (rc != 0)
			goto out;
	}
	rc = 0;
out:
	free(buf);
	env_free(envp);
	free(worktree_opt);
	free(gitdir_opt);
	return rc;
}

int
gitsrc_object_size(uint64_t *out, git_repository *repo, const git_oid *id,
    struct err *e)
{
	git_odb *odb = NULL;
	git_object_t type;
	size_t len;
	char hex[GIT_OID_HEXSZ + 1];
	int rc = -1;

	if (git_repository_odb(&odb, repo) < 0)
		return git_err(e, "object database");
	if (git_odb_read_header(&len, &type, odb, id) < 0) {
		git_oid_tostr(hex, sizeof(hex), id);
		err_set(e, "object %s: %s", hex, git_error_last() != NULL ?
		    git_error_last()->message : "libgit2 error");
		goto out;
	}
	*out = len;
	rc = 0;
out:
	git_odb_free(odb);
	return rc;
}

int
gitsrc_blob(git_blob **out, git_repository *repo, const git_oid *id,
    struct err *e)
{
	char hex[GIT_OID_HEXSZ + 1];

	if (git_blob_lookup(out, repo, id) < 0) {
		git_oid_tostr(hex, sizeof(hex), id);
		return err_set(e, "blob %s: %s", hex, git_error_last() != NULL ?
		    git_error_last()->message : "libgit2 error");
	}
	return 0;
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
		joined = concat(base, len > 0 && base[len - 1] == '/' ? "" :
		    "/");
		if (joined != NULL) {
			char *tmp = concat(joined, buf.ptr);

			free(joined);
			joined = tmp;
		}
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

/*
 * History. A set of object ids: open addressing over the ids' first
 * bytes, which are uniformly distributed.
 */
struct oidset {
	git_oid *slots;
	unsigned char *used;
	size_t cap;		/* a power of two */
	size_t n;
};

static void
oidset_release(struct oidset *s)
{
	free(s->slots);
	free(s->used);
	memset(s, 0, sizeof(*s));
}

static size_t
oid_hash(const git_oid *id)
{
	size_t h;

	memcpy(&h, id->id, sizeof(h));
	return h;
}

static int
oidset_grow(struct oidset *s, struct err *e)
{
	struct oidset ns = { 0 };

	ns.cap = s->cap == 0 ? 1024 : s->cap * 2;
	ns.slots = malloc(ns.cap * sizeof(*ns.slots));
	ns.used = calloc(ns.cap, 1);
	if (ns.slots == NULL || ns.used == NULL) {
		oidset_release(&ns);
		return err_set(e, "out of memory");
	}
	for (size_t i = 0; i < s->cap; i++) {
		size_t j;

		if (!s->used[i])
			continue;
		j = oid_hash(&s->slots[i]) & (ns.cap - 1);
		while (ns.used[j])
			j = (j + 1) & (ns.cap - 1);
		ns.used[j] = 1;
		git_oid_cpy(&ns.slots[j], &s->slots[i]);
	}
	ns.n = s->n;
	oidset_release(s);
	*s = ns;
	return 0;
}

/* Adds id; *added tells whether it was new. */
static int
oidset_add(bool *added, struct oidset *s, const git_oid *id, struct err *e)
{
	size_t j;

	if ((s->n + 1) * 2 > s->cap && oidset_grow(s, e) < 0)
		return -1;
	j = oid_hash(id) & (s->cap - 1);
	while (s->used[j]) {
		if (git_oid_equal(&s->slots[j], id)) {
			*added = false;
			return 0;
		}
		j = (j + 1) & (s->cap - 1);
	}
	s->used[j] = 1;
	git_oid_cpy(&s->slots[j], id);
	s->n++;
	*added = true;
	return 0;
}

/* One history walk. */
struct history {
	git_repository *repo;
	struct oidset seen;	/* blobs, trees and tags already handled */
	struct gitsrc_item item;
	struct gitsrc_history_stats *stats;
	char *path;		/* the directory being compared, "a/b/" */
	size_t plen, pcap;
	gitsrc_item_fn *fn;
	void *payload;
	int stop;		/* the callback's value */
	struct err *e;
};

static int
obj_err(struct err *e, const char *what, const git_oid *id)
{
	char hex[GIT_OID_HEXSZ + 1];

	git_oid_tostr(hex, sizeof(hex), id);
	return err_set(e, "%s %s: %s", what, hex, git_error_last() != NULL &&
	    git_error_last()->message != NULL ? git_error_last()->message :
	    "libgit2 error");
}

static int
history_emit(struct history *h)
{
	int rc = h->fn(&h->item, h->payload);

	if (rc != 0) {
		h->stop = rc;
		return -1;
	}
	return 0;
}

static int
path_push(struct history *h, const char *name, size_t *old)
{
	size_t len = strlen(name);

	*old = h->plen;
	if (h->plen + len + 2 > h->pcap) {
		size_t cap = (h->plen + len + 2) * 2;
		char *np = realloc(h->path, cap);

		if (np == NULL)
			return err_set(h->e, "out of memory");
		h->path = np;
		h->pcap = cap;
	}
	memcpy(h->path + h->plen, name, len);
	h->plen += len;
	h->path[h->plen] = '\0';
	return 0;
}

static bool
content_mode(git_filemode_t m)
{
	return m == GIT_FILEMODE_BLOB || m == GIT_FILEMODE_BLOB_EXECUTABLE ||
	    m == GIT_FILEMODE_LINK;
}

/* A blob of the new tree that differs from every parent's version. */
static int
history_blob(struct history *h, const git_tree_entry *te,
    git_tree *const *parents, size_t nparents)
{
	bool added;
	size_t old;

	if (oidset_add(&added, &h->seen, git_tree_entry_id(te), h->e) < 0)
		return -1;
	if (!added)
		return 0;
	if (path_push(h, git_tree_entry_name(te), &old) < 0)
		return -1;
	h->item.kind = GITSRC_ITEM_BLOB;
	h->item.message = NULL;
	h->item.message_len = 0;
	h->item.path = h->path;
	git_oid_cpy(&h->item.id, git_tree_entry_id(te));
	h->item.mode = (uint32_t)git_tree_entry_filemode(te);
	h->item.nold = 0;
	for (size_t i = 0; i < nparents && h->item.nold < GITSRC_MAX_OLD;
	    i++) {
		const git_tree_entry *pe;

		if (parents[i] == NULL)
			continue;
		pe = git_tree_entry_byname(parents[i],
		    git_tree_entry_name(te));
		if (pe != NULL && content_mode(git_tree_entry_filemode(pe)))
			git_oid_cpy(&h->item.old[h->item.nold++],
			    git_tree_entry_id(pe));
	}
	if (h->stats != NULL)
		h->stats->blobs++;
	if (history_emit(h) < 0)
		return -1;
	h->plen = old;
	h->path[h->plen] = '\0';
	return 0;
}

static int history_tree(struct history *h, git_tree *tree,
    git_tree *const *parents, size_t nparents);

/*
 * A subtree of the new tree that differs from every parent's version:
 * compared with those of the parents' versions that are trees.
 */
static int
history_subtree(struct history *h, const git_tree_entry *te,
    git_tree *const *parents, size_t nparents)
{
	git_tree *tree = NULL, **sub = NULL;
	size_t old = h->plen;
	bool added;
	int rc = -1;

	if (oidset_add(&added, &h->seen, git_tree_entry_id(te), h->e) < 0)
		return -1;
	if (!added)
		return 0;
	if (nparents > 0) {
		sub = calloc(nparents, sizeof(*sub));
		if (sub == NULL)
			return err_set(h->e, "out of memory");
	}
	for (size_t i = 0; i < nparents; i++) {
		const git_tree_entry *pe;

		if (parents[i] == NULL)
			continue;
		pe = git_tree_entry_byname(parents[i],
		    git_tree_entry_name(te));
		if (pe == NULL || git_tree_entry_type(pe) != GIT_OBJECT_TREE)
			continue;
		if (git_tree_lookup(&sub[i], h->repo,
		    git_tree_entry_id(pe)) < 0) {
			obj_err(h->e, "tree", git_tree_entry_id(pe));
			goto out;
		}
	}
	if (git_tree_lookup(&tree, h->repo, git_tree_entry_id(te)) < 0) {
		obj_err(h->e, "tree", git_tree_entry_id(te));
		goto out;
	}
	if (path_push(h, git_tree_entry_name(te), &old) < 0 ||
	    path_push(h, "/", &(size_t){ 0 }) < 0)
		goto out;
	rc = history_tree(h, tree, sub, nparents);
out:
	h->plen = old;
	if (h->path != NULL)
		h->path[h->plen] = '\0';
	git_tree_free(tree);
	for (size_t i = 0; sub != NULL && i < nparents; i++)
		git_tree_free(sub[i]);
	free(sub);
	return rc;
}

/*
 * Compares tree with the parents' trees at the same directory (NULL
 * where a parent has none): an entry whose id one parent has at the
 * same name, as the same kind, is not new.
 */
static int
history_tree(struct history *h, git_tree *tree, git_tree *const *parents,
    size_t nparents)
{
	size_t n = git_tree_entrycount(tree);

	for (size_t i = 0; i < n; i++) {
		const git_tree_entry *te = git_tree_entry_byindex(tree, i);
		git_filemode_t mode = git_tree_entry_filemode(te);
		bool same = false;

		if (mode == GIT_FILEMODE_COMMIT)
			continue;	/* a submodule: another repository */
		for (size_t p = 0; p < nparents && !same; p++) {
			const git_tree_entry *pe;

			if (parents[p] == NULL)
				continue;
			pe = git_tree_entry_byname(parents[p],
			    git_tree_entry_name(te));
			same = pe != NULL && git_oid_equal(
			    git_tree_entry_id(pe), git_tree_entry_id(te)) &&
			    git_tree_entry_type(pe) == git_tree_entry_type(te);
		}
		if (same)
			continue;
		if (mode == GIT_FILEMODE_TREE) {
			if (history_subtree(h, te, parents, nparents) < 0)
				return -1;
		} else if (content_mode(mode)) {
			if (history_blob(h, te, parents, nparents) < 0)
				return -1;
		}
	}
	return 0;
}

/* A root tree compared with its parents' root trees. */
static int
history_root(struct history *h, const git_oid *tree_id,
    git_tree *const *parents, size_t nparents)
{
	git_tree *tree = NULL;
	bool added;
	int rc;

	if (oidset_add(&added, &h->seen, tree_id, h->e) < 0)
		return -1;
	if (!added)
		return 0;
	if (git_tree_lookup(&tree, h->repo, tree_id) < 0)
		return obj_err(h->e, "tree", tree_id);
	h->plen = 0;
	if (path_push(h, "", &(size_t){ 0 }) < 0) {
		git_tree_free(tree);
		return -1;
	}
	rc = history_tree(h, tree, parents, nparents);
	git_tree_free(tree);
	return rc;
}

/* One new commit: its message, then what its tree adds. */
static int
history_commit(struct history *h, const git_oid *id)
{
	git_commit *c = NULL, *pc = NULL;
	git_tree **ptrees = NULL;
	size_t np = 0;
	const char *msg;
	int rc = -1;

	if (git_commit_lookup(&c, h->repo, id) < 0)
		return obj_err(h->e, "commit", id);
	np = git_commit_parentcount(c);
	if (np > 0) {
		ptrees = calloc(np, sizeof(*ptrees));
		if (ptrees == NULL) {
			err_set(h->e, "out of memory");
			goto out;
		}
	}
	for (size_t i = 0; i < np; i++) {
		if (git_commit_parent(&pc, c, (unsigned)i) < 0) {
			obj_err(h->e, "parent of commit", id);
			goto out;
		}
		if (git_commit_tree(&ptrees[i], pc) < 0) {
			obj_err(h->e, "tree of commit", git_commit_id(pc));
			goto out;
		}
		git_commit_free(pc);
		pc = NULL;
	}
	git_oid_cpy(&h->item.commit, id);
	if (h->stats != NULL)
		h->stats->commits++;
	h->item.commits_done++;
	msg = git_commit_raw_header(c) != NULL ? git_commit_message_raw(c) :
	    NULL;
	h->item.kind = GITSRC_ITEM_COMMIT;
	h->item.message = msg != NULL ? msg : "";
	h->item.message_len = strlen(h->item.message);
	h->item.path = NULL;
	h->item.nold = 0;
	if (history_emit(h) < 0)
		goto out;
	rc = history_root(h, git_commit_tree_id(c), ptrees, np);
out:
	git_commit_free(pc);
	for (size_t i = 0; ptrees != NULL && i < np; i++)
		git_tree_free(ptrees[i]);
	free(ptrees);
	git_commit_free(c);
	return rc;
}

/* A tag's target that is not a commit: a tree, or a blob. */
static int
history_object(struct history *h, git_object *obj, const char *ref)
{
	bool added;

	if (git_object_type(obj) == GIT_OBJECT_TREE) {
		git_oid_cpy(&h->item.commit, git_object_id(obj));
		return history_root(h, git_object_id(obj), NULL, 0);
	}
	if (git_object_type(obj) != GIT_OBJECT_BLOB)
		return 0;
	if (oidset_add(&added, &h->seen, git_object_id(obj), h->e) < 0)
		return -1;
	if (!added)
		return 0;
	h->item.kind = GITSRC_ITEM_BLOB;
	git_oid_cpy(&h->item.commit, git_object_id(obj));
	git_oid_cpy(&h->item.id, git_object_id(obj));
	h->item.message = NULL;
	h->item.message_len = 0;
	h->item.path = ref;
	h->item.mode = GIT_FILEMODE_BLOB;
	h->item.nold = 0;
	if (h->stats != NULL)
		h->stats->blobs++;
	return history_emit(h);
}

/*
 * Peels tip to a commit, reporting each annotated tag on the way.
 * *commit is set to the commit id and *is_commit to true when there is
 * one; a tree or blob target is walked here.
 */
static int
history_peel(struct history *h, bool *is_commit, git_oid *commit,
    const struct gitsrc_tip *tip)
{
	git_object *obj = NULL, *next = NULL;
	bool added;
	int rc = -1;

	*is_commit = false;
	if (git_object_lookup(&obj, h->repo, &tip->id, GIT_OBJECT_ANY) < 0)
		return obj_err(h->e, "object", &tip->id);
	while (git_object_type(obj) == GIT_OBJECT_TAG) {
		git_tag *tag = (git_tag *)obj;

		if (oidset_add(&added, &h->seen, git_object_id(obj), h->e) < 0)
			goto out;
		if (added) {
			const char *msg = git_tag_message(tag);

			h->item.kind = GITSRC_ITEM_TAG;
			git_oid_cpy(&h->item.commit, git_object_id(obj));
			h->item.message = msg != NULL ? msg : "";
			h->item.message_len = strlen(h->item.message);
			h->item.path = NULL;
			h->item.nold = 0;
			if (h->stats != NULL)
				h->stats->tags++;
			if (history_emit(h) < 0)
				goto out;
		}
		if (git_tag_target(&next, tag) < 0) {
			obj_err(h->e, "target of tag", git_object_id(obj));
			goto out;
		}
		git_object_free(obj);
		obj = next;
		next = NULL;
	}
	if (git_object_type(obj) == GIT_OBJECT_COMMIT) {
		git_oid_cpy(commit, git_object_id(obj));
		*is_commit = true;
		rc = 0;
	} else {
		rc = history_object(h, obj, tip->ref);
	}
out:
	git_object_free(obj);
	return rc;
}

/* The commits of each tip, in order: a revwalk per tip. */
struct tipwalk {
	git_oid *ids;
	size_t n, cap;
};

static int
tipwalk_add(struct tipwalk *t, const git_oid *id, struct err *e)
{
	if (t->n == t->cap) {
		size_t cap = t->cap == 0 ? 64 : t->cap * 2;
		git_oid *nv = realloc(t->ids, cap * sizeof(*nv));

		if (nv == NULL)
			return err_set(e, "out of memory");
		t->ids = nv;
		t->cap = cap;
	}
	git_oid_cpy(&t->ids[t->n++], id);
	return 0;
}

/*
 * Lists in *t the new commits of all the commit tips, parents first:
 * reachable from a tip, and from none of hide[] and the commits of the
 * refs (refs, NULL when not hidden). One walk for all tips: a walk per
 * tip, each hiding the earlier tips, went over the shared history again
 * for every tip (a tenth of a 1,390-ref first push).
 */
static int
list_new(struct tipwalk *t, git_repository *repo, const git_oid *tips,
    size_t ntips, const git_oid *hide, size_t nhide,
    const struct tipwalk *refs, struct err *e)
{
	git_revwalk *w = NULL;
	git_oid id;
	int rc = -1, r;

	if (git_revwalk_new(&w, repo) < 0)
		return git_err(e, "revision walk");
	git_revwalk_sorting(w, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
	for (size_t i = 0; i < ntips; i++) {
		if (git_revwalk_push(w, &tips[i]) < 0) {
			obj_err(e, "commit", &tips[i]);
			goto out;
		}
	}
	for (size_t i = 0; refs != NULL && i < refs->n; i++) {
		if (git_revwalk_hide(w, &refs->ids[i]) < 0) {
			obj_err(e, "hiding the commit of a ref", &refs->ids[i]);
			goto out;
		}
	}
	for (size_t i = 0; i < nhide; i++) {
		if (git_revwalk_hide(w, &hide[i]) < 0) {
			obj_err(e, "hiding commit", &hide[i]);
			goto out;
		}
	}
	while ((r = git_revwalk_next(&id, w)) == 0) {
		if (tipwalk_add(t, &id, e) < 0)
			goto out;
	}
	if (r != GIT_ITEROVER) {
		git_err(e, "revision walk");
		goto out;
	}
	rc = 0;
out:
	git_revwalk_free(w);
	return rc;
}

/*
 * Which tip brings each new commit: the first, in the tips' order, that
 * reaches it. slot is a hash table of indices + 1 into all->ids (0:
 * empty), mask + 1 slots; owner[k] is the tip's index + 1 (0: none yet).
 */
struct owners {
	const struct tipwalk *all;
	size_t *slot;
	size_t mask;
	size_t *owner;
};

/* The index + 1 of id in o->all, or 0 when it is no new commit. */
static size_t
owners_find(const struct owners *o, const git_oid *id)
{
	size_t j = oid_hash(id) & o->mask;

	while (o->slot[j] != 0) {
		if (git_oid_equal(&o->all->ids[o->slot[j] - 1], id))
			return o->slot[j];
		j = (j + 1) & o->mask;
	}
	return 0;
}

static int
owners_init(struct owners *o, const struct tipwalk *all, struct err *e)
{
	size_t cap = 16;

	while (cap < all->n * 2)
		cap *= 2;
	o->all = all;
	o->mask = cap - 1;
	o->slot = calloc(cap, sizeof(*o->slot));
	o->owner = calloc(all->n + 1, sizeof(*o->owner));
	if (o->slot == NULL || o->owner == NULL)
		return err_set(e, "out of memory");
	for (size_t k = 0; k < all->n; k++) {
		size_t j = oid_hash(&all->ids[k]) & o->mask;

		while (o->slot[j] != 0)
			j = (j + 1) & o->mask;
		o->slot[j] = k + 1;
	}
	return 0;
}

static void
owners_release(struct owners *o)
{
	free(o->slot);
	free(o->owner);
}

/*
 * Gives tip number ti the new commits it reaches that no earlier tip
 * has: a depth-first walk from tip that stops at commits already given
 * and at commits that are not new.
 */
static int
owners_claim(struct owners *o, git_repository *repo, size_t ti,
    const git_oid *tip, struct err *e)
{
	struct tipwalk stack = { 0 };
	git_commit *c = NULL;
	git_oid id;
	size_t k;
	int rc = -1;

	if (tipwalk_add(&stack, tip, e) < 0)
		goto out;
	while (stack.n > 0) {
		git_oid_cpy(&id, &stack.ids[--stack.n]);
		k = owners_find(o, &id);
		if (k == 0 || o->owner[k - 1] != 0)
			continue;
		o->owner[k - 1] = ti + 1;
		if (git_commit_lookup(&c, repo, &id) < 0) {
			obj_err(e, "commit", &id);
			goto out;
		}
		for (unsigned p = 0; p < git_commit_parentcount(c); p++) {
			if (tipwalk_add(&stack, git_commit_parent_id(c, p),
			    e) < 0)
				goto out;
		}
		git_commit_free(c);
		c = NULL;
	}
	rc = 0;
out:
	git_commit_free(c);
	free(stack.ids);
	return rc;
}

/*
 * The ids the existing refs peel to, when they are commits, each once.
 * Read once per history walk: a server may have 100,000 refs on a few
 * thousand commits, and every tip's walk hides them all.
 */
static int
ref_commits(struct tipwalk *t, git_repository *repo, struct err *e)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	git_object *obj = NULL;
	struct oidset seen = { 0 };
	bool added;
	int rc = -1, r;

	if (git_reference_iterator_glob_new(&it, repo, "refs/*") < 0)
		return git_err(e, "listing refs");
	while ((r = git_reference_next(&ref, it)) == 0) {
		if (git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT) == 0 &&
		    (oidset_add(&added, &seen, git_object_id(obj), e) < 0 ||
		    (added && tipwalk_add(t, git_object_id(obj), e) < 0)))
			goto out;
		git_object_free(obj);
		obj = NULL;
		git_reference_free(ref);
		ref = NULL;
	}
	if (r != GIT_ITEROVER) {
		git_err(e, "listing refs");
		goto out;
	}
	rc = 0;
out:
	git_object_free(obj);
	git_reference_free(ref);
	git_reference_iterator_free(it);
	oidset_release(&seen);
	return rc;
}

/*
 * A commit tip that brought no new commit must be known: reachable from
 * a hidden commit, a ref, or an earlier tip.
 */
static int
check_known(git_repository *repo, const git_oid *tip, const char *ref,
    const git_oid *earlier, size_t nearlier, const git_oid *hide,
    size_t nhide, const struct tipwalk *refs, struct err *e)
{
	struct tipwalk known = { 0 };
	int rc = -1, r;

	for (size_t i = 0; refs != NULL && i < refs->n; i++) {
		if (tipwalk_add(&known, &refs->ids[i], e) < 0)
			goto out;
	}
	for (size_t i = 0; i < nhide; i++) {
		if (tipwalk_add(&known, &hide[i], e) < 0)
			goto out;
	}
	for (size_t i = 0; i < nearlier; i++) {
		if (tipwalk_add(&known, &earlier[i], e) < 0)
			goto out;
	}
	r = known.n == 0 ? 0 : git_graph_reachable_from_any(repo, tip,
	    known.ids, known.n);
	if (r < 0) {
		obj_err(e, "checking whether it is known: commit", tip);
		goto out;
	}
	if (r == 0) {
		char hex[GIT_OID_HEXSZ + 1];

		git_oid_tostr(hex, sizeof(hex), tip);
		err_set(e, "'%s': the walk from %s found no commit, yet it is "
		    "not part of the existing history (objects not visible?)",
		    ref, hex);
		goto out;
	}
	rc = 0;
out:
	free(known.ids);
	return rc;
}

int
gitsrc_history(struct gitsrc_history_stats *stats, git_repository *repo,
    const struct gitsrc_tip *tips, size_t ntips, const git_oid *hide,
    size_t nhide, unsigned flags, gitsrc_item_fn *fn, void *payload,
    struct err *e)
{
	struct history h;
	struct tipwalk *walks = NULL, refs = { 0 };
	const struct tipwalk *hidden_refs = NULL;
	struct tipwalk all = { 0 };	/* the new commits, parents first */
	struct owners own = { 0 };
	git_oid *commit_tips = NULL;
	size_t *tip_of = NULL;		/* a commit tip's index in tips */
	size_t ncommit_tips = 0;
	bool *is_commit = NULL;
	int rc = -1;

	memset(&h, 0, sizeof(h));
	h.repo = repo;
	h.fn = fn;
	h.payload = payload;
	h.e = e;
	h.stats = stats;
	if (stats != NULL)
		memset(stats, 0, sizeof(*stats));
	if (ntips == 0)
		return 0;
	walks = calloc(ntips, sizeof(*walks));
	commit_tips = calloc(ntips, sizeof(*commit_tips));
	is_commit = calloc(ntips, sizeof(*is_commit));
	tip_of = calloc(ntips, sizeof(*tip_of));
	if (walks == NULL || commit_tips == NULL || is_commit == NULL ||
	    tip_of == NULL) {
		err_set(e, "out of memory");
		goto out;
	}
	if ((flags & GITSRC_HIDE_REFS) != 0) {
		if (ref_commits(&refs, repo, e) < 0)
			goto out;
		hidden_refs = &refs;
	}
	/*
	 * Tags first (their messages, and tree or blob targets), then every
	 * tip's commits are listed before any is scanned, so that the total
	 * is known for progress and the timeout message.
	 */
	for (size_t i = 0; i < ntips; i++) {
		h.item.ref = tips[i].ref;
		if (history_peel(&h, &is_commit[i], &commit_tips[ncommit_tips],
		    &tips[i]) < 0)
			goto out;
		if (is_commit[i])
			tip_of[ncommit_tips++] = i;
	}
	if (ncommit_tips > 0 && list_new(&all, repo, commit_tips,
	    ncommit_tips, hide, nhide, hidden_refs, e) < 0)
		goto out;
	if (owners_init(&own, &all, e) < 0)
		goto out;
	for (size_t c = 0; c < ncommit_tips; c++) {
		size_t i = tip_of[c];

		/*
		 * A tip that is no new commit must be known: reachable from
		 * what is hidden or an earlier tip (checked, so that objects
		 * the walk could not see never pass for nothing new).
		 */
		if (owners_find(&own, &commit_tips[c]) == 0) {
			if (check_known(repo, &commit_tips[c], tips[i].ref,
			    commit_tips, c, hide, nhide, hidden_refs, e) < 0)
				goto out;
			continue;
		}
		if (owners_claim(&own, repo, i, &commit_tips[c], e) < 0)
			goto out;
	}
	/* Each tip's commits in the walk's order: parents first. */
	for (size_t k = 0; k < all.n; k++) {
		if (own.owner[k] == 0) {
			char hex[GIT_OID_HEXSZ + 1];

			/* The walk and the claims disagree: never "clean". */
			git_oid_tostr(hex, sizeof(hex), &all.ids[k]);
			err_set(e, "commit %s: listed as new, yet no tip "
			    "reaches it", hex);
			goto out;
		}
		if (tipwalk_add(&walks[own.owner[k] - 1], &all.ids[k], e) < 0)
			goto out;
	}
	h.item.commits_total = all.n;
	for (size_t i = 0; i < ntips; i++) {
		h.item.ref = tips[i].ref;
		for (size_t j = 0; j < walks[i].n; j++) {
			if (history_commit(&h, &walks[i].ids[j]) < 0)
				goto out;
		}
	}
	rc = 0;
out:
	if (h.stop != 0)
		rc = h.stop;
	for (size_t i = 0; walks != NULL && i < ntips; i++)
		free(walks[i].ids);
	free(walks);
	free(refs.ids);
	free(all.ids);
	owners_release(&own);
	free(commit_tips);
	free(tip_of);
	free(is_commit);
	free(h.path);
	oidset_release(&h.seen);
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
