/*
 * test_report: the text, JSON and SARIF forms of findings, including
 * paths no format takes as they are: newlines and other control bytes,
 * invalid UTF-8 (stray continuation bytes, overlong forms, surrogates,
 * cut sequences), characters a URI must encode. JSON and SARIF output
 * is parsed back with jansson to prove it well-formed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "b64.h"
#include "finding.h"
#include "report.h"
#include "support.h"
#include "version.h"

static const char FP[] = "sha256:"
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

/* A finding with the given path; the rest fixed. */
static struct finding
make(const char *path, const char *commit)
{
	struct finding f;

	memset(&f, 0, sizeof(f));
	f.path = path;
	f.commit = commit;
	f.line = 12;
	f.column = 7;
	f.rule = "npm-token";
	f.description = "npm access token: revoke it";
	(void)snprintf(f.redacted, sizeof(f.redacted), "npm_\xe2\x80\xa6" "Ab");
	(void)snprintf(f.fingerprint, sizeof(f.fingerprint), "%s", FP);
	return f;
}

static const struct text_case {
	const char *path;
	const char *commit;
	const char *want;
} text_cases[] = {
	{ "a/.npmrc", NULL, "a/.npmrc:12:7: npm-token: npm access token: "
	    "revoke it [npm_\xe2\x80\xa6" "Ab] " },
	{ "new\nline", NULL, "new\\x0aline:12:7: " },
	{ "tab\there\r", NULL, "tab\\x09here\\x0d:12:7: " },
	{ "esc\x1b[31m", NULL, "esc\\x1b[31m:12:7: " },
	{ "del\x7f", NULL, "del\\x7f:12:7: " },
	{ "back\\slash", NULL, "back\\x5cslash:12:7: " },
	/* Not UTF-8, but not control bytes: as they are. */
	{ "bad\xff\xfe", NULL, "bad\xff\xfe:12:7: " },
	{ "caf\xc3\xa9 dir/x", NULL, "caf\xc3\xa9 dir/x:12:7: " },
	{ "a", "0123abcd", "0123abcd:a:12:7: " },
	{ "", NULL, ":12:7: " },
};

static void
test_text(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(text_cases) / sizeof(text_cases[0]);
	    i++) {
		const struct text_case *t = &text_cases[i];
		struct finding f = make(t->path, t->commit);
		struct err e = { 0 };
		char *s = NULL;

		assert_int_equal(report_text(&s, &f, &e), 0);
		if (strncmp(s, t->want, strlen(t->want)) != 0)
			fail_msg("case %zu: '%s'", i, s);
		assert_null(strchr(s, '\n'));
		/* The line always ends with the fingerprint. */
		assert_string_equal(s + strlen(s) - strlen(FP), FP);
		free(s);
	}
}

/* Control bytes in every field, not only the path. */
static void
test_text_fields(void **state)
{
	struct finding f = make("p", NULL);
	struct err e = { 0 };
	char *s = NULL;

	(void)state;
	f.rule = "user\nrule";
	f.description = "two\nlines \\d+";
	assert_int_equal(report_text(&s, &f, &e), 0);
	assert_string_equal(s, "p:12:7: user\\x0arule: two\\x0alines \\d+ "
	    "[npm_\xe2\x80\xa6" "Ab] sha256:00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff");
	free(s);
}

static const struct utf8_case {
	const char *in;
	const char *want;
} utf8_cases[] = {
	{ "", "" },
	{ "plain/ascii.txt", "plain/ascii.txt" },
	{ "\xc3\xbc \xe2\x82\xac \xf0\x9f\x94\x91", "\xc3\xbc \xe2\x82\xac "
	    "\xf0\x9f\x94\x91" },
	{ "a\xff" "b", "a\xef\xbf\xbd" "b" },
	{ "\x80", "\xef\xbf\xbd" },
	/* Overlong "/" and overlong NUL. */
	{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" },
	{ "\xe0\x80\xaf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	/* A UTF-16 surrogate. */
	{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	/* Past U+10FFFF. */
	{ "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd" },
	{ "\xf5\x80\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd" },
	/* Cut short, at the end and before other text. */
	{ "x\xe2\x82", "x\xef\xbf\xbd\xef\xbf\xbd" },
	{ "\xe2\x82x", "\xef\xbf\xbd\xef\xbf\xbdx" },
	/* The largest valid code points of each length. */
	{ "\x7f\xdf\xbf\xef\xbf\xbf\xf4\x8f\xbf\xbf",
	    "\x7f\xdf\xbf\xef\xbf\xbf\xf4\x8f\xbf\xbf" },
	{ "\xed\x9f\xbf", "\xed\x9f\xbf" },
	{ "\xee\x80\x80", "\xee\x80\x80" },
};

static void
test_utf8(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]);
	    i++) {
		struct err e = { 0 };
		char *s = NULL;
		json_t *j;

		assert_int_equal(report_utf8(&s, utf8_cases[i].in, &e), 0);
		if (strcmp(s, utf8_cases[i].want) != 0)
			fail_msg("case %zu", i);
		/* jansson takes every result. */
		j = json_string(s);
		assert_non_null(j);
		json_decref(j);
		free(s);
	}
}

