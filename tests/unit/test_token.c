/*
 * test_token: the checksummed token format of RULES.md 1.1 and 1.2: the
 * published test vectors, an independent CRC-32/base62 computation,
 * token_generate() round trips for every prefix, the 0-4 pre-check and
 * token_shape() on edge cases.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support.h"
#include "token.h"

static const char B62[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static const char *const PREFIXES[] = {
	"npm_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_",
};

/*
 * CRC-32 (IEEE, reflected, as zlib computes it) written out bit by bit,
 * so that the checksum is checked against something other than the
 * code under test.
 */
static uint32_t
crc32_ref(const char *p, size_t n)
{
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		crc ^= (unsigned char)p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return crc ^ 0xffffffffu;
}

static void
base62_ref(char out[7], uint32_t v)
{
	for (int i = 5; i >= 0; i--) {
		out[i] = B62[v % 62];
		v /= 62;
	}
	out[6] = '\0';
}

/* Joins "npm_" + first + second into out (41 bytes). */
static void
join(char out[TOKEN_LEN + 1], const char *first, const char *second)
{
	(void)snprintf(out, TOKEN_LEN + 1, "npm_%s%s", first, second);
	assert_int_equal(strlen(out), TOKEN_LEN);
}

struct vector {
	const char *first;	/* 30 random characters */
	const char *second;	/* the 6 checksum characters */
	bool valid;
	bool precheck;		/* first checksum character in 0-4 */
};

/* RULES.md 1.1, in halves so that no file holds a whole token. */
static const struct vector VECTORS[] = {
	{ "qkJaB6MffYVzZXWqmcoF49yrUxP3wf", "0LsakP", true, true },
	{ "bMyQ9CC9m5YKTg0jSrGgPT2dk5dZfp", "1SsARB", true, true },
	{ "TCllNwh2WLQlMWVhybM1iQrsTj6rMQ", "0BOh6d", false, true },
	{ "hK0FJXBYCkejhEMY4Kp6bOOZn1DlfB", "OmtbJY", false, false },
};

static void
test_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(VECTORS) / sizeof(VECTORS[0]); i++) {
		const struct vector *v = &VECTORS[i];
		char tok[TOKEN_LEN + 1], check[TOKEN_CHECK + 1];
		char ref[7];

		join(tok, v->first, v->second);
		print_message("vector %zu (%s)\n", i, v->valid ? "valid" :
		    "invalid");
		assert_int_equal(token_shape(tok, TOKEN_LEN), TOKEN_NPM);
		assert_int_equal(token_checksum_ok(tok), v->valid);
		token_checksum(check, v->first);
		base62_ref(ref, crc32_ref(v->first, TOKEN_BODY));
		assert_string_equal(check, ref);
		if (v->valid)
			assert_string_equal(check, v->second);
		else
			assert_string_not_equal(check, v->second);
		assert_int_equal(v->second[0] >= '0' && v->second[0] <= '4',
		    v->precheck);
	}
}

/* The largest CRC-32 is "4gfFC3" in base62 (RULES.md 1.1). */
static void
test_largest_checksum(void **state)
{
	char ref[7];

	(void)state;
	base62_ref(ref, 0xffffffffu);
	assert_string_equal(ref, "4gfFC3");
}

/*
 * The checksum is over the 30 random characters only: the same body
 * under every prefix has the same checksum.
 */
static void
test_checksum_ignores_prefix(void **state)
{
	char npm[TOKEN_LEN + 1], tok[TOKEN_LEN + 1];

	(void)state;
	token_generate(npm, "npm_", 42);
	for (size_t i = 0; i < sizeof(PREFIXES) / sizeof(PREFIXES[0]); i++) {
		memcpy(tok, npm, sizeof(tok));
		memcpy(tok, PREFIXES[i], 4);
		assert_true(token_checksum_ok(tok));
	}
}

