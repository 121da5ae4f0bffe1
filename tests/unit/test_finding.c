/*
 * test_finding: what a finding may reveal (RULES.md 5): the redacted
 * form never shows more than the first 4 and last 2 characters, fewer
 * for short values; fingerprints are "sha256:" and the hex SHA-256 of
 * the value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "finding.h"
#include "support.h"
#include "token.h"

static const char ELLIPSIS[] = "\xe2\x80\xa6";

/*
 * Splits a redacted form into what it shows before and after the
 * ellipsis and checks both against value: a prefix and a suffix of it.
 * Returns the number of characters shown before (*head) and after
 * (*tail).
 */
static void
split_redacted(const char *red, const char *value, size_t len,
    size_t *head, size_t *tail)
{
	const char *dots = strstr(red, ELLIPSIS);
	size_t h, t;

	assert_non_null(dots);
	h = (size_t)(dots - red);
	t = strlen(dots + 3);
	assert_null(strstr(dots + 3, ELLIPSIS));
	assert_true(h + t <= len);
	for (size_t i = 0; i < h; i++) {
		unsigned char c = (unsigned char)value[i];

		if (c < 0x20 || c >= 0x7f)
			assert_int_equal(red[i], '?');
		else
			assert_int_equal(red[i], value[i]);
	}
	for (size_t i = 0; i < t; i++) {
		unsigned char c = (unsigned char)value[len - t + i];

		if (c < 0x20 || c >= 0x7f)
			assert_int_equal(dots[3 + i], '?');
		else
			assert_int_equal(dots[3 + i], value[len - t + i]);
	}
	*head = h;
	*tail = t;
}

/* Every length from 0 to 80: the RULES.md 5 bound and the header's. */
static void
test_redact_lengths(void **state)
{
	char value[81];

	(void)state;
	for (size_t i = 0; i < sizeof(value) - 1; i++)
		value[i] = (char)('!' + i);
	value[80] = '\0';
	for (size_t len = 0; len <= 80; len++) {
		char red[REDACTED_SIZE + 8];
		size_t head, tail;
		bool ok;

		memset(red, 'Z', sizeof(red));
		finding_redact(red, value, len);
		assert_non_null(memchr(red, '\0', REDACTED_SIZE));
		split_redacted(red, value, len, &head, &tail);
		ok = head <= 4 && tail <= 2;
		if (len >= 16)	/* RULES.md 5: npm_...Ab style */
			ok = ok && head == 4 && tail == 2;
		else		/* "fewer for shorter ones" */
			ok = ok && head + tail < 6;
		/*
		 * finding.h also says "never more than a third of the
		 * value", which 4 + 2 breaks for 16 and 17 bytes; that
		 * clause is checked where it does not contradict RULES.md.
		 */
		if (len < 16 || len >= 18)
			ok = ok && 3 * (head + tail) <= len;
		if (!ok) {
			print_error("len %zu: %zu + %zu characters shown\n",
			    len, head, tail);
			fail();
		}
	}
}

struct redact_case {
	const char *name;
	const char *value;	/* template (placeholders allowed) */
	const char *want;	/* template */
};

static const struct redact_case REDACTS[] = {
	{ "opaque literal", "Zq8vR2mK9pLx4TnW7yB3", "Zq8v\xe2\x80\xa6" "B3" },
	{ "uuid", "5f0c3a4e-8b2d-4c1e-9a7f-2d6b8e1c3f90",
	    "5f0c\xe2\x80\xa6" "90" },
	{ "16 bytes", "0123456789abcdef", "0123\xe2\x80\xa6" "ef" },
	{ "control bytes", "\x01\n\tdefghijklmnopq\r", "???d\xe2\x80\xa6"
	    "q?" },
	{ "empty", "", "\xe2\x80\xa6" },
	/*
	 * Found by fuzz_scan: 4 bytes of "\xc3\xa9" (e-acute) end in the
	 * middle of a character; the watcher's JSON record then failed and
	 * the finding was never queued. Non-ASCII bytes show as '?'.
	 */
	{ "UTF-8 cut", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3", "????\xe2\x80\xa6" "??" },
};

static void
test_redact_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(REDACTS) / sizeof(REDACTS[0]); i++) {
		const struct redact_case *c = &REDACTS[i];
		char red[REDACTED_SIZE];

		finding_redact(red, c->value, strlen(c->value));
		if (strcmp(red, c->want) != 0) {
			print_error("redact case '%s': got '%s', want '%s'\n",
			    c->name, red, c->want);
			fail();
		}
	}
}

