/*
 * test_filescan: a file read in windows gives exactly the findings of
 * the same bytes scanned whole, with the same line numbers, wherever the
 * window boundaries fall; the size cap stops reading and says so.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filescan.h"
#include "scan.h"
#include "support.h"
#include "token.h"

struct hit {
	size_t line, column;
	char rule[32];
	char fingerprint[FINGERPRINT_SIZE];
};

struct hits {
	struct hit *v;
	size_t n, cap;
};

static int
collect(const struct finding *f, void *payload)
{
	struct hits *h = payload;

	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 64;
		h->v = realloc(h->v, h->cap * sizeof(*h->v));
		assert_non_null(h->v);
	}
	h->v[h->n].line = f->line;
	h->v[h->n].column = f->column;
	(void)snprintf(h->v[h->n].rule, sizeof(h->v[h->n].rule), "%s",
	    f->rule);
	memcpy(h->v[h->n].fingerprint, f->fingerprint, FINGERPRINT_SIZE);
	h->n++;
	return 0;
}

static int
cmp_hit(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->column != y->column)
		return x->column < y->column ? -1 : 1;
	return strcmp(x->rule, y->rule);
}

/*
 * Writes about size bytes of filler with leaks planted every few
 * kilobytes, in the forms that look at neighbouring lines; returns how
 * many were planted. Line lengths vary so that boundaries fall anywhere.
 */
static size_t
make_input(char **out, size_t *outlen, size_t size)
{
	char *buf = malloc(size + 4096);
	size_t len = 0, planted = 0;
	unsigned seed = 7;

	assert_non_null(buf);
	while (len < size) {
		char tok[TOKEN_LEN + 1];
		size_t fill;

		seed = seed * 1103515245u + 12345u;
		fill = seed % 3000;
		memset(buf + len, 'a' + (char)(seed % 26), fill);
		len += fill;
		buf[len++] = '\n';
		token_generate(tok, "npm_", planted);
		switch (seed % 4) {
		case 0:
			len += (size_t)snprintf(buf + len, size + 4096 - len,
			    "//registry.npmjs.org/:_authToken=%s\n", tok);
			break;
		case 1:
			len += (size_t)snprintf(buf + len, size + 4096 - len,
			    "- name: NPM_TOKEN\n  value: Zq8vR2mK9pLx%08zu\n",
			    planted);
			break;
		case 2:
			len += (size_t)snprintf(buf + len, size + 4096 - len,
			    "x %s,\n", tok);
			break;
		default:
			len += (size_t)snprintf(buf + len, size + 4096 - len,
			    "NPM_TOKEN=\"${NPM_TOKEN:-Zq8vR2mK9pLx%08zu}\"\n",
			    planted);
			break;
		}
		planted++;
	}
	*out = buf;
	*outlen = len;
	return planted;
}

static void
test_windows_match_whole(void **state)
{
	struct config cfg;
	struct scanner *s = NULL;
	struct err e = { 0 };
	struct scan_origin o = { "big.txt", NULL };
	struct hits whole = { 0 }, windowed = { 0 };
	struct filescan fs;
	struct filescan_result r;
	char path[] = "/tmp/tokenguard-filescan-XXXXXX";
	char *buf;
	size_t len, planted;
	int fd;

	(void)state;
	config_init(&cfg);
	assert_int_equal(scanner_new(&s, &cfg, &e), 0);
	planted = make_input(&buf, &len, 3 * FILESCAN_STEP + 12345);
	assert_int_equal(scanner_scan(s, NULL, &o, buf, len, 0, collect,
	    &whole, &e), 0);
	assert_int_equal(whole.n, planted);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	filescan_init(&fs);
	assert_int_equal(filescan_fd(&r, &fs, s, fd, UINT64_MAX, &o, 0,
	    collect, &windowed, &e), 0);
	assert_int_equal(r.bytes, len);
	assert_false(r.over);
	qsort(whole.v, whole.n, sizeof(*whole.v), cmp_hit);
	qsort(windowed.v, windowed.n, sizeof(*windowed.v), cmp_hit);
	assert_int_equal(windowed.n, whole.n);
	for (size_t i = 0; i < whole.n; i++) {
		assert_int_equal(windowed.v[i].line, whole.v[i].line);
		assert_int_equal(windowed.v[i].column, whole.v[i].column);
		assert_string_equal(windowed.v[i].rule, whole.v[i].rule);
		assert_string_equal(windowed.v[i].fingerprint,
		    whole.v[i].fingerprint);
	}

	/* Told the size: the same findings, without reading to the end. */
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	windowed.n = 0;
	assert_int_equal(filescan_fd_size(&r, &fs, s, fd, len, UINT64_MAX,
	    &o, 0, collect, &windowed, &e), 0);
	assert_int_equal(r.bytes, len);
	assert_int_equal(windowed.n, whole.n);

	/* The cap: stop after max bytes and say there was more. */
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	windowed.n = 0;
	assert_int_equal(filescan_fd(&r, &fs, s, fd, 1000, &o, 0, collect,
	    &windowed, &e), 0);
	assert_true(r.over);
	assert_int_equal(r.bytes, 1000);

	filescan_release(&fs);
	close(fd);
	unlink(path);
	free(buf);
	free(whole.v);
	free(windowed.v);
	scanner_free(s);
	config_release(&cfg);
}

