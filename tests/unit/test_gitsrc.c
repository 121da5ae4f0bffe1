/*
 * test_gitsrc: the git source, with real git and real libgit2 on
 * throwaway repositories made by running git (fork and exec of sh) in a
 * scratch directory: the staged changes of many index states, each
 * compared with what `git diff --cached` lists for the same index (the
 * fallback, which is git itself) and with the expected list; renames;
 * unborn branches; GIT_INDEX_FILE; opening from subdirectories, with
 * GIT_DIR and GIT_WORK_TREE, in linked worktrees and behind ".git"
 * files; indexes the reader refuses (split, sparse, corrupt); the hooks
 * directory; MERGE_HEAD's trees; history walks (gitsrc_history()).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <git2.h>

#include "gitsrc.h"
#include "support.h"

static char scratch[] = "/tmp/tg-test-gitsrc.XXXXXX";
static char start_dir[PATH_MAX];
static unsigned serial;

/* Runs script with sh -e in dir; stdout is dropped. Fails the test. */
static void
sh(const char *dir, const char *script)
{
	pid_t pid;
	int status, fd;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 ||
		    dup2(fd, STDIN_FILENO) < 0 || chdir(dir) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-ec", script, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		print_error("script failed in %s:\n%s\n", dir, script);
		fail();
	}
}

/* A fresh repository directory; its path is written to out. */
static void
new_repo(char *out, size_t size)
{
	int n = snprintf(out, size, "%s/r%u", scratch, serial++);

	assert_true(n > 0 && (size_t)n < size);
	assert_int_equal(mkdir(out, 0777), 0);
	sh(out, "git init -q -b main .");
}

/* Clean environment: no user config, no inherited git variables. */
static int
setup(void **state)
{
	char home[PATH_MAX + 16];

	(void)state;
	if (getcwd(start_dir, sizeof(start_dir)) == NULL)
		return -1;
	if (mkdtemp(scratch) == NULL)
		return -1;
	(void)snprintf(home, sizeof(home), "%s/home", scratch);
	if (mkdir(home, 0777) < 0)
		return -1;
	setenv("HOME", home, 1);
	setenv("XDG_CONFIG_HOME", home, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "t", 1);
	setenv("GIT_AUTHOR_EMAIL", "t@example.invalid", 1);
	setenv("GIT_COMMITTER_NAME", "t", 1);
	setenv("GIT_COMMITTER_EMAIL", "t@example.invalid", 1);
	setenv("LC_ALL", "C", 1);
	setenv("GIT_CEILING_DIRECTORIES", "/tmp", 1);
	unsetenv("GIT_CONFIG_GLOBAL");
	unsetenv("GIT_DIR");
	unsetenv("GIT_WORK_TREE");
	unsetenv("GIT_INDEX_FILE");
	unsetenv("GIT_COMMON_DIR");
	unsetenv("GIT_OBJECT_DIRECTORY");
	unsetenv("GIT_ALTERNATE_OBJECT_DIRECTORIES");
	unsetenv("GIT_QUARANTINE_PATH");
	if (git_libgit2_init() < 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	(void)git_libgit2_shutdown();
	if (chdir(start_dir) < 0)
		return -1;
	return support_remove_tree(scratch);
}

/* Each test starts in the start directory with the clean environment. */
static int
reset(void **state)
{
	(void)state;
	unsetenv("GIT_DIR");
	unsetenv("GIT_WORK_TREE");
	unsetenv("GIT_INDEX_FILE");
	unsetenv("GIT_COMMON_DIR");
	return chdir(start_dir);
}

/* A growing text that listings are written into. */
struct text {
	char *s;
	size_t len;
};

static void
text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	char line[1024];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(line));
	t->s = realloc(t->s, t->len + (size_t)n + 1);
	assert_non_null(t->s);
	memcpy(t->s + t->len, line, (size_t)n + 1);
	t->len += (size_t)n;
}

/* "S path" per change, and "R old -> new" for renames. */
static int
list_short(const struct gitsrc_change *c, void *payload)
{
	struct text *t = payload;

	if (c->status == GITSRC_RENAMED)
		text_add(t, "R %s -> %s\n", c->old_path, c->path);
	else
		text_add(t, "%c %s\n", (char)c->status, c->path);
	return 0;
}

/* Everything that both listers report, ids and modes included. */
static int
list_full(const struct gitsrc_change *c, void *payload)
{
	struct text *t = payload;
	char id[GIT_OID_HEXSZ + 1], old[GIT_OID_HEXSZ + 1];

	git_oid_tostr(id, sizeof(id), &c->id);
	git_oid_tostr(old, sizeof(old), &c->old_id);
	text_add(t, "%c %06o %s %06o %s %s %s\n", (char)c->status,
	    c->mode, id, c->old_mode, c->old_path != NULL ? old : "-",
	    c->path, c->old_path != NULL ? c->old_path : "-");
	return 0;
}

/* Opens the repository at dir as a hook would. */
static git_repository *
open_at(const char *dir)
{
	git_repository *repo = NULL;
	struct err e = { 0 };

	assert_int_equal(chdir(dir), 0);
	if (gitsrc_open(&repo, &e) < 0) {
		print_error("gitsrc_open: %s\n", e.msg);
		fail();
	}
	return repo;
}

/*
 * Lists the staged changes of the repository at dir with the index
 * reader (flags) and, when oracle is set, checks that git's own listing
 * of the same index is the same. Returns the short listing (malloc'd).
 */
