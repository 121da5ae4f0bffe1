/*
 * webhook: bodies, signatures and one-shot delivery. The retry policy
 * (when to call webhook_send() again) belongs to the caller; this module
 * only says what an attempt gave and offers webhook_backoff() and
 * webhook_retry_after() to decide the delay.
 */
#include "webhook.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "b64.h"
#include "strbuf.h"

/* Room for "<id>.<timestamp>." */
#define HEAD_MAX 256

struct webhook {
	CURL *curl;
	char *url;
	unsigned char *key;
	size_t keylen;
	char *ca_file;
	char *user_agent;
	bool (*cancelled)(void *payload);
	void *cancel_payload;
	long long retry_after_ms;	/* of the response being read */
	char errbuf[CURL_ERROR_SIZE];
};

static const char *const FORMATS[] = {
	[WEBHOOK_JSON] = "json",
	[WEBHOOK_SLACK] = "slack",
	[WEBHOOK_ALERTMANAGER] = "alertmanager",
};

int
webhook_format_parse(enum webhook_format *out, const char *s)
{
	for (size_t i = 0; i < sizeof(FORMATS) / sizeof(FORMATS[0]); i++) {
		if (s != NULL && strcmp(s, FORMATS[i]) == 0) {
			*out = (enum webhook_format)i;
			return 0;
		}
	}
	return -1;
}

const char *
webhook_format_name(enum webhook_format f)
{
	return FORMATS[f];
}

int
webhook_secret_parse(unsigned char **key, size_t *keylen, const char *text,
    size_t len, struct err *e)
{
	static const char prefix[] = "whsec_";
	const size_t plen = sizeof(prefix) - 1;
	unsigned char *k;
	long n;

	while (len > 0 && isspace((unsigned char)text[0])) {
		text++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)text[len - 1]))
		len--;
	if (len == 0)
		return err_set(e, "the secret is empty");
	if (len > 4 * WEBHOOK_KEY_MAX)
		return err_set(e, "the secret is too long");
	k = malloc(len + 3);
	if (k == NULL)
		return err_set(e, "out of memory");
	if (len > plen && memcmp(text, prefix, plen) == 0) {
		n = b64_decode(k, text + plen, len - plen);
		if (n <= 0) {
			free(k);
			return err_set(e, "the secret starts with 'whsec_' "
			    "but the rest is not base64");
		}
	} else {
		memcpy(k, text, len);
		n = (long)len;
	}
	if (n > WEBHOOK_KEY_MAX) {
		OPENSSL_cleanse(k, len);
		free(k);
		return err_set(e, "the secret is too long");
	}
	*key = k;
	*keylen = (size_t)n;
	return 0;
}

int
webhook_sign(char out[WEBHOOK_SIGNATURE_SIZE], const unsigned char *key,
    size_t keylen, const char *id, long long timestamp, const char *body,
    size_t len, struct err *e)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	char head[HEAD_MAX];
	EVP_MAC *hmac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	size_t outlen = 0;
	int n, rc = -1;

	n = snprintf(head, sizeof(head), "%s.%lld.", id, timestamp);
	if (n < 0 || (size_t)n >= sizeof(head))
		return err_set(e, "webhook: id too long");
	hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (hmac != NULL)
		ctx = EVP_MAC_CTX_new(hmac);
	if (ctx == NULL) {
		err_set(e, "webhook: HMAC is not available");
		goto out;
	}
	params[0] = OSSL_PARAM_construct_utf8_string("digest",
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, key, keylen, params) != 1 ||
	    EVP_MAC_update(ctx, (const unsigned char *)head, (size_t)n) !=
	    1 || EVP_MAC_update(ctx, (const unsigned char *)body, len) != 1 ||
	    EVP_MAC_final(ctx, mac, &outlen, sizeof(mac)) != 1 ||
	    outlen != 32) {
		err_set(e, "webhook: HMAC-SHA256 failed");
		goto out;
	}
	memcpy(out, "v1,", 3);
	(void)b64_encode(out + 3, mac, outlen);
	rc = 0;
out:
	OPENSSL_cleanse(mac, sizeof(mac));
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(hmac);
	return rc;
}

static const char *
str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

/* The record's line as a number (0 when missing). */
static long long
line_of(const json_t *o)
{
	return json_integer_value(json_object_get(o, "line"));
}