/* A line longer than a window: the column still counts from its start. */
static void
test_long_line_column(void **state)
{
	struct config cfg;
	struct scanner *s = NULL;
	struct err e = { 0 };
	struct scan_origin o = { "long.js", NULL };
	struct hits h = { 0 };
	struct filescan fs;
	struct filescan_result r;
	char path[] = "/tmp/tokenguard-filescan-XXXXXX";
	size_t n = 3 * FILESCAN_STEP + 777;
	char *buf = malloc(n + TOKEN_LEN + 8);
	int fd;

	(void)state;
	assert_non_null(buf);
	memcpy(buf, "x\n", 2);
	memset(buf + 2, 'a', n - 2);
	buf[n - 1] = ' ';
	token_generate(buf + n, "npm_", 42);
	memcpy(buf + n + TOKEN_LEN, ",\n", 2);
	config_init(&cfg);
	assert_int_equal(scanner_new(&s, &cfg, &e), 0);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, n + TOKEN_LEN + 2),
	    (ssize_t)(n + TOKEN_LEN + 2));
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	filescan_init(&fs);
	assert_int_equal(filescan_fd(&r, &fs, s, fd, UINT64_MAX, &o, 0,
	    collect, &h, &e), 0);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.v[0].line, 2);
	assert_int_equal(h.v[0].column, n - 2 + 1);
	filescan_release(&fs);
	close(fd);
	unlink(path);
	free(buf);
	free(h.v);
	scanner_free(s);
	config_release(&cfg);
}

/*
 * Small inputs split into two windows at every line boundary, as
 * filescan slides them over big files: the findings are those of the
 * whole. Cases found by tests/fuzz/fuzz_scan.
 */
static const struct split_case {
	const char *name;
	const char *path;
	const char *text;	/* template, see support.h */
	size_t findings;	/* of the whole */
} split_cases[] = {
	/* bunfig.toml was judged only when the whole file was one window. */
	{ "bunfig [install] token", "bunfig.toml",
	    "[install]\ntoken = \"Zq8vR2mK9pLx4TnW7yB3\"\n"
	    "[install.scopes]\nmyorg = { token = \"Hk3mP9qLw2Xz7RtY5vBn\", "
	    "url = \"https://x.test/\" }\n[run]\n"
	    "token = \"Zq8vR2mK9pLx4TnW7yB3\"\n", 2 },
	/*
	 * The token is reported by the pass, the value holding it by the
	 * bunfig rule, whichever line the pass ended on.
	 */
	{ "bunfig value holding a base64 token", "bunfig.toml",
	    "[install]\ntoken = \"@B64NPM@x{\"\n", 2 },
	{ "bunfig value holding a base64 token, more lines", "bunfig.toml",
	    "[install]\ntoken = \"@B64NPM@x{\"\n# end\n", 2 },
};

static void
scan_split(struct hits *h, const struct scanner *s,
    const struct scan_origin *o, const char *buf, size_t len, size_t k)
{
	struct scan_window w = { .from = 0, .to = k, .line = 1,
	    .first = true };
	struct scan_stats st;
	struct err e = { 0 };

	assert_int_equal(scanner_scan_window(s, &st, o, buf, len, &w, 0,
	    collect, h, &e), 0);
	w.from = k;
	w.to = len;
	w.first = false;
	assert_int_equal(scanner_scan_window(s, &st, o, buf, len, &w,
	    st.binary ? SCAN_FORCE_BINARY : SCAN_FORCE_TEXT, collect, h, &e),
	    0);
}

static void
test_split_cases(void **state)
{
	struct config cfg;
	struct scanner *s = NULL;
	struct err e = { 0 };

	(void)state;
	config_init(&cfg);
	assert_int_equal(scanner_new(&s, &cfg, &e), 0);
	for (size_t i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]);
	    i++) {
		const struct split_case *c = &split_cases[i];
		struct scan_origin o = { c->path, NULL };
		struct hits whole = { 0 };
		struct support_text t;
		size_t len;

		support_expand(&t, c->text);
		len = t.len;
		assert_int_equal(scanner_scan(s, NULL, &o, t.buf, len, 0,
		    collect, &whole, &e), 0);
		assert_int_equal(whole.n, c->findings);
		qsort(whole.v, whole.n, sizeof(*whole.v), cmp_hit);
		for (size_t k = 0; k <= len; k++) {
			struct hits part = { 0 };

			if (k != 0 && k != len && t.buf[k - 1] != '\n')
				continue;
			scan_split(&part, s, &o, t.buf, len, k);
			qsort(part.v, part.n, sizeof(*part.v), cmp_hit);
			if (part.n != whole.n) {
				print_error("case '%s', split at %zu: %zu "
				    "findings, want %zu\n", c->name, k, part.n,
				    whole.n);
				fail();
			}
			for (size_t j = 0; j < whole.n; j++) {
				assert_int_equal(part.v[j].line,
				    whole.v[j].line);
				assert_string_equal(part.v[j].fingerprint,
				    whole.v[j].fingerprint);
			}
			free(part.v);
		}
		free(whole.v);
		support_text_release(&t);
	}
	scanner_free(s);
	config_release(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_windows_match_whole),
		cmocka_unit_test(test_long_line_column),
		cmocka_unit_test(test_split_cases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
