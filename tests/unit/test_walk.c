/*
 * test_walk: files as a source. The walk's order (byte order of names,
 * depth first), .git directories left out, symbolic links and special
 * files reported but never followed or opened, the root followed, paths
 * as reached from the root; reading within the size cap, refusing what
 * is not a regular file, and reading inputs that do not say their size.
 * (An unreadable file cannot be tested as root, who reads everything;
 * the unreadable-directory case runs only when not root.)
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "support.h"
#include "walk.h"

static char scratch[] = "/tmp/tg-test-walk.XXXXXX";

static void
path_of(char *out, size_t size, const char *name)
{
	support_path(out, size, scratch, name);
}

static void
put_file(const char *name, const char *text)
{
	char path[512];

	path_of(path, sizeof(path), name);
	support_write_file(path, text);
}

static void
put_dir(const char *name)
{
	char path[512];

	path_of(path, sizeof(path), name);
	assert_int_equal(mkdir(path, 0755), 0);
}

static void
put_link(const char *target, const char *name)
{
	char path[512];

	path_of(path, sizeof(path), name);
	assert_int_equal(symlink(target, path), 0);
}

static void
put_fifo(const char *name)
{
	char path[512];

	path_of(path, sizeof(path), name);
	assert_int_equal(mkfifo(path, 0600), 0);
}

/*
 * The tree the walk tests share:
 *   root/ .git/config  .git-x/f  .gitignore  A  a/y  a/z  b.txt  empty/
 *         fifo  flink -> b.txt  link -> a  sub/.git/HEAD  sub/file
 */
static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(scratch) == NULL)
		return -1;
	put_dir("root");
	put_dir("root/.git");
	put_file("root/.git/config", "[core]\n");
	put_dir("root/.git-x");
	put_file("root/.git-x/f", "f\n");
	put_file("root/.gitignore", "*.o\n");
	put_file("root/A", "upper\n");
	put_dir("root/a");
	put_file("root/a/z", "z\n");
	put_file("root/a/y", "y\n");
	put_file("root/b.txt", "b\n");
	put_dir("root/empty");
	put_fifo("root/fifo");
	put_link("b.txt", "root/flink");
	put_link("a", "root/link");
	put_dir("root/sub");
	put_dir("root/sub/.git");
	put_file("root/sub/.git/HEAD", "ref: refs/heads/main\n");
	put_file("root/sub/file", "file\n");
	put_link("root", "toplink");
	put_link("root/b.txt", "filelink");
	put_fifo("topfifo");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return support_remove_tree(scratch);
}

/* What a walk saw, as "T rel" lines (T: D, R, S or E) or "T path". */
struct seen {
	char lines[64][160];
	size_t n;
	bool full;		/* record path instead of rel */
	size_t stop_at;		/* return 7 at this entry (1-based), or 0 */
	bool top_ok;		/* exactly the first entry is top */
};

static int
record(const struct walk_entry *ent, void *payload)
{
	static const char types[] = { 'D', 'R', 'S', 'E' };
	struct seen *s = payload;

	assert_true(s->n < 64);
	/* rel always points into path, at its end part. */
	assert_true(ent->rel >= ent->path &&
	    ent->rel <= ent->path + strlen(ent->path));
	if (ent->top != (s->n == 0))
		s->top_ok = false;
	if (ent->type == WALK_ERROR)
		(void)snprintf(s->lines[s->n], sizeof(s->lines[0]), "E %s %d",
		    s->full ? ent->path : ent->rel, ent->error);
	else
		(void)snprintf(s->lines[s->n], sizeof(s->lines[0]), "%c %s",
		    types[ent->type], s->full ? ent->path : ent->rel);
	s->n++;
	if (s->stop_at != 0 && s->n == s->stop_at)
		return 7;
	return 0;
}

static void
expect(const struct seen *s, const char *const *want)
{
	size_t n = 0;

	while (want[n] != NULL)
		n++;
	for (size_t i = 0; i < s->n || i < n; i++) {
		if (i >= s->n || i >= n || strcmp(s->lines[i], want[i]) != 0)
			fail_msg("entry %zu: got '%s', want '%s'", i,
			    i < s->n ? s->lines[i] : "(none)",
			    i < n ? want[i] : "(none)");
	}
}