static char *
staged(const char *dir, unsigned flags, bool oracle)
{
	git_repository *repo = open_at(dir);
	struct gitsrc_index *ix = NULL;
	git_tree *tree = NULL;
	struct err e = { 0 };
	struct text mine = { 0 }, theirs = { 0 }, out = { 0 };
	char *index_path = NULL;
	bool unsupported;

	assert_int_equal(gitsrc_index_path(&index_path, repo, &e), 0);
	assert_int_equal(gitsrc_head_tree(&tree, repo, &e), 0);
	if (gitsrc_index_open(&ix, &unsupported, index_path, &e) < 0) {
		print_error("gitsrc_index_open: %s\n", e.msg);
		fail();
	}
	assert_int_equal(gitsrc_staged(repo, tree, ix, flags, list_short,
	    &out, &e), 0);
	if (oracle) {
		assert_int_equal(gitsrc_staged(repo, tree, ix, 0, list_full,
		    &mine, &e), 0);
		assert_int_equal(gitsrc_staged_git(repo, index_path, tree,
		    list_full, &theirs, &e), 0);
		assert_string_equal(mine.s != NULL ? mine.s : "",
		    theirs.s != NULL ? theirs.s : "");
	}
	free(mine.s);
	free(theirs.s);
	free(index_path);
	gitsrc_index_free(ix);
	git_tree_free(tree);
	git_repository_free(repo);
	return out.s != NULL ? out.s : strdup("");
}

/* The staged changes of the repository at dir (checked by git) are want. */
static void
assert_staged(const char *dir, const char *want)
{
	char *got = staged(dir, 0, true);

	assert_string_equal(got, want);
	free(got);
}

/* One index state: a script run in a new repository, and its listing. */
struct scenario {
	const char *name;
	const char *script;
	unsigned flags;
	const char *want;
};

/* Twenty lines, so that an edited copy is still similar. */
#define LINES \
    "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do " \
    "echo \"line $i of some text\"; done"

static const struct scenario SCENARIOS[] = {
	{ "unborn branch",
	    "echo a >a; mkdir -p d/e; echo b >d/e/b; git add .",
	    0, "A a\nA d/e/b\n" },
	{ "nothing staged",
	    "echo a >a; mkdir d; echo b >d/b; git add .; git commit -qm 1",
	    0, "" },
	{ "modified",
	    "echo a >a; mkdir d; echo b >d/b; echo c >d/c; git add .; "
	    "git commit -qm 1; echo b2 >>d/b; git add d/b",
	    0, "M d/b\n" },
	{ "deleted",
	    "echo a >a; mkdir d; echo b >d/b; git add .; git commit -qm 1; "
	    "git rm -q a",
	    GITSRC_RENAMES, "" },
	{ "deleted directory",
	    "mkdir -p d/e f; echo b >d/e/b; echo c >f/c; git add .; "
	    "git commit -qm 1; git rm -q -r d",
	    GITSRC_RENAMES, "" },
	{ "added in new and existing directories",
	    "mkdir d; echo b >d/b; git add .; git commit -qm 1; "
	    "mkdir -p d/new/deep n; echo x >d/new/deep/x; echo y >n/y; "
	    "echo z >d/z; echo 0 >0; git add .",
	    0, "A 0\nA d/new/deep/x\nA d/z\nA n/y\n" },
	{ "names that sort around a directory",
	    "mkdir d; echo 1 >d/1; echo 2 >d.txt; echo 3 >d-x; echo 4 >d0; "
	    "git add .; git commit -qm 1; echo 5 >>d/1; echo 6 >>d.txt; "
	    "echo 7 >>d0; mkdir d.d; echo 8 >d.d/8; git add .",
	    0, "A d.d/8\nM d.txt\nM d/1\nM d0\n" },
	{ "exact rename",
	    LINES " >a; git add .; git commit -qm 1; git mv a b",
	    GITSRC_RENAMES, "R a -> b\n" },
	{ "rename without rename detection",
	    LINES " >a; git add .; git commit -qm 1; git mv a b",
	    0, "A b\n" },
	{ "rename with an edit",
	    "mkdir d; " LINES " >d/a; git add .; git commit -qm 1; "
	    "git mv d/a e.txt; echo one more line >>e.txt; git add e.txt",
	    GITSRC_RENAMES, "R d/a -> e.txt\n" },
	{ "delete and unrelated add",
	    LINES " >a; git add .; git commit -qm 1; git rm -q a; "
	    "echo something else entirely >b; git add b",
	    GITSRC_RENAMES, "A b\n" },
	{ "type change",
	    "echo a >a; git add .; git commit -qm 1; rm a; ln -s target a; "
	    "git add a",
	    0, "T a\n" },
	{ "mode change",
	    "echo a >a; git add .; git commit -qm 1; chmod +x a; git add a",
	    0, "M a\n" },
	{ "gitlink",
	    "echo a >a; git add .; git commit -qm 1; "
	    "git update-index --add --cacheinfo "
	    "160000,$(git rev-parse HEAD),sub",
	    0, "A sub\n" },
	{ "directory replaced by a file",
	    "mkdir d; echo b >d/b; git add .; git commit -qm 1; "
	    "git rm -q -r d; echo d >d; git add d",
	    GITSRC_RENAMES, "A d\n" },
	{ "file replaced by a directory",
	    "echo a >a; git add .; git commit -qm 1; git rm -q a; mkdir a; "
	    "echo x >a/x; git add a/x",
	    0, "A a/x\n" },
	{ "intent to add",
	    "echo a >a; git add .; git commit -qm 1; echo n >n; "
	    "git add -N n",
	    0, "" },
	{ "index version 4",
	    "mkdir -p p/q r; for i in 1 2 3; do echo $i >p/q/f$i; "
	    "echo $i >r/g$i; done; git add .; git commit -qm 1; "
	    "git update-index --index-version 4; echo x >>p/q/f2; "
	    "echo y >p/q/f4; git add p",
	    0, "M p/q/f2\nA p/q/f4\n" },
	{ "no cache tree",
	    "mkdir -p p r; for i in 1 2 3; do echo $i >p/f$i; "
	    "echo $i >r/g$i; done; git add .; git commit -qm 1; "
	    "echo x >>p/f2; git add p; python3 -c '"
	    "import hashlib,struct\n"
	    "d=open(\".git/index\",\"rb\").read()\n"
	    "n=struct.unpack(\">I\",d[8:12])[0]\n"
	    "p=12\n"
	    "for i in range(n):\n"
	    " f=struct.unpack(\">H\",d[p+60:p+62])[0]\n"
	    " p+=(62+(f&0xfff)+8)&~7\n"
	    "b=d[:p]\n"
	    "open(\".git/index\",\"wb\").write(b+hashlib.sha1(b).digest())'",
	    0, "M p/f2\n" },
	{ "unmerged path",
	    "echo base >c; echo a >a; git add .; git commit -qm 1; "
	    "git checkout -q -b other; echo theirs >c; git commit -qam 2; "
	    "git checkout -q main; echo ours >c; echo b >b; git add .; "
	    "git commit -qm 3; git merge -q other >/dev/null 2>&1 || true; "
	    "echo new >n; git add n",
	    0, "A n\n" },
	{ "many directories, a few changes",
	    "for d in 0 1 2 3 4 5 6 7 8 9; do mkdir -p s/d$d/x; "
	    "for f in 0 1 2 3 4; do echo $d$f >s/d$d/x/f$f; "
	    "echo $f >s/d$d/g$f; done; done; git add .; git commit -qm 1; "
	    "echo m >>s/d3/x/f1; echo m >>s/d7/g4; echo n >s/d9/x/new; "
	    "git rm -q s/d0/g0; "
	    "git add s",
	    GITSRC_RENAMES, "M s/d3/x/f1\nM s/d7/g4\nA s/d9/x/new\n" },
};