static void
test_generate_round_trip(void **state)
{
	(void)state;
	for (size_t p = 0; p < sizeof(PREFIXES) / sizeof(PREFIXES[0]); p++) {
		enum token_kind want = p == 0 ? TOKEN_NPM : TOKEN_GITHUB;
		char prev[TOKEN_LEN + 1] = "";

		for (uint64_t seed = 0; seed < 2000; seed++) {
			char tok[TOKEN_LEN + 1], again[TOKEN_LEN + 1];
			char ref[7];

			token_generate(tok, PREFIXES[p], seed);
			assert_int_equal(strlen(tok), TOKEN_LEN);
			assert_memory_equal(tok, PREFIXES[p], 4);
			for (size_t i = 4; i < TOKEN_LEN; i++)
				assert_true(token_is_base62(
				    (unsigned char)tok[i]));
			assert_int_equal(token_shape(tok, TOKEN_LEN), want);
			assert_true(token_checksum_ok(tok));
			base62_ref(ref, crc32_ref(tok + 4, TOKEN_BODY));
			assert_memory_equal(tok + 4 + TOKEN_BODY, ref, 6);
			assert_in_range(tok[4 + TOKEN_BODY], '0', '4');

			token_generate(again, PREFIXES[p], seed);
			assert_string_equal(tok, again);
			assert_string_not_equal(tok, prev);
			memcpy(prev, tok, sizeof(prev));

			/* Any changed checksum character breaks it. */
			for (size_t i = 4 + TOKEN_BODY; i < TOKEN_LEN; i++) {
				char c = tok[i];

				tok[i] = c == 'A' ? 'B' : 'A';
				assert_false(token_checksum_ok(tok));
				tok[i] = c;
			}
			/* So does a changed body character. */
			tok[10] = tok[10] == 'z' ? 'y' : 'z';
			assert_false(token_checksum_ok(tok));
		}
	}
}

/*
 * The pre-check: a first checksum character outside 0-4 is rejected,
 * whatever follows; 0-4 with the right rest is accepted.
 */
static void
test_precheck(void **state)
{
	(void)state;
	for (uint64_t seed = 0; seed < 200; seed++) {
		char tok[TOKEN_LEN + 1];
		char first;

		token_generate(tok, "npm_", seed);
		first = tok[4 + TOKEN_BODY];
		for (const char *c = B62; *c != '\0'; c++) {
			tok[4 + TOKEN_BODY] = *c;
			if (*c == first)
				assert_true(token_checksum_ok(tok));
			else
				assert_false(token_checksum_ok(tok));
		}
	}
}

struct shape_case {
	const char *name;
	const char *prefix;	/* replaces the first 4 bytes */
	int pos;		/* position to overwrite, or -1 */
	char byte;
	size_t avail;		/* 0: TOKEN_LEN */
	enum token_kind want;
};

static const struct shape_case SHAPES[] = {
	{ "npm_ shape", "npm_", -1, 0, 0, TOKEN_NPM },
	{ "ghp_ shape", "ghp_", -1, 0, 0, TOKEN_GITHUB },
	{ "gho_ shape", "gho_", -1, 0, 0, TOKEN_GITHUB },
	{ "ghu_ shape", "ghu_", -1, 0, 0, TOKEN_GITHUB },
	{ "ghs_ shape", "ghs_", -1, 0, 0, TOKEN_GITHUB },
	{ "ghr_ shape", "ghr_", -1, 0, 0, TOKEN_GITHUB },
	{ "more bytes available", "npm_", -1, 0, 100, TOKEN_NPM },
	{ "39 bytes available", "npm_", -1, 0, 39, TOKEN_NONE },
	{ "nothing available", "npm_", -1, 0, 1, TOKEN_NONE },
	{ "gha_ is no prefix", "gha_", -1, 0, 0, TOKEN_NONE },
	{ "ghx_ is no prefix", "ghx_", -1, 0, 0, TOKEN_NONE },
	{ "ghP_ is no prefix", "ghP_", -1, 0, 0, TOKEN_NONE },
	{ "NPM_ is no prefix", "NPM_", -1, 0, 0, TOKEN_NONE },
	{ "npm- is no prefix", "npm-", -1, 0, 0, TOKEN_NONE },
	{ "npmx is no prefix", "npmx", -1, 0, 0, TOKEN_NONE },
	{ "gh NUL _ is no prefix", "gh\0_", -1, 0, 0, TOKEN_NONE },
	{ "pat_ is no prefix", "pat_", -1, 0, 0, TOKEN_NONE },
	{ "'-' first", "npm_", 4, '-', 0, TOKEN_NONE },
	{ "'_' in the middle", "npm_", 20, '_', 0, TOKEN_NONE },
	{ "'-' last", "npm_", 39, '-', 0, TOKEN_NONE },
	{ "NUL last", "npm_", 39, '\0', 0, TOKEN_NONE },
	{ "space in the middle", "npm_", 17, ' ', 0, TOKEN_NONE },
	{ "non-ASCII byte", "ghp_", 25, (char)0xc3, 0, TOKEN_NONE },
	{ "'=' in the checksum", "npm_", 35, '=', 0, TOKEN_NONE },
	{ "'0' first is fine", "npm_", 4, '0', 0, TOKEN_NPM },
	{ "'z' last is fine", "ghs_", 39, 'z', 0, TOKEN_GITHUB },
};