static void
test_order(void **state)
{
	static const char *const want[] = {
		"D ",
		"D .git-x",
		"R .git-x/f",
		"R .gitignore",
		"R A",
		"D a",
		"R a/y",
		"R a/z",
		"R b.txt",
		"D empty",
		"S fifo",
		"S flink",
		"S link",
		"D sub",
		"R sub/file",
		NULL,
	};
	struct seen s = { .top_ok = true };
	char root[512];
	struct err e = { 0 };

	(void)state;
	path_of(root, sizeof(root), "root");
	assert_int_equal(walk_path(root, record, &s, &e), 0);
	expect(&s, want);
	assert_true(s.top_ok);
}

/* Paths as reached from the root, whatever its trailing slashes. */
static void
test_paths(void **state)
{
	static const struct {
		const char *root;	/* relative to scratch */
		const char *third;	/* the third entry's path */
	} cases[] = {
		{ "root", "root/.git-x/f" },
		{ "root/", "root/.git-x/f" },
		{ "root//", "root/.git-x/f" },
		{ "./root", "./root/.git-x/f" },
		{ "root/a/..", "root/a/../.git-x/f" },
	};
	char cwd[PATH_MAX];

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(scratch), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct seen s = { .full = true, .top_ok = true };
		struct err e = { 0 };
		char want[200];

		assert_int_equal(walk_path(cases[i].root, record, &s, &e), 0);
		(void)snprintf(want, sizeof(want), "R %s", cases[i].third);
		if (strcmp(s.lines[2], want) != 0)
			fail_msg("root '%s': '%s'", cases[i].root, s.lines[2]);
	}
	/* "." gives "./x" paths and "x" relative parts. */
	assert_int_equal(chdir("root"), 0);
	{
		struct seen s = { .top_ok = true };
		struct seen f = { .full = true, .top_ok = true };
		struct err e = { 0 };

		assert_int_equal(walk_path(".", record, &s, &e), 0);
		assert_int_equal(walk_path(".", record, &f, &e), 0);
		assert_string_equal(s.lines[2], "R .git-x/f");
		assert_string_equal(f.lines[2], "R ./.git-x/f");
		assert_string_equal(f.lines[0], "D .");
	}
	assert_int_equal(chdir(cwd), 0);
}

/* The root itself: followed when a link, reported alone when a file. */
static void
test_roots(void **state)
{
	static const struct {
		const char *name;
		const char *first;
		size_t n;
	} cases[] = {
		{ "toplink", "D ", 15 },
		{ "filelink", "R ", 1 },
		{ "root/b.txt", "R ", 1 },
		{ "topfifo", "S ", 1 },
		{ "missing", "E  2", 1 },	/* ENOENT */
		{ "root/b.txt/x", "E  20", 1 },	/* ENOTDIR */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct seen s = { .top_ok = true };
		struct err e = { 0 };
		char root[512];

		path_of(root, sizeof(root), cases[i].name);
		assert_int_equal(walk_path(root, record, &s, &e), 0);
		if (s.n != cases[i].n ||
		    strcmp(s.lines[0], cases[i].first) != 0)
			fail_msg("'%s': %zu entries, first '%s'",
			    cases[i].name, s.n, s.lines[0]);
		assert_true(s.top_ok);
	}
}

static void
test_stop(void **state)
{
	struct seen s = { .stop_at = 3, .top_ok = true };
	char root[512];
	struct err e = { 0 };

	(void)state;
	path_of(root, sizeof(root), "root");
	assert_int_equal(walk_path(root, record, &s, &e), 7);
	assert_int_equal(s.n, 3);
	/* Stopped at the top entry. */
	memset(&s, 0, sizeof(s));
	s.stop_at = 1;
	assert_int_equal(walk_path(root, record, &s, &e), 7);
	assert_int_equal(s.n, 1);
}

/* An unreadable directory is one error entry; the walk goes on. */
static void
test_unreadable_dir(void **state)
{
	static const char *const want[] = {
		"D ",
		"E a 13",	/* EACCES: not opened, so no "D a" */
		"R b",
		NULL,
	};
	struct seen s = { .top_ok = true };
	char root[512], dir[512];
	struct err e = { 0 };

	(void)state;
	if (geteuid() == 0)
		skip();
	put_dir("unreadable");
	put_dir("unreadable/a");
	put_file("unreadable/a/secret", "x\n");
	put_file("unreadable/b", "b\n");
	path_of(root, sizeof(root), "unreadable");
	path_of(dir, sizeof(dir), "unreadable/a");
	assert_int_equal(chmod(dir, 0), 0);
	assert_int_equal(walk_path(root, record, &s, &e), 0);
	assert_int_equal(chmod(dir, 0755), 0);
	expect(&s, want);
}

