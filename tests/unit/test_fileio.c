/*
 * test_fileio: a small file read whole. A regular file within the cap
 * is read with its mode; a missing file is an error unless the caller
 * allows it; what is not a regular file, or is over the cap, is not
 * read and says so; a symbolic link is followed or refused as asked;
 * errors name the path; paths are taken relative to a directory
 * descriptor.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fileio.h"

static char scratch[] = "/tmp/tg-test-fileio.XXXXXX";
static int topfd = -1;

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(scratch) == NULL)
		return -1;
	topfd = open(scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (topfd < 0)
		return -1;
	if (mkdirat(topfd, "dir", 0755) < 0 ||
	    mkfifoat(topfd, "fifo", 0600) < 0 ||
	    symlinkat("small", topfd, "link") < 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	static const char *const names[] = {
		"small", "empty", "big", "fifo", "link",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		(void)unlinkat(topfd, names[i], 0);
	(void)unlinkat(topfd, "dir", AT_REMOVEDIR);
	(void)close(topfd);
	return rmdir(scratch);
}

static void
put(const char *name, const char *text, mode_t mode)
{
	size_t len = strlen(text);
	int fd;

	fd = openat(topfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static void
test_read(void **state)
{
	static const struct {
		const char *name;
		unsigned flags;
		int rc;
		enum fileio_state state;
		const char *text;	/* FILEIO_READ: the contents */
		const char *why;	/* -1: the message, after the path */
	} cases[] = {
		{ "small", 0, 0, FILEIO_READ, "0123456789", NULL },
		{ "empty", 0, 0, FILEIO_READ, "", NULL },
		{ "big", 0, 0, FILEIO_TOO_BIG, NULL, NULL },
		{ "small", FILEIO_PRIVATE, 0, FILEIO_NOT_PRIVATE, NULL, NULL },
		{ "empty", FILEIO_PRIVATE, 0, FILEIO_READ, "", NULL },
		{ "dir", 0, 0, FILEIO_NOT_REGULAR, NULL, NULL },
		{ "fifo", 0, 0, FILEIO_NOT_REGULAR, NULL, NULL },
		{ "link", 0, 0, FILEIO_READ, "0123456789", NULL },
		{ "link", FILEIO_NOFOLLOW, -1, FILEIO_READ, NULL,
		    "': Too many levels of symbolic links" },
		{ "link", FILEIO_LINK_MISSING, 0, FILEIO_MISSING, NULL, NULL },
		{ "dir", FILEIO_LINK_MISSING, 0, FILEIO_NOT_REGULAR, NULL,
		    NULL },
		{ "missing", 0, -1, FILEIO_READ, NULL,
		    "': No such file or directory" },
		{ "missing", FILEIO_MISSING_OK, 0, FILEIO_MISSING, NULL,
		    NULL },
		{ "small/x", FILEIO_MISSING_OK, 0, FILEIO_MISSING, NULL,
		    NULL },
	};

	(void)state;
	put("small", "0123456789", 0640);
	put("empty", "", 0600);
	put("big", "01234567890", 0600);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fileio_text f = { FILEIO_READ, NULL, 0, 0 };
		struct err e = { 0 };
		char want[256];
		int rc;

		rc = fileio_read(&f, topfd, cases[i].name, 10,
		    cases[i].flags, &e);
		if (rc != cases[i].rc)
			fail_msg("'%s': rc %d (%s)", cases[i].name, rc, e.msg);
		if (rc < 0) {
			(void)snprintf(want, sizeof(want), "'%s%s",
			    cases[i].name, cases[i].why);
			assert_string_equal(e.msg, want);
			assert_null(f.data);
			continue;
		}
		if (f.state != cases[i].state)
			fail_msg("'%s': state %d", cases[i].name, f.state);
		if (cases[i].text == NULL) {
			assert_null(f.data);
			continue;
		}
		assert_non_null(f.data);
		assert_int_equal(f.len, strlen(cases[i].text));
		assert_string_equal(f.data, cases[i].text);
		free(f.data);
	}
}

/* The mode comes with what was read, and with what was not. */
static void
test_mode(void **state)
{
	struct fileio_text f;
	struct err e = { 0 };

	(void)state;
	put("small", "x", 0640);
	assert_int_equal(fileio_read(&f, topfd, "small", 10, 0, &e), 0);
	assert_true(S_ISREG(f.mode));
	assert_int_equal(f.mode & 07777, 0640);
	free(f.data);
	assert_int_equal(fileio_read(&f, topfd, "dir", 10, 0, &e), 0);
	assert_true(S_ISDIR(f.mode));
}

/* A path from the working directory, as most callers give it. */
static void
test_cwd(void **state)
{
	struct fileio_text f;
	struct err e = { 0 };
	char path[128];

	(void)state;
	put("small", "abc", 0600);
	(void)snprintf(path, sizeof(path), "%s/small", scratch);
	assert_int_equal(fileio_read(&f, AT_FDCWD, path, 3, FILEIO_NOFOLLOW,
	    &e), 0);
	assert_int_equal(f.state, FILEIO_READ);
	assert_string_equal(f.data, "abc");
	free(f.data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_mode),
		cmocka_unit_test(test_cwd),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
