/* scancheck: the scanner checks of fuzz_scan and fuzz_scan_rules. */
#include "scancheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "filescan.h"
#include "harness.h"
#include "scan.h"

static struct scanner *s_avx2, *s_avx512, *s_scalar, *s_nocheck;
static int memfd = -1;

static const char *const PATHS[8] = {
	"-", ".npmrc", "prod.tfstate", "bunfig.toml", ".env.local",
	"deploy/secret.yaml", "layer.tar", "src/app.js",
};

static struct scanner *
make_scanner(const struct config *cfg, bool checksum)
{
	struct config c = *cfg;
	struct scanner *s = NULL;
	struct err e = { 0 };

	/* A shallow copy: scanner_new() copies what it keeps. */
	c.checksum = checksum;
	HARNESS_CHECK(scanner_new(&s, &c, &e) == 0, "%s", e.msg);
	return s;
}

void
scancheck_init(const struct config *cfg)
{
	(void)unsetenv("TOKENGUARD_NO_AVX2");
	/* The CPU's best vector path (AVX-512 where there is one). */
	s_avx512 = make_scanner(cfg, true);
	(void)setenv("TOKENGUARD_NO_AVX512", "1", 1);
	s_avx2 = make_scanner(cfg, true);
	s_nocheck = make_scanner(cfg, false);
	(void)setenv("TOKENGUARD_NO_AVX2", "1", 1);
	s_scalar = make_scanner(cfg, true);
	(void)unsetenv("TOKENGUARD_NO_AVX2");
	(void)unsetenv("TOKENGUARD_NO_AVX512");
	memfd = memfd_create("scancheck", MFD_CLOEXEC);
	HARNESS_CHECK(memfd >= 0, "memfd_create failed");
}

/* The last scan()'s stats. */
static struct scan_stats last_stats;

static void
scan(struct harness_findings *fs, const struct scanner *s,
    const struct scan_origin *o, const struct harness_input *in,
    unsigned flags)
{
	struct err e = { 0 };
	int rc;

	harness_findings_init(fs, s, o->path, in->buf, in->len);
	rc = scanner_scan(s, &last_stats, o, in->buf, in->len, flags,
	    harness_collect, fs, &e);
	HARNESS_CHECK(rc == 0, "scanner_scan: %d %s", rc, e.msg);
}

/* Drops the findings of user rules. */
static void
drop_user(struct harness_findings *fs)
{
	size_t o = 0;

	for (size_t i = 0; i < fs->n; i++) {
		bool user = false;

		for (size_t r = 0; r < scanner_rule_count(fs->scanner); r++)
			user = user || (scanner_rule(fs->scanner, r)->user &&
			    strcmp(scanner_rule(fs->scanner, r)->id,
			    fs->v[i].rule) == 0);
		if (!user)
			fs->v[o++] = fs->v[i];
	}
	fs->n = o;
}

/* Two windows split after a newline, as filescan slides them. */
static void
scan_windows(struct harness_findings *fs, const struct scanner *s,
    const struct scan_origin *o, const struct harness_input *in,
    unsigned flags, unsigned char where)
{
	struct scan_window w = { .from = 0, .line = 1, .first = true };
	struct scan_stats st;
	struct err e = { 0 };
	size_t k = in->len * where / 256;
	const char *nl;
	int rc;

	harness_findings_init(fs, s, o->path, in->buf, in->len);
	nl = k < in->len ? memchr(in->buf + k, '\n', in->len - k) : NULL;
	k = nl != NULL ? (size_t)(nl - in->buf) + 1 : in->len;
	w.to = k;
	rc = scanner_scan_window(s, &st, o, in->buf, in->len, &w, flags,
	    harness_collect, fs, &e);
	HARNESS_CHECK(rc == 0, "window 1: %d %s", rc, e.msg);
	if ((flags & (SCAN_FORCE_TEXT | SCAN_FORCE_BINARY)) == 0)
		flags |= st.binary ? SCAN_FORCE_BINARY : SCAN_FORCE_TEXT;
	w.from = k;
	w.to = in->len;
	w.first = false;
	rc = scanner_scan_window(s, &st, o, in->buf, in->len, &w, flags,
	    harness_collect, fs, &e);
	HARNESS_CHECK(rc == 0, "window 2: %d %s", rc, e.msg);
}

static void
scan_memfd(struct harness_findings *fs, struct filescan *fsc,
    const struct scanner *s, const struct scan_origin *o,
    const struct harness_input *in, unsigned flags)
{
	struct filescan_result res;
	struct err e = { 0 };
	size_t off = 0;
	int rc;

	HARNESS_CHECK(ftruncate(memfd, 0) == 0, "ftruncate");
	while (off < in->len) {
		ssize_t n = pwrite(memfd, in->buf + off, in->len - off,
		    (off_t)off);

		HARNESS_CHECK(n > 0, "pwrite");
		off += (size_t)n;
	}
	HARNESS_CHECK(lseek(memfd, 0, SEEK_SET) == 0, "lseek");
	harness_findings_init(fs, s, o->path, in->buf, in->len);
	rc = filescan_fd(&res, fsc, s, memfd, UINT64_MAX, o, flags,
	    harness_collect, fs, &e);
	HARNESS_CHECK(rc == 0, "filescan_fd: %d %s", rc, e.msg);
	HARNESS_CHECK(res.bytes == in->len && !res.over,
	    "filescan read %llu of %zu bytes", (unsigned long long)res.bytes,
	    in->len);
}