static int
count_entries(const struct walk_entry *ent, void *payload)
{
	size_t *n = payload;

	if (ent->type == WALK_ERROR)
		return ent->error == ENAMETOOLONG ? 1 : 2;
	(*n)++;
	return 0;
}

/*
 * Removes the chain root/d/d/... of test_depth(), deepest first: the
 * teardown's nftw() cannot, the paths are longer than PATH_MAX.
 */
static void
remove_chain(const char *root)
{
	int fds[WALK_MAX_DEPTH + 8];
	int n = 0, next;

	fds[0] = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fds[0] >= 0);
	while (n + 1 < (int)(sizeof(fds) / sizeof(fds[0]))) {
		next = openat(fds[n], "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (next < 0)
			break;
		fds[++n] = next;
	}
	for (; n > 0; n--) {
		close(fds[n]);
		assert_int_equal(unlinkat(fds[n - 1], "d", AT_REMOVEDIR), 0);
	}
	close(fds[0]);
}

/* Deeper than WALK_MAX_DEPTH: an error entry, not a stack overflow. */
static void
test_depth(void **state)
{
	char root[512];
	struct err e = { 0 };
	size_t n = 0;
	struct rlimit rl;
	int fd, next;

	(void)state;
	/* A descriptor per level, as the programs allow (tokenguard.c). */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < WALK_MAX_DEPTH + 64 && rl.rlim_max > rl.rlim_cur) {
		rl.rlim_cur = rl.rlim_max < 65536 ? rl.rlim_max : 65536;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	put_dir("deep");
	path_of(root, sizeof(root), "deep");
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	for (int i = 0; i < WALK_MAX_DEPTH + 5; i++) {
		assert_int_equal(mkdirat(fd, "d", 0755), 0);
		next = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		assert_true(next >= 0);
		close(fd);
		fd = next;
	}
	close(fd);
	assert_int_equal(walk_path(root, count_entries, &n, &e), 1);
	assert_int_equal(n, WALK_MAX_DEPTH + 1);
	remove_chain(root);
}

static void
write_bytes(const char *name, size_t len)
{
	char path[512];
	FILE *f;

	path_of(path, sizeof(path), name);
	f = fopen(path, "w");
	assert_non_null(f);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(fputc('a' + (int)(i % 26), f), 'a' + (int)(i %
		    26));
	assert_int_equal(fclose(f), 0);
}