static int
body_json(json_t **out, const json_t *rec)
{
	static const char *const keys[] = {
		"id", "time", "host", "path", "line", "rule", "description",
		"redacted", "fingerprint", "source",
	};
	json_t *o = json_object();

	if (o == NULL)
		return -1;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(rec, keys[i]);

		if (v != NULL && json_object_set(o, keys[i], v) < 0) {
			json_decref(o);
			return -1;
		}
	}
	*out = o;
	return 0;
}

/* Appends s with Slack's three control characters escaped. */
static void
sb_slack(struct strbuf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '&')
			strbuf_puts(b, "&amp;");
		else if (*s == '<')
			strbuf_puts(b, "&lt;");
		else if (*s == '>')
			strbuf_puts(b, "&gt;");
		else
			strbuf_add(b, s, 1);
	}
}

static int
body_slack(json_t **out, const json_t *rec)
{
	struct strbuf b = { 0 };
	char line[32];
	json_t *o;

	(void)snprintf(line, sizeof(line), ":%lld", line_of(rec));
	strbuf_puts(&b, ":rotating_light: tokenguard-watch on ");
	sb_slack(&b, str(rec, "host"));
	strbuf_puts(&b, ": *");
	sb_slack(&b, str(rec, "rule"));
	strbuf_puts(&b, "* in `");
	sb_slack(&b, str(rec, "path"));
	strbuf_puts(&b, line);
	strbuf_puts(&b, "` (");
	sb_slack(&b, str(rec, "redacted"));
	strbuf_puts(&b, ", ");
	sb_slack(&b, str(rec, "fingerprint"));
	strbuf_puts(&b, "): ");
	sb_slack(&b, str(rec, "description"));
	if (b.failed || b.p == NULL) {
		free(b.p);
		return -1;
	}
	o = json_pack("{s:s}", "text", b.p);
	free(b.p);
	if (o == NULL)
		return -1;
	*out = o;
	return 0;
}

/*
 * Cuts s back to whole UTF-8 characters: snprintf() may have cut the
 * last one (the record's strings are UTF-8, so only the end can be
 * broken), and jansson refuses a string that is not UTF-8.
 */
static void
utf8_trim(char *s)
{
	size_t n = strlen(s), i = n, need;
	unsigned char lead;

	while (i > 0 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i == 0 || (unsigned char)s[i - 1] < 0xc0)
		return;
	lead = (unsigned char)s[i - 1];
	need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
	if (n - (i - 1) < need)
		s[i - 1] = '\0';
}

static int
body_alertmanager(json_t **out, const json_t *rec)
{
	char line[32], summary[ERR_MAX];
	json_t *a;

	(void)snprintf(line, sizeof(line), "%lld", line_of(rec));
	(void)snprintf(summary, sizeof(summary), "%s in %s:%s on %s",
	    str(rec, "rule"), str(rec, "path"), line, str(rec, "host"));
	utf8_trim(summary);
	a = json_pack("[{s:{s:s,s:s,s:s,s:s,s:s,s:s},"
	    "s:{s:s,s:s,s:s,s:s,s:s,s:s},s:s}]",
	    "labels",
	    "alertname", WEBHOOK_ALERTNAME,
	    "severity", "critical",
	    "rule", str(rec, "rule"),
	    "host", str(rec, "host"),
	    "path", str(rec, "path"),
	    "fingerprint", str(rec, "fingerprint"),
	    "annotations",
	    "summary", summary,
	    "description", str(rec, "description"),
	    "redacted", str(rec, "redacted"),
	    "line", line,
	    "id", str(rec, "id"),
	    "source", str(rec, "source"),
	    "startsAt", str(rec, "time"));
	if (a == NULL)
		return -1;
	*out = a;
	return 0;
}

int
webhook_body(char **out, enum webhook_format f, const json_t *record,
    struct err *e)
{
	json_t *o = NULL;
	char *s;
	int rc;

	if (!json_is_object(record))
		return err_set(e, "webhook: the record is not an object");
	switch (f) {
	case WEBHOOK_SLACK:
		rc = body_slack(&o, record);
		break;
	case WEBHOOK_ALERTMANAGER:
		rc = body_alertmanager(&o, record);
		break;
	case WEBHOOK_JSON:
	default:
		rc = body_json(&o, record);
		break;
	}
	if (rc < 0)
		return err_set(e, "out of memory");
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s == NULL)
		return err_set(e, "out of memory");
	*out = s;
	return 0;
}

