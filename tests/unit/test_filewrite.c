/*
 * test_filewrite: writing whole buffers and replacing files through a
 * temporary one (filewrite.h): the content and mode a replaced file
 * gets, and that a failure leaves no temporary file and says which
 * step failed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "filewrite.h"
#include "support.h"

static char scratch[] = "/tmp/tg-test-filewrite.XXXXXX";
static char path[256], tmp[256];

static void
slurp(char *out, size_t size, const char *p)
{
	FILE *f = fopen(p, "r");
	size_t n;

	assert_non_null(f);
	n = fread(out, 1, size - 1, f);
	out[n] = '\0';
	(void)fclose(f);
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(scratch) == NULL)
		return -1;
	support_path(path, sizeof(path), scratch, "file");
	support_path(tmp, sizeof(tmp), scratch, "file.tmp");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return support_remove_tree(scratch);
}

/* A new file, then a replaced one; a stale temporary file is no bar. */
static void
test_replace(void **state)
{
	struct err e = { 0 };
	struct stat st;
	char got[64];
	mode_t old = umask(022);

	(void)state;
	assert_int_equal(filewrite_replace(path, tmp, "one\n", 4, 0755, 0,
	    &e), 0);
	slurp(got, sizeof(got), path);
	assert_string_equal(got, "one\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	/* The umask applies to mode, unless the mode is to be exact. */
	(void)umask(077);
	assert_int_equal(filewrite_replace(path, tmp, "two\n", 4, 0755, 0,
	    &e), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	slurp(got, sizeof(got), path);
	assert_string_equal(got, "two\n");
	assert_int_equal(filewrite_replace(path, tmp, "", 0, 0644,
	    FILEWRITE_EXACT_MODE, &e), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(st.st_size, 0);
	(void)umask(old);
	assert_int_equal(access(tmp, F_OK), -1);
}

/* Failures name the step, and leave no temporary file. */
static void
test_failures(void **state)
{
	struct err e = { 0 };
	char dir[300], bad[320];

	(void)state;
	(void)snprintf(bad, sizeof(bad), "%s/missing/file.tmp", scratch);
	assert_int_equal(filewrite_replace(path, bad, "x", 1, 0600, 0, &e),
	    -1);
	assert_non_null(strstr(e.msg, "cannot create '"));
	assert_non_null(strstr(e.msg, "No such file or directory"));
	/* A directory cannot be renamed over. */
	(void)snprintf(dir, sizeof(dir), "%s/dir", scratch);
	assert_int_equal(mkdir(dir, 0700), 0);
	(void)snprintf(bad, sizeof(bad), "cannot write '%s'", dir);
	assert_int_equal(filewrite_replace(dir, tmp, "x", 1, 0600, 0, &e),
	    -1);
	assert_non_null(strstr(e.msg, bad));
	assert_int_equal(access(tmp, F_OK), -1);
}

/* All of a buffer goes out, through a pipe as to a file. */
static void
test_all(void **state)
{
	char buf[100000], back[100000];
	size_t got = 0;
	int fds[2], status = -1;
	pid_t pid;

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)('a' + i % 26);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		_exit(filewrite_all(fds[1], buf, sizeof(buf)) == 0 ? 0 : 1);
	}
	close(fds[1]);
	while (got < sizeof(back)) {
		ssize_t n = read(fds[0], back + got, sizeof(back) - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(status, 0);
	assert_int_equal(got, sizeof(buf));
	assert_memory_equal(back, buf, sizeof(buf));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_all),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