static const char *const nasty_paths[] = {
	"corpus/a/.npmrc",
	"with space/and\ttab",
	"new\nline\r\n",
	"quote\"back\\slash",
	"ctrl\x01\x1f\x7f",
	"bad\xff\xfe utf8",
	"overlong\xc0\xaf",
	"surrogate\xed\xa0\x80",
	"cut\xe2\x82",
	"caf\xc3\xa9/\xf0\x9f\x94\x91",
	"-",
	"/abs/path",
	"",
};

/* JSON output parses back, keys in order, path repaired but kept. */
static void
test_json(void **state)
{
	static const char *const keys[] = {
		"path", "line", "column", "rule", "description", "redacted",
		"fingerprint",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(nasty_paths) / sizeof(nasty_paths[0]);
	    i++) {
		struct finding f = make(nasty_paths[i], NULL);
		struct err e = { 0 };
		char *fixed = NULL, *s;
		json_t *j = NULL, *back;
		json_error_t je;
		const char *key;
		json_t *v;
		size_t k = 0;

		assert_int_equal(report_json(&j, &f, &e), 0);
		s = json_dumps(j, JSON_COMPACT);
		assert_non_null(s);
		assert_null(strchr(s, '\n'));
		back = json_loads(s, 0, &je);
		if (back == NULL)
			fail_msg("case %zu: %s: %s", i, je.text, s);
		json_object_foreach(back, key, v) {
			assert_true(k < 8);
			assert_string_equal(key, k < 7 ? keys[k] :
			    "path_base64");
			k++;
		}
		assert_int_equal(report_utf8(&fixed, nasty_paths[i], &e), 0);
		/* A path that is not UTF-8 comes with its bytes. */
		assert_int_equal(k, strcmp(fixed, nasty_paths[i]) == 0 ? 7 : 8);
		if (k == 8) {
			const char *b = json_string_value(json_object_get(back,
			    "path_base64"));
			unsigned char raw[64];

			assert_non_null(b);
			assert_true(b64_decoded_max(strlen(b)) <= sizeof(raw));
			assert_int_equal(b64_decode(raw, b, strlen(b)),
			    (long)strlen(nasty_paths[i]));
			assert_memory_equal(raw, nasty_paths[i],
			    strlen(nasty_paths[i]));
		}
		assert_json_string(back, "path", fixed);
		assert_int_equal(json_integer_value(json_object_get(back,
		    "line")), 12);
		assert_int_equal(json_integer_value(json_object_get(back,
		    "column")), 7);
		assert_json_string(back, "redacted", "npm_\xe2\x80\xa6" "Ab");
		assert_json_string(back, "fingerprint", FP);
		free(fixed);
		free(s);
		json_decref(back);
		json_decref(j);
	}
}

static void
test_json_optional(void **state)
{
	struct finding f = make("p", "abc123");
	struct err e = { 0 };
	json_t *j = NULL;

	(void)state;
	f.allowed_inline = true;
	assert_int_equal(report_json(&j, &f, &e), 0);
	assert_json_string(j, "commit", "abc123");
	assert_true(json_is_true(json_object_get(j, "allowed")));
	json_decref(j);
	f = make("p", NULL);
	assert_int_equal(report_json(&j, &f, &e), 0);
	assert_null(json_object_get(j, "commit"));
	assert_null(json_object_get(j, "allowed"));
	json_decref(j);
}

