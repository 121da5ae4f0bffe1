/*
 * fuzz_config: the configuration values tokenguard parses itself, and
 * whole configuration files. Byte 0 of the input chooses the target,
 * the rest is its text:
 *   0  config_parse_size() (tokenguard.maxFileSize, watch.maxFileSize,
 *      queue.maxBytes, the hooks' sizes), against a reference parser:
 *      digits, one optional k/m/g suffix, no overflow;
 *   1  conf_parse_duration() (the watcher's durations), likewise:
 *      digits and ms, s, m or h;
 *   2  config_read_allow_file() on the text as a .tokenguard-allow file,
 *      against a reference reader: it accepts exactly the files whose
 *      lines are blank, '#' comments or a fingerprint with an optional
 *      comment, and keeps one entry per fingerprint line, each a
 *      well-formed fingerprint;
 *   3  conf_load() on the text as a watch.conf file (git-config syntax
 *      read by libgit2): every watcher key and the engine's keys through
 *      config_read(), user rules compiled by scanner_new(); a loaded
 *      configuration then judges a few paths and scans a short text;
 *   4  webhook_secret_parse() (webhook.secretFile contents): a key of 1
 *      to WEBHOOK_KEY_MAX bytes, or a one-line error that never quotes
 *      the secret;
 *   5  log_url() (how the watcher logs webhook URLs) with a buffer size
 *      from byte 1: the output is terminated within the buffer, has no
 *      control bytes, and never shows the userinfo of the URL;
 *   6  webhook_endpoint() and webhook_format_parse().
 * ASan and UBSan watch all of it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "conf.h"
#include "config.h"
#include "finding.h"
#include "harness.h"
#include "log.h"
#include "webhook.h"

static char dir[] = "/tmp/tokenguard-fuzz-config.XXXXXX";
static char file[sizeof(dir) + 16];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	HARNESS_CHECK(git_libgit2_init() > 0, "git_libgit2_init");
	HARNESS_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	(void)snprintf(file, sizeof(file), "%s/input", dir);
	return 0;
}

static void
write_file(const char *text, size_t n)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t off = 0;

	HARNESS_CHECK(fd >= 0, "cannot write %s", file);
	while (off < n) {
		ssize_t w = write(fd, text + off, n - off);

		HARNESS_CHECK(w > 0, "cannot write %s", file);
		off += (size_t)w;
	}
	(void)close(fd);
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Digits at s: their value in *n, false on overflow or no digit. */
static bool
ref_number(uint64_t *n, const char *s, const char **end)
{
	uint64_t v = 0;
	const char *p = s;

	*end = s;
	for (; is_digit(*p); p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*n = v;
	*end = p;
	return p != s;
}

static void
check_size(const char *s)
{
	uint64_t got = 0, n = 0;
	const char *end;
	unsigned shift = 0;
	bool want;
	int rc;

	want = ref_number(&n, s, &end);
	if (want && *end != '\0') {
		const char *sfx = strchr("kKmMgG", *end);

		want = sfx != NULL && *end != '\0' && end[1] == '\0';
		if (want)
			shift = (unsigned)((sfx - "kKmMgG") / 2 + 1) * 10;
	}
	want = want && n <= (UINT64_MAX >> shift);
	rc = config_parse_size(&got, s);
	HARNESS_CHECK((rc == 0) == want, "config_parse_size('%s') gave %d",
	    s, rc);
	HARNESS_CHECK(rc != 0 || got == n << shift, "config_parse_size('%s')"
	    " = %llu", s, (unsigned long long)got);
}

static void
check_duration(const char *s)
{
	uint64_t got = 0, n = 0, mult = 0;
	const char *end;
	bool want;
	int rc;

	want = ref_number(&n, s, &end);
	if (!want)
		mult = 0;
	else if (strcmp(end, "ms") == 0)
		mult = 1;
	else if (*end == '\0' || strcmp(end, "s") == 0)
		mult = 1000;
	else if (strcmp(end, "m") == 0)
		mult = 60000;
	else if (strcmp(end, "h") == 0)
		mult = 3600000;
	want = want && mult != 0 && n <= UINT64_MAX / mult / 1000;
	rc = conf_parse_duration(&got, s);
	HARNESS_CHECK((rc == 0) == want, "conf_parse_duration('%s') gave %d",
	    s, rc);
	HARNESS_CHECK(rc != 0 || got == n * mult, "conf_parse_duration('%s')"
	    " = %llu", s, (unsigned long long)got);
}

static bool
ref_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The reference reader: -1 for a bad file, else the entries. */
static long
ref_allow(const char *text, size_t n)
{
	long count = 0;
	size_t i = 0;

	if (memchr(text, '\0', n) != NULL)
		return -1;
	while (i < n) {
		const char *nl = memchr(text + i, '\n', n - i);
		size_t e = nl != NULL ? (size_t)(nl - text) : n, s = i, t;
		char fp[FINGERPRINT_SIZE];

		while (s < e && ref_space(text[s]))
			s++;
		i = e + 1;
		if (s == e || text[s] == '#')
			continue;
		for (t = s; t < e && !ref_space(text[t]); t++)
			;
		if (t - s != FINGERPRINT_SIZE - 1)
			return -1;
		memcpy(fp, text + s, t - s);
		fp[t - s] = '\0';
		if (!finding_is_fingerprint(fp))
			return -1;
		while (t < e && ref_space(text[t]))
			t++;
		if (t < e && text[t] != '#')
			return -1;
		count++;
	}
	return count;
}

static void
check_allow(const char *text, size_t n)
{
	struct config c;
	struct err e = { 0 };
	long want = ref_allow(text, n);
	int rc;

	write_file(text, n);
	config_init(&c);
	rc = config_read_allow_file(&c, file, &e);
	HARNESS_CHECK((rc == 0) == (want >= 0), "allow file: rc %d, the "
	    "reference reader %s (%s)", rc, want >= 0 ? "accepts" : "refuses",
	    e.msg);
	if (rc == 0) {
		HARNESS_CHECK((long)c.nallow == want, "allow file: %zu "
		    "entries, want %ld", c.nallow, want);
		for (size_t i = 0; i < c.nallow; i++)
			HARNESS_CHECK(finding_is_fingerprint(c.allow[i]),
			    "allow entry %zu is not a fingerprint", i);
	}
	config_release(&c);
}

static int
count_findings(const struct finding *f, void *payload)
{
	(void)f;
	(*(size_t *)payload)++;
	return 0;
}

static void
check_conf(const char *text, size_t n)
{
	static const char sample[] =
	    "//registry.npmjs.org/:_authToken=Zq8vR2mK9pLx4TnW7yB3\n"
	    "acme_Zq8vR2mK9pLx4TnW7yB3 aaaaaaaaaaaaaaaaaaaaaaaaaaaa!\n";
	struct scan_origin o = { ".npmrc", NULL };
	struct conf *c = NULL;
	struct err e = { 0 };
	size_t found = 0;

	write_file(text, n);
	if (conf_load(&c, file, 0, &e) < 0) {
		HARNESS_CHECK(e.msg[0] != '\0', "conf_load failed silently");
		return;
	}
	HARNESS_CHECK(c->scanner != NULL && c->npaths > 0 && c->url != NULL,
	    "conf_load: incomplete configuration");
	(void)conf_excluded_path(c, "a/node_modules/b/.git/c");
	(void)conf_excluded(c, "x.tmp", "dir/x.tmp");
	(void)conf_own(c, "/var/lib/tokenguard/queue/x");
	HARNESS_CHECK(scanner_scan(c->scanner, NULL, &o, sample,
	    sizeof(sample) - 1, 0, count_findings, &found, &e) == 0,
	    "scan with the loaded rules: %s", e.msg);
	conf_unref(c);
}

static void
check_secret(const char *text, size_t n)
{
	unsigned char *key = NULL;
	size_t keylen = 0, s = 0, m = n;
	struct err e = { 0 };
	int rc;

	rc = webhook_secret_parse(&key, &keylen, text, n, &e);
	if (rc == 0) {
		HARNESS_CHECK(key != NULL && keylen > 0 &&
		    keylen <= WEBHOOK_KEY_MAX, "key of %zu bytes", keylen);
		free(key);
		return;
	}
	HARNESS_CHECK(e.msg[0] != '\0' && strchr(e.msg, '\n') == NULL,
	    "no one-line message");
	/* The secret, trimmed; 16 bytes of it without blanks never shown. */
	while (s < m && (text[s] == ' ' || text[s] == '\t' || text[s] == '\n'))
		s++;
	if (m - s >= 6 && memcmp(text + s, "whsec_", 6) == 0)
		s += 6;
	if (m - s >= 16 && memchr(text + s, ' ', 16) == NULL &&
	    memchr(text + s, '\0', 16) == NULL)
		HARNESS_CHECK(memmem(e.msg, strlen(e.msg), text + s, 16) ==
		    NULL, "the error quotes the secret: %s", e.msg);
}

static void
check_log_url(const char *url, size_t size)
{
	char out[LOG_PATH_MAX + 8];
	const char *sep = strstr(url, "://"), *host, *at = NULL, *shown;
	size_t end;

	memset(out, 'Z', sizeof(out));
	HARNESS_CHECK(log_url(out, size, url) == out, "log_url's return");
	HARNESS_CHECK(memchr(out, '\0', size) != NULL, "not terminated "
	    "within %zu bytes", size);
	for (size_t i = 0; out[i] != '\0'; i++)
		HARNESS_CHECK((unsigned char)out[i] >= 0x20 &&
		    (unsigned char)out[i] != 0x7f, "control byte in '%s'", out);
	if (sep == NULL)
		return;
	host = sep + 3;
	end = strcspn(host, "/?#");
	for (size_t i = 0; i < end; i++) {
		if (host[i] == '@')
			at = host + i;
	}
	if (at == NULL)
		return;
	/* Whatever comes before the last '@' is userinfo: never shown. */
	shown = strstr(out, "://");
	HARNESS_CHECK(shown == NULL || strcspn(shown + 3, "@") >=
	    strcspn(shown + 3, "/"), "log_url shows userinfo: '%s'", out);
}

static void
check_endpoint(const char *url)
{
	enum webhook_format f = WEBHOOK_JSON;
	char *out = NULL;
	struct err e = { 0 };

	if (webhook_format_parse(&f, url) == 0)
		HARNESS_CHECK(strcmp(webhook_format_name(f), url) == 0,
		    "format '%s' named '%s'", url, webhook_format_name(f));
	for (int i = 0; i < 3; i++) {
		if (webhook_endpoint(&out, url, (enum webhook_format)i,
		    &e) == 0) {
			HARNESS_CHECK(strncasecmp(out, "http", 4) == 0,
			    "endpoint '%s'", out);
			free(out);
			out = NULL;
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;
	size_t n;

	if (size < 1)
		return 0;
	n = size - 1;
	text = malloc(n + 1);
	HARNESS_CHECK(text != NULL, "out of memory");
	memcpy(text, data + 1, n);
	text[n] = '\0';
	switch (data[0] % 7) {
	case 0:
		check_size(text);
		break;
	case 1:
		check_duration(text);
		break;
	case 2:
		check_allow(text, n);
		break;
	case 3:
		check_conf(text, n);
		break;
	case 4:
		check_secret(text, n);
		break;
	case 5:
		if (n > 0)
			check_log_url(text + 1, 1 + (unsigned char)text[0] *
			    LOG_PATH_MAX / 256);
		break;
	default:
		check_endpoint(text);
		break;
	}
	free(text);
	return 0;
}