static void
test_shape(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(SHAPES) / sizeof(SHAPES[0]); i++) {
		const struct shape_case *c = &SHAPES[i];
		char buf[128];
		size_t avail = c->avail == 0 ? TOKEN_LEN : c->avail;
		enum token_kind got;

		memset(buf, 'Q', sizeof(buf));
		token_generate(buf, "npm_", 77);
		buf[TOKEN_LEN] = 'Q';
		memcpy(buf, c->prefix, 4);
		if (c->pos >= 0)
			buf[c->pos] = c->byte;
		got = token_shape(buf, avail);
		if (got != c->want) {
			print_error("shape case '%s': want %d, got %d\n",
			    c->name, c->want, got);
			fail();
		}
	}
}

/* token_shape() leaves boundaries to the caller: a 41st base62 byte. */
static void
test_shape_ignores_following(void **state)
{
	char buf[TOKEN_LEN + 2];

	(void)state;
	token_generate(buf, "npm_", 3);
	buf[TOKEN_LEN] = 'a';
	buf[TOKEN_LEN + 1] = '\0';
	assert_int_equal(token_shape(buf, sizeof(buf) - 1), TOKEN_NPM);
}

static void
test_is_base62(void **state)
{
	(void)state;
	for (int c = 0; c < 256; c++) {
		bool want = c != 0 && strchr(B62, c) != NULL;

		assert_int_equal(token_is_base62((unsigned char)c), want);
	}
}

/* The placeholders of the scan tests are what they claim to be. */
static void
test_support_placeholders(void **state)
{
	static const char *const valid[] = {
		"NPM", "NPM2", "NPM3", "GHP", "GHO", "GHU", "GHS", "GHR",
	};
	static const char *const broken[] = { "BAD", "BADPRE", "BADGHP" };
	const char *v;

	(void)state;
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		v = support_placeholder(valid[i]);
		assert_non_null(v);
		assert_int_not_equal(token_shape(v, strlen(v)), TOKEN_NONE);
		assert_true(token_checksum_ok(v));
	}
	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		v = support_placeholder(broken[i]);
		assert_non_null(v);
		assert_int_not_equal(token_shape(v, strlen(v)), TOKEN_NONE);
		assert_false(token_checksum_ok(v));
	}
	v = support_placeholder("BAD");
	assert_in_range(v[4 + TOKEN_BODY], '0', '4');
	v = support_placeholder("BADPRE");
	assert_int_equal(v[4 + TOKEN_BODY], '9');
	v = support_placeholder("GHA");
	assert_int_equal(strlen(v), TOKEN_LEN);
	assert_int_equal(token_shape(v, TOKEN_LEN), TOKEN_NONE);
	v = support_placeholder("GHPAT");
	assert_int_equal(strlen(v), 11 + 22 + 1 + 59);
	assert_memory_equal(v, "github_pat_", 11);
	assert_int_equal(v[33], '_');
}

static void
test_support_expand(void **state)
{
	struct support_text t;
	char *b64;

	(void)state;
	support_expand(&t, "a@@X@@b u:p@h @NPM@,@NUL@@B64{abc}@@B64{@NPM@}@");
	b64 = support_base64(support_placeholder("NPM"), TOKEN_LEN);
	assert_memory_equal(t.buf, "a@@X@@b u:p@h ", 14);
	assert_memory_equal(t.buf + 14, support_placeholder("NPM"),
	    TOKEN_LEN);
	assert_memory_equal(t.buf + 14 + TOKEN_LEN, ",\0YWJj", 6);
	assert_string_equal(t.buf + 14 + TOKEN_LEN + 6, b64);
	assert_int_equal(t.len, 14 + TOKEN_LEN + 6 + strlen(b64));
	assert_string_equal(b64, support_placeholder("B64NPM"));
	free(b64);
	support_text_release(&t);

	b64 = support_base64("", 0);
	assert_string_equal(b64, "");
	free(b64);
	b64 = support_base64("ab", 2);
	assert_string_equal(b64, "YWI=");
	free(b64);
	b64 = support_base64("user:password", 13);
	assert_string_equal(b64, "dXNlcjpwYXNzd29yZA==");
	free(b64);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_largest_checksum),
		cmocka_unit_test(test_checksum_ignores_prefix),
		cmocka_unit_test(test_generate_round_trip),
		cmocka_unit_test(test_precheck),
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_shape_ignores_following),
		cmocka_unit_test(test_is_base62),
		cmocka_unit_test(test_support_placeholders),
		cmocka_unit_test(test_support_expand),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