static void
test_scenarios(void **state)
{
	char dir[PATH_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(SCENARIOS) / sizeof(*SCENARIOS); i++) {
		const struct scenario *sc = &SCENARIOS[i];
		char *got;

		assert_int_equal(chdir(start_dir), 0);
		new_repo(dir, sizeof(dir));
		sh(dir, sc->script);
		/* The unmerged state is not something git diff can list. */
		got = staged(dir, sc->flags,
		    strcmp(sc->name, "unmerged path") != 0);
		if (strcmp(got, sc->want) != 0) {
			print_error("scenario '%s':\nwant:\n%sgot:\n%s",
			    sc->name, sc->want, got);
			fail();
		}
		free(got);
	}
}

/* One edit of a random index state. */
static void
random_op(char *out, size_t size, unsigned op, unsigned i, const char *path)
{
	switch (op) {
	case 0:
		(void)snprintf(out, size, "echo $$-%u >>'%s'", i, path);
		break;
	case 1:
		(void)snprintf(out, size, "mkdir -p \"$(dirname '%s')\" && "
		    "echo new-%u >'%s'", path, i, path);
		break;
	case 2:
		(void)snprintf(out, size, "rm -rf '%s'", path);
		break;
	case 3:
		(void)snprintf(out, size, "chmod +x '%s'", path);
		break;
	default:
		(void)snprintf(out, size, "rm -rf '%s' && ln -s target-%u '%s'",
		    path, i, path);
		break;
	}
}

/*
 * Random index states: a tree of directories, committed, then random
 * edits, additions, deletions, mode and type changes and directory/file
 * swaps, staged whole or per directory (so that parts of the cache tree
 * stay valid), in index versions 2 and 4; the reader's listing must be
 * git's.
 */
static void
test_random_states(void **state)
{
	static const char *const dirs[] = {
		"", "a/", "a/x/", "a/y/", "a/x/deep/", "b/", "b.d/", "c/",
	};
	static const char *const names[] = { "f0", "f1", "g.txt", "x", "h" };
	char dir[PATH_MAX], script[16384], *got;
	size_t len;

	(void)state;
	for (uint64_t seed = 1; seed <= 12; seed++) {
		uint64_t rnd = seed;

		assert_int_equal(chdir(start_dir), 0);
		new_repo(dir, sizeof(dir));
		len = 0;
		script[0] = '\0';
		for (size_t d = 0; d < sizeof(dirs) / sizeof(*dirs); d++) {
			for (size_t n = 0; n < 3; n++) {
				len += (size_t)snprintf(script + len,
				    sizeof(script) - len, "mkdir -p './%s'; "
				    "echo %zu%zu >'./%s%s'; ", dirs[d], d, n,
				    dirs[d], names[n]);
			}
		}
		len += (size_t)snprintf(script + len, sizeof(script) - len,
		    "git add -A; git commit -qm 1; %s",
		    seed % 2 == 0 ? "git update-index --index-version 4; " :
		    "");
		for (unsigned i = 0; i < 12; i++) {
			const char *d = dirs[support_random(&rnd) %
			    (sizeof(dirs) / sizeof(*dirs))];
			const char *n = names[support_random(&rnd) %
			    (sizeof(names) / sizeof(*names))];
			unsigned op = (unsigned)(support_random(&rnd) % 5);
			char path[128], one[512];

			(void)snprintf(path, sizeof(path), "./%s%s", d, n);
			random_op(one, sizeof(one), op, i, path);
			len += (size_t)snprintf(script + len,
			    sizeof(script) - len, "(%s) 2>/dev/null || true; ",
			    one);
			assert_true(len < sizeof(script) - 64);
		}
		(void)snprintf(script + len, sizeof(script) - len, "%s",
		    seed % 3 == 0 ? "git add -A a; git add -A c" :
		    "git add -A");
		sh(dir, script);
		got = staged(dir, 0, true);
		free(got);
		got = staged(dir, GITSRC_RENAMES, false);
		free(got);
	}
}