int
webhook_endpoint(char **out, const char *url, enum webhook_format f,
    struct err *e)
{
	const char *path = WEBHOOK_ALERTMANAGER_PATH;
	size_t len = strlen(url), plen = strlen(path);
	char *s;

	if (strncasecmp(url, "http://", 7) != 0 &&
	    strncasecmp(url, "https://", 8) != 0)
		return err_set(e, "not an http:// or https:// URL");
	if (f != WEBHOOK_ALERTMANAGER || (len >= plen &&
	    strcmp(url + len - plen, path) == 0)) {
		s = strdup(url);
	} else {
		while (len > 0 && url[len - 1] == '/')
			len--;
		s = malloc(len + plen + 1);
		if (s != NULL) {
			memcpy(s, url, len);
			memcpy(s + len, path, plen + 1);
		}
	}
	if (s == NULL)
		return err_set(e, "out of memory");
	*out = s;
	return 0;
}

enum webhook_outcome
webhook_classify(long status)
{
	if (status >= 200 && status <= 299)
		return WEBHOOK_DELIVERED;
	if (status >= 400 && status <= 499 && status != 408 && status != 429)
		return WEBHOOK_REJECTED;
	return WEBHOOK_RETRY;
}

long long
webhook_retry_after(const char *value, time_t now)
{
	const char *p = value;
	unsigned long long n = 0;
	time_t t;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p >= '0' && *p <= '9') {
		for (; *p >= '0' && *p <= '9'; p++) {
			if (n > 100000000ULL)
				return -1;
			n = n * 10 + (unsigned long long)(*p - '0');
		}
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		return *p == '\0' ? (long long)n * 1000 : -1;
	}
	t = curl_getdate(p, NULL);
	if (t == (time_t)-1)
		return -1;
	return t <= now ? 0 : (long long)(t - now) * 1000;
}

uint64_t
webhook_backoff(unsigned attempt, uint64_t base_ms, uint64_t max_ms,
    uint64_t random)
{
	uint64_t cap = base_ms;

	for (unsigned i = 0; i < attempt && cap < max_ms; i++)
		cap = cap > UINT64_MAX / 2 ? UINT64_MAX : cap * 2;
	if (cap > max_ms)
		cap = max_ms;
	if (cap == UINT64_MAX)
		return random;
	return random % (cap + 1);
}

static size_t
discard(char *p, size_t size, size_t n, void *payload)
{
	(void)p;
	(void)payload;
	return size * n;
}

static size_t
on_header(char *p, size_t size, size_t n, void *payload)
{
	static const char name[] = "retry-after:";
	struct webhook *w = payload;
	size_t len = size * n, nlen = sizeof(name) - 1;
	char value[128];

	if (len > nlen && strncasecmp(p, name, nlen) == 0 &&
	    len - nlen < sizeof(value)) {
		memcpy(value, p + nlen, len - nlen);
		value[len - nlen] = '\0';
		w->retry_after_ms = webhook_retry_after(value, time(NULL));
	}
	return len;
}

static int
on_progress(void *payload, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct webhook *w = payload;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return w->cancelled != NULL && w->cancelled(w->cancel_payload) ? 1 :
	    0;
}

void
webhook_free(struct webhook *w)
{
	if (w == NULL)
		return;
	if (w->curl != NULL)
		curl_easy_cleanup(w->curl);
	if (w->key != NULL)
		OPENSSL_cleanse(w->key, w->keylen);
	free(w->key);
	free(w->url);
	free(w->ca_file);
	free(w->user_agent);
	free(w);
}

static char *
dup_or_null(const char *s, bool *failed)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		*failed = true;
	return d;
}

