/*
 * report: text, JSON and SARIF forms of a finding. jansson builds the
 * JSON; what it cannot take (invalid UTF-8) is repaired here first, so
 * that no file name can make a report fail or come out malformed.
 */
#include "report.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "strbuf.h"
#include "utf8.h"
#include "version.h"

static const char REPLACEMENT[] = "\xef\xbf\xbd";	/* U+FFFD */

static const char SARIF_SCHEMA[] =
    "https://json.schemastore.org/sarif-2.1.0.json";

static const char ALLOW_HELP[] =
    ". If it is not a secret, add 'tokenguard:allow' to the line or its"
    " fingerprint to .tokenguard-allow.";

int
report_utf8(char **out, const char *s, struct err *e)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), n = 0, k;
	const unsigned char *end = p + len;
	char *buf;

	/* Each byte becomes at most the 3 bytes of U+FFFD. */
	if (len > (SIZE_MAX - 1) / 3)
		return err_set(e, "string too long");
	buf = malloc(3 * len + 1);
	if (buf == NULL)
		return err_set(e, "out of memory");
	while (*p != '\0') {
		k = utf8_len(p, (size_t)(end - p));
		if (k == 0) {
			memcpy(buf + n, REPLACEMENT, 3);
			n += 3;
			p++;
			continue;
		}
		memcpy(buf + n, p, k);
		n += k;
		p += k;
	}
	buf[n] = '\0';
	*out = buf;
	return 0;
}

/*
 * Appends p with control characters (C0, DEL, and C1 whether as UTF-8 or
 * as the single bytes 0x80 to 0x9f of a name that is not UTF-8) and,
 * when escape_backslash, backslash written as \xNN. Other bytes go as
 * they are: valid UTF-8, and the printable bytes of Latin-1 names.
 */
static void
str_escaped(struct strbuf *s, const char *p, bool escape_backslash)
{
	static const char hex[] = "0123456789abcdef";
	char esc[4] = { '\\', 'x', 0, 0 };
	const char *end = p + strlen(p);
	const unsigned char *u;
	unsigned char c;
	size_t k;

	for (; *p != '\0'; p++) {
		u = (const unsigned char *)p;
		c = u[0];
		/*
		 * Valid UTF-8 as it is, but for the C1 controls (U+0080 to
		 * U+009F): a terminal may take them, like the raw bytes 0x80
		 * to 0x9f of a name that is not UTF-8, for a CSI.
		 */
		k = c >= 0x80 ? utf8_len(u, (size_t)(end - p)) : 0;
		if (k > 1 && !(c == 0xc2 && u[1] < 0xa0)) {
			strbuf_add(s, p, k);
			p += k - 1;
			continue;
		}
		/* Other bytes of names that are not UTF-8 (Latin-1) too. */
		if (k == 0 && c >= 0xa0) {
			strbuf_add(s, p, 1);
			continue;
		}
		if (c >= 0x20 && c < 0x7f && (c != '\\' || !escape_backslash)) {
			strbuf_add(s, p, 1);
			continue;
		}
		for (size_t i = 0; i < (k > 1 ? k : 1); i++) {
			esc[2] = hex[u[i] >> 4];
			esc[3] = hex[u[i] & 0xf];
			strbuf_add(s, esc, sizeof(esc));
		}
		p += (k > 1 ? k : 1) - 1;
	}
}

static void
str_size(struct strbuf *s, size_t n)
{
	char num[32];

	(void)snprintf(num, sizeof(num), "%zu", n);
	strbuf_puts(s, num);
}

int
report_text(char **out, const struct finding *f, struct err *e)
{
	struct strbuf s = { 0 };

	if (f->commit != NULL) {
		str_escaped(&s, f->commit, true);
		strbuf_puts(&s, ":");
	}
	str_escaped(&s, f->path, true);
	strbuf_puts(&s, ":");
	str_size(&s, f->line);
	strbuf_puts(&s, ":");
	str_size(&s, f->column);
	strbuf_puts(&s, ": ");
	str_escaped(&s, f->rule, false);
	strbuf_puts(&s, ": ");
	if (f->dummy != NULL) {
		strbuf_puts(&s, "set aside, ");
		str_escaped(&s, f->dummy, false);
	} else {
		str_escaped(&s, f->description, false);
	}
	strbuf_puts(&s, " [");
	str_escaped(&s, f->redacted, false);
	strbuf_puts(&s, "] ");
	str_escaped(&s, f->fingerprint, false);
	if (s.failed) {
		free(s.p);
		return err_set(e, "out of memory");
	}
	*out = s.p;
	return 0;
}

int
report_escape(char **out, const char *s, struct err *e)
{
	struct strbuf buf = { 0 };

	/* Also makes the empty string a string rather than NULL. */
	strbuf_puts(&buf, "");
	str_escaped(&buf, s, true);
	if (buf.failed) {
		free(buf.p);
		return err_set(e, "out of memory");
	}
	*out = buf.p;
	return 0;
}

