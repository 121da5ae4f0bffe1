/*
 * test_hookcfg: the hooks' readers of their own keys (hookcfg.h): set,
 * unset and malformed booleans and strings, and their messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <git2.h>

#include "hookcfg.h"

static git_config *cfg;

static int
setup(void **state)
{
	static const char text[] =
	    "[t]\n"
	    "\tyes = true\n"
	    "\toff = off\n"
	    "\tbare\n"
	    "\tbad = maybe\n"
	    "\tword = 500ms\n"
	    "\tempty =\n";
	char path[] = "/tmp/tg-test-hookcfg.XXXXXX";
	int fd = mkstemp(path);
	int rc = -1;

	(void)state;
	if (fd < 0)
		return -1;
	if (write(fd, text, sizeof(text) - 1) == (ssize_t)sizeof(text) - 1 &&
	    git_libgit2_init() >= 0 &&
	    git_config_open_ondisk(&cfg, path) == 0)
		rc = 0;
	close(fd);
	(void)unlink(path);
	return rc;
}

static int
teardown(void **state)
{
	(void)state;
	git_config_free(cfg);
	(void)git_libgit2_shutdown();
	return 0;
}

static void
test_bool(void **state)
{
	struct err e = { 0 };
	bool v;

	(void)state;
	v = false;
	assert_int_equal(hookcfg_read_bool(&v, cfg, "t.yes", &e), 0);
	assert_true(v);
	assert_int_equal(hookcfg_read_bool(&v, cfg, "t.off", &e), 0);
	assert_false(v);
	assert_int_equal(hookcfg_read_bool(&v, cfg, "t.bare", &e), 0);
	assert_true(v);
	/* Unset: left alone. */
	assert_int_equal(hookcfg_read_bool(&v, cfg, "t.unset", &e), 0);
	assert_true(v);
	assert_int_equal(hookcfg_read_bool(&v, cfg, "t.bad", &e), -1);
	assert_non_null(strstr(e.msg, "config 't.bad': "));
	assert_non_null(strstr(e.msg, "maybe"));
}

static void
test_string(void **state)
{
	git_buf buf = { 0 };
	struct err e = { 0 };

	(void)state;
	assert_int_equal(hookcfg_read_string(&buf, cfg, "t.word", &e), 1);
	assert_string_equal(buf.ptr, "500ms");
	git_buf_dispose(&buf);
	assert_int_equal(hookcfg_read_string(&buf, cfg, "t.empty", &e), 1);
	assert_string_equal(buf.ptr, "");
	git_buf_dispose(&buf);
	assert_int_equal(hookcfg_read_string(&buf, cfg, "t.unset", &e), 0);
	git_buf_dispose(&buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_string),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
