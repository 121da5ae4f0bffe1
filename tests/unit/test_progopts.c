/*
 * test_progopts: the options every program answers alike (progopts.h):
 * help and version texts, unknown words with their message, words that
 * are the program's own, and --files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "progopts.h"
#include "version.h"

static const struct progopts HOOK = {
	"hook", "usage of hook\n", "option",
	PROGOPTS_OPERANDS | PROGOPTS_FILES
};
static const struct progopts STRICT = {
	"strict", "usage of strict\n", "argument", 0
};

struct pcase {
	const char *name;
	const struct progopts *spec;
	const char *argv[6];	/* after the program's name; NULL ends */
	bool done;		/* progopts_parse()'s answer */
	int status;
	const char *text;	/* when done: the text, whole */
	int files;		/* when not done */
};

static const struct pcase cases[] = {
	{ "nothing", &HOOK, { NULL }, false, 0, NULL, 0 },
	{ "--help", &HOOK, { "--help" }, true, 0, "usage of hook\n", 0 },
	{ "-h after a word", &HOOK, { "a.txt", "-h" }, true, 0,
	    "usage of hook\n", 0 },
	{ "--version", &STRICT, { "--version" }, true, 0,
	    "strict " TOKENGUARD_VERSION "\n", 0 },
	{ "unknown option", &HOOK, { "-x" }, true, 2,
	    "hook: unknown option '-x'\n"
	    "Try 'hook --help' for more information.\n", 0 },
	{ "unknown argument", &STRICT, { "word" }, true, 2,
	    "strict: unknown argument 'word'\n"
	    "Try 'strict --help' for more information.\n", 0 },
	{ "-- is a word to a strict program", &STRICT, { "--" }, true, 2,
	    "strict: unknown argument '--'\n"
	    "Try 'strict --help' for more information.\n", 0 },
	{ "operands pass", &HOOK, { "a.txt", "-", "b" }, false, 0, NULL, 0 },
	{ "-- ends the options", &HOOK, { "--", "--help", "-x" }, false, 0,
	    NULL, 0 },
	{ "--files", &HOOK, { "--files", "a", "--help" }, false, 0, NULL,
	    2 },
	{ "--files --", &HOOK, { "--files", "--", "-x" }, false, 0, NULL,
	    3 },
	{ "--files alone", &HOOK, { "--files" }, false, 0, NULL, 2 },
	{ "--files to a strict program", &STRICT, { "--files" }, true, 2,
	    "strict: unknown argument '--files'\n"
	    "Try 'strict --help' for more information.\n", 0 },
	{ "the first word decides", &HOOK, { "-x", "--help" }, true, 2,
	    "hook: unknown option '-x'\n"
	    "Try 'hook --help' for more information.\n", 0 },
};

static void
test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pcase *c = &cases[i];
		char *argv[8] = { (char *)"prog" };
		struct progopts_answer a;
		int argc = 1;
		bool done;

		while (c->argv[argc - 1] != NULL) {
			argv[argc] = (char *)c->argv[argc - 1];
			argc++;
		}
		done = progopts_parse(&a, c->spec, argc, argv);
		if (done != c->done) {
			print_error("case '%s': answer %d\n", c->name, done);
			fail();
		}
		if (!done) {
			assert_int_equal(a.files, c->files);
			continue;
		}
		assert_int_equal(a.status, c->status);
		if (strcmp(a.text, c->text) != 0) {
			print_error("case '%s': text '%s'\n", c->name, a.text);
			fail();
		}
	}
}

/* A long word is cut short; the line after it is whole. */
static void
test_long_word(void **state)
{
	char word[2000];
	char *argv[] = { (char *)"prog", word };
	struct progopts_answer a;

	(void)state;
	memset(word, 'x', sizeof(word) - 1);
	word[0] = '-';
	word[sizeof(word) - 1] = '\0';
	assert_true(progopts_parse(&a, &HOOK, 2, argv));
	assert_int_equal(a.status, 2);
	assert_non_null(strstr(a.text,
	    "'\nTry 'hook --help' for more information.\n"));
	assert_true(strlen(a.text) < 400);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_long_word),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