int
webhook_new(struct webhook **out, const struct webhook_options *o,
    struct err *e)
{
	struct webhook *w;
	bool failed = false;
	CURLcode c = CURLE_OK;
	int rc = -1;

	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return err_set(e, "out of memory");
	w->url = dup_or_null(o->url, &failed);
	w->ca_file = dup_or_null(o->ca_file, &failed);
	w->user_agent = dup_or_null(o->user_agent != NULL ? o->user_agent :
	    "tokenguard", &failed);
	if (o->key != NULL) {
		w->key = malloc(o->keylen != 0 ? o->keylen : 1);
		if (w->key == NULL)
			failed = true;
		else
			memcpy(w->key, o->key, o->keylen);
		w->keylen = o->keylen;
	}
	w->cancelled = o->cancelled;
	w->cancel_payload = o->cancel_payload;
	if (failed || w->url == NULL) {
		err_set(e, "out of memory");
		goto out;
	}
	w->curl = curl_easy_init();
	if (w->curl == NULL) {
		err_set(e, "webhook: cannot make a curl handle");
		goto out;
	}
#define SET(opt, val) \
	do { \
		if (c == CURLE_OK) \
			c = curl_easy_setopt(w->curl, opt, val); \
	} while (0)
	SET(CURLOPT_URL, w->url);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (w->ca_file != NULL)
		SET(CURLOPT_CAINFO, w->ca_file);
	SET(CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	SET(CURLOPT_TIMEOUT_MS, o->timeout_ms);
	SET(CURLOPT_USERAGENT, w->user_agent);
	SET(CURLOPT_ERRORBUFFER, w->errbuf);
	SET(CURLOPT_WRITEFUNCTION, discard);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, w);
	SET(CURLOPT_XFERINFOFUNCTION, on_progress);
	SET(CURLOPT_XFERINFODATA, w);
	SET(CURLOPT_NOPROGRESS, 0L);
	SET(CURLOPT_POST, 1L);
#undef SET
	if (c != CURLE_OK) {
		err_set(e, "webhook: %s", curl_easy_strerror(c));
		goto out;
	}
	*out = w;
	w = NULL;
	rc = 0;
out:
	webhook_free(w);
	return rc;
}

/* Appends "name: value" to the list; false when out of memory. */
static bool
add_header(struct curl_slist **list, const char *name, const char *value)
{
	char line[256];
	struct curl_slist *l;

	(void)snprintf(line, sizeof(line), "%s: %s", name, value);
	l = curl_slist_append(*list, line);
	if (l == NULL)
		return false;
	*list = l;
	return true;
}

int
webhook_send(struct webhook_result *r, struct webhook *w, const char *id,
    long long timestamp, const char *body, size_t len, struct err *e)
{
	char sig[WEBHOOK_SIGNATURE_SIZE], ts[32];
	struct curl_slist *h = NULL;
	CURLcode c;
	long status = 0;
	double secs = 0;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	r->retry_after_ms = -1;
	(void)snprintf(ts, sizeof(ts), "%lld", timestamp);
	if (w->key != NULL && webhook_sign(sig, w->key, w->keylen, id,
	    timestamp, body, len, e) < 0)
		return -1;
	if (!add_header(&h, "Content-Type", "application/json") ||
	    !add_header(&h, "Expect", "") ||
	    !add_header(&h, "webhook-id", id) ||
	    !add_header(&h, "webhook-timestamp", ts) ||
	    (w->key != NULL && !add_header(&h, "webhook-signature", sig))) {
		err_set(e, "out of memory");
		goto out;
	}
	w->retry_after_ms = -1;
	w->errbuf[0] = '\0';
	if (curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, h) != CURLE_OK ||
	    curl_easy_setopt(w->curl, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)len) != CURLE_OK ||
	    curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, body) != CURLE_OK) {
		err_set(e, "out of memory");
		goto out;
	}
	c = curl_easy_perform(w->curl);
	(void)curl_easy_getinfo(w->curl, CURLINFO_TOTAL_TIME, &secs);
	r->seconds = secs;
	if (c != CURLE_OK) {
		r->outcome = WEBHOOK_RETRY;
		(void)snprintf(r->why, sizeof(r->why), "%s",
		    w->errbuf[0] != '\0' ? w->errbuf : curl_easy_strerror(c));
	} else {
		(void)curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE,
		    &status);
		r->status = status;
		r->outcome = webhook_classify(status);
		r->retry_after_ms = w->retry_after_ms;
		if (r->outcome != WEBHOOK_DELIVERED)
			(void)snprintf(r->why, sizeof(r->why), "HTTP %ld%s",
			    status, status >= 300 && status <= 399 ?
			    " (redirects are not followed)" : "");
	}
	rc = 0;
out:
	/* The body and headers are the caller's and ours: drop them. */
	(void)curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, NULL);
	(void)curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, NULL);
	curl_slist_free_all(h);
	OPENSSL_cleanse(sig, sizeof(sig));
	return rc;
}