/* The index named by GIT_INDEX_FILE (relative: to the current dir). */
static void
test_index_file_env(void **state)
{
	char dir[PATH_MAX], want[PATH_MAX + 16];
	git_repository *repo;
	struct err e = { 0 };
	char *path = NULL;

	(void)state;
	new_repo(dir, sizeof(dir));
	sh(dir, "echo a >a; git add a; git commit -qm 1; "
	    "cp .git/index .git/alt-index; echo b >b; "
	    "GIT_INDEX_FILE=.git/alt-index git add b");
	/* The repository's index has nothing staged. */
	assert_staged(dir, "");
	setenv("GIT_INDEX_FILE", ".git/alt-index", 1);
	assert_staged(dir, "A b\n");
	repo = open_at(dir);
	assert_int_equal(gitsrc_index_path(&path, repo, &e), 0);
	support_path(want, sizeof(want), dir, ".git/alt-index");
	assert_string_equal(path, want);
	free(path);
	git_repository_free(repo);
	unsetenv("GIT_INDEX_FILE");
}

static void
test_missing_index(void **state)
{
	char dir[PATH_MAX];

	(void)state;
	new_repo(dir, sizeof(dir));
	assert_staged(dir, "");
}

static void
test_head_tree_unborn(void **state)
{
	char dir[PATH_MAX];
	git_repository *repo;
	git_tree *tree = (git_tree *)&tree;
	struct err e = { 0 };

	(void)state;
	new_repo(dir, sizeof(dir));
	repo = open_at(dir);
	assert_int_equal(gitsrc_head_tree(&tree, repo, &e), 0);
	assert_null(tree);
	git_repository_free(repo);
	sh(dir, "echo a >a; git add a; git commit -qm 1");
	repo = open_at(dir);
	assert_int_equal(gitsrc_head_tree(&tree, repo, &e), 0);
	assert_non_null(tree);
	git_tree_free(tree);
	git_repository_free(repo);
}

/* The work tree of an opened repository, without the final slash. */
static void
assert_workdir(git_repository *repo, const char *want)
{
	const char *wd = git_repository_workdir(repo);
	char *real_want = realpath(want, NULL), *real_wd;

	assert_non_null(wd);
	real_wd = realpath(wd, NULL);
	assert_non_null(real_want);
	assert_non_null(real_wd);
	assert_string_equal(real_wd, real_want);
	free(real_wd);
	free(real_want);
}

/* Opens the repository at dir as a hook would: its work tree is want. */
static void
assert_opens_at(const char *dir, const char *want)
{
	git_repository *repo = open_at(dir);

	assert_workdir(repo, want);
	git_repository_free(repo);
}

static void
test_open_subdirectory(void **state)
{
	char dir[PATH_MAX], sub[PATH_MAX + 16];

	(void)state;
	new_repo(dir, sizeof(dir));
	sh(dir, "mkdir -p a/b");
	support_path(sub, sizeof(sub), dir, "a/b");
	assert_opens_at(sub, dir);
}

static void
test_open_git_dir_env(void **state)
{
	char dir[PATH_MAX], sub[PATH_MAX + 16], gitdir[PATH_MAX + 16];

	(void)state;
	new_repo(dir, sizeof(dir));
	sh(dir, "mkdir -p a/b");
	support_path(sub, sizeof(sub), dir, "a/b");
	support_path(gitdir, sizeof(gitdir), dir, ".git");
	/* GIT_DIR alone: the current directory is the work tree. */
	setenv("GIT_DIR", gitdir, 1);
	assert_opens_at(sub, sub);
	/* With GIT_WORK_TREE, relative to the current directory. */
	setenv("GIT_WORK_TREE", "../..", 1);
	assert_opens_at(sub, dir);
	/* A relative GIT_DIR, as git sets it for hooks. */
	setenv("GIT_DIR", ".git", 1);
	setenv("GIT_WORK_TREE", ".", 1);
	assert_opens_at(dir, dir);
	unsetenv("GIT_WORK_TREE");
	unsetenv("GIT_DIR");
}

static void
test_open_worktree(void **state)
{
	char dir[PATH_MAX], wt[PATH_MAX + 16];
	git_repository *repo;

	(void)state;
	new_repo(dir, sizeof(dir));
	sh(dir, "echo a >a; git add a; git commit -qm 1; "
	    "git worktree add -q ../wt-$$ -b side; ln -s ../wt-$$ wt");
	support_path(wt, sizeof(wt), dir, "wt");
	sh(wt, "echo b >b; git add b");
	repo = open_at(wt);
	assert_workdir(repo, wt);
	assert_true(git_repository_is_worktree(repo));
	git_repository_free(repo);
	/* Its own index: b staged there, nothing in the main one. */
	assert_staged(wt, "A b\n");
	assert_staged(dir, "");
}

/* A ".git" file, as in a submodule's work tree. */
static void
test_open_gitfile(void **state)
{
	char dir[PATH_MAX], wt[PATH_MAX + 16];

	(void)state;
	new_repo(dir, sizeof(dir));
	sh(dir, "git init -q --separate-git-dir=$PWD/modules-sub sub; "
	    "cd sub; echo x >x; git add x");
	support_path(wt, sizeof(wt), dir, "sub");
	assert_opens_at(wt, wt);
	assert_staged(wt, "A x\n");
}