/* A generated token shows its prefix and last 2 characters only. */
static void
test_redact_token(void **state)
{
	(void)state;
	for (uint64_t seed = 0; seed < 100; seed++) {
		char tok[TOKEN_LEN + 1], red[REDACTED_SIZE], want[16];

		token_generate(tok, seed % 2 == 0 ? "npm_" : "ghp_", seed);
		finding_redact(red, tok, TOKEN_LEN);
		(void)snprintf(want, sizeof(want), "%.4s%s%s", tok, ELLIPSIS,
		    tok + TOKEN_LEN - 2);
		assert_string_equal(red, want);
		/* Nothing of the random middle. */
		for (size_t i = 4; i + 3 <= TOKEN_LEN - 2; i++)
			assert_null(memmem(red, strlen(red), tok + i, 3));
	}
}

struct fp_case {
	const char *value;
	size_t len;
	const char *hex;
};

static const struct fp_case FPS[] = {
	{ "abc", 3,
	    "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad" },
	{ "", 0,
	    "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855" },
	/* The length counts, not the NUL: "abc" cut to 2 bytes. */
	{ "abc", 2,
	    "fb8e20fc2e4c3f248c60c39bd652f3c1"
	    "347298bb977b8b4d5903b85055620603" },
	{ "The quick brown fox jumps over the lazy dog", 43,
	    "d7a8fbb307d7809469ca9abcb0082e4f"
	    "8d5651e46d3cdb762d02d0bf37c9e592" },
};

static void
test_fingerprint_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(FPS) / sizeof(FPS[0]); i++) {
		char fp[FINGERPRINT_SIZE + 8], want[FINGERPRINT_SIZE];
		struct err e = { 0 };

		memset(fp, 'Z', sizeof(fp));
		assert_int_equal(finding_fingerprint(fp, FPS[i].value,
		    FPS[i].len, &e), 0);
		(void)snprintf(want, sizeof(want), "sha256:%s", FPS[i].hex);
		assert_string_equal(fp, want);
		assert_int_equal(strlen(fp), FINGERPRINT_SIZE - 1);
		assert_true(finding_is_fingerprint(fp));
	}
}

/* Distinct values, distinct fingerprints; the same value, the same. */
static void
test_fingerprint_tokens(void **state)
{
	char a[FINGERPRINT_SIZE], b[FINGERPRINT_SIZE];
	char t1[TOKEN_LEN + 1], t2[TOKEN_LEN + 1];
	struct err e = { 0 };

	(void)state;
	token_generate(t1, "npm_", 1);
	token_generate(t2, "npm_", 2);
	assert_int_equal(finding_fingerprint(a, t1, TOKEN_LEN, &e), 0);
	assert_int_equal(finding_fingerprint(b, t2, TOKEN_LEN, &e), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(finding_fingerprint(b, t1, TOKEN_LEN, &e), 0);
	assert_string_equal(a, b);
	/* A fingerprint reveals nothing of the token. */
	assert_null(strstr(a, t1 + 4));
}

struct isfp_case {
	const char *name;
	const char *s;
	bool want;
};

#define HEX64 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static const struct isfp_case ISFPS[] = {
	{ "valid", "sha256:" HEX64, true },
	{ "upper-case hex", "sha256:"
	    "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
	    false },
	{ "63 digits", "sha256:"
	    "a7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    false },
	{ "65 digits", "sha256:" HEX64 "0", false },
	{ "trailing newline", "sha256:" HEX64 "\n", false },
	{ "trailing space", "sha256:" HEX64 " ", false },
	{ "leading space", " sha256:" HEX64, false },
	{ "non-hex digit", "sha256:"
	    "ga7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    false },
	{ "upper-case scheme", "SHA256:" HEX64, false },
	{ "other scheme", "sha512:" HEX64, false },
	{ "no scheme", HEX64, false },
	{ "scheme only", "sha256:", false },
	{ "empty", "", false },
};

static void
test_is_fingerprint(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ISFPS) / sizeof(ISFPS[0]); i++) {
		if (finding_is_fingerprint(ISFPS[i].s) != ISFPS[i].want) {
			print_error("is_fingerprint case '%s': want %s\n",
			    ISFPS[i].name, ISFPS[i].want ? "true" : "false");
			fail();
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redact_lengths),
		cmocka_unit_test(test_redact_cases),
		cmocka_unit_test(test_redact_token),
		cmocka_unit_test(test_fingerprint_vectors),
		cmocka_unit_test(test_fingerprint_tokens),
		cmocka_unit_test(test_is_fingerprint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
