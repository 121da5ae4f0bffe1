/*
 * test_cmdconfig: git's command-line configuration (GIT_CONFIG_COUNT,
 * GIT_CONFIG_KEY_n, GIT_CONFIG_VALUE_n, GIT_CONFIG_PARAMETERS) parsed as
 * git 2.39 parses it, as tables of environments and the entries, in
 * order, that a libgit2 config built on the backend lists; malformed
 * environments are errors naming the variable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <git2.h>

#include "cmdconfig.h"

static const char *const VARS[] = {
	"GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT", "GIT_CONFIG_KEY_0",
	"GIT_CONFIG_VALUE_0", "GIT_CONFIG_KEY_1", "GIT_CONFIG_VALUE_1",
};

struct env_case {
	const char *params;	/* GIT_CONFIG_PARAMETERS, NULL: unset */
	const char *count;	/* GIT_CONFIG_COUNT, NULL: unset */
	const char *kv[4];	/* KEY_0, VALUE_0, KEY_1, VALUE_1 */
	const char *want;	/* "name=value;" each, "name;" for NULL */
	const char *error;	/* substring of the error, or NULL */
};

static const struct env_case cases[] = {
	{ NULL, NULL, { NULL }, "", NULL },
	/* What git 2.39 writes for git -c: new style, quoted. */
	{ "'tokenguard.onskip'='reject'", NULL, { NULL },
	    "tokenguard.onskip=reject;", NULL },
	{ "'TokenGuard.OnSkip'='reject' 'rule.My.Rule.pattern'='a b'", NULL,
	    { NULL }, "tokenguard.onskip=reject;rule.My.Rule.pattern=a b;",
	    NULL },
	/* Quotes and '!' inside a value. */
	{ "'a.b'='it'\\''s'\\!''", NULL, { NULL }, "a.b=it's!;", NULL },
	/* git -c a.b (no '='): a NULL value, true. */
	{ "'a.b'", NULL, { NULL }, "a.b;", NULL },
	{ "'a.b'=", NULL, { NULL }, "a.b;", NULL },
	/* Old style, as older git and scripts write it. */
	{ "'a.b=1' 'c.d=x=y'", NULL, { NULL }, "a.b=1;c.d=x=y;", NULL },
	{ "'a.b=1'   ", NULL, { NULL }, "a.b=1;", NULL },
	{ "  'a.b=1'", NULL, { NULL }, NULL, "bogus format" },
	{ "'a.b='", NULL, { NULL }, "a.b=;", NULL },
	/* COUNT entries come first, then PARAMETERS. */
	{ "'a.b'='p'", "2", { "a.b", "k0", "Sec.Sub.Var", "k1" },
	    "a.b=k0;sec.Sub.var=k1;a.b=p;", NULL },
	{ NULL, "0", { NULL }, "", NULL },
	{ NULL, "", { NULL }, "", NULL },
	{ NULL, "1", { "tokenguard.allow", "" }, "tokenguard.allow=;", NULL },
	/* Malformed. */
	{ "a.b=1", NULL, { NULL }, NULL,
	    "bogus format in GIT_CONFIG_PARAMETERS" },
	{ "'a.b'x", NULL, { NULL }, NULL, "bogus format" },
	{ "'a.b'='1'x", NULL, { NULL }, NULL, "bogus format" },
	{ "'a.b'=1", NULL, { NULL }, NULL, "bogus format" },
	{ "'a.b", NULL, { NULL }, NULL, "bogus format" },
	{ "'nodot'='1'", NULL, { NULL }, NULL, "does not contain a section" },
	{ "'a.'='1'", NULL, { NULL }, NULL, "does not contain a variable" },
	{ "'a.1b'='1'", NULL, { NULL }, NULL, "invalid key 'a.1b'" },
	{ "'a_b.c'='1'", NULL, { NULL }, NULL, "invalid key" },
	{ "'=1'", NULL, { NULL }, NULL, "bogus config parameter" },
	{ "''='1'", NULL, { NULL }, NULL, "empty config key" },
	{ NULL, "x", { NULL }, NULL, "bogus count in GIT_CONFIG_COUNT" },
	{ NULL, "1", { NULL }, NULL, "missing config key GIT_CONFIG_KEY_0" },
	{ NULL, "1", { "a.b" }, NULL,
	    "missing config value GIT_CONFIG_VALUE_0" },
	{ NULL, "1", { "ab", "1" }, NULL,
	    "GIT_CONFIG_KEY_0: key 'ab' does not contain a section" },
	{ NULL, "999999999", { NULL }, NULL, "too many entries" },
};

static void
set_or_unset(const char *name, const char *value)
{
	if (value == NULL)
		assert_int_equal(unsetenv(name), 0);
	else
		assert_int_equal(setenv(name, value, 1), 0);
}

/* Lists every entry of cfg as "name=value;" into out. */
static void
list(char *out, size_t size, git_config *cfg)
{
	git_config_iterator *it = NULL;
	git_config_entry *ent;
	size_t used = 0;
	int n;

	out[0] = '\0';
	assert_int_equal(git_config_iterator_new(&it, cfg), 0);
	while (git_config_next(&ent, it) == 0) {
		if (ent->value != NULL)
			n = snprintf(out + used, size - used, "%s=%s;",
			    ent->name, ent->value);
		else
			n = snprintf(out + used, size - used, "%s;", ent->name);
		assert_true(n > 0 && (size_t)n < size - used);
		used += (size_t)n;
	}
	git_config_iterator_free(it);
}