static void
test_open_errors(void **state)
{
	char dir[PATH_MAX], other[PATH_MAX], gitdir[PATH_MAX + 16];
	git_repository *repo = NULL;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(chdir(scratch), 0);
	assert_int_equal(gitsrc_open(&repo, &e), -1);
	assert_non_null(strstr(e.msg, "not in a git repository"));
	new_repo(dir, sizeof(dir));
	new_repo(other, sizeof(other));
	support_path(gitdir, sizeof(gitdir), other, ".git");
	/* GIT_COMMON_DIR naming another repository is refused. */
	setenv("GIT_COMMON_DIR", gitdir, 1);
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(gitsrc_open(&repo, &e), -1);
	assert_non_null(strstr(e.msg, "GIT_COMMON_DIR"));
	unsetenv("GIT_COMMON_DIR");
	/* GIT_DIR naming a work tree, not a git directory. */
	setenv("GIT_DIR", dir, 1);
	assert_int_equal(gitsrc_open(&repo, &e), -1);
	assert_non_null(strstr(e.msg, "cannot open the git repository"));
	unsetenv("GIT_DIR");
	/* A missing alternate object directory is an error, not a skip. */
	setenv("GIT_ALTERNATE_OBJECT_DIRECTORIES", "/nonexistent/objects",
	    1);
	assert_int_equal(gitsrc_open(&repo, &e), -1);
	assert_non_null(strstr(e.msg, "GIT_ALTERNATE_OBJECT_DIRECTORIES"));
	unsetenv("GIT_ALTERNATE_OBJECT_DIRECTORIES");
}

/* Reads the object id that a script wrote into dir/name. */
static void
read_id(git_oid *out, const char *dir, const char *name)
{
	char path[PATH_MAX + 16], hex[64] = { 0 };
	FILE *f;

	support_path(path, sizeof(path), dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(hex, sizeof(hex), f));
	fclose(f);
	hex[GIT_OID_HEXSZ] = '\0';
	assert_int_equal(git_oid_fromstr(out, hex), 0);
}

/* Objects only visible through GIT_ALTERNATE_OBJECT_DIRECTORIES. */
static void
test_alternates(void **state)
{
	char dir[PATH_MAX], other[PATH_MAX], objs[PATH_MAX + 32];
	git_repository *repo;
	git_oid id;
	git_blob *blob = NULL;
	struct err e = { 0 };
	uint64_t size;

	(void)state;
	new_repo(dir, sizeof(dir));
	new_repo(other, sizeof(other));
	sh(other, "printf 'only here\\n' | git hash-object -w --stdin "
	    ">id.txt");
	read_id(&id, other, "id.txt");
	repo = open_at(dir);
	assert_int_equal(gitsrc_object_size(&size, repo, &id, &e), -1);
	git_repository_free(repo);
	support_path(objs, sizeof(objs), other, ".git/objects");
	setenv("GIT_ALTERNATE_OBJECT_DIRECTORIES", objs, 1);
	repo = open_at(dir);
	unsetenv("GIT_ALTERNATE_OBJECT_DIRECTORIES");
	assert_int_equal(gitsrc_object_size(&size, repo, &id, &e), 0);
	assert_int_equal(size, 10);
	assert_int_equal(gitsrc_blob(&blob, repo, &id, &e), 0);
	assert_memory_equal(git_blob_rawcontent(blob), "only here\n", 10);
	git_blob_free(blob);
	git_repository_free(repo);
}

/* What git makes of an index the reader refuses. */
enum git_verdict {
	GIT_NOT_ASKED,		/* corrupt: never handed to git */
	GIT_LISTS,		/* git lists want */
	GIT_FAILS,		/* git fails too: an error, not a listing */
};

/*
 * An index the reader refuses names the reason and says whether it is
 * a format it does not know (split, sparse, a newer version: git may
 * list those) or a corrupt file (never handed to git, which may read
 * garbage where it should fail).
 */
static void
refused(const char *script, const char *reason, enum git_verdict verdict,
    const char *want)
{
	char dir[PATH_MAX];
	git_repository *repo;
	struct gitsrc_index *ix = NULL;
	git_tree *tree = NULL;
	struct err e = { 0 };
	struct text out = { 0 };
	char *index_path = NULL;
	bool unsupported = verdict == GIT_NOT_ASKED;

	new_repo(dir, sizeof(dir));
	sh(dir, script);
	repo = open_at(dir);
	assert_int_equal(gitsrc_index_path(&index_path, repo, &e), 0);
	assert_int_equal(gitsrc_head_tree(&tree, repo, &e), 0);
	assert_int_equal(gitsrc_index_open(&ix, &unsupported, index_path,
	    &e), -1);
	if (strstr(e.msg, reason) == NULL) {
		print_error("want '%s' in: %s\n", reason, e.msg);
		fail();
	}
	assert_int_equal(unsupported, verdict != GIT_NOT_ASKED);
	memset(&e, 0, sizeof(e));
	if (verdict == GIT_LISTS) {
		assert_int_equal(gitsrc_staged_git(repo, index_path, tree,
		    list_short, &out, &e), 0);
		assert_string_equal(out.s != NULL ? out.s : "", want);
	} else if (verdict == GIT_FAILS) {
		assert_int_equal(gitsrc_staged_git(repo, index_path, tree,
		    list_short, &out, &e), -1);
		assert_non_null(strstr(e.msg, "git diff --cached failed"));
		assert_null(out.s);
	}
	free(out.s);
	free(index_path);
	git_tree_free(tree);
	git_repository_free(repo);
}

static void
test_split_index(void **state)
{
	(void)state;
	refused("echo a >a; git add a; git commit -qm 1; "
	    "git update-index --split-index; echo b >b; echo c >>a; "
	    "git add a b", "split index", GIT_LISTS, "M a\nA b\n");
}

static void
test_sparse_index(void **state)
{
	(void)state;
	refused("mkdir -p in out/deep; echo 1 >in/1; echo 2 >out/deep/2; "
	    "git add .; git commit -qm 1; "
	    "git sparse-checkout init --cone --sparse-index; "
	    "git sparse-checkout set in; echo n >in/n; git add in/n",
	    "sparse index", GIT_LISTS, "A in/n\n");
}

