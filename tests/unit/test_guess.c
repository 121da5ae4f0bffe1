/*
 * Unit tests for guess: issued or made up (RULES.md 3.1). Tables of
 * made-up values of public test code, and random values of the shapes
 * registries issue, drawn at run time, which must stay findings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "guess.h"

struct gcase {
	const char *value;
	bool made_up;
};

/* Token slots: what tests and docs write, and what registries issue. */
static const struct gcase TOKENS[] = {
	{ "private-reg-token", true },
	{ "test-other-token", true },
	{ "some-employee-token", true },
	{ "SyntheticNpmToken123", true },
	{ "abcd-1234-efgh-5678", true },
	{ "deadbeefcafebadfoobarbaz42069", true },
	{ "org-a-path-token", true },
	{ "classic-token-456", true },
	{ "token/with+special=chars", true },
	{ "test-token-from-env", true },
	{ "canary-alice-npm", true },
	{ "fictional-secret", true },
	{ "npm_opaqueValue123", true },
	{ "npm_1234567890abcdef", true },
	{ "npm_abc123secretXYZ", true },
	{ "npm_1a2b3c4d5e6f7g8h9i0j", true },
	{ "ghp_DEIN_TOKEN_HIER", true },
	{ "segredo/npm-token", true },
	{ "super-secret-token-xyz", true },
	{ "npm_LEAKEDTOKEN123", true },
	/* issued: random, or an issuer's format */
	{ "kY9pF34Qy6nB3Wwd8sLq2TzR", false },
	{ "Zq8vR2mK9pLx4TnW7yB3", false },
	{ "e9cb0eb53f16947ccf25ec84d8dbc74254770f58", false },
	{ "b2715945-795e-4229-851a-bd81f1d69ed6", false },
	{ "glpat-IVIKasdtYpHqZ0ZIafNp", false },
	{ "6l3vfz5zfkkibj5j6wjibagi3mnbqnspuq2idw52ijb4lajlj6hd", false },
	{ "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJuYW1lIjoiY2kifQ."
	    "Qk3xP9vT2mLr8WnY5bHcJd7sFg1aZe4uRo6iKt0yNpA", false },
	{ "npm_6a3cP3uSgS5xLu9LuAmKkR", false },
};

/* Password slots: only the test and example family is made up. */
static const struct gcase PASSWORDS[] = {
	{ "password", true },
	{ "secret", true },
	{ "pass123", true },
	{ "hunter2", true },
	{ "changeme", true },
	{ "P@ssw0rd!", true },
	{ "admin123", true },
	{ "land", true },
	{ "not my real password", true },
	{ "Summer2024!", false },
	{ "dragonfly88", false },
	{ "Tr0ub4dor&3", false },
	{ "correct horse battery staple", false },
};

struct lcase {
	const char *user;
	const char *pw;
	bool made_up;
};

static const struct lcase LOGINS[] = {
	{ "admin", "admin", true },
	{ "user", "pass", true },
	{ "foo", "bar", true },
	{ "hello", "world", true },
	{ "login-on-proxy", "passwd-on-proxy", true },
	{ "deploy", "Summer2024!", false },
	{ "ci-bot", "Wq7vLp2Kd9s", false },
};

static void
test_token_table(void **state)
{
	size_t failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(TOKENS) / sizeof(*TOKENS); i++) {
		const struct gcase *c = &TOKENS[i];

		if (guess_token_made_up(c->value, strlen(c->value)) !=
		    c->made_up) {
			print_error("token '%s': want %s\n", c->value,
			    c->made_up ? "made up" : "issued");
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

static void
test_password_table(void **state)
{
	size_t failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(PASSWORDS) / sizeof(*PASSWORDS); i++) {
		const struct gcase *c = &PASSWORDS[i];

		if (guess_password_made_up(c->value, strlen(c->value)) !=
		    c->made_up) {
			print_error("password '%s': want %s\n", c->value,
			    c->made_up ? "made up" : "real");
			failed++;
		}
	}
	for (size_t i = 0; i < sizeof(LOGINS) / sizeof(*LOGINS); i++) {
		const struct lcase *c = &LOGINS[i];

		if (guess_login_made_up(c->user, strlen(c->user), c->pw,
		    strlen(c->pw)) != c->made_up) {
			print_error("login '%s:%s': want %s\n", c->user, c->pw,
			    c->made_up ? "made up" : "real");
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

static uint64_t
next(uint64_t *s)
{
	/* xorshift64*: repeatable, no libc state */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

struct shape {
	const char *name;
	const char *alphabet;
	size_t len;
	const char *prefix;
};

/*
 * Random values of issued shapes are judged issued: at most 1 in 200
 * of each shape is set aside (a token slot's false negative).
 */
static void
test_random_values_are_issued(void **state)
{
	static const char B62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz";
	static const struct shape SHAPES[] = {
		{ "base62/20", B62, 20, "" },
		{ "base62/24", B62, 24, "" },
		{ "base62/32", B62, 32, "" },
		{ "hex/32", "0123456789abcdef", 32, "" },
		{ "hex/40", "0123456789abcdef", 40, "" },
		{ "HEX/32", "0123456789ABCDEF", 32, "" },
		{ "base32/52", "abcdefghijklmnopqrstuvwxyz234567", 52, "" },
		{ "glpat", B62, 20, "glpat-" },
		{ "base64/44", "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz+/", 44, "" },
	};
	const size_t draws = 2000;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	size_t failed = 0;

	(void)state;
	for (size_t s = 0; s < sizeof(SHAPES) / sizeof(*SHAPES); s++) {
		const struct shape *sh = &SHAPES[s];
		size_t an = strlen(sh->alphabet), pn = strlen(sh->prefix);
		size_t aside = 0;
		char v[128];

		for (size_t d = 0; d < draws; d++) {
			memcpy(v, sh->prefix, pn);
			for (size_t i = 0; i < sh->len; i++)
				v[pn + i] = sh->alphabet[next(&seed) % an];
			if (guess_token_made_up(v, pn + sh->len))
				aside++;
		}
		print_message("%-10s %zu of %zu set aside\n", sh->name, aside,
		    draws);
		if (aside * 200 > draws)
			failed++;
	}
	assert_int_equal(failed, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_table),
		cmocka_unit_test(test_password_table),
		cmocka_unit_test(test_random_values_are_issued),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
