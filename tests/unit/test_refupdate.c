/*
 * test_refupdate: the "<old> <new> <ref>" lines a pre-receive hook reads
 * (refupdate.h): well-formed lines, creations and deletions, and every
 * kind of malformed line, each refused with its message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "refupdate.h"

#define Z40 "0000000000000000000000000000000000000000"
#define A40 "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"
#define B40 "B94A8FE5CCB19BA61C4C0873D391E987982FBBD3"
#define H64 "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3" \
    "a94a8fe5ccb19ba61c4c0873"

struct rcase {
	const char *name;
	const char *line;
	size_t len;		/* 0: strlen(line) */
	bool ok;
	const char *ref;	/* when ok */
	bool creation;
	bool deletion;
	const char *msg;	/* when not ok: a part of the message */
};

static const struct rcase cases[] = {
	{ "update", A40 " " A40 " refs/heads/main", 0, true,
	    "refs/heads/main", false, false, NULL },
	{ "upper-case hex", B40 " " A40 " refs/heads/main", 0, true,
	    "refs/heads/main", false, false, NULL },
	{ "creation", Z40 " " A40 " refs/tags/v1", 0, true,
	    "refs/tags/v1", true, false, NULL },
	{ "deletion", A40 " " Z40 " refs/heads/old", 0, true,
	    "refs/heads/old", false, true, NULL },
	{ "ref with spaces kept whole", A40 " " A40 " refs/heads/a b", 0,
	    true, "refs/heads/a b", false, false, NULL },
	{ "one-byte ref", A40 " " A40 " x", 0, true, "x", false, false,
	    NULL },
	{ "empty line", "", 0, false, NULL, false, false,
	    "not '<old> <new> <ref>'" },
	{ "one field", A40, 0, false, NULL, false, false, "not '<old>" },
	{ "two fields", A40 " " A40, 0, false, NULL, false, false,
	    "not '<old>" },
	{ "empty ref", A40 " " A40 " ", 0, false, NULL, false, false,
	    "not '<old>" },
	{ "two spaces", A40 "  " A40 " refs/heads/x", 0, false, NULL, false,
	    false, "bad object id" },
	{ "short id", "a94a8fe " A40 " refs/heads/x", 0, false, NULL, false,
	    false, "bad object id" },
	{ "non-hex id", "g94a8fe5ccb19ba61c4c0873d391e987982fbbd3 " A40
	    " refs/heads/x", 0, false, NULL, false, false, "bad object id" },
	{ "41 digits", A40 "0 " A40 " refs/heads/x", 0, false, NULL, false,
	    false, "bad object id" },
	{ "sha-256 old", H64 " " H64 " refs/heads/x", 0, false, NULL, false,
	    false, "SHA-256" },
	{ "sha-256 new", A40 " " H64 " refs/heads/x", 0, false, NULL, false,
	    false, "SHA-256" },
	/* The length is given: a NUL cannot hide the rest of the line. */
	{ "NUL in the ref", A40 " " A40 " refs/heads/a\0b", 96, false,
	    NULL, false, false, "not '<old>" },
	/* Parsing stops at len: bytes past it are not read. */
	{ "length shorter than the string", A40 " " A40 " refs/heads/abc",
	    94, true, "refs/heads/a", false, false, NULL },
};

static void
test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rcase *c = &cases[i];
		size_t len = c->len != 0 ? c->len : strlen(c->line);
		struct refupdate u;
		struct err e = { 0 };
		int rc;

		memset(&u, 0x5a, sizeof(u));
		rc = refupdate_parse(&u, c->line, len, &e);
		if ((rc == 0) != c->ok) {
			print_error("case '%s': rc %d (%s)\n", c->name, rc,
			    e.msg);
			fail();
		}
		if (!c->ok) {
			if (strstr(e.msg, c->msg) == NULL) {
				print_error("case '%s': message '%s'\n",
				    c->name, e.msg);
				fail();
			}
			/* Outputs are written only on success. */
			assert_int_equal(((unsigned char *)&u)[0], 0x5a);
			continue;
		}
		assert_string_equal(u.ref, c->ref);
		assert_int_equal(u.creation, c->creation);
		assert_int_equal(u.deletion, c->deletion);
		refupdate_release(&u);
		refupdate_release(&u);
	}
}

/* The ids are parsed, not just checked. */
static void
test_ids(void **state)
{
	struct refupdate u;
	struct err e = { 0 };
	char hex[GIT_OID_HEXSZ + 1];
	const char *line = A40 " " B40 " refs/heads/main";

	(void)state;
	assert_int_equal(refupdate_parse(&u, line, strlen(line), &e), 0);
	assert_string_equal(git_oid_tostr(hex, sizeof(hex), &u.old_id), A40);
	assert_string_equal(git_oid_tostr(hex, sizeof(hex), &u.new_id),
	    "b94a8fe5ccb19ba61c4c0873d391e987982fbbd3");
	refupdate_release(&u);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