static void
test_corrupt_index(void **state)
{
	(void)state;
	refused("echo a >a; git add a; git commit -qm 1; "
	    "printf 'DIRC\\000\\000\\000\\002garbage, not an index at all' "
	    ">.git/index", "bad entry count", GIT_NOT_ASKED, "");
	refused("echo a >a; git add a; git commit -qm 1; "
	    "head -c 40 .git/index >.git/short; mv .git/short .git/index",
	    "bad entry count", GIT_NOT_ASKED, "");
	refused("echo a >a; git add a; git commit -qm 1; "
	    "head -c 100 .git/index >.git/short; mv .git/short .git/index",
	    "truncated", GIT_NOT_ASKED, "");
	refused("echo a >a; git add a; git commit -qm 1; "
	    "printf 'not an index, but long enough to be one' >.git/index",
	    "not an index file", GIT_NOT_ASKED, "");
	refused("echo a >a; git add a; git commit -qm 1; "
	    "printf 'DIRC\\000\\000\\000\\011and then 20 bytes of hash.' "
	    ">.git/index", "unsupported version", GIT_FAILS, "");
}

static void
test_hooks_dir(void **state)
{
	char dir[PATH_MAX], want[PATH_MAX + 32], sub[PATH_MAX + 16];
	git_repository *repo;
	struct err e = { 0 };
	char *got = NULL;

	(void)state;
	new_repo(dir, sizeof(dir));
	sh(dir, "mkdir sub");
	repo = open_at(dir);
	assert_int_equal(gitsrc_hooks_dir(&got, repo, &e), 0);
	support_path(want, sizeof(want), dir, ".git/hooks");
	assert_string_equal(got, want);
	free(got);
	git_repository_free(repo);
	/* Relative to the top of the work tree, wherever one stands. */
	sh(dir, "git config core.hooksPath my/hooks/");
	support_path(sub, sizeof(sub), dir, "sub");
	repo = open_at(sub);
	assert_int_equal(gitsrc_hooks_dir(&got, repo, &e), 0);
	support_path(want, sizeof(want), dir, "my/hooks");
	assert_string_equal(got, want);
	free(got);
	git_repository_free(repo);
	sh(dir, "git config core.hooksPath /abs/hooks");
	repo = open_at(dir);
	assert_int_equal(gitsrc_hooks_dir(&got, repo, &e), 0);
	assert_string_equal(got, "/abs/hooks");
	free(got);
	git_repository_free(repo);
	sh(dir, "git config core.hooksPath '~/hk'");
	repo = open_at(dir);
	assert_int_equal(gitsrc_hooks_dir(&got, repo, &e), 0);
	(void)snprintf(want, sizeof(want), "%s/hk", getenv("HOME"));
	assert_string_equal(got, want);
	free(got);
	git_repository_free(repo);
}

