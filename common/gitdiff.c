/*
 * gitdiff: the fallback for an index that gitindex.c does not read. git
 * itself lists what the index stages (`git diff --cached --raw -z`, run
 * with posix_spawnp() and read whole), and each record of its output
 * becomes a change as gitsrc_staged() reports them.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gitsrcint.h"

/* The id of the empty tree, which git knows without storing it. */
#define EMPTY_TREE "4b825dc642cb6eb9a060e54bf8d69288fbee4904"

/*
 * `git diff --cached --raw` prints about 100 bytes per changed path;
 * this is far more than any index holds, and caps a runaway child.
 */
#define LISTING_MAX (1024u << 20)

extern char **environ;

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