static void
test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct env_case *c = &cases[i];
		git_config_backend *b = NULL;
		git_config *cfg = NULL;
		struct err e = { 0 };
		char got[1024];
		int rc;

		set_or_unset("GIT_CONFIG_PARAMETERS", c->params);
		set_or_unset("GIT_CONFIG_COUNT", c->count);
		for (size_t k = 0; k < 4; k++)
			set_or_unset(VARS[2 + k], c->kv[k]);
		rc = cmdconfig_new(&b, &e);
		if (c->error != NULL) {
			if (rc != -1)
				fail_msg("case %zu: no error", i);
			if (strstr(e.msg, c->error) == NULL)
				fail_msg("case %zu: error '%s', want '%s'", i,
				    e.msg, c->error);
			continue;
		}
		if (rc != 0)
			fail_msg("case %zu: %s", i, e.msg);
		if (b == NULL) {
			assert_string_equal(c->want, "");
			assert_true(c->params == NULL && c->count == NULL);
			continue;
		}
		assert_int_equal(git_config_new(&cfg), 0);
		assert_int_equal(git_config_add_backend(cfg, b,
		    GIT_CONFIG_LEVEL_APP, NULL, 0), 0);
		list(got, sizeof(got), cfg);
		if (strcmp(got, c->want) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, got,
			    c->want);
		git_config_free(cfg);
	}
	for (size_t k = 0; k < sizeof(VARS) / sizeof(VARS[0]); k++)
		assert_int_equal(unsetenv(VARS[k]), 0);
}

/* Lookups: the last value wins, case rules, multivars, snapshots. */
static void
test_lookups(void **state)
{
	git_config_backend *b = NULL;
	git_config *cfg = NULL, *snap = NULL;
	git_config_entry *ent = NULL;
	git_buf buf = { 0 };
	struct err e = { 0 };
	int v = 0, n = 0;
	git_config_iterator *it = NULL;

	(void)state;
	assert_int_equal(setenv("GIT_CONFIG_PARAMETERS",
	    "'tokenguard.maxFileSize'='1k' 'TOKENGUARD.MAXFILESIZE'='2k' "
	    "'tokenguard.allow'='x' 'tokenguard.allow'='y' "
	    "'tokenguard.checksum' 'rule.Id.pattern'='p'", 1), 0);
	assert_int_equal(cmdconfig_new(&b, &e), 0);
	assert_non_null(b);
	assert_int_equal(git_config_new(&cfg), 0);
	assert_int_equal(git_config_add_backend(cfg, b, GIT_CONFIG_LEVEL_APP,
	    NULL, 0), 0);
	assert_int_equal(git_config_get_string_buf(&buf, cfg,
	    "tokenguard.maxfilesize"), 0);
	assert_string_equal(buf.ptr, "2k");
	git_buf_dispose(&buf);
	assert_int_equal(git_config_get_entry(&ent, cfg,
	    "TokenGuard.MaxFileSize"), 0);
	assert_string_equal(ent->value, "2k");
	assert_int_equal(ent->level, GIT_CONFIG_LEVEL_APP);
	git_config_entry_free(ent);
	assert_int_equal(git_config_get_bool(&v, cfg, "tokenguard.checksum"),
	    0);
	assert_int_equal(v, 1);
	/* The subsection keeps its case. */
	assert_int_equal(git_config_get_entry(&ent, cfg, "rule.id.pattern"),
	    GIT_ENOTFOUND);
	assert_int_equal(git_config_get_entry(&ent, cfg, "rule.Id.pattern"),
	    0);
	git_config_entry_free(ent);
	assert_int_equal(git_config_multivar_iterator_new(&it, cfg,
	    "tokenguard.allow", NULL), 0);
	while (git_config_next(&ent, it) == 0)
		n++;
	git_config_iterator_free(it);
	assert_int_equal(n, 2);
	/* Read-only. */
	assert_true(git_config_set_string(cfg, "a.b", "c") < 0);
	/* A snapshot sees the same. */
	assert_int_equal(git_config_snapshot(&snap, cfg), 0);
	assert_int_equal(git_config_get_string_buf(&buf, snap,
	    "tokenguard.maxFileSize"), 0);
	assert_string_equal(buf.ptr, "2k");
	git_buf_dispose(&buf);
	git_config_free(snap);
	git_config_free(cfg);
	assert_int_equal(unsetenv("GIT_CONFIG_PARAMETERS"), 0);
}

static void
test_canonical_key(void **state)
{
	char *out = NULL;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(cmdconfig_canonical_key(&out, "A.B.C.D", &e), 0);
	assert_string_equal(out, "a.B.C.d");
	free(out);
	assert_int_equal(cmdconfig_canonical_key(&out, "a.b\nc.d", &e), -1);
	assert_non_null(strstr(e.msg, "newline"));
	assert_int_equal(cmdconfig_canonical_key(&out, ".a", &e), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_canonical_key),
	};
	int rc;

	if (git_libgit2_init() < 0)
		return 1;
	for (size_t k = 0; k < sizeof(VARS) / sizeof(VARS[0]); k++)
		(void)unsetenv(VARS[k]);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	git_libgit2_shutdown();
	return rc;
}