static void
test_merge_trees(void **state)
{
	char dir[PATH_MAX];
	git_repository *repo;
	git_tree **trees = NULL;
	git_tree_entry *ent = NULL;
	struct err e = { 0 };
	size_t n = 5;

	(void)state;
	new_repo(dir, sizeof(dir));
	sh(dir, "echo a >a; git add a; git commit -qm 1");
	repo = open_at(dir);
	assert_int_equal(gitsrc_merge_trees(&trees, &n, repo, &e), 0);
	assert_int_equal(n, 0);
	gitsrc_trees_free(trees, n);
	git_repository_free(repo);
	sh(dir, "git checkout -q -b other; echo o >o; git add o; "
	    "git commit -qm 2; git checkout -q main; echo m >m; git add m; "
	    "git commit -qm 3; git merge -q --no-commit other 2>/dev/null");
	repo = open_at(dir);
	assert_int_equal(gitsrc_merge_trees(&trees, &n, repo, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(git_tree_entry_bypath(&ent, trees[0], "o"), 0);
	git_tree_entry_free(ent);
	gitsrc_trees_free(trees, n);
	git_repository_free(repo);
}

/* A callback's non-zero value stops the listing and is returned. */
static int
stop_at_first(const struct gitsrc_change *c, void *payload)
{
	(void)c;
	(*(int *)payload)++;
	return 42;
}

static void
test_callback_stops(void **state)
{
	char dir[PATH_MAX], *index_path = NULL;
	git_repository *repo;
	struct gitsrc_index *ix = NULL;
	struct err e = { 0 };
	bool unsupported;
	int calls = 0;

	(void)state;
	new_repo(dir, sizeof(dir));
	sh(dir, "echo a >a; echo b >b; git add .");
	repo = open_at(dir);
	assert_int_equal(gitsrc_index_path(&index_path, repo, &e), 0);
	assert_int_equal(gitsrc_index_open(&ix, &unsupported, index_path, &e),
	    0);
	assert_int_equal(gitsrc_index_count(ix), 2);
	assert_int_equal(gitsrc_staged(repo, NULL, ix, 0, stop_at_first,
	    &calls, &e), 42);
	assert_int_equal(calls, 1);
	calls = 0;
	assert_int_equal(gitsrc_staged_git(repo, index_path, NULL,
	    stop_at_first, &calls, &e), 42);
	assert_int_equal(calls, 1);
	gitsrc_index_free(ix);
	free(index_path);
	git_repository_free(repo);
}

/*
 * History. A case's script builds the repository and writes TIPS ("ref
 * rev" lines, resolved with rev-parse) and, optionally, HIDE (revs); the
 * listing is one line per item:
 *   c REF SUBJECT                      a commit
 *   t REF MESSAGE                      an annotated tag
 *   b REF SUBJECT PATH NOLD            a blob, in the commit of SUBJECT
 */
struct history_case {
	const char *name;
	const char *script;
	unsigned flags;
	const char *want;
};

static const struct history_case history_cases[] = {
	{ "linear, everything new",
	  "echo a >a; git add a; git commit -qm one;"
	  "echo a2 >a; mkdir -p d/e; echo x >d/e/x; git add .;"
	  "git commit -qm two;"
	  "git rm -q a; git commit -qm three;"
	  "echo 'main main' >TIPS",
	  0,
	  "c main one\nb main one a 0\n"
	  "c main two\nb main two a 1\nb main two d/e/x 0\n"
	  "c main three\n" },
	{ "hidden refs: only what no ref reaches",
	  "echo a >a; git add a; git commit -qm one;"
	  "git checkout -qb side; echo b >b; git add b; git commit -qm two;"
	  "echo b2 >b; git commit -qam three;"
	  "echo \"refs/heads/side $(git rev-parse side)\" >TIPS;"
	  "git checkout -q main; git branch -qD side",
	  GITSRC_HIDE_REFS,
	  "c refs/heads/side two\nb refs/heads/side two b 0\n"
	  "c refs/heads/side three\nb refs/heads/side three b 1\n" },
	{ "a tip at a known commit brings nothing",
	  "echo a >a; git add a; git commit -qm one;"
	  "echo 'refs/heads/copy main' >TIPS",
	  GITSRC_HIDE_REFS,
	  "" },
	{ "each blob once: first commit and path",
	  "echo same >a; git add a; git commit -qm one;"
	  "cp a b; git add b; git commit -qm two;"
	  "echo other >a; git commit -qam three;"
	  "echo same >a; git commit -qam four;"
	  "echo 'main main' >TIPS",
	  0,
	  "c main one\nb main one a 0\nc main two\n"
	  "c main three\nb main three a 1\nc main four\n" },
	{ "added then removed: still reported",
	  "echo a >a; git add a; git commit -qm one;"
	  "echo secret >s; git add s; git commit -qm two;"
	  "git rm -q s; git commit -qm three;"
	  "echo 'main main~2' >HIDE; echo 'main main' >TIPS",
	  0,
	  "c main two\nb main two s 0\nc main three\n" },
	{ "merge: only blobs that differ from every parent",
	  "echo a >a; echo b >b; git add .; git commit -qm base;"
	  "git checkout -qb side; echo a-side >a; git commit -qam side;"
	  "git checkout -q main; echo b-main >b; git commit -qam mainline;"
	  "git merge -q --no-commit side;"
	  "echo new >n; git add n; git commit -qm merge;"
	  "git rev-parse HEAD~1 >HIDE; git rev-parse side >>HIDE;"
	  "echo 'main main' >TIPS",
	  0,
	  "c main merge\nb main merge n 0\n" },
	{ "merge resolving a conflict: both parents' versions passed on",
	  "echo a >a; git add a; git commit -qm base;"
	  "git checkout -qb side; echo a-side >a; git commit -qam side;"
	  "git checkout -q main; echo a-main >a; git commit -qam mainline;"
	  "git merge -q side || true; echo resolved >a; git add a;"
	  "git commit -qm merge;"
	  "git rev-parse HEAD~1 >HIDE; git rev-parse side >>HIDE;"
	  "echo 'main main' >TIPS",
	  0,
	  "c main merge\nb main merge a 2\n" },
	{ "annotated tag: message, then its commit",
	  "echo a >a; git add a; git commit -qm one;"
	  "echo b >b; git add b; git commit -qm two;"
	  "git tag -a v1 -m 'release one';"
	  "echo \"refs/tags/v1 $(git rev-parse v1)\" >TIPS;"
	  "git tag -d v1 >/dev/null; git reset -q --hard HEAD~1",
	  GITSRC_HIDE_REFS,
	  "t refs/tags/v1 release one\n"
	  "c refs/tags/v1 two\nb refs/tags/v1 two b 0\n" },
	{ "a commit belongs to the first tip that reaches it",
	  "echo a >a; git add a; git commit -qm one;"
	  "git checkout -qb x; echo x >x; git add x; git commit -qm x1;"
	  "git checkout -qb y; echo y >y; git add y; git commit -qm y1;"
	  "echo \"refs/heads/y $(git rev-parse y)\" >TIPS;"
	  "echo \"refs/heads/x $(git rev-parse x)\" >>TIPS;"
	  "git checkout -q main; git branch -qD x y",
	  GITSRC_HIDE_REFS,
	  "c refs/heads/y x1\nb refs/heads/y x1 x 0\n"
	  "c refs/heads/y y1\nb refs/heads/y y1 y 0\n" },
	{ "submodules are skipped; links are blobs",
	  "echo a >a; ln -s a l; git add .;"
	  "git update-index --add --cacheinfo "
	  "160000,1111111111111111111111111111111111111111,sub;"
	  "git commit -qm one; echo 'main main' >TIPS",
	  0,
	  "c main one\nb main one a 0\nb main one l 0\n" },
};

struct history_list {
	git_repository *repo;
	struct text t;
};

static void
subject(char *out, size_t size, git_repository *repo, const git_oid *id)
{
	git_commit *c = NULL;

	assert_int_equal(git_commit_lookup(&c, repo, id), 0);
	(void)snprintf(out, size, "%s", git_commit_summary(c));
	git_commit_free(c);
}

static int
list_history(const struct gitsrc_item *it, void *payload)
{
	struct history_list *l = payload;
	char subj[256];
	size_t len;

	switch (it->kind) {
	case GITSRC_ITEM_COMMIT:
		subject(subj, sizeof(subj), l->repo, &it->commit);
		text_add(&l->t, "c %s %s\n", it->ref, subj);
		assert_true(it->commits_done >= 1);
		assert_true(it->commits_done <= it->commits_total);
		break;
	case GITSRC_ITEM_TAG:
		len = it->message_len;
		while (len > 0 && it->message[len - 1] == '\n')
			len--;
		text_add(&l->t, "t %s %.*s\n", it->ref, (int)len,
		    it->message);
		break;
	case GITSRC_ITEM_BLOB:
		subject(subj, sizeof(subj), l->repo, &it->commit);
		text_add(&l->t, "b %s %s %s %zu\n", it->ref, subj, it->path,
		    it->nold);
		break;
	}
	return 0;
}

/* Reads "ref rev" or "rev" lines of file in dir, resolving revs. */
static size_t
read_revs(struct gitsrc_tip *tips, char refs[][128], git_oid *ids,
    size_t max, git_repository *repo, const char *dir, const char *file)
{
	char path[PATH_MAX], buf[512];
	FILE *f;
	size_t n = 0;

	support_path(path, sizeof(path), dir, file);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while (n < max && fgets(buf, sizeof(buf), f) != NULL) {
		char *sp, *rev = buf;
		git_object *obj = NULL;

		buf[strcspn(buf, "\n")] = '\0';
		sp = strchr(buf, ' ');
		if (sp != NULL) {
			*sp = '\0';
			rev = sp + 1;
		}
		if (git_revparse_single(&obj, repo, rev) < 0) {
			print_error("rev '%s': %s\n", rev,
			    git_error_last()->message);
			fail();
		}
		if (tips != NULL) {
			(void)snprintf(refs[n], 128, "%.127s", buf);
			tips[n].ref = refs[n];
			git_oid_cpy(&tips[n].id, git_object_id(obj));
		} else {
			git_oid_cpy(&ids[n], git_object_id(obj));
		}
		git_object_free(obj);
		n++;
	}
	fclose(f);
	return n;
}

static void
test_history_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(history_cases) /
	    sizeof(history_cases[0]); i++) {
		const struct history_case *c = &history_cases[i];
		char dir[PATH_MAX], refs[8][128];
		struct gitsrc_tip tips[8];
		git_oid hide[8];
		struct history_list l = { 0 };
		struct gitsrc_history_stats st;
		struct err e = { 0 };
		size_t ntips, nhide;
		int rc;

		new_repo(dir, sizeof(dir));
		sh(dir, c->script);
		l.repo = open_at(dir);
		ntips = read_revs(tips, refs, NULL, 8, l.repo, dir, "TIPS");
		nhide = read_revs(NULL, NULL, hide, 8, l.repo, dir, "HIDE");
		rc = gitsrc_history(&st, l.repo, tips, ntips, hide, nhide,
		    c->flags, list_history, &l, &e);
		if (rc != 0)
			print_error("%s: %s\n", c->name, e.msg);
		assert_int_equal(rc, 0);
		if (strcmp(l.t.s != NULL ? l.t.s : "", c->want) != 0) {
			print_error("%s:\nwant:\n%sgot:\n%s", c->name, c->want,
			    l.t.s != NULL ? l.t.s : "");
			fail();
		}
		free(l.t.s);
		git_repository_free(l.repo);
	}
}