static bool
ident(unsigned char c)
{
	return token_is_base62(c) || c == '_';
}

/* Every spliced valid token with clean boundaries must be reported. */
static void
check_tokens(const struct harness_findings *fs, const struct harness_input *in)
{
	for (size_t i = 0; i < in->ntokens; i++) {
		const struct harness_token *t = &in->tokens[i];
		char fp[FINGERPRINT_SIZE];
		struct err e = { 0 };
		size_t line;
		bool seen = false;

		if ((t->pos > 0 && ident((unsigned char)in->buf[t->pos - 1])) ||
		    (t->pos + TOKEN_LEN < in->len &&
		    ident((unsigned char)in->buf[t->pos + TOKEN_LEN])))
			continue;
		HARNESS_CHECK(finding_fingerprint(fp, t->text, TOKEN_LEN,
		    &e) == 0, "%s", e.msg);
		if (harness_has_fingerprint(fs, fp))
			continue;
		line = harness_line_of(in->buf, t->pos);
		for (size_t k = 0; k < fs->n && !seen; k++)
			seen = fs->v[k].line == line;
		HARNESS_CHECK(seen, "valid token at offset %zu (line %zu) "
		    "not reported", t->pos, line);
	}
}

void
scancheck_run(const uint8_t *data, size_t size)
{
	static struct filescan fsc;
	struct harness_findings a, b, c, d, f, nf;
	struct harness_input in;
	struct scan_origin o = { 0 };
	unsigned flags = SCAN_REPORT_ALLOWED;
	size_t k = 0;
	bool secret, limited;

	if (size < 2)
		return;
	o.path = PATHS[data[0] & 7];
	if ((data[0] & 8) != 0)
		flags |= SCAN_FORCE_TEXT;
	harness_splice(&in, data + 2, size - 2);

	scan(&a, s_avx2, &o, &in, flags);
	limited = last_stats.user_rule_limits > 0;
	scan(&b, s_avx2, &o, &in, flags);
	harness_same(&a, &b, "the same input twice");
	harness_findings_release(&b);

	scan(&b, s_scalar, &o, &in, flags);
	harness_same(&a, &b, "avx2 and scalar filters");
	harness_findings_release(&b);

	scan(&b, s_avx512, &o, &in, flags);
	harness_same(&a, &b, "avx2 and avx-512 filters");
	harness_findings_release(&b);

	scan_memfd(&b, &fsc, s_avx2, &o, &in, flags);
	harness_same(&a, &b, "filescan_fd and scanner_scan");
	harness_findings_release(&b);

	scan(&nf, s_avx2, &o, &in, flags & ~(unsigned)SCAN_REPORT_ALLOWED);
	harness_findings_init(&f, s_avx2, o.path, in.buf, in.len);
	for (size_t i = 0; i < a.n; i++) {
		if (a.v[i].allowed_inline)
			continue;
		HARNESS_CHECK(k < nf.n, "fewer findings without "
		    "SCAN_REPORT_ALLOWED");
		HARNESS_CHECK(strcmp(a.v[i].fingerprint, nf.v[k].fingerprint)
		    == 0 && a.v[i].line == nf.v[k].line, "findings without "
		    "SCAN_REPORT_ALLOWED are not those allowed less");
		k++;
	}
	HARNESS_CHECK(k == nf.n, "more findings without SCAN_REPORT_ALLOWED");
	harness_findings_release(&nf);
	harness_findings_release(&f);

	check_tokens(&a, &in);

	scan_windows(&d, s_avx2, &o, &in, flags, data[1]);
	c = a;
	c.v = malloc((a.n != 0 ? a.n : 1) * sizeof(*a.v));
	HARNESS_CHECK(c.v != NULL, "out of memory");
	if (a.n > 0)
		memcpy(c.v, a.v, a.n * sizeof(*a.v));
	/*
	 * Known: a Kubernetes Secret whose data map straddles the window
	 * boundary has its values judged by the Secret handler of the
	 * first window and again, as plain keys, by the second window's
	 * pass: a value may come twice, under another rule id, or as one
	 * literal instead of a literal and the token in it. With "Secret"
	 * in the input, only the lines that have findings must agree.
	 */
	secret = memmem(in.buf, in.len, "Secret", 6) != NULL;
	/*
	 * A user rule stopped by the PCRE2 limits on some lines is left out
	 * for the rest of a scan call: windows may stop it elsewhere.
	 */
	if (limited) {
		drop_user(&c);
		drop_user(&d);
	}
	for (size_t i = 0; secret && i < c.n; i++)
		c.v[i] = (struct harness_finding){ .line = c.v[i].line };
	for (size_t i = 0; secret && i < d.n; i++)
		d.v[i] = (struct harness_finding){ .line = d.v[i].line };
	harness_sort(&c);
	harness_sort(&d);
	if (secret) {
		harness_unique(&c);
		harness_unique(&d);
	}
	harness_same(&c, &d, "one scan and two windows");
	harness_findings_release(&c);
	harness_findings_release(&d);

	if ((data[0] & 16) != 0) {
		scan(&b, s_nocheck, &o, &in, flags);
		harness_findings_release(&b);
	}
	harness_findings_release(&a);
	harness_input_release(&in);
}