/* The size cap: at the cap is read, one byte over is skipped. */
static void
test_read_cap(void **state)
{
	static const struct {
		size_t len;
		uint64_t max;
		bool skipped;
	} cases[] = {
		{ 0, 0, false },
		{ 1, 0, true },
		{ 100, 99, true },
		{ 100, 100, false },
		{ 100, 1000, false },
		{ 200000, 200000, false },
		{ 200000, 199999, true },
		{ 200000, UINT64_MAX, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct walk_file f;
		struct err e = { 0 };
		char path[512];

		write_bytes("capped", cases[i].len);
		path_of(path, sizeof(path), "capped");
		memset(&f, 0x55, sizeof(f));
		assert_int_equal(walk_read(&f, path, cases[i].max, 0, &e), 0);
		if (f.skipped != cases[i].skipped)
			fail_msg("case %zu: skipped %d", i, f.skipped);
		assert_int_equal(f.size, cases[i].len);
		if (f.skipped) {
			assert_null(f.data);
		} else {
			assert_non_null(f.data);
			assert_int_equal(f.len, cases[i].len);
			assert_int_equal(f.data[f.len], '\0');
			if (f.len > 0)
				assert_int_equal(f.data[f.len - 1],
				    'a' + (int)((f.len - 1) % 26));
		}
		walk_file_release(&f);
		assert_null(f.data);
		walk_file_release(&f);
	}
}

/* What is not a regular file is refused, and a FIFO does not block. */
static void
test_read_refused(void **state)
{
	static const struct {
		const char *name;
		unsigned flags;
		const char *why;	/* NULL: read fine */
	} cases[] = {
		{ "root/flink", 0, "not a regular file (symbolic link)" },
		{ "root/flink", WALK_FOLLOW, NULL },
		{ "root/link", 0, "not a regular file (symbolic link)" },
		{ "root/link", WALK_FOLLOW, "not a regular file" },
		{ "root/fifo", 0, "not a regular file" },
		{ "root/fifo", WALK_FOLLOW, "not a regular file" },
		{ "topfifo", 0, "not a regular file" },
		{ "root/a", 0, "not a regular file" },
		{ "root/missing", 0, "No such file or directory" },
		{ "root/b.txt/x", 0, "Not a directory" },
		{ "root/b.txt", 0, NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct walk_file f = { 0 };
		struct err e = { 0 };
		char path[512];
		int rc;

		path_of(path, sizeof(path), cases[i].name);
		rc = walk_read(&f, path, 1000, cases[i].flags, &e);
		if (cases[i].why == NULL) {
			if (rc != 0)
				fail_msg("'%s': %s", cases[i].name, e.msg);
			assert_string_equal(f.data, "b\n");
		} else if (rc != -1 || strcmp(e.msg, cases[i].why) != 0) {
			fail_msg("'%s': rc %d, '%s'", cases[i].name, rc,
			    e.msg);
		}
		walk_file_release(&f);
	}
}

/* A file whose size fstat() does not tell: procfs says 0. */
static void
test_read_unsized(void **state)
{
	struct walk_file f = { 0 };
	struct err e = { 0 };

	(void)state;
	assert_int_equal(walk_read(&f, "/proc/self/status", 1 << 20, 0, &e),
	    0);
	assert_false(f.skipped);
	assert_true(f.len > 0);
	assert_non_null(strstr(f.data, "Name:"));
	walk_file_release(&f);
	assert_int_equal(walk_read(&f, "/proc/self/status", 10, 0, &e), 0);
	assert_true(f.skipped);
	assert_int_equal(f.size, 11);
	walk_file_release(&f);
}

/* Reads a pipe fed by a child with len bytes, within max. */
static void
read_pipe(struct walk_file *f, size_t len, uint64_t max)
{
	struct err e = { 0 };
	int fds[2], status;
	pid_t pid;

	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char buf[4096];
		size_t left = len;

		close(fds[0]);
		memset(buf, 'p', sizeof(buf));
		while (left > 0) {
			size_t n = left < sizeof(buf) ? left : sizeof(buf);
			ssize_t w = write(fds[1], buf, n);

			if (w <= 0)
				_exit(0);	/* the reader stopped early */
			left -= (size_t)w;
		}
		_exit(0);
	}
	close(fds[1]);
	assert_int_equal(walk_read_fd(f, fds[0], max, &e), 0);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

/* Inputs of unknown size, bigger than a first buffer, and over the cap. */
static void
test_read_fd(void **state)
{
	static const struct {
		size_t len;
		uint64_t max;
		bool skipped;
		uint64_t size;
	} cases[] = {
		{ 0, 100, false, 0 },
		{ 10, 100, false, 10 },
		{ 1 << 20, 1 << 20, false, 1 << 20 },
		{ 3 << 20, UINT64_MAX, false, 3 << 20 },
		{ 3 << 20, 1 << 20, true, (1 << 20) + 1 },
		{ 101, 100, true, 101 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct walk_file f = { 0 };

		read_pipe(&f, cases[i].len, cases[i].max);
		if (f.skipped != cases[i].skipped || f.size != cases[i].size)
			fail_msg("case %zu: skipped %d size %llu", i,
			    f.skipped, (unsigned long long)f.size);
		if (!f.skipped) {
			assert_int_equal(f.len, cases[i].len);
			assert_int_equal(f.data[f.len], '\0');
			assert_true(f.len == 0 || f.data[f.len - 1] == 'p');
		}
		walk_file_release(&f);
	}
}

static void
test_open(void **state)
{
	char path[512];
	struct err e = { 0 };
	uint64_t size = 0;
	int fd = -1;

	(void)state;
	path_of(path, sizeof(path), "root/A");
	assert_int_equal(walk_open(&fd, &size, path, 0, &e), 0);
	assert_true(fd >= 0);
	assert_int_equal(size, 6);
	assert_true((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
	close(fd);
	path_of(path, sizeof(path), "root/fifo");
	fd = -1;
	assert_int_equal(walk_open(&fd, &size, path, 0, &e), -1);
	assert_int_equal(fd, -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_roots),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_unreadable_dir),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_read_cap),
		cmocka_unit_test(test_read_refused),
		cmocka_unit_test(test_read_unsized),
		cmocka_unit_test(test_read_fd),
		cmocka_unit_test(test_open),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
