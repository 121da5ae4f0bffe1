/*
 * test_progress: when a progress line is due (the first after the
 * delay, TOKENGUARD_PROGRESS_DELAY replacing it, then at most every
 * PROGRESS_EVERY_MS), what a line looks like (drawn in place, cut to the
 * terminal's width, never more than one line), erasing it, and sizes.
 * Times are given, not measured: nothing here depends on the machine's
 * speed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "progress.h"

static const struct delay_case {
	const char *env;	/* NULL: unset */
	uint64_t want;
} delay_cases[] = {
	{ NULL, PROGRESS_DELAY_MS },
	{ "0", 0 },
	{ "250", 250 },
	{ "60000", 60000 },
	{ "60001", PROGRESS_DELAY_MS },
	{ "", PROGRESS_DELAY_MS },
	{ "-1", PROGRESS_DELAY_MS },
	{ "10ms", PROGRESS_DELAY_MS },
	{ "99999999999999999999999", PROGRESS_DELAY_MS },
};

/* The first update comes after the delay, not before. */
static void
test_first_delay(void **state)
{
	struct progress p;

	(void)state;
	for (size_t i = 0; i < sizeof(delay_cases) / sizeof(delay_cases[0]);
	    i++) {
		const struct delay_case *c = &delay_cases[i];

		if (c->env == NULL)
			assert_int_equal(unsetenv("TOKENGUARD_PROGRESS_DELAY"),
			    0);
		else
			assert_int_equal(setenv("TOKENGUARD_PROGRESS_DELAY",
			    c->env, 1), 0);
		progress_init(&p, -1, 1000);
		if (c->want > 0) {
			assert_false(progress_due(&p, 1000 + c->want - 1));
			assert_int_equal(progress_wait(&p, 1000), c->want);
		}
		assert_true(progress_due(&p, 1000 + c->want));
		assert_int_equal(progress_wait(&p, 1000 + c->want), 0);
		assert_false(p.shown);
	}
	assert_int_equal(unsetenv("TOKENGUARD_PROGRESS_DELAY"), 0);
}

/* After a line, the next is due PROGRESS_EVERY_MS later. */
static void
test_rate(void **state)
{
	struct progress p;

	(void)state;
	assert_int_equal(setenv("TOKENGUARD_PROGRESS_DELAY", "0", 1), 0);
	progress_init(&p, -1, 5000);
	assert_true(progress_due(&p, 5000));
	(void)progress_format(&p, 5000, "x");
	assert_false(progress_due(&p, 5000));
	assert_false(progress_due(&p, 5000 + PROGRESS_EVERY_MS - 1));
	assert_int_equal(progress_wait(&p, 5000), PROGRESS_EVERY_MS);
	assert_true(progress_due(&p, 5000 + PROGRESS_EVERY_MS));
	assert_int_equal(unsetenv("TOKENGUARD_PROGRESS_DELAY"), 0);
}

static const struct line_case {
	size_t width;
	const char *text;
	const char *want;
} line_cases[] = {
	{ 80, "tokenguard: 12/40 commits",
	    "\rtokenguard: 12/40 commits\033[K" },
	{ 80, "", "\r\033[K" },
	/* Cut to width - 1 columns. */
	{ 10, "0123456789abc", "\r012345678\033[K" },
	{ 10, "012345678", "\r012345678\033[K" },
	{ 2, "abc", "\ra\033[K" },
	/* Never a new line. */
	{ 80, "a\nb\rc", "\ra b c\033[K" },
};

static void
test_format(void **state)
{
	struct progress p;
	char big[400];
	const char *s;

	(void)state;
	for (size_t i = 0; i < sizeof(line_cases) / sizeof(line_cases[0]);
	    i++) {
		progress_init(&p, -1, 0);
		p.width = line_cases[i].width;
		s = progress_format(&p, 0, "%s", line_cases[i].text);
		assert_string_equal(s, line_cases[i].want);
		assert_true(p.shown);
	}
	/* A width beyond the buffer: cut to what fits, still erased. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	progress_init(&p, -1, 0);
	p.width = 1000;
	s = progress_format(&p, 0, "%s", big);
	assert_true(strlen(s) < PROGRESS_LINE_MAX);
	assert_int_equal(s[0], '\r');
	assert_string_equal(s + strlen(s) - 3, "\033[K");
	/* No terminal: 80 columns. */
	progress_init(&p, -1, 0);
	assert_int_equal(p.width, 80);
}

/* Erasing: only what is shown, once. */
static void
test_clear(void **state)
{
	struct progress p;

	(void)state;
	progress_init(&p, -1, 0);
	assert_string_equal(progress_clear(&p), "");
	(void)progress_format(&p, 0, "x");
	assert_string_equal(progress_clear(&p), "\r\033[K");
	assert_false(p.shown);
	assert_string_equal(progress_clear(&p), "");
}

static const struct size_case {
	uint64_t bytes;
	const char *want;
} size_cases[] = {
	{ 0, "0 B" },
	{ 1023, "1023 B" },
	{ 1024, "1.0 KiB" },
	{ 1536, "1.5 KiB" },
	{ 10 * 1024, "10 KiB" },
	{ 1024 * 1024 - 1, "1024 KiB" },
	{ 1024 * 1024, "1.0 MiB" },
	{ 5ULL * 1024 * 1024 * 1024, "5.0 GiB" },
	{ 3ULL << 50, "3.0 PiB" },
	{ UINT64_MAX, "16 EiB" },
};

static void
test_size(void **state)
{
	char out[PROGRESS_SIZE_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(size_cases) / sizeof(size_cases[0]);
	    i++) {
		assert_string_equal(progress_size(out, size_cases[i].bytes),
		    size_cases[i].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_delay),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