static const struct uri_case {
	const char *path;
	const char *want;
} uri_cases[] = {
	{ "corpus/a/.npmrc", "corpus/a/.npmrc" },
	{ "my dir/app.env", "my%20dir/app.env" },
	{ "./x", "./x" },
	{ "-", "-" },
	{ "a_b~c", "a_b~c" },
	{ "c:colon", "c%3Acolon" },
	{ "q?h#p%", "q%3Fh%23p%25" },
	{ "new\nline", "new%0Aline" },
	{ "caf\xc3\xa9", "caf%C3%A9" },
	{ "bad\xff", "bad%FF" },
	{ "back\\slash", "back%5Cslash" },
	{ "/etc/npmrc", "file:///etc/npmrc" },
	{ "/a b", "file:///a%20b" },
	{ "", "" },
};

static void
test_uri(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(uri_cases) / sizeof(uri_cases[0]);
	    i++) {
		struct err e = { 0 };
		char *s = NULL;

		assert_int_equal(report_uri(&s, uri_cases[i].path, &e), 0);
		if (strcmp(s, uri_cases[i].want) != 0)
			fail_msg("case %zu: '%s'", i, s);
		free(s);
	}
}

static const struct {
	const char *in;
	const char *want;
} escape_cases[] = {
	{ "", "" },
	{ "a\nb\\c", "a\\x0ab\\x5cc" },
	/* Not UTF-8: bytes 0x80 to 0x9f (C1) escaped, Latin-1 text not. */
	{ "a\xff", "a\xff" },
	{ "x\x9b[31my", "x\\x9b[31my" },
	{ "\x85\xe9t\xe9", "\\x85\xe9t\xe9" },
	/* UTF-8 as it is, but its C1 controls and DEL. */
	{ "caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac" },
	{ "\xc2\x9b" "2J\xc2\xa0", "\\xc2\\x9b" "2J\xc2\xa0" },
	{ "a\x7f", "a\\x7f" },
	/* A sequence cut short, an overlong form. */
	{ "\xe2\x82", "\xe2\\x82" },
	{ "\xc0\xaf", "\xc0\xaf" },
	{ "\xc0\x9b", "\xc0\\x9b" },
};

static void
test_escape(void **state)
{
	struct err e = { 0 };
	char *s = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(escape_cases) / sizeof(escape_cases[0]);
	    i++) {
		assert_int_equal(report_escape(&s, escape_cases[i].in, &e), 0);
		if (strcmp(s, escape_cases[i].want) != 0)
			fail_msg("case %zu: got '%s'", i, s);
		free(s);
	}
}

static const struct scan_rule_info rules[] = {
	{ "npm-token", "npm access token: revoke it", false },
	{ "corp\xff-rule", "corp token.", true },
	{ "no-desc", NULL, true },
};

static json_t *
rule_at(json_t *log, size_t i)
{
	json_t *run = json_array_get(json_object_get(log, "runs"), 0);
	json_t *driver = json_object_get(json_object_get(run, "tool"),
	    "driver");

	return json_array_get(json_object_get(driver, "rules"), i);
}

static const char *
text_of(json_t *o, const char *key)
{
	return json_string_value(json_object_get(json_object_get(o, key),
	    "text"));
}

/* The log: schema, version, the tool and its rules. */
static void
test_sarif_log(void **state)
{
	json_t *log = NULL, *run, *driver, *r;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(report_sarif_new(&log, rules, 3, &e), 0);
	assert_json_string(log, "version", "2.1.0");
	assert_non_null(strstr(json_string_value(json_object_get(log,
	    "$schema")), "sarif-2.1.0"));
	assert_int_equal(json_array_size(json_object_get(log, "runs")), 1);
	run = json_array_get(json_object_get(log, "runs"), 0);
	driver = json_object_get(json_object_get(run, "tool"), "driver");
	assert_json_string(driver, "name", "tokenguard");
	assert_json_string(driver, "version", TOKENGUARD_VERSION);
	assert_null(json_object_get(driver, "informationUri"));
	assert_int_equal(json_array_size(json_object_get(driver, "rules")), 3);
	r = rule_at(log, 0);
	assert_json_string(r, "id", "npm-token");
	assert_string_equal(text_of(r, "shortDescription"),
	    "npm access token: revoke it");
	assert_non_null(text_of(r, "fullDescription"));
	assert_non_null(strstr(text_of(r, "help"), "tokenguard:allow"));
	/* A user rule says so; an id that is not UTF-8 is repaired. */
	r = rule_at(log, 1);
	assert_json_string(r, "id", "corp\xef\xbf\xbd-rule");
	assert_non_null(strstr(text_of(r, "fullDescription"), "user rule"));
	/* No description: the id stands in. */
	r = rule_at(log, 2);
	assert_string_equal(text_of(r, "shortDescription"), "no-desc");
	assert_int_equal(json_array_size(report_sarif_results(log)), 0);
	json_decref(log);
}