static int
stop_history(const struct gitsrc_item *it, void *payload)
{
	(void)it;
	(*(int *)payload)++;
	return 42;
}

/* Errors: a missing tip object; a callback's stop; SHA-256. */
static void
test_history_errors(void **state)
{
	char dir[PATH_MAX], path[PATH_MAX];
	git_repository *repo;
	struct gitsrc_tip tip = { "refs/heads/x", { { 0 } } };
	struct err e = { 0 };
	int calls = 0;

	(void)state;
	new_repo(dir, sizeof(dir));
	sh(dir, "echo a >a; git add a; git commit -qm one");
	repo = open_at(dir);
	assert_int_equal(git_oid_fromstr(&tip.id,
	    "1234567890123456789012345678901234567890"), 0);
	assert_int_equal(gitsrc_history(NULL, repo, &tip, 1, NULL, 0,
	    GITSRC_HIDE_REFS, stop_history, &calls, &e), -1);
	assert_non_null(strstr(e.msg, "1234567890"));
	assert_int_equal(calls, 0);
	assert_int_equal(git_reference_name_to_id(&tip.id, repo, "HEAD"), 0);
	assert_int_equal(gitsrc_history(NULL, repo, &tip, 1, NULL, 0, 0,
	    stop_history, &calls, &e), 42);
	assert_int_equal(calls, 1);
	git_repository_free(repo);
	support_path(path, sizeof(path), dir, ".git");
	assert_false(gitsrc_is_sha256(path));
	sh(dir, "git config extensions.objectFormat sha256");
	assert_true(gitsrc_is_sha256(path));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_scenarios, reset),
		cmocka_unit_test_setup(test_random_states, reset),
		cmocka_unit_test_setup(test_index_file_env, reset),
		cmocka_unit_test_setup(test_missing_index, reset),
		cmocka_unit_test_setup(test_head_tree_unborn, reset),
		cmocka_unit_test_setup(test_open_subdirectory, reset),
		cmocka_unit_test_setup(test_open_git_dir_env, reset),
		cmocka_unit_test_setup(test_open_worktree, reset),
		cmocka_unit_test_setup(test_open_gitfile, reset),
		cmocka_unit_test_setup(test_open_errors, reset),
		cmocka_unit_test_setup(test_alternates, reset),
		cmocka_unit_test_setup(test_split_index, reset),
		cmocka_unit_test_setup(test_sparse_index, reset),
		cmocka_unit_test_setup(test_corrupt_index, reset),
		cmocka_unit_test_setup(test_hooks_dir, reset),
		cmocka_unit_test_setup(test_merge_trees, reset),
		cmocka_unit_test_setup(test_callback_stops, reset),
		cmocka_unit_test_setup(test_history_cases, reset),
		cmocka_unit_test_setup(test_history_errors, reset),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