/* A JSON string of s, repaired to valid UTF-8; NULL when out of memory. */
static json_t *
jstr(const char *s)
{
	char *fixed = NULL;
	json_t *j;

	j = json_string(s);
	if (j != NULL)
		return j;
	if (report_utf8(&fixed, s, NULL) < 0)
		return NULL;
	j = json_string(fixed);
	free(fixed);
	return j;
}

/*
 * Sets key in obj to v, taking v's reference. Returns -1 when v is NULL
 * (a failed constructor) or the set fails.
 */
static int
jset(json_t *obj, const char *key, json_t *v)
{
	if (v == NULL)
		return -1;
	return json_object_set_new(obj, key, v) == 0 ? 0 : -1;
}

static json_t *
jsize(size_t n)
{
	return json_integer((json_int_t)n);
}

/*
 * Sets "path_base64" to the bytes of path when they are not valid UTF-8:
 * "path" then holds U+FFFD for each bad byte, which two names can share.
 */
static int
jset_path_bytes(json_t *o, const char *path)
{
	const unsigned char *p = (const unsigned char *)path;
	size_t len = strlen(path), k;
	const unsigned char *end = p + len;
	char *b;
	int rc;

	while ((k = p < end ? utf8_len(p, (size_t)(end - p)) : 0) != 0)
		p += k;
	if (*p == '\0')
		return 0;
	if (len > (SIZE_MAX - 1) / 4 - 1)
		return -1;
	b = malloc(4 * ((len + 2) / 3) + 1);
	if (b == NULL)
		return -1;
	(void)b64_encode(b, (const unsigned char *)path, len);
	rc = jset(o, "path_base64", json_string(b));
	free(b);
	return rc;
}

int
report_json(json_t **out, const struct finding *f, struct err *e)
{
	json_t *o;

	o = json_object();
	if (o == NULL)
		return err_set(e, "out of memory");
	if (jset(o, "path", jstr(f->path)) < 0 ||
	    jset(o, "line", jsize(f->line)) < 0 ||
	    jset(o, "column", jsize(f->column)) < 0 ||
	    jset(o, "rule", jstr(f->rule)) < 0 ||
	    jset(o, "description", jstr(f->description)) < 0 ||
	    jset(o, "redacted", jstr(f->redacted)) < 0 ||
	    jset(o, "fingerprint", jstr(f->fingerprint)) < 0 ||
	    (f->commit != NULL && jset(o, "commit", jstr(f->commit)) < 0) ||
	    (f->allowed_inline && jset(o, "allowed", json_true()) < 0) ||
	    (f->dummy != NULL && jset(o, "dummy", jstr(f->dummy)) < 0) ||
	    jset_path_bytes(o, f->path) < 0) {
		json_decref(o);
		return err_set(e, "out of memory");
	}
	*out = o;
	return 0;
}