static void
test_sarif_result(void **state)
{
	struct finding f = make("my dir/bad\xff\n.env", NULL);
	json_t *res = NULL, *loc, *region;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(report_sarif_result(&res, &f, &e), 0);
	assert_json_string(res, "ruleId", "npm-token");
	assert_json_string(res, "level", "error");
	assert_non_null(strstr(text_of(res, "message"), "revoke it"));
	assert_non_null(strstr(text_of(res, "message"), "npm_\xe2\x80\xa6"));
	loc = json_object_get(json_array_get(json_object_get(res,
	    "locations"), 0), "physicalLocation");
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(loc, "artifactLocation"), "uri")),
	    "my%20dir/bad%FF%0A.env");
	/* Relative: to the top of the checkout, as code scanning reads it. */
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(loc, "artifactLocation"), "uriBaseId")),
	    "%SRCROOT%");
	region = json_object_get(loc, "region");
	assert_int_equal(json_integer_value(json_object_get(region,
	    "startLine")), 12);
	assert_int_equal(json_integer_value(json_object_get(region,
	    "startColumn")), 7);
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(res, "partialFingerprints"), "tokenguard/v1")), FP);
	json_decref(res);

	/* An absolute path is a file: URI, with no base. */
	f = make("/srv/app/.npmrc", NULL);
	assert_int_equal(report_sarif_result(&res, &f, &e), 0);
	loc = json_object_get(json_object_get(json_array_get(
	    json_object_get(res, "locations"), 0), "physicalLocation"),
	    "artifactLocation");
	assert_json_string(loc, "uri", "file:///srv/app/.npmrc");
	assert_null(json_object_get(loc, "uriBaseId"));
	json_decref(res);
}

/*
 * Streaming: head, the results joined with ",", and tail make the same
 * document as the log with the results in it, for 0, 1 and 3 results.
 */
static void
test_sarif_split(void **state)
{
	(void)state;
	for (size_t n = 0; n <= 3; n++) {
		json_t *log = NULL, *whole, *back, *res;
		char *head = NULL, *tail = NULL, *doc, *one;
		struct err e = { 0 };
		json_error_t je;
		size_t len;

		assert_int_equal(report_sarif_new(&log, rules, 3, &e), 0);
		assert_int_equal(report_sarif_split(&head, &tail, log, &e), 0);
		whole = json_deep_copy(log);
		len = strlen(head) + strlen(tail) + 1;
		doc = malloc(len);
		assert_non_null(doc);
		(void)snprintf(doc, len, "%s", head);
		for (size_t i = 0; i < n; i++) {
			struct finding f = make(nasty_paths[i], NULL);

			assert_int_equal(report_sarif_result(&res, &f, &e), 0);
			one = json_dumps(res, JSON_COMPACT);
			assert_non_null(one);
			len += strlen(one) + 2;
			doc = realloc(doc, len);
			assert_non_null(doc);
			if (i > 0)
				(void)strncat(doc, ",\n",
				    len - strlen(doc) - 1);
			(void)strncat(doc, one, len - strlen(doc) - 1);
			free(one);
			assert_int_equal(json_array_append_new(
			    report_sarif_results(whole), res), 0);
		}
		(void)strncat(doc, tail, len - strlen(doc) - 1);
		back = json_loads(doc, 0, &je);
		if (back == NULL)
			fail_msg("%zu results: %s", n, je.text);
		assert_true(json_equal(back, whole));
		/* A log with results in it cannot be split. */
		if (n > 0) {
			free(head);
			free(tail);
			head = tail = NULL;
			assert_int_equal(report_sarif_split(&head, &tail, whole,
			    &e), -1);
		}
		json_decref(back);
		json_decref(whole);
		json_decref(log);
		free(doc);
		free(head);
		free(tail);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_fields),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_optional),
		cmocka_unit_test(test_uri),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_sarif_log),
		cmocka_unit_test(test_sarif_result),
		cmocka_unit_test(test_sarif_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
