/*
 * fuzz_scan_rules: the scanner with user rules (rule.<id>.* in the
 * configuration), compiled once, on arbitrary bytes with generated
 * tokens spliced in. The rules cover what user patterns do: a named
 * "secret" group, a first group, a whole match, keywords (prefilter)
 * and none, a lookbehind, \K, an alternation whose first group may be
 * unset, a pattern that matches the empty string at every offset, and a
 * pathological one, (a+)+$ and friends, that backtracks exponentially
 * and must be stopped by the PCRE2 match limit, not hang (libFuzzer's
 * -timeout turns a hang into a failure).
 * scancheck.h lists the input layout and every invariant checked; user
 * rules must not hide built-in findings (the generated-token check).
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "harness.h"
#include "scancheck.h"

struct rule_def {
	const char *id;
	const char *pattern;
	const char *keywords[3];
};

static const struct rule_def RULES[] = {
	{ "acme-token", "(?<secret>acme_[A-Za-z0-9]{16,64})", { "acme_" } },
	{ "kv-first-group", "(?i)api[_-]?key\\s*[:=]\\s*\"?([^\"\\s]{8,})",
	    { "key", "KEY" } },
	{ "whole-match", "\\bsk-[A-Za-z0-9]{20,}\\b", { NULL } },
	{ "lookbehind", "(?<=password=)\\S+", { "password=" } },
	{ "keep-out", "secret:\\s*\\K\\w+", { "secret" } },
	{ "unset-group", "(?:key=(\\w+)|token:(\\w{6,}))", { NULL } },
	{ "empty-match", "x*", { NULL } },
	{ "pathological", "^(a+)+$", { NULL } },
	{ "pathological-2", "(\\w+\\s?)*;$", { NULL } },
	{ "pathological-3", "(?:(?:a|aa)+|b)*c", { "a" } },
	{ "anchored", "^NPM_[A-Z]+=(.{12,})$", { "NPM_" } },
};

static char *
xstrdup(const char *s)
{
	char *d = strdup(s);

	HARNESS_CHECK(d != NULL, "out of memory");
	return d;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const size_t n = sizeof(RULES) / sizeof(RULES[0]);
	struct config c;

	(void)argc;
	(void)argv;
	config_init(&c);
	c.rules = calloc(n, sizeof(*c.rules));
	HARNESS_CHECK(c.rules != NULL, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct user_rule *r = &c.rules[c.nrules++];
		size_t k = 0;

		r->id = xstrdup(RULES[i].id);
		r->pattern = xstrdup(RULES[i].pattern);
		while (k < 3 && RULES[i].keywords[k] != NULL)
			k++;
		r->keywords = calloc(k + 1, sizeof(*r->keywords));
		HARNESS_CHECK(r->keywords != NULL, "out of memory");
		for (size_t j = 0; j < k; j++)
			r->keywords[r->nkeywords++] =
			    xstrdup(RULES[i].keywords[j]);
	}
	scancheck_init(&c);
	config_release(&c);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	scancheck_run(data, size);
	return 0;
}