/* {"text": s} */
static json_t *
jtext(const char *s)
{
	json_t *o = json_object();

	if (o != NULL && jset(o, "text", jstr(s)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* {"text": a b} */
static json_t *
jtext2(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s;
	json_t *o;

	s = malloc(la + lb + 1);
	if (s == NULL)
		return NULL;
	memcpy(s, a, la);
	memcpy(s + la, b, lb + 1);
	o = jtext(s);
	free(s);
	return o;
}

static json_t *
sarif_rule(const struct scan_rule_info *r)
{
	const char *desc = r->description != NULL ? r->description : r->id;
	json_t *o, *props, *conf;

	o = json_object();
	if (o == NULL)
		return NULL;
	props = json_pack("{s:[s]}", "tags", "security");
	conf = json_pack("{s:s}", "level", "error");
	if (jset(o, "id", jstr(r->id)) < 0 ||
	    jset(o, "shortDescription", jtext(desc)) < 0 ||
	    jset(o, "fullDescription", jtext2(desc, r->user ?
	    " (user rule from configuration)" : "")) < 0 ||
	    jset(o, "help", jtext2(desc, ALLOW_HELP)) < 0 ||
	    jset(o, "defaultConfiguration", conf) < 0 ||
	    jset(o, "properties", props) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
sarif_driver(const struct scan_rule_info *rules, size_t nrules)
{
	json_t *driver, *arr;

	driver = json_pack("{s:s, s:s}", "name", "tokenguard",
	    "version", TOKENGUARD_VERSION);
	arr = json_array();
	if (driver == NULL || arr == NULL)
		goto fail;
	for (size_t i = 0; i < nrules; i++) {
		if (json_array_append_new(arr, sarif_rule(&rules[i])) < 0)
			goto fail;
	}
	if (json_object_set_new(driver, "rules", arr) < 0) {
		arr = NULL;
		goto fail;
	}
	return driver;
fail:
	json_decref(arr);
	json_decref(driver);
	return NULL;
}

int
report_sarif_new(json_t **out, const struct scan_rule_info *rules,
    size_t nrules, struct err *e)
{
	json_t *log, *run, *driver;

	driver = sarif_driver(rules, nrules);
	if (driver == NULL)
		return err_set(e, "out of memory");
	/* "results" last: report_sarif_split() relies on it. */
	run = json_pack("{s:{s:o}, s:[]}", "tool", "driver", driver,
	    "results");
	if (run == NULL)
		return err_set(e, "out of memory");
	log = json_pack("{s:s, s:s, s:[o]}", "$schema", SARIF_SCHEMA,
	    "version", "2.1.0", "runs", run);
	if (log == NULL)
		return err_set(e, "out of memory");
	*out = log;
	return 0;
}

json_t *
report_sarif_results(json_t *log)
{
	json_t *run = json_array_get(json_object_get(log, "runs"), 0);

	return json_object_get(run, "results");
}

static int
unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

int
report_uri(char **out, const char *path, struct err *e)
{
	static const char hex[] = "0123456789ABCDEF";
	struct strbuf s = { 0 };
	char pct[3] = { '%', 0, 0 };
	unsigned char c;

	/* Also makes the empty path an empty string rather than NULL. */
	strbuf_puts(&s, path[0] == '/' ? "file://" : "");
	for (const char *p = path; *p != '\0'; p++) {
		c = (unsigned char)*p;
		if (unreserved(c) || c == '/') {
			strbuf_add(&s, p, 1);
			continue;
		}
		pct[1] = hex[c >> 4];
		pct[2] = hex[c & 0xf];
		strbuf_add(&s, pct, sizeof(pct));
	}
	if (s.failed) {
		free(s.p);
		return err_set(e, "out of memory");
	}
	*out = s.p;
	return 0;
}

/*
 * A relative URI is relative to %SRCROOT%, the top of the checkout, as
 * code scanning (GitHub's upload-sarif) and SARIF viewers read it; SARIF
 * wants a uriBaseId on every relative URI. An absolute one has none.
 */
static json_t *
sarif_location(const struct finding *f, const char *uri)
{
	bool absolute = strncmp(uri, "file://", 7) == 0;

	return json_pack("[{s:{s:{s:s, s:s*}, s:{s:I, s:I}}}]",
	    "physicalLocation",
	    "artifactLocation", "uri", uri,
	    "uriBaseId", absolute ? NULL : "%SRCROOT%",
	    "region", "startLine", (json_int_t)f->line,
	    "startColumn", (json_int_t)f->column);
}

int
report_sarif_result(json_t **out, const struct finding *f, struct err *e)
{
	char *uri = NULL, *msg = NULL;
	struct strbuf s = { 0 };
	json_t *o = NULL;
	int rc = -1;

	if (report_uri(&uri, f->path, e) < 0)
		return -1;
	if (f->dummy != NULL) {
		strbuf_puts(&s, "set aside, ");
		strbuf_puts(&s, f->dummy);
	} else {
		strbuf_puts(&s, f->description);
	}
	strbuf_puts(&s, " [");
	strbuf_puts(&s, f->redacted);
	strbuf_puts(&s, "]");
	msg = s.p;
	o = json_object();
	/* A value set aside is a note for review, not an error. */
	if (s.failed || o == NULL ||
	    jset(o, "ruleId", jstr(f->rule)) < 0 ||
	    jset(o, "level", json_string(f->dummy != NULL ? "note" :
	    "error")) < 0 ||
	    jset(o, "message", jtext(msg)) < 0 ||
	    jset(o, "locations", sarif_location(f, uri)) < 0 ||
	    jset(o, "partialFingerprints", json_pack("{s:s}",
	    "tokenguard/v1", f->fingerprint)) < 0) {
		err_set(e, "out of memory");
		goto out;
	}
	*out = o;
	o = NULL;
	rc = 0;
out:
	json_decref(o);
	free(msg);
	free(uri);
	return rc;
}

int
report_sarif_split(char **head, char **tail, const json_t *log,
    struct err *e)
{
	char *doc, *mark, *t;
	size_t cut;

	doc = json_dumps(log, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (doc == NULL)
		return err_set(e, "sarif: cannot serialize the log");
	/*
	 * The empty results array is the last array opened in the document:
	 * only closing brackets and blanks may follow it.
	 */
	mark = strstr(doc, "[]");
	while (mark != NULL && strstr(mark + 1, "[]") != NULL)
		mark = strstr(mark + 1, "[]");
	if (mark == NULL || strspn(mark + 2, "]} \n") != strlen(mark + 2)) {
		free(doc);
		return err_set(e, "sarif: log has results or is malformed");
	}
	cut = (size_t)(mark - doc) + 1;
	t = strdup(doc + cut);
	if (t == NULL) {
		free(doc);
		return err_set(e, "out of memory");
	}
	doc[cut] = '\0';
	*head = doc;
	*tail = t;
	return 0;
}

char *
report_json_line(const json_t *o, size_t *len)
{
	char *text = json_dumps(o, JSON_COMPACT);

	if (text == NULL)
		return NULL;
	*len = strlen(text);
	text[(*len)++] = '\n';
	return text;
}
